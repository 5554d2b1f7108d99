"""Posting, editing, deleting and voting on comments.

Every path that creates a comment — the API, the demo loader, later the importers and the
inbox — goes through :func:`post_comment`, so validation, rendering and moderation live once.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from porch.domain.comments import Actor, Comment, CommentStatus, check_body, check_may_change
from porch.domain.markup import html_contains_link, render_markdown
from porch.domain.moderation import decide_initial_status
from porch.domain.people import AuthorInput, Person, check_author
from porch.domain.sites import ModerationMode, Site
from porch.domain.threads import Thread, check_page_uri, check_title, thread_key
from porch.domain.votes import check_vote
from porch.errors import Conflict, ErrorList, Forbidden, InvalidInput, NotFound, Unauthenticated
from porch.live import CommentEvent
from porch.services import notifications
from porch.services.abuse import check_comment_allowed, read_site_rules
from porch.services.context import Context, new_token, token_hash
from porch.services.inbox_index import note_edited_comment, note_new_comment, note_thread_changed
from porch.services.requesters import Requester, check_origin, is_moderator
from porch.services.spam_opinions import SpamOpinions, ask_akismet
from porch.storage.unit_of_work import UnitOfWork

PRE_RENDER_MAX_LENGTH = 10_000  # the default length limit: longer texts are rendered only once accepted


@dataclass(frozen=True)
class NewComment:
    site_key: str
    uri: str
    body: str
    parent_id: int | None = None
    author_name: str | None = None
    author_email: str | None = None
    author_website: str | None = None
    title: str | None = None
    notify: bool = False  # mail me replies (to a confirmed address only)
    honeypot: str | None = None  # the form's hidden field: people leave it empty (services/abuse.py)
    form_started_at: datetime | None = None  # when the reader's form opened (a hint, from the browser)


@dataclass(frozen=True)
class PostedComment:
    comment: Comment
    thread: Thread
    site: Site
    edit_token: str | None
    editable_until: datetime | None
    held_because: str | None


def get_site(uow: UnitOfWork, site_key: str) -> Site:
    site = uow.sites.get_by_key(site_key)
    if site is None:
        raise NotFound(f"site: there is no site with key {site_key!r}", code="unknown_site")
    return site


def post_comment(ctx: Context, new: NewComment, requester: Requester, *, now: datetime | None = None) -> PostedComment:
    """Validate, render and store a comment; hold it if the site's moderation says so."""
    now = now or ctx.clock()
    errors = ErrorList()
    try:
        uri = check_page_uri(new.uri)
    except InvalidInput as exc:
        errors.add("uri", exc.detail.removeprefix("uri: "))
        uri = new.uri
    try:
        title = check_title(new.title, uri)
    except InvalidInput as exc:
        errors.add("title", exc.detail.removeprefix("title: "))
        title = uri
    # Rendered before taking the write turn (other writers wait through everything done under it);
    # the site's length limit is checked inside, and the text it checks is the text rendered here.
    unchecked = check_body(new.body, max_length=len(new.body), errors=ErrorList())
    prepared_html = render_markdown(unchecked) if len(unchecked) <= PRE_RENDER_MAX_LENGTH else None

    opinions = _spam_opinions(ctx, new, uri, requester)  # before the write lock: it may ask Akismet
    # The site and its bans and word rules are configuration, read before the write turn too: a post
    # racing a change to them sees one state or the other, as if it had come a moment earlier or later.
    # (The thread, the person and the duplicate check are read under the turn: they move with posts.)
    with ctx.uow() as uow:
        site = get_site(uow, new.site_key)
        rules = read_site_rules(uow, site.id, now)
    check_origin(site, requester)
    body = check_body(new.body, max_length=site.settings.max_comment_length, errors=errors)
    author: AuthorInput | None = None
    if requester.account is None:
        if not site.settings.allow_anonymous:
            raise Unauthenticated("this site asks commenters to sign in first", code="sign_in_required")
        author = check_author(
            new.author_name,
            new.author_email,
            new.author_website,
            require_name=site.settings.require_name,
            errors=errors,
        )
    errors.raise_if_any()

    with ctx.uow(write=True) as uow:
        thread = uow.threads.get_or_add(
            site_id=site.id, key=thread_key(uri, site.primary_origin), uri=uri, title=title, now=now
        )
        if thread.closed:
            raise Forbidden("this conversation is closed to new comments", code="thread_closed")
        if new.parent_id is not None:
            _check_parent(uow, new.parent_id, thread)

        moderator = is_moderator(uow, site, requester)
        person = _commenting_person(uow, requester, author, now)
        html = prepared_html if prepared_html is not None and body == unchecked else render_markdown(body)
        mode = site.settings.moderation
        decision = decide_initial_status(
            mode,
            is_moderator=moderator,
            has_published_before=mode == ModerationMode.HOLD_FIRST
            and uow.comments.has_published_on_site(person.id, site.id),
            has_links=html_contains_link(html),
        )
        decision = check_comment_allowed(
            uow,
            ctx.limiter,
            site=site,
            thread=thread,
            person=person,
            requester=requester,
            new=new,
            body=body,
            html=html,
            decision=decision,
            is_moderator=moderator,
            now=now,
            opinions=opinions,
            rules=rules,
        )
        edit_token = new_token() if requester.account is None else None
        comment = uow.comments.add(
            thread_id=thread.id,
            parent_id=new.parent_id,
            person_id=person.id,
            author_name=person.display_name if author is None else author.name,
            author_website=person.website if author is None else author.website,
            body_source=body,
            body_html=html,
            status=decision.status,
            now=now,
            edit_token_hash=token_hash(edit_token) if edit_token else None,
            remote_addr=requester.remote_addr,
        )
        if decision.status == CommentStatus.PUBLISHED:
            uow.threads.add_to_count(thread.id, 1, now=now)
        notify_address = requester.account.email if requester.account else author.email if author else None
        notifications.record_comment_event(
            uow, "created", comment, site_id=site.id, now=now, subscribe_email=notify_address if new.notify else None
        )
        note_new_comment(ctx, uow, comment, thread, site, requester)  # mentions, read marker, live inboxes
        uow.commit()
        if decision.status == CommentStatus.PUBLISHED:
            ctx.live.publish(CommentEvent("posted", site.id, thread.key, comment))

    window = site.settings.edit_window_seconds
    return PostedComment(
        comment=comment,
        thread=thread,
        site=site,
        edit_token=edit_token,
        editable_until=comment.edit_deadline(window) if window else None,
        held_because=decision.reason,
    )


def _spam_opinions(ctx: Context, new: NewComment, uri: str, requester: Requester) -> SpamOpinions:
    author = (new.author_name, new.author_email, new.author_website)
    verdict = ask_akismet(ctx, new.site_key, new.body, author, uri, requester)
    return SpamOpinions(ctx.spam_models, akismet=verdict)


def _check_parent(uow: UnitOfWork, parent_id: int, thread: Thread) -> None:
    parent = uow.comments.get(parent_id)
    if parent is None or parent.thread_id != thread.id:
        raise InvalidInput(
            f"parent: comment {parent_id} is not part of this conversation",
            code="invalid_parent",
        )
    if parent.status != CommentStatus.PUBLISHED:
        raise InvalidInput(f"parent: comment {parent_id} cannot be replied to ({parent.status})", code="invalid_parent")


def _commenting_person(uow: UnitOfWork, requester: Requester, author: AuthorInput | None, now: datetime) -> Person:
    """The person behind a new comment: the account's, or the anonymous commenter recognised
    by email, then by browser token, else a new person (who can claim the comment later)."""
    if requester.account is not None:
        person = uow.people.get(requester.account.person_id)
        assert person is not None, "every account has a person"
        return person
    assert author is not None
    browser_key = token_hash(requester.browser_token) if requester.browser_token else None
    if author.email:
        found = uow.people.find_by_email(author.email)
        if found is not None:
            person, verified = found
            if verified:
                raise Conflict(
                    "this email address belongs to a signed-up person: sign in to comment with it",
                    code="email_needs_sign_in",
                )
            return person
    person = uow.people.find_by_browser_key(browser_key) if browser_key else None
    if person is None:
        person = uow.people.add(display_name=author.name, website=author.website, now=now, browser_key=browser_key)
    if author.email:
        try:
            with uow.connection.begin_nested():
                uow.people.add_email(person.id, author.email)
        except IntegrityError:
            # A concurrent first comment with the same address won the race: use its person.
            found = uow.people.find_by_email(author.email)
            assert found is not None
            return found[0]
    return person


def _changeable_comment(
    uow: UnitOfWork, comment_id: int, requester: Requester, edit_token: str | None, now: datetime
) -> tuple[Comment, Site, Thread]:
    comment = uow.comments.get(comment_id, lock=uow.for_update)
    if comment is None:
        raise NotFound(f"there is no comment {comment_id}", code="unknown_comment")
    thread = uow.threads.get(comment.thread_id)
    assert thread is not None
    site = uow.sites.get(thread.site_id)
    assert site is not None
    check_origin(site, requester)
    stored_hash = uow.comments.edit_token_hash(comment_id)
    token_ok = bool(edit_token and stored_hash and hmac.compare_digest(stored_hash, token_hash(edit_token)))
    if requester.account is None and not edit_token:
        raise Unauthenticated("sign in, or send the edit token you were given when posting", code="edit_token_required")
    moderator = is_moderator(uow, site, requester)
    actor = Actor(
        person_id=requester.account.person_id if requester.account else None,
        edit_token_matches=token_ok,
        is_moderator=moderator,
    )
    check_may_change(comment, actor, edit_window_seconds=site.settings.edit_window_seconds, now=now)
    return comment, site, thread


def comment_source(ctx: Context, comment_id: int, requester: Requester, *, edit_token: str | None = None) -> str:
    """A comment's Markdown, for its editor: only to whoever may edit it now (as ``edit_comment``)."""
    with ctx.uow() as uow:
        comment, _site, _thread = _changeable_comment(uow, comment_id, requester, edit_token, ctx.clock())
    if comment.status == CommentStatus.DELETED:
        raise Forbidden("a deleted comment cannot be edited", code="comment_deleted")
    return comment.body_source


def edit_comment(
    ctx: Context, comment_id: int, body: str, requester: Requester, *, edit_token: str | None = None
) -> Comment:
    """Replace a comment's text (author within the edit window, moderators always)."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        comment, site, thread = _changeable_comment(uow, comment_id, requester, edit_token, now)
        if comment.status == CommentStatus.DELETED:
            raise Forbidden("a deleted comment cannot be edited", code="comment_deleted")
        errors = ErrorList()
        text = check_body(body, max_length=site.settings.max_comment_length, errors=errors)
        errors.raise_if_any()
        uow.comments.update_body(comment_id, body_source=text, body_html=render_markdown(text), now=now)
        note_edited_comment(uow, comment_id, thread.id, text)  # the inbox's mentions follow the text
        edited = uow.comments.get(comment_id)
        assert edited is not None
        notifications.record_comment_event(uow, "edited", edited, site_id=site.id, now=now)
        uow.commit()
        if edited is not None and edited.status == CommentStatus.PUBLISHED:
            ctx.live.publish(CommentEvent("edited", site.id, thread.key, edited))
    assert edited is not None
    return edited


def delete_comment(ctx: Context, comment_id: int, requester: Requester, *, edit_token: str | None = None) -> None:
    """Delete a comment: its text and author are gone; the row stays as a tombstone for its replies."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        comment, site, thread = _changeable_comment(uow, comment_id, requester, edit_token, now)
        if comment.status == CommentStatus.DELETED:
            return
        uow.comments.mark_deleted(comment_id, now)
        if comment.status == CommentStatus.PUBLISHED:
            uow.threads.add_to_count(comment.thread_id, -1)
        notifications.record_comment_event(uow, "deleted", comment, now=now)
        note_thread_changed(uow, comment.thread_id)  # a reply or mention may be gone from inboxes
        uow.commit()
        ctx.live.publish(CommentEvent("deleted", site.id, thread.key, comment))


@dataclass(frozen=True)
class VoteResult:
    comment_id: int
    upvotes: int
    downvotes: int
    my_vote: int

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes


def vote_on_comment(ctx: Context, comment_id: int, value: int, requester: Requester) -> VoteResult:
    """Record (or change, or withdraw with 0) the requester's vote on a published comment."""
    value = check_vote(value)
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        comment = uow.comments.get(comment_id, lock=uow.for_update)
        if comment is None:
            raise NotFound(f"there is no comment {comment_id}", code="unknown_comment")
        if comment.status != CommentStatus.PUBLISHED:
            raise Forbidden("only published comments can be voted on", code="not_votable")
        thread = uow.threads.get(comment.thread_id)
        assert thread is not None
        site = uow.sites.get(thread.site_id)
        assert site is not None
        check_origin(site, requester)
        voter = _voter(uow, requester, now)
        if voter == comment.person_id:
            raise Forbidden("you cannot vote on your own comment", code="own_comment")
        old = uow.comments.vote_of(comment_id, voter)
        uow.comments.set_vote(comment_id, voter, old, value, now)
        updated = uow.comments.get(comment_id)
        uow.commit()
    assert updated is not None
    return VoteResult(comment_id, updated.upvotes, updated.downvotes, value)


def _voter(uow: UnitOfWork, requester: Requester, now: datetime) -> int:
    if requester.account is not None:
        return requester.account.person_id
    if not requester.browser_token:
        raise Unauthenticated(
            "voting needs a signed-in account or a browser token (X-Porch-Browser header)", code="voter_unknown"
        )
    browser_key = token_hash(requester.browser_token)
    person = uow.people.find_by_browser_key(browser_key)
    if person is None:
        person = uow.people.add(display_name="Anonymous", website=None, now=now, browser_key=browser_key)
    return person.id
