"""Mail addresses, subscriptions, the people to tell about a comment, and signing keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from porch.domain.comments import CommentStatus
from porch.storage.schema import (
    accounts,
    comments,
    mail_addresses,
    mail_subscriptions,
    person_emails,
    signing_keys,
    site_roles,
    threads,
    webhooks,
)

_COMMENT_AUDIENCES = (
    select(comments.c.id, comments.c.parent_id, comments.c.status, comments.c.thread_id, threads.c.site_id)
    .join(threads, threads.c.id == comments.c.thread_id)
    .where(comments.c.id.in_(bindparam("comment_ids", expanding=True)))
)
# Built once: the outbox worker asks it of every new comment, and nearly always hears "nobody".
_ANYONE_TO_TELL = select(
    or_(
        exists().where(webhooks.c.site_id == bindparam("site_id")),
        exists().where(
            mail_subscriptions.c.topic.in_(bindparam("topics", expanding=True)),
            mail_subscriptions.c.active.is_(True),
            mail_subscriptions.c.frequency == "instant",
        ),
        exists().where(
            site_roles.c.site_id == bindparam("site_id"), site_roles.c.role.in_(bindparam("roles", expanding=True))
        ),
    )
)


@dataclass(frozen=True)
class Subscription:
    id: int
    email: str
    topic: str
    site_id: int
    frequency: str
    active: bool
    created_at: datetime
    last_digest_at: datetime | None


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        email=row.email,
        topic=row.topic,
        site_id=row.site_id,
        frequency=row.frequency,
        active=row.active,
        created_at=row.created_at,
        last_digest_at=row.last_digest_at,
    )


class NotificationRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def _insert(self, table: Any) -> Any:
        return (pg_insert if self._db.dialect.name == "postgresql" else sqlite_insert)(table)

    # addresses ------------------------------------------------------------------------------
    def note_address(self, email: str, now: datetime) -> None:
        self._db.execute(
            self._insert(mail_addresses)
            .values(email=email, created_at=now)
            .on_conflict_do_nothing(index_elements=["email"])
        )

    def confirm_address(self, email: str, now: datetime) -> None:
        self.note_address(email, now)
        self._db.execute(
            update(mail_addresses)
            .where(mail_addresses.c.email == email, mail_addresses.c.confirmed_at.is_(None))
            .values(confirmed_at=now)
        )

    def confirmed(self, emails: list[str]) -> set[str]:
        """Which of ``emails`` may receive notifications: confirmed by our mail, or verified
        as a signed-up person's address or account."""
        if not emails:
            return set()
        wanted = list(set(emails))
        found: set[str] = set()
        for query in (
            select(mail_addresses.c.email).where(
                mail_addresses.c.email.in_(wanted), mail_addresses.c.confirmed_at.is_not(None)
            ),
            select(person_emails.c.email).where(
                person_emails.c.email.in_(wanted), person_emails.c.verified_at.is_not(None)
            ),
            select(accounts.c.email).where(accounts.c.email.in_(wanted), accounts.c.email_verified_at.is_not(None)),
        ):
            found.update(self._db.execute(query).scalars())
        return found

    # subscriptions ---------------------------------------------------------------------------
    def subscribe(self, *, email: str, topic: str, site_id: int, frequency: str, now: datetime) -> None:
        """Turn ``topic`` on for ``email`` (again, if it had been turned off)."""
        statement = self._insert(mail_subscriptions).values(
            email=email, topic=topic, site_id=site_id, frequency=frequency, active=True, created_at=now
        )
        self._db.execute(
            statement.on_conflict_do_update(
                index_elements=["email", "topic"], set_={"active": True, "frequency": frequency}
            )
        )

    def turn_off(self, *, email: str, topic: str, site_id: int, now: datetime) -> None:
        """Unsubscribe; for topics that are on by default (owner, moderate) this records the opt-out."""
        statement = self._insert(mail_subscriptions).values(
            email=email, topic=topic, site_id=site_id, frequency="instant", active=False, created_at=now
        )
        self._db.execute(statement.on_conflict_do_update(index_elements=["email", "topic"], set_={"active": False}))

    def get_subscription(self, email: str, topic: str) -> Subscription | None:
        row = self._db.execute(
            select(mail_subscriptions).where(mail_subscriptions.c.email == email, mail_subscriptions.c.topic == topic)
        ).first()
        return _subscription(row) if row else None

    def comment_audiences(self, comment_ids: list[int]) -> dict[int, tuple[int | None, str, int, int]]:
        """Comment id → (parent id, status, thread id, site id): what decides who may hear of it."""
        rows = self._db.execute(_COMMENT_AUDIENCES, {"comment_ids": comment_ids})
        return {row.id: (row.parent_id, row.status, row.thread_id, row.site_id) for row in rows}

    def anyone_to_tell(self, site_id: int, *, topics: list[str], roles: list[str]) -> bool:
        """Whether the site has a webhook, an instant subscriber to one of ``topics`` or staff in one
        of ``roles``: when not, a comment event has nobody to tell (one query, no write turn)."""
        found = self._db.execute(_ANYONE_TO_TELL, {"site_id": site_id, "topics": topics, "roles": roles}).scalar()
        return bool(found)

    def subscribers(self, topic: str, *, frequency: str = "instant") -> list[str]:
        return list(
            self._db.execute(
                select(mail_subscriptions.c.email)
                .where(
                    mail_subscriptions.c.topic == topic,
                    mail_subscriptions.c.active.is_(True),
                    mail_subscriptions.c.frequency == frequency,
                )
                .order_by(mail_subscriptions.c.id)
            ).scalars()
        )

    def opted_out(self, topic: str) -> set[str]:
        rows = self._db.execute(
            select(mail_subscriptions.c.email).where(
                mail_subscriptions.c.topic == topic, mail_subscriptions.c.active.is_(False)
            )
        )
        return set(rows.scalars())

    def due_digests(self, now: datetime, periods: dict[str, Any]) -> list[Subscription]:
        """Active daily/weekly subscriptions whose last digest (or start) is a period old."""
        clauses = [
            and_(
                mail_subscriptions.c.frequency == frequency,
                or_(
                    mail_subscriptions.c.last_digest_at <= now - period,
                    and_(
                        mail_subscriptions.c.last_digest_at.is_(None), mail_subscriptions.c.created_at <= now - period
                    ),
                ),
            )
            for frequency, period in periods.items()
        ]
        rows = self._db.execute(
            select(mail_subscriptions)
            .where(mail_subscriptions.c.active.is_(True), or_(*clauses))
            .order_by(mail_subscriptions.c.id)
        )
        return [_subscription(row) for row in rows]

    def mark_digest_sent(self, subscription_id: int, now: datetime) -> None:
        self._db.execute(
            update(mail_subscriptions).where(mail_subscriptions.c.id == subscription_id).values(last_digest_at=now)
        )

    # who to tell -----------------------------------------------------------------------------
    def site_staff(self, site_id: int, roles: tuple[str, ...]) -> list[tuple[int, str]]:
        """(account id, verified address) of the accounts holding one of ``roles`` on the site."""
        rows = self._db.execute(
            select(accounts.c.id, accounts.c.email)
            .join(site_roles, site_roles.c.account_id == accounts.c.id)
            .where(
                site_roles.c.site_id == site_id,
                site_roles.c.role.in_(roles),
                accounts.c.email_verified_at.is_not(None),
            )
            .order_by(accounts.c.id)
        )
        return [(row.id, row.email) for row in rows]

    def emails_of_person(self, person_id: int | None) -> set[str]:
        if person_id is None:
            return set()
        found = set(
            self._db.execute(select(person_emails.c.email).where(person_emails.c.person_id == person_id)).scalars()
        )
        found.update(self._db.execute(select(accounts.c.email).where(accounts.c.person_id == person_id)).scalars())
        return found

    def published_since(
        self, *, site_id: int, thread_id: int | None, since: datetime, until: datetime, limit: int = 200
    ) -> list[Any]:
        """Published comments (with their thread's title and URL) for a digest."""
        query = (
            select(
                comments.c.id,
                comments.c.author_name,
                comments.c.body_source,
                comments.c.created_at,
                threads.c.title,
                threads.c.uri,
            )
            .join(threads, threads.c.id == comments.c.thread_id)
            .where(
                threads.c.site_id == site_id,
                comments.c.status == CommentStatus.PUBLISHED.value,
                comments.c.created_at > since,
                comments.c.created_at <= until,
            )
            .order_by(comments.c.created_at, comments.c.id)
            .limit(limit)
        )
        if thread_id is not None:
            query = query.where(comments.c.thread_id == thread_id)
        return list(self._db.execute(query))

    # signing keys ------------------------------------------------------------------------------
    def signing_key(self, name: str, now: datetime) -> str:
        """The installation's secret called ``name``, made on first use (concurrent first uses agree)."""
        self._db.execute(
            self._insert(signing_keys)
            .values(name=name, secret=secrets.token_urlsafe(48), created_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        secret: str = self._db.execute(select(signing_keys.c.secret).where(signing_keys.c.name == name)).scalar_one()
        return secret
