"""Comments: their states, limits and the rules about who may change them and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from porch.errors import EditWindowClosed, ErrorList, Forbidden


class CommentStatus(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    SPAM = "spam"
    DELETED = "deleted"
    REJECTED = "rejected"  # hidden by a moderator; kept so approving can restore it


MIN_BODY_LENGTH = 1


@dataclass(frozen=True)
class Comment:
    id: int
    thread_id: int
    parent_id: int | None
    person_id: int | None
    author_name: str
    author_website: str | None
    body_source: str
    body_html: str
    status: CommentStatus
    created_at: datetime
    edited_at: datetime | None
    upvotes: int = 0
    downvotes: int = 0
    pinned_at: datetime | None = None  # pinned by a moderator: shown first to readers

    @property
    def pinned(self) -> bool:
        return self.pinned_at is not None

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes

    def edit_deadline(self, edit_window_seconds: int) -> datetime:
        return self.created_at + timedelta(seconds=edit_window_seconds)


def check_body(body: str, *, max_length: int, errors: ErrorList) -> str:
    """A comment's Markdown source, stripped; reports empty or over-long text."""
    text = body.replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) < MIN_BODY_LENGTH:
        errors.add("body", "the comment is empty")
    elif len(text) > max_length:
        errors.add("body", f"at most {max_length} characters (this one has {len(text)})")
    return text


@dataclass(frozen=True)
class Actor:
    """Who is asking to change a comment."""

    person_id: int | None = None
    edit_token_matches: bool = False
    is_moderator: bool = False


def check_may_change(comment: Comment, actor: Actor, *, edit_window_seconds: int, now: datetime) -> None:
    """Raise unless ``actor`` may edit or delete ``comment`` at ``now``.

    Moderators always may; the author (by session or by the edit token returned when the
    comment was posted) only within the site's edit window.
    """
    if actor.is_moderator:
        return
    is_author = actor.edit_token_matches or (actor.person_id is not None and actor.person_id == comment.person_id)
    if not is_author:
        raise Forbidden("only the comment's author or a moderator may change it", code="not_author")
    if comment.status == CommentStatus.DELETED:
        raise Forbidden("the comment has been deleted", code="comment_deleted")
    if now >= comment.edit_deadline(edit_window_seconds):
        raise EditWindowClosed(
            f"comments can be changed for {edit_window_seconds // 60} minutes after posting; that time has passed"
        )
