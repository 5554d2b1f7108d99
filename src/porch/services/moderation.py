"""Moderating: actions on comments and threads, readers' reports, the queue and the audit log.

Every function checks the requester's role on the site the comment or thread belongs to
(server admins, the site's owners and moderators) inside its own transaction, and writes one
audit log row per change in that same transaction: who, what, when, before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from porch.domain import abuse
from porch.domain.accounts import Account
from porch.domain.bans import WordAction, matching_words
from porch.domain.comments import Comment, CommentStatus, check_body
from porch.domain.markup import html_contains_link, render_markdown
from porch.domain.moderating import (
    Action,
    HoldReason,
    QueueFacts,
    check_reason,
    comment_snapshot,
    hold_reasons,
    queue_priority,
    status_change,
)
from porch.domain.sites import ModerationMode, Site
from porch.domain.threads import Thread
from porch.errors import ErrorList, Forbidden, InvalidInput, NotFound, Unauthenticated
from porch.live import CommentEvent
from porch.services import notifications
from porch.services.context import Context, token_hash
from porch.services.inbox_index import note_comment_published, note_thread_changed
from porch.services.requesters import MODERATING_ROLES, Requester, check_origin
from porch.storage.repositories.moderation import AuditEntry, ModerationRepository, ThreadTitle
from porch.storage.unit_of_work import UnitOfWork

MAX_BULK = 200
QUEUE_PAGE = 100


def check_moderator(uow: UnitOfWork, site: Site, account: Account | None) -> Account:
    """The account, if it moderates ``site`` (server admin, owner or moderator there); else 401/403."""
    if account is None:
        raise Unauthenticated("sign in as a moderator of this site", code="sign_in_required")
    if account.is_admin or uow.sites.role_of(site.id, account.id) in MODERATING_ROLES:
        return account
    raise Forbidden(f"you are not a moderator of {site.name}", code="no_site_role")


def _comment_site_thread(uow: UnitOfWork, comment_id: int) -> tuple[Comment, Site, Thread]:
    comment = uow.comments.get(comment_id, lock=uow.for_update)
    if comment is None:
        raise NotFound(f"there is no comment {comment_id}", code="unknown_comment")
    thread = uow.threads.get(comment.thread_id)
    assert thread is not None
    site = uow.sites.get(thread.site_id)
    assert site is not None
    return comment, site, thread


def _site_by_key(uow: UnitOfWork, site_key: str) -> Site:
    site = uow.sites.get_by_key(site_key)
    if site is None:
        raise NotFound(f"there is no site with key {site_key!r}", code="unknown_site")
    return site


def _apply(
    ctx: Context,
    uow: UnitOfWork,
    repo: ModerationRepository,
    comment: Comment,
    site: Site,
    thread: Thread,
    action: Action,
    account: Account,
    *,
    trust: bool,
    now: datetime,
) -> Comment:
    """One action on one comment, inside the caller's transaction: status, count, pin, trust, audit."""
    change = status_change(comment, action)
    before = comment_snapshot(comment, pinned=repo.is_pinned(comment.id))
    if change.after != change.before:
        repo.set_status(comment.id, change.after)
        if LEARNED_STATUSES & {change.before, change.after}:
            repo.bump_spam_model_version(site.id)  # the classifier learns from this: workers retrain
    if change.count_delta:
        uow.threads.add_to_count(thread.id, change.count_delta, now=now)
    if action == Action.PIN:
        repo.pin(comment.id, thread.id, account.id, now)
    elif action == Action.UNPIN or change.after != CommentStatus.PUBLISHED:
        repo.unpin(comment.id)
    if action == Action.APPROVE:
        repo.clear_reports(comment.id)  # the moderator has judged them; new reports start afresh
        if trust and comment.person_id is not None:
            repo.trust(site.id, comment.person_id, account.id, now)
    updated = uow.comments.get(comment.id)
    assert updated is not None
    after = comment_snapshot(updated, pinned=repo.is_pinned(comment.id), **({"trusted": True} if trust else {}))
    repo.log(
        site_id=site.id,
        account_id=account.id,
        action=action.value,
        comment_id=comment.id,
        before=before,
        after=after,
        now=now,
    )
    if change.after != change.before and action in (Action.APPROVE, Action.REJECT, Action.SPAM):
        # Webhooks and mail (approved comments notify like new ones) go out from the outbox.
        event = "approved" if action == Action.APPROVE else "rejected"
        notifications.record_comment_event(uow, event, updated, site_id=site.id, now=now)
    if change.after != change.before and change.after == CommentStatus.PUBLISHED:
        note_comment_published(ctx, uow, updated)  # inboxes, and their live channels, as a new comment
    elif change.after != change.before and change.before == CommentStatus.PUBLISHED:
        note_thread_changed(uow, thread.id)
    if change.count_delta > 0:
        uow.on_commit(lambda: ctx.live.publish(CommentEvent("posted", site.id, thread.key, updated)))
    elif change.count_delta < 0:
        uow.on_commit(lambda: ctx.live.publish(CommentEvent("deleted", site.id, thread.key, updated)))
    return updated


# What the spam classifier is trained on (spam vs published): a decision moving a comment into or out
# of these changes the model (services/spam_opinions.py).
LEARNED_STATUSES = {CommentStatus.SPAM, CommentStatus.PUBLISHED}


def moderate_comment(
    ctx: Context, comment_id: int, action: str, requester: Requester, *, trust: bool = False
) -> Comment:
    """Approve (publish; ``trust`` lets the author skip the queue from now on), reject, mark spam, pin or unpin."""
    chosen = _check_action(action)
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        comment, site, thread = _comment_site_thread(uow, comment_id)
        check_origin(site, requester)
        account = check_moderator(uow, site, requester.account)
        updated = _apply(
            ctx, uow, ModerationRepository(uow.connection), comment, site, thread, chosen, account, trust=trust, now=now
        )
        uow.commit()
    return updated


def moderate_comments(
    ctx: Context, site_key: str, comment_ids: list[int], action: str, account: Account, *, trust: bool = False
) -> int:
    """The same action on many comments of one site, all or nothing; answers how many changed."""
    chosen = _check_action(action)
    if not comment_ids:
        raise InvalidInput("comments: choose at least one comment", code="nothing_selected")
    if len(comment_ids) > MAX_BULK:
        raise InvalidInput(f"comments: at most {MAX_BULK} at once", code="too_many")
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        repo = ModerationRepository(uow.connection)
        found = {c.id for c in repo.comments_on_site(site.id, comment_ids)}
        if missing := sorted(set(comment_ids) - found):
            # Ids of another site are as unknown as ids that do not exist: nothing leaks across sites.
            raise NotFound(f"comments {missing} are not comments of {site.name}", code="unknown_comment")
        for comment_id in sorted(set(comment_ids)):
            comment, _, thread = _comment_site_thread(uow, comment_id)
            _apply(ctx, uow, repo, comment, site, thread, chosen, account, trust=trust, now=now)
        uow.commit()
    return len(found)


def _check_action(action: str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise InvalidInput(
            f"action: one of {', '.join(a.value for a in Action)}",
            code="invalid_action",
            errors=None,
        ) from None


def edit_comment_as_moderator(ctx: Context, comment_id: int, body: str, requester: Requester) -> Comment:
    """Replace a comment's text as a moderator; the previous text is kept as a revision."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        comment, site, thread = _comment_site_thread(uow, comment_id)
        check_origin(site, requester)
        account = check_moderator(uow, site, requester.account)
        if comment.status == CommentStatus.DELETED:
            raise Forbidden("a deleted comment cannot be edited", code="comment_deleted")
        errors = ErrorList()
        text = check_body(body, max_length=site.settings.max_comment_length, errors=errors)
        errors.raise_if_any()
        repo = ModerationRepository(uow.connection)
        repo.add_revision(comment.id, comment.body_source, account.id, now)
        uow.comments.update_body(comment.id, body_source=text, body_html=render_markdown(text), now=now)
        edited = uow.comments.get(comment.id)
        assert edited is not None
        repo.log(
            site_id=site.id,
            account_id=account.id,
            action="edit",
            comment_id=comment.id,
            before={"body": comment.body_source},
            after={"body": text},
            now=now,
        )
        if edited.status == CommentStatus.PUBLISHED:
            uow.on_commit(lambda: ctx.live.publish(CommentEvent("edited", site.id, thread.key, edited)))
        uow.commit()
    return edited


def comment_revisions(ctx: Context, comment_id: int, account: Account) -> list[tuple[str, datetime]]:
    """Earlier texts of a comment, oldest first (moderators only)."""
    with ctx.uow() as uow:
        _, site, _ = _comment_site_thread(uow, comment_id)
        check_moderator(uow, site, account)
        return ModerationRepository(uow.connection).revisions(comment_id)


@dataclass(frozen=True)
class EditableComment:
    comment: Comment
    thread: Thread
    site: Site
    revisions: list[tuple[str, datetime]]  # earlier texts, oldest first


def comment_for_editing(ctx: Context, site_key: str, comment_id: int, account: Account) -> EditableComment:
    """A comment of ``site_key`` with its earlier texts, for a moderator's edit form."""
    with ctx.uow() as uow:
        comment = uow.comments.get(comment_id)
        thread = uow.threads.get(comment.thread_id) if comment else None
        site = uow.sites.get(thread.site_id) if thread else None
        if comment is None or thread is None or site is None or site.key != site_key:
            raise NotFound(f"there is no comment {comment_id} on this site", code="unknown_comment")
        check_moderator(uow, site, account)
        revisions = ModerationRepository(uow.connection).revisions(comment_id)
    return EditableComment(comment, thread, site, revisions)


def close_thread(ctx: Context, thread_id: int, requester: Requester, *, closed: bool = True) -> Thread:
    """Close a conversation to new comments (or reopen it); what is there stays readable."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        thread = uow.threads.get(thread_id)
        if thread is None:
            raise NotFound(f"there is no conversation {thread_id}", code="unknown_thread")
        site = uow.sites.get(thread.site_id)
        assert site is not None
        check_origin(site, requester)
        account = check_moderator(uow, site, requester.account)
        repo = ModerationRepository(uow.connection)
        repo.set_thread_closed(thread.id, closed)
        repo.log(
            site_id=site.id,
            account_id=account.id,
            action="close_thread" if closed else "reopen_thread",
            subject=f"thread {thread.id}: {thread.uri}"[:300],
            before={"closed": thread.closed},
            after={"closed": closed},
            now=now,
        )
        updated = uow.threads.get(thread.id)
        uow.commit()
    assert updated is not None
    return updated


# --- readers' reports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportResult:
    comment_id: int
    queued: bool  # whether this report sent the comment back to the queue


def _reporter_key(requester: Requester) -> str:
    if requester.account is not None:
        return f"person:{requester.account.person_id}"
    if requester.browser_token:
        return "browser:" + token_hash(requester.browser_token)[:64]
    if requester.remote_addr:
        return "addr:" + abuse.address_bucket(requester.remote_addr)[:70]
    raise Unauthenticated(
        "reporting needs a signed-in account or a browser token (X-Porch-Browser)", code="reporter_unknown"
    )


def report_comment(ctx: Context, comment_id: int, reason: str, requester: Requester) -> ReportResult:
    """A reader flags a published comment; at the site's threshold it goes back to the queue, hidden."""
    text = check_reason(reason)
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        comment, site, thread = _comment_site_thread(uow, comment_id)
        check_origin(site, requester)
        if comment.status != CommentStatus.PUBLISHED:
            raise NotFound(f"there is no comment {comment_id}", code="unknown_comment")
        repo = ModerationRepository(uow.connection)
        repo.add_report(
            comment.id, _reporter_key(requester), text, now
        )  # a second report by the same reader counts once
        queued = repo.report_count(comment.id) >= max(1, site.settings.report_threshold)
        if queued:
            repo.set_status(comment.id, CommentStatus.PENDING)
            uow.threads.add_to_count(thread.id, -1)
            repo.log(
                site_id=site.id,
                account_id=None,
                action="reported_to_queue",
                comment_id=comment.id,
                before={"status": "published"},
                after={"status": "pending"},
                now=now,
            )
            note_thread_changed(uow, thread.id)
            hidden = uow.comments.get(comment.id)
            assert hidden is not None
            uow.on_commit(lambda: ctx.live.publish(CommentEvent("deleted", site.id, thread.key, hidden)))
        uow.commit()
    return ReportResult(comment.id, queued)


# --- the queue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    comment: Comment
    thread: ThreadTitle
    reasons: list[HoldReason]
    remote_addr: str | None


@dataclass(frozen=True)
class Queue:
    site: Site
    items: list[QueueItem]
    total: int


def moderation_queue(ctx: Context, site_key: str, account: Account, *, limit: int = QUEUE_PAGE) -> Queue:
    """The comments waiting on a site, each with why it waits, most pressing first (a fixed few queries)."""
    with ctx.uow() as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        repo = ModerationRepository(uow.connection)
        held = repo.pending(site.id, limit)
        ids = [c.id for c in held]
        reports = repo.reports_for(ids) if ids else {}
        threads = repo.threads_by_id({c.thread_id for c in held}) if held else {}
        published = repo.people_with_published(site.id, {c.person_id for c in held if c.person_id}) if held else set()
        prints = {c.id: abuse.fingerprint(c.body_source) for c in held}
        screenings = repo.screenings_for(site.id, set(prints.values())) if held else []
        addrs = repo.remote_addrs(ids) if ids else {}
        rules = repo.word_rules(site.id)
        total = repo.count_pending(site.id)
    items = []
    for comment in held:
        same = [s for s in screenings if s.fingerprint == prints[comment.id]]
        own = next(
            (
                s
                for s in same
                if s.thread_id == comment.thread_id
                and s.person_id == comment.person_id
                and s.created_at == comment.created_at
            ),
            None,
        )
        score = abuse.spam_score(comment.body_source, comment.body_html, author_website=comment.author_website)
        copies = {s.thread_id for s in same} - {comment.thread_id}
        facts = QueueFacts(
            reports=len(reports.get(comment.id, [])),
            report_reasons=tuple(reports.get(comment.id, [])),
            first_comment=site.settings.moderation == ModerationMode.HOLD_FIRST and comment.person_id not in published,
            has_links=html_contains_link(comment.body_html) and site.settings.moderation == ModerationMode.HOLD_LINKS,
            spam_score=score.score,
            spam_signals=score.signals,
            held_words=tuple(matching_words(rules, comment.body_source, WordAction.HOLD)),
            copy_paste_threads=len(copies) if len(copies) + 1 >= abuse.COPY_PASTE_THREADS else 0,
            hold_reason=own.reasons[0] if own and own.reasons else None,
            mode_holds_all=site.settings.moderation == ModerationMode.HOLD_ALL,
        )
        reasons = hold_reasons(facts, spam_hold_score=abuse.SPAM_HOLD_SCORE)
        items.append(QueueItem(comment, threads[comment.thread_id], reasons, addrs.get(comment.id)))
    items.sort(key=lambda item: queue_priority(item.reasons, item.comment.created_at))
    return Queue(site, items, total)


def search_comments(
    ctx: Context,
    site_key: str,
    account: Account,
    *,
    text: str | None = None,
    status: str | None = None,
    person_id: int | None = None,
    limit: int = 100,
) -> list[tuple[Comment, ThreadTitle]]:
    """Comments of a site by text or author name (any case), status and person, newest first."""
    if status and status not in {s.value for s in CommentStatus}:
        raise InvalidInput(f"status: one of {', '.join(s.value for s in CommentStatus)}", code="invalid_status")
    with ctx.uow() as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        repo = ModerationRepository(uow.connection)
        found = repo.search(site.id, (text or "").strip()[:200] or None, status or None, person_id, min(limit, 500))
        threads = repo.threads_by_id({c.thread_id for c in found}) if found else {}
    return [(comment, threads[comment.thread_id]) for comment in found]


def audit_log(
    ctx: Context, site_key: str, account: Account, *, before_id: int | None = None, limit: int = 100
) -> list[AuditEntry]:
    """The site's moderation history, newest first; page with ``before_id``."""
    with ctx.uow() as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        return ModerationRepository(uow.connection).audit_log(site.id, before_id=before_id, limit=min(limit, 500))


def pinned_comments(ctx: Context, thread_id: int) -> list[int]:
    """Ids of a thread's pinned comments, in pinning order (public: readers see pins)."""
    with ctx.uow() as uow:
        return ModerationRepository(uow.connection).pinned_in_thread(thread_id)


def describe(entry: AuditEntry) -> dict[str, Any]:
    """An audit entry as plain data (API and templates)."""
    return {
        "id": entry.id,
        "at": entry.created_at.isoformat().replace("+00:00", "Z"),
        "who": entry.account_email or "command line",
        "action": entry.action,
        "comment": entry.comment_id,
        "subject": entry.subject,
        "before": entry.before,
        "after": entry.after,
    }
