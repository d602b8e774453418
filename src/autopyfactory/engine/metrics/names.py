"""Every series the factory exposes: name, type, labels and meaning (docs/operations.md lists them;
the Grafana dashboard in docs/grafana/ is built on them).

Label values are only queue names, status source names, auth profile names and fixed enums, so the
number of series is bounded by the configuration."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "autopyfactory_"
QUEUE = ("queue",)
SOURCE = ("category", "plugin", "source")
CREDENTIAL = ("profile", "kind")


@dataclass(frozen=True, slots=True)
class Series:
    """One metric family as exposed: ``name`` with its ``_total`` (counters) or ``_seconds`` suffix;
    a histogram adds ``_bucket``, ``_sum`` and ``_count``, a summary ``_sum`` and ``_count``."""

    name: str
    type: str  # counter, gauge, histogram or summary (its _count and _sum, no quantiles)
    labels: tuple[str, ...]
    help: str

    @property
    def family(self) -> str:
        """The name prometheus_client is given (a counter's without ``_total``)."""
        return self.name.removesuffix("_total") if self.type == "counter" else self.name


def _s(name: str, type_: str, labels: tuple[str, ...], help_: str) -> Series:
    return Series(PREFIX + name, type_, labels, help_)


# -- the factory --------------------------------------------------------------------------------
FACTORY_INFO = _s("factory_info", "gauge", ("factory_id", "version"), "The factory's identity (value 1)")
CYCLES = _s("cycles_total", "counter", (), "Cycles run (a cycle in which no queue was due is not counted)")
CYCLE_DURATION = _s(
    "cycle_duration_seconds",
    "histogram",
    (),
    "Duration of a cycle: from its start to the end of the actions it waited for",
)
RELOADS = _s(
    "config_reloads_total",
    "counter",
    ("result",),
    "Configuration reloads by result: full (every plugin built anew), queues (only changed queues "
    "restarted), kept (the new configuration was refused or unreadable: nothing changed)",
)
QUEUES = _s(
    "queues",
    "gauge",
    ("state",),
    "Configured queues by state: running, kept-last-good (running its last good configuration: the "
    "new one has errors), disabled-by-config, not-started (its configuration has errors)",
)

# -- each queue ---------------------------------------------------------------------------------
QUEUE_STATE = _s(
    "queue_state", "gauge", ("queue", "state"), "1 for the queue's present state, 0 for the other states"
)
QUEUE_STATE_SINCE = _s(
    "queue_state_since_timestamp_seconds",
    "gauge",
    QUEUE,
    "When the queue entered its present state (for kept-last-good: the first reload that broke it)",
)
DECISIONS = _s(
    "queue_decisions_total",
    "counter",
    ("queue", "action"),
    "Queue cycles by the action chosen: submit, retire, none (decided 0, or could not act: stale or "
    "missing data, a stop), skipped (a call of an earlier cycle still runs), error (the decision raised)",
)
ACTIVATED = _s("queue_activated_jobs", "gauge", QUEUE, "Activated (ready) WMS jobs the queue last saw")
PENDING = _s("queue_pending_pilots", "gauge", QUEUE, "The queue's pending pilots, as it last saw them")
RUNNING = _s("queue_running_pilots", "gauge", QUEUE, "The queue's running pilots, as it last saw them")
DECISION = _s(
    "queue_decision_pilots",
    "gauge",
    QUEUE,
    "The sched chain's last output: pilots to submit (> 0) or retire (< 0), before the safety cap",
)
CAP_CUT = _s(
    "queue_cap_cut_pilots",
    "gauge",
    QUEUE,
    "Pilots the batchsubmit.maxpercycle safety cap took off the last decision (0: it did not cut)",
)
CAP_CUTS = _s(
    "queue_cap_cuts_total", "counter", QUEUE, "Decisions the batchsubmit.maxpercycle safety cap cut"
)
SUBMITTED = _s("pilots_submitted_total", "counter", QUEUE, "Pilots submitted")
RETIRED = _s(
    "pilots_retired_total", "counter", QUEUE, "Pilots retired or withdrawn (removed from the batch system)"
)
SUBMIT_FAILED = _s(
    "pilots_submit_failed_total",
    "counter",
    QUEUE,
    "Pilots decided on that the submit plugin did not create: it raised, overran batchsubmit.timeout "
    "or made fewer than asked (pilots a stop cut off are not counted)",
)
ACTION_ERRORS = _s(
    "queue_action_errors_total",
    "counter",
    ("queue", "action"),
    "Submissions and retirements that ended with an error (a plugin call raised or overran its deadline)",
)
QUEUE_CYCLE_DURATION = _s(
    "queue_cycle_duration_seconds",
    "histogram",
    QUEUE,
    "Duration of the queue's cycle: from the cycle's start (its status polls) to its decision line "
    "(its submission or retirement done)",
)
LATENESS = _s(
    "queue_cycle_lateness_seconds",
    "gauge",
    QUEUE,
    "How late the queue's last cycle started after it was due (apfqueue.sleep after the one before)",
)
LAST_DECISION = _s("queue_last_decision_timestamp_seconds", "gauge", QUEUE, "When the queue last decided")
SLEEP = _s("queue_sleep_seconds", "gauge", QUEUE, "The queue's cycle interval (apfqueue.sleep)")
QUEUE_SOURCE = _s(
    "queue_status_source",
    "gauge",
    ("queue", *SOURCE),
    "The status sources each running queue reads (value 1): joins queues to the status_* series",
)

# -- each status source -------------------------------------------------------------------------
POLLS = _s("status_polls_total", "counter", SOURCE, "Polls of the status source")
POLL_ERRORS = _s(
    "status_poll_errors_total",
    "counter",
    (*SOURCE, "reason"),
    "Polls that gave no usable data, by reason: error (the poll raised), timeout (still running at "
    "status.timeout), busy (its earlier poll still running: not started again), stale (it answered with "
    "data older than the source's maxage, e.g. the last PanDA data while PanDA does not answer)",
)
POLL_DURATION = _s(
    "status_poll_duration_seconds",
    "histogram",
    SOURCE,
    "Duration of the polls that ended (answered or raised) within status.timeout: the cycle's wait for "
    "the source (PanDA's polls read its poller's data; its requests are status_fetch_duration_seconds)",
)
DATA_AGE = _s(
    "status_data_age_seconds",
    "gauge",
    SOURCE,
    "Age of the newest data the status source gave (absent until it gave some)",
)
FETCH_DURATION = _s(
    "status_fetch_duration_seconds",
    "summary",
    SOURCE,
    "Fetches of a source that fetches in a thread of its own and answers its polls from what they "
    "kept (PanDA: its job statistics and its site status, each a fetch with its retries): how many "
    "ended, how long they took",
)
FETCH_ERRORS = _s(
    "status_fetch_errors_total",
    "counter",
    SOURCE,
    "Fetches of such a source that failed (some of its data is older: it ages out at maxage)",
)
MAXAGE = _s(
    "status_maxage_seconds",
    "gauge",
    SOURCE,
    "The source's maxage: older data counts as missing (a queue's own wmsstatus.maxage may differ)",
)

# -- credentials --------------------------------------------------------------------------------
CREDENTIAL_LEFT = _s(
    "credential_time_left_seconds",
    "gauge",
    CREDENTIAL,
    "Time left on the auth profile's credential (the shortest of its credentials), as its last check "
    "found it (absent while unknown)",
)
CREDENTIAL_MINLIFE = _s(
    "credential_minlife_seconds",
    "gauge",
    CREDENTIAL,
    "The profile's minlife: its credential is not handed out with less time left",
)
CREDENTIAL_OK = _s(
    "credential_ok",
    "gauge",
    CREDENTIAL,
    "1 when the profile's last check found its credential usable, 0 when it did not (absent before the "
    "first check)",
)

ALL: tuple[Series, ...] = (
    FACTORY_INFO, CYCLES, CYCLE_DURATION, RELOADS, QUEUES,
    QUEUE_STATE, QUEUE_STATE_SINCE, DECISIONS, ACTIVATED, PENDING, RUNNING, DECISION, CAP_CUT, CAP_CUTS,
    SUBMITTED, RETIRED, SUBMIT_FAILED, ACTION_ERRORS, QUEUE_CYCLE_DURATION, LATENESS, LAST_DECISION, SLEEP,
    QUEUE_SOURCE,
    POLLS, POLL_ERRORS, POLL_DURATION, FETCH_DURATION, FETCH_ERRORS, DATA_AGE, MAXAGE,
    CREDENTIAL_LEFT, CREDENTIAL_MINLIFE, CREDENTIAL_OK,
)  # fmt: skip

# the buckets of the duration histograms (seconds)
POLL_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
CYCLE_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
