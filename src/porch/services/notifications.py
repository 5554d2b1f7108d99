"""Notifications: who hears of a comment, by mail, and how they stop.

The flow (docs/subsystems/notifications.md): a comment use case calls
:func:`record_comment_event` inside its transaction; that writes one ``comment_event`` outbox
job. The worker runs :func:`fan_out_comment_event`, which turns it into one ``mail`` job per
recipient and one ``webhook`` job per hook, each under an idempotency key (``mail:EMAIL:comment:ID``
— a person who is both the parent's author and a follower gets one mail), then
:func:`send_mail_job` delivers each. Mail only ever goes to confirmed addresses; an unconfirmed
one gets a single confirmation mail (its key, ``confirm:EMAIL``, can be enqueued only once).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from porch.domain.accounts import check_account_email
from porch.domain.comments import Comment, CommentStatus
from porch.domain.mail_text import DEFAULT_LANGUAGE, MailText
from porch.domain.outbox import OutboxJob, message_id
from porch.domain.sites import Site
from porch.domain.threads import Thread, check_page_uri, thread_key
from porch.errors import ErrorList, InvalidInput, NotFound
from porch.mail.message import OutgoingMail
from porch.services import links, webhooks
from porch.services.context import Context
from porch.services.newcomers_mail import enqueue_newcomers_mails
from porch.services.notification_mail import (
    MailContent,
    comment_mail,
    confirmation_mail,
    digest_mail,
    moderation_mail,
)
from porch.services.outbox import enqueue_job
from porch.services.requesters import Requester, check_origin
from porch.storage.repositories.notifications import NotificationRepository
from porch.storage.unit_of_work import UnitOfWork

FREQUENCIES = ("instant", "daily", "weekly")
TOPIC_KINDS = ("replies", "thread", "site", "owner", "moderate", "newcomers")
DIGEST_PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


def _repo(uow: UnitOfWork) -> NotificationRepository:
    return NotificationRepository(uow.connection)


# --- inside the comment's transaction ------------------------------------------------------------
def record_comment_event(
    uow: UnitOfWork, event: str, comment: Comment, *, now: datetime, site_id: int | None = None,
    subscribe_email: str | None = None,
) -> None:
    """Queue what a comment change causes (mail, webhooks), in the caller's transaction.

    ``event``: created, edited, deleted, approved or rejected. ``subscribe_email``: the author
    asked (``notify: true``) to hear of replies to this comment at that address.
    """
    if subscribe_email and site_id is not None:
        repo = _repo(uow)
        repo.note_address(subscribe_email, now)
        repo.subscribe(email=subscribe_email, topic=f"replies:{comment.id}", site_id=site_id, frequency="instant",
                       now=now)
    # Edits can happen many times: each gets its own key; the other events happen once.
    key = f"comment:{comment.id}:{event}" + (f":{now.isoformat()}" if event == "edited" else "")
    payload = {"event": event, "comment_id": comment.id, "subscribe_email": subscribe_email}
    enqueue_job(uow, "comment_event", key, payload, now=now, site_id=site_id)


def record_person_banned(uow: UnitOfWork, site_id: int, *, kind: str, value: str, now: datetime) -> None:
    """Called by the ban use case in its transaction: tell the site's webhooks (``person.banned``)."""
    webhooks.enqueue_webhook_events(
        uow, site_id, "person.banned", {"kind": kind, "value": value},
        source_key=f"ban:{site_id}:{kind}:{value}:{now.isoformat()}", now=now,
    )


# --- the worker's side -------------------------------------------------------------------------
def fan_out_comment_event(ctx: Context, job: OutboxJob) -> str:
    """Turn one comment event into its mail and webhook jobs (idempotent: safe to run twice)."""
    now = ctx.clock()
    event = str(job.payload["event"])
    if not _anyone_to_tell(ctx, job, event):
        return "nobody to tell"
    with ctx.uow(write=True) as uow:
        comment = uow.comments.get(int(job.payload["comment_id"]))
        if comment is None:
            return "comment no longer exists"
        thread = uow.threads.get(comment.thread_id)
        assert thread is not None
        site = uow.sites.get(thread.site_id)
        assert site is not None
        hooks = webhooks.enqueue_webhook_events(
            uow, site.id, f"comment.{event}", webhooks.comment_data(comment, thread, site),
            source_key=job.idempotency_key, now=now,
        )
        mails = 0
        if event in ("created", "approved") and comment.status == CommentStatus.PUBLISHED:
            mails += _tell_about_published(ctx, uow, comment, thread, site, now)
        if event == "created" and comment.status == CommentStatus.PENDING:
            mails += _tell_moderators(ctx, uow, comment, thread, site, now)
        if job.payload.get("subscribe_email"):
            mails += _ask_for_confirmation(ctx, uow, str(job.payload["subscribe_email"]), site, now)
        uow.commit()
    return f"{mails} mail(s), {hooks} webhook(s) queued"


def comment_events_telling_nobody(ctx: Context, jobs: list[OutboxJob]) -> set[int]:
    """Of these ``comment_event`` jobs, the ids of those whose event can tell nobody: asked for the
    whole batch in one read transaction (the worker settles them without running the fan-out)."""
    wanted = [job for job in jobs if job.kind == "comment_event" and not job.payload.get("subscribe_email")]
    if not wanted:
        return set()
    with ctx.uow() as uow:
        repo = _repo(uow)
        audiences = repo.comment_audiences([int(job.payload["comment_id"]) for job in wanted])
        return {
            job.id for job in wanted
            if (audience := audiences.get(int(job.payload["comment_id"]))) is not None
            and not _anyone_in(repo, str(job.payload["event"]), *audience)
        }  # fmt: skip


def _anyone_to_tell(ctx: Context, job: OutboxJob, event: str) -> bool:
    """Whether the event may concern anyone, asked in a read transaction: most comments on most
    sites tell nobody, and the write turn every poster waits for is not taken for them."""
    if job.payload.get("subscribe_email"):
        return True
    with ctx.uow() as uow:
        repo = _repo(uow)
        comment_id = int(job.payload["comment_id"])
        audience = repo.comment_audiences([comment_id]).get(comment_id)
        return audience is None or _anyone_in(repo, event, *audience)  # gone: the write path says so


def _anyone_in(
    repo: NotificationRepository, event: str, parent_id: int | None, status: str, thread_id: int, site_id: int
) -> bool:
    """Whether the site has a webhook, or anyone _tell_about_published / _tell_moderators would
    consider for this event. Errs on the side of yes (any staff in those roles, confirmed or not):
    the write path decides who exactly."""
    topics: list[str] = []
    roles: list[str] = []
    if event in ("created", "approved") and status == CommentStatus.PUBLISHED.value:  # _tell_about_published
        topics = [f"thread:{thread_id}", f"site:{site_id}"]
        topics += [f"replies:{parent_id}"] if parent_id is not None else []
        roles = ["owner"]
    elif event == "created" and status == CommentStatus.PENDING.value:  # _tell_moderators
        roles = ["owner", "moderator"]
    return repo.anyone_to_tell(site_id, topics=topics, roles=roles)


def _comment_url(thread: Thread, site: Site, comment: Comment) -> str:
    page = thread.uri if not thread.uri.startswith("/") else f"{site.primary_origin or ''}{thread.uri}"
    return f"{page}#comment-{comment.id}"


def _language_query(site: Site) -> str:
    """``&lang=fr``: the page a mail's link opens speaks the mail's language (English needs nothing)."""
    language = site.settings.language
    return "" if language == DEFAULT_LANGUAGE else f"&lang={language}"


def _unsubscribe_url(ctx: Context, uow: UnitOfWork, email: str, topic: str, site: Site, now: datetime) -> str:
    token = links.sign(uow, "unsubscribe", {"e": email, "t": topic, "s": site.id}, now=now)
    return f"{ctx.base_url}/notifications/unsubscribe?token={quote(token)}{_language_query(site)}"


def _enqueue_mail(uow: UnitOfWork, key: str, content: MailContent, site: Site, now: datetime) -> bool:
    return enqueue_job(uow, "mail", key, content.payload(now), now=now, site_id=site.id)


def _tell_about_published(
    ctx: Context, uow: UnitOfWork, comment: Comment, thread: Thread, site: Site, now: datetime
) -> int:
    repo = _repo(uow)
    candidates: list[tuple[str, str, str]] = []  # (email, why, topic): the most specific reason first
    if comment.parent_id is not None:
        topic = f"replies:{comment.parent_id}"
        candidates += [(email, "reply", topic) for email in repo.subscribers(topic)]
    for topic in (f"thread:{thread.id}", f"site:{site.id}"):
        candidates += [(email, "follow", topic) for email in repo.subscribers(topic)]
    owner_topic = f"owner:{site.id}"
    opted_out = repo.opted_out(owner_topic)
    candidates += [
        (email, "owner", owner_topic)
        for _, email in repo.site_staff(site.id, ("owner",))
        if email not in opted_out
    ]
    confirmed = repo.confirmed([email for email, _, _ in candidates])
    skip = repo.emails_of_person(comment.person_id)  # nobody hears of their own comment
    sent = 0
    for email, why, topic in candidates:
        if email in skip or email not in confirmed:
            continue
        skip.add(email)
        content = comment_mail(
            to=email, site_name=site.name, why=why, author=comment.author_name, thread_title=thread.title,
            comment_url=_comment_url(thread, site, comment), body_source=comment.body_source,
            body_html=comment.body_html, unsubscribe_url=_unsubscribe_url(ctx, uow, email, topic, site, now),
            language=site.settings.language,
        )
        sent += _enqueue_mail(uow, f"mail:{email}:comment:{comment.id}", content, site, now)
    return sent


def _tell_moderators(ctx: Context, uow: UnitOfWork, comment: Comment, thread: Thread, site: Site, now: datetime) -> int:
    repo = _repo(uow)
    topic = f"moderate:{site.id}"
    opted_out = repo.opted_out(topic) | repo.emails_of_person(comment.person_id)
    sent = 0
    for account_id, email in repo.site_staff(site.id, ("owner", "moderator")):
        if email in opted_out:
            continue
        approve, reject = (
            f"{ctx.base_url}/notifications/moderate?token="
            + quote(links.sign(uow, "moderate", {"c": comment.id, "a": action, "m": account_id}, now=now))
            for action in ("approve", "reject")
        )
        content = moderation_mail(
            to=email, site_name=site.name, author=comment.author_name, thread_title=thread.title,
            body_source=comment.body_source, body_html=comment.body_html, approve_url=approve, reject_url=reject,
            unsubscribe_url=_unsubscribe_url(ctx, uow, email, topic, site, now), language=site.settings.language,
        )
        sent += _enqueue_mail(uow, f"mail:{email}:moderate:{comment.id}", content, site, now)
    return sent


def _ask_for_confirmation(ctx: Context, uow: UnitOfWork, email: str, site: Site, now: datetime) -> int:
    if _repo(uow).confirmed([email]):
        return 0
    token = links.sign(uow, "confirm", {"e": email}, now=now)
    confirm_url = f"{ctx.base_url}/notifications/confirm?token={quote(token)}{_language_query(site)}"
    content = confirmation_mail(to=email, site_name=site.name, confirm_url=confirm_url, language=site.settings.language)
    # One key per address, ever: however many comments ask, the address gets one confirmation.
    return int(_enqueue_mail(uow, f"confirm:{email}", content, site, now))


def send_mail_job(ctx: Context, job: OutboxJob) -> str:
    """Deliver one ``mail`` job. Its Message-ID comes from the idempotency key, so a resend is the same mail."""
    payload = job.payload
    ctx.mail.send(
        OutgoingMail(
            to=payload["to"], subject=payload["subject"], text=payload["text"], html=payload.get("html"),
            from_name=payload.get("from_name"),
            message_id=message_id(job.idempotency_key, urlsplit(ctx.base_url).hostname or ""),
            headers=tuple((str(name), str(value)) for name, value in payload.get("headers", [])),
        )
    )
    return f"sent to {payload['to']}"


def enqueue_due_digests(ctx: Context) -> int:
    """Queue the daily and weekly digests that are due (run by the worker on every round)."""
    now = ctx.clock()
    queued = 0
    with ctx.uow(write=True) as uow:
        repo = _repo(uow)
        due = repo.due_digests(now, DIGEST_PERIODS)
        confirmed = repo.confirmed([sub.email for sub in due])
        newcomers = []
        for sub in due:
            repo.mark_digest_sent(sub.id, now)
            kind, _, raw_id = sub.topic.partition(":")
            if kind == "newcomers" and sub.email in confirmed:
                newcomers.append(sub)  # read from the analytics rollups once this transaction is done
            site = uow.sites.get(sub.site_id)
            if sub.email not in confirmed or site is None or kind not in ("thread", "site"):
                continue
            thread = uow.threads.get(int(raw_id)) if kind == "thread" else None
            items = repo.published_since(
                site_id=site.id, thread_id=thread.id if thread else None,
                since=sub.last_digest_at or sub.created_at, until=now,
            )
            if not items:
                continue
            content = digest_mail(
                to=sub.email, site_name=site.name, scope_title=thread.title if thread else site.name,
                frequency=sub.frequency, items=items,
                unsubscribe_url=_unsubscribe_url(ctx, uow, sub.email, sub.topic, site, now),
                language=site.settings.language,
            )
            queued += _enqueue_mail(uow, f"digest:{sub.id}:{now.isoformat()}", content, site, now)
        uow.commit()
    return queued + enqueue_newcomers_mails(ctx, newcomers, now)


# --- what people do with the links and the API --------------------------------------------
def follow_conversation(
    ctx: Context, site_key: str, uri: str | None, email: str | None, frequency: str, requester: Requester
) -> str:
    """Follow a thread (``uri``) or a whole site, instantly or as a daily/weekly digest.

    Returns ``following`` or, for an address not yet confirmed, ``confirmation_sent`` (only
    the first time: an address never gets a second confirmation mail).
    """
    now = ctx.clock()
    errors = ErrorList()
    if frequency not in FREQUENCIES:
        errors.add("frequency", f"one of {', '.join(FREQUENCIES)}")
    if requester.account is not None:
        address = requester.account.email
    elif not email:
        errors.add("email", "an address is needed to send notifications to (or sign in)")
        address = ""
    else:
        address = check_account_email(email, errors)
    page = None
    if uri is not None:
        try:
            page = check_page_uri(uri)
        except InvalidInput as exc:
            errors.add("uri", exc.detail.removeprefix("uri: "))
    errors.raise_if_any()
    with ctx.uow(write=True) as uow:
        site = uow.sites.get_by_key(site_key)
        if site is None:
            raise NotFound(f"site: there is no site with key {site_key!r}", code="unknown_site")
        check_origin(site, requester)
        if page is not None:
            thread = uow.threads.get_or_add(
                site_id=site.id, key=thread_key(page, site.primary_origin), uri=page, title=page, now=now
            )
            topic = f"thread:{thread.id}"
        else:
            topic = f"site:{site.id}"
        repo = _repo(uow)
        repo.note_address(address, now)
        repo.subscribe(email=address, topic=topic, site_id=site.id, frequency=frequency, now=now)
        asked = 0 if repo.confirmed([address]) else _ask_for_confirmation(ctx, uow, address, site, now)
        confirmed = bool(repo.confirmed([address]))
        uow.commit()
    return "following" if confirmed else ("confirmation_sent" if asked else "awaiting_confirmation")


def confirm_address(ctx: Context, token: str) -> str:
    """The confirmation link: the address may now receive what it subscribed to."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        data = links.unsign(uow, "confirm", token, now=now, max_age=links.CONFIRM_MAX_AGE)
        email = str(data.get("e", ""))
        _repo(uow).confirm_address(email, now)
        uow.commit()
    return email


def unsubscribe(ctx: Context, token: str) -> tuple[str, str]:
    """One-click unsubscribe (RFC 8058): turn the link's topic off for its address. Idempotent."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        data = links.unsign(uow, "unsubscribe", token, now=now)
        email, topic, site_id = str(data.get("e", "")), str(data.get("t", "")), int(data.get("s", 0))
        if uow.sites.get(site_id) is None:
            raise NotFound("the site of this subscription no longer exists", code="unknown_site")
        _repo(uow).turn_off(email=email, topic=topic, site_id=site_id, now=now)
        uow.commit()
    return email, topic


def read_moderation_link(ctx: Context, token: str) -> tuple[Comment, str, int]:
    """The comment, action (approve/reject) and moderator a signed moderation link names; nothing changes."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        data = links.unsign(uow, "moderate", token, now=now, max_age=links.MODERATE_MAX_AGE)
        comment = uow.comments.get(int(data.get("c", 0)))
        uow.commit()  # the signing key may just have been made
    action = str(data.get("a"))
    if comment is None or action not in ("approve", "reject"):
        raise NotFound("this comment no longer exists", code="unknown_comment")
    return comment, action, int(data.get("m", 0))


def moderate_by_link(ctx: Context, token: str) -> tuple[Comment, str]:
    """Approve or reject a held comment from a moderator's mail, as that moderator, through the
    moderation service (role re-checked, audited). A comment no longer pending is left alone (a
    second click, or another moderator was first): then the action returned is ``none``."""
    from porch.services.moderation import moderate_comment  # moderation imports this module

    comment, action, account_id = read_moderation_link(ctx, token)
    with ctx.uow() as uow:
        account = uow.accounts.get(account_id)
        current = uow.comments.get(comment.id)
    if account is None:
        raise NotFound("the moderator this link was made for no longer exists", code="unknown_account")
    if current is None or current.status != CommentStatus.PENDING:
        return current or comment, "none"
    requester = Requester(account=account, browser_token=None, origin=None, remote_addr=None)
    changed = moderate_comment(ctx, comment.id, action, requester)
    return changed, "approved" if action == "approve" else "rejected"


def describe_topic(topic: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Words for a topic on the unsubscribe page."""
    kind = topic.partition(":")[0]
    return MailText(language)(f"topic.{kind}" if kind in TOPIC_KINDS else "topic.other")


