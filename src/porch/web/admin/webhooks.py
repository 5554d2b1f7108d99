"""Admin: a site's webhooks, their delivery log, and a test-delivery button (owners only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.errors import Forbidden, NotFound, PorchError
from porch.services import sites as site_service
from porch.services import webhooks as webhook_service
from porch.services.context import Context
from porch.web.admin.auth import forbidden_page, require_account
from porch.web.admin.templating import render
from porch.web.api.deps import get_context

router = APIRouter()
OWNERS = frozenset({"owner"})


async def _owned_site(ctx: Context, site_key: str, account: Account) -> site_service.ManagedSite:
    return await run_in_threadpool(site_service.access_site_by_account, ctx, site_key, account, OWNERS)


async def _page(
    request: Request, ctx: Context, account: Account, managed: site_service.ManagedSite, *,
    error: str | None = None, status_code: int = 200,
) -> HTMLResponse:
    site = managed.site
    hooks = await run_in_threadpool(webhook_service.list_webhooks, ctx, site.id)
    log = await run_in_threadpool(webhook_service.delivery_log, ctx, site.id)
    return render(request, "admin/webhooks.html", {
        "account": account, "managed": managed, "site": site, "hooks": hooks, "log": log,
        "events": webhook_service.EVENTS, "error": error, "notice": request.query_params.get("done"),
    }, status_code=status_code)


@router.get("/sites/{site_key}/webhooks", response_class=HTMLResponse)
async def webhooks_page(
    request: Request, site_key: str, account: Account = Depends(require_account), ctx: Context = Depends(get_context)
) -> HTMLResponse:
    try:
        managed = await _owned_site(ctx, site_key, account)
    except Forbidden as exc:
        return forbidden_page(request, exc)
    return await _page(request, ctx, account, managed)


@router.post("/sites/{site_key}/webhooks", response_model=None)
async def add_webhook(
    request: Request, site_key: str, url: str = Form(""), events: list[str] = Form([]),
    account: Account = Depends(require_account), ctx: Context = Depends(get_context),
) -> Response:
    try:
        managed = await _owned_site(ctx, site_key, account)
    except Forbidden as exc:
        return forbidden_page(request, exc)
    try:
        await run_in_threadpool(webhook_service.add_webhook, ctx, managed.site.id, url, events)
    except PorchError as exc:
        detail = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
        return await _page(request, ctx, account, managed, error=detail, status_code=422)
    return RedirectResponse(f"/admin/sites/{site_key}/webhooks?done=added", status_code=303)


@router.post("/sites/{site_key}/webhooks/{webhook_id}/test", response_model=None)
async def test_webhook(
    request: Request, site_key: str, webhook_id: int,
    account: Account = Depends(require_account), ctx: Context = Depends(get_context),
) -> Response:
    try:
        managed = await _owned_site(ctx, site_key, account)
        await run_in_threadpool(webhook_service.send_test_delivery, ctx, managed.site.id, webhook_id)
    except Forbidden as exc:
        return forbidden_page(request, exc)
    except NotFound:
        return render(request, "admin/message.html", {"title": "Not found", "message": "No such webhook."},
                      status_code=404)
    return RedirectResponse(f"/admin/sites/{site_key}/webhooks?done=test", status_code=303)


@router.post("/sites/{site_key}/webhooks/{webhook_id}/delete", response_model=None)
async def delete_webhook(
    request: Request, site_key: str, webhook_id: int,
    account: Account = Depends(require_account), ctx: Context = Depends(get_context),
) -> Response:
    try:
        managed = await _owned_site(ctx, site_key, account)
        await run_in_threadpool(webhook_service.remove_webhook, ctx, managed.site.id, webhook_id)
    except Forbidden as exc:
        return forbidden_page(request, exc)
    except NotFound:
        return render(request, "admin/message.html", {"title": "Not found", "message": "No such webhook."},
                      status_code=404)
    return RedirectResponse(f"/admin/sites/{site_key}/webhooks?done=removed", status_code=303)
