"""What the embed needs from the server besides the core API: preview, the scripts, live events."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient

from porch.domain.threads import thread_key
from porch.live import Delivery
from porch.live.memory import MemoryHub
from porch.services.context import Context
from porch.web.api import stream
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, post_comment


def test_preview_renders_markdown_like_posting_does(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    response = client.post("/api/v1/preview", json={"site": site.key, "body": "**hi** <script>x()</script>"},
                           headers={"Origin": BLOG_ORIGIN})
    assert response.status_code == 200
    assert response.json() == {"html": "<p><strong>hi</strong> &lt;script&gt;x()&lt;/script&gt;</p>"}


def test_preview_refuses_unknown_sites_and_overlong_text(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx, max_comment_length=10)
    assert client.post("/api/v1/preview", json={"site": "nope", "body": "x"}).status_code == 404
    response = client.post("/api/v1/preview", json={"site": site.key, "body": "x" * 11})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_embed_script_is_served_cacheable_with_etag(client: TestClient) -> None:
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=86400" in response.headers["cache-control"]
    assert response.headers["access-control-allow-origin"] == "*"
    etag = response.headers["etag"]
    again = client.get("/embed.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert client.get("/count.js").status_code == 200


def test_stream_refuses_an_unknown_site(client: TestClient) -> None:
    response = client.get("/api/v1/stream", params={"site": "nope", "uri": POST_URI})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_posting_editing_deleting_publish_live_events(client: TestClient, ctx: Context) -> None:
    hub = MemoryHub()
    ctx.live = hub
    site = make_site(ctx)

    async def scenario() -> list[dict[str, object]]:
        subscription = hub.subscribe(site.id, thread_key(POST_URI, site.primary_origin))
        loop = asyncio.get_running_loop()
        posted = await loop.run_in_executor(None, lambda: post_comment(client, site, "first"))
        comment_id = posted["comment"]["id"]
        headers = {"Origin": BLOG_ORIGIN, "X-Porch-Edit-Token": posted["edit_token"]}
        await loop.run_in_executor(None, lambda: client.patch(
            f"/api/v1/comments/{comment_id}", json={"body": "second"}, headers=headers))
        await loop.run_in_executor(None, lambda: client.delete(f"/api/v1/comments/{comment_id}", headers=headers))
        return [stream.event_json(await asyncio.wait_for(subscription.next(), 2)) for _ in range(3)]

    posted, edited, deleted = asyncio.run(scenario())
    assert posted["kind"] == "posted" and posted["comment"]["body_html"] == "<p>first</p>"  # type: ignore[index]
    assert edited["kind"] == "edited" and edited["comment"]["body_html"] == "<p>second</p>"  # type: ignore[index]
    assert deleted == {"kind": "deleted", "id": posted["comment"]["id"]}  # type: ignore[index]


def test_held_comments_are_not_announced(client: TestClient, ctx: Context) -> None:
    hub = MemoryHub()
    ctx.live = hub
    site = make_site(ctx, moderation="hold_all")

    async def scenario() -> None:
        subscription = hub.subscribe(site.id, thread_key(POST_URI, site.primary_origin))
        await asyncio.get_running_loop().run_in_executor(None, lambda: post_comment(client, site, "held"))
        try:
            await asyncio.wait_for(subscription.next(), 0.1)
            raise AssertionError("a held comment was announced")
        except TimeoutError:
            pass

    asyncio.run(scenario())


def test_sse_messages_carry_an_id_and_json(client: TestClient) -> None:
    assert stream.sse_message(Delivery(seq=4, event=None)) == 'id: 4\ndata: {"kind":"reload"}\n\n'

    async def first_chunks() -> list[str]:
        class Quiet:
            closed = False

            async def next(self) -> Delivery:
                await asyncio.Event().wait()
                raise AssertionError

            def close(self) -> None:
                self.closed = True

        quiet = Quiet()
        messages = stream._messages(quiet, lifetime=0.05)
        chunks = [chunk async for chunk in messages]
        assert quiet.closed
        return chunks

    chunks = asyncio.run(first_chunks())
    assert chunks[0].startswith("retry: ")
    assert chunks[-1] == ": ping\n\n"
