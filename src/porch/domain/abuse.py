"""The anti-abuse pipeline's steps: each a pure function of what it is shown, testable alone.

``services/abuse.py::check_comment_allowed`` runs them in order for every new comment:

1. honeypot — a hidden form field people never fill (:func:`check_honeypot`);
2. bans — person, email or IP range (``domain/bans.py``);
3. rate limits — token buckets per IP, person and site (:data:`RATE_LIMITS`, ``porch/ratelimit``);
4. duplicates — the same person, the same text, within :data:`DUPLICATE_WINDOW` (:func:`fingerprint`);
5. word lists — block (refused) or hold (``domain/bans.py``);
6. holds — too fast to be typed (:func:`seconds_to_submit`), copy-paste across conversations,
   a high :func:`spam_score`.

Steps 1–5 refuse the comment (nothing is stored); step 6 only sends it to the moderation queue.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from porch.errors import Forbidden

# --- 1. honeypot and time-to-submit ---------------------------------------------------------

MIN_SECONDS_TO_SUBMIT = 3  # nobody reads a post and types a comment in less


def check_honeypot(value: str | None) -> None:
    """Refuse a submission whose hidden ``hp`` field has content: only a form-filling robot writes there."""
    if value is not None and value.strip():
        raise Forbidden(
            "this comment looks automated (a hidden field was filled in) and was not accepted",
            code="automated_submission",
        )


def seconds_to_submit(form_started_at: datetime | None, now: datetime) -> float | None:
    """How long the form was open before it was sent (None when the client did not say)."""
    if form_started_at is None:
        return None
    if form_started_at.tzinfo is None:  # an ISO time without a zone: browsers mean UTC (Date.toISOString)
        form_started_at = form_started_at.replace(tzinfo=UTC)
    return (now - form_started_at).total_seconds()


def too_fast(form_started_at: datetime | None, now: datetime, minimum: int = MIN_SECONDS_TO_SUBMIT) -> str | None:
    """A hold reason when the form was sent faster than a person types, else None.

    A clock skewed into the future (negative time) is treated like a too-fast robot: the form's
    time comes from the reader's browser and is only ever a hint, so it holds, never refuses.
    """
    elapsed = seconds_to_submit(form_started_at, now)
    if elapsed is None or elapsed >= minimum:
        return None
    return f"sent {max(elapsed, 0):.1f} s after the form opened"


# --- 3. rate limits --------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``burst`` comments at once, then one more every ``every_seconds``."""

    scope: str  # "ip", "person" or "site"
    burst: int
    every_seconds: float

    @property
    def per_second(self) -> float:
        return 1.0 / self.every_seconds


RATE_LIMITS = (
    RateLimit("ip", burst=30, every_seconds=6),  # one household or office: 10 a minute after a burst
    RateLimit("person", burst=8, every_seconds=15),  # one person: 4 a minute after a burst
    RateLimit("site", burst=300, every_seconds=0.5),  # a flood from many addresses: 120 a minute
)


# Signing in and asking for sign-in links, per address and per email (one bucket whether or not an
# account has that email: the answer must not tell). Passwords are argon2-hashed, so guessing is slow
# already; these stop a script from trying a list, or from mailbombing someone with sign-in links.
SIGN_IN_LIMITS = (
    RateLimit("ip", burst=20, every_seconds=30),  # a shared office signing in on a Monday morning
    RateLimit("email", burst=10, every_seconds=30),  # 2 guesses a minute at one account, after a burst
)
MAGIC_LINK_LIMITS = (
    RateLimit("ip", burst=10, every_seconds=30),
    RateLimit("email", burst=5, every_seconds=120),  # at most one mail every two minutes, after a burst
)


def address_bucket(remote_addr: str) -> str:
    """The rate-limit key of an address: IPv4 as is, IPv6 by its /64 (one customer's whole net)."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def refill(tokens: float, last: float, now: float, limit: RateLimit) -> float:
    """Tokens in the bucket at ``now`` (monotonic seconds), given ``tokens`` at ``last``."""
    return min(float(limit.burst), tokens + max(0.0, now - last) * limit.per_second)


# --- 4. duplicates and copy-paste ------------------------------------------------------------

DUPLICATE_WINDOW = timedelta(minutes=10)
COPY_PASTE_WINDOW = timedelta(hours=24)
COPY_PASTE_THREADS = 3  # the same text in this many conversations (this one included) waits
COPY_PASTE_MIN_LENGTH = 20  # "Thanks!" and "+1" are allowed to repeat
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Text as a duplicate detector sees it: case, accents' forms, punctuation and spacing ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def fingerprint(text: str) -> str:
    """A stable key for "the same text", near-duplicates (case, spacing, punctuation) included."""
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()


# --- 6. content heuristics -------------------------------------------------------------------

SPAM_HOLD_SCORE = 0.7
CLASSIFIER_HOLD_PROBABILITY = 0.9  # the site's learned classifier (domain/spam_classifier.py)
CLASSIFIER_REASON = "learned from this site's moderators"
AKISMET_SPAM = "akismet: spam"
AKISMET_UNAVAILABLE = "akismet unavailable"
_LINK = re.compile(r"<a\s", re.IGNORECASE)
_URL_TEXT = re.compile(r"https?://|www\.", re.IGNORECASE)
_URL_OR_SPACE = re.compile(r"(?:https?://|www\.)\S+|\s+", re.IGNORECASE)
_SPAM_PHRASES = (
    "buy now",
    "cheap",
    "viagra",
    "cialis",
    "casino",
    "free money",
    "click here",
    "work from home",
    "earn $",
    "loan",
    "crypto",
    "bitcoin",
    "forex",
    "seo services",
    "backlinks",
    "escort",
    "replica",
    "weight loss",
    "100% free",
    "limited offer",
    "act now",
    "winner",
    "prize",
)


@dataclass(frozen=True)
class SpamScore:
    score: float  # 0 (a person) … 1 (certainly spam)
    signals: tuple[str, ...] = field(default=())


def spam_score(body_source: str, body_html: str, *, author_website: str | None = None) -> SpamScore:
    """Score a comment on content heuristics alone; each signal adds weight and says what it saw."""
    text = body_source.lower()
    signals: list[str] = []
    score = 0.0
    links = len(_LINK.findall(body_html)) or len(_URL_TEXT.findall(body_source))
    if links >= 3:
        score += 0.45
        signals.append(f"{links} links")
    elif links:
        score += 0.15
        signals.append("a link")
    words = len(text.split())
    if links and words <= links * 6:
        score += 0.25
        signals.append("mostly links")
    if links and not _URL_OR_SPACE.sub("", body_source).strip(".,;:!?()[]<>-_*"):
        score += 0.35  # the classic drive-by: a bare link and not one word of its own
        signals.append("nothing but a link")
    phrases = [p for p in _SPAM_PHRASES if p in text]
    if phrases:
        score += min(0.5, 0.25 * len(phrases))
        signals.append("spam phrases: " + ", ".join(phrases[:3]))
    letters = [ch for ch in body_source if ch.isalpha()]
    if len(letters) >= 20 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6:
        score += 0.2
        signals.append("shouting")
    if re.search(r"(.)\1{9,}", body_source):
        score += 0.15
        signals.append("repeated characters")
    if author_website and links and author_website.split("//")[-1].split("/")[0] in body_source:
        score += 0.1
        signals.append("links to its own website")
    return SpamScore(round(min(score, 1.0), 2), tuple(signals))


def classifier_hold(probability: float, threshold: float = CLASSIFIER_HOLD_PROBABILITY) -> str | None:
    """The hold reason for the learned classifier's spam probability ("spam score 0.93 (…)"), or None."""
    if probability < threshold:
        return None
    shown = min(probability, 0.99)  # "1.00" would claim a certainty naive Bayes never has
    return f"spam score {shown:.2f} ({CLASSIFIER_REASON})"
