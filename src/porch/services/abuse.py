"""The anti-abuse pipeline, run inside ``post_comment``'s transaction just before the insert.

Each step is a pure function in ``domain/abuse.py`` or ``domain/bans.py``; this module feeds them
what they need from storage and the rate limiter, and logs every decision with its reasons
(logger ``porch.abuse``): refusals as warnings (nothing is stored for them), holds as info.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from porch.domain import abuse
from porch.domain.bans import Ban, Visitor, WordAction, WordRule, check_not_banned, matching_words
from porch.domain.comments import CommentStatus
from porch.domain.moderation import InitialDecision
from porch.domain.people import Person, normalise_email
from porch.domain.sites import Site
from porch.domain.threads import Thread
from porch.errors import Conflict, InvalidInput, PorchError, RateLimited
from porch.ratelimit import RateLimiter
from porch.services.requesters import Requester
from porch.services.spam_opinions import SpamOpinions
from porch.storage.repositories.moderation import ModerationRepository
from porch.storage.unit_of_work import UnitOfWork

log = logging.getLogger("porch.abuse")


@dataclass(frozen=True)
class SiteRules:
    """A site's active bans and word rules. They are configuration: ``post_comment`` reads them
    before taking the write turn, and a post racing a change to them sees one state or the other,
    as it would had it arrived a moment earlier or later."""

    bans: list[Ban]
    words: list[WordRule]


def read_site_rules(uow: UnitOfWork, site_id: int, now: datetime) -> SiteRules:
    repo = ModerationRepository(uow.connection)
    return SiteRules(bans=repo.active_bans(site_id, now), words=repo.word_rules(site_id))


class Submission(Protocol):
    """What the pipeline reads of a new comment (``services.comments.NewComment`` fits)."""

    @property
    def author_email(self) -> str | None: ...
    @property
    def author_website(self) -> str | None: ...
    @property
    def honeypot(self) -> str | None: ...
    @property
    def form_started_at(self) -> datetime | None: ...


def check_comment_allowed(
    uow: UnitOfWork,
    limiter: RateLimiter,
    *,
    site: Site,
    thread: Thread,
    person: Person,
    requester: Requester,
    new: Submission,
    body: str,
    html: str,
    decision: InitialDecision,
    is_moderator: bool,
    now: datetime,
    opinions: SpamOpinions | None = None,
    rules: SiteRules | None = None,
) -> InitialDecision:
    """Refuse (raise) or let through a new comment, possibly holding it; records what was decided.
    ``rules``: the site's bans and word rules if the caller read them already (else read here).

    Raises Forbidden (honeypot, ban), RateLimited (429), Conflict (duplicate, 409) or InvalidInput
    (a blocked word); otherwise returns the decision to store the comment with.
    """
    repo = ModerationRepository(uow.connection)
    where = {"site": site.id, "thread": thread.id, "person": person.id, "addr": requester.remote_addr}
    try:
        if is_moderator:
            decided = decision  # moderators are not screened: they are the ones who would review it
        else:
            rules = rules or read_site_rules(uow, site.id, now)
            decided = _screen(
                repo, limiter, site, thread, person, requester, new, body, html, decision, now, opinions, rules
            )
    except PorchError as refused:
        log.warning("refused comment: %s (%s) %s", refused.code, refused.detail, where)
        raise
    reasons = [decided.reason] if decided.reason else []
    repo.add_screening(
        site_id=site.id,
        thread_id=thread.id,
        person_id=person.id,
        fingerprint=abuse.fingerprint(body),
        remote_addr=requester.remote_addr,
        outcome=decided.status.value,
        reasons=reasons,
        now=now,
    )
    if decided.status == CommentStatus.PENDING:
        log.info("held comment: %s %s", decided.reason, where)
    return decided


def _screen(
    repo: ModerationRepository,
    limiter: RateLimiter,
    site: Site,
    thread: Thread,
    person: Person,
    requester: Requester,
    new: Submission,
    body: str,
    html: str,
    decision: InitialDecision,
    now: datetime,
    opinions: SpamOpinions | None,
    site_rules: SiteRules,
) -> InitialDecision:
    abuse.check_honeypot(new.honeypot)
    emails = set(repo.emails_of(person.id))
    if new.author_email:
        emails.add(normalise_email(new.author_email))
    if requester.account is not None:
        emails.add(requester.account.email)
    visitor = Visitor(person_id=person.id, emails=tuple(sorted(emails)), remote_addr=requester.remote_addr)
    check_not_banned(site_rules.bans, visitor, site_name=site.name, now=now)
    # Rate limits screen what arrives over the network; in-process callers (no address: the demo
    # loader, the benchmark, scripts) replay history at its own pace. Duplicates are refused from
    # everyone: the demo's seed holds a real double submission, and the loader is told as a reader is.
    from_network = requester.remote_addr is not None
    if site.settings.rate_limits and from_network:
        _check_rate_limits(limiter, site, person, requester.remote_addr or "", now)
    fingerprint = abuse.fingerprint(body)
    same_text = repo.same_text_since(site.id, fingerprint, now - abuse.COPY_PASTE_WINDOW)
    recent_own = [s for s in same_text if s.person_id == person.id and s.created_at >= now - abuse.DUPLICATE_WINDOW]
    if recent_own:
        raise Conflict(
            "you have just posted this same comment; it was not stored a second time", code="duplicate_comment"
        )
    rules = site_rules.words
    if blocked := matching_words(rules, body, WordAction.BLOCK):
        raise InvalidInput(
            f"body: this site does not accept comments containing {', '.join(map(repr, blocked))}",
            code="blocked_words",
        )
    if repo.is_trusted(site.id, person.id):
        return InitialDecision(CommentStatus.PUBLISHED, None)  # trusted: a moderator vouched for them
    hold = _hold_reason(site, thread, body, html, new, same_text, rules, now)
    if hold is None and opinions is not None:  # the learned classifier, Akismet: services/spam_opinions.py
        hold = opinions.hold_reason(repo, site, body)
    if hold is None:
        return decision
    return replace(decision, status=CommentStatus.PENDING, reason=hold)


def _check_rate_limits(limiter: RateLimiter, site: Site, person: Person, remote_addr: str, now: datetime) -> None:
    keys = {
        "ip": f"ip:{abuse.address_bucket(remote_addr)}",
        "person": f"person:{person.id}",
        "site": f"site:{site.id}",
    }
    for limit in abuse.RATE_LIMITS:
        wait = limiter.take(keys[limit.scope], limit, now.timestamp())
        if wait is not None:
            who = {"ip": "from your network", "person": "by you", "site": "on this site"}[limit.scope]
            raise RateLimited(
                f"too many comments {who} in a short time; try again in {max(1, round(wait))} s",
                retry_after=wait,
            )


def _hold_reason(
    site: Site, thread: Thread, body: str, html: str, new: Submission, same_text: list, rules: list, now: datetime
) -> str | None:  # type: ignore[type-arg]
    if too_fast := abuse.too_fast(new.form_started_at, now, site.settings.min_submit_seconds):
        return too_fast
    if held := matching_words(rules, body, WordAction.HOLD):
        return "word filter: " + ", ".join(held)
    if len(abuse.normalise_text(body)) >= abuse.COPY_PASTE_MIN_LENGTH:
        other_threads = {s.thread_id for s in same_text} - {thread.id}
        if len(other_threads) + 1 >= abuse.COPY_PASTE_THREADS:
            return f"the same text is in {len(other_threads)} other conversations"
    score = abuse.spam_score(body, html, author_website=new.author_website)
    if score.score >= abuse.SPAM_HOLD_SCORE:
        return f"spam score {score.score:.2f} ({', '.join(score.signals)})"
    return None
