"""People: one person across all sites. Anonymous commenters are people too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from porch.errors import ErrorList

MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254
MAX_WEBSITE_LENGTH = 500
# Deliberately loose: the only real check of an address is a mail that arrives.
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
SCHEME_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _is_web_address(url: str) -> bool:
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:  # "http://[a]": an unclosed or invalid IPv6 literal
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class Person:
    id: int
    display_name: str
    website: str | None
    avatar_url: str | None
    created_at: datetime


@dataclass(frozen=True)
class AuthorInput:
    """What an anonymous commenter typed, checked and normalised."""

    name: str
    email: str | None
    website: str | None


def normalise_email(email: str) -> str:
    # RFC 5321 lets the local part be case-sensitive; no mail system in use is, and people
    # type their address in any case. One address, one person.
    return email.strip().lower()


def check_author(
    name: str | None, email: str | None, website: str | None, *, require_name: bool, errors: ErrorList
) -> AuthorInput:
    """Validate the author fields of an anonymous comment, collecting every problem in ``errors``."""
    clean_name = " ".join((name or "").split())
    if any(ord(ch) < 32 for ch in (name or "") if ch not in "\t\n\r "):
        errors.add("author.name", "must not contain control characters")
    if len(clean_name) > MAX_NAME_LENGTH:
        errors.add("author.name", f"at most {MAX_NAME_LENGTH} characters")
    if require_name and not clean_name:
        errors.add("author.name", "this site asks for a name")
    clean_email = (email or "").strip() or None
    if clean_email is not None:
        if len(clean_email) > MAX_EMAIL_LENGTH:
            errors.add("author.email", f"at most {MAX_EMAIL_LENGTH} characters")
        elif not EMAIL_PATTERN.match(clean_email):
            errors.add("author.email", "is not an email address (expected name@domain.example)")
        else:
            clean_email = normalise_email(clean_email)
    clean_website = (website or "").strip() or None
    if clean_website is not None:
        if len(clean_website) > MAX_WEBSITE_LENGTH:
            errors.add("author.website", f"at most {MAX_WEBSITE_LENGTH} characters")
        else:
            if not SCHEME_PATTERN.match(clean_website):
                clean_website = "https://" + clean_website  # "example.org" means the web site
            if not _is_web_address(clean_website):
                errors.add("author.website", "must be an http(s) address, e.g. https://example.org")
    return AuthorInput(name=clean_name or "Anonymous", email=clean_email, website=clean_website)
