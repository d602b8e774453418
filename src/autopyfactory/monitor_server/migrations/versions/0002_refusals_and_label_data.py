"""Refused updates collapsed per job and reason; refused factory writes; label status data;
a factory's previous address.

Existing refused transitions (one job event per refused post) are folded into ``job_refusals``,
one row per job and reason with their count, first and last time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REFUSED_EVENT = "Invalid state transition:%"


def upgrade() -> None:
    # plain ALTER TABLE ... ADD COLUMN on SQLite too: never a table copy (dropping the old copy of
    # a table with foreign keys switched on would cascade into the tables that refer to it)
    op.add_column(
        "factories", sa.Column("previous_ip", sa.String(length=64), server_default="", nullable=False)
    )
    op.add_column("factories", sa.Column("ip_changed", sa.Double(), nullable=True))
    op.add_column("labels", sa.Column("data", sa.Text(), nullable=True))
    op.add_column("label_messages", sa.Column("data", sa.Text(), nullable=True))
    op.create_table(
        "job_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("first_at", sa.Double(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "reason", name="uq_job_refusals_job_reason"),
    )
    op.create_table(
        "refused_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factory", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), server_default="", nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.String(length=1024), nullable=False),
        sa.Column("fix", sa.String(length=1024), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("first_at", sa.Double(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("factory", "action", "subject", name="uq_refused_writes_key"),
    )
    op.create_index("ix_refused_writes_last_at", "refused_writes", ["last_at"])
    # fold the refused transitions stored one event per post into one row per job and reason
    op.execute(
        sa.text(
            "INSERT INTO job_refusals (job_id, reason, count, first_at, last_at, source) "
            "SELECT job_id, SUBSTR(text, 1, 255), COUNT(*), MIN(at), MAX(at), MAX(source) FROM job_events "
            "WHERE state IS NULL AND text LIKE :pattern GROUP BY job_id, SUBSTR(text, 1, 255)"
        ).bindparams(pattern=REFUSED_EVENT)
    )
    op.execute(
        sa.text("DELETE FROM job_events WHERE state IS NULL AND text LIKE :pattern").bindparams(
            pattern=REFUSED_EVENT
        )
    )


def downgrade() -> None:
    op.drop_index("ix_refused_writes_last_at", table_name="refused_writes")
    op.drop_table("refused_writes")
    op.drop_table("job_refusals")
    for table, column in (
        ("label_messages", "data"),
        ("labels", "data"),
        ("factories", "ip_changed"),
        ("factories", "previous_ip"),
    ):
        op.drop_column(table, column)
