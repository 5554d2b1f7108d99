"""Engagement and belonging measures for a site's owners and moderators.

The definitions, formula by formula, are in ``docs/subsystems/analytics.md``; the SQL is in
``storage/repositories/analytics.py`` and the arithmetic in ``domain/metrics.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from porch.domain.accounts import Account
from porch.domain.metrics import (
    RETURN_GAP_SECONDS,
    WAIT_BUCKETS,
    Cohort,
    Newcomer,
    build_cohorts,
    gini,
    people_for_half,
    ratio,
    top_share,
)
from porch.domain.sites import Site
from porch.domain.threads import thread_key
from porch.errors import ErrorList, NotFound
from porch.services.context import Context, token_hash
from porch.services.sites import access_site_by_account
from porch.storage.repositories.analytics import AnalyticsRepository, Scope, WaitingComment

ANALYSTS = frozenset({"owner", "moderator"})
TOP_CONTRIBUTORS = 10
REPLY_GRAPH_EDGES = 40
NEWCOMERS_WAITING_LIMIT = 100


@dataclass(frozen=True)
class Contributor:
    person_id: int
    name: str
    comments: int
    replies_received: int
    first_comment_at: datetime


@dataclass(frozen=True)
class ReplyEdge:
    source: str
    target: str
    source_id: int
    target_id: int
    replies: int


@dataclass(frozen=True)
class DayActivity:
    day: str
    comments: int
    commenters: int
    new_commenters: int


@dataclass(frozen=True)
class SiteAnalytics:
    """Every measure of one site (or page) over one period; see docs/subsystems/analytics.md."""

    site: Site
    uri: str | None
    start: datetime | None
    end: datetime | None
    computed_at: datetime
    comments: int
    threads: int
    threads_with_conversation: int
    commenters: int
    votes: int
    replies: int
    reply_rate: float | None
    max_depth: int
    mean_depth: float | None
    mean_breadth: float | None
    median_first_reply_seconds: float | None
    first_reply_distribution: list[tuple[str, int]]
    back_and_forth: int
    author_response_rate: float | None
    author_median_response_seconds: float | None
    threads_with_known_author: int
    new_commenters: int
    returning_commenters: int
    returning_rate: float | None
    regulars_share: float | None
    top10_share: float | None
    gini: float | None
    people_for_half: int
    cohorts: list[Cohort]
    top_contributors: list[Contributor]
    reply_graph: list[ReplyEdge]
    activity: list[DayActivity]


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
    """Every community measure of a site (or one page) over ``[start, end)``, for its owners and moderators."""
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
        scope = Scope(site_id=site.id, thread_id=thread_id, start=start, end=end)
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

    Hook for the notifications outbox: a daily digest job should call this per site owner (the role
    check passes for them) and mail the list when it is not empty; nothing here sends mail.
    """
    site = access_site_by_account(ctx, site_key, requester_account, ANALYSTS).site
    with ctx.uow() as uow:
        waiting = AnalyticsRepository(uow.connection).newcomers_waiting(site.id, limit)
    return NewcomersWaiting(site=site, now=ctx.clock(), comments=waiting)


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
