"""ASGI middleware: request size limits and CORS for the sites' own origins."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _problem(status: int, code: str, title: str, detail: str) -> tuple[dict[str, object], bytes]:
    body = json.dumps(
        {
            "type": f"https://porch.invalid/problems/{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        }
    ).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
    }
    return start, body


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, before the app reads them.

    ``allowances`` are (path pattern, bytes) pairs for the few routes that take files (imports):
    their own limit applies to a declared Content-Length, and a chunked body is passed through
    unbuffered, for the route to count and store as it streams (never held in memory here).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, allowances: Sequence[tuple[str, int]] = ()):
        self.app = app
        self.max_bytes = max_bytes
        self.allowances = [(re.compile(pattern), limit) for pattern, limit in allowances]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowance = next((limit for pattern, limit in self.allowances if pattern.fullmatch(scope["path"])), None)
        if allowance is not None:
            length = Headers(scope=scope).get("content-length")
            if length is not None and length.isdigit() and int(length) > allowance:
                await _refuse(send, f"the request body is larger than {allowance} bytes")
                return
            await self.app(scope, receive, send)
            return
        detail = f"the request body is larger than {self.max_bytes} bytes"
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _refuse(send, detail)
            return
        if length is not None or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # A body without Content-Length (chunked): read it here, up to the limit, and replay
        # it to the app, so an over-long stream is refused with 413 and never half-parsed.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _refuse(send, detail)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, replaying(b"".join(chunks), receive), send)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app a body already read off the wire, then the real one's messages."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def header_value(scope: Scope, name: bytes) -> str | None:
    """The first ``name`` header of an ASGI scope, decoded (names are lower-case bytes), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole request body, and whether it arrived complete (not cut off by a disconnect)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


async def _refuse(send: Send, detail: str) -> None:
    start, body = _problem(413, "payload_too_large", "The request body is too large", detail)
    await send(start)
    await send({"type": "http.response.body", "body": body})


class SiteCorsMiddleware:
    """CORS for the embed: reads from anywhere, writes from origins some site allows.

    Which *site* an origin may write to is checked by the use case (the site is in the
    request); here we only answer browsers' preflights and label responses. No cookies
    cross origins: the embed authenticates with a bearer token, so no
    ``Access-Control-Allow-Credentials``.
    """

    ALLOW_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
    ALLOW_HEADERS = "Authorization, Content-Type, X-Porch-Browser, X-Porch-Edit-Token, If-None-Match"

    def __init__(self, app: ASGIApp, known_origins: Callable[[], set[str]], path_prefix: str = "/api/"):
        self.app = app
        self.known_origins = known_origins
        self.path_prefix = path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, headers, send)
            return
        cors_headers = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"vary", b"Origin"),
            (b"access-control-expose-headers", b"ETag, Retry-After"),
        ]

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + cors_headers
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, origin: str, headers: Headers, send: Send) -> None:
        method = headers.get("access-control-request-method", "").upper()
        allowed = method in ("GET", "HEAD") or origin in self.known_origins()
        status = 204 if allowed else 403
        response_headers = [(b"vary", b"Origin"), (b"content-length", b"0")]
        if allowed:
            response_headers += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", self.ALLOW_METHODS.encode()),
                (b"access-control-allow-headers", self.ALLOW_HEADERS.encode()),
                (b"access-control-max-age", b"600"),
            ]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": b""})
