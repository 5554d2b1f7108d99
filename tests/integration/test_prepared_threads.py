"""Hot threads from prepared bytes: cached reads stay cheap, and no write leaves them stale.

Two app instances over one database stand for two worker processes: each has its own cache,
and a write through one must show in the other's next read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text, update

from porch.config import Settings
from porch.domain.comments import CommentStatus
from porch.domain.sites import Site
from porch.domain.threads import thread_key
from porch.services.context import Context
from porch.services.sites import configure_site
from porch.storage.schema import comments, threads
from porch.storage.thread_versions import SQLITE_TRIGGERS, installed_version_triggers
from porch.web.app import create_app
from tests.conftest import Clock, QueryCounter
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, post_comment


def _store_thread(ctx: Context, site: Site, count: int, uri: str = POST_URI) -> list[int]:
    """``count`` published comments, every third a reply, written straight through the repositories."""
    now = ctx.clock()
    ids: list[int] = []
    with ctx.uow(write=True) as uow:
        thread = uow.threads.get_or_add(
            site_id=site.id, key=thread_key(uri, site.primary_origin), uri=uri, title="T", now=now
        )
        for n in range(count):
            comment = uow.comments.add(
                thread_id=thread.id, parent_id=ids[-1] if ids and n % 3 else None, person_id=None,
                author_name=f"Reader {n}", author_website=None, body_source=f"c{n}", body_html=f"<p>c{n}</p>",
                status=CommentStatus.PUBLISHED, now=now + timedelta(seconds=n), edit_token_hash=None, remote_addr=None,
            )  # fmt: skip
            ids.append(comment.id)
        uow.threads.add_to_count(thread.id, count, now=now)
        uow.commit()
    return ids


def _get(client: TestClient, site: Site, **headers: str) -> Any:
    return client.get("/api/v1/threads", params={"site": site.key, "uri": POST_URI}, headers=headers)


def _bodies(page: dict[str, Any]) -> list[str]:
    out: list[str] = []
    stack = list(reversed(page["comments"]))
    while stack:
        comment = stack.pop()
        out.append(comment["body_html"])
        stack.extend(reversed(comment["replies"]))
    return out


@pytest.fixture
def second_client(settings: Settings, ctx: Context) -> Iterator[TestClient]:
    """Another worker: its own app and cache, the same database."""
    with TestClient(create_app(settings, context=ctx), base_url="http://porch.test") as other:
        yield other


def test_every_migrated_database_has_the_version_triggers(engine: Engine) -> None:
    with engine.connect() as connection:
        assert installed_version_triggers(connection) == set(SQLITE_TRIGGERS)


def test_any_change_to_a_threads_comments_moves_its_version_even_in_raw_sql(ctx: Context, engine: Engine) -> None:
    site = make_site(ctx)
    first, *_ = _store_thread(ctx, site, 3)
    other = _store_thread(ctx, site, 1, uri="https://blog.example/other")[0]

    def versions() -> tuple[int, int]:
        with engine.connect() as connection:
            rows = dict(connection.execute(select(threads.c.uri, threads.c.version)).all())
        return rows[POST_URI], rows["https://blog.example/other"]

    before = versions()
    with engine.begin() as connection:  # a writer that knows nothing of caches
        connection.execute(update(comments).where(comments.c.id == first).values(upvotes=5))
    after_update = versions()
    assert after_update[0] > before[0] and after_update[1] == before[1]
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM comments WHERE id = :id"), {"id": other})
    assert versions()[1] > after_update[1]


def test_a_cached_read_takes_two_queries_and_the_same_bytes(
    client: TestClient, ctx: Context, count_queries: QueryCounter
) -> None:
    site = make_site(ctx)
    _store_thread(ctx, site, 120)
    count_queries.statements.clear()
    # site and thread, comments, badge holders (and the site once more on a worker's first sight of it)
    first = _get(client, site)
    assert first.status_code == 200 and count_queries.count <= 4
    count_queries.statements.clear()
    second = _get(client, site)
    assert second.status_code == 200 and count_queries.count <= 2
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert second.headers["cache-control"] == "no-cache"
    assert len(_bodies(second.json())) == 120


def test_every_kind_of_write_shows_in_the_next_read_of_another_worker(
    client: TestClient, second_client: TestClient, ctx: Context, clock: Clock
) -> None:
    site = make_site(ctx)
    _store_thread(ctx, site, 5)
    reader = second_client
    etags = {_get(reader, site).headers["etag"]}  # the reader's cache holds the page now

    def read_after_write() -> dict[str, Any]:
        response = _get(reader, site)
        assert response.status_code == 200 and response.headers["etag"] not in etags
        etags.add(response.headers["etag"])
        return response.json()

    posted = post_comment(client, site, "a new comment")
    assert "<p>a new comment</p>" in _bodies(read_after_write())

    reply = post_comment(client, site, "a reply", parent=posted["comment"]["id"], name="Dawud")
    assert "<p>a reply</p>" in _bodies(read_after_write())

    voted = client.post(
        f"/api/v1/comments/{posted['comment']['id']}/vote",
        json={"value": 1},
        headers={"X-Porch-Browser": "voter-" * 4, "Origin": BLOG_ORIGIN},
    )
    assert voted.status_code == 200
    page = read_after_write()
    assert next(c for c in page["comments"] if c["id"] == posted["comment"]["id"])["votes"]["up"] == 1

    edited = client.patch(
        f"/api/v1/comments/{reply['comment']['id']}",
        json={"body": "an edited reply"},
        headers={"X-Porch-Edit-Token": reply["edit_token"], "Origin": BLOG_ORIGIN},
    )
    assert edited.status_code == 200, edited.text
    assert "<p>an edited reply</p>" in _bodies(read_after_write())

    deleted = client.delete(
        f"/api/v1/comments/{reply['comment']['id']}",
        headers={"X-Porch-Edit-Token": reply["edit_token"], "Origin": BLOG_ORIGIN},
    )
    assert deleted.status_code == 204
    assert "<p>an edited reply</p>" not in _bodies(read_after_write())

    configure_site(ctx, site.key, {"max_depth": "3"})  # the page carries the site's settings too
    assert read_after_write()["max_depth"] == 3


def test_a_moderation_write_in_plain_sql_is_seen(client: TestClient, ctx: Context, engine: Engine) -> None:
    site = make_site(ctx)
    ids = _store_thread(ctx, site, 4)
    assert len(_bodies(_get(client, site).json())) == 4
    with engine.begin() as connection:  # e.g. a moderator's bulk action, or a future code path
        connection.execute(update(comments).where(comments.c.id == ids[-1]).values(status="spam"))
    assert len(_bodies(_get(client, site).json())) == 3


def test_if_none_match_gets_304_until_the_thread_changes(
    client: TestClient, second_client: TestClient, ctx: Context, count_queries: QueryCounter
) -> None:
    site = make_site(ctx)
    _store_thread(ctx, site, 10)
    etag = _get(client, site).headers["etag"]
    count_queries.statements.clear()
    for validator in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        not_modified = _get(second_client, site, **{"If-None-Match": validator})  # another worker: same ETag
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert not_modified.headers["etag"] == etag
    assert count_queries.count <= 2 * 4
    assert _get(client, site, **{"If-None-Match": '"stale"'}).status_code == 200

    post_comment(client, site, "news")
    changed = _get(client, site, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag and len(_bodies(changed.json())) == 11


def test_pages_sorts_and_cursors_are_prepared_separately(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    _store_thread(ctx, site, 30)
    params = {"site": site.key, "uri": POST_URI, "limit": 4}
    oldest = client.get("/api/v1/threads", params=params).json()
    newest = client.get("/api/v1/threads", params={**params, "sort": "newest"}).json()
    second = client.get("/api/v1/threads", params={**params, "cursor": oldest["next_cursor"]}).json()
    assert oldest["comments"][0]["id"] != newest["comments"][0]["id"]
    assert {c["id"] for c in oldest["comments"]}.isdisjoint(c["id"] for c in second["comments"])
    again = client.get("/api/v1/threads", params={**params, "cursor": oldest["next_cursor"]}).json()
    assert again == second


def test_errors_are_not_cached(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    bad = client.get("/api/v1/threads", params={"site": site.key, "uri": POST_URI, "cursor": "!!"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
    assert client.get("/api/v1/threads", params={"site": "nope", "uri": POST_URI}).status_code == 404
