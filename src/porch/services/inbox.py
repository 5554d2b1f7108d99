"""The inbox: every conversation a person is part of, across the sites of this server, plus the
external comment feeds they subscribed to. Read state, follows and mutes are per person and never
go through the shared thread cache. See docs/subsystems/inbox.md."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from porch.domain.accounts import Account
from porch.domain.comments import CommentStatus
from porch.domain.inbox import (
    LATEST_COMMENTS,
    PAGE_SIZE,
    Conversation,
    FollowState,
    InboxComment,
    InboxCursor,
    InboxFilter,
    Source,
    TargetKind,
    sort_key,
)
from porch.domain.threads import thread_key
from porch.errors import Conflict, InvalidInput, NotFound
from porch.services.comments import NewComment, PostedComment, get_site, post_comment
from porch.services.context import Context
from porch.services.identity import page_url
from porch.services.inbox_index import (  # noqa: F401 - inbox_channel, note_new_comment re-exported
    inbox_channel,
    note_follow_changed,
    note_new_comment,
    note_person_changed,
)
from porch.services.requesters import Requester, check_origin
from porch.storage.repositories.comment_feeds import FeedRepository
from porch.storage.repositories.inbox import InboxRepository, LatestComment, ThreadRow

log = logging.getLogger("porch.inbox")
DISCOVER_WINDOW = timedelta(days=14)


# --- reading the inbox ------------------------------------------------------------------------------
@dataclass(frozen=True)
class InboxPage:
    conversations: list[Conversation]
    next_cursor: str | None
    filter: InboxFilter
    unread_total: int = 0
    extra: dict[str, list[Conversation]] = field(default_factory=dict)


def _native(row: ThreadRow, unread: int, latest: list[LatestComment]) -> Conversation:
    url = page_url(row.uri, row.site_origins)
    return Conversation(
        source=Source.NATIVE,
        id=row.thread_id,
        site=row.site_name,
        site_key=row.site_key,
        url=url,
        title=row.title,
        last_activity=row.activity,
        unread=unread,
        comment_count=row.comment_count,
        latest=[
            InboxComment(
                c.comment.id,
                c.comment.author_name,
                c.comment.person_id,
                c.comment.body_html,
                c.comment.created_at,
                c.to_you,
                f"{url}#porch-comment-{c.comment.id}",
            )
            for c in latest
        ],
        following=row.follow_state == FollowState.FOLLOW.value,
        uri=row.uri,
    )


def read_inbox(
    ctx: Context,
    account: Account,
    view: InboxFilter = InboxFilter.ALL,
    cursor: str | None = None,
    *,
    limit: int = PAGE_SIZE,
) -> InboxPage:
    """One page of the person's conversations, newest activity first, native and external together."""
    position = InboxCursor.decode(cursor) if cursor else None
    limit = max(1, min(limit, 100))
    person_id = account.person_id
    with ctx.uow() as uow:
        repo = InboxRepository(uow.connection)
        rows = repo.page_threads(person_id, view, position, limit + 1)
        external = []
        if view in (InboxFilter.ALL, InboxFilter.UNREAD):
            external = FeedRepository(uow.connection).page_conversations(
                person_id, position, limit + 1, unread_only=view == InboxFilter.UNREAD
            )
        merged = sorted(
            [(sort_key(r.activity, Source.NATIVE, r.thread_id), r) for r in rows]
            + [(sort_key(c.last_activity, Source.FEED, c.id), c) for c in external],
            key=lambda pair: pair[0],
            reverse=True,
        )
        has_more = len(merged) > limit
        merged = merged[:limit]
        native_ids = [item.thread_id for _, item in merged if isinstance(item, ThreadRow)]
        unread = repo.unread_counts(person_id, native_ids)
        latest = repo.latest_comments(person_id, native_ids, LATEST_COMMENTS)
        conversations = [
            _native(item, unread.get(item.thread_id, 0), latest.get(item.thread_id, []))
            if isinstance(item, ThreadRow)
            else item
            for _, item in merged
        ]
        if any(c.source == Source.FEED for c in conversations):
            conversations = FeedRepository(uow.connection).with_latest_items(conversations, LATEST_COMMENTS)
    next_cursor = None
    if has_more and conversations:
        last = conversations[-1]
        next_cursor = InboxCursor(last.last_activity, last.source, last.id).encode()
    return InboxPage(conversations, next_cursor, view, sum(c.unread for c in conversations))


def read_conversation(
    ctx: Context, account: Account, thread_id: int, view: InboxFilter = InboxFilter.ALL
) -> Conversation | None:
    """One native conversation as the inbox shows it (unread count, latest comments, "to you" marks), or
    None when it is not in the person's inbox under ``view`` (not theirs, muted, or filtered out). The
    /inbox page fetches it when the live channel says the conversation moved."""
    person_id = account.person_id
    with ctx.uow() as uow:
        repo = InboxRepository(uow.connection)
        rows = repo.page_threads(person_id, view, None, 1, thread_id=thread_id)
        if not rows:
            return None
        unread = repo.unread_counts(person_id, [thread_id])
        latest = repo.latest_comments(person_id, [thread_id], LATEST_COMMENTS)
    return _native(rows[0], unread.get(thread_id, 0), latest.get(thread_id, []))


def discover(ctx: Context, account: Account, *, limit: int = PAGE_SIZE) -> dict[str, list[Conversation]]:
    """Active conversations across every site, and the conversations of the people one follows."""
    now = ctx.clock()
    with ctx.uow() as uow:
        repo = InboxRepository(uow.connection)
        active = repo.active_threads(now - DISCOVER_WINDOW, limit)
        followed = repo.followed_people_threads(account.person_id, limit)
        ids = list({r.thread_id for r in active + followed})
        latest = repo.latest_comments(account.person_id, ids, 1)
    return {
        "active": [_native(r, 0, latest.get(r.thread_id, [])) for r in active],
        "following": [_native(r, 0, latest.get(r.thread_id, [])) for r in followed],
    }


# --- follows, mutes, read state ---------------------------------------------------------------------
def set_follow(ctx: Context, account: Account, kind: TargetKind, target_id: int, state: FollowState) -> None:
    """Follow or mute a thread or a person (``none`` forgets either)."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        if kind == TargetKind.THREAD:
            if uow.threads.get(target_id) is None:
                raise NotFound(f"thread: there is no conversation {target_id}", code="unknown_thread")
        else:
            if uow.people.get(target_id) is None:
                raise NotFound(f"person: there is no person {target_id}", code="unknown_person")
            if target_id == account.person_id:
                raise InvalidInput("person: you cannot follow or mute yourself", code="own_person")
        InboxRepository(uow.connection).set_follow(account.person_id, kind, target_id, state, now)
        if kind == TargetKind.THREAD:
            note_follow_changed(uow, account.person_id, target_id)
        else:  # muting or following a person reaches every conversation they are in
            note_person_changed(uow, account.person_id)
        uow.commit()


def list_follows(ctx: Context, account: Account) -> list[tuple[str, int, str, datetime]]:
    with ctx.uow() as uow:
        return InboxRepository(uow.connection).follows_of(account.person_id)


def mark_thread(ctx: Context, account: Account, thread_id: int, *, read: bool) -> int:
    """Mark a conversation read (up to its newest comment) or unread (its newest comment by others
    counts as new again). Returns the conversation's unread count afterwards."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        if uow.threads.get(thread_id) is None:
            raise NotFound(f"thread: there is no conversation {thread_id}", code="unknown_thread")
        repo = InboxRepository(uow.connection)
        if read:
            newest = repo.last_comment_id(thread_id)
            if newest is not None:
                repo.set_read_marker(account.person_id, thread_id, newest, now)
        else:
            newest_other = repo.last_comment_id(thread_id, not_by=account.person_id)
            if newest_other is None:
                repo.clear_read_marker(account.person_id, thread_id)
            else:
                repo.set_read_marker(account.person_id, thread_id, newest_other - 1, now)
        unread = repo.unread_counts(account.person_id, [thread_id]).get(thread_id, 0)
        uow.commit()
    return unread


def mark_external_conversation(ctx: Context, account: Account, conversation_id: int, *, read: bool) -> int:
    """Mark an external (feed) conversation read (up to its newest item) or unread (its newest item is
    news again), as native ones are. Returns its unread count afterwards."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        feeds = FeedRepository(uow.connection)
        if not feeds.is_subscribed_to_conversation(account.person_id, conversation_id):
            raise NotFound(
                f"conversation: you follow no feed with conversation {conversation_id}", code="unknown_conversation"
            )
        unread = feeds.mark_conversation(account.person_id, conversation_id, read=read, now=now)
        uow.commit()
    return unread


def mark_page_read(ctx: Context, requester: Requester, site_key: str, uri: str) -> int | None:
    """The embed tells Porch the signed-in reader has seen a page: its conversation is read.
    Returns the thread id, or None when the page has no conversation yet."""
    assert requester.account is not None
    with ctx.uow() as uow:
        site = get_site(uow, site_key)
        check_origin(site, requester)
        thread = uow.threads.get_by_key(site.id, thread_key(uri, site.primary_origin))
    if thread is None:
        return None
    mark_thread(ctx, requester.account, thread.id, read=True)
    return thread.id


# --- replying ---------------------------------------------------------------------------------------
def reply_from_inbox(
    ctx: Context, requester: Requester, *, thread_id: int, body: str, parent_id: int | None = None
) -> PostedComment:
    """Answer a conversation from the inbox: posted to the original thread through post_comment,
    with the same checks as the embed (site rules, moderation, abuse limits)."""
    assert requester.account is not None
    with ctx.uow() as uow:
        row = InboxRepository(uow.connection).thread_with_site(thread_id)
    if row is None:
        raise NotFound(f"thread: there is no conversation {thread_id}", code="unknown_thread")
    posted = post_comment(
        ctx, NewComment(site_key=row.site_key, uri=row.uri, body=body, parent_id=parent_id), requester
    )
    if posted.comment.status == CommentStatus.PUBLISHED:
        mark_thread(ctx, requester.account, thread_id, read=True)
    return posted


def reply_to_external(ctx: Context, conversation_id: int) -> str:
    """External conversations are answered where they live: the URL to open."""
    with ctx.uow() as uow:
        url = FeedRepository(uow.connection).conversation_url(conversation_id)
    if url is None:
        raise NotFound(f"there is no external conversation {conversation_id}", code="unknown_conversation")
    raise Conflict(f"this conversation lives elsewhere: reply at {url}", code="external_conversation")


# --- the inbox as an Atom feed ---------------------------------------------------------------------
def issue_feed_token(ctx: Context, account: Account) -> str:
    """A new secret for the inbox's Atom feed URL (feed readers send no cookies); the old one stops working."""
    from porch.services.context import new_token, token_hash
    from porch.storage.repositories.identity import IdentityRepository

    token = new_token()
    with ctx.uow(write=True) as uow:
        IdentityRepository(uow.connection).set_feed_token(account.person_id, token_hash(token), ctx.clock())
        uow.commit()
    return token


def account_for_feed_token(ctx: Context, token: str) -> Account:
    from porch.services.context import token_hash
    from porch.storage.repositories.identity import IdentityRepository

    with ctx.uow() as uow:
        person_id = IdentityRepository(uow.connection).person_for_feed_token(token_hash(token)) if token else None
        account = uow.accounts.get_by_person(person_id) if person_id is not None else None
    if account is None:
        raise NotFound("this feed address is unknown or was replaced", code="unknown_feed_token")
    return account
