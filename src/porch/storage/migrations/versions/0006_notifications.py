"""notifications: outbox, mail addresses and subscriptions, webhooks, signing keys

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-23 11:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import porch.storage.schema

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = porch.storage.schema.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_jobs",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("site_id", Id, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", When, nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", When, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("delivered_at", When, nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_outbox_jobs_site_id_sites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_jobs_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_jobs_site_id"), "outbox_jobs", ["site_id"], unique=False)
    op.create_index(op.f("ix_outbox_jobs_status_run_after"), "outbox_jobs", ["status", "run_after"], unique=False)

    op.create_table(
        "outbox_attempts",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("job_id", Id, nullable=False),
        sa.Column("attempted_at", When, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["outbox_jobs.id"], name=op.f("fk_outbox_attempts_job_id_outbox_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempts")),
    )
    op.create_index(op.f("ix_outbox_attempts_job_id"), "outbox_attempts", ["job_id"], unique=False)

    op.create_table(
        "mail_addresses",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("confirmed_at", When, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_mail_addresses")),
    )

    op.create_table(
        "mail_subscriptions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("site_id", Id, nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("last_digest_at", When, nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_mail_subscriptions_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_subscriptions")),
        sa.UniqueConstraint("email", "topic", name=op.f("uq_mail_subscriptions_email_topic")),
    )
    op.create_index(op.f("ix_mail_subscriptions_topic_active"), "mail_subscriptions", ["topic", "active"], unique=False)

    op.create_table(
        "webhooks",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("site_id", Id, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_webhooks_site_id_sites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_index(op.f("ix_webhooks_site_id"), "webhooks", ["site_id"], unique=False)

    op.create_table(
        "signing_keys",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_signing_keys")),
    )


def downgrade() -> None:
    op.drop_table("signing_keys")
    op.drop_index(op.f("ix_webhooks_site_id"), table_name="webhooks")
    op.drop_table("webhooks")
    op.drop_index(op.f("ix_mail_subscriptions_topic_active"), table_name="mail_subscriptions")
    op.drop_table("mail_subscriptions")
    op.drop_table("mail_addresses")
    op.drop_index(op.f("ix_outbox_attempts_job_id"), table_name="outbox_attempts")
    op.drop_table("outbox_attempts")
    op.drop_index(op.f("ix_outbox_jobs_status_run_after"), table_name="outbox_jobs")
    op.drop_index(op.f("ix_outbox_jobs_site_id"), table_name="outbox_jobs")
    op.drop_table("outbox_jobs")
