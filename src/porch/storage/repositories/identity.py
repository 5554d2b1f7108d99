"""SQL for a person's identities and public profile: claims of anonymous history, profiles, extra emails."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from porch.domain.comments import CommentStatus
from porch.storage.repositories.inbox import upsert
from porch.storage.schema import (
    comments,
    identity_email_claims,
    person_emails,
    person_profiles,
    sites,
    threads,
    votes,
)

PUBLISHED = CommentStatus.PUBLISHED.value


class IdentityRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    # claiming anonymous history -----------------------------------------------------------------
    def reassign_person(self, from_person: int, to_person: int) -> int:
        """Move every comment and vote of ``from_person`` to ``to_person``; the number of comments moved."""
        moved = self._db.execute(
            update(comments).where(comments.c.person_id == from_person).values(person_id=to_person)
        ).rowcount
        # A comment both had voted on keeps the account's own vote (one vote per person).
        self._db.execute(
            delete(votes).where(
                votes.c.person_id == from_person,
                votes.c.comment_id.in_(select(votes.c.comment_id).where(votes.c.person_id == to_person)),
            )
        )
        # Votes on one's own (now claimed) comments would break "no voting on your own comment";
        # they are left as cast: the tallies on the comments already count them.
        self._db.execute(update(votes).where(votes.c.person_id == from_person).values(person_id=to_person))
        return int(moved or 0)

    def unverified_emails_of(self, person_id: int) -> list[str]:
        rows = self._db.execute(
            select(person_emails.c.email).where(
                person_emails.c.person_id == person_id, person_emails.c.verified_at.is_(None)
            )
        )
        return [r.email for r in rows]

    def verified_emails_of(self, person_id: int) -> list[str]:
        rows = self._db.execute(
            select(person_emails.c.email)
            .where(person_emails.c.person_id == person_id, person_emails.c.verified_at.is_not(None))
            .order_by(person_emails.c.id)
        )
        return [r.email for r in rows]

    # extra addresses: the mailed claim links -----------------------------------------------------
    def add_claim(self, *, token_hash: str, account_id: int, email: str, now: datetime, expires_at: datetime) -> None:
        self._db.execute(
            insert(identity_email_claims).values(
                token_hash=token_hash, account_id=account_id, email=email, created_at=now, expires_at=expires_at
            )
        )

    def use_claim(self, token_hash: str, now: datetime) -> tuple[int, str] | None:
        """Spend a claim token atomically: (account id, email) if it was valid and unused."""
        row = self._db.execute(
            update(identity_email_claims)
            .where(
                identity_email_claims.c.token_hash == token_hash,
                identity_email_claims.c.used_at.is_(None),
                identity_email_claims.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(identity_email_claims.c.account_id, identity_email_claims.c.email)
        ).first()
        return (row.account_id, row.email) if row else None

    # profiles -----------------------------------------------------------------------------------
    def profile(self, person_id: int) -> Any:
        return self._db.execute(select(person_profiles).where(person_profiles.c.person_id == person_id)).first()

    def save_profile(self, person_id: int, *, fediverse_handle: str | None, hidden: bool, now: datetime) -> None:
        upsert(
            self._db,
            person_profiles,
            {"person_id": person_id, "fediverse_handle": fediverse_handle, "profile_hidden": hidden, "updated_at": now},
            ["person_id"],
            {"fediverse_handle": fediverse_handle, "profile_hidden": hidden, "updated_at": now},
        )

    def set_feed_token(self, person_id: int, token_hash: str, now: datetime) -> None:
        if self.profile(person_id) is None:
            self.save_profile(person_id, fediverse_handle=None, hidden=False, now=now)
        self._db.execute(
            update(person_profiles).where(person_profiles.c.person_id == person_id).values(feed_token_hash=token_hash)
        )

    def person_for_feed_token(self, token_hash: str) -> int | None:
        return self._db.execute(
            select(person_profiles.c.person_id).where(person_profiles.c.feed_token_hash == token_hash)
        ).scalar()

    def recent_public_comments(self, person_id: int, limit: int) -> list[Any]:
        return list(
            self._db.execute(
                select(
                    comments.c.id,
                    comments.c.body_html,
                    comments.c.created_at,
                    threads.c.uri,
                    threads.c.title,
                    sites.c.name.label("site_name"),
                    sites.c.origins,
                )
                .join(threads, threads.c.id == comments.c.thread_id)
                .join(sites, sites.c.id == threads.c.site_id)
                .where(comments.c.person_id == person_id, comments.c.status == PUBLISHED)
                .order_by(comments.c.created_at.desc(), comments.c.id.desc())
                .limit(limit)
            )
        )

    def regular_sites(self, person_id: int, at_least: int) -> list[Any]:
        """Sites where the person has written at least ``at_least`` published comments, busiest first."""
        count = func.count(comments.c.id).label("comments")
        return list(
            self._db.execute(
                select(sites.c.id, sites.c.name, sites.c.origins, count)
                .select_from(comments)
                .join(threads, and_(threads.c.id == comments.c.thread_id))
                .join(sites, sites.c.id == threads.c.site_id)
                .where(comments.c.person_id == person_id, comments.c.status == PUBLISHED)
                .group_by(sites.c.id, sites.c.name)  # origins: functionally dependent on the key
                .having(count >= at_least)
                .order_by(count.desc(), sites.c.name)
            )
        )
