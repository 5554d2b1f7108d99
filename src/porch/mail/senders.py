"""Mail senders. ``SmtpSender`` speaks SMTP through aiosmtplib; ``LogSender`` prints (development)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from porch.mail.message import OutgoingMail

log = logging.getLogger("porch.mail")


class MailSender(Protocol):
    def send(self, mail: OutgoingMail) -> None: ...


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    if mail.from_name:
        # Address() quotes and encodes the display name: a site called 'a, "b" <c@d>' stays a name.
        message["From"] = Address(display_name=mail.from_name, addr_spec=parseaddr(sender)[1])
    else:
        message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    if mail.message_id:
        message["Message-ID"] = mail.message_id
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
        if mail.message_id:
            # A boundary derived from the Message-ID: a resent notification is the same bytes.
            message.set_boundary("=_porch_" + hashlib.sha256(mail.message_id.encode()).hexdigest()[:32])
    return message


class SmtpSender:
    """Sends through the server named by ``smtp://host:port`` / ``smtps://user:pass@host:port``."""

    def __init__(self, url: str, sender: str, *, timeout: float = 10.0, tls_context: ssl.SSLContext | None = None):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                f"PORCH_SMTP_URL must look like smtp://host:port or smtps://user:pass@host:465, got {url!r}"
            )
        self._host = parts.hostname
        self._tls = parts.scheme == "smtps"
        self._port = parts.port or (465 if self._tls else 25)
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender
        self._timeout = timeout
        # Certificates are verified against the system's CAs; a context of one's own (a private CA,
        # the tests' throwaway one) replaces them.
        self._tls_context = tls_context

    def send(self, mail: OutgoingMail) -> None:
        message = build_message(mail, self._sender)
        coroutine = aiosmtplib.send(
            message,
            hostname=self._host,
            port=self._port,
            use_tls=self._tls,
            username=self._username,
            password=self._password,
            timeout=self._timeout,
            # smtp://: STARTTLS whenever the server offers it (aiosmtplib's default, None), and
            # credentials are then sent only inside TLS; smtps://: TLS from the first byte.
            start_tls=None if not self._tls else False,
            tls_context=self._tls_context,
        )
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(coroutine)
            return
        coroutine.close()
        raise RuntimeError("SmtpSender.send is synchronous; call it from a worker thread, not the event loop")


class LogSender:
    """Development: mail is printed to the log (``make demo`` shows sign-in links there)."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []

    def send(self, mail: OutgoingMail) -> None:
        self.sent.append(mail)
        log.warning("mail to %s: %s\n%s", mail.to, mail.subject, mail.text)
