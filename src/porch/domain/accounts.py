"""Accounts: a person who can sign in, by password or by an emailed link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from porch.domain.people import EMAIL_PATTERN, MAX_EMAIL_LENGTH, normalise_email
from porch.errors import ErrorList

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 would hash more, but nobody types it; a cap stops hash-flooding
SESSION_LIFETIME = timedelta(days=30)
MAGIC_LINK_LIFETIME = timedelta(minutes=20)
VERIFY_LINK_LIFETIME = timedelta(days=3)


@dataclass(frozen=True)
class Account:
    id: int
    person_id: int
    email: str
    email_verified_at: datetime | None
    is_admin: bool
    created_at: datetime
    has_password: bool = True

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


def check_account_email(email: str, errors: ErrorList) -> str:
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH:
        errors.add("email", f"at most {MAX_EMAIL_LENGTH} characters")
    elif not EMAIL_PATTERN.match(email):
        errors.add("email", "is not an email address (expected name@domain.example)")
    return normalise_email(email)


def check_new_password(password: str, errors: ErrorList) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.add("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    elif len(password) > MAX_PASSWORD_LENGTH:
        errors.add("password", f"at most {MAX_PASSWORD_LENGTH} characters")
    return password
