"""The hot read path: thread pages and counts answered from memory while the database is unchanged.

A popular thread is read thousands of times between two writes, and a blog's index page asks for
the same counts on every visit. Even from prepared bytes (services/prepared_threads.py), each of
those reads used to pay for FastAPI's dependency and validation layer, a hop to the thread pool,
and a validating query through SQLAlchemy — several times the cost of sending the bytes.

This ASGI middleware sits inside the CORS and body-limit middleware and in front of FastAPI's
routing, and handles exactly two requests:

- ``GET /api/v1/threads?…``, keyed by the raw query string (and answered 304 when
  ``If-None-Match`` names the page's ETag), and
- ``POST /api/v1/counts``, keyed by the raw body and its Content-Type.

It never computes an answer itself. The first time it sees a request it passes it to the
FastAPI route (which validates, answers problem+json on bad input, and is what OpenAPI
documents) and keeps the route's 200 response, byte for byte. It serves that response again
only while the database's change token (storage/change_token.py: SQLite's ``PRAGMA
data_version``, which moves on every commit by any process) has not moved since the token
read *before* the route ran — so what it serves is what the route would answer now. Any commit
anywhere empties it; errors and anything else pass through untouched. Where there is no cheap
token (PostgreSQL, an in-memory database) every request goes to the route, as before.

The check runs in the event loop: one dict lookup and one ``PRAGMA data_version`` (~4 µs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from porch.services.prepared_threads import etag_matches
from porch.storage.change_token import SqliteChangeToken
from porch.web.middleware import header_value, read_body, replaying

log = logging.getLogger("porch.web")

THREADS_PATH = "/api/v1/threads"
COUNTS_PATH = "/api/v1/counts"
MAX_ENTRIES = 4096
MAX_BYTES = 32 * 1024 * 1024  # per worker; the bodies are mostly the prepared pages' own bytes, shared
_KEPT_IN_304 = (b"etag", b"cache-control")  # what prepared_response sends with a 304


@dataclass(frozen=True)
class _Kept:
    headers: list[tuple[bytes, bytes]]  # the 200's, as the route sent them
    body: bytes
    etag: str | None  # thread pages: answers If-None-Match
    not_modified_headers: list[tuple[bytes, bytes]]


class HotReads:
    """See the module docstring. ``change_token`` is called once, on the first hot request."""

    def __init__(self, app: ASGIApp, change_token: Callable[[], SqliteChangeToken | None]):
        self.app = app
        self._find_token = change_token
        self._token_source: SqliteChangeToken | None = None
        self._found = False
        self._token: int | None = None  # what every kept response is valid for
        self._kept: dict[tuple[str, bytes, bytes], _Kept] = {}
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            method = scope["method"]
            if path == THREADS_PATH and method == "GET":
                await self._thread_page(scope, receive, send)
                return
            if path == COUNTS_PATH and method == "POST":
                await self._counts(scope, receive, send)
                return
        await self.app(scope, receive, send)

    # --- the two requests ----------------------------------------------------------------------

    async def _thread_page(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = self._current_token()
        key = ("threads", scope["query_string"], b"")
        kept = self._kept.get(key) if token is not None else None
        if_none_match = header_value(scope, b"if-none-match")
        if kept is not None:
            self.hits += 1
            if if_none_match is not None and kept.etag is not None and etag_matches(if_none_match, kept.etag):
                await send({"type": "http.response.start", "status": 304, "headers": kept.not_modified_headers})
                await send({"type": "http.response.body", "body": b""})
                return
            await _send_kept(send, kept)
            return
        self.misses += 1
        await self._pass_and_keep(scope, receive, send, key, token)

    async def _counts(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = self._current_token()
        if token is None:
            await self.app(scope, receive, send)
            return
        body, complete = await read_body(receive)
        key = ("counts", body, (header_value(scope, b"content-type") or "").encode("latin-1"))
        kept = self._kept.get(key) if complete else None
        if kept is not None:
            self.hits += 1
            await _send_kept(send, kept)
            return
        self.misses += 1
        replay = replaying(body, receive)
        if not complete:  # the client went away mid-body: let the route see what happened
            await self.app(scope, replay, send)
            return
        await self._pass_and_keep(scope, replay, send, key, token)

    # --- keeping the route's answers -------------------------------------------------------------

    async def _pass_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[str, bytes, bytes], token: int | None
    ) -> None:
        """Let the route answer; keep a 200 for ``key`` if the token still holds when it is done."""
        if token is None:
            await self.app(scope, receive, send)
            return
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        finished = False

        async def keeping_send(message: Message) -> None:
            nonlocal status, headers, finished
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body" and status == 200:
                chunks.append(message.get("body", b""))
                finished = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, keeping_send)
        if status == 200 and finished:
            self._keep(key, token, headers, b"".join(chunks) if len(chunks) != 1 else chunks[0])

    def _keep(self, key: tuple[str, bytes, bytes], token: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        if token != self._token:
            return  # something was committed while the route ran: this answer may be older than that
        etag = next((value.decode("latin-1") for name, value in headers if name == b"etag"), None)
        kept = _Kept(
            headers=headers,
            body=body,
            etag=etag,
            not_modified_headers=[(name, value) for name, value in headers if name in _KEPT_IN_304],
        )
        old = self._kept.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        if len(body) > MAX_BYTES:
            return
        self._kept[key] = kept
        self._bytes += len(body)
        while self._bytes > MAX_BYTES or len(self._kept) > MAX_ENTRIES:
            evicted = self._kept.pop(next(iter(self._kept)))
            self._bytes -= len(evicted.body)

    def _current_token(self) -> int | None:
        if not self._found:
            self._found = True
            try:
                self._token_source = self._find_token()
            except Exception:  # no token: every request takes the route, as without this middleware
                log.warning("hot reads disabled: no change token", exc_info=True)
                self._token_source = None
        if self._token_source is None:
            return None
        token = self._token_source.current()
        if token != self._token:
            self._kept.clear()  # something was committed (or the token is unknown): nothing kept is current
            self._bytes = 0
            self._token = token
        return token


async def _send_kept(send: Send, kept: _Kept) -> None:
    # Fresh message dicts: middleware outside (CORS) replaces their header lists.
    await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
    await send({"type": "http.response.body", "body": kept.body})
