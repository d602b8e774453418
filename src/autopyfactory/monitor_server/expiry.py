"""The expiry rules (APFMon's ``expire`` and ``clean`` commands, built in) applied at one instant.

created longer than ``created_flag_after`` -> flagged; running longer than ``running_flag_after`` ->
flagged; exiting longer than ``exiting_done_after`` -> done; flagged and untouched for
``flagged_fault_after`` -> fault. Retention: done/fault jobs older than ``keep_finished`` are deleted,
then labels and factories unmodified for ``keep_inactive`` that have no jobs left, and records of
refused factory writes not refused again for ``keep_inactive``."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import ColumnElement, Connection, delete, insert, update

from autopyfactory.monitor_server.db.schema import job_events, jobs
from autopyfactory.monitor_server.settings import ExpirySettings
from autopyfactory.monitor_server.states import ACTIVE_STATES, TERMINAL_STATES, JobState
from autopyfactory.monitor_server.store.factories import delete_inactive_factories
from autopyfactory.monitor_server.store.labels import delete_inactive_labels
from autopyfactory.monitor_server.store.refused_writes import delete_old_refused

SOURCE = "expiry"


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    """What one expiry pass changed."""

    flagged_created: int = 0
    flagged_running: int = 0
    done: int = 0
    fault: int = 0
    deleted_jobs: int = 0
    deleted_labels: int = 0
    deleted_factories: int = 0
    deleted_refused: int = 0  # refused-write records not refused again for keep_inactive

    def items(self) -> list[tuple[str, int]]:
        return [(f.name, int(getattr(self, f.name))) for f in fields(self)]

    @property
    def changed(self) -> int:
        return sum(n for _, n in self.items())


def _hours(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g}h"
    return f"{seconds / 60:g}min" if seconds >= 60 else f"{seconds:g}s"


def _log(conn: Connection, ids: list[int], now: float, state: str | None, text: str) -> None:
    if ids:
        conn.execute(
            insert(job_events),
            [{"job_id": i, "at": now, "source": SOURCE, "state": state, "text": text} for i in ids],
        )


def _move(conn: Connection, where: list[ColumnElement[bool]], values: dict[str, object]) -> list[int]:
    stmt = update(jobs).where(*where).values(values).returning(jobs.c.id)
    return [r.id for r in conn.execute(stmt)]


def run_expiry(conn: Connection, rules: ExpirySettings, now: float) -> ExpiryReport:
    """Apply every rule once, inside the caller's transaction."""
    done = _move(
        conn,
        [jobs.c.state == JobState.EXITING.value, jobs.c.last_modified < now - rules.exiting_done_after],
        {"state": JobState.DONE.value, "last_modified": now, "flag": False},
    )
    _log(
        conn,
        done,
        now,
        JobState.DONE.value,
        f"done: exiting for more than {_hours(rules.exiting_done_after)}",
    )
    fault = _move(
        conn,
        [
            jobs.c.flag.is_(True),
            jobs.c.state.in_([s.value for s in ACTIVE_STATES]),
            jobs.c.last_modified < now - rules.flagged_fault_after,
        ],
        {"state": JobState.FAULT.value, "last_modified": now},
    )
    _log(
        conn,
        fault,
        now,
        JobState.FAULT.value,
        f"fault: flagged and untouched for {_hours(rules.flagged_fault_after)}",
    )
    flagged: dict[JobState, list[int]] = {}
    for state, after in (
        (JobState.CREATED, rules.created_flag_after),
        (JobState.RUNNING, rules.running_flag_after),
    ):
        flagged[state] = _move(
            conn,
            [jobs.c.state == state.value, jobs.c.flag.is_(False), jobs.c.last_modified < now - after],
            {"flag": True, "last_modified": now},
        )
        _log(conn, flagged[state], now, None, f"flagged: {state} for more than {_hours(after)}")
    deleted = conn.execute(
        delete(jobs).where(
            jobs.c.state.in_([s.value for s in TERMINAL_STATES]),
            jobs.c.last_modified < now - rules.keep_finished,
        )
    ).rowcount
    before = now - rules.keep_inactive
    return ExpiryReport(
        flagged_created=len(flagged[JobState.CREATED]),
        flagged_running=len(flagged[JobState.RUNNING]),
        done=len(done),
        fault=len(fault),
        deleted_jobs=deleted,
        deleted_labels=delete_inactive_labels(conn, before),
        deleted_factories=delete_inactive_factories(conn, before),
        deleted_refused=delete_old_refused(conn, before),
    )
