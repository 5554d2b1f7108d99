"""create_app(settings) → the ASGI application."""

from __future__ import annotations

import time
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from porch import __version__
from porch.bootstrap import build_context
from porch.config import Settings
from porch.services.context import Context
from porch.services.sites import all_allowed_origins
from porch.storage.change_token import SqliteChangeToken, change_token_source
from porch.web import feeds, notifications
from porch.web.account_pages import router as account_pages_router
from porch.web.admin import router as admin_router
from porch.web.admin.auth import SignInRequired
from porch.web.api import analytics as analytics_api
from porch.web.api import auth, comments, preview, stream, threads
from porch.web.api import inbox as inbox_api
from porch.web.api import moderation as moderation_api
from porch.web.api import personal_data as personal_data_api
from porch.web.api import transfers as transfers_api
from porch.web.errors import install_error_handlers
from porch.web.hot_posting import HotPosting
from porch.web.hot_reads import HotReads
from porch.web.inbox.pages import InboxSignIn
from porch.web.inbox.pages import router as inbox_pages_router
from porch.web.middleware import BodyLimitMiddleware, SiteCorsMiddleware
from porch.web.pages import router as pages_router
from porch.web.static_files import router as static_router
from porch.worker.outbox import WorkerOptions, outbox_lifespan

ORIGINS_CACHE_SECONDS = 5.0


def create_app(settings: Settings | None = None, *, context: Context | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = context or build_context(settings)
    app = FastAPI(
        title="Porch",
        version=__version__,
        summary="Conversations for blogs and communities: threaded comments over a JSON API.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        # Mail and webhooks go out from the outbox; by default a worker runs beside the server.
        lifespan=outbox_lifespan(
            ctx,
            enabled=settings.outbox_in_serve if settings.outbox_in_serve is not None else context is None,
            options=WorkerOptions.from_settings(settings),
        ),
    )
    app.state.settings = settings
    app.state.context = ctx
    install_error_handlers(app)
    app.include_router(threads.router)
    app.include_router(analytics_api.router)
    app.include_router(comments.router)
    app.include_router(moderation_api.router)
    app.include_router(transfers_api.router)
    app.include_router(auth.router)
    app.include_router(personal_data_api.router)
    app.include_router(feeds.router)
    app.include_router(notifications.router)
    app.include_router(preview.router)
    app.include_router(stream.router)
    app.include_router(inbox_api.router)
    app.include_router(pages_router)
    app.include_router(inbox_pages_router)
    app.include_router(account_pages_router)
    app.include_router(admin_router)
    app.include_router(static_router)

    @app.exception_handler(InboxSignIn)
    async def inbox_sign_in_first(_request: Request, _exc: InboxSignIn) -> RedirectResponse:
        return RedirectResponse("/inbox/login", status_code=303)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(_request: Request, exc: SignInRequired) -> RedirectResponse:
        return RedirectResponse(f"/admin/login?next={quote(exc.next_path)}", status_code=303)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> JSONResponse:
        """Liveness and database reachability."""
        def check() -> None:
            with ctx.uow() as uow:
                uow.sites.get_by_key("")
        try:
            await run_in_threadpool(check)
        except Exception as exc:  # reported, not raised: a health check answers, it does not crash
            return JSONResponse({"status": "error", "database": str(exc.__class__.__name__)}, status_code=503)
        return JSONResponse({"status": "ok", "version": __version__})

    cache: dict[str, tuple[float, set[str]]] = {}

    def known_origins() -> set[str]:
        # Preflights are answered for origins any site allows; a few seconds of staleness
        # after `porch site set` is fine, and each write re-checks against its own site.
        now = time.monotonic()
        hit = cache.get("origins")
        if hit and now - hit[0] < ORIGINS_CACHE_SECONDS:
            return hit[1]
        origins = all_allowed_origins(ctx)
        cache["origins"] = (now, origins)
        return origins

    def change_token() -> SqliteChangeToken | None:
        with ctx.uow() as uow:
            return change_token_source(uow.connection.engine)

    # Innermost: CORS and the body limit apply to what these two answer, as to any route.
    app.add_middleware(HotReads, change_token=change_token)
    app.add_middleware(HotPosting, context=ctx)
    app.add_middleware(SiteCorsMiddleware, known_origins=known_origins)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_request_bytes,
        allowances=[(transfers_api.IMPORT_PATH, settings.max_import_bytes)],
    )
    return app
