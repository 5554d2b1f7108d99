"""Request → (context, requester): who is asking, from which page, with which credentials."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from porch.errors import Forbidden
from porch.services.accounts import account_for_session
from porch.services.context import Context
from porch.services.requesters import Requester

SESSION_COOKIE = "porch_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


def own_origin(request: Request) -> str:
    """This server's origin as the browser sees it."""
    base = urlsplit(request.app.state.settings.base_url)
    return f"{base.scheme}://{base.netloc}"


def _is_first_party(request: Request, origin: str) -> bool:
    host = request.headers.get("host", "")
    return origin in (own_origin(request), f"{request.url.scheme}://{host}")


def client_address(request: Request) -> str | None:
    """The address the request came from (behind a proxy: what the server was told it is)."""
    return request.client.host if request.client else None


def came_over_tls(request: Request) -> bool:
    """Whether the browser spoke HTTPS: to this server, or to a trusted proxy (``PORCH_TRUSTED_PROXIES``)
    that says so in X-Forwarded-Proto. Anyone else's X-Forwarded-Proto is ignored."""
    if request.url.scheme == "https":
        return True
    peer = client_address(request)
    if peer is None or not request.app.state.settings.is_trusted_proxy(peer):
        return False
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https"


def session_token(request: Request) -> tuple[str | None, bool]:
    """The session token and whether it came from the cookie (not a bearer header)."""
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


async def get_requester(request: Request) -> Requester:
    ctx = get_context(request)
    origin = request.headers.get("origin")
    first_party = origin is not None and _is_first_party(request, origin)
    token, from_cookie = session_token(request)
    account = None
    if token:
        if from_cookie and request.method in UNSAFE_METHODS and origin is not None and not first_party:
            # SameSite=Lax already keeps the cookie off cross-site writes; this is the second lock.
            raise Forbidden("a signed-in session cannot be used from another site's page", code="cross_site_cookie")
        account = await run_in_threadpool(account_for_session, ctx, token)
    return Requester(
        account=account,
        browser_token=(request.headers.get("x-porch-browser") or "").strip()[:200] or None,
        origin=None if first_party else origin,
        remote_addr=request.client.host if request.client else None,
    )
