"""Admin: the sites an account manages, and each site's settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.errors import Forbidden, PorchError
from porch.services import sites as site_service
from porch.services.context import Context
from porch.web.admin.auth import forbidden_page, require_account
from porch.web.admin.templating import render
from porch.web.api.deps import get_context

router = APIRouter()
OWNERS = frozenset({"owner"})
MODERATORS = frozenset({"owner", "moderator"})
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}  # the keys are domain.mail_text.LANGUAGES


@router.get("/", response_class=HTMLResponse)
async def dashboard(
    request: Request, account: Account = Depends(require_account), ctx: Context = Depends(get_context)
) -> HTMLResponse:
    managed = await run_in_threadpool(site_service.sites_managed_by, ctx, account)
    return render(request, "admin/sites.html", {"account": account, "managed": managed})


@router.get("/sites/{site_key}", response_class=HTMLResponse)
async def site_page(
    request: Request, site_key: str, account: Account = Depends(require_account), ctx: Context = Depends(get_context)
) -> HTMLResponse:
    try:
        managed = await run_in_threadpool(site_service.access_site_by_account, ctx, site_key, account, MODERATORS)
    except Forbidden as exc:
        return forbidden_page(request, exc)
    return render(
        request,
        "admin/site.html",
        {
            "account": account,
            "managed": managed,
            "site": managed.site,
            "saved": request.query_params.get("saved"),
            "error": None,
            "languages": LANGUAGE_NAMES,
        },
    )


@router.post("/sites/{site_key}/settings", response_model=None)
async def save_settings(
    request: Request,
    site_key: str,
    account: Account = Depends(require_account),
    ctx: Context = Depends(get_context),
    edit_window_seconds: str = Form(...),
    moderation: str = Form(...),
    max_comment_length: str = Form(...),
    max_depth: str = Form(...),
    origins: str = Form(""),
    require_name: str | None = Form(None),
    allow_anonymous: str | None = Form(None),
    language: str | None = Form(None),
) -> Response:
    try:
        managed = await run_in_threadpool(site_service.access_site_by_account, ctx, site_key, account, OWNERS)
    except Forbidden as exc:
        return forbidden_page(request, exc)
    values = {
        "edit_window_seconds": edit_window_seconds,
        "moderation": moderation,
        "max_comment_length": max_comment_length,
        "max_depth": max_depth,
        "require_name": "true" if require_name else "false",
        "allow_anonymous": "true" if allow_anonymous else "false",
        "origins": ",".join(origins.split()),
    }
    if language is not None:
        values["language"] = language
    try:
        await run_in_threadpool(site_service.configure_site, ctx, site_key, values)
    except PorchError as exc:
        return render(
            request,
            "admin/site.html",
            {
                "account": account, "managed": managed, "site": managed.site, "saved": None, "error": exc.detail,
                "languages": LANGUAGE_NAMES,
            },
            status_code=422,
        )
    return RedirectResponse(f"/admin/sites/{site_key}?saved=1", status_code=303)
