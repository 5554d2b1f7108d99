"""POST /api/v1/preview: a comment's Markdown rendered exactly as posting would render it.

The embed's live preview asks here instead of shipping a Markdown renderer and sanitiser to
every reader: one renderer (``porch.domain.markup``), and the same HTML the comment will have.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from porch.domain.markup import render_markdown
from porch.errors import FieldError, InvalidInput
from porch.services.comments import get_site
from porch.services.context import Context
from porch.web.api.deps import get_context
from porch.web.api.schemas import Problem

router = APIRouter(prefix="/api/v1", tags=["comments"])


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: str = Field(description="the site's public key")
    body: str = Field(description="Markdown")


class PreviewOut(BaseModel):
    html: str = Field(description="sanitised HTML, as the comment would show it")


def _preview(ctx: Context, site_key: str, body: str) -> str:
    with ctx.uow() as uow:
        site = get_site(uow, site_key)
    limit = site.settings.max_comment_length
    if len(body) > limit:
        message = f"at most {limit} characters (this one has {len(body)})"
        raise InvalidInput(f"body: {message}", code="comment_too_long", errors=[FieldError("body", message)])
    return render_markdown(body)


@router.post("/preview", response_model=PreviewOut, responses={404: {"model": Problem}, 422: {"model": Problem}})
async def preview_comment(payload: PreviewIn, ctx: Context = Depends(get_context)) -> JSONResponse:
    """Render Markdown to the sanitised HTML a comment with this text would show."""
    html = await run_in_threadpool(_preview, ctx, payload.site, payload.body)
    return JSONResponse({"html": html})
