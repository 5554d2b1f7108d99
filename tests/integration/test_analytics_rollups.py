"""The rollups give the same numbers as measuring from scratch, however the comments came and changed.

Hypothesis writes random small sites (threads, people, replies, times on whole hours so that exact
24-hour and 30-day gaps come up), rolls them, then changes them — new comments, moderation, deletes,
votes, named authors, merged people, a new owner — and compares the dashboard read from the
incrementally rolled rows with the same measures computed from scratch, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update

from porch.demo.content import load_demo
from porch.services.accounts import add_user, grant_site_role
from porch.services.analytics import measure_from_scratch
from porch.services.analytics_rollups import (
    bring_rollups_up_to_date,
    measure_from_rollups,
    newcomers_waiting_from_rollups,
    refresh_rollups,
)
from porch.services.context import Context
from porch.services.sites import add_site
from porch.storage.repositories.analytics import AnalyticsRepository, Scope
from porch.storage.schema import accounts, comments, people, threads
from tests.conftest import Clock
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, post_comment

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = ("published", "published", "published", "pending", "spam", "deleted")
_sites = itertools.count()


def _comparable(ctx: Context, site_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(from the rollups, from scratch), with the float noise of summing in another order rounded off."""
    with ctx.uow() as uow:
        site = uow.sites.get(site_id)
    assert site is not None
    now = ctx.clock()
    rolled = measure_from_rollups(ctx, site, now, top_contributors=10, reply_graph_edges=40)
    scratch = measure_from_scratch(ctx, site, Scope(site_id=site_id), None, now)

    def plain(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return plain(asdict(rolled)), plain(asdict(scratch))


def _assert_same(ctx: Context, site_id: int) -> None:
    rolled, scratch = _comparable(ctx, site_id)
    assert rolled == scratch


class _Site:
    """A small site written straight into the tables (as an import would), the triggers moving versions."""

    def __init__(self, ctx: Context, n_threads: int, n_people: int):
        self.ctx = ctx
        number = next(_sites)
        self.site = add_site(ctx, f"rollups-{number}", [f"https://r{number}.example"])
        with ctx.uow(write=True) as uow:
            db = uow.connection
            self.threads = [
                db.execute(insert(threads).values(
                    site_id=self.site.id, key=f"/p/{i}", uri=f"https://r{number}.example/p/{i}", title=f"Post {i}",
                    created_at=T0, comment_count=0, closed=False,
                ).returning(threads.c.id)).scalar_one()
                for i in range(n_threads)
            ]
            self.people = [
                db.execute(insert(people).values(display_name=f"P{number}-{i}", created_at=T0)
                           .returning(people.c.id)).scalar_one()
                for i in range(n_people)
            ]
            uow.commit()
        self.comments: list[tuple[int, int]] = []  # (id, thread id)

    def apply(self, op: tuple[Any, ...]) -> None:
        with self.ctx.uow(write=True) as uow:
            db = uow.connection
            kind = op[0]
            if kind == "post":
                _, thread_index, person_index, parent_index, hours, status = op
                thread_id = self.threads[thread_index % len(self.threads)]
                siblings = [c for c, t in self.comments if t == thread_id]
                parent = siblings[parent_index % len(siblings)] if siblings and parent_index is not None else None
                person = self.people[person_index % len(self.people)] if person_index is not None else None
                comment_id = db.execute(insert(comments).values(
                    thread_id=thread_id, parent_id=parent, person_id=person, author_name="x", body_source="x",
                    body_html="<p>x</p>", status=status, created_at=T0 + timedelta(hours=hours),
                    upvotes=0, downvotes=0,
                ).returning(comments.c.id)).scalar_one()
                self.comments.append((comment_id, thread_id))
            elif kind == "status" and self.comments:
                _, index, status = op
                db.execute(update(comments).where(comments.c.id == self.comments[index % len(self.comments)][0])
                           .values(status=status))
            elif kind == "vote" and self.comments:
                _, index, up = op
                db.execute(update(comments).where(comments.c.id == self.comments[index % len(self.comments)][0])
                           .values(upvotes=comments.c.upvotes + up))
            elif kind == "author":
                _, thread_index, person_index = op
                person = self.people[person_index % len(self.people)] if person_index is not None else None
                AnalyticsRepository(db).set_thread_author(self.threads[thread_index % len(self.threads)], person)
            elif kind == "merge":
                _, a, b = op
                source, target = self.people[a % len(self.people)], self.people[b % len(self.people)]
                db.execute(update(comments).where(comments.c.person_id == source).values(person_id=target))
            uow.commit()
        if kind == "owner":
            email = f"owner{next(_sites)}@example.org"
            add_user(self.ctx, email, None, is_admin=False)
            grant_site_role(self.ctx, self.site.id, email, "owner")
            with self.ctx.uow() as uow:
                person = uow.connection.execute(select(accounts.c.person_id).where(accounts.c.email == email)).scalar()
            self.people.append(int(person))


_post = st.tuples(
    st.just("post"), st.integers(0, 5), st.one_of(st.none(), st.integers(0, 9)),
    st.one_of(st.none(), st.integers(0, 30)),
    st.one_of(st.integers(0, 24 * 200), st.sampled_from([0, 1, 24, 48, 24 * 30, 24 * 31, 24 * 90])),
    st.sampled_from(STATUSES),
)
_change = st.one_of(
    _post,
    st.tuples(st.just("status"), st.integers(0, 60), st.sampled_from(STATUSES)),
    st.tuples(st.just("vote"), st.integers(0, 60), st.integers(1, 3)),
    st.tuples(st.just("author"), st.integers(0, 5), st.one_of(st.none(), st.integers(0, 9))),
    st.tuples(st.just("merge"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("owner")),
)


_REPLY_CHAIN = [("post", 0, 0, None, 0, "published"), ("post", 0, 1, 0, 1, "published"),
                ("post", 0, 2, 1, 30, "published"), ("post", 0, 0, 2, 60, "published")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# a parent moderated away and back under its replies, its writer merged into the replier, a new owner
@example(n_threads=1, n_people=3, first=_REPLY_CHAIN,
         later=[[("status", 1, "deleted")], [("status", 1, "published"), ("vote", 2, 1)], [("merge", 0, 1)]])
@example(n_threads=2, n_people=2, first=_REPLY_CHAIN,
         later=[[("author", 0, 1), ("status", 0, "spam")], [("owner",), ("post", 1, 4, None, 25, "published")]])
@given(
    n_threads=st.integers(1, 3), n_people=st.integers(1, 6),
    first=st.lists(_post, min_size=0, max_size=25), later=st.lists(st.lists(_change, max_size=6), max_size=3),
)
def test_incremental_rollups_equal_measuring_from_scratch(
    ctx: Context, clock: Clock, n_threads: int, n_people: int, first: list[Any], later: list[list[Any]]
) -> None:
    clock.now = T0 + timedelta(days=240)
    site = _Site(ctx, n_threads, n_people)
    for op in first:
        site.apply(op)
    _assert_same(ctx, site.site.id)  # the first roll: the whole site
    for batch in later:
        for op in batch:
            site.apply(op)
        run = bring_rollups_up_to_date(ctx, site.site.id, threads_per_transaction=1)
        assert not run.whole_site or any(op[0] == "owner" for op in batch)
        _assert_same(ctx, site.site.id)  # rolled thread by thread, one write transaction each
    incremental, _ = _comparable(ctx, site.site.id)
    refresh_rollups(ctx, site.site.id)
    assert _comparable(ctx, site.site.id)[0] == incremental  # the same as rolling it all again


def test_demo_blog_from_rollups_equals_from_scratch(ctx: Context) -> None:
    site = load_demo(ctx, "https://demo.example")
    run = bring_rollups_up_to_date(ctx, site.id)
    assert run.whole_site
    _assert_same(ctx, site.id)
    assert bring_rollups_up_to_date(ctx, site.id).threads == 0  # nothing changed: nothing rolled


def test_posting_moderating_and_voting_through_the_api_keeps_rollups_right(
    client: TestClient, ctx: Context, clock: Clock
) -> None:
    """Real requests: a comment posted, one held for moderation then approved, one deleted, a vote."""
    site = make_site(ctx)
    linda = post_comment(client, site, "First!", name="Linda", email="linda@example.org")["comment"]
    clock.advance(hours=2)
    post_comment(client, site, "Welcome", name="Kate", email="kate@example.org", parent=linda["id"])
    assert bring_rollups_up_to_date(ctx, site.id).whole_site
    _assert_same(ctx, site.id)

    clock.advance(days=2)
    again = post_comment(client, site, "Back again", name="Linda", email="linda@example.org",
                         uri=POST_URI + "?utm_source=x")["comment"]
    run = bring_rollups_up_to_date(ctx, site.id)
    assert (run.whole_site, run.threads) == (False, 1) and run.people >= 1
    _assert_same(ctx, site.id)

    with ctx.uow(write=True) as uow:  # a moderator deletes Kate's reply and holds Linda's second comment
        uow.connection.execute(update(comments).where(comments.c.parent_id == linda["id"]).values(status="deleted"))
        uow.connection.execute(update(comments).where(comments.c.id == again["id"]).values(status="pending"))
        uow.commit()
    _assert_same(ctx, site.id)
    rolled, _ = _comparable(ctx, site.id)
    assert (rolled["comments"], rolled["returning_commenters"], rolled["reply_rate"]) == (1, 0, 0.0)

    with ctx.uow(write=True) as uow:  # approved again, and voted on: the vote leaves the people alone
        uow.connection.execute(update(comments).where(comments.c.id == again["id"]).values(status="published"))
        uow.commit()
    _assert_same(ctx, site.id)
    response = client.post(f"/api/v1/comments/{linda['id']}/vote", json={"value": 1},
                           headers={"Origin": BLOG_ORIGIN, "X-Porch-Browser": "tao-browser-token-0123456789"})
    assert response.status_code == 200, response.text
    run = bring_rollups_up_to_date(ctx, site.id)
    assert (run.threads, run.people) == (1, 0)
    _assert_same(ctx, site.id)
    assert _comparable(ctx, site.id)[0]["votes"] == 1


def test_a_catch_up_over_many_threads_takes_a_few_threads_per_write_transaction(
    client: TestClient, ctx: Context, clock: Clock, engine: Any
) -> None:
    """Posters wait through each write transaction: a busy minute spread over many threads is rolled
    a few threads at a time, and the result is the same as measuring from scratch."""
    from sqlalchemy import event

    site = make_site(ctx)
    for n in range(9):
        post_comment(client, site, f"Opening {n}", uri=f"/post-{n}", name=f"Reader {n}")
    assert bring_rollups_up_to_date(ctx, site.id).whole_site
    clock.advance(hours=1)
    for n in range(5):
        post_comment(client, site, f"Back on {n}", uri=f"/post-{n}", name=f"Reader {n + 1}")
    rolls_per_transaction: list[int] = []

    def note(connection: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.startswith("DELETE FROM analytics_rollup_threads"):
            rolls_per_transaction.append(len(parameters))  # forget_threads: one parameter per thread
    event.listen(engine, "before_cursor_execute", note)
    try:
        run = bring_rollups_up_to_date(ctx, site.id, threads_per_transaction=2)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert (run.whole_site, run.threads) == (False, 5)
    assert rolls_per_transaction == [2, 2, 1]
    _assert_same(ctx, site.id)


@pytest.mark.parametrize("limit", [1, 100])
def test_newcomers_waiting_from_rollups_equals_from_scratch(ctx: Context, limit: int) -> None:
    site = load_demo(ctx, "https://demo.example")
    with ctx.uow() as uow:
        scratch = AnalyticsRepository(uow.connection).newcomers_waiting(site.id, limit)
    assert newcomers_waiting_from_rollups(ctx, site.id, limit) == scratch


def test_an_import_leaves_the_rollups_to_the_worker_and_they_match(ctx: Context) -> None:
    """An imported site's rollups are rolled by the outbox worker (a job queued with the import), so the
    dashboard's first read finds them current."""
    from porch.importers import read_records
    from porch.services.imports import import_site
    from porch.worker.outbox import OutboxWorker, WorkerOptions
    from tests.integration.test_imports import SHARED

    site = make_site(ctx, "blog", ["http://blog.example"])
    import_site(ctx, "blog", read_records(SHARED / "isso" / "disqus.xml"))
    worker = OutboxWorker(ctx, name="test-worker", options=WorkerOptions(digest_check_seconds=3600))
    try:
        assert worker.run_until_idle() >= 1
    finally:
        worker.close()
    run = bring_rollups_up_to_date(ctx, site.id)
    assert run.threads == 0  # already current
    rolled, scratch = _comparable(ctx, site.id)
    assert rolled == scratch and rolled["comments"] > 0


def test_the_worker_keeps_every_sites_rollups_current(ctx: Context) -> None:
    """Besides the dashboard's own catch-up, the outbox worker rolls each site that moved, once a minute
    (here: every round), so a busy site's dashboard never has much to catch up."""
    from porch.worker.outbox import OutboxWorker, WorkerOptions

    busy, other, quiet = _Site(ctx, 2, 3), _Site(ctx, 1, 2), _Site(ctx, 1, 1)
    refresh_rollups(ctx, quiet.site.id)
    for site in (busy, other):
        site.apply(("post", 0, 0, None, 1, "published"))
        site.apply(("post", 0, 1, 0, 2, "published"))
    busy.apply(("post", 1, 2, None, 3, "published"))
    worker = OutboxWorker(
        ctx, name="test-worker", options=WorkerOptions(digest_check_seconds=3600, rollup_check_seconds=0)
    )
    try:
        worker.run_once()
    finally:
        worker.close()
    for site in (busy, other, quiet):
        assert bring_rollups_up_to_date(ctx, site.site.id).threads == 0  # nothing left to catch up
        _assert_same(ctx, site.site.id)
    assert _comparable(ctx, busy.site.id)[0]["comments"] == 3
