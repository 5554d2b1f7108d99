"""The pages mailed notification links open, and following a conversation over the API.

Every link that changes something shows a page with one button (a POST): mail scanners open
links, and must not confirm, unsubscribe or moderate on anyone's behalf. The exception is what
RFC 8058 defines: a mail client's one-click unsubscribe POSTs ``List-Unsubscribe=One-Click`` to
the link itself, and that unsubscribes at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from porch.domain.mail_text import DEFAULT_LANGUAGE, MailText
from porch.errors import PorchError
from porch.services import notifications as notification_service
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.deps import get_context, get_requester
from porch.web.api.schemas import Problem

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter()
PROBLEMS: dict[int | str, dict[str, Any]] = {code: {"model": Problem} for code in (401, 403, 404, 422)}


def _words(request: Request) -> MailText:
    """The language the mail that linked here was written in (``?lang=fr``; English by default)."""
    return MailText(request.query_params.get("lang") or DEFAULT_LANGUAGE)


def _page(request: Request, title: str, message: str, status_code: int = 200, **extra: Any) -> HTMLResponse:
    context = {
        "title": title, "message": message, "action": None, "comment_html": None,
        "page_language": _words(request).language, **extra,
    }
    return templates.TemplateResponse(request, "notification_action.html", context, status_code=status_code)


def _lang_query(t: MailText, separator: str = "?") -> str:
    return "" if t.language == DEFAULT_LANGUAGE else f"{separator}lang={t.language}"


def _invalid(request: Request, error: PorchError) -> HTMLResponse:
    return _page(request, "Link not valid", error.detail, status_code=400 if error.code.endswith("_link") else 404)


@router.get("/notifications/confirm", response_class=HTMLResponse, include_in_schema=False)
async def confirm_page(request: Request, token: str = "") -> HTMLResponse:
    t = _words(request)
    return _page(request, t("page.confirm.title"), t("page.confirm.ask"),
                 action=f"/notifications/confirm{_lang_query(t)}", token=token, button=t("confirm.action"))


@router.post("/notifications/confirm", response_class=HTMLResponse, include_in_schema=False)
async def confirm(request: Request, token: str = Form(""), ctx: Context = Depends(get_context)) -> HTMLResponse:
    try:
        email = await run_in_threadpool(notification_service.confirm_address, ctx, token)
    except PorchError as exc:
        return _invalid(request, exc)
    t = _words(request)
    return _page(request, t("page.confirmed.title"), t("page.confirmed", email=email))


@router.get("/notifications/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
async def unsubscribe_page(request: Request, token: str = "") -> HTMLResponse:
    t = _words(request)
    return _page(request, t("page.unsubscribe.title"), t("page.unsubscribe.ask"),
                 action=f"/notifications/unsubscribe?token={quote(token)}{_lang_query(t, '&')}", token=token,
                 button=t("page.unsubscribe.title"))


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
    t = _words(request)
    what = notification_service.describe_topic(topic, t.language)
    return _page(request, t("page.unsubscribed.title"), t("page.unsubscribed", email=email, what=what))


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
