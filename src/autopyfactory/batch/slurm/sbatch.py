"""``sbatch --parsable``: the command line of one submission, and its answer."""

from __future__ import annotations

from autopyfactory.batch.slurm.request import SubmitRequest
from autopyfactory.batch.slurm.runner import SlurmError


def sbatch_argv(req: SubmitRequest, cluster: str = "") -> list[str]:
    """The script itself goes on stdin; the queue's extra options come last (they win)."""
    o = req.opts
    argv = [
        "sbatch",
        "--parsable",
        f"--job-name={req.tag.render()}",
        f"--comment={req.tag.comment()}",
        f"--output={req.log_path('out')}",
        f"--error={req.log_path('err')}",
    ]
    if req.array:
        argv.append(f"--array={req.array_spec}")
    for flag, value in (
        ("--partition", o.partition),
        ("--account", o.account),
        ("--qos", o.qos),
        ("--time", o.time_limit),
        ("--mem", o.memory),
        ("--export", o.export),
        ("--chdir", o.chdir or str(req.log_dir)),
    ):
        if value:
            argv.append(f"{flag}={value}")
    if o.cpus:
        argv.append(f"--cpus-per-task={o.cpus}")
    if cluster:
        argv.append(f"--clusters={cluster}")
    argv.extend(o.options)
    return argv


def parse_parsable(stdout: str) -> str:
    """``<jobid>`` or ``<jobid>;<cluster>`` to the job id."""
    lines = [ln.strip() for ln in stdout.splitlines() if ln.strip()]
    job_id = lines[-1].split(";", 1)[0] if lines else ""
    if not job_id.isdigit():
        raise SlurmError(f"sbatch printed no job id: {stdout.strip()[:200]!r}")
    return job_id
