"""GET /api/v1/threads and POST /api/v1/counts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from porch.domain.conversation import SortOrder
from porch.services import threads as thread_service
from porch.services.context import Context
from porch.web.api.deps import get_context
from porch.web.api.schemas import CountsIn, CountsOut, Problem, ThreadPageOut
from porch.web.api.serialize import thread_page_json

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
) -> JSONResponse:
    """The conversation under a page, as a tree; the top level is paged by cursor."""
    view = await run_in_threadpool(
        thread_service.read_thread, ctx, site, uri, order=sort, cursor=cursor, limit=limit
    )
    return JSONResponse(thread_page_json(view))


@router.post("/counts", response_model=CountsOut, responses=PROBLEMS)
async def count_comments(payload: CountsIn, ctx: Context = Depends(get_context)) -> JSONResponse:
    """Published comments per page, for "N comments" links on an index page."""
    counts = await run_in_threadpool(thread_service.count_comments, ctx, payload.site, payload.uris)
    return JSONResponse({"counts": counts})
