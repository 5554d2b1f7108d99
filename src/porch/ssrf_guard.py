"""One guard for every URL Porch fetches or posts to on someone's say-so (webhooks, comment feeds).

Server-side request forgery: a site owner's webhook URL or a reader's feed URL must not make Porch
talk to its own networks — loopback, private ranges, link-local (with the clouds' metadata
services at 169.254.169.254 and friends), multicast, reserved and unspecified addresses, nor the
same hidden in IPv4-mapped IPv6 or NAT64 form.

The check is made on the addresses the name resolves to, not on the name, and made again for
every request and every redirect hop: a name that resolved to a public address when the webhook
was saved may resolve to 127.0.0.1 now (DNS rebinding). And the request then goes to the very
address that was checked (:func:`pin`): the URL's host is replaced by the address, with the name
kept in the ``Host`` header and, for https, in TLS's SNI and certificate check — so a second,
different answer from DNS between check and connect cannot slip through.

``allow_private`` (``PORCH_ALLOW_PRIVATE_WEBHOOKS=1``, ``porch poll-feeds --allow-private``) turns
all of this off for tests on loopback and intranet installs.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]
REDIRECT_STATUSES = (301, 302, 303, 307, 308)

# Cloud metadata services: named as such in refusals (all are inside refused ranges anyway).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192",
    )  # AWS/GCP/Azure/OpenStack, AWS ECS, AWS IPv6, Alibaba, Oracle
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedAddress(Exception):
    """The URL leads to an address on Porch's own networks (or cannot be resolved)."""


def refusal(address: IPAddress) -> str | None:
    """Why Porch will not connect to ``address`` (None: it is a public address)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for kind, test in (
        ("an unspecified", address.is_unspecified),
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a private", address.is_private),
        ("a reserved", address.is_reserved),
    ):
        if test:
            return f"{kind} address"
    if not address.is_global:
        return "not a public address"
    return None


def system_resolver(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses outgoing requests may reach. ``resolve`` is swappable for tests."""

    allow_private: bool = False
    resolve: Resolver = field(default=system_resolver)

    def check(self, url: str) -> list[IPAddress]:
        """The addresses ``url``'s host has now, all public; else :class:`RefusedAddress` saying why."""
        parsed = httpx.URL(url)
        host = parsed.host
        if parsed.scheme not in ("http", "https") or not host:
            raise RefusedAddress(f"{url!r} is not an http(s) URL")
        addresses = self._addresses(host)
        if not addresses:
            raise RefusedAddress(f"{host} cannot be resolved")
        if not self.allow_private:
            for address in addresses:
                reason = refusal(address)
                if reason:
                    shown = host if self._is_literal(host) else f"{host} ({address})"
                    raise RefusedAddress(f"{shown} is {reason}")
        return addresses

    @staticmethod
    def _is_literal(host: str) -> bool:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True

    def _addresses(self, host: str) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            return [ipaddress.ip_address(a.split("%", 1)[0]) for a in dict.fromkeys(self.resolve(host))]
        except (OSError, UnicodeError, ValueError) as exc:
            raise RefusedAddress(f"{host} cannot be resolved") from exc

    @contextmanager
    def stream(
        self, client: httpx.Client, method: str, url: str, *, headers: dict[str, str] | None = None,
        max_redirects: int = 0, **kwargs: Any,
    ) -> Iterator[httpx.Response]:
        """``client.stream(method, url)`` to a checked, pinned address; redirects (at most
        ``max_redirects``, each hop checked again) are followed by hand. A redirect beyond the
        limit is returned as it is."""
        given = {name: value for name, value in (headers or {}).items() if name.lower() != "host"}
        for hop in range(max_redirects + 1):
            target, host_header, extensions = (url, {}, {}) if self.allow_private else pin(url, self.check(url)[0])
            with client.stream(
                method, target, headers={**given, **host_header}, extensions=extensions, follow_redirects=False,
                **kwargs,
            ) as response:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location and hop < max_redirects:
                    url = str(httpx.URL(url).join(location))
                    if response.status_code == 303:
                        method, kwargs = "GET", {k: v for k, v in kwargs.items() if k not in ("content", "data")}
                    continue
                yield response
                return


def pin(url: str, address: IPAddress) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``url`` aimed at ``address`` rather than at whatever its name resolves to next: the URL with
    the address as host, the ``Host`` header, and the TLS server name (SNI, certificate check)."""
    parsed = httpx.URL(url)
    host = parsed.host
    if host == str(address):
        return url, {}, {}
    pinned = str(parsed.copy_with(host=str(address)))
    host_header = host if parsed.port is None else f"{host}:{parsed.port}"
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return pinned, {"Host": host_header}, extensions
