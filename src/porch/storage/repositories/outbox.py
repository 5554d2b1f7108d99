"""The outbox table: enqueue (idempotent), claim under a lease, and record each attempt."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from porch.domain.outbox import JobStatus, OutboxJob
from porch.storage.prepared import Prepared
from porch.storage.schema import outbox_attempts, outbox_jobs


def _job(row: Any) -> OutboxJob:
    return OutboxJob(
        id=row.id,
        kind=row.kind,
        idempotency_key=row.idempotency_key,
        payload=dict(row.payload or {}),
        site_id=row.site_id,
        status=JobStatus(row.status),
        attempts=row.attempts,
        run_after=row.run_after,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
    )


def _enqueue_statement(builder: Any) -> Any:
    # RETURNING, not rowcount: psycopg reports a rowcount of 1 for an insert that did nothing.
    return (
        builder(outbox_jobs)
        .values(
            kind=bindparam("job_kind"), idempotency_key=bindparam("job_key"), payload=bindparam("job_payload"),
            site_id=bindparam("job_site_id"), status=JobStatus.PENDING.value, attempts=0,
            run_after=bindparam("now"), created_at=bindparam("now"),
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(outbox_jobs.c.id)
    )  # fmt: skip


# Built once per dialect: every post enqueues a job, and building the statement cost more than running it.
_ENQUEUE = {
    "postgresql": Prepared(_enqueue_statement(pg_insert)),
    "sqlite": Prepared(_enqueue_statement(sqlite_insert)),
}

_MARK_DELIVERED_SQL = (
    update(outbox_jobs)
    .where(outbox_jobs.c.id == bindparam("job_id"))
    .values(status=JobStatus.DELIVERED.value, delivered_at=bindparam("now"), claimed_by=None, claimed_until=None,
            last_error=None)
)  # fmt: skip
_MARK_DELIVERED = Prepared(_MARK_DELIVERED_SQL)
_MARK_DELIVERED_WITH_PAYLOAD = Prepared(_MARK_DELIVERED_SQL.values(payload=bindparam("job_payload")))
_ADD_ATTEMPT = Prepared(
    insert(outbox_attempts).values(
        job_id=bindparam("a_job_id"), attempted_at=bindparam("now"), ok=bindparam("a_ok"), detail=bindparam("a_detail")
    )
)


class OutboxRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def enqueue(
        self, *, kind: str, key: str, payload: dict[str, Any], now: datetime, site_id: int | None = None
    ) -> bool:
        """Add a job unless one with ``key`` exists (then nothing happens); True when added."""
        values = {"job_kind": kind, "job_key": key, "job_payload": payload, "job_site_id": site_id, "now": now}
        return _ENQUEUE[self._db.dialect.name].first(self._db, values) is not None

    def claim(self, *, worker: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxJob]:
        """Take up to ``limit`` due jobs for ``worker`` until ``now + lease``.

        PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets concurrent workers each take different
        rows without waiting on one another. SQLite: the caller's ``BEGIN IMMEDIATE`` already
        makes this transaction the only writer, so the read-then-update cannot interleave.
        Either way, a job whose lease ran out (its worker died) is due again.
        """
        due = and_(
            outbox_jobs.c.status == JobStatus.PENDING.value,
            outbox_jobs.c.run_after <= now,
            or_(outbox_jobs.c.claimed_until.is_(None), outbox_jobs.c.claimed_until < now),
        )
        query = select(outbox_jobs.c.id).where(due).order_by(outbox_jobs.c.run_after, outbox_jobs.c.id).limit(limit)
        if self._db.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(self._db.execute(query).scalars())
        if not ids:
            return []
        self._db.execute(
            update(outbox_jobs)
            .where(outbox_jobs.c.id.in_(ids))
            .values(claimed_by=worker, claimed_until=now + lease, attempts=outbox_jobs.c.attempts + 1)
        )
        rows = self._db.execute(select(outbox_jobs).where(outbox_jobs.c.id.in_(ids)).order_by(outbox_jobs.c.id))
        return [_job(row) for row in rows]

    def mark_delivered(self, job_id: int, now: datetime, *, payload: dict[str, Any] | None = None) -> None:
        """Done for good; ``payload``, when given, replaces the stored one (secrets scrubbed)."""
        if payload is None:
            _MARK_DELIVERED.run(self._db, {"job_id": job_id, "now": now})
        else:
            _MARK_DELIVERED_WITH_PAYLOAD.run(self._db, {"job_id": job_id, "now": now, "job_payload": payload})

    def mark_failed(
        self, job_id: int, *, error: str, retry_at: datetime | None, payload: dict[str, Any] | None = None
    ) -> None:
        """Schedule another try at ``retry_at``, or (None) give the job up."""
        values: dict[str, Any] = {"claimed_by": None, "claimed_until": None, "last_error": error[:2000]}
        if payload is not None:
            values["payload"] = payload
        if retry_at is None:
            values["status"] = JobStatus.DEAD.value
        else:
            values["run_after"] = retry_at
        self._db.execute(update(outbox_jobs).where(outbox_jobs.c.id == job_id).values(**values))

    def add_attempt(self, job_id: int, *, now: datetime, ok: bool, detail: str) -> None:
        _ADD_ATTEMPT.run(self._db, {"a_job_id": job_id, "now": now, "a_ok": ok, "a_detail": detail[:500]})

    def release_claims(self, worker: str) -> int:
        """Hand back jobs ``worker`` claimed (a clean shutdown: no need to wait for the lease)."""
        result = self._db.execute(
            update(outbox_jobs)
            .where(outbox_jobs.c.claimed_by == worker, outbox_jobs.c.status == JobStatus.PENDING.value)
            .values(claimed_by=None, claimed_until=None)
        )
        return int(result.rowcount)

    def purge_finished(self, *, before: datetime, limit: int) -> int:
        """Delete at most ``limit`` delivered/dead jobs whose last run was due before ``before``, and
        their attempts. ``run_after`` is when a job's last attempt was due (it only moves forward on a
        retry), so it dates the job's end; the (status, run_after) index finds the oldest at once."""
        ids = list(
            self._db.execute(
                select(outbox_jobs.c.id)
                .where(
                    outbox_jobs.c.status.in_([JobStatus.DELIVERED.value, JobStatus.DEAD.value]),
                    outbox_jobs.c.run_after < before,
                )
                .order_by(outbox_jobs.c.run_after)
                .limit(limit)
            ).scalars()
        )
        if ids:
            self._db.execute(delete(outbox_attempts).where(outbox_attempts.c.job_id.in_(ids)))
            self._db.execute(delete(outbox_jobs).where(outbox_jobs.c.id.in_(ids)))
        return len(ids)

    def get_by_key(self, key: str) -> OutboxJob | None:
        row = self._db.execute(select(outbox_jobs).where(outbox_jobs.c.idempotency_key == key)).first()
        return _job(row) if row else None

    def list_for_site(self, site_id: int, *, kind: str, limit: int) -> list[tuple[OutboxJob, list[Any]]]:
        """The newest jobs of one kind for a site, each with its attempts (oldest first): two queries."""
        jobs = [
            _job(row)
            for row in self._db.execute(
                select(outbox_jobs)
                .where(outbox_jobs.c.site_id == site_id, outbox_jobs.c.kind == kind)
                .order_by(outbox_jobs.c.id.desc())
                .limit(limit)
            )
        ]
        attempts: dict[int, list[Any]] = {job.id: [] for job in jobs}
        if jobs:
            for row in self._db.execute(
                select(outbox_attempts)
                .where(outbox_attempts.c.job_id.in_(list(attempts)))
                .order_by(outbox_attempts.c.id)
            ):
                attempts[row.job_id].append(row)
        return [(job, attempts[job.id]) for job in jobs]

    def count_by_status(self) -> dict[str, int]:
        rows = self._db.execute(select(outbox_jobs.c.status, func.count()).group_by(outbox_jobs.c.status))
        return dict(rows)
