"""Retention: the worker purges delivered and dead jobs (and their attempt log) after the retention
period, in bounded batches; pending jobs and recent deliveries stay, and the admin's log shows them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from porch.mail.senders import LogSender
from porch.services.context import Context
from porch.services.outbox import enqueue_job, outbox
from porch.services.webhooks import delivery_log
from porch.storage.schema import outbox_attempts, outbox_jobs
from porch.worker.outbox import OutboxWorker, WorkerOptions
from tests.conftest import Clock
from tests.factories import make_site

RETENTION = timedelta(days=14)


@pytest.fixture
def worker(ctx: Context) -> Iterator[OutboxWorker]:
    options = WorkerOptions(retention=RETENTION, purge_batch_size=2, digest_check_seconds=3600)
    worker = OutboxWorker(ctx, name="test-worker", options=options)
    yield worker
    worker.close()


def _mail(ctx: Context, key: str, site_id: int | None = None, kind: str = "mail") -> None:
    payload = {"to": f"{key}@example.org", "subject": key, "text": key} if kind == "mail" else {
        "webhook_id": 999_999, "event": "ping", "body": {}}
    with ctx.uow(write=True) as uow:
        assert enqueue_job(uow, kind, key, payload, now=ctx.clock(), site_id=site_id)
        uow.commit()


def _keys(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(outbox_jobs.c.idempotency_key, outbox_jobs.c.status)).all())


def _attempts(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(outbox_attempts)).scalar_one())


def test_finished_jobs_are_purged_after_the_retention_in_bounded_batches(
    ctx: Context, clock: Clock, engine: Engine, worker: OutboxWorker, mail: LogSender
) -> None:
    site = make_site(ctx)
    for key in ("a", "b", "c"):
        _mail(ctx, key)
    _mail(ctx, "old-hook", site.id, kind="webhook")  # its hook is gone: delivered as "not sent"
    _mail(ctx, "dead")
    _mail(ctx, "later")
    with ctx.uow(write=True) as uow:  # one given up, one waiting for a retry a month away
        repository = outbox(uow)
        dead, later = (repository.get_by_key(key) for key in ("dead", "later"))
        assert dead is not None and later is not None
        repository.add_attempt(dead.id, now=clock(), ok=False, detail="550 no such user")
        repository.mark_failed(dead.id, error="550 no such user", retry_at=None)
        repository.mark_failed(later.id, error="451 later", retry_at=clock() + timedelta(days=30))
        uow.commit()
    worker.run_until_idle()
    assert len(mail.sent) == 3
    assert _keys(engine) == {"a": "delivered", "b": "delivered", "c": "delivered", "old-hook": "delivered",
                             "dead": "dead", "later": "pending"}
    assert _attempts(engine) == 5

    clock.advance(days=13)
    _mail(ctx, "new-hook", site.id, kind="webhook")
    worker.run_once()  # the first round purges (nothing is old enough yet) and delivers the new hook
    assert len(_keys(engine)) == 7
    assert [record.job.idempotency_key for record in delivery_log(ctx, site.id)] == ["new-hook", "old-hook"]

    clock.advance(days=1, seconds=1)
    worker.run_once()  # a full batch of two...
    assert len(_keys(engine)) == 5
    worker.run_once()  # ...so the next round takes the next batch at once
    worker.run_once()
    assert _keys(engine) == {"later": "pending", "new-hook": "delivered"}
    assert _attempts(engine) == 1  # the new hook's; the purged jobs' attempts went with them
    # The admin's delivery log still shows the recent delivery.
    assert [record.job.idempotency_key for record in delivery_log(ctx, site.id)] == ["new-hook"]

    clock.advance(days=14)  # the hour is long past: the next round purges what has aged since
    worker.run_once()
    assert set(_keys(engine)) == {"later"}
