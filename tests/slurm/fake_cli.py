"""Stand-ins for sbatch, squeue, sacct and scancel on PATH: they record their calls and print what
the test put in place, so the plugins' command-line path runs unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

SBATCH = """#!/bin/sh
d={d}
n=$(($(cat "$d/sbatch.count" 2>/dev/null || echo 0) + 1))
echo "$n" >"$d/sbatch.count"
printf '%s\\n' "$@" >"$d/sbatch.$n.args"
cat >"$d/sbatch.$n.script"
if [ -s "$d/sbatch.fail" ]; then cat "$d/sbatch.fail" >&2; exit 1; fi
echo $((40 + n))
"""
SQUEUE = """#!/bin/sh
d={d}
echo x >>"$d/squeue.calls"
[ -s "$d/squeue.sleep" ] && sleep "$(cat "$d/squeue.sleep")"
cat "$d/squeue.txt" 2>/dev/null
exit 0
"""
SACCT = """#!/bin/sh
d={d}
echo "$*" >>"$d/sacct.calls"
case " $* " in
  *" -c "*) [ -f "$d/sacct-c.txt" ] || exit 1; cat "$d/sacct-c.txt";;
  *) [ -f "$d/sacct.txt" ] || {{ echo "Slurm accounting storage is disabled"; exit 1; }}; cat "$d/sacct.txt";;
esac
"""
SCANCEL = """#!/bin/sh
echo "$@" >>{d}/scancel.calls
"""


class FakeSlurm:
    def __init__(self, root: Path) -> None:
        self.dir = root
        self.bin = root / "bin"
        self.bin.mkdir(parents=True)
        for name, text in (("sbatch", SBATCH), ("squeue", SQUEUE), ("sacct", SACCT), ("scancel", SCANCEL)):
            p = self.bin / name
            p.write_text(text.format(d=root))
            p.chmod(0o755)

    def file(self, name: str) -> Path:
        return self.dir / name

    def sbatch_calls(self) -> list[tuple[list[str], str]]:
        n = int(self.file("sbatch.count").read_text()) if self.file("sbatch.count").exists() else 0
        return [
            (
                self.file(f"sbatch.{i}.args").read_text().splitlines(),
                self.file(f"sbatch.{i}.script").read_text(),
            )
            for i in range(1, n + 1)
        ]

    def lines(self, name: str) -> list[str]:
        p = self.file(name)
        return p.read_text().splitlines() if p.exists() else []


@pytest.fixture
def fake_slurm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSlurm:
    fake = FakeSlurm(tmp_path / "fake-slurm")
    monkeypatch.setenv("PATH", f"{fake.bin}:/usr/bin:/bin")
    monkeypatch.delenv("SLURM_CONF", raising=False)
    return fake
