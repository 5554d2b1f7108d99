"""A thread's comments as readers see them: a tree, sorted, its top level paged.

Pure: it takes every stored comment of one thread (one query) and decides what is shown.

- Published comments are shown. Any other comment (deleted, pending, spam) is shown only
  as a *tombstone* — no author, no text — and only when something below it is shown, so
  replies to a removed comment keep their place in the tree.
- The top level is sorted by ``oldest``, ``newest`` or ``best`` (score, then age) and paged
  by a keyset cursor (the sort key of the last item), so a comment arriving between two
  page loads neither repeats nor hides anything. Replies always read oldest first, as a
  conversation does.
- Pinned top-level comments (a moderator's choice) open the first page, in the order they
  were pinned, before the sorted rest and in addition to its ``limit``; they are left out of
  the sorted rest, so no later page repeats them. A pinned comment that is no longer shown
  (or shown only as a tombstone) takes its ordinary place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from porch.domain.comments import Comment, CommentStatus


class SortOrder(StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"
    BEST = "best"


SortKey = tuple[int, ...]


@dataclass
class CommentNode:
    comment: Comment
    tombstone: bool
    replies: list[CommentNode] = field(default_factory=list)


@dataclass(frozen=True)
class ConversationPage:
    comments: list[CommentNode]
    total: int  # published comments in the whole thread
    top_level_total: int  # shown top-level entries (tombstones included)
    next_key: SortKey | None


def _micros(comment: Comment) -> int:
    return int(comment.created_at.timestamp() * 1_000_000)


def sort_key(comment: Comment, order: SortOrder) -> SortKey:
    if order == SortOrder.NEWEST:
        return (-_micros(comment), -comment.id)
    if order == SortOrder.BEST:
        return (-comment.score, _micros(comment), comment.id)
    return (_micros(comment), comment.id)


def build_tree(comments: Iterable[Comment]) -> list[CommentNode]:
    """Every shown top-level node, replies attached oldest first, tombstones where needed."""
    children: dict[int | None, list[Comment]] = defaultdict(list)
    by_id: dict[int, Comment] = {}
    for comment in comments:
        by_id[comment.id] = comment
        children[comment.parent_id].append(comment)
    for kids in children.values():
        kids.sort(key=lambda c: sort_key(c, SortOrder.OLDEST))
    # A reply whose parent is missing from the thread (never expected, but imports exist)
    # is shown at the top level rather than lost.
    roots = list(children[None])
    roots.extend(c for parent, kids in children.items() if parent is not None and parent not in by_id for c in kids)

    # Post-order walk with an explicit stack: nesting is unlimited in storage, deeper than
    # Python's recursion limit allows.
    built: dict[int, CommentNode | None] = {}
    shown_roots: list[CommentNode] = []
    for root in roots:
        stack: list[tuple[Comment, bool]] = [(root, False)]
        while stack:
            comment, children_done = stack.pop()
            if comment.id in built:
                continue
            if not children_done:
                stack.append((comment, True))
                stack.extend((kid, False) for kid in children.get(comment.id, ()) if kid.id not in built)
                continue
            replies = [node for kid in children.get(comment.id, ()) if (node := built.get(kid.id)) is not None]
            if comment.status == CommentStatus.PUBLISHED:
                built[comment.id] = CommentNode(comment, tombstone=False, replies=replies)
            elif replies:
                built[comment.id] = CommentNode(comment, tombstone=True, replies=replies)
            else:
                built[comment.id] = None
        if (node := built.get(root.id)) is not None:
            shown_roots.append(node)
    return shown_roots


def page_conversation(
    comments: Sequence[Comment], *, order: SortOrder, after: SortKey | None, limit: int
) -> ConversationPage:
    """The page of top-level conversations after the cursor ``after`` (None: the first page)."""
    roots = build_tree(comments)
    pinned = sorted((node for node in roots if is_pinned(node)), key=_pin_order)
    keyed = sorted(
        ((sort_key(node.comment, order), node) for node in roots if not is_pinned(node)), key=lambda item: item[0]
    )
    if after is not None:
        keyed = [item for item in keyed if item[0] > after]
    page = keyed[:limit]
    next_key = page[-1][0] if len(keyed) > limit else None
    total = sum(1 for c in comments if c.status == CommentStatus.PUBLISHED)
    shown = (pinned if after is None else []) + [node for _, node in page]
    return ConversationPage(comments=shown, total=total, top_level_total=len(roots), next_key=next_key)


def is_pinned(node: CommentNode) -> bool:
    """Shown as pinned: pinned by a moderator and shown in full (a tombstone is never pinned)."""
    return node.comment.pinned_at is not None and not node.tombstone


def _pin_order(node: CommentNode) -> tuple[datetime, int]:
    assert node.comment.pinned_at is not None
    return (node.comment.pinned_at, node.comment.id)
