"""The whole-site dashboard from rollups, brought up to date when it is read.

Measuring a million comments from scratch takes minutes; the rollups (``storage/repositories/
analytics_rollups.py``) keep the measures in per-thread, per-person and per-day rows, so the
dashboard reads thousands of rows instead. Nothing is written when a comment is posted, edited,
moderated or voted on: the database triggers already move the thread's ``version``, and the next
read of the dashboard (or :func:`bring_rollups_up_to_date` from an import or a job) rolls exactly the
threads whose version moved, then the people and days those threads touch.

When many threads moved at once (an import, a site never rolled, an owner added: the authors of
every thread without a named author change), the site is rolled again in one set-based pass.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from porch.domain.metrics import (
    CONVERSION_WINDOWS_DAYS,
    WAIT_BUCKETS,
    Cohort,
    fill_retention,
    gini,
    people_for_half,
    ratio,
    top_share,
)
from porch.domain.outbox import OutboxJob
from porch.domain.sites import Site
from porch.services.analytics_types import Contributor, DayActivity, ReplyEdge, SiteAnalytics
from porch.services.context import Context
from porch.services.outbox import enqueue_job
from porch.storage.repositories.analytics import AnalyticsRepository, WaitingComment
from porch.storage.repositories.analytics_rollups import (
    AnalyticsRollupRepository,
    CommentFact,
    DirtyThreads,
    PersonDeltas,
)
from porch.storage.unit_of_work import UnitOfWork

# Roll the whole site again rather than thread by thread past this share of its threads (or count).
log = logging.getLogger("porch.analytics")

WHOLE_SITE_SHARE = 0.25
WHOLE_SITE_MIN_THREADS = 200
# Threads rolled per write transaction in a catch-up: every poster waits through each one.
THREADS_PER_TRANSACTION = 20


@dataclass(frozen=True)
class RollupRun:
    """What one catch-up rewrote (all zero: the rollups were up to date)."""

    whole_site: bool
    threads: int
    people: int
    days: int


def bring_rollups_up_to_date(
    ctx: Context, site_id: int, *, threads_per_transaction: int = THREADS_PER_TRANSACTION
) -> RollupRun:
    """Roll the threads whose comments changed since the last roll, and the people and days they touch.

    A few threads per write transaction: posters wait through every write transaction, and a busy
    site's minute of comments spread over many threads would otherwise hold them for seconds. Each
    thread's rollup is whole after its transaction (its rows, its people's and days' numbers), so a
    reader between two of them sees some threads rolled and others still to roll, as at any time.
    """
    with ctx.uow() as uow:
        repo = AnalyticsRollupRepository(uow.connection)
        owners = repo.owners(site_id)
        rolled_owners = repo.rolled_owners(site_id)
        dirty = repo.dirty_threads(site_id)
    if rolled_owners == owners and not dirty:
        return RollupRun(whole_site=False, threads=0, people=0, days=0)
    if rolled_owners != owners or _too_many(dirty):
        return _roll_in_one_transaction(ctx, site_id)
    vanished = set(dirty.vanished)
    touched = dirty.changed + dirty.vanished  # as they were: threads dirtied meanwhile wait for the next round
    runs = []
    owners_changed = False
    for start in range(0, len(touched), threads_per_transaction):
        chunk = touched[start:start + threads_per_transaction]
        with ctx.uow(write=True) as uow:
            repo = AnalyticsRollupRepository(uow.connection)
            repo.lock_site(site_id)
            owners_changed = repo.owners(site_id) != owners  # then every thread's authors may have changed
            if owners_changed:
                break
            runs.append(_roll_threads(repo, site_id, [t for t in chunk if t not in vanished],
                                      [t for t in chunk if t in vanished]))  # fmt: skip
            repo.mark_rolled(site_id, owners, ctx.clock())
            uow.commit()
    if owners_changed:
        return _roll_in_one_transaction(ctx, site_id)  # the whole site, once this transaction has ended
    return RollupRun(whole_site=False, threads=sum(r.threads for r in runs), people=sum(r.people for r in runs),
                     days=sum(r.days for r in runs))  # fmt: skip


def _too_many(dirty: DirtyThreads) -> bool:
    return len(dirty.changed) + len(dirty.vanished) > max(WHOLE_SITE_MIN_THREADS, WHOLE_SITE_SHARE * dirty.total)


def _roll_in_one_transaction(ctx: Context, site_id: int) -> RollupRun:
    """Under the site's lock, look again and roll what is still needed in one transaction: the whole
    site in one pass when it was never rolled, its owners changed or most threads moved (an import),
    else the dirty threads."""
    with ctx.uow(write=True) as uow:
        repo = AnalyticsRollupRepository(uow.connection)
        repo.lock_site(site_id)  # then look again: a concurrent reader may have rolled it meanwhile
        owners = repo.owners(site_id)
        dirty = repo.dirty_threads(site_id)
        if repo.rolled_owners(site_id) != owners or _too_many(dirty):
            run = _roll_site(repo, site_id, dirty.total)
        elif dirty:
            run = _roll_threads(repo, site_id, dirty.changed, dirty.vanished)
        else:
            return RollupRun(whole_site=False, threads=0, people=0, days=0)
        repo.mark_rolled(site_id, owners, ctx.clock())
        uow.commit()
    return run


def bring_every_site_up_to_date(ctx: Context) -> int:
    """The worker's periodic round: roll each site whose threads moved since its last roll, so the
    catch-up a dashboard read pays stays a few seconds' worth of comments however busy the site is.
    Answers how many sites were rolled; one site's failure is logged and the others still roll."""
    with ctx.uow() as uow:
        site_ids = [site.id for site in uow.sites.list()]
    rolled = 0
    for site_id in site_ids:
        try:
            run = bring_rollups_up_to_date(ctx, site_id)
        except Exception:  # the next round tries again; a dashboard read would roll it too
            log.exception("could not roll the analytics of site %s", site_id)
            continue
        rolled += bool(run.whole_site or run.threads)
    return rolled


ROLLUP_JOB = "analytics_rollups"


def enqueue_rollup_job(uow: UnitOfWork, site_id: int, now: datetime) -> None:
    """Ask the outbox worker to bring a site's rollups up to date after this transaction (an import):
    the dashboard's next read then finds them current instead of rolling a whole site itself."""
    enqueue_job(uow, ROLLUP_JOB, f"rollups:{site_id}:{now.isoformat()}", {"site_id": site_id}, now=now,
                site_id=site_id)


def run_rollup_job(ctx: Context, job: OutboxJob) -> str:
    """The worker's handler for :data:`ROLLUP_JOB`."""
    run = bring_rollups_up_to_date(ctx, int(job.payload["site_id"]))
    return "whole site rolled" if run.whole_site else f"{run.threads} threads, {run.people} people rolled"


def refresh_rollups(ctx: Context, site_id: int) -> RollupRun:
    """Roll the whole site again in one set-based pass (after an import, or to check the incremental path)."""
    with ctx.uow(write=True) as uow:
        repo = AnalyticsRollupRepository(uow.connection)
        repo.lock_site(site_id)
        run = _roll_site(repo, site_id, repo.dirty_threads(site_id).total)
        repo.mark_rolled(site_id, repo.owners(site_id), ctx.clock())
        uow.commit()
    return run


def _roll_site(repo: AnalyticsRollupRepository, site_id: int, threads: int) -> RollupRun:
    repo.forget_site(site_id)
    repo.roll_threads(site_id, None)
    repo.roll_people(site_id)
    repo.roll_days(site_id, None)
    return RollupRun(whole_site=True, threads=threads, people=-1, days=-1)


def _roll_threads(
    repo: AnalyticsRollupRepository, site_id: int, changed: list[int], vanished: list[int]
) -> RollupRun:
    touched = changed + vanished
    old_facts, old_days = repo.comment_facts(touched), repo.thread_days(touched)
    repo.forget_threads(touched)
    repo.roll_threads(site_id, changed)
    new_facts, new_days = repo.comment_facts(touched), repo.thread_days(touched)
    deltas, people, days = person_deltas(old_facts, new_facts)
    days |= {day for (thread, day) in old_days.keys() | new_days.keys()
             if old_days.get((thread, day)) != new_days.get((thread, day))}
    if people:
        ordered = sorted(people)
        days |= repo.first_days(site_id, ordered)  # a first comment may move from one day…
        repo.add_to_people(site_id, deltas)
        repo.refresh_people(site_id, ordered)
        days |= repo.first_days(site_id, ordered)  # …to another
    if days:
        repo.roll_days(site_id, sorted(days))
    return RollupRun(whole_site=False, threads=len(touched), people=len(people), days=len(days))


def person_deltas(
    old: dict[int, CommentFact], new: dict[int, CommentFact]
) -> tuple[PersonDeltas, set[int], set[str]]:
    """What the change from ``old`` to ``new`` (the published comments of some threads) does to people.

    Returns the counts to add, the people touched and the days their comments are on. A comment that
    appeared, went, or changed hands or parent counts for its writer (comments, days) and, as a reply,
    for the writer of its parent (replies received, an edge); a reply to such a comment moves its edge
    and the parent's replies received too. Votes and edits change no fact: nothing to do.
    """
    differing = {c for c in old.keys() | new.keys() if old.get(c) != new.get(c)}
    deltas, people, days = PersonDeltas(), set[int](), set[str]()
    if not differing:
        return deltas, people, days

    def add(counter: dict[Any, int], key: Any, sign: int) -> None:
        counter[key] = counter.get(key, 0) + sign

    for facts, sign in ((old, -1), (new, 1)):
        for comment_id, fact in facts.items():
            own = comment_id in differing
            if not own and fact.parent_id not in differing:
                continue
            if own:
                days.add(fact.day)
                if fact.person_id is not None:
                    people.add(fact.person_id)
                    add(deltas.comments, fact.person_id, sign)
                    add(deltas.days, (fact.person_id, fact.day), sign)
            parent = facts.get(fact.parent_id) if fact.parent_id is not None else None
            if parent is None or parent.person_id is None or parent.person_id == fact.person_id:
                continue  # a reply to nobody known, or to oneself, is no answer
            people.add(parent.person_id)
            add(deltas.received, parent.person_id, sign)
            if fact.person_id is not None:
                people.add(fact.person_id)
                add(deltas.edges, (fact.person_id, parent.person_id), sign)
    return deltas, people, days


def measure_from_rollups(
    ctx: Context, site: Site, now: datetime, *, top_contributors: int, reply_graph_edges: int
) -> SiteAnalytics:
    """The whole site, all time, read from up-to-date rollups: the same numbers as measuring from scratch."""
    bring_rollups_up_to_date(ctx, site.id)
    with ctx.uow() as uow:
        repo = AnalyticsRollupRepository(uow.connection)
        totals = repo.totals(site.id)
        median_wait = repo.median_wait(site.id, "reply", totals.answered)
        author_median = repo.median_wait(site.id, "author", totals.author_answered)
        buckets = repo.wait_buckets(site.id)
        histogram, returning, regulars_comments = repo.people_counts(site.id)
        rolled_cohorts = repo.cohorts(site.id, now, CONVERSION_WINDOWS_DAYS)
        cohort_activity = repo.cohort_activity(site.id)
        days = repo.activity(site.id)
        ranked = repo.top_people(site.id, top_contributors)
        edges = repo.edges(site.id, reply_graph_edges)
        names = AnalyticsRepository(uow.connection).names(
            {p.person_id for p in ranked} | {e[0] for e in edges} | {e[1] for e in edges}
        )
    cohorts = {
        c.month: Cohort(month=c.month, size=c.size, returned=c.returned, eligible=c.eligible,
                        returned_eligible=c.returned_eligible)
        for c in rolled_cohorts
    }
    fill_retention(cohorts, cohort_activity)
    counts = [comments for comments, people in sorted(histogram.items()) for _ in range(people)]
    commenters = len(counts)
    return SiteAnalytics(
        site=site, uri=None, start=None, end=None, computed_at=now,
        comments=totals.comments, threads=totals.threads, threads_with_conversation=totals.threads_with_conversation,
        commenters=commenters, votes=totals.votes, replies=totals.replies,
        reply_rate=ratio(totals.answered, totals.comments),
        max_depth=totals.max_depth, mean_depth=totals.mean_depth,
        mean_breadth=ratio(totals.top_level, totals.threads),
        median_first_reply_seconds=median_wait,
        first_reply_distribution=[(label, n) for (label, _upper), n in zip(WAIT_BUCKETS, buckets, strict=True)],
        back_and_forth=totals.back_and_forth,
        author_response_rate=ratio(totals.author_answered, totals.author_pairs),
        author_median_response_seconds=author_median,
        threads_with_known_author=totals.threads_with_known_author,
        new_commenters=commenters,  # all time: everyone's first comment is in it
        returning_commenters=returning,
        returning_rate=ratio(returning, commenters),
        regulars_share=ratio(regulars_comments, totals.comments),
        top10_share=top_share(counts), gini=gini(counts), people_for_half=people_for_half(counts),
        cohorts=[cohorts[month] for month in sorted(cohorts)],
        top_contributors=[
            Contributor(p.person_id, names.get(p.person_id, "?"), p.comments, p.replies_received, p.first_at)
            for p in ranked
        ],
        reply_graph=[ReplyEdge(names.get(s, "?"), names.get(t, "?"), s, t, n) for s, t, n in edges],
        activity=[DayActivity(day, n, people, new) for day, n, people, new in days],
    )


def newcomers_waiting_from_rollups(ctx: Context, site_id: int, limit: int) -> list[WaitingComment]:
    """People's first comments nobody else has answered yet, oldest first, from up-to-date rollups."""
    bring_rollups_up_to_date(ctx, site_id)
    with ctx.uow() as uow:
        repo = AnalyticsRollupRepository(uow.connection)
        owners = [int(p) for p in repo.owners(site_id).split(",") if p]
        return repo.newcomers_waiting(site_id, owners, limit)
