"""storage/prepared.py: statements run on the driver's cursor must behave as Connection.execute does.

Each statement below runs both ways in one transaction, on SQLite and PostgreSQL, and the rows
must be equal: the same values, converted the same way (aware datetimes, JSON, booleans),
with the statement's literals, column defaults and a parameter bound twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from porch.storage.prepared import Prepared
from porch.storage.schema import comments, outbox_jobs, sites, threads

NOW = datetime(2026, 11, 23, 12, 30, 15, 123456, tzinfo=UTC)

ADD_SITE = insert(sites).values(
    key=bindparam("key"), name=bindparam("name"), origins=bindparam("origins"), settings=bindparam("settings"),
    created_at=bindparam("now"),
).returning(*sites.c)  # fmt: skip
ADD_THREAD = insert(threads).values(
    site_id=bindparam("site_id"), key=bindparam("key"), uri=bindparam("key"), title="A title",
    created_at=bindparam("now"), comment_count=0, closed=False,
).returning(*threads.c)  # fmt: skip
ADD_COMMENT = insert(comments).values(  # ``kind`` and the votes come from column defaults and literals
    thread_id=bindparam("thread_id"), parent_id=None, person_id=None, author_name="Ada", author_website=None,
    body_source=bindparam("text"), body_html=bindparam("text"), status="published", created_at=bindparam("now"),
    upvotes=0, downvotes=0,
).returning(*comments.c)  # fmt: skip
ADD_JOB = insert(outbox_jobs).values(  # ``now`` bound twice
    kind="comment_event", idempotency_key=bindparam("key"), payload=bindparam("payload"), site_id=None,
    status="pending", attempts=0, run_after=bindparam("now"), created_at=bindparam("now"),
).returning(outbox_jobs.c.id, outbox_jobs.c.payload, outbox_jobs.c.run_after, outbox_jobs.c.created_at)  # fmt: skip
THREADS_SINCE = select(threads).where(
    threads.c.site_id == bindparam("site_id"), threads.c.created_at >= bindparam("since")
)
BUMP = (
    update(threads)
    .where(threads.c.site_id == bindparam("site_id"))
    .values(comment_count=threads.c.comment_count + 1)
)


def _both(
    connection: Connection, statement: Any, prepared_params: dict[str, Any], plain_params: dict[str, Any]
) -> tuple[Any, Any]:
    fast = Prepared(statement).all(connection, prepared_params)
    slow = [tuple(row) for row in connection.execute(statement, plain_params)]
    return [tuple(row) for row in fast], slow


def test_rows_are_what_sqlalchemy_returns(engine: Engine) -> None:
    with engine.begin() as connection:
        site = {"origins": ["https://a.example"], "settings": {"x": [1, True, None]}, "now": NOW}
        fast, slow = _both(connection, ADD_SITE, {**site, "key": "f", "name": "f"}, {**site, "key": "s", "name": "s"})
        assert [row[3:] for row in fast] == [row[3:] for row in slow]  # all but id, key and name
        site_id = fast[0][0]
        created = fast[0][sites.c.keys().index("created_at")]
        assert created == NOW and created.tzinfo is not None

        fast, slow = _both(connection, ADD_THREAD, {"site_id": site_id, "key": "/f", "now": NOW},
                           {"site_id": site_id, "key": "/s", "now": NOW})  # fmt: skip
        fast_thread, slow_thread = fast[0], slow[0]
        assert fast_thread[4:] == slow_thread[4:]  # all but id, site, key and uri
        assert fast_thread[threads.c.keys().index("comment_count")] == 0
        assert fast_thread[threads.c.keys().index("closed")] is slow_thread[threads.c.keys().index("closed")] is False

        fast, slow = _both(connection, ADD_COMMENT, {"thread_id": fast_thread[0], "text": "one", "now": NOW},
                           {"thread_id": fast_thread[0], "text": "one", "now": NOW})  # fmt: skip
        assert fast[0][1:] == slow[0][1:]
        assert fast[0][comments.c.keys().index("kind")] == "comment"

        payload = {"event": "created", "comment_id": 7, "nested": {"a": [1, 2]}}
        fast, slow = _both(connection, ADD_JOB, {"key": "k1", "payload": payload, "now": NOW},
                           {"key": "k2", "payload": payload, "now": NOW})  # fmt: skip
        assert fast[0][1:] == slow[0][1:] == (payload, NOW, NOW)

        since = {"site_id": site_id, "since": NOW - timedelta(seconds=1)}
        fast, slow = _both(connection, THREADS_SINCE, since, since)
        assert sorted(fast) == sorted(slow) and len(fast) == 2
        assert Prepared(THREADS_SINCE).all(connection, {"site_id": site_id, "since": NOW + timedelta(seconds=1)}) == []

        assert Prepared(BUMP).run(connection, {"site_id": site_id}) == 2
        named = Prepared(THREADS_SINCE).first(connection, since)
        assert named is not None and named.comment_count == 1 and named.uri in ("/f", "/s")


def test_driver_errors_are_sqlalchemys_and_the_transaction_goes_on(engine: Engine) -> None:
    params = {"key": "dup", "name": "n", "origins": [], "settings": {}, "now": NOW}
    with engine.begin() as connection:
        Prepared(ADD_SITE).one(connection, params)
        with pytest.raises(IntegrityError), connection.begin_nested():
            Prepared(ADD_SITE).one(connection, {**params, "name": "other"})
        name = Prepared(select(sites.c.name).where(sites.c.key == bindparam("key")))
        assert name.scalar(connection, {"key": "dup"}) == "n"


def test_a_statement_listener_sees_every_statement(engine: Engine) -> None:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    query = Prepared(select(sites.c.id).where(sites.c.key == bindparam("key")))
    with engine.begin() as connection:
        query.first(connection, {"key": "x"})  # compiled and run on the cursor: nobody listening
        event.listen(engine, "before_cursor_execute", note)
        try:
            query.first(connection, {"key": "x"})
        finally:
            event.remove(engine, "before_cursor_execute", note)
    assert len(seen) == 1 and "FROM sites" in seen[0]


def test_what_it_cannot_reproduce_goes_through_sqlalchemy(engine: Engine) -> None:
    query = Prepared(select(sites.c.key).where(sites.c.key.in_(bindparam("keys", expanding=True))))
    with engine.begin() as connection:
        for key in ("a", "b", "c"):
            Prepared(ADD_SITE).one(connection, {"key": key, "name": key, "origins": [], "settings": {}, "now": NOW})
        assert sorted(row.key for row in query.all(connection, {"keys": ["a", "c", "zz"]})) == ["a", "c"]
