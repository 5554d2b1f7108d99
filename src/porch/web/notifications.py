"""The pages mailed notification links open, and following a conversation over the API.

Every link that changes something shows a page with one button (a POST): mail scanners open
links, and must not confirm, unsubscribe or moderate on anyone's behalf. The exception is what
RFC 8058 defines: a mail client's one-click unsubscribe POSTs ``List-Unsubscribe=One-Click`` to
the link itself, and that unsubscribes at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from porch.errors import PorchError
from porch.services import notifications as notification_service
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.deps import get_context, get_requester
from porch.web.api.schemas import Problem

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter()
PROBLEMS: dict[int | str, dict[str, Any]] = {code: {"model": Problem} for code in (401, 403, 404, 422)}


def _page(request: Request, title: str, message: str, status_code: int = 200, **extra: Any) -> HTMLResponse:
    context = {"title": title, "message": message, "action": None, "comment_html": None, **extra}
    return templates.TemplateResponse(request, "notification_action.html", context, status_code=status_code)


def _invalid(request: Request, error: PorchError) -> HTMLResponse:
    return _page(request, "Link not valid", error.detail, status_code=400 if error.code.endswith("_link") else 404)


@router.get("/notifications/confirm", response_class=HTMLResponse, include_in_schema=False)
async def confirm_page(request: Request, token: str = "") -> HTMLResponse:
    return _page(request, "Confirm notifications", "Confirm that this address wants the notifications it asked for.",
                 action="/notifications/confirm", token=token, button="Confirm")


@router.post("/notifications/confirm", response_class=HTMLResponse, include_in_schema=False)
async def confirm(request: Request, token: str = Form(""), ctx: Context = Depends(get_context)) -> HTMLResponse:
    try:
        email = await run_in_threadpool(notification_service.confirm_address, ctx, token)
    except PorchError as exc:
        return _invalid(request, exc)
    return _page(request, "Address confirmed", f"{email} will now get the notifications it asked for.")


@router.get("/notifications/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
async def unsubscribe_page(request: Request, token: str = "") -> HTMLResponse:
    return _page(request, "Unsubscribe", "Stop these mails?", action=f"/notifications/unsubscribe?token={token}",
                 token=token, button="Unsubscribe")


@router.post("/notifications/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
async def unsubscribe(request: Request, ctx: Context = Depends(get_context)) -> HTMLResponse:
    # RFC 8058: the token is in the URL (the List-Unsubscribe link), the body says
    # List-Unsubscribe=One-Click; our own page's form sends the token as a field too.
    form = await request.form()
    token = request.query_params.get("token") or str(form.get("token") or "")
    try:
        email, topic = await run_in_threadpool(notification_service.unsubscribe, ctx, token)
    except PorchError as exc:
        return _invalid(request, exc)
    what = notification_service.describe_topic(topic)
    return _page(request, "Unsubscribed", f"{email} will get no more mails about {what}.")


@router.get("/notifications/moderate", response_class=HTMLResponse, include_in_schema=False)
async def moderate_page(request: Request, token: str = "", ctx: Context = Depends(get_context)) -> HTMLResponse:
    try:
        comment, action, _ = await run_in_threadpool(notification_service.read_moderation_link, ctx, token)
    except PorchError as exc:
        return _invalid(request, exc)
    verb = "Approve" if action == "approve" else "Reject"
    return _page(request, f"{verb} this comment?", f"By {comment.author_name or 'someone'} ({comment.status}).",
                 comment_html=comment.body_html, action="/notifications/moderate", token=token, button=verb)


@router.post("/notifications/moderate", response_class=HTMLResponse, include_in_schema=False)
async def moderate(request: Request, token: str = Form(""), ctx: Context = Depends(get_context)) -> HTMLResponse:
    try:
        comment, done = await run_in_threadpool(notification_service.moderate_by_link, ctx, token)
    except PorchError as exc:
        return _invalid(request, exc)
    if done == "none":
        return _page(request, "Nothing to do", f"This comment is no longer waiting (it is {comment.status}).")
    return _page(request, f"Comment {done}", f"Comment {comment.id} is {comment.status} now.")


class FollowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: str = Field(description="the site's public key")
    uri: str | None = Field(None, description="the page whose conversation to follow; omitted: the whole site")
    email: str | None = Field(None, description="where to send mail; signed-in people use their account's")
    frequency: Literal["instant", "daily", "weekly"] = "instant"


class FollowOut(BaseModel):
    status: Literal["following", "confirmation_sent", "awaiting_confirmation"]


@router.post("/api/v1/subscriptions", tags=["notifications"], response_model=FollowOut, status_code=201,
             responses=PROBLEMS)
async def follow(
    payload: FollowIn, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """Follow a conversation (or a whole site) by mail, instantly or as a daily or weekly digest.
    An address not yet confirmed first gets one confirmation mail, and nothing else until confirmed."""
    status = await run_in_threadpool(
        notification_service.follow_conversation, ctx, payload.site, payload.uri, payload.email, payload.frequency,
        requester,
    )
    return JSONResponse({"status": status}, status_code=201)
