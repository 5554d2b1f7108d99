from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from porch.domain.threads import Thread
from porch.storage.schema import threads


def _thread(row: Any) -> Thread:
    return Thread(
        id=row.id,
        site_id=row.site_id,
        key=row.key,
        uri=row.uri,
        title=row.title,
        created_at=row.created_at,
        comment_count=row.comment_count,
        closed=row.closed,
    )


class ThreadRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def get_by_key(self, site_id: int, key: str) -> Thread | None:
        row = self._db.execute(select(threads).where(threads.c.site_id == site_id, threads.c.key == key)).first()
        return _thread(row) if row else None

    def get_with_version(self, site_id: int, key: str) -> tuple[Thread, int] | None:
        """The thread and its version (storage/thread_versions.py), to check prepared pages against."""
        row = self._db.execute(select(threads).where(threads.c.site_id == site_id, threads.c.key == key)).first()
        return (_thread(row), row.version) if row else None

    def get(self, thread_id: int) -> Thread | None:
        row = self._db.execute(select(threads).where(threads.c.id == thread_id)).first()
        return _thread(row) if row else None

    def get_or_add(self, *, site_id: int, key: str, uri: str, title: str, now: datetime) -> Thread:
        """The thread for ``key``, created on first use. Safe when two first comments race."""
        existing = self.get_by_key(site_id, key)
        if existing:
            return existing
        try:
            with self._db.begin_nested():
                row = self._db.execute(
                    insert(threads)
                    .values(
                        site_id=site_id, key=key, uri=uri, title=title, created_at=now, comment_count=0, closed=False
                    )
                    .returning(*threads.c)
                ).one()
            return _thread(row)
        except IntegrityError:
            # Another transaction created it between our read and insert (PostgreSQL;
            # SQLite's write lock makes this impossible there).
            found = self.get_by_key(site_id, key)
            assert found is not None
            return found

    def counts_by_key(self, site_id: int, keys: Iterable[str]) -> dict[str, int]:
        rows = self._db.execute(
            select(threads.c.key, threads.c.comment_count).where(
                threads.c.site_id == site_id, threads.c.key.in_(list(set(keys)))
            )
        )
        return {row.key: row.comment_count for row in rows}

    def add_to_count(self, thread_id: int, delta: int, *, now: datetime | None = None) -> None:
        values: dict[str, Any] = {"comment_count": threads.c.comment_count + delta}
        if now is not None and delta > 0:
            values["last_comment_at"] = now
        self._db.execute(update(threads).where(threads.c.id == thread_id).values(**values))
