"""Domain objects → the JSON the API promises (see schemas.py). Plain dicts: a thread of
thousands of comments is serialised without building a model object per comment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from porch.domain.accounts import Account
from porch.domain.comments import Comment
from porch.domain.conversation import CommentNode
from porch.services.threads import ThreadView


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def comment_json(
    comment: Comment,
    *,
    tombstone: bool = False,
    replies: list[dict[str, Any]] | None = None,
    badges: dict[int, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    if tombstone:
        return {
            "id": comment.id,
            "parent": comment.parent_id,
            "status": "deleted",
            "deleted": True,
            "author": None,
            "body_html": "",
            "created_at": iso(comment.created_at),
            "edited_at": None,
            "votes": {"up": 0, "down": 0, "score": 0},
            "pinned": False,
            "replies": replies or [],
        }
    return {
        "id": comment.id,
        "parent": comment.parent_id,
        "status": comment.status.value,
        "deleted": False,
        "author": {
            "name": comment.author_name,
            "website": comment.author_website,
            "person": comment.person_id,
            "badges": list((badges or {}).get(comment.person_id, ())) if comment.person_id is not None else [],
        },
        "body_html": comment.body_html,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
        "votes": {"up": comment.upvotes, "down": comment.downvotes, "score": comment.score},
        "pinned": comment.pinned,
        "replies": replies or [],
    }


def node_json(node: CommentNode, badges: dict[int, tuple[str, ...]] | None = None) -> dict[str, Any]:
    # Explicit stack: nesting is unlimited, recursion is not.
    result: dict[int, dict[str, Any]] = {}
    stack: list[tuple[CommentNode, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if not done:
            stack.append((current, True))
            stack.extend((reply, False) for reply in current.replies)
            continue
        replies = [result.pop(reply.comment.id) for reply in current.replies]
        result[current.comment.id] = comment_json(
            current.comment, tombstone=current.tombstone, replies=replies, badges=badges
        )
    return result[node.comment.id]


def thread_page_json(view: ThreadView) -> dict[str, Any]:
    thread = view.thread
    return {
        "site": view.site.key,
        "thread": {"id": thread.id, "uri": thread.uri, "title": thread.title, "closed": thread.closed}
        if thread
        else None,
        "sort": view.order.value,
        "total": view.page.total,
        "top_level_total": view.page.top_level_total,
        "comments": [node_json(node, view.badges) for node in view.page.comments],
        "next_cursor": view.next_cursor,
        "edit_window_seconds": view.site.settings.edit_window_seconds,
        "max_depth": view.site.settings.max_depth,
        "language": view.site.settings.language,
    }


def account_json(account: Account, name: str) -> dict[str, Any]:
    return {
        "id": account.id,
        "email": account.email,
        "email_verified": account.is_verified,
        "is_admin": account.is_admin,
        "person": account.person_id,
        "name": name,
    }
