"""Engagement and belonging measures for a site's owners and moderators.

The definitions, formula by formula, are in ``docs/subsystems/analytics.md``; the SQL is in
``storage/repositories/analytics.py`` and the arithmetic in ``domain/metrics.py``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from porch.domain.accounts import Account
from porch.domain.metrics import (
    RETURN_GAP_SECONDS,
    WAIT_BUCKETS,
    Newcomer,
    build_cohorts,
    gini,
    people_for_half,
    ratio,
    top_share,
)
from porch.domain.people import EMAIL_PATTERN, Person, normalise_email
from porch.domain.sites import Site
from porch.domain.threads import thread_key
from porch.errors import ErrorList, InvalidInput, NotFound
from porch.services.analytics_rollups import measure_from_rollups, newcomers_waiting_from_rollups
from porch.services.analytics_snapshots import from_payload, to_payload
from porch.services.analytics_types import Contributor, DayActivity, ReplyEdge, SiteAnalytics
from porch.services.context import Context, token_hash
from porch.services.sites import access_site_by_account
from porch.storage.repositories.analytics import AnalyticsRepository, Scope, WaitingComment
from porch.storage.unit_of_work import UnitOfWork

__all__ = [
    "Contributor", "DayActivity", "NewcomersWaiting", "ReplyEdge", "SiteAnalytics", "ThreadAuthor",
    "assign_thread_author", "compute_site_analytics", "list_newcomers_waiting", "set_thread_author",
]

ANALYSTS = frozenset({"owner", "moderator"})
TOP_CONTRIBUTORS = 10
REPLY_GRAPH_EDGES = 40
NEWCOMERS_WAITING_LIMIT = 100


def _check_period(start: datetime | None, end: datetime | None) -> None:
    errors = ErrorList()
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            errors.add(name, "give a time zone (e.g. 2026-11-01T00:00:00Z)")
    if start is not None and end is not None and start.tzinfo and end.tzinfo and start >= end:
        errors.add("to", "must be after from")
    errors.raise_if_any()


def compute_site_analytics(
    ctx: Context,
    site_key: str,
    requester_account: Account,
    start: datetime | None = None,
    end: datetime | None = None,
    uri: str | None = None,
) -> SiteAnalytics:
    """Every community measure of a site (or one page) over ``[start, end)``, for its owners and moderators.

    A computation is kept (``analytics_snapshots``) and served again while the site's fingerprint
    holds; the fingerprint is read before measuring, so a snapshot is never older than its key.
    """
    _check_period(start, end)
    site = access_site_by_account(ctx, site_key, requester_account, ANALYSTS).site
    now = ctx.clock()
    with ctx.uow() as uow:
        repo = AnalyticsRepository(uow.connection)
        thread_id = None
        if uri is not None:
            thread_id = repo.thread_id_for_key(site.id, thread_key(uri, site.primary_origin))
            if thread_id is None:
                raise NotFound("there is no conversation on that page", code="unknown_thread")
        # the day is part of it: cohort windows pass with time alone
        fingerprint = f"{repo.fingerprint(site.id)}:{now.date().isoformat()}"
        scope_key = "|".join((start.isoformat() if start else "", end.isoformat() if end else "", str(thread_id or "")))
        kept = repo.snapshot(site.id, scope_key)
    if kept is not None and kept[0] == fingerprint:
        return replace(from_payload(site, kept[2]), uri=uri)
    if start is None and end is None and thread_id is None:
        # the dashboard: the whole site, all time, from rollups (services/analytics_rollups.py)
        result = measure_from_rollups(
            ctx, site, now, top_contributors=TOP_CONTRIBUTORS, reply_graph_edges=REPLY_GRAPH_EDGES
        )
    else:
        result = measure_from_scratch(ctx, site, Scope(site.id, thread_id, start, end), uri, now)
    try:
        with ctx.uow(write=True) as uow:
            AnalyticsRepository(uow.connection).keep_snapshot(site.id, scope_key, fingerprint, now, to_payload(result))
            uow.commit()
    except IntegrityError:
        pass  # another request kept the same computation a moment earlier: theirs serves as well
    return result


def measure_from_scratch(ctx: Context, site: Site, scope: Scope, uri: str | None, now: datetime) -> SiteAnalytics:
    """Every measure by SQL over the site's published comments (any scope; the rollups' reference)."""
    start, end = scope.start, scope.end
    with ctx.uow() as uow:
        repo = AnalyticsRepository(uow.connection)
        totals = repo.totals(scope)
        median_wait, buckets = repo.first_reply_waits(scope)
        presence = repo.author_presence(scope)
        commenters = repo.commenters(scope)
        newcomer_rows = repo.newcomers(scope)
        cohort_activity = repo.cohort_activity(scope)
        days = repo.activity(scope)
        ranked = sorted(commenters, key=lambda c: (-c.comments, c.first_at, c.person_id))[:TOP_CONTRIBUTORS]
        received = repo.replies_received(scope, [c.person_id for c in ranked])
        edges = repo.reply_edges(scope, REPLY_GRAPH_EDGES)
        names = repo.names({c.person_id for c in ranked} | {e[0] for e in edges} | {e[1] for e in edges})

    def in_period(moment: datetime) -> bool:
        return (start is None or moment >= start) and (end is None or moment < end)

    returning = [c for c in commenters if (c.last_at - c.first_at).total_seconds() >= RETURN_GAP_SECONDS]
    new_by_day: dict[str, int] = {}
    for c in commenters:
        if in_period(c.first_at):
            day = c.first_at.date().isoformat()
            new_by_day[day] = new_by_day.get(day, 0) + 1
    counts = [c.comments for c in commenters]
    return SiteAnalytics(
        site=site, uri=uri, start=start, end=end, computed_at=now,
        comments=totals.comments, threads=totals.threads, threads_with_conversation=totals.threads_with_conversation,
        commenters=totals.commenters, votes=totals.votes, replies=totals.replies,
        reply_rate=ratio(totals.answered, totals.comments),
        max_depth=totals.max_depth, mean_depth=totals.mean_depth,
        mean_breadth=ratio(totals.top_level, totals.threads),
        median_first_reply_seconds=median_wait,
        first_reply_distribution=[(label, n) for (label, _upper), n in zip(WAIT_BUCKETS, buckets, strict=True)],
        back_and_forth=totals.back_and_forth,
        author_response_rate=ratio(presence.answered, presence.pairs),
        author_median_response_seconds=presence.median_seconds,
        threads_with_known_author=presence.threads_with_known_author,
        new_commenters=sum(1 for c in commenters if in_period(c.first_at)),
        returning_commenters=len(returning),
        returning_rate=ratio(len(returning), len(commenters)),
        regulars_share=ratio(sum(c.comments for c in returning), totals.comments),
        top10_share=top_share(counts), gini=gini(counts), people_for_half=people_for_half(counts),
        cohorts=build_cohorts([Newcomer(*row) for row in newcomer_rows], cohort_activity, now=now),
        top_contributors=[
            Contributor(c.person_id, names.get(c.person_id, "?"), c.comments, received.get(c.person_id, 0), c.first_at)
            for c in ranked
        ],
        reply_graph=[ReplyEdge(names.get(s, "?"), names.get(t, "?"), s, t, n) for s, t, n in edges],
        activity=[DayActivity(day, n, people, new_by_day.get(day, 0)) for day, n, people in days],
    )


@dataclass(frozen=True)
class NewcomersWaiting:
    site: Site
    now: datetime
    comments: list[WaitingComment]

    def waited_seconds(self, comment: WaitingComment) -> float:
        return (self.now - comment.created_at).total_seconds()


def list_newcomers_waiting(
    ctx: Context, site_key: str, requester_account: Account, limit: int = NEWCOMERS_WAITING_LIMIT
) -> NewcomersWaiting:
    """First-time commenters nobody has answered yet, oldest first, for the site's owners and moderators.

    Kept as a snapshot like the measures (the list changes only when comments do; the waits are
    counted from ``now`` on every read). Hook for the notifications outbox: a daily digest job should
    call this per site owner (the role check passes for them) and mail the list when it is not
    empty; nothing here sends mail.
    """
    site = access_site_by_account(ctx, site_key, requester_account, ANALYSTS).site
    now = ctx.clock()
    scope_key = f"newcomers-waiting|{limit}"
    with ctx.uow() as uow:
        repo = AnalyticsRepository(uow.connection)
        fingerprint = repo.fingerprint(site.id)
        kept = repo.snapshot(site.id, scope_key)
    if kept is not None and kept[0] == fingerprint:
        waiting = [
            WaitingComment(**{**row, "created_at": datetime.fromisoformat(row["created_at"])})
            for row in kept[2]["comments"]
        ]
        return NewcomersWaiting(site=site, now=now, comments=waiting)
    waiting = newcomers_waiting_from_rollups(ctx, site.id, limit)
    payload = {"comments": [{**asdict(c), "created_at": c.created_at.isoformat()} for c in waiting]}
    try:
        with ctx.uow(write=True) as uow:
            AnalyticsRepository(uow.connection).keep_snapshot(site.id, scope_key, fingerprint, now, payload)
            uow.commit()
    except IntegrityError:
        pass  # kept by a concurrent request
    return NewcomersWaiting(site=site, now=now, comments=waiting)


def assign_thread_author(ctx: Context, site_key: str, uri: str, *, name: str, browser_token: str) -> int:
    """Name the person who wrote the page at ``uri`` (found or created by a browser token); returns their id.

    Used by the demo loader (its posts are by "Carma" and "Carl", the same people who comment
    as them) so the analytics know whose replies are the author's.
    """
    with ctx.uow(write=True) as uow:
        site = uow.sites.get_by_key(site_key)
        if site is None:
            raise NotFound(f"there is no site with key {site_key!r}", code="unknown_site")
        repo = AnalyticsRepository(uow.connection)
        thread_id = repo.thread_id_for_key(site.id, thread_key(uri, site.primary_origin))
        if thread_id is None:
            raise NotFound("there is no conversation on that page", code="unknown_thread")
        key = token_hash(browser_token)
        person = uow.people.find_by_browser_key(key) or uow.people.add(
            display_name=name, website=None, now=ctx.clock(), browser_key=key
        )
        repo.set_thread_author(thread_id, person.id)
        uow.commit()
    return person.id


THREAD_AUTHOR_SETTERS = frozenset({"owner"})


@dataclass(frozen=True)
class ThreadAuthor:
    uri: str
    person_id: int | None  # None: the site's owners count as the page's authors
    name: str | None


def set_thread_author(
    ctx: Context, site_key: str, uri: str, email: str | None, requester_account: Account | None
) -> ThreadAuthor:
    """Name who wrote the page at ``uri``: the person using ``email`` (a commenter's address or an account's).

    ``email`` None clears it (the site's owners count as the authors again). For the site's owners and
    server admins; ``requester_account`` None is the command line (whoever runs ``porch`` on the server).
    The author's presence measures (docs/subsystems/analytics.md) follow: imported sites, whose posts'
    authors comment as ordinary people, get them this way.
    """
    if requester_account is not None:
        site = access_site_by_account(ctx, site_key, requester_account, THREAD_AUTHOR_SETTERS).site
    else:
        with ctx.uow() as uow:
            found = uow.sites.get_by_key(site_key) or uow.sites.get_by_name(site_key)
        if found is None:
            raise NotFound(f"there is no site named {site_key!r}", code="unknown_site")
        site = found
    address = None
    if email is not None and email.strip():
        address = normalise_email(email)
        if not EMAIL_PATTERN.fullmatch(address):
            raise InvalidInput("email: not an email address", code="invalid_email")
    with ctx.uow(write=True) as uow:
        repo = AnalyticsRepository(uow.connection)
        thread_id = repo.thread_id_for_key(site.id, thread_key(uri, site.primary_origin))
        if thread_id is None:
            raise NotFound("there is no conversation on that page", code="unknown_thread")
        person = None
        if address is not None:
            person = _person_by_email(uow, address)
            if person is None:
                raise NotFound(f"nobody has commented or signed up with {address}", code="unknown_person")
        repo.set_thread_author(thread_id, person.id if person else None)
        uow.commit()
    return ThreadAuthor(uri=uri, person_id=person.id if person else None, name=person.display_name if person else None)


def _person_by_email(uow: UnitOfWork, address: str) -> Person | None:
    found = uow.people.find_by_email(address)
    if found is not None:
        return found[0]
    account = uow.accounts.get_by_email(address)
    return uow.people.get(account.person_id) if account is not None else None
