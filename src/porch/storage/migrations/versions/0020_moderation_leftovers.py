"""moderation leftovers: comments.pinned_at (pins shown to readers), sites.spam_model_version

Revision ID: 0020
Revises: 0005
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from porch.storage.schema import UTCDateTime
from porch.storage.thread_versions import create_version_triggers

revision = "0020"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, not batch mode: on SQLite a batch rebuild of ``comments`` would drop the
    # thread-version triggers (storage/thread_versions.py).
    op.add_column("comments", sa.Column("pinned_at", UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE comments SET pinned_at = "
        "(SELECT comment_pins.created_at FROM comment_pins WHERE comment_pins.comment_id = comments.id) "
        "WHERE id IN (SELECT comment_id FROM comment_pins)"
    )
    op.add_column("sites", sa.Column("spam_model_version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("spam_model_version")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("pinned_at")
    create_version_triggers(op.get_bind())  # SQLite's batch mode rebuilt ``comments`` without them
