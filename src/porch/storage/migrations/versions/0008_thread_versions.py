"""thread versions: threads.version, bumped by triggers on every change to a thread's comments

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-23 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from porch.storage.thread_versions import create_version_triggers, drop_version_triggers

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), server_default="0", nullable=False
            )
        )
    create_version_triggers(op.get_bind())


def downgrade() -> None:
    drop_version_triggers(op.get_bind())
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_column("version")
