"""analytics: computed dashboards kept until the site's comments change

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from porch.storage.schema import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_snapshots",
        sa.Column("site_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope_key", sa.String(length=300), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_analytics_snapshots_site_id_sites"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id", "scope_key", name=op.f("pk_analytics_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("analytics_snapshots")
