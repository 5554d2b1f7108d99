"""GET /inbox and its forms, /inbox/feed.atom, /people/{id}, /me/emails/confirm.

The pages work without JavaScript (every action is a form that redirects back); a few lines of
script add live updates from /api/v1/me/inbox/stream. All text is autoescaped by Jinja2; comment
bodies are the server-sanitised HTML every reader gets.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.domain.inbox import FollowState, InboxFilter, TargetKind
from porch.errors import NotFound, PorchError, RateLimited
from porch.services import accounts as account_service
from porch.services import comment_feeds as feed_service
from porch.services import identity as identity_service
from porch.services import inbox as inbox_service
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.auth import set_session_cookie
from porch.web.api.deps import client_address, get_context, get_requester
from porch.web.inbox.atom import inbox_atom

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
router = APIRouter(include_in_schema=False)


class InboxSignIn(Exception):
    """No session on an inbox page: answered by a redirect to /inbox/login."""


async def require_person(requester: Requester = Depends(get_requester)) -> Account:
    if requester.account is None:
        raise InboxSignIn()
    return requester.account


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _back(view: str, notice: str | None = None, error: str | None = None) -> RedirectResponse:
    params = {"filter": view} if view != "all" else {}
    if notice:
        params["notice"] = notice
    if error:
        params["error"] = error
    return RedirectResponse("/inbox" + (f"?{urlencode(params)}" if params else ""), status_code=303)


@router.get("/inbox", response_class=HTMLResponse)
async def inbox_page(
    request: Request,
    filter: str = "all",
    cursor: str | None = None,
    notice: str | None = None,
    error: str | None = None,
    ctx: Context = Depends(get_context),
    account: Account = Depends(require_person),
) -> HTMLResponse:
    view = InboxFilter(filter) if filter in InboxFilter._value2member_map_ else InboxFilter.ALL
    try:
        page = await run_in_threadpool(inbox_service.read_inbox, ctx, account, view, cursor)
    except PorchError as exc:
        page = await run_in_threadpool(inbox_service.read_inbox, ctx, account, view, None)
        error = exc.detail
    feeds = await run_in_threadpool(feed_service.list_subscriptions, ctx, account)
    found = await run_in_threadpool(inbox_service.discover, ctx, account) if filter == "discover" else None
    name = await run_in_threadpool(account_service.display_name_of, ctx, account.person_id)
    return _page(
        request,
        "inbox/inbox.html",
        {
            "page": page,
            "view": "discover" if found is not None else view.value,
            "discover": found,
            "feeds": feeds,
            "notice": notice,
            "error": error,
            "me": account,
            "name": name,
        },
    )


@router.get("/inbox/conversations/{thread_id}", response_class=HTMLResponse)
async def inbox_conversation(
    request: Request,
    thread_id: int,
    filter: str = "all",
    ctx: Context = Depends(get_context),
    account: Account = Depends(require_person),
) -> Response:
    """One conversation as the page lists it (the same template, so the same escaping, forms and marks):
    the page's script fetches it when the live stream names the thread, and puts it on top. 204 when it
    does not belong in the view (not the person's, muted, or filtered out)."""
    view = InboxFilter(filter) if filter in InboxFilter._value2member_map_ else InboxFilter.ALL
    conversation = await run_in_threadpool(inbox_service.read_conversation, ctx, account, thread_id, view)
    if conversation is None:
        return Response(status_code=204)
    return _page(request, "inbox/_conversation.html", {"c": conversation, "view": view.value, "me": account})


@router.post("/inbox/read")
async def inbox_read(
    thread: int | None = Form(None),
    conversation: int | None = Form(None),
    read: str = Form("1"),
    view: str = Form("all"),
    ctx: Context = Depends(get_context),
    account: Account = Depends(require_person),
) -> RedirectResponse:
    if conversation is not None:  # an external (feed) conversation
        await run_in_threadpool(
            inbox_service.mark_external_conversation, ctx, account, conversation, read=read == "1"
        )
    elif thread is not None:
        await run_in_threadpool(inbox_service.mark_thread, ctx, account, thread, read=read == "1")
    return _back(view)


@router.post("/inbox/follow")
async def inbox_follow(
    kind: str = Form(...),
    target: int = Form(...),
    state: str = Form("follow"),
    view: str = Form("all"),
    ctx: Context = Depends(get_context),
    account: Account = Depends(require_person),
) -> RedirectResponse:
    try:
        await run_in_threadpool(inbox_service.set_follow, ctx, account, TargetKind(kind), target, FollowState(state))
    except (PorchError, ValueError) as exc:
        return _back(view, error=getattr(exc, "detail", str(exc)))
    return _back(view, notice={"follow": "Following.", "mute": "Muted.", "none": "Done."}.get(state))


@router.post("/inbox/reply")
async def inbox_reply(
    thread: int = Form(...),
    body: str = Form(""),
    parent: str = Form(""),
    view: str = Form("all"),
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
    account: Account = Depends(require_person),
) -> RedirectResponse:
    try:
        posted = await run_in_threadpool(
            lambda: inbox_service.reply_from_inbox(
                ctx, requester, thread_id=thread, body=body, parent_id=int(parent) if parent.isdigit() else None
            )
        )
    except PorchError as exc:
        return _back(view, error=exc.detail)
    return _back(
        view, notice="Reply posted." if posted.held_because is None else "Reply sent: waiting for a moderator."
    )


@router.post("/inbox/feeds")
async def inbox_subscribe(
    url: str = Form(""), ctx: Context = Depends(get_context), account: Account = Depends(require_person)
) -> RedirectResponse:
    try:
        await run_in_threadpool(feed_service.subscribe_feed, ctx, account, url)
    except PorchError as exc:
        return _back("all", error=exc.detail)
    return _back("all", notice="Subscribed: the feed's conversations appear after its next poll.")


@router.post("/inbox/feed-url", response_class=HTMLResponse)
async def inbox_feed_url(
    request: Request, ctx: Context = Depends(get_context), account: Account = Depends(require_person)
) -> HTMLResponse:
    token = await run_in_threadpool(inbox_service.issue_feed_token, ctx, account)
    base = request.app.state.settings.base_url.rstrip("/")
    return _page(
        request,
        "message.html",
        {
            "title": "Your inbox as a feed",
            "message": f"Add {base}/inbox/feed.atom?token={token} to your feed reader. "
            "Keep it private; asking for a new address here replaces this one.",
        },
    )


@router.get("/inbox/feed.atom")
async def inbox_feed(request: Request, token: str = "", ctx: Context = Depends(get_context)) -> Response:
    try:
        account = await run_in_threadpool(inbox_service.account_for_feed_token, ctx, token)
    except NotFound as exc:
        return Response(exc.detail, status_code=404, media_type="text/plain")
    page = await run_in_threadpool(inbox_service.read_inbox, ctx, account)
    base = request.app.state.settings.base_url.rstrip("/")
    return Response(inbox_atom(page, base, account.person_id), media_type="application/atom+xml")


@router.get("/inbox/login", response_class=HTMLResponse)
async def inbox_login_page(request: Request) -> HTMLResponse:
    return _page(request, "inbox/login.html", {"error": None, "email": ""})


@router.post("/inbox/login", response_model=None)
async def inbox_login(
    request: Request, email: str = Form(""), password: str = Form(""), ctx: Context = Depends(get_context)
) -> Response:
    try:
        signed_in = await run_in_threadpool(
            partial(account_service.log_in, remote_addr=client_address(request)), ctx, email, password
        )
    except PorchError as exc:
        limited = isinstance(exc, RateLimited)
        page = _page(request, "inbox/login.html", {"error": exc.detail, "email": email}, 429 if limited else 401)
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return page
    response = RedirectResponse("/inbox", status_code=303)
    set_session_cookie(response, request, signed_in.session_token)
    return response


@router.get("/people/{person_id}", response_class=HTMLResponse)
async def profile_page(
    request: Request,
    person_id: int,
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> HTMLResponse:
    try:
        profile = await run_in_threadpool(identity_service.read_public_profile, ctx, person_id, requester.account)
    except NotFound:
        return _page(
            request,
            "message.html",
            {"title": "Not here", "message": "There is no public profile here."},
            status_code=404,
        )
    return _page(request, "inbox/profile.html", {"profile": profile})


@router.get("/me/emails/confirm", response_class=HTMLResponse)
async def confirm_email_page(request: Request, token: str = "") -> HTMLResponse:
    # A button, not an automatic claim: mail scanners open links, and must not spend them.
    return _page(request, "inbox/confirm_email.html", {"token": token})


@router.post("/me/emails/confirm", response_class=HTMLResponse)
async def confirm_email(request: Request, token: str = Form(""), ctx: Context = Depends(get_context)) -> HTMLResponse:
    try:
        result = await run_in_threadpool(identity_service.confirm_added_email, ctx, token)
    except PorchError as exc:
        return _page(request, "message.html", {"title": "Link not valid", "message": exc.detail}, status_code=400)
    return _page(
        request,
        "message.html",
        {
            "title": "Address added",
            "message": f"{result.email} is now yours; {result.comments_claimed} earlier comment(s) written with it "
            "joined your account.",
        },
    )
