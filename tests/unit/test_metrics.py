"""The analytics' arithmetic (domain/metrics.py), on numbers small enough to check by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from porch.domain.metrics import (
    Newcomer,
    build_cohorts,
    gini,
    median,
    months_between,
    people_for_half,
    ratio,
    top_share,
    wait_bucket,
)

counts = st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=50)


def test_median_takes_the_middle_or_the_mean_of_the_two_middles() -> None:
    assert median([]) is None
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_gini_of_equal_counts_is_zero_and_of_one_writer_approaches_one() -> None:
    assert gini([]) is None
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    # 1,1,1,1,2,2,5 (the demo blog): 2·67/(7·13) − 8/7 = 30/91
    assert gini([5, 2, 2, 1, 1, 1, 1]) == pytest.approx(30 / 91)
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n−1)/n for n = 4


@given(counts)
def test_gini_stays_between_zero_and_one(values: list[int]) -> None:
    value = gini(values)
    assert value is not None and -1e-9 <= value < 1


def test_top_share_and_people_for_half() -> None:
    assert top_share([5, 2, 2, 1, 1, 1, 1]) == pytest.approx(5 / 13)  # ⌈0.7⌉ = 1 person
    assert top_share([1] * 11) == pytest.approx(2 / 11)  # ⌈1.1⌉ = 2 people
    assert people_for_half([5, 2, 2, 1, 1, 1, 1]) == 2
    assert people_for_half([1, 1]) == 1
    assert top_share([]) is None and ratio(1, 0) is None


def test_waits_fall_in_their_buckets() -> None:
    assert [wait_bucket(s) for s in (0, 299, 300, 4020, 86399, 86400, 10**9)] == [0, 0, 1, 2, 3, 4, 5]


def test_cohorts_count_a_window_only_once_it_has_passed() -> None:
    """Nov 1: Ann (back Nov 3), Bob (back after 40 days), Cy (never); Dec 20: Dee (never), seen from Jan 1.

    On Jan 1, 30 days have passed for Ann, Bob, Cy (returned 1 within 30: Ann; Bob's 40 days are too many);
    90 days have passed for nobody → unknown (None), though Ann and Bob are counted as returned.
    Dee's 30 days have not passed → her cohort's rate is unknown (None).
    """
    nov1 = datetime(2026, 11, 1, tzinfo=UTC)
    dec20 = datetime(2026, 12, 20, tzinfo=UTC)
    people = [
        Newcomer(1, nov1, nov1 + timedelta(days=2)),
        Newcomer(2, nov1, nov1 + timedelta(days=40)),
        Newcomer(3, nov1, None),
        Newcomer(4, dec20, None),
    ]
    active = [("2026-11", "2026-11", 3), ("2026-11", "2026-12", 1), ("2026-12", "2026-12", 1)]
    november, december = build_cohorts(people, active, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert (november.month, november.size, november.rate(30), november.rate(90)) == ("2026-11", 3, 1 / 3, None)
    assert november.returned == {30: 1, 90: 2}
    assert november.retention == [1.0, pytest.approx(1 / 3)]
    assert (december.size, december.rate(30), december.retention) == (1, None, [1.0])
    assert months_between("2025-11", "2026-02") == 3
