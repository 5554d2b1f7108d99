"""Account mail through a real SMTP server (aiosmtpd on loopback), end to end through the API.

Account mail is written to the outbox in the request's transaction; ``inbox()`` runs an outbox
worker in the test's thread until nothing is due, and an SMTP client only returns once the server
has answered the DATA with 250 (which aiosmtpd sends after the handler has stored the message),
so every queued mail has arrived when it returns: no waiting anywhere.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from porch.config import Settings
from porch.mail.senders import SmtpSender
from porch.services.context import Context
from porch.storage.schema import outbox_attempts, outbox_jobs
from porch.web.app import create_app
from tests.conftest import Clock
from tests.factories import deliver_outbox

PASSWORD = "correct horse battery staple"
MAIL_FROM = "Porch <porch@test>"
EXPECTED_HEADERS = {
    "from", "to", "subject", "content-type", "content-transfer-encoding", "mime-version", "date", "message-id",
}


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes  # the DATA exactly as it arrived

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        content: str = body.get_content()
        return content

    @property
    def raw_header_lines(self) -> list[str]:
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        return head.split("\r\n")

    def link(self, path: str) -> str:
        """The one link to ``path`` in the mail's text."""
        links = re.findall(r"https?://\S+", self.text)
        assert len(links) == 1, links
        parts = urlsplit(links[0])
        assert f"{parts.scheme}://{parts.netloc}" == "http://porch.test"
        assert parts.path == path, links[0]
        return links[0]

    def token(self, path: str) -> str:
        (token,) = parse_qs(urlsplit(self.link(path)).query)["token"]
        return token


class CollectingHandler:
    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[CollectingHandler, int]]:
    """A real SMTP server on 127.0.0.1; yields (handler with .received, port)."""
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def mail(smtp: tuple[CollectingHandler, int]) -> SmtpSender:
    # Overrides conftest's LogSender: the ``ctx`` and ``client`` fixtures now send through SMTP.
    return SmtpSender(f"smtp://127.0.0.1:{smtp[1]}", MAIL_FROM)


Inbox = Callable[[], list[Received]]


@pytest.fixture
def inbox(smtp: tuple[CollectingHandler, int], ctx: Context) -> Inbox:
    """``inbox()``: deliver what the outbox holds, then what the server received."""

    def delivered() -> list[Received]:
        deliver_outbox(ctx)
        return smtp[0].received

    return delivered


def register(client: TestClient, email: str, name: str | None = "Linda") -> dict[str, Any]:
    """Register; answers the new account as the account itself sees it (GET /api/v1/me)."""
    response = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name})
    assert response.status_code == 202 and response.json() == {"sent": True}, response.text
    return me(client, log_in(client, email))


def log_in(client: TestClient, email: str) -> str:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def me(client: TestClient, token: str) -> dict[str, Any]:
    # A fresh cookie jar each time: only the bearer token may count.
    client.cookies.clear()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_clean_headers(received: Received, to: str) -> None:
    names = [line.split(":", 1)[0].lower() for line in received.raw_header_lines if not line[:1].isspace()]
    assert sorted(names) == sorted(EXPECTED_HEADERS), received.raw_header_lines
    message = received.message
    assert message["To"] == to
    assert message["From"] == MAIL_FROM
    assert received.mail_from == "porch@test"
    assert received.rcpt_tos == (to,)


def test_registering_mails_one_verification_link(client: TestClient, inbox: Inbox) -> None:
    register(client, "linda@example.org")
    assert len(inbox()) == 1
    (mail,) = inbox()
    assert_clean_headers(mail, "linda@example.org")
    assert mail.message["Subject"] == "Confirm your email address"
    token = mail.token("/auth/verify")
    assert len(token) >= 32


def test_opening_the_verification_link_confirms_the_address_once(client: TestClient, inbox: Inbox) -> None:
    register(client, "linda@example.org")
    (mail,) = inbox()
    link = mail.link("/auth/verify")
    session = log_in(client, "linda@example.org")
    assert me(client, session)["email_verified"] is False

    opened = client.get(link)
    assert opened.status_code == 200
    assert "Address confirmed" in opened.text and "linda@example.org is confirmed" in opened.text
    account = me(client, log_in(client, "linda@example.org"))
    assert account["email"] == "linda@example.org"
    assert account["email_verified"] is True
    assert me(client, session)["email_verified"] is True  # the session opened before sees it too

    again = client.get(link)
    assert again.status_code == 400
    assert "Link not valid" in again.text
    assert len(inbox()) == 1  # nothing more was mailed


def test_a_made_up_verification_token_confirms_nothing(client: TestClient, inbox: Inbox) -> None:
    register(client, "linda@example.org")
    assert client.get("/auth/verify?token=not-the-token").status_code == 400
    assert client.get("/auth/verify").status_code == 400
    assert me(client, log_in(client, "linda@example.org"))["email_verified"] is False


def test_a_magic_link_signs_in_once(client: TestClient, inbox: Inbox) -> None:
    response = client.post("/api/v1/auth/magic-link", json={"email": "Sam@Example.org"})
    assert response.status_code == 202, response.text
    assert len(inbox()) == 1
    (mail,) = inbox()
    assert_clean_headers(mail, "sam@example.org")
    assert mail.message["Subject"] == "Your sign-in link"
    link = mail.link("/auth/magic")
    token = mail.token("/auth/magic")

    # Opening the link shows a button; it does not spend the token (mail scanners open links).
    page = client.get(link)
    assert page.status_code == 200
    assert f'value="{token}"' in page.text

    redeemed = client.post("/api/v1/auth/magic-link/redeem", json={"token": token})
    assert redeemed.status_code == 200, redeemed.text
    session = redeemed.json()["token"]
    assert session != token
    account = me(client, session)
    assert account["email"] == "sam@example.org"
    assert account["email_verified"] is True  # the link proved the address

    client.cookies.clear()
    reused = client.post("/api/v1/auth/magic-link/redeem", json={"token": token})
    assert reused.status_code == 401
    assert reused.json()["code"] == "invalid_token"
    assert me(client, session)["email"] == "sam@example.org"  # the first session still works
    assert len(inbox()) == 1


def test_a_magic_link_for_a_registered_account_signs_into_that_account(
    client: TestClient, inbox: Inbox
) -> None:
    registered = register(client, "linda@example.org")
    client.post("/api/v1/auth/magic-link", json={"email": "linda@example.org"})
    assert [m.message["Subject"] for m in inbox()] == ["Confirm your email address", "Your sign-in link"]
    assert all(m.rcpt_tos == ("linda@example.org",) for m in inbox())
    redeemed = client.post("/api/v1/auth/magic-link/redeem", json={"token": inbox()[1].token("/auth/magic")})
    assert redeemed.status_code == 200, redeemed.text
    assert me(client, redeemed.json()["token"])["id"] == registered["id"]


def test_a_verification_token_is_not_a_sign_in_token(client: TestClient, inbox: Inbox) -> None:
    register(client, "linda@example.org")
    verify_token = inbox()[0].token("/auth/verify")
    response = client.post("/api/v1/auth/magic-link/redeem", json={"token": verify_token})
    assert response.status_code == 401
    # ... and the attempt did not spend it.
    assert client.get(inbox()[0].link("/auth/verify")).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "Eve\r\nBcc: victim@evil.example",
        "Eve\nBcc: victim@evil.example",
        "Eve\rX-Injected: yes",
        "Eve\r\n\r\nA body of Eve's choosing",
        "Bcc: victim@evil.example",
        "=?utf-8?q?Eve=0D=0ABcc=3A_victim=40evil=2Eexample?=",
        "Eve\u2028Bcc: victim@evil.example",
        "Eve\x85Bcc: victim@evil.example",
    ],
)
def test_a_display_name_never_adds_a_header(client: TestClient, inbox: Inbox, name: str) -> None:
    registered = register(client, "eve@example.org", name=name)
    client.post("/api/v1/auth/magic-link", json={"email": "eve@example.org"})
    assert len(inbox()) == 2
    for mail in inbox():
        assert_clean_headers(mail, "eve@example.org")
        raw = mail.raw.decode("utf-8", "replace").lower()
        assert "\r\nbcc:" not in raw and "\r\nx-injected:" not in raw
        assert "victim@evil.example" not in "\n".join(mail.raw_header_lines)
    assert "\r" not in registered["name"] and "\n" not in registered["name"]


@pytest.mark.parametrize(
    "email",
    ["eve@example.org\r\nBcc: victim@evil.example", "eve@example.org\nBcc: victim@evil.example",
     "eve@example.org>\r\nRCPT TO:<victim@evil.example", "eve@example.org, victim@evil.example",
     "Eve <eve@example.org>"],
)
def test_an_address_with_header_text_is_refused_and_nothing_is_sent(
    client: TestClient, inbox: Inbox, email: str
) -> None:
    registered = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 422, registered.text
    assert registered.json()["errors"][0]["field"] == "email"
    magic = client.post("/api/v1/auth/magic-link", json={"email": email})
    assert magic.status_code == 422, magic.text
    assert inbox() == []


def test_registration_succeeds_when_the_mail_server_is_down_and_the_link_arrives_once_it_is_back(
    ctx: Context, settings: Settings, inbox: Inbox, clock: Clock, engine: Engine, smtp: tuple[CollectingHandler, int]
) -> None:
    working = ctx.mail
    # A bound socket that does not listen: connections to it are refused, and nobody else gets the port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        ctx.mail = SmtpSender(f"smtp://127.0.0.1:{closed.getsockname()[1]}", MAIL_FROM, timeout=2)
        with TestClient(create_app(settings, context=ctx), base_url="http://porch.test") as client:
            register(client, "linda@example.org")
            # The account was committed with its mail job: it exists, and can sign in.
            assert me(client, log_in(client, "linda@example.org"))["email"] == "linda@example.org"
        assert inbox() == []  # the worker tried, and the server refused the connection
    with engine.connect() as connection:
        (job,) = connection.execute(select(outbox_jobs).where(outbox_jobs.c.kind == "mail")).all()
        (attempt,) = connection.execute(select(outbox_attempts)).all()
    assert job.status == "pending" and job.attempts == 1 and not attempt.ok and "onnect" in attempt.detail

    ctx.mail = working
    assert inbox() == []  # not due yet: backoff
    clock.advance(seconds=30)
    (mail,) = inbox()
    assert mail.message["Subject"] == "Confirm your email address" and mail.token("/auth/verify")
    clock.advance(hours=1)
    assert len(inbox()) == 1  # delivered once; the job is done


def test_account_mail_is_queued_with_its_token_and_keeps_no_secret_after_delivery(
    client: TestClient, inbox: Inbox, engine: Engine
) -> None:
    refused = client.post("/api/v1/auth/register", json={"email": "linda@example.org", "password": "short"})
    assert refused.status_code == 422
    with engine.connect() as connection:
        assert connection.execute(select(outbox_jobs)).all() == []  # nothing half-written
    client.post("/api/v1/auth/magic-link", json={"email": "sam@example.org"})
    with engine.connect() as connection:
        (job,) = connection.execute(select(outbox_jobs)).all()
    assert job.kind == "mail" and job.status == "pending" and "/auth/magic?token=" in job.payload["text"]
    (mail,) = inbox()
    token = mail.token("/auth/magic")
    with engine.connect() as connection:
        (job,) = connection.execute(select(outbox_jobs)).all()
    assert job.status == "delivered"
    assert job.payload == {"to": "sam@example.org", "subject": "Your sign-in link", "secret": True, "scrubbed": True}
    assert token not in str(job.payload)
    assert client.post("/api/v1/auth/magic-link/redeem", json={"token": token}).status_code == 200


def test_the_server_wakes_its_outbox_worker_when_a_sign_in_link_is_queued(
    ctx: Context, settings: Settings, smtp: tuple[CollectingHandler, int]
) -> None:
    """Inside ``porch serve`` the worker polls every outbox_poll_seconds when idle; a sign-in link
    must not wait for that. With a poll of an hour, the link still arrives: the commit woke it."""
    arrived = threading.Event()
    handler = smtp[0]
    original = handler.handle_DATA

    async def handle_data(server: Any, session: Any, envelope: Any) -> str:
        answer = await original(server, session, envelope)
        arrived.set()
        return answer

    handler.handle_DATA = handle_data  # type: ignore[method-assign]
    serving = settings.model_copy(update={"outbox_in_serve": True, "outbox_poll_seconds": 3600.0})
    with TestClient(create_app(serving, context=ctx), base_url="http://porch.test") as client:
        assert arrived.wait(0) is False
        client.post("/api/v1/auth/magic-link", json={"email": "sam@example.org"})
        assert arrived.wait(30), "the sign-in link was not sent until the next poll"
    (mail,) = handler.received
    assert mail.message["Subject"] == "Your sign-in link"
