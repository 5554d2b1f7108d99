"""The hot read path (web/hot_reads.py): unchanged thread pages and counts answered from memory.

On SQLite a repeated read takes no query at all and sends the route's own bytes and headers;
any commit, by any writer, sends the next read back to the route. On PostgreSQL there is no
cheap change token, so every read takes the route: the same tests hold there with queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from porch.config import Settings
from porch.domain.sites import Site
from porch.services.context import Context
from porch.storage.change_token import change_token_source
from porch.storage.schema import threads
from porch.web.app import create_app
from porch.web.hot_reads import HotReads
from tests.conftest import QueryCounter
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, post_comment


def _thread(client: TestClient, site: Site, **headers: str) -> Any:
    return client.get("/api/v1/threads", params={"site": site.key, "uri": POST_URI, "limit": 20}, headers=headers)


def _counts(client: TestClient, site: Site, uris: list[str]) -> Any:
    return client.post("/api/v1/counts", json={"site": site.key, "uris": uris}, headers={"Origin": BLOG_ORIGIN})


def _hot(client: TestClient) -> HotReads:
    stack = client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(stack, HotReads):
        stack = stack.app
    return stack


def _is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@pytest.fixture
def other_worker(settings: Settings, ctx: Context) -> Iterator[TestClient]:
    """A second worker process: its own app, memory and change token, the same database."""
    with TestClient(create_app(settings, context=ctx), base_url="http://porch.test") as other:
        yield other


def test_only_on_disk_sqlite_has_a_change_token(engine: Engine, ctx: Context) -> None:
    source = change_token_source(engine)
    assert (source is not None) == _is_sqlite(engine)
    if source is not None:
        first = source.current()
        assert first is not None and source.current() == first  # nothing committed: the same token
        make_site(ctx)  # a commit through another connection
        assert source.current() != first
        source.close()


def test_a_repeated_read_is_the_routes_answer_byte_for_byte_and_costs_no_query(
    client: TestClient, ctx: Context, engine: Engine, count_queries: QueryCounter
) -> None:
    site = make_site(ctx)
    post_comment(client, site, "first")
    first = _thread(client, site, Origin=BLOG_ORIGIN)
    count_queries.statements.clear()
    second = _thread(client, site, Origin=BLOG_ORIGIN)
    assert second.status_code == 200 and second.content == first.content
    assert second.headers.items() == first.headers.items()  # ETag, Cache-Control, CORS, length, type
    assert second.headers["access-control-allow-origin"] == BLOG_ORIGIN
    if _is_sqlite(engine):
        assert count_queries.count == 0 and _hot(client).hits >= 1
    else:
        assert count_queries.count >= 1 and _hot(client).hits == 0


def test_if_none_match_is_answered_304_from_memory_with_the_routes_headers(
    client: TestClient, ctx: Context, engine: Engine, count_queries: QueryCounter
) -> None:
    site = make_site(ctx)
    post_comment(client, site, "first")
    etag = _thread(client, site).headers["etag"]
    fresh_worker = TestClient(create_app(client.app.state.settings, context=ctx), base_url="http://porch.test")
    routed = _thread(fresh_worker, site, **{"If-None-Match": etag})  # the route's own 304
    count_queries.statements.clear()
    for validator in (etag, f"W/{etag}", f'"x", {etag}', "*"):
        answer = _thread(client, site, **{"If-None-Match": validator})
        assert answer.status_code == 304 and answer.content == b""
        assert answer.headers.items() == routed.headers.items()
    assert _thread(client, site, **{"If-None-Match": '"stale"'}).status_code == 200
    if _is_sqlite(engine):
        assert count_queries.count == 0


def test_any_commit_by_any_writer_sends_the_next_read_to_the_route(
    client: TestClient, other_worker: TestClient, ctx: Context, engine: Engine
) -> None:
    site = make_site(ctx)
    post_comment(client, site, "first")
    assert len(_thread(client, site).json()["comments"]) == 1
    assert len(_thread(client, site).json()["comments"]) == 1  # now kept

    post_comment(other_worker, site, "from the other worker")  # another process's commit
    assert [c["body_html"] for c in _thread(client, site).json()["comments"]] == [
        "<p>first</p>",
        "<p>from the other worker</p>",
    ]
    with engine.begin() as connection:  # a writer that knows nothing of Porch: the title changes
        connection.execute(update(threads).values(title="Renamed"))
    assert _thread(client, site).json()["thread"]["title"] == "Renamed"


def test_counts_are_kept_per_body_and_follow_every_write(
    client: TestClient, other_worker: TestClient, ctx: Context, engine: Engine, count_queries: QueryCounter
) -> None:
    site = make_site(ctx)
    post_comment(client, site, "first")
    uris = [POST_URI, "https://blog.example/none"]
    first = _counts(client, site, uris)
    assert first.json() == {"counts": {POST_URI: 1, "https://blog.example/none": 0}}
    count_queries.statements.clear()
    again = _counts(client, site, uris)
    assert again.content == first.content and again.headers.items() == first.headers.items()
    assert count_queries.count == (0 if _is_sqlite(engine) else 2)
    assert _counts(client, site, uris[:1]).json() == {"counts": {POST_URI: 1}}  # another body, another answer

    post_comment(other_worker, site, "second")
    assert _counts(client, site, uris).json()["counts"][POST_URI] == 2


def test_errors_are_never_kept(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    for _ in range(2):
        bad = client.get("/api/v1/threads", params={"site": site.key, "uri": POST_URI, "cursor": "!!"})
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["code"] == "invalid_cursor"
        unknown = _counts(client, Site(**{**site.__dict__, "key": "nope"}), [POST_URI])
        assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_site"
        invalid = client.post("/api/v1/counts", content=b"{not json", headers={"Content-Type": "application/json"})
        assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_input"


def test_the_same_body_with_another_content_type_is_not_confused(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    body = b'{"site": "%s", "uris": []}' % site.key.encode()
    good = client.post("/api/v1/counts", content=body, headers={"Content-Type": "application/json"})
    assert good.status_code == 200
    other = client.post("/api/v1/counts", content=body, headers={"Content-Type": "text/plain"})
    fresh_app = TestClient(create_app(client.app.state.settings, context=ctx), base_url="http://porch.test")
    assert (
        other.status_code
        == fresh_app.post("/api/v1/counts", content=body, headers={"Content-Type": "text/plain"}).status_code
    )
    bare = client.post("/api/v1/counts", content=body)  # no Content-Type at all: the route's answer, not a crash
    assert bare.status_code == fresh_app.post("/api/v1/counts", content=body).status_code != 500


def test_the_routes_stay_documented(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/threads"] and "post" in paths["/api/v1/counts"]
