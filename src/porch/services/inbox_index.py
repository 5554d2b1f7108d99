"""What the inbox keeps up to date as comments are written, published, changed and taken back.

- A new comment (inside post_comment's transaction): its @mentions, the writer's read marker, and
  ONE set-based statement on ``inbox_conversations`` (storage/repositories/inbox_conversations.py)
  that moves the conversation forward in every inbox it is in and brings it into the inboxes of
  the people it answers, mentions or who follow its writer. The statement RETURNs those people:
  after commit the comment is published on their live channels. No extra query is needed for that.
- A comment approved later: the same statement, and the same live announcements, from moderation.
- Anything that can take something back (a delete, a rejection, a report, an edit that drops a
  mention, a mute, a claim, an import): the affected rows are derived again (``rebuild``).

Why in the transaction and not from the outbox worker: the inbox is then never behind the thread
(a reply shows in your inbox as soon as it shows under the post), the writer sees their own
conversation at once, and the cost is one statement whose work grows with the number of people in
the thread (each gets a row updated), not with anyone's history. Fan-out to large audiences
(a person with thousands of followers) is where moving it to the outbox would start to pay.
"""

from __future__ import annotations

from collections.abc import Iterable

from porch.domain.comments import Comment, CommentStatus
from porch.domain.inbox import mentioned_handles
from porch.domain.sites import Site
from porch.domain.threads import Thread
from porch.live import CommentEvent, NoLive
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.storage.repositories.inbox import InboxRepository
from porch.storage.repositories.inbox_conversations import InboxIndexRepository, RebuildScope
from porch.storage.unit_of_work import UnitOfWork


def inbox_channel(person_id: int) -> tuple[int, str]:
    """The live channel of one person's inbox: site 0 (no site has id 0) and a key no page has."""
    return 0, f"inbox:{person_id}"


def note_new_comment(
    ctx: Context, uow: UnitOfWork, comment: Comment, thread: Thread, site: Site, requester: Requester
) -> None:
    """Index a new comment for the inbox (its @mentions; the writer has read the thread up to it; the
    conversation rows it touches) and, once committed, tell the inboxes it reaches."""
    handles = mentioned_handles(comment.body_source)
    repo = InboxRepository(uow.connection)
    repo.add_mentions(comment.id, handles)
    if requester.account is not None and comment.person_id is not None:
        repo.set_read_marker(comment.person_id, thread.id, comment.id, comment.created_at)
    _index(ctx, uow, comment, handles)


def note_comment_published(ctx: Context, uow: UnitOfWork, comment: Comment) -> None:
    """A held comment was approved: it reaches inboxes (and their live channels) as a new one does."""
    _index(ctx, uow, comment, mentioned_handles(comment.body_source))


def _index(ctx: Context, uow: UnitOfWork, comment: Comment, handles: set[str]) -> None:
    published = comment.status == CommentStatus.PUBLISHED
    if not published and comment.person_id is None:
        return
    reached = InboxIndexRepository(uow.connection).note_comment(
        comment_id=comment.id,
        thread_id=comment.thread_id,
        author_id=comment.person_id,
        parent_id=comment.parent_id,
        handles=handles,
        published=published,
    )
    if not reached or isinstance(ctx.live, NoLive):
        return

    def announce() -> None:
        for person_id in sorted(reached):
            channel_site, channel_key = inbox_channel(person_id)
            ctx.live.publish(CommentEvent("posted", channel_site, channel_key, comment))

    uow.on_commit(announce)


def note_edited_comment(uow: UnitOfWork, comment_id: int, thread_id: int, body_source: str) -> None:
    """An edit can add or drop @mentions: the mentions view follows the text as it now stands."""
    if InboxRepository(uow.connection).replace_mentions(comment_id, mentioned_handles(body_source)):
        note_thread_changed(uow, thread_id)


def note_thread_changed(uow: UnitOfWork, thread_id: int) -> None:
    """Something was taken back in a thread (a delete, a rejection, a report): derive its rows again."""
    InboxIndexRepository(uow.connection).rebuild(RebuildScope(thread_id=thread_id))


def note_threads_changed(uow: UnitOfWork, thread_ids: Iterable[int]) -> None:
    """Many threads changed at once (an account erased: its comments are tombstones now)."""
    ids = sorted(set(thread_ids))
    repo = InboxIndexRepository(uow.connection)
    for start in range(0, len(ids), 500):
        repo.rebuild(RebuildScope(thread_ids=tuple(ids[start : start + 500])))


def note_person_changed(uow: UnitOfWork, person_id: int) -> None:
    """A person's view changed wholesale (claimed history, a person muted or followed, a new name)."""
    InboxIndexRepository(uow.connection).rebuild(RebuildScope(person_id=person_id))


def note_follow_changed(uow: UnitOfWork, person_id: int, thread_id: int) -> None:
    """A thread followed, muted or forgotten: that one row is derived again."""
    InboxIndexRepository(uow.connection).rebuild(RebuildScope(person_id=person_id, thread_id=thread_id))


def note_site_imported(uow: UnitOfWork, site_id: int) -> None:
    """An import wrote many comments at once: the site's rows are derived again."""
    InboxIndexRepository(uow.connection).rebuild(RebuildScope(site_id=site_id))


def rebuild_inboxes(ctx: Context) -> int:
    """``porch inbox rebuild``: derive every row again (after restoring a backup, or to check)."""
    with ctx.uow(write=True) as uow:
        kept = InboxIndexRepository(uow.connection).rebuild(RebuildScope())
        uow.commit()
    return kept
