"""The tables. Times are epoch seconds (floats); the indexes serve the dashboard, expiry and API queries.

Changing this file means adding an Alembic revision under ``monitor_server/migrations/versions``."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

factories = Table(
    "factories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("ip", String(64), nullable=False, server_default=""),
    Column("email", String(255), nullable=False, server_default=""),
    Column("url", String(255), nullable=False, server_default=""),  # base log URL
    Column("version", String(64), nullable=False, server_default=""),
    Column("factory_type", String(32), nullable=False, server_default="AutoPyFactory"),
    Column("created", Double, nullable=False),
    Column("last_modified", Double, nullable=False),
    Column("last_startup", Double, nullable=False),
    Column("last_cycle", Double, nullable=True),
    Column("last_ncreated", Integer, nullable=False, server_default="0"),
)

labels = Table(
    "labels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("factory_id", Integer, ForeignKey("factories.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("wmsqueue", String(128), nullable=False, server_default=""),
    Column("batchqueue", String(128), nullable=False, server_default=""),
    Column("resource", String(255), nullable=False, server_default=""),
    Column("localqueue", String(128), nullable=False, server_default=""),
    Column("msg", String(255), nullable=False, server_default=""),
    Column("created", Double, nullable=False),
    Column("last_modified", Double, nullable=False),
    UniqueConstraint("factory_id", "name", name="uq_labels_factory_name"),
)

label_messages = Table(
    "label_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label_id", Integer, ForeignKey("labels.id", ondelete="CASCADE"), nullable=False),
    Column("at", Double, nullable=False),
    Column("text", String(1024), nullable=False),
    Index("ix_label_messages_label_id", "label_id", "id"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("jid", String(255), nullable=False, unique=True),
    Column("cid", String(128), nullable=False),
    Column("factory_id", Integer, ForeignKey("factories.id", ondelete="CASCADE"), nullable=False),
    Column("label_id", Integer, ForeignKey("labels.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("result", SmallInteger, nullable=False, server_default="-1"),
    Column("flag", Boolean, nullable=False, server_default=false()),
    Column("created", Double, nullable=False),
    Column("last_modified", Double, nullable=False),
    Column("stdouturl", String(512), nullable=False, server_default=""),
    Column("stderrurl", String(512), nullable=False, server_default=""),
    Column("logurl", String(512), nullable=False, server_default=""),
    Column("jdlurl", String(512), nullable=False, server_default=""),
    # counts by state per label, terminal jobs of a label over time
    Index("ix_jobs_label_state_modified", "label_id", "state", "last_modified"),
    # activity (jobs created per bucket) per label and per factory
    Index("ix_jobs_label_created", "label_id", "created"),
    Index("ix_jobs_factory_created", "factory_id", "created"),
    # expiry and retention scans
    Index("ix_jobs_state_modified", "state", "last_modified"),
)

job_events = Table(
    "job_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("at", Double, nullable=False),
    Column("source", String(64), nullable=False),  # client address, "expiry" or "factory"
    Column("state", String(16), nullable=True),  # the state entered, when the event is a transition
    Column("text", Text, nullable=False),
    Index("ix_job_events_job_id", "job_id", "id"),
)

factory_tokens = Table(
    "factory_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("factory", String(64), nullable=False, unique=True),  # a factory name, registered or not
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created", Double, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires", Double, nullable=False),
)
