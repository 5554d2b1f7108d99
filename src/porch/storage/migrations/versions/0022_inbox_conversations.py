"""inbox: a per-person conversation index, people's mention handles, read state of feed conversations

The index is derived data: it is filled here from the comments, follows and mentions already
stored (the same code as ``porch inbox rebuild``), so an upgraded server's inboxes are complete.

Revision ID: 0022
Revises: 0017
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from porch.storage.schema import UTCDateTime

revision = "0022"
down_revision = "0017"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("people", sa.Column("handle", sa.String(100)))
    op.create_index("ix_people_handle", "people", ["handle"])
    op.create_table(
        "inbox_conversations",
        sa.Column("person_id", Id, nullable=False),
        sa.Column("thread_id", Id, nullable=False),
        sa.Column("last_activity_at", UTCDateTime(), nullable=False),
        sa.Column("last_other_comment_id", Id),
        sa.Column("participant", sa.Boolean(), nullable=False),
        sa.Column("follower", sa.Boolean(), nullable=False),
        sa.Column("replied_to", sa.Boolean(), nullable=False),
        sa.Column("mentioned", sa.Boolean(), nullable=False),
        sa.Column("via_person", sa.Boolean(), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_inbox_conversations_person_id_people", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name="fk_inbox_conversations_thread_id_threads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "thread_id", name="pk_inbox_conversations"),
    )
    op.create_index("ix_inbox_conversations_thread_id", "inbox_conversations", ["thread_id"])
    op.create_index(
        "ix_inbox_conversations_person_id_last_activity_at_thread_id",
        "inbox_conversations",
        ["person_id", "last_activity_at", "thread_id"],
    )
    op.create_table(
        "feed_conversation_reads",
        sa.Column("person_id", Id, nullable=False),
        sa.Column("conversation_id", Id, nullable=False),
        sa.Column("last_read_item_id", Id, nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_feed_conversation_reads_person_id_people", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["feed_conversations.id"],
            name="fk_feed_conversation_reads_conversation_id_feed_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "conversation_id", name="pk_feed_conversation_reads"),
    )
    op.create_index("ix_feed_conversation_reads_conversation_id", "feed_conversation_reads", ["conversation_id"])

    connection = op.get_bind()
    _fill_handles(connection)
    from porch.storage.repositories.inbox_conversations import InboxIndexRepository, RebuildScope

    InboxIndexRepository(connection).rebuild(RebuildScope())


def _fill_handles(connection: sa.Connection) -> None:
    from porch.domain.inbox import handle_of

    people = sa.table("people", sa.column("id", Id), sa.column("display_name", sa.String), sa.column("handle"))
    accounts = sa.table("accounts", sa.column("person_id", Id))
    # Only account holders can be told of a mention; others get theirs when they next change name.
    rows = connection.execute(
        sa.select(people.c.id, people.c.display_name).where(people.c.id.in_(sa.select(accounts.c.person_id)))
    )
    for person_id, name in rows.all():
        connection.execute(sa.update(people).where(people.c.id == person_id).values(handle=handle_of(name)))


def downgrade() -> None:
    op.drop_table("feed_conversation_reads")
    op.drop_table("inbox_conversations")
    op.drop_index("ix_people_handle", "people")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("handle")
