"""GET /api/v1/threads and POST /api/v1/counts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from porch.domain.conversation import SortOrder
from porch.services import threads as thread_service
from porch.services.context import Context
from porch.services.prepared_threads import read_prepared_thread
from porch.web.api.deps import get_context
from porch.web.api.prepared import prepared_pages, prepared_response, thread_page_bytes
from porch.web.api.schemas import CountsIn, CountsOut, Problem, ThreadPageOut

router = APIRouter(prefix="/api/v1", tags=["threads"])
PROBLEMS = {404: {"model": Problem}, 422: {"model": Problem}}


@router.get("/threads", response_model=ThreadPageOut, responses=PROBLEMS)
async def get_thread(
    site: str = Query(description="the site's public key"),
    uri: str = Query(description="the page's URL or path"),
    sort: SortOrder = SortOrder.OLDEST,
    cursor: str | None = Query(None, description="next_cursor from the previous page"),
    limit: int = Query(thread_service.DEFAULT_PAGE_SIZE, description="top-level comments per page"),
    ctx: Context = Depends(get_context),
    *,
    request: Request,
) -> Response:
    """The conversation under a page, as a tree; the top level is paged by cursor.

    Answers with an ``ETag``; sending it back in ``If-None-Match`` gets 304 while the thread is unchanged.
    """
    prepared = await run_in_threadpool(
        read_prepared_thread, ctx, prepared_pages(request), thread_page_bytes, site, uri,
        order=sort, cursor=cursor, limit=limit, if_none_match=request.headers.get("if-none-match"),
    )  # fmt: skip
    return prepared_response(prepared)


@router.post("/counts", response_model=CountsOut, responses=PROBLEMS)
async def count_comments(payload: CountsIn, ctx: Context = Depends(get_context)) -> JSONResponse:
    """Published comments per page, for "N comments" links on an index page."""
    counts = await run_in_threadpool(thread_service.count_comments, ctx, payload.site, payload.uris)
    return JSONResponse({"counts": counts})
