"""What every importer yields: plain records, in file order, one at a time.

An importer reads one format and knows nothing of storage; ``services/imports.py`` turns
these records into threads, people and comments. Every record carries a ``ref``: the
item's identity in its source (``disqus:299619020``, ``wxr:18:7``), stored with what it
became so a second import of the same file, or a newer export, adds only what is new.

Order matters only loosely: a comment may come before its thread or its parent; the
service waits for them until the end of the file before reporting an orphan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from porch.domain.comments import CommentStatus


class CommentKind(StrEnum):
    """What an imported item is. Pingbacks and trackbacks are kept, but as what they are."""

    COMMENT = "comment"
    PINGBACK = "pingback"
    TRACKBACK = "trackback"
    MENTION = "mention"  # any other WordPress comment_type (webmention, like, repost …)


@dataclass(frozen=True, slots=True)
class ThreadRecord:
    """A page with a conversation. ``deleted`` threads (Disqus isDeleted) lose their comments."""

    ref: str
    uri: str
    title: str = ""
    created_at: datetime | None = None
    closed: bool = False
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person known to the source apart from their comments (Porch's own export: voters too)."""

    ref: str
    display_name: str
    website: str | None = None
    avatar_url: str | None = None
    emails: tuple[str, ...] = ()
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    """Who wrote a comment. ``ref`` is a stable identity in the source when it has one
    (a Disqus username, a Blogger profile, a Porch person); without email or ref the
    comment keeps its author's name but belongs to no person."""

    name: str
    email: str | None = None
    website: str | None = None
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class VoteRecord:
    person_ref: str
    value: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CommentRecord:
    ref: str
    thread_ref: str
    parent_ref: str | None
    author: AuthorRecord
    body_html: str  # sanitised again by the service, whatever the source claims
    status: CommentStatus
    created_at: datetime
    kind: CommentKind = CommentKind.COMMENT
    body_source: str | None = None  # the text as the source stored it (Markdown for Isso and Porch)
    edited_at: datetime | None = None
    remote_addr: str | None = None
    upvotes: int = 0
    downvotes: int = 0
    votes: tuple[VoteRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """Something in the file that will not be imported, and why (reported by ``ref``)."""

    ref: str
    reason: str


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """Something the reader repaired or ignored that the person importing should know."""

    message: str


ImportRecord = ThreadRecord | PersonRecord | CommentRecord | SkippedRecord | NoticeRecord
