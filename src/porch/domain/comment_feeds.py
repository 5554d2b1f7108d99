"""External comment feeds, as rules: which URL may be subscribed, how items thread into
conversations (``thr:in-reply-to``, RFC 4685), and how politely a feed is polled."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from porch.errors import InvalidInput

MAX_FEED_URL_LENGTH = 2000
MAX_FEED_BYTES = 2 * 1024 * 1024  # a comment feed is small; more is a mistake or an attack
MAX_ITEMS_PER_POLL = 200
POLL_INTERVAL = timedelta(minutes=30)
MAX_BACKOFF = timedelta(hours=24)
PER_HOST_PER_ROUND = 2  # feeds fetched from one host in one polling round


def check_feed_url(url: str) -> str:
    """An http(s) URL with a host, stripped of its fragment."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if len(text) > MAX_FEED_URL_LENGTH:
        raise InvalidInput(f"url: at most {MAX_FEED_URL_LENGTH} characters", code="invalid_feed_url")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        raise InvalidInput("url: an http(s) address of an RSS or Atom feed", code="invalid_feed_url")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def next_poll(now: datetime, failures: int) -> datetime:
    """Every POLL_INTERVAL while healthy; after failures, doubling up to MAX_BACKOFF."""
    if failures <= 0:
        return now + POLL_INTERVAL
    return now + min(POLL_INTERVAL * (2 ** min(failures, 10)), MAX_BACKOFF)


@dataclass(frozen=True)
class FeedItem:
    """One comment from a feed, its HTML already sanitised."""

    guid: str
    link: str | None
    in_reply_to_ref: str | None
    in_reply_to_href: str | None
    title: str
    author: str
    body_html: str
    published_at: datetime


@dataclass(frozen=True)
class ConversationRef:
    key: str
    url: str
    title: str


def strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def conversation_of(item: FeedItem) -> ConversationRef:
    """The conversation an item belongs to when its parent is not a known item: the resource it
    replies to (thr:in-reply-to), else the page its link points into (WordPress links comments
    as ``post#comment-N``), else the item itself."""
    if item.in_reply_to_ref:
        url = item.in_reply_to_href or (item.in_reply_to_ref if item.in_reply_to_ref.startswith("http") else "")
        return ConversationRef(item.in_reply_to_ref, url or item.link or "", item.title)
    if item.link:
        page = strip_fragment(item.link)
        return ConversationRef(page, page, item.title)
    return ConversationRef(item.guid, item.link or "", item.title)
