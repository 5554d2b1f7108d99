"""The first decision about a new comment: published at once, or held for a moderator."""

from __future__ import annotations

from dataclasses import dataclass

from porch.domain.comments import CommentStatus
from porch.domain.sites import ModerationMode


@dataclass(frozen=True)
class InitialDecision:
    status: CommentStatus
    reason: str | None  # why it waits, for the queue; None when published


def decide_initial_status(
    mode: ModerationMode, *, is_moderator: bool, has_published_before: bool, has_links: bool
) -> InitialDecision:
    """Apply the site's moderation mode to a new comment."""
    if is_moderator or mode == ModerationMode.PUBLISH:
        return InitialDecision(CommentStatus.PUBLISHED, None)
    if mode == ModerationMode.HOLD_ALL:
        return InitialDecision(CommentStatus.PENDING, "every comment is reviewed on this site")
    if mode == ModerationMode.HOLD_FIRST and not has_published_before:
        return InitialDecision(CommentStatus.PENDING, "first comment")
    if mode == ModerationMode.HOLD_LINKS and has_links:
        return InitialDecision(CommentStatus.PENDING, "contains links")
    return InitialDecision(CommentStatus.PUBLISHED, None)
