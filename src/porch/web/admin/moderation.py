"""Admin: the moderation queue, people and bans, the audit log, and a search over comments.

Each page fetches its site through ``access_site_by_account`` (the role on *that* site) and calls one
use case in ``services/moderation.py`` or ``services/bans.py``, which check the role again in their
own transaction. Forms carry a per-session CSRF token besides the SameSite=Lax cookie and the Origin
check in ``web/api/deps.py``: a browser that sends no Origin on a form post is still covered.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.errors import Forbidden, InvalidInput, PorchError
from porch.services import bans as ban_service
from porch.services import moderation as moderation_service
from porch.services import sites as site_service
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.admin.auth import forbidden_page, require_account
from porch.web.admin.templating import render
from porch.web.api.deps import get_context
from porch.web.csrf import check_csrf, csrf_token
from porch.web.errors import status_for

router = APIRouter()
MODERATORS = frozenset({"owner", "moderator"})


async def _managed(ctx: Context, site_key: str, account: Account) -> site_service.ManagedSite:
    return await run_in_threadpool(site_service.access_site_by_account, ctx, site_key, account, MODERATORS)


def _page(
    request: Request,
    name: str,
    account: Account,
    managed: site_service.ManagedSite,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    context = {
        "account": account,
        "managed": managed,
        "site": managed.site,
        "csrf": csrf_token(request),
        "notice": request.query_params.get("done"),
        "error": None,
        **extra,
    }
    return render(request, name, context, status_code=status_code)


def _failed(request: Request, error: PorchError) -> HTMLResponse:
    if isinstance(error, Forbidden):
        return forbidden_page(request, error)
    return render(
        request, "admin/message.html", {"title": error.title, "message": error.detail}, status_code=status_for(error)
    )


@router.get("/sites/{site_key}/queue", response_class=HTMLResponse)
async def queue_page(
    request: Request, site_key: str, account: Account = Depends(require_account), ctx: Context = Depends(get_context)
) -> HTMLResponse:
    try:
        managed = await _managed(ctx, site_key, account)
        queue = await run_in_threadpool(moderation_service.moderation_queue, ctx, site_key, account)
    except PorchError as exc:
        return _failed(request, exc)
    return _page(request, "admin/queue.html", account, managed, queue=queue, tab="queue")


@router.post("/sites/{site_key}/queue", response_model=None)
async def queue_action(
    request: Request,
    site_key: str,
    account: Account = Depends(require_account),
    ctx: Context = Depends(get_context),
    action: str = Form(...),
    comments: list[int] = Form(default=[]),
    trust: str | None = Form(None),
    csrf: str = Form(""),
) -> Response:
    try:
        check_csrf(request, csrf)
        await _managed(ctx, site_key, account)
        changed = await run_in_threadpool(
            lambda: moderation_service.moderate_comments(ctx, site_key, comments, action, account, trust=bool(trust))
        )
    except PorchError as exc:
        return _failed(request, exc)
    done = f"{action}: {changed} comment{'s' if changed != 1 else ''}"
    return RedirectResponse(f"/admin/sites/{site_key}/queue?done={quote(done)}", status_code=303)


@router.get("/sites/{site_key}/people", response_class=HTMLResponse)
async def people_page(
    request: Request, site_key: str, account: Account = Depends(require_account), ctx: Context = Depends(get_context)
) -> HTMLResponse:
    try:
        managed = await _managed(ctx, site_key, account)
        bans = await run_in_threadpool(ban_service.list_bans, ctx, site_key, account)
        words = await run_in_threadpool(ban_service.list_word_rules, ctx, site_key, account)
    except PorchError as exc:
        return _failed(request, exc)
    return _page(
        request,
        "admin/people.html",
        account,
        managed,
        bans=bans,
        words=words,
        tab="people",
        now=ctx.clock(),
        prefill_kind=request.query_params.get("kind", "person"),
        prefill_value=request.query_params.get("value", ""),
    )


@router.post("/sites/{site_key}/bans", response_model=None)
async def add_ban(
    request: Request,
    site_key: str,
    account: Account = Depends(require_account),
    ctx: Context = Depends(get_context),
    kind: str = Form(...),
    value: str = Form(...),
    days: str = Form(""),
    note: str = Form(""),
    csrf: str = Form(""),
    back: str = Form("people"),
) -> Response:
    try:
        check_csrf(request, csrf)
        await _managed(ctx, site_key, account)
        duration = int(days) if days.strip().isdigit() else None
        if days.strip() and duration is None:
            raise InvalidInput("days: a whole number of days, or empty for a ban until lifted")
        await run_in_threadpool(
            ban_service.ban, ctx, site_key, account, ban_service.NewBan(kind, value, duration, note)
        )
    except PorchError as exc:
        return _failed(request, exc)
    target = "queue" if back == "queue" else "people"
    return RedirectResponse(f"/admin/sites/{site_key}/{target}?done={quote(f'banned {kind} {value}')}", status_code=303)


@router.post("/sites/{site_key}/bans/{ban_id}/lift", response_model=None)
async def lift_ban(
    request: Request,
    site_key: str,
    ban_id: int,
    account: Account = Depends(require_account),
    ctx: Context = Depends(get_context),
    csrf: str = Form(""),
) -> Response:
    try:
        check_csrf(request, csrf)
        await _managed(ctx, site_key, account)
        await run_in_threadpool(ban_service.lift_ban, ctx, site_key, account, ban_id)
    except PorchError as exc:
        return _failed(request, exc)
    return RedirectResponse(f"/admin/sites/{site_key}/people?done=ban+lifted", status_code=303)


@router.post("/sites/{site_key}/words", response_model=None)
async def add_word(
    request: Request,
    site_key: str,
    account: Account = Depends(require_account),
    ctx: Context = Depends(get_context),
    word: str = Form(...),
    action: str = Form(...),
    csrf: str = Form(""),
) -> Response:
    try:
        check_csrf(request, csrf)
        await _managed(ctx, site_key, account)
        await run_in_threadpool(ban_service.set_word_rule, ctx, site_key, account, word, action)
    except PorchError as exc:
        return _failed(request, exc)
    return RedirectResponse(f"/admin/sites/{site_key}/people?done=word+list+saved", status_code=303)


@router.get("/sites/{site_key}/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    site_key: str,
    before: int | None = None,
    account: Account = Depends(require_account),
    ctx: Context = Depends(get_context),
) -> HTMLResponse:
    try:
        managed = await _managed(ctx, site_key, account)
        entries = await run_in_threadpool(
            lambda: moderation_service.audit_log(ctx, site_key, account, before_id=before, limit=100)
        )
    except PorchError as exc:
        return _failed(request, exc)
    return _page(request, "admin/audit.html", account, managed, entries=entries, tab="audit")


@router.get("/sites/{site_key}/search", response_class=HTMLResponse)
async def search_page(
    request: Request,
    site_key: str,
    q: str = "",
    status: str = "",
    account: Account = Depends(require_account),
    ctx: Context = Depends(get_context),
) -> HTMLResponse:
    try:
        managed = await _managed(ctx, site_key, account)
        found = (
            await run_in_threadpool(
                lambda: moderation_service.search_comments(ctx, site_key, account, text=q, status=status or None)
            )
            if (q or status)
            else []
        )
    except PorchError as exc:
        return _failed(request, exc)
    return _page(request, "admin/search.html", account, managed, found=found, q=q, status=status, tab="search")


@router.get("/sites/{site_key}/comments/{comment_id}/edit", response_class=HTMLResponse)
async def edit_comment_page(
    request: Request,
    site_key: str,
    comment_id: int,
    account: Account = Depends(require_account),
    ctx: Context = Depends(get_context),
) -> HTMLResponse:
    try:
        managed = await _managed(ctx, site_key, account)
        editable = await run_in_threadpool(moderation_service.comment_for_editing, ctx, site_key, comment_id, account)
    except PorchError as exc:
        return _failed(request, exc)
    return _page(request, "admin/edit_comment.html", account, managed, editable=editable, tab="search")


@router.post("/sites/{site_key}/comments/{comment_id}/edit", response_model=None)
async def edit_comment(
    request: Request,
    site_key: str,
    comment_id: int,
    account: Account = Depends(require_account),
    ctx: Context = Depends(get_context),
    body: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    """A moderator's edit: the earlier text is kept as a revision and shown under the form."""
    try:
        check_csrf(request, csrf)
        managed = await _managed(ctx, site_key, account)
        await run_in_threadpool(moderation_service.comment_for_editing, ctx, site_key, comment_id, account)
        await run_in_threadpool(
            moderation_service.edit_comment_as_moderator, ctx, comment_id, body, Requester(account=account)
        )
    except InvalidInput as exc:
        editable = await run_in_threadpool(moderation_service.comment_for_editing, ctx, site_key, comment_id, account)
        return _page(
            request, "admin/edit_comment.html", account, managed, editable=editable, tab="search", draft=body,
            error=exc.detail, status_code=422,
        )  # fmt: skip
    except PorchError as exc:
        return _failed(request, exc)
    return RedirectResponse(f"/admin/sites/{site_key}/comments/{comment_id}/edit?done=saved", status_code=303)
