"""The tables. Every change here comes with an Alembic migration (storage/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; Porch stores UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite's rowid alias must be INTEGER

sites = Table(
    "sites",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(32), nullable=False, unique=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("origins", JSON, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # moved forward by every moderator decision the spam classifier learns from (spam, approve, a
    # published comment rejected): each worker retrains its cached model when it sees a new number
    # on the site row it reads anyway (services/spam_opinions.py), so no post pays a query for it
    Column("spam_model_version", Integer, nullable=False, server_default="0"),
)

people = Table(
    "people",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("display_name", String(100), nullable=False),
    Column("website", String(500)),
    Column("avatar_url", String(500)),
    # sha256 of the per-browser token an anonymous commenter's browser keeps
    Column("browser_key", String(64), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    # a person's identity in an import source (``disqus-user:NAME``), so re-imports find them
    Column("import_ref", String(200), unique=True),
    # what ``@mentions`` of them look like (domain/inbox.py: handle_of), kept with the name so that
    # telling the mentioned people of a new comment is an index lookup (migration 0022)
    Column("handle", String(100), index=True),
)

person_emails = Table(
    "person_emails",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("verified_at", UTCDateTime),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", ForeignKey("people.id"), nullable=False, unique=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(200)),
    Column("email_verified_at", UTCDateTime),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
)

site_roles = Table(
    "site_roles",
    metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    PrimaryKeyConstraint("site_id", "account_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("purpose", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

threads = Table(
    "threads",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(2100), nullable=False),
    Column("uri", String(2000), nullable=False),
    Column("title", String(300), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("comment_count", Integer, nullable=False, default=0),
    Column("last_comment_at", UTCDateTime),
    Column("closed", Boolean, nullable=False, default=False),
    # moved forward by database triggers on every change to the thread's comments
    # (storage/thread_versions.py): what prepared thread pages are checked against
    Column("version", Id, nullable=False, default=0, server_default="0"),
    # who wrote the page, for the analytics' "author's presence" (unset: the site's owners)
    Column("author_person_id", ForeignKey("people.id", ondelete="SET NULL"), nullable=True),
    UniqueConstraint("site_id", "key"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("parent_id", ForeignKey("comments.id"), index=True),
    Column("person_id", ForeignKey("people.id"), nullable=True),
    Column("author_name", String(100), nullable=False),
    Column("author_website", String(500)),
    Column("body_source", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime),
    Column("upvotes", Integer, nullable=False, default=0),
    Column("downvotes", Integer, nullable=False, default=0),
    Column("edit_token_hash", String(64)),
    Column("remote_addr", String(45)),
    # comment, pingback, trackback or mention (imports keep what an item was)
    Column("kind", String(16), nullable=False, default="comment", server_default="comment"),
    # an imported comment's identity in its source (``disqus:123``) and its parent's there:
    # what makes a second import of the same file change nothing
    Column("import_ref", String(200)),
    Column("import_parent_ref", String(200)),
    # when a moderator pinned it (None: not pinned). On the comment row, not only in comment_pins, so
    # the thread read gets it in its one query and pinning moves threads.version through the
    # comments UPDATE trigger (storage/thread_versions.py): prepared pages see the pin at once.
    Column("pinned_at", UTCDateTime),
    Index(None, "person_id", "created_at"),
    UniqueConstraint("thread_id", "import_ref"),
)

votes = Table(
    "votes",
    metadata,
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("value", SmallInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("comment_id", "person_id"),
)

# --- moderation and anti-abuse (migration 0005_moderation) ---------------------------------

moderation_log = Table(
    "moderation_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    # None: done from the command line (whoever runs `porch` on the server)
    Column("account_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("action", String(32), nullable=False),
    Column("comment_id", ForeignKey("comments.id", ondelete="SET NULL")),
    Column("subject", String(300)),  # what was acted on when not a comment: "ip 203.0.113.0/24", "thread 7"
    Column("before", JSON),
    Column("after", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "site_id", "id"),
)

comment_revisions = Table(
    "comment_revisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("body_source", Text, nullable=False),  # the text as it was before the edit
    Column("edited_by", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
)

comment_reports = Table(
    "comment_reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("reporter_key", String(80), nullable=False),  # "person:12", or a hash of the browser token
    Column("reason", String(500), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("comment_id", "reporter_key"),
)

trusted_people = Table(
    "trusted_people",
    metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("trusted_by", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("site_id", "person_id"),
)

bans = Table(
    "bans",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("value", String(254), nullable=False),
    Column("expires_at", UTCDateTime),
    Column("note", String(500), nullable=False),
    Column("created_by", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
)

word_rules = Table(
    "word_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("word", String(100), nullable=False),
    Column("action", String(8), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("site_id", "word"),
)

comment_pins = Table(
    "comment_pins",
    metadata,
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("pinned_by", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per accepted new comment: the anti-abuse pipeline's decision and the text's fingerprint
# (duplicates, copy-paste across conversations). Refused comments leave a log line, not a row.
comment_screenings = Table(
    "comment_screenings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE")),
    Column("fingerprint", String(64), nullable=False),
    Column("remote_addr", String(45)),
    Column("outcome", String(16), nullable=False),  # published or pending
    Column("reasons", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "site_id", "fingerprint", "created_at"),
    Index(None, "person_id", "created_at"),
)


# --- notifications, feeds and webhooks (docs/subsystems/notifications.md) ---------------------

# The transactional outbox: jobs written in the same transaction as the change that causes them,
# delivered by the worker (porch/worker/outbox.py). ``idempotency_key`` is unique: enqueuing the
# same job twice is a no-op, and it becomes the Message-ID / X-Porch-Delivery a receiver dedups on.
outbox_jobs = Table(
    "outbox_jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), index=True),
    Column("status", String(16), nullable=False),  # pending, delivered, dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("run_after", UTCDateTime, nullable=False),
    Column("claimed_by", String(100)),
    Column("claimed_until", UTCDateTime),  # a lease: a crashed worker's jobs come back when it runs out
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Index(None, "status", "run_after"),
)

outbox_attempts = Table(
    "outbox_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("job_id", ForeignKey("outbox_jobs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("detail", String(500), nullable=False),
)

# Addresses confirmed for notifications (by the one confirmation mail), kept apart from
# person_emails.verified_at, which means "belongs to a signed-up person".
mail_addresses = Table(
    "mail_addresses",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("confirmed_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

# What an address asked for (replies:COMMENT, thread:ID, site:ID) or turned off (owner:SITE,
# moderate:SITE with active false). ``frequency``: instant, daily or weekly (digests).
mail_subscriptions = Table(
    "mail_subscriptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False),
    Column("topic", String(100), nullable=False),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("frequency", String(10), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_digest_at", UTCDateTime),
    UniqueConstraint("email", "topic"),
    Index(None, "topic", "active"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(100), nullable=False),
    Column("events", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Server-held secrets (the key that signs unsubscribe, confirmation and moderation links),
# created on first use so every process of one installation signs alike.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("secret", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# --- the inbox: identities, follows, read state, mentions, external feeds (docs/subsystems/inbox.md) -------

# What a person adds to their public face beyond ``people``: a fediverse handle, whether the profile
# page is hidden, and the secret in their inbox's Atom feed URL (feed readers send no cookies).
person_profiles = Table(
    "person_profiles",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("fediverse_handle", String(200)),
    Column("profile_hidden", Boolean, nullable=False, default=False),
    Column("feed_token_hash", String(64), unique=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# A further address an account asks to add: it joins the account (with the anonymous history
# behind it) only when the mailed link is opened.
identity_email_claims = Table(
    "identity_email_claims",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("email", String(254), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

# Follow or mute a thread or a person. One row per (person, target): following and muting the
# same target are exclusive. ``target_id`` is a thread id or a person id, by ``target_kind``.
inbox_follows = Table(
    "inbox_follows",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("target_kind", String(8), nullable=False),  # thread | person
    Column("target_id", Id, nullable=False),
    Column("state", String(8), nullable=False),  # follow | mute
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("person_id", "target_kind", "target_id"),
    Index(None, "target_kind", "target_id", "state"),
)

# How far a person has read a thread: comments with a larger id are unread (ids only grow).
inbox_reads = Table(
    "inbox_reads",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("last_read_comment_id", Id, nullable=False),
    Column("read_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("person_id", "thread_id"),
)

# One row per person and conversation in their inbox, kept up to date as comments are written
# (services/inbox_index.py), so the first page is a range scan of the (person_id, last_activity_at,
# thread_id) index whatever the person's history. The flags say why the conversation is there; a
# row with none of them is not kept, except to remember a mute. ``last_other_comment_id``: the newest
# published comment by someone else (muted people left out): the conversation is unread while it is
# above the person's marker in ``inbox_reads``. Derived data: ``porch inbox rebuild`` recomputes it.
inbox_conversations = Table(
    "inbox_conversations",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("last_activity_at", UTCDateTime, nullable=False),
    Column("last_other_comment_id", Id),
    Column("participant", Boolean, nullable=False),  # they commented
    Column("follower", Boolean, nullable=False),  # they follow the thread
    Column("replied_to", Boolean, nullable=False),  # someone answered one of their comments
    Column("mentioned", Boolean, nullable=False),  # someone wrote their @handle
    Column("via_person", Boolean, nullable=False),  # a person they follow commented since the follow
    Column("muted", Boolean, nullable=False),  # they muted the thread: never shown
    PrimaryKeyConstraint("person_id", "thread_id"),
    Index(None, "person_id", "last_activity_at", "thread_id"),
)

# ``@handle`` mentions, extracted when a comment is written (domain/inbox.py says how), so the
# mentions view is an index lookup rather than a text search.
comment_mentions = Table(
    "comment_mentions",
    metadata,
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("handle", String(100), nullable=False, index=True),
    PrimaryKeyConstraint("comment_id", "handle"),
)

# RSS/Atom comment feeds from elsewhere, polled by worker/feeds.py. One row per URL whoever
# subscribes; ``url_hash`` keeps the unique index short.
inbox_feeds = Table(
    "inbox_feeds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("url", String(2000), nullable=False),
    Column("url_hash", String(64), nullable=False, unique=True),
    Column("host", String(255), nullable=False),
    Column("title", String(300), nullable=False),
    Column("etag", String(300)),
    Column("last_modified", String(100)),
    Column("failures", Integer, nullable=False, default=0),
    Column("next_poll_at", UTCDateTime, nullable=False, index=True),
    Column("last_polled_at", UTCDateTime),
    Column("last_status", String(100)),
    Column("created_at", UTCDateTime, nullable=False),
)

inbox_feed_subscriptions = Table(
    "inbox_feed_subscriptions",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("feed_id", ForeignKey("inbox_feeds.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("person_id", "feed_id"),
)

# An external conversation: the post a feed's comments answer (thr:in-reply-to's root).
feed_conversations = Table(
    "feed_conversations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("feed_id", ForeignKey("inbox_feeds.id", ondelete="CASCADE"), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("title", String(300), nullable=False),
    Column("item_count", Integer, nullable=False, default=0),
    Column("last_item_at", UTCDateTime, nullable=False),
    UniqueConstraint("feed_id", "key_hash"),
    Index(None, "feed_id", "last_item_at"),
)

# How far a person has read an external conversation: items with a larger id are unread.
feed_conversation_reads = Table(
    "feed_conversation_reads",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("conversation_id", ForeignKey("feed_conversations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("last_read_item_id", Id, nullable=False),
    Column("read_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("person_id", "conversation_id"),
)

feed_items = Table(
    "feed_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("conversation_id", ForeignKey("feed_conversations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("guid_hash", String(64), nullable=False),
    Column("feed_id", ForeignKey("inbox_feeds.id", ondelete="CASCADE"), nullable=False),
    Column("link", String(2000)),
    Column("in_reply_to", String(2000)),
    Column("author_name", String(200), nullable=False),
    Column("body_html", Text, nullable=False),  # sanitised like a comment (domain/markup.py's allow-list)
    Column("published_at", UTCDateTime, nullable=False),
    UniqueConstraint("feed_id", "guid_hash"),
)


# --- analytics (docs/subsystems/analytics.md) ---------------------------------------------------

# A computed dashboard, kept while the site's fingerprint (its threads' versions, authors, owners)
# is unchanged: a million comments take seconds to measure, a snapshot milliseconds to read.
analytics_snapshots = Table(
    "analytics_snapshots",
    metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("scope_key", String(300), nullable=False),  # "from|to|thread id" of the request
    Column("fingerprint", String(200), nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    PrimaryKeyConstraint("site_id", "scope_key"),
)

# --- analytics rollups (migration 0024_analytics_rollups) ------------------------------------
# What the whole-site dashboard reads instead of scanning every comment (services/analytics_rollups.py).
# Rows are per thread (rewritten when the thread's ``version`` moved), per person (rewritten when a
# thread they wrote in changed who wrote what) and per day; none is written on the comment post path.
# Thread and person ids carry no foreign keys: a vanished thread is noticed and its rows rolled away.

analytics_rollup_sites = Table(
    "analytics_rollup_sites",
    metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("owners", String(1000), nullable=False),  # the owners' person ids the author measures assumed
    Column("rolled_at", UTCDateTime, nullable=False),
)

analytics_rollup_threads = Table(
    "analytics_rollup_threads",
    metadata,
    Column("thread_id", Id, primary_key=True, autoincrement=False),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("rolled_version", Id, nullable=False),  # threads.version these numbers are of
    Column("author_person_id", Id),  # threads.author_person_id they assumed
    Column("comments", Integer, nullable=False),
    Column("top_level", Integer, nullable=False),
    Column("replies", Integer, nullable=False),
    Column("answered", Integer, nullable=False),
    Column("votes", Integer, nullable=False),
    Column("back_and_forth", Integer, nullable=False),
    Column("depth", Integer, nullable=False),
    Column("author_pairs", Integer, nullable=False),
    Column("author_answered", Integer, nullable=False),
    # the answered comments' first-reply waits counted per WAIT_BUCKET (domain/metrics.py), in order
    *(Column(f"wait_bucket_{i}", Integer, nullable=False) for i in range(6)),
)

analytics_rollup_comments = Table(
    "analytics_rollup_comments",
    metadata,
    # a thread's published comments as last rolled: who replied to whom, on which day (diffed against
    # the comments table to find the people and days a change touched)
    Column("comment_id", Id, primary_key=True, autoincrement=False),
    Column("thread_id", Id, nullable=False, index=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("person_id", Id),
    Column("parent_id", Id),
    Column("day", String(10), nullable=False),
)

analytics_rollup_thread_days = Table(
    "analytics_rollup_thread_days",
    metadata,
    Column("thread_id", Id, nullable=False),
    Column("day", String(10), nullable=False),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("comments", Integer, nullable=False),
    PrimaryKeyConstraint("thread_id", "day"),
    Index(None, "site_id", "day"),
)

analytics_rollup_waits = Table(
    "analytics_rollup_waits",
    metadata,
    Column("kind", String(8), nullable=False),  # "reply": per answered comment; "author": per answered pair
    Column("thread_id", Id, nullable=False),
    Column("ref", Id, nullable=False),  # the comment (reply) or the commenter (author)
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("seconds", Float, nullable=False),
    PrimaryKeyConstraint("kind", "thread_id", "ref"),
    Index(None, "site_id", "kind", "seconds"),
)

analytics_rollup_people = Table(
    "analytics_rollup_people",
    metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Id, nullable=False),
    Column("comments", Integer, nullable=False),
    Column("first_at", UTCDateTime, nullable=False),
    Column("first_day", String(10), nullable=False),
    Column("first_comment_id", Id, nullable=False),
    Column("first_answered", Boolean, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Column("came_back_seconds", Float),  # first comment >= 24 h after the first, in seconds after it
    Column("replies_received", Integer, nullable=False),
    PrimaryKeyConstraint("site_id", "person_id"),
    Index(None, "site_id", "comments"),
    Index(None, "site_id", "first_day"),
    Index(None, "site_id", "first_answered", "first_at"),
)

analytics_rollup_person_days = Table(
    "analytics_rollup_person_days",
    metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("day", String(10), nullable=False),
    Column("person_id", Id, nullable=False),
    Column("comments", Integer, nullable=False),
    PrimaryKeyConstraint("site_id", "day", "person_id"),
    Index(None, "site_id", "person_id"),
)

analytics_rollup_person_months = Table(
    "analytics_rollup_person_months",
    metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Id, nullable=False),
    Column("month", String(7), nullable=False),
    Column("cohort_month", String(7), nullable=False),  # the month of the person's first comment
    PrimaryKeyConstraint("site_id", "person_id", "month"),
    Index(None, "site_id", "cohort_month", "month"),  # the retention table, read in index order
)

analytics_rollup_edges = Table(
    "analytics_rollup_edges",
    metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("source", Id, nullable=False),
    Column("target", Id, nullable=False),
    Column("replies", Integer, nullable=False),
    PrimaryKeyConstraint("site_id", "source", "target"),
    Index(None, "site_id", "replies"),
)

analytics_rollup_days = Table(
    "analytics_rollup_days",
    metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("day", String(10), nullable=False),
    Column("comments", Integer, nullable=False),
    Column("commenters", Integer, nullable=False),
    Column("new_commenters", Integer, nullable=False),
    PrimaryKeyConstraint("site_id", "day"),
)
