"""Bans (a person, an email, an IP range) and word lists: what a site refuses or holds."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from porch.domain.people import EMAIL_PATTERN, normalise_email
from porch.errors import ErrorList, Forbidden, InvalidInput

MAX_NOTE_LENGTH = 500
MAX_WORD_LENGTH = 100


class BanKind(StrEnum):
    PERSON = "person"  # value: the person's id
    EMAIL = "email"  # value: a normalised address
    IP = "ip"  # value: a network, e.g. 203.0.113.0/24 or a single address


@dataclass(frozen=True)
class Ban:
    id: int
    site_id: int
    kind: BanKind
    value: str
    expires_at: datetime | None
    note: str
    created_at: datetime
    created_by: int | None = None  # the account that banned

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True)
class Visitor:
    """What a ban can match a commenter on."""

    person_id: int | None
    emails: tuple[str, ...]
    remote_addr: str | None


def check_ban_value(kind: str, value: str, errors: ErrorList) -> tuple[BanKind, str]:
    """Validate and normalise what a ban names; bad input is reported on ``kind``/``value``."""
    try:
        ban_kind = BanKind(kind)
    except ValueError:
        errors.add("kind", "one of person, email, ip")
        return BanKind.PERSON, value
    value = value.strip()
    if ban_kind == BanKind.PERSON:
        if not value.isdigit():
            errors.add("value", "a person's number")
        return ban_kind, value
    if ban_kind == BanKind.EMAIL:
        if not EMAIL_PATTERN.match(value):
            errors.add("value", "is not an email address")
        return ban_kind, normalise_email(value)
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        errors.add("value", "an IP address or range, e.g. 203.0.113.7 or 203.0.113.0/24")
        return ban_kind, value
    if network.num_addresses > 2 ** (32 - 8 if network.version == 4 else 128 - 32):
        errors.add("value", "that range is too wide (at most a /8 for IPv4, a /32 for IPv6)")
    return ban_kind, str(network)


def check_note(note: str | None) -> str:
    text = " ".join((note or "").split())
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"note: at most {MAX_NOTE_LENGTH} characters", code="too_long")
    return text


def ban_matches(ban: Ban, visitor: Visitor) -> bool:
    """Whether ``ban`` applies to ``visitor`` (expiry is checked by the caller, who knows ``now``)."""
    if ban.kind == BanKind.PERSON:
        return visitor.person_id is not None and str(visitor.person_id) == ban.value
    if ban.kind == BanKind.EMAIL:
        return ban.value in visitor.emails
    if not visitor.remote_addr:
        return False
    try:
        return ipaddress.ip_address(visitor.remote_addr) in ipaddress.ip_network(ban.value, strict=False)
    except ValueError:  # a test client's "testclient", or a malformed proxy header: matches no range
        return False


def check_not_banned(bans: list[Ban], visitor: Visitor, *, site_name: str, now: datetime) -> None:
    """Refuse a banned visitor, clearly: what is banned and until when (the moderator's note stays private)."""
    for ban in bans:
        if ban.active(now) and ban_matches(ban, visitor):
            until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
            what = {"person": "you are", "email": "this email address is", "ip": "your network is"}[ban.kind]
            raise Forbidden(f"{what} banned from commenting on {site_name}{until}", code="banned")


# --- word lists ------------------------------------------------------------------------------


class WordAction(StrEnum):
    BLOCK = "block"  # refuse the comment
    HOLD = "hold"  # send it to the queue


@dataclass(frozen=True)
class WordRule:
    id: int
    site_id: int
    word: str
    action: WordAction


def check_word(word: str) -> str:
    clean = " ".join(word.split()).casefold()
    if not clean:
        raise InvalidInput("word: empty", code="invalid_word")
    if len(clean) > MAX_WORD_LENGTH:
        raise InvalidInput(f"word: at most {MAX_WORD_LENGTH} characters", code="too_long")
    return clean


def matching_words(rules: list[WordRule], text: str, action: WordAction) -> list[str]:
    """The listed words (whole words or phrases, any case) that occur in ``text``."""
    folded = text.casefold()
    return [
        rule.word
        for rule in rules
        if rule.action == action and re.search(r"(?<!\w)" + re.escape(rule.word) + r"(?!\w)", folded)
    ]
