from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from porch.domain.sites import Site
from porch.domain.threads import Thread
from porch.storage.prepared import Prepared
from porch.storage.repositories.sites import _site
from porch.storage.schema import sites, threads


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


# Built once: a read of a prepared page is this one query, and building a statement per request
# (coercions, cache key) costs more than running it.
_STAMP = Prepared(
    select(
        sites,
        *(column.label(f"thread_{column.name}") for column in threads.c if column.name not in ("site_id", "key")),
    )
    .select_from(
        sites.outerjoin(threads, (threads.c.site_id == sites.c.id) & (threads.c.key == bindparam("thread_key")))
    )
    .where(sites.c.key == bindparam("site_key"))
)

_GET = Prepared(select(threads).where(threads.c.id == bindparam("thread_id")))
_BY_KEY = Prepared(
    select(threads).where(threads.c.site_id == bindparam("site_id"), threads.c.key == bindparam("key"))
)
_ADD = Prepared(insert(threads).values(
    site_id=bindparam("site_id"), key=bindparam("key"), uri=bindparam("uri"), title=bindparam("title"),
    created_at=bindparam("now"), comment_count=0, closed=False,
).returning(*threads.c))  # fmt: skip
_ADD_TO_COUNT_SQL = (
    update(threads)
    .where(threads.c.id == bindparam("thread_id"))
    .values(comment_count=threads.c.comment_count + bindparam("delta"))
)
_ADD_TO_COUNT = Prepared(_ADD_TO_COUNT_SQL)
_ADD_TO_COUNT_AT = Prepared(_ADD_TO_COUNT_SQL.values(last_comment_at=bindparam("now")))


class ThreadRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def get_by_key(self, site_id: int, key: str) -> Thread | None:
        row = _BY_KEY.first(self._db, {"site_id": site_id, "key": key})
        return _thread(row) if row else None

    def stamp(self, site_key: str, key: str) -> tuple[Site, Thread | None, int | None] | None:
        """The site, its thread ``key`` and the thread's version in one query (the hot read path)."""
        row = _STAMP.first(self._db, {"site_key": site_key, "thread_key": key})
        if row is None:
            return None
        site = _site(row)
        if row.thread_id is None:
            return site, None, None
        thread = Thread(
            id=row.thread_id, site_id=site.id, key=key, uri=row.thread_uri, title=row.thread_title,
            created_at=row.thread_created_at, comment_count=row.thread_comment_count, closed=row.thread_closed,
        )  # fmt: skip
        return site, thread, row.thread_version

    def badge_holders(self, site_id: int, thread_id: int | None) -> dict[int, tuple[str, ...]]:
        """Person id → badges shown on their comments: ``author`` (the thread's named author) and
        ``moderator`` (the site's owners and moderators). One query."""
        from porch.storage.schema import accounts, site_roles

        moderators = (
            select(accounts.c.person_id.label("person_id"), literal("moderator").label("badge"))
            .join(site_roles, site_roles.c.account_id == accounts.c.id)
            .where(site_roles.c.site_id == site_id)
        )
        query = moderators
        if thread_id is not None:
            authors = select(threads.c.author_person_id.label("person_id"), literal("author").label("badge")).where(
                threads.c.id == thread_id, threads.c.author_person_id.is_not(None)
            )
            query = moderators.union_all(authors)  # type: ignore[assignment]
        holders: dict[int, tuple[str, ...]] = {}
        for row in self._db.execute(query):
            holders[row.person_id] = tuple(sorted({*holders.get(row.person_id, ()), row.badge}))
        return holders

    def get(self, thread_id: int) -> Thread | None:
        row = _GET.first(self._db, {"thread_id": thread_id})
        return _thread(row) if row else None

    def get_or_add(self, *, site_id: int, key: str, uri: str, title: str, now: datetime) -> Thread:
        """The thread for ``key``, created on first use. Safe when two first comments race."""
        existing = self.get_by_key(site_id, key)
        if existing:
            return existing
        try:
            with self._db.begin_nested():
                row = _ADD.one(self._db, {"site_id": site_id, "key": key, "uri": uri, "title": title, "now": now})
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
        if now is not None and delta > 0:
            _ADD_TO_COUNT_AT.run(self._db, {"thread_id": thread_id, "delta": delta, "now": now})
        else:
            _ADD_TO_COUNT.run(self._db, {"thread_id": thread_id, "delta": delta})
