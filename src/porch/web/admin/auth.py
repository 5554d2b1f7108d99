"""Admin sign-in with the first-party session cookie, and the guard every admin page uses."""

from __future__ import annotations

import math
from functools import partial

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.errors import Forbidden, PorchError, RateLimited, Unauthenticated
from porch.services import accounts as account_service
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.admin.templating import render
from porch.web.api.auth import set_session_cookie
from porch.web.api.deps import SESSION_COOKIE, client_address, get_context, get_requester, session_token

router = APIRouter()


class SignInRequired(Exception):
    """Raised by admin pages without a session; answered by a redirect to the sign-in page."""

    def __init__(self, next_path: str):
        self.next_path = next_path


async def require_account(request: Request, requester: Requester = Depends(get_requester)) -> Account:
    if requester.account is None:
        raise SignInRequired(request.url.path)
    return requester.account


def _safe_next(next_path: str) -> str:
    return next_path if next_path.startswith("/admin") and not next_path.startswith("//") else "/admin/"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/admin/") -> HTMLResponse:
    return render(request, "admin/login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_model=None)
async def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/admin/"),
    ctx: Context = Depends(get_context),
) -> Response:
    try:
        signed_in = await run_in_threadpool(
            partial(account_service.log_in, remote_addr=client_address(request)), ctx, email, password
        )
    except (Unauthenticated, PorchError) as exc:
        page = render(
            request,
            "admin/login.html",
            {"next": _safe_next(next), "error": exc.detail, "email": email},
            status_code=429 if isinstance(exc, RateLimited) else 401,
        )
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return page
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, request, signed_in.session_token)
    return response


@router.post("/logout")
async def logout(request: Request, ctx: Context = Depends(get_context)) -> RedirectResponse:
    token, _ = session_token(request)
    if token:
        await run_in_threadpool(account_service.log_out, ctx, token)
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def forbidden_page(request: Request, error: Forbidden) -> HTMLResponse:
    return render(request, "admin/message.html", {"title": "Not allowed", "message": error.detail}, status_code=403)
