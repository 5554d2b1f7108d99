"""The plain results of the analytics use cases (kept apart so snapshots can rebuild them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from porch.domain.metrics import Cohort
from porch.domain.sites import Site


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
