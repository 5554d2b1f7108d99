"""Votes: one per person per comment, changeable; tallies move by the difference."""

from __future__ import annotations

from porch.errors import InvalidInput

VALID_VOTES = (-1, 0, 1)


def check_vote(value: int) -> int:
    if value not in VALID_VOTES:
        raise InvalidInput("value: a vote is 1 (up), -1 (down) or 0 (withdraw)", code="invalid_vote")
    return value


def tally_change(old: int, new: int) -> tuple[int, int]:
    """(change in upvotes, change in downvotes) when a person's vote goes from ``old`` to ``new``."""
    up = (new == 1) - (old == 1)
    down = (new == -1) - (old == -1)
    return up, down
