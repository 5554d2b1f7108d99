"""The hot write path: ``POST /api/v1/comments`` without FastAPI's generic request machinery.

Posting is the one write a popular page sees many times a second, and most of a post's time
on the event loop went to the framework rather than to the post: routing through every route,
solving the dependency graph, building a request body field and validating through it. This
ASGI middleware (beside :mod:`porch.web.hot_reads`, inside the CORS and body-limit middleware)
answers exactly that request, with the same parts the route uses: the ``CommentIn`` model,
``get_requester``, ``new_comment``, ``post_comment`` in the thread pool, ``posted_response``,
and ``porch_problem`` for Porch's own errors.

Whatever it would have to answer differently from the route it hands to the route instead,
with the body replayed: a Content-Type other than ``application/json``, a body that is not
JSON or not a valid ``CommentIn`` (the route answers those with its 422 problem), a client
that went away mid-body. So the route stays what OpenAPI documents and what every answer
is shaped by; this only skips the walk to it.
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from porch.errors import PorchError
from porch.services.comments import post_comment
from porch.services.context import Context
from porch.web.api.comments import new_comment, posted_response
from porch.web.api.deps import get_requester
from porch.web.api.schemas import CommentIn
from porch.web.errors import porch_problem
from porch.web.middleware import header_value, read_body, replaying

COMMENTS_PATH = "/api/v1/comments"


class HotPosting:
    """See the module docstring. ``handled`` and ``passed`` count what it did (tests read them)."""

    def __init__(self, app: ASGIApp, context: Context):
        self.app = app
        self.context = context
        self.handled = 0
        self.passed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == COMMENTS_PATH and scope["method"] == "POST":
            await self._post(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = (header_value(scope, b"content-type") or "").partition(";")[0].strip().lower()
        if content_type != "application/json":
            await self._pass(scope, receive, send)
            return
        body, complete = await read_body(receive)
        replay = replaying(body, receive)
        if not complete:
            await self._pass(scope, replay, send)
            return
        try:
            payload = CommentIn.model_validate(json.loads(body))  # as FastAPI parses a JSON body
        except (ValueError, ValidationError):  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            await self._pass(scope, replay, send)
            return
        self.handled += 1
        try:
            requester = await get_requester(Request(scope))
            posted = await run_in_threadpool(post_comment, self.context, new_comment(payload), requester)
        except PorchError as exc:
            response = porch_problem(exc)
        else:
            response = posted_response(posted)
        await response(scope, replay, send)

    async def _pass(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.passed += 1
        await self.app(scope, receive, send)
