"""Hot threads from prepared bytes: thread pages encoded once, served until a write changes them.

A popular post is read thousands of times between two comments. Building its tree and encoding
it as JSON each time is most of a read's cost (a 500-comment page is ~0.3 MB of JSON), so each
worker keeps the encoded pages it served last in a small LRU, keyed by everything the bytes
depend on:

    (site, its settings, thread id, thread version, title, closed, uri, sort, cursor, limit)

``threads.version`` is moved forward by database triggers on every change to the thread's
comments (storage/thread_versions.py), so the key changes with any write from any process —
another worker, the CLI, an import, a moderator — and a stale page can never be found. Each
read checks the key with one query (the site joined with the thread row); only a miss reads
the comments. The same key, hashed, is the page's ETag: a browser that
sends it back in ``If-None-Match`` gets 304 and no body.

Consistency: on SQLite the read transaction is one snapshot. On PostgreSQL (READ COMMITTED)
each statement sees the latest commits, so the version is read *before* the comments: the
bytes cached under version ``v`` are never older than ``v`` (they may be newer, which only
means a later read at ``v + 1`` rebuilds the same page once).

Pages are the same for every reader (read_thread takes no requester); a per-reader view
(a moderator's queue, say) must not go through here.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from porch.domain.conversation import SortOrder
from porch.domain.threads import thread_key
from porch.services.comments import get_site
from porch.services.context import Context
from porch.services.threads import DEFAULT_PAGE_SIZE, ThreadView, build_view, check_paging

DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # per worker; a 5,000-comment thread's first page is ~0.4 MB


@dataclass(frozen=True)
class PreparedPage:
    """A thread page as sent: its ETag and its encoded body (``modified`` False: the reader has it)."""

    etag: str
    body: bytes
    modified: bool = True


class PreparedPages:
    """A thread-safe LRU of prepared pages, bounded by the bytes it holds."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self._pages: OrderedDict[Hashable, PreparedPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # site key → the first origin last seen (thread keys are computed with it); checked on every read
        self.origins: dict[str, str | None] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> PreparedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: Hashable, page: PreparedPage) -> None:
        if len(page.body) > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._pages[key] = page
            self._bytes += len(page.body)
            while self._bytes > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._bytes -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._pages)


def page_etag(key: Hashable) -> str:
    """A strong ETag for a page key: the same in every worker process (no randomised hash)."""
    return '"' + hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest() + '"'


def read_prepared_thread(
    ctx: Context,
    pages: PreparedPages,
    encode: Callable[[ThreadView], bytes],
    site_key: str,
    uri: str,
    *,
    order: SortOrder = SortOrder.OLDEST,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    if_none_match: str | None = None,
) -> PreparedPage:
    """The thread page as bytes (``encode`` turns a ThreadView into them), from ``pages`` when the
    thread has not changed; an empty, unmodified page when ``if_none_match`` names it (HTTP 304).

    One query when the page is prepared already (three on a worker's first read of a site), two when not.
    """
    after = check_paging(order, cursor, limit)
    with ctx.uow() as uow:
        # One query: the site and the thread together. The thread's key depends on the site's first
        # origin, so it is computed from the origin this worker saw last and checked against the row.
        origin = pages.origins.get(site_key)
        stamp = uow.threads.stamp(site_key, thread_key(uri, origin)) if site_key in pages.origins else None
        if stamp is None or stamp[0].primary_origin != origin:
            site = get_site(uow, site_key)
            pages.origins[site_key] = site.primary_origin
            stamp = uow.threads.stamp(site_key, thread_key(uri, site.primary_origin))
            if stamp is None:  # the site went away between the two queries
                site = get_site(uow, site_key)
        assert stamp is not None
        site, thread, version = stamp
        key = (
            site.id, site.key, site.settings,
            thread.id if thread else None, version,
            (thread.uri, thread.title, thread.closed) if thread else None,
            order.value, cursor, limit,
        )  # fmt: skip
        etag = page_etag(key)
        if if_none_match is not None and etag_matches(if_none_match, etag):
            return PreparedPage(etag=etag, body=b"", modified=False)
        prepared = pages.get(key)
        if prepared is not None:
            return prepared
        comments = uow.comments.list_for_thread(thread.id) if thread else []
        # Badges are read when a page is built: a role granted or withdrawn shows from the
        # thread's next change (or the worker's next start), not at once.
        badges = uow.threads.badge_holders(site.id, thread.id if thread else None)
    view = build_view(site, thread, comments, badges, order=order, after=after, limit=limit)
    prepared = PreparedPage(etag=etag, body=encode(view))
    pages.put(key, prepared)
    return prepared


def etag_matches(if_none_match: str, etag: str) -> bool:
    # ``If-None-Match: W/"x", "y"`` or ``*``; RFC 9110 asks for the weak comparison here.
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags
