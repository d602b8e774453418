"""The batch script of a pilot: derive APFCID from Slurm's variables, export the pilot environment,
then exec the pilot executable (optionally shipped inside the script)."""

from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Mapping, Sequence

# stands for the pilot id in environment values (GTAG, FACTORY_JOBID): only Slurm knows it, at run time
PILOT_ID = "\x00APFCID\x00"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

_PROLOGUE = """\
#!/bin/sh
# autopyfactory pilot: the pilot id is <jobid> or, for an array task, <arrayjobid>_<index>
if [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
    APFCID="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
else
    APFCID="${SLURM_JOB_ID}"
fi
export APFCID
"""


def shell_value(value: str) -> str:
    """``value`` as one shell word, with every :data:`PILOT_ID` replaced by ``$APFCID``."""
    return '"$APFCID"'.join(shlex.quote(part) for part in value.split(PILOT_ID))


def build_script(argv: Sequence[str], env: Mapping[str, str], executable: bytes | None = None) -> str:
    """The script text. With ``executable`` (the program's bytes) the program travels inside the
    script, is written to a temporary file on the worker, run, and removed."""
    lines = [_PROLOGUE.rstrip("\n")]
    for key, value in env.items():
        if key != "APFCID" and _NAME.match(key):
            lines.append(f"export {key}={shell_value(value)}")
    args = " ".join(shlex.quote(a) for a in argv[1:])
    if executable is None:
        lines.append(f"exec {shlex.quote(argv[0])} {args}".rstrip())
        return "\n".join(lines) + "\n"
    encoded = base64.encodebytes(executable).decode("ascii").rstrip("\n")
    lines += [
        'APF_EXE=$(mktemp "${TMPDIR:-/tmp}/apf-pilot.XXXXXX") || exit 1',
        "base64 -d >\"$APF_EXE\" <<'APF_EXECUTABLE_END'",
        encoded,
        "APF_EXECUTABLE_END",
        'chmod 0700 "$APF_EXE"',
        f'"$APF_EXE" {args}'.rstrip(),
        "rc=$?",
        'rm -f "$APF_EXE"',
        'exit "$rc"',
    ]
    return "\n".join(lines) + "\n"
