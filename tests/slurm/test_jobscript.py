"""The batch script, run by /bin/sh with the variables Slurm sets: APFCID and the environment."""

from __future__ import annotations

import subprocess
from pathlib import Path

from autopyfactory.batch.slurm.jobscript import PILOT_ID, build_script

ENV = {
    "GTAG": f"http://h/logs/{PILOT_ID}.out",
    "FACTORY_JOBID": f"host#{PILOT_ID}",
    "ODD": 'it\'s $x `y` "z"',
}
SHOW = ["/bin/sh", "-c", 'printf "%s\\n" "$APFCID" "$GTAG" "$FACTORY_JOBID" "$ODD" "$@"', "sh", "a b", "c"]


def run(script: str, tmp_path: Path, **slurm: str) -> list[str]:
    path = tmp_path / "job.sh"
    path.write_text(script)
    env = {"PATH": "/usr/bin:/bin", **slurm}
    return subprocess.run(
        ["/bin/sh", str(path)], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()


def test_array_task_gets_arrayid_underscore_index_as_its_pilot_id(tmp_path: Path) -> None:
    out = run(
        build_script(SHOW, ENV), tmp_path, SLURM_JOB_ID="17", SLURM_ARRAY_JOB_ID="12", SLURM_ARRAY_TASK_ID="3"
    )
    assert out == ["12_3", "http://h/logs/12_3.out", "host#12_3", 'it\'s $x `y` "z"', "a b", "c"]


def test_plain_job_gets_its_job_id(tmp_path: Path) -> None:
    out = run(build_script(SHOW, ENV), tmp_path, SLURM_JOB_ID="17")
    assert out[:3] == ["17", "http://h/logs/17.out", "host#17"]


def test_an_embedded_executable_is_written_run_and_removed(tmp_path: Path) -> None:
    program = b'#!/bin/sh\necho "embedded $APFCID $1"\necho "$0"\nexit 3\n'
    script = build_script(["/not/on/this/worker/pilot.sh", "arg"], {}, program)
    path = tmp_path / "job.sh"
    path.write_text(script)
    env = {"PATH": "/usr/bin:/bin", "SLURM_JOB_ID": "5", "TMPDIR": str(tmp_path)}
    proc = subprocess.run(["/bin/sh", str(path)], env=env, capture_output=True, text=True)
    assert proc.returncode == 3
    first, exe = proc.stdout.splitlines()
    assert first == "embedded 5 arg"
    assert exe.startswith(str(tmp_path)) and not Path(exe).exists()


def test_variables_with_names_the_shell_cannot_export_are_left_out() -> None:
    script = build_script(["/bin/true"], {"GOOD_1": "v", "BAD-NAME": "v", "1BAD": "v"})
    assert "export GOOD_1=v" in script and "BAD-NAME" not in script and "1BAD" not in script
