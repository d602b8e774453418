"""The tables. Times are epoch seconds (floats); the indexes serve the dashboard, expiry and API queries.

Changing this file means adding an Alembic revision under ``monitor_server/migrations/versions``."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
    # the address it registered from before its last move (a registration from another address)
    Column("previous_ip", String(64), nullable=False, server_default=""),
    Column("ip_changed", Double, nullable=True),
    # from its cycle reports: the shortest apfqueue.sleep of its running queues (it reports at
    # least this often while it cycles), and how many queue statuses it says it dropped
    Column("cycle_interval", Double, nullable=True),
    Column("status_dropped", BigInteger, nullable=False, server_default="0"),
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
    Column("data", Text, nullable=True),  # JSON object sent with the last status (Harvester)
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
    Column("data", Text, nullable=True),
    Index("ix_label_messages_label_id", "label_id", "id"),
)

# the factory's last report on each of its queues (one row per label): its configuration state,
# its last cycle's decision, action and inputs, the batch system's count of its pilots, the age and
# errors of its status sources (JSON); times are the monitor's
label_status = Table(
    "label_status",
    metadata,
    Column("label_id", Integer, ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
    Column("reported_at", Double, nullable=False),
    Column("config_state", String(32), nullable=True),  # None: the factory does not say (APF 2.4)
    Column("config_reason", Text, nullable=False, server_default=""),
    Column("config_since", Double, nullable=True),
    Column("cycle_interval", Double, nullable=True),
    Column("cycled_at", Double, nullable=True),
    Column("cycles", Integer, nullable=False, server_default="0"),
    Column("action", String(16), nullable=False, server_default=""),
    Column("action_text", String(255), nullable=False, server_default=""),
    Column("decision", Integer, nullable=True),
    Column("target", Integer, nullable=False, server_default="0"),
    Column("reason", Text, nullable=False, server_default=""),
    Column("error", Text, nullable=False, server_default=""),
    Column("chain", Text, nullable=False, server_default=""),
    Column("activated", Integer, nullable=True),
    Column("pending", Integer, nullable=True),
    Column("running", Integer, nullable=True),
    Column("site", String(32), nullable=True),
    Column("batch_pending", Integer, nullable=True),
    Column("batch_running", Integer, nullable=True),
    Column("batch_done", Integer, nullable=True),
    Column("batch_at", Double, nullable=True),
    Column("sources", Text, nullable=True),
)

# a queue's activated jobs and its pending and running pilots over time, as its factory saw them
# (at most one sample a minute per queue, kept for the activity window)
label_samples = Table(
    "label_samples",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label_id", Integer, ForeignKey("labels.id", ondelete="CASCADE"), nullable=False),
    Column("at", Double, nullable=False),
    Column("activated", Integer, nullable=True),
    Column("pending", Integer, nullable=True),
    Column("running", Integer, nullable=True),
    Index("ix_label_samples_label_at", "label_id", "at"),
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

# refused state updates of a job, one row per reason (with a count): a job's history stays bounded
# however often a caller repeats a refused update
job_refusals = Table(
    "job_refusals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(255), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("first_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
    Column("source", String(64), nullable=False),  # the last caller's address
    UniqueConstraint("job_id", "reason", name="uq_job_refusals_job_reason"),
)

# refused factory writes (admission, names), one row per factory, action and subject, for the
# dashboard; bounded in number (store/refused_writes.py)
refused_writes = Table(
    "refused_writes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("factory", String(64), nullable=False),  # as the caller named it (maybe not a valid name)
    Column("action", String(64), nullable=False),
    Column("subject", String(128), nullable=False, server_default=""),  # e.g. the queue (label)
    Column("address", String(64), nullable=False),  # the last caller's address
    Column("status", SmallInteger, nullable=False),
    Column("reason", String(1024), nullable=False),
    Column("fix", String(1024), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("first_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
    UniqueConstraint("factory", "action", "subject", name="uq_refused_writes_key"),
    Index("ix_refused_writes_last_at", "last_at"),
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
