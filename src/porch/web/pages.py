"""Porch's own pages: the front page, the demo blog, and the pages mailed links open."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from porch.demo.content import DEMO_SITE, demo_posts
from porch.errors import PorchError
from porch.services import accounts as account_service
from porch.services import threads as thread_service
from porch.services.context import Context
from porch.services.sites import find_site
from porch.web.api.auth import set_session_cookie
from porch.web.api.deps import get_context

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def front_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "front.html", {})


def _demo_site_key(ctx: Context) -> str | None:
    try:
        return find_site(ctx, DEMO_SITE).key
    except PorchError:
        return None


@router.get("/demo/", response_class=HTMLResponse)
async def demo_index(request: Request, ctx: Context = Depends(get_context)) -> HTMLResponse:
    posts = demo_posts()
    key = await run_in_threadpool(_demo_site_key, ctx)
    counts = await run_in_threadpool(thread_service.count_comments, ctx, key, [p.url for p in posts]) if key else {}
    return templates.TemplateResponse(
        request, "demo_index.html", {"posts": posts, "counts": counts, "loaded": bool(key)}
    )


@router.get("/demo/{slug}", response_class=HTMLResponse)
async def demo_post(
    request: Request, slug: str, sort: str = "oldest", ctx: Context = Depends(get_context)
) -> HTMLResponse:
    post = next((p for p in demo_posts() if p.slug == slug), None)
    key = await run_in_threadpool(_demo_site_key, ctx)
    if post is None or key is None:
        return templates.TemplateResponse(
            request,
            "message.html",
            {"title": "Not here", "message": "There is no such demo post (was `porch demo` run?)."},
            status_code=404,
        )
    order = thread_service.SortOrder(sort) if sort in {"oldest", "newest", "best"} else thread_service.SortOrder.OLDEST
    view = await run_in_threadpool(
        thread_service.read_thread, ctx, key, post.url, order=order, limit=thread_service.MAX_PAGE_SIZE
    )
    return templates.TemplateResponse(request, "demo_post.html", {"post": post, "view": view, "sort": order.value})


@router.get("/auth/verify", response_class=HTMLResponse)
async def verify_page(request: Request, token: str = "", ctx: Context = Depends(get_context)) -> HTMLResponse:
    try:
        account = await run_in_threadpool(account_service.verify_email, ctx, token)
    except PorchError as exc:
        return templates.TemplateResponse(
            request, "message.html", {"title": "Link not valid", "message": exc.detail}, status_code=400
        )
    return templates.TemplateResponse(
        request,
        "message.html",
        {"title": "Address confirmed", "message": f"{account.email} is confirmed. You can close this page."},
    )


@router.get("/auth/magic", response_class=HTMLResponse)
async def magic_page(request: Request, token: str = "") -> HTMLResponse:
    # A button, not an automatic sign-in: mail scanners open links, and must not spend them.
    return templates.TemplateResponse(request, "magic.html", {"token": token})


@router.post("/auth/magic", response_model=None)
async def magic_sign_in(
    request: Request, token: str = Form(""), ctx: Context = Depends(get_context)
) -> HTMLResponse | RedirectResponse:
    try:
        signed_in = await run_in_threadpool(account_service.redeem_magic_link, ctx, token)
    except PorchError as exc:
        return templates.TemplateResponse(
            request, "message.html", {"title": "Link not valid", "message": exc.detail}, status_code=400
        )
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, signed_in.session_token)
    return response
