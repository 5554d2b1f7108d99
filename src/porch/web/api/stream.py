"""GET /api/v1/stream: a page's comment changes as server-sent events, for the embed's live updates.

Each event is ``data: {"kind": "posted"|"edited", "comment": {...}}`` (the comment as in a
thread page, without replies) or ``{"kind": "deleted", "id": N}``, or ``{"kind": "reload"}``
when this reader missed too much and should fetch the thread again. Every event carries an
``id:``; a browser that reconnects sends it back as ``Last-Event-ID`` and is replayed what it
missed. A stream ends after :data:`STREAM_SECONDS` (the browser reconnects by itself) so a
server shutting down never waits long on idle readers, and a comment line every
:data:`HEARTBEAT_SECONDS` keeps proxies from closing a quiet connection.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from porch.domain.threads import thread_key
from porch.live import Delivery, LiveUnavailable, Subscription
from porch.services.comments import get_site
from porch.services.context import Context
from porch.web.api.deps import get_context
from porch.web.api.schemas import Problem
from porch.web.api.serialize import comment_json

router = APIRouter(prefix="/api/v1", tags=["threads"])
HEARTBEAT_SECONDS = 20.0
STREAM_SECONDS = 300.0
RETRY_MILLISECONDS = 3000


def _channel(ctx: Context, site_key: str, uri: str) -> tuple[int, str]:
    with ctx.uow() as uow:
        site = get_site(uow, site_key)
    return site.id, thread_key(uri, site.primary_origin)


def event_json(delivery: Delivery) -> dict[str, Any]:
    event = delivery.event
    if event is None:
        return {"kind": "reload"}
    if event.kind == "deleted":
        return {"kind": "deleted", "id": event.comment.id}
    return {"kind": event.kind, "comment": comment_json(event.comment)}


def sse_message(delivery: Delivery, encode: Callable[[Delivery], dict[str, Any]] = event_json) -> str:
    return f"id: {delivery.seq}\ndata: {json.dumps(encode(delivery), separators=(',', ':'))}\n\n"


async def _messages(
    subscription: Subscription, lifetime: float, encode: Callable[[Delivery], dict[str, Any]] = event_json
) -> AsyncIterator[str]:
    deadline = time.monotonic() + lifetime
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n: live\n\n"
        while (left := deadline - time.monotonic()) > 0:
            try:
                delivery = await asyncio.wait_for(subscription.next(), min(HEARTBEAT_SECONDS, left))
            except TimeoutError:
                yield ": ping\n\n"
                continue
            yield sse_message(delivery, encode)
    finally:
        subscription.close()


async def subscribed(subscription: Subscription) -> None:
    """Answer only once nothing published from now on can be missed; 503 when the hub cannot promise it
    (a shared broker down: the embed then polls)."""
    try:
        await subscription.ready()
    except LiveUnavailable as exc:
        subscription.close()
        raise HTTPException(503, str(exc), headers={"Retry-After": "30"}) from exc


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, 404: {"model": Problem}, 422: {"model": Problem},
               503: {"model": Problem}},
)
async def stream_thread(
    site: str = Query(description="the site's public key"),
    uri: str = Query(description="the page's URL or path"),
    last_event_id: str | None = Header(None, alias="Last-Event-ID", description="sent by reconnecting browsers"),
    ctx: Context = Depends(get_context),
) -> StreamingResponse:
    """Live changes to one page's conversation (server-sent events)."""
    site_id, key = await run_in_threadpool(_channel, ctx, site, uri)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    subscription = ctx.live.subscribe(site_id, key, after=after)
    await subscribed(subscription)
    return StreamingResponse(
        _messages(subscription, STREAM_SECONDS),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
