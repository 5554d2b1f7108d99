"""A real SMTP server on loopback (aiosmtpd) for notification tests, and what it received.

The handler stores each message before answering 250, so by the time a sender's SMTP call
returns, the mail is in ``received``: tests never wait for mail they have just sent.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body((subtype,))
        assert body is not None, f"no text/{subtype} part"
        content: str = body.get_content()
        return content

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def raw_header_lines(self) -> list[str]:
        return self.raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")

    def links(self, path: str) -> list[str]:
        return [link for link in re.findall(r"https?://\S+", self.text) if path in link]

    def link(self, path: str) -> str:
        (found,) = self.links(path)
        return found


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    refuse_next: int = 0  # answer this many DATA commands with 451 (a temporary failure)
    hold_at: int | None = None  # store message number N (1-based), then wait for ``release`` before 250
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)  # notified on every stored mail

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 try again later"
        with self.arrived:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))
            self.arrived.notify_all()
        if self.hold_at is not None and len(self.received) == self.hold_at:
            # The mail is stored (as a real server would have queued it) but the client has no
            # 250 yet: the moment a crash makes a sender unsure whether it was delivered.
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return "250 2.0.0 accepted"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpSink:
    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def wait_for(self, predicate: Any, timeout: float = 60) -> bool:
        """Block until ``predicate(received)`` holds (or the timeout passes): mail from another process."""
        with self.handler.arrived:
            return self.handler.arrived.wait_for(lambda: predicate(self.received), timeout=timeout)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.release.set()
        self.controller.stop()
