"""Moderation's SQL: status changes, the queue, reports, trust, bans, word lists, pins, the audit log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from porch.domain.bans import Ban, BanKind, WordAction, WordRule
from porch.domain.comments import Comment, CommentStatus
from porch.storage.prepared import Prepared
from porch.storage.repositories.comments import _COMMENT_COLUMNS, _comment
from porch.storage.schema import (
    accounts,
    bans,
    comment_pins,
    comment_reports,
    comment_revisions,
    comment_screenings,
    comments,
    moderation_log,
    person_emails,
    sites,
    threads,
    trusted_people,
    word_rules,
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    site_id: int
    account_email: str | None  # None: the command line
    action: str
    comment_id: int | None
    subject: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


@dataclass(frozen=True)
class Screening:
    thread_id: int
    person_id: int | None
    fingerprint: str
    outcome: str
    reasons: list[str]
    created_at: datetime


@dataclass(frozen=True)
class ThreadTitle:
    id: int
    uri: str
    title: str
    closed: bool


def _ban(row: Any) -> Ban:
    return Ban(
        id=row.id,
        site_id=row.site_id,
        kind=BanKind(row.kind),
        value=row.value,
        expires_at=row.expires_at,
        note=row.note,
        created_at=row.created_at,
        created_by=row.created_by,
    )


class ModerationRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    # comments -------------------------------------------------------------------------------
    def set_status(self, comment_id: int, status: CommentStatus) -> None:
        self._db.execute(update(comments).where(comments.c.id == comment_id).values(status=status.value))

    def comments_on_site(self, site_id: int, ids: list[int]) -> list[Comment]:
        """The comments among ``ids`` that belong to ``site_id`` (others are silently not there)."""
        rows = self._db.execute(
            select(*_COMMENT_COLUMNS)
            .join(threads, threads.c.id == comments.c.thread_id)
            .where(comments.c.id.in_(ids), threads.c.site_id == site_id)
        )
        return [_comment(row) for row in rows]

    def site_of_comment(self, comment_id: int) -> int | None:
        return self._db.execute(
            select(threads.c.site_id)
            .join(comments, comments.c.thread_id == threads.c.id)
            .where(comments.c.id == comment_id)
        ).scalar()

    def pending(self, site_id: int, limit: int) -> list[Comment]:
        rows = self._db.execute(
            select(*_COMMENT_COLUMNS)
            .join(threads, threads.c.id == comments.c.thread_id)
            .where(threads.c.site_id == site_id, comments.c.status == CommentStatus.PENDING.value)
            .order_by(comments.c.created_at, comments.c.id)
            .limit(limit)
        )
        return [_comment(row) for row in rows]

    def count_pending(self, site_id: int) -> int:
        return int(
            self._db.execute(
                select(func.count())
                .select_from(comments.join(threads, threads.c.id == comments.c.thread_id))
                .where(threads.c.site_id == site_id, comments.c.status == CommentStatus.PENDING.value)
            ).scalar()
            or 0
        )

    def search(
        self, site_id: int, text: str | None, status: str | None, person_id: int | None, limit: int
    ) -> list[Comment]:
        query = (
            select(*_COMMENT_COLUMNS)
            .join(threads, threads.c.id == comments.c.thread_id)
            .where(threads.c.site_id == site_id)
        )
        if text:
            # LIKE with the user's text escaped: % and _ are searched for, not wildcards.
            escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            query = query.where(
                or_(
                    func.lower(comments.c.body_source).like(pattern, escape="\\"),
                    func.lower(comments.c.author_name).like(pattern, escape="\\"),
                )
            )
        if status:
            query = query.where(comments.c.status == status)
        if person_id is not None:
            query = query.where(comments.c.person_id == person_id)
        rows = self._db.execute(query.order_by(comments.c.created_at.desc(), comments.c.id.desc()).limit(limit))
        return [_comment(row) for row in rows]

    def bump_spam_model_version(self, site_id: int) -> None:
        self._db.execute(
            update(sites).where(sites.c.id == site_id).values(spam_model_version=sites.c.spam_model_version + 1)
        )

    def labelled_texts(self, site_id: int, limit: int) -> list[tuple[str, bool]]:
        """The site's latest comments judged spam (True) or published (False), for the classifier."""
        found: list[tuple[str, bool]] = []
        for status, is_spam in ((CommentStatus.SPAM, True), (CommentStatus.PUBLISHED, False)):
            rows = self._db.execute(
                select(comments.c.body_source)
                .join(threads, threads.c.id == comments.c.thread_id)
                .where(threads.c.site_id == site_id, comments.c.status == status.value)
                .order_by(comments.c.id.desc())
                .limit(limit)
            )
            found.extend((row.body_source, is_spam) for row in rows)
        return found

    def remote_addrs(self, ids: list[int]) -> dict[int, str | None]:
        rows = self._db.execute(select(comments.c.id, comments.c.remote_addr).where(comments.c.id.in_(ids)))
        return {row.id: row.remote_addr for row in rows}

    def threads_by_id(self, ids: set[int]) -> dict[int, ThreadTitle]:
        rows = self._db.execute(
            select(threads.c.id, threads.c.uri, threads.c.title, threads.c.closed).where(threads.c.id.in_(ids))
        )
        return {row.id: ThreadTitle(row.id, row.uri, row.title, row.closed) for row in rows}

    def people_with_published(self, site_id: int, person_ids: set[int]) -> set[int]:
        rows = self._db.execute(
            select(comments.c.person_id)
            .join(threads, threads.c.id == comments.c.thread_id)
            .where(
                threads.c.site_id == site_id,
                comments.c.person_id.in_(person_ids),
                comments.c.status == CommentStatus.PUBLISHED.value,
            )
            .distinct()
        )
        return {row.person_id for row in rows}

    def set_thread_closed(self, thread_id: int, closed: bool) -> None:
        self._db.execute(update(threads).where(threads.c.id == thread_id).values(closed=closed))

    # revisions ------------------------------------------------------------------------------
    def add_revision(self, comment_id: int, body_source: str, edited_by: int | None, now: datetime) -> None:
        self._db.execute(
            insert(comment_revisions).values(
                comment_id=comment_id, body_source=body_source, edited_by=edited_by, created_at=now
            )
        )

    def revisions(self, comment_id: int) -> list[tuple[str, datetime]]:
        rows = self._db.execute(
            select(comment_revisions.c.body_source, comment_revisions.c.created_at)
            .where(comment_revisions.c.comment_id == comment_id)
            .order_by(comment_revisions.c.id)
        )
        return [(row.body_source, row.created_at) for row in rows]

    # reports --------------------------------------------------------------------------------
    def add_report(self, comment_id: int, reporter_key: str, reason: str, now: datetime) -> bool:
        """Record a report; False when this reporter had already reported the comment."""
        try:
            with self._db.begin_nested():
                self._db.execute(
                    insert(comment_reports).values(
                        comment_id=comment_id, reporter_key=reporter_key, reason=reason, created_at=now
                    )
                )
        except IntegrityError:
            return False
        return True

    def report_count(self, comment_id: int) -> int:
        return int(
            self._db.execute(
                select(func.count()).select_from(comment_reports).where(comment_reports.c.comment_id == comment_id)
            ).scalar()
            or 0
        )

    def reports_for(self, ids: list[int]) -> dict[int, list[str]]:
        rows = self._db.execute(
            select(comment_reports.c.comment_id, comment_reports.c.reason)
            .where(comment_reports.c.comment_id.in_(ids))
            .order_by(comment_reports.c.id)
        )
        found: dict[int, list[str]] = defaultdict(list)
        for row in rows:
            found[row.comment_id].append(row.reason)
        return found

    def clear_reports(self, comment_id: int) -> None:
        self._db.execute(delete(comment_reports).where(comment_reports.c.comment_id == comment_id))

    # trust ----------------------------------------------------------------------------------
    def trust(self, site_id: int, person_id: int, account_id: int | None, now: datetime) -> None:
        if self.is_trusted(site_id, person_id):
            return
        self._db.execute(
            insert(trusted_people).values(site_id=site_id, person_id=person_id, trusted_by=account_id, created_at=now)
        )

    def is_trusted(self, site_id: int, person_id: int) -> bool:
        return _IS_TRUSTED.first(self._db, {"site_id": site_id, "person_id": person_id}) is not None

    # bans -----------------------------------------------------------------------------------
    def add_ban(
        self,
        *,
        site_id: int,
        kind: BanKind,
        value: str,
        expires_at: datetime | None,
        note: str,
        created_by: int | None,
        now: datetime,
    ) -> Ban:
        row = self._db.execute(
            insert(bans)
            .values(
                site_id=site_id,
                kind=kind.value,
                value=value,
                expires_at=expires_at,
                note=note,
                created_by=created_by,
                created_at=now,
            )
            .returning(*bans.c)
        ).one()
        return _ban(row)

    def bans(self, site_id: int) -> list[Ban]:
        rows = self._db.execute(select(bans).where(bans.c.site_id == site_id).order_by(bans.c.id.desc()))
        return [_ban(row) for row in rows]

    def active_bans(self, site_id: int, now: datetime) -> list[Ban]:
        rows = _ACTIVE_BANS.all(self._db, {"site_id": site_id, "now": now})
        return [_ban(row) for row in rows]

    def get_ban(self, ban_id: int) -> Ban | None:
        row = self._db.execute(select(bans).where(bans.c.id == ban_id)).first()
        return _ban(row) if row else None

    def delete_ban(self, ban_id: int) -> None:
        self._db.execute(delete(bans).where(bans.c.id == ban_id))

    def emails_of(self, person_id: int) -> tuple[str, ...]:
        rows = _EMAILS_OF.all(self._db, {"person_id": person_id})
        return tuple(row.email for row in rows)

    # word lists -----------------------------------------------------------------------------
    def word_rules(self, site_id: int) -> list[WordRule]:
        rows = _WORD_RULES.all(self._db, {"site_id": site_id})
        return [WordRule(row.id, row.site_id, row.word, WordAction(row.action)) for row in rows]

    def set_word_rule(self, site_id: int, word: str, action: WordAction, now: datetime) -> None:
        self._db.execute(delete(word_rules).where(word_rules.c.site_id == site_id, word_rules.c.word == word))
        self._db.execute(insert(word_rules).values(site_id=site_id, word=word, action=action.value, created_at=now))

    def delete_word_rule(self, site_id: int, word: str) -> bool:
        result = self._db.execute(delete(word_rules).where(word_rules.c.site_id == site_id, word_rules.c.word == word))
        return bool(result.rowcount)

    # pins -----------------------------------------------------------------------------------
    def pin(self, comment_id: int, thread_id: int, account_id: int | None, now: datetime) -> None:
        """Record who pinned it (``comment_pins``) and mark the comment row, which readers see (and
        whose UPDATE moves ``threads.version``, so prepared thread pages change at once)."""
        if not self.is_pinned(comment_id):
            self._db.execute(
                insert(comment_pins).values(
                    comment_id=comment_id, thread_id=thread_id, pinned_by=account_id, created_at=now
                )
            )
            self._db.execute(update(comments).where(comments.c.id == comment_id).values(pinned_at=now))

    def unpin(self, comment_id: int) -> None:
        self._db.execute(delete(comment_pins).where(comment_pins.c.comment_id == comment_id))
        pinned = comments.c.pinned_at.is_not(None)
        self._db.execute(update(comments).where(comments.c.id == comment_id, pinned).values(pinned_at=None))

    def is_pinned(self, comment_id: int) -> bool:
        found = self._db.execute(select(comment_pins.c.comment_id).where(comment_pins.c.comment_id == comment_id))
        return found.first() is not None

    def pinned_in_thread(self, thread_id: int) -> list[int]:
        rows = self._db.execute(
            select(comment_pins.c.comment_id)
            .where(comment_pins.c.thread_id == thread_id)
            .order_by(comment_pins.c.created_at)
        )
        return [row.comment_id for row in rows]

    # screenings (the anti-abuse pipeline's memory) ------------------------------------------
    def add_screening(
        self,
        *,
        site_id: int,
        thread_id: int,
        person_id: int | None,
        fingerprint: str,
        remote_addr: str | None,
        outcome: str,
        reasons: list[str],
        now: datetime,
    ) -> None:
        _ADD_SCREENING.run(
            self._db,
            {"s_site_id": site_id, "s_thread_id": thread_id, "s_person_id": person_id, "s_fingerprint": fingerprint,
             "s_remote_addr": remote_addr, "s_outcome": outcome, "s_reasons": reasons, "now": now},
        )  # fmt: skip

    def same_text_since(self, site_id: int, fingerprint: str, since: datetime) -> list[Screening]:
        rows = _SAME_TEXT_SINCE.all(self._db, {"site_id": site_id, "fingerprint": fingerprint, "since": since})
        return [
            Screening(row.thread_id, row.person_id, row.fingerprint, row.outcome, list(row.reasons), row.created_at)
            for row in rows
        ]

    def screenings_for(self, site_id: int, fingerprints: set[str]) -> list[Screening]:
        rows = self._db.execute(
            select(comment_screenings).where(
                comment_screenings.c.site_id == site_id, comment_screenings.c.fingerprint.in_(fingerprints)
            )
        )
        return [
            Screening(row.thread_id, row.person_id, row.fingerprint, row.outcome, list(row.reasons), row.created_at)
            for row in rows
        ]

    # the audit log --------------------------------------------------------------------------
    def log(
        self,
        *,
        site_id: int,
        account_id: int | None,
        action: str,
        now: datetime,
        comment_id: int | None = None,
        subject: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self._db.execute(
            insert(moderation_log).values(
                site_id=site_id,
                account_id=account_id,
                action=action,
                comment_id=comment_id,
                subject=subject,
                before=before,
                after=after,
                created_at=now,
            )
        )

    def audit_log(self, site_id: int, *, before_id: int | None, limit: int) -> list[AuditEntry]:
        query = (
            select(moderation_log, accounts.c.email)
            .outerjoin(accounts, accounts.c.id == moderation_log.c.account_id)
            .where(moderation_log.c.site_id == site_id)
        )
        if before_id is not None:
            query = query.where(moderation_log.c.id < before_id)
        rows = self._db.execute(query.order_by(moderation_log.c.id.desc()).limit(limit))
        return [
            AuditEntry(
                id=row.id,
                site_id=row.site_id,
                account_email=row.email,
                action=row.action,
                comment_id=row.comment_id,
                subject=row.subject,
                before=row.before,
                after=row.after,
                created_at=row.created_at,
            )
            for row in rows
        ]


# The screening pipeline's reads run on every post, inside the write turn: built once, with bind
# parameters, instead of building (and cache-keying) a new statement each time.
_ADD_SCREENING = Prepared(insert(comment_screenings).values(
    site_id=bindparam("s_site_id"), thread_id=bindparam("s_thread_id"), person_id=bindparam("s_person_id"),
    fingerprint=bindparam("s_fingerprint"), remote_addr=bindparam("s_remote_addr"), outcome=bindparam("s_outcome"),
    reasons=bindparam("s_reasons"), created_at=bindparam("now"),
))  # fmt: skip
_IS_TRUSTED = Prepared(
    select(trusted_people.c.person_id).where(
        trusted_people.c.site_id == bindparam("site_id"), trusted_people.c.person_id == bindparam("person_id")
    )
)
_ACTIVE_BANS = Prepared(
    select(bans).where(
        bans.c.site_id == bindparam("site_id"),
        or_(bans.c.expires_at.is_(None), bans.c.expires_at > bindparam("now")),
    )
)
_EMAILS_OF = Prepared(select(person_emails.c.email).where(person_emails.c.person_id == bindparam("person_id")))
_WORD_RULES = Prepared(
    select(word_rules).where(word_rules.c.site_id == bindparam("site_id")).order_by(word_rules.c.word)
)
_SAME_TEXT_SINCE = Prepared(
    select(comment_screenings).where(
        comment_screenings.c.site_id == bindparam("site_id"),
        comment_screenings.c.fingerprint == bindparam("fingerprint"),
        comment_screenings.c.created_at >= bindparam("since"),
    )
)
