"""The SSRF guard: which addresses are refused, re-checked per request and per redirect, and pinned.

Public addresses cannot be served from a test machine, so the network here is httpx's
MockTransport and DNS a dictionary: what is under test is the guard's own logic. The
integration side (a webhook to a real receiver on 127.0.0.1) is in tests/integration/test_webhooks.py.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import httpx
import pytest

from porch.ssrf_guard import AddressPolicy, RefusedAddress, pin, refusal

PUBLIC_V4, PUBLIC_V6 = "93.184.216.34", "2606:2800:220:1::1"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"), ("127.8.9.10", "a loopback address"), ("::1", "a loopback address"),
        ("10.0.0.1", "a private address"), ("172.16.5.4", "a private address"), ("192.168.1.1", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("169.254.1.1", "a link-local address"), ("fe80::1", "a link-local address"),
        ("169.254.169.254", "a cloud metadata address"), ("fd00:ec2::254", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("224.0.0.1", "a multicast address"), ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"), ("::", "an unspecified address"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("240.0.0.1", "a private address"), ("255.255.255.255", "a private address"),
        # The same addresses dressed as IPv6: mapped, 6to4, NAT64.
        ("::ffff:127.0.0.1", "a loopback address"), ("::ffff:169.254.169.254", "a cloud metadata address"),
        ("2002:7f00:1::", "a loopback address"), ("64:ff9b::a00:1", "a private address"),
    ],
)
def test_internal_addresses_are_refused_with_the_reason(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", [PUBLIC_V4, "8.8.8.8", "1.1.1.1", PUBLIC_V6, "::ffff:93.184.216.34"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def fixed(**names: list[str]) -> Callable[[str], list[str]]:
    def resolve(host: str) -> list[str]:
        if host not in names:
            raise OSError(f"no such host {host}")
        return names[host]

    return resolve


def test_every_address_of_a_name_must_be_public() -> None:
    policy = AddressPolicy(resolve=fixed(**{"hooks.example": [PUBLIC_V4], "mixed.example": [PUBLIC_V4, "10.0.0.7"]}))
    assert policy.check("https://hooks.example/in") == [ipaddress.ip_address(PUBLIC_V4)]
    with pytest.raises(RefusedAddress, match=r"mixed.example \(10.0.0.7\) is a private address"):
        policy.check("https://mixed.example/in")
    with pytest.raises(RefusedAddress, match="nowhere.example cannot be resolved"):
        policy.check("https://nowhere.example/in")
    with pytest.raises(RefusedAddress, match="^127.0.0.1 is a loopback address$"):
        policy.check("http://127.0.0.1:8080/in")
    with pytest.raises(RefusedAddress, match="not an http"):
        policy.check("ftp://hooks.example/in")


def test_allowing_private_addresses_lets_loopback_through() -> None:
    assert AddressPolicy(allow_private=True).check("http://127.0.0.1:1/") == [ipaddress.ip_address("127.0.0.1")]


class Network:
    """httpx's MockTransport, recording what was asked of it; answers from ``routes`` by host header."""

    def __init__(self, routes: dict[str, httpx.Response]):
        self.routes = routes
        self.requests: list[httpx.Request] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.routes.get(request.headers["host"], httpx.Response(404))


def test_requests_go_to_the_checked_address_with_the_name_in_host_and_sni() -> None:
    network = Network({"hooks.example": httpx.Response(204)})
    policy = AddressPolicy(resolve=fixed(**{"hooks.example": [PUBLIC_V4]}))
    with policy.stream(network.client, "POST", "https://hooks.example/in?x=1", content=b"{}") as response:
        assert response.status_code == 204
    (request,) = network.requests
    assert str(request.url) == f"https://{PUBLIC_V4}/in?x=1"
    assert request.headers["host"] == "hooks.example"
    assert request.extensions["sni_hostname"] == "hooks.example"
    assert pin("http://hooks.example:8080/", ipaddress.ip_address(PUBLIC_V6)) == (
        f"http://[{PUBLIC_V6}]:8080/", {"Host": "hooks.example:8080"}, {},
    )


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused_at_delivery() -> None:
    answers = iter([[PUBLIC_V4], ["127.0.0.1"]])
    policy = AddressPolicy(resolve=lambda host: next(answers))
    policy.check("https://rebind.example/in")  # when the webhook is saved: public
    network = Network({"rebind.example": httpx.Response(200)})
    with (
        pytest.raises(RefusedAddress, match=r"rebind.example \(127.0.0.1\) is a loopback address"),
        policy.stream(network.client, "POST", "https://rebind.example/in", content=b"{}"),
    ):
        pass
    assert network.requests == []  # nothing was sent


def test_redirects_are_checked_hop_by_hop() -> None:
    network = Network({
        "feeds.example": httpx.Response(302, headers={"location": "https://cdn.example/feed.xml"}),
        "cdn.example": httpx.Response(200, content=b"<feed/>"),
        "evil.example": httpx.Response(301, headers={"location": "http://169.254.169.254/latest/meta-data/"}),
    })
    policy = AddressPolicy(resolve=fixed(**{"feeds.example": [PUBLIC_V4], "cdn.example": ["1.1.1.1"],
                                            "evil.example": ["8.8.8.8"]}))
    with policy.stream(network.client, "GET", "https://feeds.example/feed", max_redirects=3) as response:
        assert response.status_code == 200 and response.read() == b"<feed/>"
    assert [str(r.url) for r in network.requests] == [f"https://{PUBLIC_V4}/feed", "https://1.1.1.1/feed.xml"]

    with (
        pytest.raises(RefusedAddress, match="169.254.169.254 is a cloud metadata address"),
        policy.stream(network.client, "GET", "https://evil.example/feed", max_redirects=3),
    ):
        pass
    assert len(network.requests) == 3  # the metadata service was never asked

    # Without redirects allowed (webhooks), the 3xx itself is the answer.
    with policy.stream(network.client, "POST", "https://evil.example/in", content=b"{}") as response:
        assert response.status_code == 301
    assert len(network.requests) == 4
