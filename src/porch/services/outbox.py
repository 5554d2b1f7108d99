"""The transactional outbox: jobs written with the change that causes them, delivered after.

A use case calls :func:`enqueue_job` inside its own write transaction, before ``uow.commit()``:
the comment and its jobs commit together or not at all. The worker (``porch/worker/outbox.py``)
then claims, delivers and records them. See docs/subsystems/notifications.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

from porch.domain.outbox import OutboxJob, is_given_up, retry_delay
from porch.mail.message import OutgoingMail
from porch.services.context import Context
from porch.storage.repositories.outbox import OutboxRepository
from porch.storage.unit_of_work import UnitOfWork


def outbox(uow: UnitOfWork) -> OutboxRepository:
    """The outbox repository on this unit of work's connection (same transaction)."""
    return OutboxRepository(uow.connection)


def enqueue_job(
    uow: UnitOfWork, kind: str, key: str, payload: dict[str, Any], *, now: datetime, site_id: int | None = None
) -> bool:
    """Add a job to this transaction; a second job with the same idempotency ``key`` is ignored."""
    return outbox(uow).enqueue(kind=kind, key=key, payload=payload, now=now, site_id=site_id)


def enqueue_mail(ctx: Context, uow: UnitOfWork, key: str, mail: OutgoingMail, *, now: datetime) -> bool:
    """Queue account mail (a verification or sign-in link) in the caller's transaction, and wake the
    worker once it commits. Such mail carries a secret link, so its payload is scrubbed once the
    job is delivered or given up (``secret``): the outbox keeps no usable token for longer than it
    takes to send."""
    payload = {
        "to": mail.to, "subject": mail.subject, "text": mail.text, "html": mail.html, "from_name": mail.from_name,
        "headers": [["Date", format_datetime(now)], *([name, value] for name, value in mail.headers)],
        "secret": True,
    }
    queued = enqueue_job(uow, "mail", key, payload, now=now)
    uow.on_commit(ctx.nudge_outbox)
    return queued


def _kept_payload(job: OutboxJob) -> dict[str, Any] | None:
    """What stays of a finished job's payload: all of it, or for secret mail only who and what."""
    if not job.payload.get("secret"):
        return None
    return {"to": job.payload.get("to"), "subject": job.payload.get("subject"), "secret": True, "scrubbed": True}


def claim_due_jobs(ctx: Context, *, worker: str, lease: timedelta, limit: int) -> list[OutboxJob]:
    """Claim due jobs for ``worker`` in one short write transaction."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        jobs = outbox(uow).claim(worker=worker, now=now, lease=lease, limit=limit)
        uow.commit()
    return jobs


def record_delivery(ctx: Context, job: OutboxJob, detail: str = "delivered") -> None:
    """The job's effect happened: never run it again."""
    record_deliveries(ctx, [(job, detail)])


def record_deliveries(ctx: Context, done: list[tuple[OutboxJob, str]]) -> None:
    """These jobs' effects happened (each with its detail): never run them again. One transaction."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        repository = outbox(uow)
        for job, detail in done:
            repository.add_attempt(job.id, now=now, ok=True, detail=detail)
            repository.mark_delivered(job.id, now, payload=_kept_payload(job))
        uow.commit()


def record_failure(ctx: Context, job: OutboxJob, error: str, *, first_retry: timedelta | None = None) -> bool:
    """Schedule the next try with exponential backoff; returns False when the job is given up."""
    now = ctx.clock()
    dead = is_given_up(job.attempts)
    delay = retry_delay(job.attempts) if first_retry is None else retry_delay(job.attempts, first=first_retry)
    with ctx.uow(write=True) as uow:
        repository = outbox(uow)
        repository.add_attempt(job.id, now=now, ok=False, detail=error)
        repository.mark_failed(
            job.id, error=error, retry_at=None if dead else now + delay, payload=_kept_payload(job) if dead else None
        )
        uow.commit()
    return not dead


def purge_finished_jobs(ctx: Context, *, retention: timedelta, limit: int) -> int:
    """Delete up to ``limit`` delivered or dead jobs (with their attempts) finished more than
    ``retention`` ago, in one short transaction; returns how many went."""
    with ctx.uow(write=True) as uow:
        purged = outbox(uow).purge_finished(before=ctx.clock() - retention, limit=limit)
        uow.commit()
    return purged


def release_claims(ctx: Context, worker: str) -> int:
    """A worker stopping cleanly hands its claimed jobs back at once."""
    with ctx.uow(write=True) as uow:
        released = outbox(uow).release_claims(worker)
        uow.commit()
    return released
