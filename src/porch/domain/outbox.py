"""Outbox rules: when a failed job is tried again, and when it is given up. No I/O, no clock."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting to run (possibly claimed by a worker under a lease)
    DELIVERED = "delivered"
    DEAD = "dead"  # gave up after MAX_ATTEMPTS; kept for the delivery log


MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class OutboxJob:
    id: int
    kind: str
    idempotency_key: str
    payload: dict[str, Any]
    site_id: int | None
    status: JobStatus
    attempts: int
    run_after: datetime
    created_at: datetime
    delivered_at: datetime | None = None
    last_error: str | None = None


def retry_delay(attempts: int, *, first: timedelta = FIRST_RETRY) -> timedelta:
    """Exponential backoff: ``first`` after the first failure, doubling each time, capped at six hours."""
    return min(first * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def is_given_up(attempts: int) -> bool:
    """After this many failed tries a job is dead: reported in the delivery log, never retried."""
    return attempts >= MAX_ATTEMPTS


def message_id(idempotency_key: str, domain: str) -> str:
    """The Message-ID a job's mail carries: the same key gives the same id, so a mail sent twice
    (worker killed between the server's 250 and our bookkeeping) is recognisably one mail."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain or 'porch.invalid'}>"
