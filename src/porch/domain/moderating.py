"""Moderators' actions on comments, why a comment waits, and the queue's order.

Pure rules: what each action does to a comment's status and its thread's published count,
which reasons explain a held comment, and how the queue is sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from porch.domain.comments import Comment, CommentStatus
from porch.errors import Conflict

DEFAULT_REPORT_THRESHOLD = 3
MAX_REASON_LENGTH = 500


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    PIN = "pin"
    UNPIN = "unpin"


TARGET_STATUS = {
    Action.APPROVE: CommentStatus.PUBLISHED,
    Action.REJECT: CommentStatus.REJECTED,
    Action.SPAM: CommentStatus.SPAM,
}


@dataclass(frozen=True)
class StatusChange:
    before: CommentStatus
    after: CommentStatus
    count_delta: int  # what the thread's published comment_count moves by


def status_change(comment: Comment, action: Action) -> StatusChange:
    """The status ``action`` gives ``comment`` and how the thread's published count follows.

    Deleted comments are their author's decision and stay deleted; pins need a published comment.
    """
    if comment.status == CommentStatus.DELETED:
        raise Conflict("the comment was deleted by its author; there is nothing to moderate", code="comment_deleted")
    if action in (Action.PIN, Action.UNPIN):
        if action == Action.PIN and comment.status != CommentStatus.PUBLISHED:
            raise Conflict("only a published comment can be pinned", code="not_pinnable")
        return StatusChange(comment.status, comment.status, 0)
    after = TARGET_STATUS[action]
    was_shown = comment.status == CommentStatus.PUBLISHED
    is_shown = after == CommentStatus.PUBLISHED
    return StatusChange(comment.status, after, int(is_shown) - int(was_shown))


def comment_snapshot(comment: Comment, **extra: Any) -> dict[str, Any]:
    """What the audit log keeps of a comment before and after an action."""
    return {"status": comment.status.value, "body": comment.body_source, "author": comment.author_name, **extra}


# --- why a comment waits ----------------------------------------------------------------------


class Why(StrEnum):
    REPORTED = "reported"
    FIRST_COMMENT = "first_comment"
    LINKS = "links"
    SPAM_SCORE = "spam_score"
    WORD_FILTER = "word_filter"
    COPY_PASTE = "copy_paste"
    TOO_FAST = "too_fast"
    EVERYTHING_HELD = "everything_held"
    AKISMET = "akismet"


@dataclass(frozen=True)
class HoldReason:
    why: Why
    text: str  # for people: "reported by 3 readers"


@dataclass(frozen=True)
class QueueFacts:
    """What is known about a held comment when the queue is read."""

    reports: int
    report_reasons: tuple[str, ...]
    first_comment: bool
    has_links: bool
    spam_score: float
    spam_signals: tuple[str, ...]
    held_words: tuple[str, ...]
    copy_paste_threads: int
    hold_reason: str | None  # what the pipeline said when the comment arrived, if it was kept
    mode_holds_all: bool


def hold_reasons(facts: QueueFacts, *, spam_hold_score: float) -> list[HoldReason]:
    """Every reason a comment is in the queue, most pressing first; never empty."""
    reasons: list[HoldReason] = []
    if facts.reports:
        readers = "reader" if facts.reports == 1 else "readers"
        said = f": {'; '.join(facts.report_reasons[:3])}" if facts.report_reasons else ""
        reasons.append(HoldReason(Why.REPORTED, f"reported by {facts.reports} {readers}{said}"))
    if facts.held_words:
        reasons.append(HoldReason(Why.WORD_FILTER, "word filter: " + ", ".join(facts.held_words)))
    if facts.spam_score >= spam_hold_score:
        signals = f" ({', '.join(facts.spam_signals)})" if facts.spam_signals else ""
        reasons.append(HoldReason(Why.SPAM_SCORE, f"spam score {facts.spam_score:.2f}{signals}"))
    elif facts.hold_reason and facts.hold_reason.startswith("spam score"):  # the learned classifier said so
        reasons.append(HoldReason(Why.SPAM_SCORE, facts.hold_reason))
    if facts.hold_reason and facts.hold_reason.startswith("akismet"):
        reasons.append(HoldReason(Why.AKISMET, facts.hold_reason))
    if facts.copy_paste_threads:
        reasons.append(
            HoldReason(Why.COPY_PASTE, f"the same text is in {facts.copy_paste_threads} other conversations")
        )
    if facts.hold_reason and facts.hold_reason.startswith("sent "):
        reasons.append(HoldReason(Why.TOO_FAST, facts.hold_reason))
    if facts.first_comment:
        reasons.append(HoldReason(Why.FIRST_COMMENT, "first comment on this site"))
    if facts.has_links:
        reasons.append(HoldReason(Why.LINKS, "contains links"))
    if not reasons:
        reasons.append(HoldReason(Why.EVERYTHING_HELD, facts.hold_reason or "every comment is reviewed on this site"))
    return reasons


def queue_priority(reasons: list[HoldReason], created_at: datetime) -> tuple[int, float]:
    """Sort key: reported comments first (readers are waiting on a judgement), then held people's
    comments oldest first, and likely spam last (a glance and a bulk "spam" clears it)."""
    whys = {reason.why for reason in reasons}
    if Why.REPORTED in whys:
        band = 0
    elif whys & {Why.SPAM_SCORE, Why.COPY_PASTE} or any(r.text == "akismet: spam" for r in reasons):
        band = 2
    else:
        band = 1
    return band, created_at.timestamp()


def check_reason(reason: str) -> str:
    """A reader's report reason: required, one line, bounded."""
    from porch.errors import ErrorList

    text = " ".join(reason.split())
    errors = ErrorList()
    if not text:
        errors.add("reason", "say briefly what is wrong with the comment")
    elif len(text) > MAX_REASON_LENGTH:
        errors.add("reason", f"at most {MAX_REASON_LENGTH} characters")
    errors.raise_if_any()
    return text
