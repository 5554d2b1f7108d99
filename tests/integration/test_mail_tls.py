"""SMTP over TLS with credentials, as PORCH_SMTP_URL names it: ``smtps://user:pass@host:465`` (TLS from
the first byte) and ``smtp://user:pass@host:587`` (STARTTLS). A real aiosmtpd server on loopback with
a certificate from a throwaway CA (trustme) that only the sender under test trusts; the mail is a
sign-in link sent through the outbox, as in production."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiosmtplib
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient

from porch.mail.senders import SmtpSender
from porch.services.context import Context
from tests.factories import deliver_outbox
from tests.mail_sink import free_port

USER, PASSWORD = "porch@example.org", "p@ss:w/rd"  # characters that must be %-encoded in the URL
MAIL_FROM = "Porch <porch@test>"


@dataclass
class TlsHandler:
    received: list[tuple[str, bool, bytes]] = field(default_factory=list)  # (login, over TLS, raw)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        login = session.auth_data.login.decode() if session.auth_data else ""
        over_tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append((login, over_tls, envelope.original_content))
        return "250 accepted"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def serve(handler: TlsHandler, **options: Any) -> Iterator[int]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtps(ca: trustme.CA) -> Iterator[tuple[TlsHandler, int]]:
    handler = TlsHandler()
    # TLS from the first byte: aiosmtpd cannot tell (auth_require_tls looks for STARTTLS), the handler can.
    for port in serve(handler, ssl_context=server_context(ca), auth_require_tls=False):
        yield handler, port


@pytest.fixture
def starttls(ca: trustme.CA) -> Iterator[tuple[TlsHandler, int]]:
    handler = TlsHandler()
    for port in serve(handler, tls_context=server_context(ca), require_starttls=True, auth_required=True,
                      auth_require_tls=True):
        yield handler, port


def credentials() -> str:
    return f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}"


def ask_for_a_link(client: TestClient, ctx: Context) -> None:
    assert client.post("/api/v1/auth/magic-link", json={"email": "sam@example.org"}).status_code == 202
    deliver_outbox(ctx)


def test_smtps_with_credentials_delivers_over_tls(
    client: TestClient, ctx: Context, smtps: tuple[TlsHandler, int], trusting: ssl.SSLContext
) -> None:
    handler, port = smtps
    ctx.mail = SmtpSender(f"smtps://{credentials()}@127.0.0.1:{port}", MAIL_FROM, tls_context=trusting)
    ask_for_a_link(client, ctx)
    ((login, over_tls, raw),) = handler.received
    assert login == USER and over_tls
    assert b"Subject: Your sign-in link" in raw and b"/auth/magic?token=" in raw


def test_smtp_upgrades_with_starttls_before_sending_credentials(
    client: TestClient, ctx: Context, starttls: tuple[TlsHandler, int], trusting: ssl.SSLContext
) -> None:
    handler, port = starttls
    ctx.mail = SmtpSender(f"smtp://{credentials()}@127.0.0.1:{port}", MAIL_FROM, tls_context=trusting)
    ask_for_a_link(client, ctx)
    ((login, over_tls, _raw),) = handler.received
    assert login == USER and over_tls


def test_an_untrusted_certificate_or_a_wrong_password_sends_nothing(
    smtps: tuple[TlsHandler, int], starttls: tuple[TlsHandler, int], trusting: ssl.SSLContext
) -> None:
    from porch.mail.message import OutgoingMail

    mail = OutgoingMail(to="sam@example.org", subject="hello", text="hello")
    for scheme, (handler, port) in (("smtps", smtps), ("smtp", starttls)):
        # The system's CAs do not know the test CA: the certificate is refused, no credentials leave.
        with pytest.raises((ssl.SSLError, aiosmtplib.SMTPException)):
            SmtpSender(f"{scheme}://{credentials()}@127.0.0.1:{port}", MAIL_FROM).send(mail)
        with pytest.raises(aiosmtplib.SMTPAuthenticationError):
            SmtpSender(f"{scheme}://{quote(USER, safe='')}:wrong@127.0.0.1:{port}", MAIL_FROM,
                       tls_context=trusting).send(mail)
        assert handler.received == []
