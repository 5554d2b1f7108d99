"""The inbox's rules: who is mentioned by a comment, what a follow is, how a page of conversations is keyed.

Mentions (``@name``), decided once here and documented in docs/subsystems/inbox.md:

- a mention is ``@`` at the start of the text or after a character that is not a letter, digit or
  ``@`` (so ``ann@example.org`` mentions nobody), followed by up to 64 letters, digits, ``_``, ``-``
  or ``.`` (a trailing ``.`` or ``-`` is punctuation, not part of the name);
- what it names is that run lowercased with ``_``, ``-`` and ``.`` removed: its *handle*;
- a person's handle is their display name lowercased with spaces, ``_``, ``-`` and ``.`` removed,
  so "Linda Smith" is mentioned by ``@LindaSmith``, ``@linda_smith`` and ``@linda.smith`` — not
  by ``@Linda`` alone, which is the handle of a person called "Linda";
- a mention brings its conversation into the inbox (as a reply does);
- people who share a display name are all mentioned: names are not unique, and a false mention in
  an inbox costs less than a lost one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from porch.errors import InvalidInput

MENTION = re.compile(r"(?:^|(?<=[^\w@]))@([\w][\w.\-]{0,63})", re.UNICODE)
HANDLE_DROPPED = re.compile(r"[\s_.\-]+", re.UNICODE)
MAX_HANDLE_LENGTH = 100
PAGE_SIZE = 20
LATEST_COMMENTS = 3


class InboxFilter(StrEnum):
    ALL = "all"
    REPLIES = "replies"  # conversations where someone answered one of your comments
    MENTIONS = "mentions"  # conversations where someone wrote your @handle
    UNREAD = "unread"


class TargetKind(StrEnum):
    THREAD = "thread"
    PERSON = "person"


class FollowState(StrEnum):
    FOLLOW = "follow"
    MUTE = "mute"
    NONE = "none"  # neither: forget the row


class Source(StrEnum):
    """Where a conversation lives; the rank orders ties (native before external)."""

    NATIVE = "native"
    FEED = "feed"


def handle_of(display_name: str) -> str:
    """The handle a person is mentioned by (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", display_name).casefold()
    return HANDLE_DROPPED.sub("", folded)[:MAX_HANDLE_LENGTH]


def mentioned_handles(text: str) -> set[str]:
    """The handles ``@mentioned`` in a comment's source text."""
    handles: set[str] = set()
    for match in MENTION.finditer(unicodedata.normalize("NFKC", text)):
        handle = handle_of(match.group(1).rstrip(".-"))
        if handle:
            handles.add(handle)
    return handles


def check_filter(value: str | None) -> InboxFilter:
    try:
        return InboxFilter(value or "all")
    except ValueError:
        raise InvalidInput(f"filter: one of {', '.join(f.value for f in InboxFilter)}", code="invalid_filter") from None


@dataclass(frozen=True)
class InboxCursor:
    """Where a page ended: conversations sort by (last activity, source rank, id), newest first."""

    activity: datetime
    source: Source
    id: int

    @property
    def rank(self) -> int:
        return source_rank(self.source)

    def encode(self) -> str:
        raw = json.dumps({"t": self.activity.isoformat(), "s": self.source.value, "i": self.id})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> InboxCursor:
        try:
            raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            activity = datetime.fromisoformat(raw["t"])
            if activity.tzinfo is None:
                raise ValueError("naive")
            return cls(activity=activity, source=Source(raw["s"]), id=int(raw["i"]))
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InvalidInput("cursor: not a cursor this server gave out", code="invalid_cursor") from None


@dataclass(frozen=True)
class InboxComment:
    id: int
    author: str
    person_id: int | None
    body_html: str
    created_at: datetime
    to_you: bool = False
    url: str | None = None


@dataclass(frozen=True)
class Conversation:
    source: Source
    id: int  # thread id (native) or feed conversation id
    site: str  # site name, or the feed's title
    site_key: str | None
    url: str
    title: str
    last_activity: datetime
    unread: int
    comment_count: int
    latest: list[InboxComment]
    following: bool = False
    reply_url: str | None = None  # where to answer an external conversation: at its source
    uri: str | None = None


def source_rank(source: Source) -> int:
    return 1 if source == Source.NATIVE else 0


def sort_key(activity: datetime, source: Source, item_id: int) -> tuple[datetime, int, int]:
    return (activity, source_rank(source), item_id)


FEDIVERSE_HANDLE = re.compile(r"^@?([A-Za-z0-9_.\-]{1,64})@([A-Za-z0-9.\-]{1,200}\.[A-Za-z]{2,63})$")


def check_fediverse_handle(value: str | None) -> str | None:
    """``@name@server.example`` (the leading ``@`` optional), stored with it; empty clears it."""
    text = (value or "").strip()
    if not text:
        return None
    match = FEDIVERSE_HANDLE.match(text)
    if match is None:
        raise InvalidInput("fediverse: a handle looks like @name@server.example", code="invalid_fediverse_handle")
    return f"@{match.group(1)}@{match.group(2).lower()}"
