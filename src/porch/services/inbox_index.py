"""What the inbox keeps up to date as comments are written (called inside post_comment's transaction):
the comment's @mentions, the writer's read marker, and live events on the inboxes it belongs to."""

from __future__ import annotations

from porch.domain.comments import Comment, CommentStatus
from porch.domain.inbox import mentioned_handles
from porch.domain.sites import Site
from porch.domain.threads import Thread
from porch.live import CommentEvent, NoLive
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.storage.repositories.inbox import InboxRepository
from porch.storage.unit_of_work import UnitOfWork


def inbox_channel(person_id: int) -> tuple[int, str]:
    """The live channel of one person's inbox: site 0 (no site has id 0) and a key no page has."""
    return 0, f"inbox:{person_id}"


def note_new_comment(
    ctx: Context, uow: UnitOfWork, comment: Comment, thread: Thread, site: Site, requester: Requester
) -> None:
    """Index a new comment for the inbox (its @mentions; the writer has read the thread up to it) and,
    once committed, tell the inboxes it belongs to."""
    repo = InboxRepository(uow.connection)
    repo.add_mentions(comment.id, mentioned_handles(comment.body_source))
    if requester.account is not None and comment.person_id is not None:
        repo.set_read_marker(comment.person_id, thread.id, comment.id, comment.created_at)
    if comment.status != CommentStatus.PUBLISHED or isinstance(ctx.live, NoLive):
        return
    people = repo.interested_people(thread.id, comment.person_id)

    def announce() -> None:
        for person_id in people:
            channel_site, channel_key = inbox_channel(person_id)
            ctx.live.publish(CommentEvent("posted", channel_site, channel_key, comment))

    uow.on_commit(announce)


def note_edited_comment(uow: UnitOfWork, comment_id: int, body_source: str) -> None:
    """An edit can add or drop @mentions: the mentions view follows the text as it now stands."""
    InboxRepository(uow.connection).replace_mentions(comment_id, mentioned_handles(body_source))
