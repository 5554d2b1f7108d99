"""The outbox worker: claim due jobs, deliver them, record the outcome; retry with backoff.

It runs inside ``porch serve`` (a background task started in the app's lifespan; turn it off
with ``PORCH_OUTBOX_IN_SERVE=false``) and alone as ``porch worker``. Any number may run at once:
claims are leases taken with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) or under SQLite's single
writer, so two workers never hold the same job, and a job whose worker died comes back when its
lease runs out. Delivery is at least once; mail carries a Message-ID and webhooks an
``X-Porch-Delivery`` derived from the job's idempotency key, which is what makes a rare second
delivery recognisable as the same one (docs/subsystems/notifications.md explains why and when).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from porch.domain.outbox import OutboxJob
from porch.services import notifications, outbox, webhooks
from porch.services.analytics_rollups import ROLLUP_JOB, bring_every_site_up_to_date, run_rollup_job
from porch.services.context import Context

# Kinds whose whole effect is inside the database and idempotent (running one twice changes nothing
# more): recorded together at the end of a round.
INTERNAL_KINDS = frozenset({"comment_event", ROLLUP_JOB})

log = logging.getLogger("porch.worker")
Handler = Callable[[Context, OutboxJob], str]


@dataclass(frozen=True)
class WorkerOptions:
    lease_seconds: float = 120.0  # longer than any one delivery may take (SMTP and HTTP time out at 10 s)
    poll_seconds: float = 2.0
    batch_size: int = 20
    first_retry_seconds: float = 30.0
    digest_check_seconds: float = 60.0
    retention: timedelta = timedelta(days=14)  # finished jobs older than this are purged
    purge_check_seconds: float = 3600.0  # how often to purge; sooner while a full batch was found
    purge_batch_size: int = 1000  # rows per purge transaction: short transactions, whatever the backlog
    rollup_check_seconds: float = 60.0  # how often analytics rollups are brought up to date (first after this)

    @classmethod
    def from_settings(cls, settings: Any) -> WorkerOptions:
        return cls(
            poll_seconds=settings.outbox_poll_seconds, lease_seconds=settings.outbox_lease_seconds,
            retention=timedelta(days=settings.outbox_retention_days),
        )


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class OutboxWorker:
    """Delivers outbox jobs for one Context. ``run_once`` is one round; ``run_until`` loops."""

    def __init__(
        self, ctx: Context, *, name: str | None = None, options: WorkerOptions | None = None,
        http: httpx.Client | None = None,
    ):
        self.ctx = ctx
        self.name = name or default_worker_name()
        self.options = options or WorkerOptions()
        self.http = http or httpx.Client(follow_redirects=False)
        self._owns_http = http is None
        self._next_digest_check = 0.0
        self._next_rollup = time.monotonic() + self.options.rollup_check_seconds
        self._next_purge: datetime | None = None  # by the Context's clock: tests move it by hand
        self.handlers: dict[str, Handler] = {
            "comment_event": notifications.fan_out_comment_event,
            "mail": notifications.send_mail_job,
            "webhook": lambda ctx, job: webhooks.deliver_webhook(ctx, job, self.http),
            ROLLUP_JOB: run_rollup_job,
        }

    def run_once(self) -> int:
        """Queue due digests and roll analytics (each at most once a minute), purge finished jobs past
        their retention (hourly, in bounded batches), then claim and deliver one batch; returns jobs run."""
        if time.monotonic() >= self._next_digest_check:
            self._next_digest_check = time.monotonic() + self.options.digest_check_seconds
            notifications.enqueue_due_digests(self.ctx)
        if time.monotonic() >= self._next_rollup:
            # Analytics rollups are caught up at read time; rolling here too keeps that catch-up small.
            self._next_rollup = time.monotonic() + self.options.rollup_check_seconds
            bring_every_site_up_to_date(self.ctx)
        now = self.ctx.clock()
        if self._next_purge is None or now >= self._next_purge:
            purged = outbox.purge_finished_jobs(
                self.ctx, retention=self.options.retention, limit=self.options.purge_batch_size
            )
            # A full batch means more is waiting: take the next one next round, not in an hour.
            full = purged >= self.options.purge_batch_size
            self._next_purge = now + timedelta(seconds=0 if full else self.options.purge_check_seconds)
        jobs = outbox.claim_due_jobs(
            self.ctx, worker=self.name, lease=timedelta(seconds=self.options.lease_seconds),
            limit=self.options.batch_size,
        )
        # Jobs whose whole effect is in this database (fan-outs: idempotent inserts) are recorded
        # together at the end of the round, one write transaction for all; a crash before it runs
        # them again, which nobody outside can see. Mail and webhooks are recorded one by one,
        # straight after their effect, so a crash repeats at most one.
        done_inside: list[tuple[OutboxJob, str]] = []
        silent = notifications.comment_events_telling_nobody(self.ctx, jobs)
        for job in jobs:
            detail = "nobody to tell" if job.id in silent else self._deliver(job)
            if detail is not None:
                if job.kind in INTERNAL_KINDS:
                    done_inside.append((job, detail))
                else:
                    outbox.record_delivery(self.ctx, job, detail)
        if done_inside:
            outbox.record_deliveries(self.ctx, done_inside)
        return len(jobs)

    def run_until_idle(self, max_rounds: int = 100) -> int:
        """Run rounds until nothing is due (tests, ``porch worker --once``); fan-out jobs make more jobs."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if not done:
                break
        return total

    def _deliver(self, job: OutboxJob) -> str | None:
        """Run the job's handler: its detail, or None when it failed (the failure is recorded)."""
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for outbox jobs of kind {job.kind!r}")
            detail = handler(self.ctx, job)
        except Exception as exc:  # any failure of one job is recorded and retried; the worker goes on
            error = f"{exc.__class__.__name__}: {exc}"
            retried = outbox.record_failure(
                self.ctx, job, error, first_retry=timedelta(seconds=self.options.first_retry_seconds)
            )
            log.warning("outbox job %s (%s) failed%s: %s", job.id, job.kind, "" if retried else " for good", error)
            return None
        # The effect happened before the caller records it; a crash in between means the job runs
        # again after its lease, and the receiver sees the same Message-ID / delivery key twice.
        return detail

    def run_until(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set. When there was nothing to do it waits ``poll_seconds``, or less:
        ``ctx.nudge_outbox()`` (a commit that queued a sign-in link) wakes it at once. Whoever sets
        ``stop`` nudges too, so stopping does not wait out the poll."""
        wakeup = self.ctx.outbox_wakeup
        while not stop.is_set():
            wakeup.clear()  # before the round: a nudge during it makes the next wait return at once
            try:
                busy = self.run_once()
            except Exception:  # the database may be briefly away: say so and try again next round
                log.exception("outbox worker round failed")
                busy = 0
            if not busy and not stop.is_set():
                wakeup.wait(self.options.poll_seconds)

    def close(self) -> None:
        try:
            outbox.release_claims(self.ctx, self.name)
        finally:
            if self._owns_http:
                self.http.close()


def outbox_lifespan(ctx: Context, enabled: bool, options: WorkerOptions | None = None) -> Any:
    """The app's lifespan: with ``enabled``, run an :class:`OutboxWorker` beside the server."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        if not enabled:
            yield
            return
        worker = OutboxWorker(ctx, options=options)
        stop = threading.Event()
        # A thread of its own (not the request thread pool): deliveries block on SMTP and HTTP.
        task = asyncio.create_task(asyncio.to_thread(worker.run_until, stop))
        try:
            yield
        finally:
            stop.set()
            ctx.nudge_outbox()
            await task
            await asyncio.to_thread(worker.close)

    return lifespan


def run_worker_command(settings: Any, *, name: str | None = None, once: bool = False) -> int:
    """``porch worker``: deliver until SIGTERM/SIGINT (or, with ``once``, until nothing is due)."""
    import signal

    from porch.bootstrap import build_context

    ctx = build_context(settings)
    worker = OutboxWorker(
        ctx, name=name,
        options=WorkerOptions.from_settings(settings),
    )
    stop = threading.Event()
    def on_signal(*_: Any) -> None:
        stop.set()
        ctx.nudge_outbox()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    log.info("outbox worker %s started", worker.name)
    try:
        if once:
            return worker.run_until_idle()
        worker.run_until(stop)
        return 0
    finally:
        worker.close()
