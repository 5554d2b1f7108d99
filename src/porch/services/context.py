"""What every use case is handed: a way to open units of work, a clock, a mail sender, links."""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from porch.akismet import AkismetClient
from porch.live import LiveHub, NoLive
from porch.mail.senders import MailSender
from porch.ratelimit import RateLimiter
from porch.ratelimit.memory import MemoryRateLimiter
from porch.services.spam_cache import SpamModels
from porch.storage.unit_of_work import UnitOfWork

log = logging.getLogger("porch")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    uow: Callable[..., UnitOfWork]  # uow(write=True) opens a write transaction
    mail: MailSender
    base_url: str
    clock: Callable[[], datetime] = utc_now
    live: LiveHub = field(default_factory=NoLive)  # where committed comment changes are announced
    limiter: RateLimiter = field(default_factory=MemoryRateLimiter)  # new comments' token buckets
    # Set after a commit that queued mail someone is waiting for (a sign-in link): the outbox
    # worker of this process stops its idle wait at once instead of at its next poll.
    outbox_wakeup: threading.Event = field(default_factory=threading.Event)
    # Webhooks to loopback/private addresses (PORCH_ALLOW_PRIVATE_WEBHOOKS): tests, intranets.
    allow_private_webhooks: bool = False
    spam_models: SpamModels = field(default_factory=SpamModels)  # this worker's trained classifiers
    akismet: AkismetClient | None = None  # an Akismet-compatible service, when configured

    def nudge_outbox(self) -> None:
        self.outbox_wakeup.set()


def new_token() -> str:
    """A secret for a URL or header: 192 random bits."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """Tokens are stored hashed: a leaked database opens no sessions."""
    return hashlib.sha256(token.encode()).hexdigest()
