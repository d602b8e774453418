"""slurmrestd's JSON: job descriptions for ``job/submit`` and job records from ``jobs``.

v0.0.38 (Slurm 22.05) takes plain numbers and an environment object; later versions wrap numbers as
``{"set": true, "number": n}``, want the environment as ``["K=V", ...]`` and report ``jobstate`` as
a list. Both shapes are handled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from autopyfactory.batch.slurm.jobs import SlurmJob, base_state, expand_indexes
from autopyfactory.batch.slurm.limits import memory_mb, time_minutes
from autopyfactory.batch.slurm.request import SubmitRequest
from autopyfactory.batch.slurm.tag import PilotTag


def wraps_numbers(version: str) -> bool:
    return version > "v0.0.38"


def job_description(req: SubmitRequest, version: str, env: Mapping[str, str]) -> dict[str, Any]:
    wrapped = wraps_numbers(version)
    o = req.opts

    def num(v: int) -> Any:
        return {"set": True, "infinite": False, "number": v} if wrapped else v

    desc: dict[str, Any] = {
        "name": req.tag.render(),
        "comment": req.tag.comment(),
        "standard_output": req.log_path("out"),
        "standard_error": req.log_path("err"),
        "current_working_directory": o.chdir or str(req.log_dir),
        "environment": [f"{k}={v}" for k, v in env.items()] if wrapped else dict(env),
    }
    if req.array:
        desc["array"] = req.array_spec
    for key, value in (("partition", o.partition), ("account", o.account), ("qos", o.qos)):
        if value:
            desc[key] = value
    if o.time_limit:
        desc["time_limit"] = num(time_minutes(o.time_limit))
    if o.memory:
        desc["memory_per_node"] = num(memory_mb(o.memory))
    if o.cpus:
        desc["cpus_per_task"] = o.cpus
    return desc


def _number(v: Any) -> int | None:
    if isinstance(v, dict):
        return int(v["number"]) if v.get("set") and not v.get("infinite") else None
    if isinstance(v, int | float) and not isinstance(v, bool):
        return int(v)
    return None


def _epoch(v: Any) -> float | None:
    n = _number(v)
    return float(n) if n else None


def _state(v: Any) -> str:
    if isinstance(v, list):
        return base_state(str(v[0])) if v else "UNKNOWN"
    return base_state(str(v or "UNKNOWN"))


def parse_rest_job(rec: Mapping[str, Any]) -> list[SlurmJob]:
    """One record to the pilots it stands for: a pending array record (``array_task_string``
    like ``0,2-4``) stands for several tasks."""
    raw = str(_number(rec.get("job_id")) or "")
    array_id = _number(rec.get("array_job_id"))
    task = _number(rec.get("array_task_id"))
    pending_tasks = str(rec.get("array_task_string") or "")
    job = SlurmJob(
        pilot_id=raw,
        raw_id=raw,
        state=_state(rec.get("job_state")),
        tag=PilotTag.of_job(str(rec.get("name") or ""), str(rec.get("comment") or "")),
        submitted_at=_epoch(rec.get("submit_time")),
        started_at=_epoch(rec.get("start_time")),
        ended_at=_epoch(rec.get("end_time")),
        held=_number(rec.get("priority")) == 0,
    )
    if array_id and pending_tasks:
        return [replace(job, pilot_id=f"{array_id}_{i}") for i in expand_indexes(pending_tasks)]
    if array_id and task is not None:
        return [replace(job, pilot_id=f"{array_id}_{task}")]
    return [job]
