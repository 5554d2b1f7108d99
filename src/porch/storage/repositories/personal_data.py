"""Everything Porch stores about one person: read out (a data download) or erased (account deletion).

The two lists below are kept side by side on purpose: a table that holds something about a person
belongs in both. tests/integration/test_self_service.py checks every table with a ``person_id`` or
``account_id`` column is covered by one of them (or said not to hold anything personal).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, or_, select, update

from porch.domain.comments import CommentStatus
from porch.storage.schema import (
    accounts,
    comment_mentions,
    comment_reports,
    comment_revisions,
    comment_screenings,
    comments,
    email_tokens,
    feed_conversation_reads,
    identity_email_claims,
    inbox_conversations,
    inbox_feed_subscriptions,
    inbox_feeds,
    inbox_follows,
    inbox_reads,
    mail_addresses,
    mail_subscriptions,
    moderation_log,
    people,
    person_emails,
    person_profiles,
    sessions,
    site_roles,
    sites,
    threads,
    trusted_people,
    votes,
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _rows(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [
        {key: _iso(value) if isinstance(value, datetime) else value for key, value in row._mapping.items()}
        for row in connection.execute(query)
    ]


class PersonalDataRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def emails_of(self, person_id: int, account_email: str) -> list[str]:
        rows = self._db.execute(select(person_emails.c.email).where(person_emails.c.person_id == person_id))
        return sorted({account_email, *(row.email for row in rows)})

    def export(self, person_id: int, account_id: int, account_email: str) -> dict[str, Any]:
        """Every row about the person, as plain JSON values (a few queries, one per kind of thing)."""
        db = self._db
        emails = self.emails_of(person_id, account_email)
        account = _rows(
            db,
            select(accounts.c.id, accounts.c.email, accounts.c.email_verified_at, accounts.c.is_admin,
                   accounts.c.created_at).where(accounts.c.id == account_id),
        )  # fmt: skip
        person = _rows(
            db,
            select(people.c.id, people.c.display_name, people.c.website, people.c.avatar_url, people.c.created_at)
            .where(people.c.id == person_id),
        )  # fmt: skip
        return {
            "account": account[0] if account else None,
            "person": person[0] if person else None,
            "profile": next(iter(_rows(db, select(
                person_profiles.c.fediverse_handle, person_profiles.c.profile_hidden, person_profiles.c.updated_at,
            ).where(person_profiles.c.person_id == person_id))), None),
            "identities": _rows(db, select(person_emails.c.email, person_emails.c.verified_at)
                                .where(person_emails.c.person_id == person_id).order_by(person_emails.c.email)),
            "site_roles": _rows(db, select(sites.c.key.label("site"), site_roles.c.role)
                                .join(sites, sites.c.id == site_roles.c.site_id)
                                .where(site_roles.c.account_id == account_id)),
            "sessions": _rows(db, select(sessions.c.created_at, sessions.c.expires_at)
                              .where(sessions.c.account_id == account_id).order_by(sessions.c.created_at)),
            "comments": _rows(db, select(
                comments.c.id, sites.c.key.label("site"), threads.c.uri.label("page"), comments.c.parent_id,
                comments.c.status, comments.c.author_name, comments.c.author_website, comments.c.body_source,
                comments.c.body_html, comments.c.created_at, comments.c.edited_at, comments.c.upvotes,
                comments.c.downvotes, comments.c.remote_addr,
            ).join(threads, threads.c.id == comments.c.thread_id).join(sites, sites.c.id == threads.c.site_id)
              .where(comments.c.person_id == person_id).order_by(comments.c.id)),
            "votes": _rows(db, select(votes.c.comment_id, votes.c.value, votes.c.updated_at)
                           .where(votes.c.person_id == person_id).order_by(votes.c.comment_id)),
            "follows": _rows(db, select(inbox_follows.c.target_kind, inbox_follows.c.target_id, inbox_follows.c.state,
                                        inbox_follows.c.created_at).where(inbox_follows.c.person_id == person_id)),
            "feed_subscriptions": _rows(db, select(inbox_feeds.c.url, inbox_feed_subscriptions.c.created_at)
                                        .join(inbox_feeds, inbox_feeds.c.id == inbox_feed_subscriptions.c.feed_id)
                                        .where(inbox_feed_subscriptions.c.person_id == person_id)),
            "mail_subscriptions": _rows(db, select(mail_subscriptions.c.email, mail_subscriptions.c.topic,
                                                   mail_subscriptions.c.frequency, mail_subscriptions.c.active,
                                                   mail_subscriptions.c.created_at)
                                        .where(mail_subscriptions.c.email.in_(emails))),
            "trusted_on": _rows(db, select(sites.c.key.label("site"), trusted_people.c.created_at)
                                .join(sites, sites.c.id == trusted_people.c.site_id)
                                .where(trusted_people.c.person_id == person_id)),
            "read_markers": _rows(db, select(inbox_reads.c.thread_id, inbox_reads.c.last_read_comment_id,
                                             inbox_reads.c.read_at).where(inbox_reads.c.person_id == person_id)),
            "feed_read_markers": _rows(db, select(feed_conversation_reads.c.conversation_id,
                                                  feed_conversation_reads.c.last_read_item_id,
                                                  feed_conversation_reads.c.read_at)
                                       .where(feed_conversation_reads.c.person_id == person_id)),
            # Derived from the rest (services/inbox_index.py), exported because it says what the inbox showed.
            "inbox_conversations": _rows(db, select(inbox_conversations.c.thread_id,
                                                    inbox_conversations.c.last_activity_at,
                                                    inbox_conversations.c.participant, inbox_conversations.c.follower,
                                                    inbox_conversations.c.replied_to, inbox_conversations.c.mentioned,
                                                    inbox_conversations.c.via_person, inbox_conversations.c.muted)
                                         .where(inbox_conversations.c.person_id == person_id)
                                         .order_by(inbox_conversations.c.thread_id)),
        }  # fmt: skip

    def erase(self, person_id: int, account_id: int, account_email: str, now: datetime) -> Counter[int]:
        """Erase the person inside the caller's transaction; answers published comments removed per thread.

        Comments become tombstones (the rows stay so replies keep their place; no text, no author,
        no address, no link to the person; the analytics rollups, keyed by a bare person number, are
        rewritten from the comments when the threads' versions move, which this UPDATE does); the
        account goes, and with it (ON DELETE CASCADE) its sessions, email tokens, roles and email
        claims; the person row goes with its emails, profile, follows, votes, reads, inbox state,
        trust and screenings.
        """
        db = self._db
        emails = self.emails_of(person_id, account_email)
        theirs = select(comments.c.id).where(comments.c.person_id == person_id).scalar_subquery()
        published = Counter(
            {
                row.thread_id: row.n
                for row in db.execute(
                    select(comments.c.thread_id, func.count().label("n"))
                    .where(comments.c.person_id == person_id, comments.c.status == CommentStatus.PUBLISHED.value)
                    .group_by(comments.c.thread_id)
                )
            }
        )
        db.execute(delete(comment_revisions).where(comment_revisions.c.comment_id.in_(theirs)))
        # The audit log keeps that a moderator acted, and when; not what the person wrote or was called.
        erased = {"erased": True}
        db.execute(
            update(moderation_log).where(moderation_log.c.comment_id.in_(theirs)).values(before=erased, after=erased)
        )
        db.execute(delete(comment_mentions).where(comment_mentions.c.comment_id.in_(theirs)))
        db.execute(
            update(comments)
            .where(comments.c.person_id == person_id)
            .values(
                status=CommentStatus.DELETED.value, body_source="", body_html="", author_name="",
                author_website=None, edit_token_hash=None, remote_addr=None, pinned_at=None, person_id=None,
                edited_at=now,
            )
        )  # fmt: skip
        db.execute(delete(comment_reports).where(comment_reports.c.reporter_key == f"person:{person_id}"))
        db.execute(delete(comment_screenings).where(comment_screenings.c.person_id == person_id))
        db.execute(
            delete(inbox_follows).where(
                or_(
                    inbox_follows.c.person_id == person_id,
                    (inbox_follows.c.target_kind == "person") & (inbox_follows.c.target_id == person_id),
                )
            )
        )
        for table in (inbox_conversations, feed_conversation_reads):  # cascades, said out loud
            db.execute(delete(table).where(table.c.person_id == person_id))
        db.execute(delete(mail_subscriptions).where(mail_subscriptions.c.email.in_(emails)))
        db.execute(delete(mail_addresses).where(mail_addresses.c.email.in_(emails)))
        for table in (sessions, email_tokens, identity_email_claims, site_roles):  # cascades, said out loud
            db.execute(delete(table).where(table.c.account_id == account_id))
        db.execute(delete(accounts).where(accounts.c.id == account_id))
        # emails, profile, votes, reads, trust, inbox_conversations, feed_conversation_reads: cascade
        db.execute(delete(people).where(people.c.id == person_id))
        return published
