"""The factories' reports on their queues: a status row per label (configuration state, the last
cycle's decision, action, inputs and chain, the batch system's counts, the status sources), samples
of activated jobs and pending and running pilots over time, and per factory its cycle and the
statuses it dropped.

Existing labels get their status row from their last message (the chain as it was stored), so their
pages show it in the new place at once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE ... ADD COLUMN (never a table copy on SQLite: see 0002)
    op.add_column("factories", sa.Column("cycle_interval", sa.Double(), nullable=True))
    op.add_column(
        "factories", sa.Column("status_dropped", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.create_table(
        "label_status",
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.Double(), nullable=False),
        sa.Column("config_state", sa.String(length=32), nullable=True),
        sa.Column("config_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("config_since", sa.Double(), nullable=True),
        sa.Column("cycle_interval", sa.Double(), nullable=True),
        sa.Column("cycled_at", sa.Double(), nullable=True),
        sa.Column("cycles", sa.Integer(), server_default="0", nullable=False),
        sa.Column("action", sa.String(length=16), server_default="", nullable=False),
        sa.Column("action_text", sa.String(length=255), server_default="", nullable=False),
        sa.Column("decision", sa.Integer(), nullable=True),
        sa.Column("target", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("error", sa.Text(), server_default="", nullable=False),
        sa.Column("chain", sa.Text(), server_default="", nullable=False),
        sa.Column("activated", sa.Integer(), nullable=True),
        sa.Column("pending", sa.Integer(), nullable=True),
        sa.Column("running", sa.Integer(), nullable=True),
        sa.Column("site", sa.String(length=32), nullable=True),
        sa.Column("batch_pending", sa.Integer(), nullable=True),
        sa.Column("batch_running", sa.Integer(), nullable=True),
        sa.Column("batch_done", sa.Integer(), nullable=True),
        sa.Column("batch_at", sa.Double(), nullable=True),
        sa.Column("sources", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("label_id"),
    )
    op.create_table(
        "label_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("activated", sa.Integer(), nullable=True),
        sa.Column("pending", sa.Integer(), nullable=True),
        sa.Column("running", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_label_samples_label_at", "label_samples", ["label_id", "at"])
    # the labels that have a status message: their row, from the newest message (kept whole up
    # to 1024 characters) and its time
    op.execute(
        sa.text(
            "INSERT INTO label_status (label_id, reported_at, cycled_at, chain) "
            "SELECT m.label_id, m.at, m.at, m.text FROM label_messages m "
            "WHERE m.id = (SELECT MAX(m2.id) FROM label_messages m2 WHERE m2.label_id = m.label_id)"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_label_samples_label_at", table_name="label_samples")
    op.drop_table("label_samples")
    op.drop_table("label_status")
    op.drop_column("factories", "status_dropped")
    op.drop_column("factories", "cycle_interval")
