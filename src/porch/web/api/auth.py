"""Accounts and sessions: /api/v1/auth/* and /api/v1/me.

A session is a first-party cookie on Porch's own pages and a bearer token for the embed
and API clients (browsers block third-party cookies, so the embed cannot rely on them).
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import SESSION_LIFETIME
from porch.errors import Unauthenticated
from porch.services import accounts as account_service
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.deps import (
    SESSION_COOKIE,
    came_over_tls,
    client_address,
    get_context,
    get_requester,
    session_token,
)
from porch.web.api.schemas import AccountOut, EmailIn, LoginIn, Problem, RegisterIn, SessionOut, TokenIn
from porch.web.api.serialize import account_json

router = APIRouter(prefix="/api/v1", tags=["accounts"])
PROBLEMS = {code: {"model": Problem} for code in (401, 409, 422)}


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """HttpOnly (no script reads it), SameSite=Lax (no cross-site writes carry it), Secure when the
    request came over TLS (directly, or through a trusted proxy's X-Forwarded-Proto) or the
    configuration says so (``PORCH_SECURE_COOKIES``, or an https ``PORCH_BASE_URL``)."""
    response.set_cookie(
        SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True, samesite="lax",
        secure=request.app.state.settings.cookies_secure or came_over_tls(request), path="/",
    )


async def _session_response(ctx: Context, request: Request, signed_in: account_service.SignedIn) -> JSONResponse:
    name = await run_in_threadpool(account_service.display_name_of, ctx, signed_in.account.person_id)
    response = JSONResponse({"token": signed_in.session_token, "account": account_json(signed_in.account, name)})
    set_session_cookie(response, request, signed_in.session_token)
    return response


@router.post("/auth/register", status_code=202, responses=PROBLEMS)
async def register(payload: RegisterIn, request: Request, ctx: Context = Depends(get_context)) -> JSONResponse:
    """Create an account; a confirmation link is mailed to the address. The same answer whether or not
    the address has an account (then it is mailed a sign-in link instead); rate-limited like sign-in links."""
    await run_in_threadpool(
        partial(account_service.register_account, remote_addr=client_address(request)),
        ctx, payload.email, payload.password, payload.name,
    )  # fmt: skip
    return JSONResponse({"sent": True}, status_code=202)


@router.post("/auth/verify", response_model=AccountOut, responses=PROBLEMS)
async def verify(payload: TokenIn, ctx: Context = Depends(get_context)) -> JSONResponse:
    """Confirm an email address with the token from the mailed link."""
    account = await run_in_threadpool(account_service.verify_email, ctx, payload.token)
    name = await run_in_threadpool(account_service.display_name_of, ctx, account.person_id)
    return JSONResponse(account_json(account, name))


@router.post("/auth/login", response_model=SessionOut, responses=PROBLEMS)
async def login(payload: LoginIn, request: Request, ctx: Context = Depends(get_context)) -> JSONResponse:
    """Sign in with email and password."""
    signed_in = await run_in_threadpool(
        partial(account_service.log_in, remote_addr=client_address(request)), ctx, payload.email, payload.password
    )
    return await _session_response(ctx, request, signed_in)


@router.post("/auth/magic-link", status_code=202, responses=PROBLEMS)
async def magic_link(payload: EmailIn, request: Request, ctx: Context = Depends(get_context)) -> JSONResponse:
    """Mail a one-time sign-in link (an unknown address gets a new account). The same answer whether
    or not an account has the address; rate-limited per address and per email (429, Retry-After)."""
    await run_in_threadpool(
        partial(account_service.send_magic_link, remote_addr=client_address(request)), ctx, payload.email
    )
    return JSONResponse({"sent": True}, status_code=202)


@router.post("/auth/magic-link/redeem", response_model=SessionOut, responses=PROBLEMS)
async def redeem_magic_link(payload: TokenIn, request: Request, ctx: Context = Depends(get_context)) -> JSONResponse:
    """Exchange the token from a sign-in link for a session."""
    signed_in = await run_in_threadpool(account_service.redeem_magic_link, ctx, payload.token)
    return await _session_response(ctx, request, signed_in)


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, ctx: Context = Depends(get_context)) -> Response:
    """End the current session (bearer token or cookie)."""
    token, _ = session_token(request)
    if token:
        await run_in_threadpool(account_service.log_out, ctx, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=AccountOut, responses=PROBLEMS)
async def me(ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)) -> JSONResponse:
    """The signed-in account."""
    if requester.account is None:
        raise Unauthenticated("sign in first (Authorization: Bearer TOKEN, or the session cookie)")
    name = await run_in_threadpool(account_service.display_name_of, ctx, requester.account.person_id)
    return JSONResponse(account_json(requester.account, name))
