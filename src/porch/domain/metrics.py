"""The arithmetic of the community measures: medians, concentration, cohorts.

Pure functions over plain numbers (no SQL, no clock: ``now`` is passed in). The definitions they
implement are written down, formula by formula, in ``docs/subsystems/analytics.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

DAY = 86400.0
# Coming back means a comment at least this long after a person's first: a second comment in the
# same sitting (answering a reply ten minutes later) is part of the first visit, not a return.
RETURN_GAP_SECONDS = DAY
CONVERSION_WINDOWS_DAYS = (30, 90)
TOP_SHARE_FRACTION = 0.10

# Upper bounds (exclusive) of the time-to-first-reply buckets, in seconds; the last bucket is open.
WAIT_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 5 min", 300.0),
    ("5–60 min", 3600.0),
    ("1–6 h", 6 * 3600.0),
    ("6–24 h", DAY),
    ("1–7 days", 7 * DAY),
    ("≥ 7 days", math.inf),
)


def ratio(part: float, whole: float) -> float | None:
    """part / whole, or None when there is nothing to divide (a rate of nothing is unknown, not 0)."""
    return part / whole if whole else None


def median(values: Sequence[float]) -> float | None:
    """The middle value; with an even count the mean of the two middle ones; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def gini(counts: Sequence[int]) -> float | None:
    """Gini coefficient of per-person counts: 0 when everyone contributes equally, towards 1 when one does all.

    G = 2·Σ i·xᵢ / (n·Σ xᵢ) − (n + 1)/n with x sorted ascending, i from 1.
    """
    n = len(counts)
    total = sum(counts)
    if n == 0 or total == 0:
        return None
    weighted = sum(i * x for i, x in enumerate(sorted(counts), start=1))
    return 2 * weighted / (n * total) - (n + 1) / n


def top_share(counts: Sequence[int], fraction: float = TOP_SHARE_FRACTION) -> float | None:
    """The share of the total carried by the ⌈fraction·n⌉ largest counts."""
    total = sum(counts)
    if not counts or total == 0:
        return None
    top = max(1, math.ceil(fraction * len(counts)))
    return sum(sorted(counts, reverse=True)[:top]) / total


def people_for_half(counts: Sequence[int]) -> int:
    """The fewest people whose counts add up to at least half of the total."""
    total = sum(counts)
    running = 0
    for taken, count in enumerate(sorted(counts, reverse=True), start=1):
        running += count
        if 2 * running >= total:
            return taken
    return 0


def wait_bucket(seconds: float) -> int:
    """Index into WAIT_BUCKETS of a waiting time."""
    for index, (_label, upper) in enumerate(WAIT_BUCKETS):
        if seconds < upper:
            return index
    return len(WAIT_BUCKETS) - 1


def month_of(moment: datetime) -> str:
    """The UTC calendar month, as ``YYYY-MM``."""
    return f"{moment.year:04d}-{moment.month:02d}"


def months_between(first: str, later: str) -> int:
    """Whole calendar months from ``YYYY-MM`` to ``YYYY-MM``."""
    y1, m1 = (int(part) for part in first.split("-"))
    y2, m2 = (int(part) for part in later.split("-"))
    return (y2 - y1) * 12 + (m2 - m1)


@dataclass(frozen=True)
class Newcomer:
    """A person's first comment on a site and, if any, their first comment at least RETURN_GAP later."""

    person_id: int
    first_at: datetime
    came_back_at: datetime | None


@dataclass
class Cohort:
    month: str
    size: int = 0
    returned: dict[int, int] = field(default_factory=dict)  # window days -> people who came back within it
    eligible: dict[int, int] = field(default_factory=dict)  # window days -> people whose window has passed
    returned_eligible: dict[int, int] = field(default_factory=dict)  # of those, who came back within it
    retention: list[float] = field(default_factory=list)  # months since the cohort month -> share active

    def rate(self, days: int) -> float | None:
        """Of the people whose window has passed, the share who came back within it (None: nobody yet)."""
        return ratio(self.returned_eligible.get(days, 0), self.eligible.get(days, 0))


def build_cohorts(
    newcomers: Iterable[Newcomer], active_months: Iterable[tuple[str, str, int]], *, now: datetime
) -> list[Cohort]:
    """Cohorts by month of first comment, with 30/90-day conversion and the monthly retention row.

    ``active_months`` holds (cohort month, month with a comment, people) for the same people.
    A person counts towards a window's rate only once the window has passed (``now``): a young
    cohort's rate is neither dragged down by people who have not yet had the time to come back nor
    flattered by its early returners.
    """
    cohorts: dict[str, Cohort] = {}
    for person in newcomers:
        cohort = cohorts.setdefault(month_of(person.first_at), Cohort(month_of(person.first_at)))
        cohort.size += 1
        for days in CONVERSION_WINDOWS_DAYS:
            window = timedelta(days=days)
            came_back = person.came_back_at is not None and person.came_back_at - person.first_at <= window
            if came_back:
                cohort.returned[days] = cohort.returned.get(days, 0) + 1
            # Only people whose whole window lies in the past are judged: counting the early
            # returners of a young cohort but not its still-undecided rest would flatter it.
            if now - person.first_at >= window:
                cohort.eligible[days] = cohort.eligible.get(days, 0) + 1
                if came_back:
                    cohort.returned_eligible[days] = cohort.returned_eligible.get(days, 0) + 1
    fill_retention(cohorts, active_months)
    return [cohorts[month] for month in sorted(cohorts)]


def fill_retention(cohorts: dict[str, Cohort], active_months: Iterable[tuple[str, str, int]]) -> None:
    """Each cohort's monthly retention row from (cohort month, month with a comment, people)."""
    for cohort_month, active_month, people in active_months:
        cohort = cohorts.get(cohort_month)
        if cohort is None or cohort.size == 0:
            continue
        offset = months_between(cohort_month, active_month)
        if offset < 0:
            continue
        while len(cohort.retention) <= offset:
            cohort.retention.append(0.0)
        cohort.retention[offset] = people / cohort.size
