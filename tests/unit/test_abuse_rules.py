"""The anti-abuse and moderation rules on their own: no database, no HTTP, time passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from porch.domain import abuse
from porch.domain.bans import Ban, BanKind, Visitor, WordAction, WordRule, check_not_banned, matching_words
from porch.domain.comments import Comment, CommentStatus
from porch.domain.moderating import Action, QueueFacts, Why, hold_reasons, queue_priority, status_change
from porch.errors import Conflict, Forbidden

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _comment(status: CommentStatus) -> Comment:
    return Comment(1, 1, None, 1, "Linda", None, "text", "<p>text</p>", status, NOW, None)


@pytest.mark.parametrize(
    ("before", "action", "after", "delta"),
    [
        (CommentStatus.PENDING, Action.APPROVE, CommentStatus.PUBLISHED, 1),
        (CommentStatus.PUBLISHED, Action.APPROVE, CommentStatus.PUBLISHED, 0),
        (CommentStatus.PUBLISHED, Action.REJECT, CommentStatus.REJECTED, -1),
        (CommentStatus.PENDING, Action.SPAM, CommentStatus.SPAM, 0),
        (CommentStatus.SPAM, Action.APPROVE, CommentStatus.PUBLISHED, 1),
        (CommentStatus.PUBLISHED, Action.PIN, CommentStatus.PUBLISHED, 0),
    ],
)
def test_status_changes_keep_the_published_count_true(
    before: CommentStatus, action: Action, after: CommentStatus, delta: int
) -> None:
    change = status_change(_comment(before), action)
    assert (change.after, change.count_delta) == (after, delta)


def test_deleted_comments_and_unpublished_pins_are_refused() -> None:
    with pytest.raises(Conflict):
        status_change(_comment(CommentStatus.DELETED), Action.APPROVE)
    with pytest.raises(Conflict):
        status_change(_comment(CommentStatus.PENDING), Action.PIN)


@given(st.text(max_size=200))
def test_fingerprint_ignores_case_spacing_and_punctuation(text: str) -> None:
    assert abuse.fingerprint(text) == abuse.fingerprint("  " + text.upper().replace(" ", "  ") + "!!")


def test_different_texts_have_different_fingerprints() -> None:
    assert abuse.fingerprint("Comment 1: words") != abuse.fingerprint("Comment 2: words")


def test_spam_score_separates_people_from_link_farms() -> None:
    person = abuse.spam_score("I disagree with the second point, but thanks for writing it.", "<p>…</p>")
    spam = abuse.spam_score(
        "CHEAP VIAGRA http://a.example http://b.example http://c.example",
        '<p><a href="x">a</a> <a href="y">b</a> <a href="z">c</a></p>',
    )
    assert person.score == 0 and person.signals == ()
    assert spam.score >= abuse.SPAM_HOLD_SCORE and "3 links" in spam.signals


def test_too_fast_holds_and_missing_times_do_not() -> None:
    assert abuse.too_fast(None, NOW) is None
    assert abuse.too_fast(NOW - timedelta(seconds=10), NOW) is None
    assert abuse.too_fast(NOW - timedelta(seconds=1), NOW) == "sent 1.0 s after the form opened"
    assert abuse.too_fast(NOW + timedelta(hours=1), NOW) == "sent 0.0 s after the form opened"
    assert abuse.too_fast(datetime(2026, 11, 23, 11, 59, 59), NOW) is not None  # noqa: DTZ001 - naive means UTC


def test_ipv6_addresses_share_a_bucket_per_64() -> None:
    assert abuse.address_bucket("2001:db8::1") == abuse.address_bucket("2001:db8::ffff") == "2001:db8::/64"
    assert abuse.address_bucket("203.0.113.9") == "203.0.113.9"
    assert abuse.address_bucket("testclient") == "testclient"


def test_bans_match_person_email_and_range_until_they_expire() -> None:
    def ban(kind: BanKind, value: str, expires: datetime | None = None) -> Ban:
        return Ban(1, 1, kind, value, expires, "", NOW)

    visitor = Visitor(person_id=7, emails=("t@example.org",), remote_addr="203.0.113.9")
    for made in (ban(BanKind.PERSON, "7"), ban(BanKind.EMAIL, "t@example.org"), ban(BanKind.IP, "203.0.113.0/24")):
        with pytest.raises(Forbidden, match="banned from commenting on blog"):
            check_not_banned([made], visitor, site_name="blog", now=NOW)
    expired = ban(BanKind.PERSON, "7", NOW - timedelta(seconds=1))
    check_not_banned([expired, ban(BanKind.IP, "198.51.100.0/24")], visitor, site_name="blog", now=NOW)


def test_words_match_whole_words_in_any_case() -> None:
    rules = [WordRule(1, 1, "crypto deals", WordAction.HOLD), WordRule(2, 1, "idiot", WordAction.BLOCK)]
    assert matching_words(rules, "Any CRYPTO  deals? no: crypto deals!", WordAction.HOLD) == ["crypto deals"]
    assert matching_words(rules, "idiotic", WordAction.BLOCK) == []


def test_reported_first_spam_last() -> None:
    def facts(**kw: object) -> QueueFacts:
        base: dict[str, object] = {
            "reports": 0,
            "report_reasons": (),
            "first_comment": False,
            "has_links": False,
            "spam_score": 0.0,
            "spam_signals": (),
            "held_words": (),
            "copy_paste_threads": 0,
            "hold_reason": None,
            "mode_holds_all": True,
        }
        return QueueFacts(**{**base, **kw})  # type: ignore[arg-type]

    reported = hold_reasons(facts(reports=1, report_reasons=("rude",)), spam_hold_score=0.7)
    spam = hold_reasons(facts(spam_score=0.9), spam_hold_score=0.7)
    plain = hold_reasons(facts(), spam_hold_score=0.7)
    assert reported[0].text == "reported by 1 reader: rude" and plain[0].why == Why.EVERYTHING_HELD
    keys = [queue_priority(r, NOW) for r in (spam, plain, reported)]
    assert sorted(keys) == [keys[2], keys[1], keys[0]]
