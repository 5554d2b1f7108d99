"""Claims: concurrent workers never hold the same job, a job is enqueued once per key, leases expire."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from porch.services.context import Context
from porch.services.outbox import claim_due_jobs, enqueue_job, record_delivery
from tests.conftest import Clock

JOBS = 60
WORKERS = 4


def _enqueue(ctx: Context, count: int) -> None:
    with ctx.uow(write=True) as uow:
        for number in range(count):
            assert enqueue_job(uow, "noop", f"noop:{number}", {"n": number}, now=ctx.clock())
        assert not enqueue_job(uow, "noop", "noop:0", {"n": "again"}, now=ctx.clock())  # same key: ignored
        uow.commit()


def test_concurrent_workers_claim_disjoint_jobs(ctx: Context) -> None:
    _enqueue(ctx, JOBS)
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(WORKERS)

    def work(name: str) -> None:
        start.wait()
        while jobs := claim_due_jobs(ctx, worker=name, lease=timedelta(minutes=5), limit=7):
            with lock:
                claimed.extend(job.id for job in jobs)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    counts = Counter(claimed)
    assert len(counts) == JOBS and max(counts.values()) == 1


def test_a_lease_that_runs_out_makes_the_job_due_again_but_a_delivered_one_never(ctx: Context, clock: Clock) -> None:
    _enqueue(ctx, 2)
    first, second = claim_due_jobs(ctx, worker="dead", lease=timedelta(seconds=120), limit=10)
    record_delivery(ctx, first)
    assert claim_due_jobs(ctx, worker="other", lease=timedelta(seconds=120), limit=10) == []
    clock.advance(seconds=121)
    (again,) = claim_due_jobs(ctx, worker="other", lease=timedelta(seconds=120), limit=10)
    assert again.id == second.id and again.attempts == 2
