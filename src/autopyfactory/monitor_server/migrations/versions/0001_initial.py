"""Initial schema: factories, labels, label messages, jobs, job events, factory tokens, leases.

Revision ID: 0001
Revises:
Create Date: 2026-11-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "factories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), server_default="", nullable=False),
        sa.Column("email", sa.String(length=255), server_default="", nullable=False),
        sa.Column("url", sa.String(length=255), server_default="", nullable=False),
        sa.Column("version", sa.String(length=64), server_default="", nullable=False),
        sa.Column("factory_type", sa.String(length=32), server_default="AutoPyFactory", nullable=False),
        sa.Column("created", sa.Double(), nullable=False),
        sa.Column("last_modified", sa.Double(), nullable=False),
        sa.Column("last_startup", sa.Double(), nullable=False),
        sa.Column("last_cycle", sa.Double(), nullable=True),
        sa.Column("last_ncreated", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "factory_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factory", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("factory"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factory_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("wmsqueue", sa.String(length=128), server_default="", nullable=False),
        sa.Column("batchqueue", sa.String(length=128), server_default="", nullable=False),
        sa.Column("resource", sa.String(length=255), server_default="", nullable=False),
        sa.Column("localqueue", sa.String(length=128), server_default="", nullable=False),
        sa.Column("msg", sa.String(length=255), server_default="", nullable=False),
        sa.Column("created", sa.Double(), nullable=False),
        sa.Column("last_modified", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["factory_id"], ["factories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("factory_id", "name", name="uq_labels_factory_name"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jid", sa.String(length=255), nullable=False),
        sa.Column("cid", sa.String(length=128), nullable=False),
        sa.Column("factory_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("result", sa.SmallInteger(), server_default="-1", nullable=False),
        sa.Column("flag", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created", sa.Double(), nullable=False),
        sa.Column("last_modified", sa.Double(), nullable=False),
        sa.Column("stdouturl", sa.String(length=512), server_default="", nullable=False),
        sa.Column("stderrurl", sa.String(length=512), server_default="", nullable=False),
        sa.Column("logurl", sa.String(length=512), server_default="", nullable=False),
        sa.Column("jdlurl", sa.String(length=512), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["factory_id"], ["factories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("jid"),
    )
    op.create_index("ix_jobs_factory_created", "jobs", ["factory_id", "created"])
    op.create_index("ix_jobs_label_created", "jobs", ["label_id", "created"])
    op.create_index("ix_jobs_label_state_modified", "jobs", ["label_id", "state", "last_modified"])
    op.create_index("ix_jobs_state_modified", "jobs", ["state", "last_modified"])
    op.create_table(
        "label_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("text", sa.String(length=1024), nullable=False),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_label_messages_label_id", "label_messages", ["label_id", "id"])
    op.create_table(
        "job_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_events_job_id", "job_events", ["job_id", "id"])


def downgrade() -> None:
    for table in ("job_events", "label_messages", "jobs", "labels", "leases", "factory_tokens", "factories"):
        op.drop_table(table)
