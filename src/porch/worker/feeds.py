"""The feed poller: fetch the due RSS/Atom comment feeds politely and store their new items.

Polite means: a conditional GET (``If-None-Match`` / ``If-Modified-Since`` from the last answer, so
an unchanged feed costs a 304), a doubling backoff after failures (and ``Retry-After`` honoured),
at most :data:`PER_HOST_PER_ROUND` feeds of one host per round, one request at a time, a size cap
and a timeout. Run as ``porch poll-feeds`` (loop) or one round at a time with :func:`poll_once`,
whose ``httpx.Client`` tests inject. Hosts on private, loopback or link-local addresses are refused
unless ``allow_private`` (tests on loopback; an intranet install) says otherwise: the check is
``porch/ssrf_guard.py``, shared with webhooks.
"""

from __future__ import annotations

import calendar
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
import httpx

from porch import __version__
from porch.domain.comment_feeds import (
    MAX_FEED_BYTES,
    MAX_ITEMS_PER_POLL,
    PER_HOST_PER_ROUND,
    FeedItem,
)
from porch.domain.markup import sanitise_html
from porch.services import comment_feeds as feed_service
from porch.services.context import Context
from porch.ssrf_guard import REDIRECT_STATUSES, AddressPolicy, RefusedAddress

log = logging.getLogger("porch.feeds")
USER_AGENT = f"Porch/{__version__} (comment feed reader; polls at most every 30 minutes)"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_REDIRECTS = 3


class FeedTooLarge(Exception):
    pass


@dataclass
class RoundReport:
    fetched: int = 0
    new_items: int = 0
    unchanged: int = 0
    failed: int = 0
    deferred: int = 0  # due, but their host had its share of this round


def _when(entry: Any, fallback: datetime) -> datetime:
    for name in ("published_parsed", "updated_parsed"):
        parsed = entry.get(name)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return fallback


def parse_feed(body: bytes, now: datetime) -> tuple[str | None, list[FeedItem]]:
    """The feed's title and its items (HTML sanitised like comments). Raises ValueError when
    the document is not a feed at all."""
    parsed = feedparser.parse(body)
    items = []
    for entry in parsed.entries[:MAX_ITEMS_PER_POLL]:
        guid = entry.get("id") or entry.get("link")
        if not guid:
            continue
        reply = entry.get("thr_in-reply-to") or {}
        content = entry.get("content") or []
        html = content[0].get("value", "") if content else entry.get("summary", "")
        items.append(
            FeedItem(
                guid=str(guid)[:2000],
                link=entry.get("link"),
                in_reply_to_ref=reply.get("ref") if isinstance(reply, dict) else None,
                in_reply_to_href=reply.get("href") if isinstance(reply, dict) else None,
                title=" ".join(str(entry.get("title") or "").split())[:300] or str(entry.get("link") or guid)[:300],
                author=" ".join(str(entry.get("author") or "Someone").split())[:200],
                body_html=sanitise_html(str(html)),
                published_at=_when(entry, now),
            )
        )
    if (parsed.bozo or not parsed.get("version")) and not items:
        # feedparser reads broken XML leniently; a document that yields no usable item is not a feed.
        raise ValueError(f"not a feed: {parsed.get('bozo_exception', 'no feed format recognised')}"[:100])
    title = parsed.feed.get("title") if parsed.get("feed") else None
    return (" ".join(str(title).split()) or None) if title else None, items


def _fetch(client: httpx.Client, feed: Any, *, allow_private: bool) -> httpx.Response:
    """GET the feed through the SSRF guard (every hop's address checked and pinned), conditionally,
    reading at most MAX_FEED_BYTES."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5",
    }
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    policy = AddressPolicy(allow_private=allow_private)
    with policy.stream(
        client, "GET", feed.url, headers=headers, timeout=TIMEOUT, max_redirects=MAX_REDIRECTS
    ) as response:
        if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
            raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_FEED_BYTES:
            raise FeedTooLarge(f"{declared} bytes")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_FEED_BYTES:
                raise FeedTooLarge(f"over {MAX_FEED_BYTES} bytes")
            chunks.append(chunk)
        response._content = b"".join(chunks)  # read by hand to stop early on huge bodies
    return response


def _retry_after(response: httpx.Response, now: datetime) -> datetime | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return now + timedelta(seconds=min(int(value), 86400))
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def poll_feed(ctx: Context, client: httpx.Client, feed: Any, report: RoundReport, *, allow_private: bool) -> None:
    now = ctx.clock()
    report.fetched += 1
    try:
        response = _fetch(client, feed, allow_private=allow_private)
    except (httpx.HTTPError, FeedTooLarge, RefusedAddress) as exc:
        # A network or size failure is the feed's problem, not the poller's: back off and go on.
        report.failed += 1
        feed_service.record_failure(ctx, feed.id, feed.failures + 1, f"error: {exc.__class__.__name__} {exc}"[:100])
        return
    if response.status_code == 304:
        report.unchanged += 1
        feed_service.record_unchanged(ctx, feed.id)
        return
    if response.status_code != 200:
        report.failed += 1
        feed_service.record_failure(
            ctx, feed.id, feed.failures + 1, f"http {response.status_code}", retry_at=_retry_after(response, now)
        )
        return
    try:
        title, items = parse_feed(response.content, now)
    except ValueError as exc:
        report.failed += 1
        feed_service.record_failure(ctx, feed.id, feed.failures + 1, str(exc))
        return
    report.new_items += feed_service.store_feed_items(
        ctx,
        feed.id,
        items,
        title=title,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        status="200 ok",
    )


def poll_once(ctx: Context, client: httpx.Client, *, limit: int = 100, allow_private: bool = False) -> RoundReport:
    """One polling round: every due feed, at most PER_HOST_PER_ROUND per host (the rest wait their turn)."""
    report = RoundReport()
    per_host: Counter[str] = Counter()
    for feed in feed_service.due_feeds(ctx, limit):
        if per_host[feed.host] >= PER_HOST_PER_ROUND:
            report.deferred += 1
            continue
        per_host[feed.host] += 1
        poll_feed(ctx, client, feed, report, allow_private=allow_private)
    return report


def run_forever(
    ctx: Context, *, interval_seconds: float = 60.0, allow_private: bool = False
) -> None:  # pragma: no cover
    import time

    with httpx.Client(headers={"User-Agent": USER_AGENT}) as client:
        while True:
            report = poll_once(ctx, client, allow_private=allow_private)
            log.info("feeds polled: %s", report)
            time.sleep(interval_seconds)
