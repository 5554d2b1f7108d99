"""Admin: a site's community dashboard — measures, charts, newcomers waiting, exports."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.errors import ErrorList, Forbidden, PorchError
from porch.services import analytics as analytics_service
from porch.services import newcomers_mail
from porch.services.context import Context
from porch.services.sites import access_site_by_account
from porch.web.admin import charts
from porch.web.admin.auth import forbidden_page, require_account
from porch.web.admin.moderation import check_csrf, csrf_token
from porch.web.admin.templating import render
from porch.web.api.analytics import TABLES, parse_moment, permalink
from porch.web.api.deps import get_context

router = APIRouter()
NEWCOMERS_SHOWN = 20


def duration(seconds: float | None) -> str:
    """A wait, said the way a person would: "7 min", "1 h 7 min", "3 days"."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{round(hours / 24)} days"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


@router.get("/sites/{site_key}/analytics", response_class=HTMLResponse)
async def analytics_page(
    request: Request, site_key: str, account: Account = Depends(require_account), ctx: Context = Depends(get_context)
) -> HTMLResponse:
    params = request.query_params
    form = {name: params.get(name, "").strip() for name in ("from", "to", "uri")}
    context: dict[str, Any] = {"account": account, "form": form, "error": None, "duration": duration,
                               "percent": percent, "permalink": permalink, "tables": TABLES,
                               "csrf": csrf_token(request), "done": params.get("done")}
    try:
        errors = ErrorList()
        start, end = parse_moment(form["from"], "from", errors), parse_moment(form["to"], "to", errors)
        errors.raise_if_any()
        result = await run_in_threadpool(
            analytics_service.compute_site_analytics, ctx, site_key, account, start, end, form["uri"] or None
        )
        waiting = await run_in_threadpool(
            analytics_service.list_newcomers_waiting, ctx, site_key, account, NEWCOMERS_SHOWN
        )
    except Forbidden as exc:
        return forbidden_page(request, exc)
    except PorchError as exc:
        managed = await run_in_threadpool(access_site_by_account, ctx, site_key, account, analytics_service.ANALYSTS)
        return render(request, "admin/analytics.html",
                      {**context, "site": managed.site, "a": None, "error": exc.detail}, status_code=422)
    export = urlencode({k: v for k, v in form.items() if v})
    return render(request, "admin/analytics.html", {
        **context, "site": result.site, "a": result, "waiting": waiting, "export_query": export,
        "charts": {
            "activity": charts.activity_chart(result.activity),
            "retention": charts.retention_heatmap(result.cohorts),
            "waits": charts.wait_distribution_chart(result.first_reply_distribution),
            "graph": charts.reply_graph_chart(result.reply_graph),
        },
    })


@router.post("/sites/{site_key}/analytics/author", response_model=None)
async def set_page_author(
    request: Request, site_key: str, account: Account = Depends(require_account),
    ctx: Context = Depends(get_context), uri: str = Form(...), email: str = Form(""), csrf: str = Form(""),
) -> Response:
    """The owner names who wrote a page (an empty address: the owners count as its authors)."""
    try:
        check_csrf(request, csrf)
        author = await run_in_threadpool(
            analytics_service.set_thread_author, ctx, site_key, uri.strip(), email.strip() or None, account
        )
    except Forbidden as exc:
        return forbidden_page(request, exc)
    except PorchError as exc:
        return _back(site_key, f"page author not set: {exc.detail}")
    done = f"{author.uri}: written by {author.name}" if author.name else f"{author.uri}: the owners are its authors"
    return _back(site_key, done)


@router.post("/sites/{site_key}/analytics/newcomers-mail", response_model=None)
async def set_newcomers_mail(
    request: Request, site_key: str, account: Account = Depends(require_account),
    ctx: Context = Depends(get_context), daily: str = Form(""), csrf: str = Form(""),
) -> Response:
    try:
        check_csrf(request, csrf)
        on = await run_in_threadpool(newcomers_mail.mail_newcomers_daily, ctx, site_key, account, daily == "on")
    except Forbidden as exc:
        return forbidden_page(request, exc)
    except PorchError as exc:
        return _back(site_key, exc.detail)
    return _back(site_key, f"daily newcomers mail to {account.email}: {'on' if on else 'off'}")


def _back(site_key: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/sites/{site_key}/analytics?done={quote(done)}#settings", status_code=303)
