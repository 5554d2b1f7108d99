"""analytics: rollups the whole-site dashboard reads instead of every comment

Revision ID: 0024
Revises: 0010
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from porch.storage.schema import UTCDateTime

revision = "0024"
down_revision = "0010"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _site(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("site_id", Id, nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f(f"fk_{table}_site_id_sites"), ondelete="CASCADE"),
    ]


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "analytics_rollup_sites",
        *_site("analytics_rollup_sites"),
        sa.Column("owners", sa.String(1000), nullable=False),
        sa.Column("rolled_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_analytics_rollup_sites")),
    )
    op.create_table(
        "analytics_rollup_threads",
        sa.Column("thread_id", Id, nullable=False, autoincrement=False),
        *_site("analytics_rollup_threads"),
        sa.Column("rolled_version", Id, nullable=False),
        sa.Column("author_person_id", Id),
        *_counts("comments", "top_level", "replies", "answered", "votes", "back_and_forth", "depth",
                 "author_pairs", "author_answered", *(f"wait_bucket_{i}" for i in range(6))),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_analytics_rollup_threads")),
    )
    op.create_index(op.f("ix_analytics_rollup_threads_site_id"), "analytics_rollup_threads", ["site_id"])
    op.create_table(
        "analytics_rollup_comments",
        sa.Column("comment_id", Id, nullable=False, autoincrement=False),
        sa.Column("thread_id", Id, nullable=False),
        *_site("analytics_rollup_comments"),
        sa.Column("person_id", Id),
        sa.Column("parent_id", Id),
        sa.Column("day", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_analytics_rollup_comments")),
    )
    op.create_index(op.f("ix_analytics_rollup_comments_thread_id"), "analytics_rollup_comments", ["thread_id"])
    op.create_index(op.f("ix_analytics_rollup_comments_site_id"), "analytics_rollup_comments", ["site_id"])
    op.create_table(
        "analytics_rollup_thread_days",
        sa.Column("thread_id", Id, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        *_site("analytics_rollup_thread_days"),
        *_counts("comments"),
        sa.PrimaryKeyConstraint("thread_id", "day", name=op.f("pk_analytics_rollup_thread_days")),
    )
    op.create_index(
        op.f("ix_analytics_rollup_thread_days_site_id_day"), "analytics_rollup_thread_days", ["site_id", "day"]
    )
    op.create_table(
        "analytics_rollup_waits",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("thread_id", Id, nullable=False),
        sa.Column("ref", Id, nullable=False),
        *_site("analytics_rollup_waits"),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "thread_id", "ref", name=op.f("pk_analytics_rollup_waits")),
    )
    op.create_index(
        op.f("ix_analytics_rollup_waits_site_id_kind_seconds"), "analytics_rollup_waits", ["site_id", "kind", "seconds"]
    )
    op.create_table(
        "analytics_rollup_people",
        *_site("analytics_rollup_people"),
        sa.Column("person_id", Id, nullable=False),
        *_counts("comments"),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("first_comment_id", Id, nullable=False),
        sa.Column("first_answered", sa.Boolean(), nullable=False),
        sa.Column("last_at", UTCDateTime(), nullable=False),
        sa.Column("came_back_seconds", sa.Float()),
        *_counts("replies_received"),
        sa.PrimaryKeyConstraint("site_id", "person_id", name=op.f("pk_analytics_rollup_people")),
    )
    op.create_index(
        op.f("ix_analytics_rollup_people_site_id_comments"), "analytics_rollup_people", ["site_id", "comments"]
    )
    op.create_index(
        op.f("ix_analytics_rollup_people_site_id_first_day"), "analytics_rollup_people", ["site_id", "first_day"]
    )
    op.create_index(
        op.f("ix_analytics_rollup_people_site_id_first_answered_first_at"), "analytics_rollup_people",
        ["site_id", "first_answered", "first_at"],
    )
    op.create_table(
        "analytics_rollup_person_days",
        *_site("analytics_rollup_person_days"),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("person_id", Id, nullable=False),
        *_counts("comments"),
        sa.PrimaryKeyConstraint("site_id", "day", "person_id", name=op.f("pk_analytics_rollup_person_days")),
    )
    op.create_index(
        op.f("ix_analytics_rollup_person_days_site_id_person_id"), "analytics_rollup_person_days",
        ["site_id", "person_id"],
    )
    op.create_table(
        "analytics_rollup_person_months",
        *_site("analytics_rollup_person_months"),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("cohort_month", sa.String(7), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "person_id", "month", name=op.f("pk_analytics_rollup_person_months")),
    )
    op.create_index(
        op.f("ix_analytics_rollup_person_months_site_id_cohort_month_month"), "analytics_rollup_person_months",
        ["site_id", "cohort_month", "month"],
    )
    op.create_table(
        "analytics_rollup_edges",
        *_site("analytics_rollup_edges"),
        sa.Column("source", Id, nullable=False),
        sa.Column("target", Id, nullable=False),
        *_counts("replies"),
        sa.PrimaryKeyConstraint("site_id", "source", "target", name=op.f("pk_analytics_rollup_edges")),
    )
    op.create_index(op.f("ix_analytics_rollup_edges_site_id_replies"), "analytics_rollup_edges", ["site_id", "replies"])
    op.create_table(
        "analytics_rollup_days",
        *_site("analytics_rollup_days"),
        sa.Column("day", sa.String(10), nullable=False),
        *_counts("comments", "commenters", "new_commenters"),
        sa.PrimaryKeyConstraint("site_id", "day", name=op.f("pk_analytics_rollup_days")),
    )


def downgrade() -> None:
    for table in (
        "analytics_rollup_days", "analytics_rollup_edges", "analytics_rollup_person_months",
        "analytics_rollup_person_days", "analytics_rollup_people", "analytics_rollup_waits",
        "analytics_rollup_thread_days", "analytics_rollup_comments", "analytics_rollup_threads",
        "analytics_rollup_sites",
    ):
        op.drop_table(table)
