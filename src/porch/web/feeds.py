"""GET /feeds/*.atom: Atom feeds with conditional GET (ETag / Last-Modified → 304)."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from porch.services import feeds as feed_service
from porch.services.context import Context
from porch.web.api.deps import get_context
from porch.web.api.schemas import Problem

router = APIRouter(prefix="/feeds", tags=["feeds"])
ATOM = "application/atom+xml; charset=utf-8"
PROBLEMS = {code: {"model": Problem} for code in (404, 422)}
BEFORE = Query(None, ge=1, description="paging: entries older than this comment id (the feed's rel=next link)")


def _not_modified(request: Request, feed: feed_service.Feed) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or feed.etag in tags
    since = request.headers.get("if-modified-since")
    if since and feed.last_modified is not None:
        try:
            return feed.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):  # an unparseable date is ignored, as RFC 9110 says
            return False
    return False


async def _answer(request: Request, build: Callable[[], feed_service.Feed]) -> Response:
    feed = await run_in_threadpool(build)
    headers = {"ETag": feed.etag, "Cache-Control": "no-cache"}
    if feed.last_modified is not None:
        headers["Last-Modified"] = format_datetime(feed.last_modified, usegmt=True)
    if _not_modified(request, feed):
        return Response(status_code=304, headers=headers)
    return Response(feed.xml, media_type=ATOM, headers=headers)


@router.get("/site.atom", response_class=Response, responses={200: {"content": {ATOM: {}}}, **PROBLEMS})
async def site_feed(
    request: Request, site: str, before: int | None = BEFORE, ctx: Context = Depends(get_context)
) -> Response:
    """The site's newest published comments."""
    return await _answer(request, lambda: feed_service.site_feed(ctx, site, before=before))


@router.get("/thread.atom", response_class=Response, responses={200: {"content": {ATOM: {}}}, **PROBLEMS})
async def thread_feed(
    request: Request, site: str, uri: str, before: int | None = BEFORE, ctx: Context = Depends(get_context)
) -> Response:
    """One conversation's newest published comments."""
    return await _answer(request, lambda: feed_service.thread_feed(ctx, site, uri, before=before))


@router.get("/person/{person_id}.atom", response_class=Response, responses={200: {"content": {ATOM: {}}}, **PROBLEMS})
async def person_feed(
    request: Request, person_id: int, before: int | None = BEFORE, ctx: Context = Depends(get_context)
) -> Response:
    """Replies to one person's comments ("replies to me")."""
    return await _answer(request, lambda: feed_service.person_feed(ctx, person_id, before=before))
