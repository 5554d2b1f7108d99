"""GET /account: a signed-in person's own data — download it, or delete the account (a form with a
CSRF token and the email typed again). The same use cases as /api/v1/me/data and /api/v1/me/delete."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.errors import PorchError
from porch.services import personal_data
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.deps import SESSION_COOKIE, get_context, get_requester
from porch.web.csrf import check_csrf, csrf_token
from porch.web.errors import status_for
from porch.web.inbox.pages import require_person

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)


def _account_page(request: Request, account: Account, error: str | None = None, status: int = 200) -> HTMLResponse:
    context = {"account": account, "csrf": csrf_token(request), "error": error}
    return templates.TemplateResponse(request, "account.html", context, status_code=status)


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request, account: Account = Depends(require_person)) -> HTMLResponse:
    return _account_page(request, account)


@router.post("/account/delete", response_class=HTMLResponse)
async def delete_account(
    request: Request,
    confirm_email: str = Form(""),
    csrf: str = Form(""),
    account: Account = Depends(require_person),
    requester: Requester = Depends(get_requester),
    ctx: Context = Depends(get_context),
) -> HTMLResponse:
    try:
        check_csrf(request, csrf)
        await run_in_threadpool(personal_data.delete_my_account, ctx, requester, confirm_email)
    except PorchError as exc:
        return _account_page(request, account, error=exc.detail, status=status_for(exc))
    response = templates.TemplateResponse(
        request,
        "message.html",
        {
            "title": "Your account is deleted",
            "message": "Your comments now read “deleted” (replies to them stay), and everything else we "
            "kept about you is gone. You are signed out everywhere.",
        },
    )
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
