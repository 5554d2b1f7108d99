"""inbox: profiles, extra emails, follows and mutes, read state, mentions, external comment feeds

Revision ID: 0017
Revises: 0001
Create Date: 2026-11-23 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from porch.storage.schema import UTCDateTime

revision = "0017"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "person_profiles",
        sa.Column("person_id", Id, nullable=False),
        sa.Column("fediverse_handle", sa.String(200)),
        sa.Column("profile_hidden", sa.Boolean(), nullable=False),
        sa.Column("feed_token_hash", sa.String(64)),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_person_profiles_person_id_people", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name="pk_person_profiles"),
        sa.UniqueConstraint("feed_token_hash", name="uq_person_profiles_feed_token_hash"),
    )
    op.create_table(
        "identity_email_claims",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime()),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_identity_email_claims_account_id_accounts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_identity_email_claims"),
    )
    op.create_index("ix_identity_email_claims_account_id", "identity_email_claims", ["account_id"])
    op.create_table(
        "inbox_follows",
        sa.Column("person_id", Id, nullable=False),
        sa.Column("target_kind", sa.String(8), nullable=False),
        sa.Column("target_id", Id, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_inbox_follows_person_id_people", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "target_kind", "target_id", name="pk_inbox_follows"),
    )
    op.create_index(
        "ix_inbox_follows_target_kind_target_id_state", "inbox_follows", ["target_kind", "target_id", "state"]
    )
    op.create_table(
        "inbox_reads",
        sa.Column("person_id", Id, nullable=False),
        sa.Column("thread_id", Id, nullable=False),
        sa.Column("last_read_comment_id", Id, nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_inbox_reads_person_id_people", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name="fk_inbox_reads_thread_id_threads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "thread_id", name="pk_inbox_reads"),
    )
    op.create_index("ix_inbox_reads_thread_id", "inbox_reads", ["thread_id"])
    op.create_table(
        "comment_mentions",
        sa.Column("comment_id", Id, nullable=False),
        sa.Column("handle", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name="fk_comment_mentions_comment_id_comments", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("comment_id", "handle", name="pk_comment_mentions"),
    )
    op.create_index("ix_comment_mentions_handle", "comment_mentions", ["handle"])
    op.create_table(
        "inbox_feeds",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("url_hash", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("etag", sa.String(300)),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", UTCDateTime(), nullable=False),
        sa.Column("last_polled_at", UTCDateTime()),
        sa.Column("last_status", sa.String(100)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_feeds"),
        sa.UniqueConstraint("url_hash", name="uq_inbox_feeds_url_hash"),
    )
    op.create_index("ix_inbox_feeds_next_poll_at", "inbox_feeds", ["next_poll_at"])
    op.create_table(
        "inbox_feed_subscriptions",
        sa.Column("person_id", Id, nullable=False),
        sa.Column("feed_id", Id, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_inbox_feed_subscriptions_person_id_people", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["inbox_feeds.id"], name="fk_inbox_feed_subscriptions_feed_id_inbox_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "feed_id", name="pk_inbox_feed_subscriptions"),
    )
    op.create_index("ix_inbox_feed_subscriptions_feed_id", "inbox_feed_subscriptions", ["feed_id"])
    op.create_table(
        "feed_conversations",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("feed_id", Id, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("last_item_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["inbox_feeds.id"], name="fk_feed_conversations_feed_id_inbox_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feed_conversations"),
        sa.UniqueConstraint("feed_id", "key_hash", name="uq_feed_conversations_feed_id_key_hash"),
    )
    op.create_index("ix_feed_conversations_feed_id_last_item_at", "feed_conversations", ["feed_id", "last_item_at"])
    op.create_table(
        "feed_items",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("conversation_id", Id, nullable=False),
        sa.Column("guid_hash", sa.String(64), nullable=False),
        sa.Column("feed_id", Id, nullable=False),
        sa.Column("link", sa.String(2000)),
        sa.Column("in_reply_to", sa.String(2000)),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["feed_conversations.id"],
            name="fk_feed_items_conversation_id_feed_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["inbox_feeds.id"], name="fk_feed_items_feed_id_inbox_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feed_items"),
        sa.UniqueConstraint("feed_id", "guid_hash", name="uq_feed_items_feed_id_guid_hash"),
    )
    op.create_index("ix_feed_items_conversation_id", "feed_items", ["conversation_id"])


def downgrade() -> None:
    for table in (
        "feed_items",
        "feed_conversations",
        "inbox_feed_subscriptions",
        "inbox_feeds",
        "comment_mentions",
        "inbox_reads",
        "inbox_follows",
        "identity_email_claims",
        "person_profiles",
    ):
        op.drop_table(table)
