"""Threads: one per page, keyed by a normalised form of the page's URL.

Two URLs that a reader would call "the same page" must give the same key, so the
conversation under a post is never split by how a link to it was written:

- scheme and host case are ignored, and so is the scheme itself (a blog that moved from
  http to https keeps its conversations), as are default ports and a ``www.`` prefix;
- a trailing slash, a fragment and an empty query do not count;
- tracking parameters (``utm_*``, ``fbclid``, ``gclid`` …) are dropped; the remaining
  query parameters are sorted;
- a root-relative path (``/2007/07/post.html``) is resolved against the site's first
  allowed origin, so it keys the same as the absolute URL on that origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from porch.errors import InvalidInput

MAX_URI_LENGTH = 2000
MAX_TITLE_LENGTH = 300

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "li_fat_id", "s_cid",
        "ref_src", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "__s",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Thread:
    id: int
    site_id: int
    key: str
    uri: str
    title: str
    created_at: datetime
    comment_count: int = 0
    closed: bool = False


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _normalise_path(path: str) -> str:
    # Decode then re-encode so "%7E" and "~" (and "%2f" vs "%2F") agree.
    path = quote(unquote(path), safe="/:@!$&'()*+,;=~-._")
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path or "/"


def check_page_uri(uri: str) -> str:
    """Validate a page URI as a client sent it; return it stripped."""
    uri = uri.strip()
    if not uri:
        raise InvalidInput("uri: the page URL is empty", code="invalid_uri")
    if len(uri) > MAX_URI_LENGTH:
        raise InvalidInput(f"uri: the page URL is longer than {MAX_URI_LENGTH} characters", code="invalid_uri")
    if any(ord(ch) < 32 for ch in uri):
        raise InvalidInput("uri: the page URL contains control characters", code="invalid_uri")
    if uri.startswith("/") and not uri.startswith("//"):
        return uri
    try:
        parts = urlsplit(uri)
    except ValueError as exc:  # e.g. "https://[bad/": an unclosed IPv6 bracket
        raise InvalidInput("uri: the page URL is not a valid URL", code="invalid_uri") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            "uri: give the page as an absolute http(s) URL or a path starting with '/'", code="invalid_uri"
        )
    return uri


def thread_key(uri: str, base_origin: str | None = None) -> str:
    """The key under which the conversation of the page at ``uri`` is stored."""
    uri = check_page_uri(uri)
    if uri.startswith("/") and base_origin:
        uri = base_origin.rstrip("/") + uri
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query.sort()
    path = _normalise_path(parts.path)
    suffix = f"?{urlencode(query)}" if query else ""
    if not parts.hostname:
        return path + suffix
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if ":" in host:  # an IPv6 literal keeps its brackets, so "[::1]:8080" cannot read as host "::1:8080"
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidInput("uri: the page URL has an invalid port", code="invalid_uri") from exc
    if port and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return f"{host}{path}{suffix}"


def check_title(title: str | None, fallback: str) -> str:
    """A thread title: given, or the page URL; never longer than the limit."""
    title = (title or "").strip()
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"title: at most {MAX_TITLE_LENGTH} characters", code="too_long")
    return title or fallback[:MAX_TITLE_LENGTH]
