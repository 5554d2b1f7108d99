"""imports: comment kind, import refs on comments and people

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="comment", nullable=False))
        batch_op.add_column(sa.Column("import_ref", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("import_parent_ref", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_comments_thread_id_import_ref"), ["thread_id", "import_ref"]
        )

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_ref", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_people_import_ref"), ["import_ref"])


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_people_import_ref"), type_="unique")
        batch_op.drop_column("import_ref")

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_comments_thread_id_import_ref"), type_="unique")
        batch_op.drop_column("import_parent_ref")
        batch_op.drop_column("import_ref")
        batch_op.drop_column("kind")
