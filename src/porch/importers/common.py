"""Small helpers every importer shares: dates, booleans, plain text to HTML."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

_BLANK_LINES = re.compile(r"\n\s*\n")
_BLOCK_TAG = re.compile(r"<(p|div|blockquote|ul|ol|pre|h[1-6])[\s>]", re.IGNORECASE)


class BadValue(ValueError):
    """A field's value cannot be understood; the record is skipped with this message."""


def parse_iso(value: str, field: str) -> datetime:
    """ISO 8601 (``2013-10-10T19:20:29Z``, with or without an offset; naive means UTC)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadValue(f"{field} {value!r} is not an ISO 8601 date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_sql_datetime(value: str, field: str) -> datetime:
    """WordPress's ``YYYY-MM-DD HH:MM:SS``, taken as UTC; ``0000-00-00 …`` is no date."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise BadValue(f"{field} {value!r} is not a date (YYYY-MM-DD HH:MM:SS)") from None


def parse_bool(value: str, field: str, default: bool = False) -> bool:
    text = value.strip().lower()
    if not text:
        return default
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise BadValue(f"{field} is {value!r}, expected true or false")


def text_to_html(text: str) -> str:
    """Plain text with the odd inline tag (WordPress comments) to paragraphs and line breaks,
    as WordPress's ``wpautop`` shows them. The service sanitises the result."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    if _BLOCK_TAG.search(text):
        return text  # already laid out in HTML (what Porch's own WXR export writes)
    paragraphs = [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]
    return "\n".join("<p>" + p.replace("\n", "<br>\n") + "</p>" for p in paragraphs)


def plain_to_html(text: str) -> str:
    """Text that must not be read as markup: escaped, then paragraphs."""
    return text_to_html(html.escape(text, quote=False))


def clean_ip(value: str) -> str | None:
    """An IP address as stored (``::ffff:1.2.3.4`` → ``1.2.3.4``), or None."""
    value = value.strip()
    if not value:
        return None
    if value.lower().startswith("::ffff:") and "." in value:
        value = value[7:]
    return value[:45]
