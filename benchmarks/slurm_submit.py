"""Pilots per second into Slurm: the factory (its cycle and the real ``Slurm`` submit plugin) against
a plain loop of ``sbatch`` calls, in the same run on the same cluster.

The factory submits ``--pilots`` pilots in ``--cycles`` cycles (``run_cycle`` with the ``Fixed``
sched plugin: status poll, decision, one job array per cycle). The raw loop runs one
``sbatch --parsable`` per pilot, each with a small script on stdin, serially. A third figure, the
factory with ``maxarraysize = 1`` (one sbatch per pilot), shows the plugin's own cost per call.
Every job is held (``--hold``) so that running pilots do not slow the controller; all are cancelled
after each measurement.

When ``SLURM_CONF`` is unset, a one-node cluster is started with ``scripts/slurm/start.sh`` in a
temporary directory (root needed) and stopped afterwards, so one command measures a fresh machine.

Prints pilots/s for each and the ratio factory / raw sbatch (target >= 0.9).
Usage: python benchmarks/slurm_submit.py [--pilots N] [--cycles C] [--repeat K]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from autopyfactory.engine.factory import Factory, RunOptions

ROOT = Path(__file__).resolve().parents[1]
RAW_NAME = "apf-bench-raw"
SCRIPT = "#!/bin/sh\ntrue\n"


def free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        with socket.socket() as s2:
            try:
                s2.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


@contextmanager
def cluster() -> Iterator[str]:
    """SLURM_CONF of the cluster to use: the caller's, or a fresh one started (and stopped) here."""
    existing = os.environ.get("SLURM_CONF")
    if existing:
        print(f"cluster: SLURM_CONF={existing} (already running)")
        yield existing
        return
    if os.geteuid() != 0:
        sys.exit("slurm_submit: set SLURM_CONF, or run as root to start a one-node cluster")
    base = Path(tempfile.mkdtemp(prefix="apf-slurm-bench-"))
    env = {**os.environ, "SLURM_TEST_PORT": str(free_port_pair())}
    t0 = time.monotonic()
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts/slurm/start.sh"), str(base)], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        subprocess.run(["bash", str(ROOT / "scripts/slurm/stop.sh"), str(base)], capture_output=True)
        sys.exit(f"slurm_submit: scripts/slurm/start.sh failed:\n{proc.stderr}")
    print(f"cluster: one node started in {time.monotonic() - t0:.2f}s")
    try:
        yield str(base / "etc" / "slurm.conf")
    finally:
        subprocess.run(["bash", str(ROOT / "scripts/slurm/stop.sh"), str(base)], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def cancel(slurm_conf: str, name: str) -> None:
    env = {**os.environ, "SLURM_CONF": slurm_conf}
    subprocess.run(["scancel", f"--name={name}"], env=env, capture_output=True, timeout=60)


def raw_sbatch(slurm_conf: str, pilots: int, logdir: Path) -> float:
    """Seconds for ``pilots`` serial sbatch calls."""
    env = {**os.environ, "SLURM_CONF": slurm_conf}
    argv = ["sbatch", "--parsable", "--hold", f"--job-name={RAW_NAME}", f"--output={logdir}/%j.out"]
    t0 = time.perf_counter()
    for _ in range(pilots):
        subprocess.run(argv, input=SCRIPT, env=env, capture_output=True, text=True, timeout=60, check=True)
    elapsed = time.perf_counter() - t0
    cancel(slurm_conf, RAW_NAME)
    return elapsed


def factory_conf(top: Path, slurm_conf: str, per_cycle: int, max_array: int) -> Path:
    etc = top / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "autopyfactory.conf").write_text(
        textwrap.dedent(f"""
        [Factory]
        factoryId = bench
        baseLogDir = {top}/logs
        baseLogDirUrl = http://localhost:25880
        statedir = {top}/state
        logserver.enabled = False
        batch.slurm.accounting = none
        """)
    )
    (etc / "queues.conf").write_text(
        textwrap.dedent(f"""
        [BENCH]
        wmsstatusplugin = Static
        batchsubmitplugin = Slurm
        schedplugin = Fixed
        sched.fixed.pilotspercycle = {per_cycle}
        executable = /bin/true
        apfqueue.sleep = 0
        batchsubmit.slurm.slurmconf = {slurm_conf}
        batchsubmit.slurm.options = --hold
        batchsubmit.slurm.maxarraysize = {max_array}
        """)
    )
    return etc


def factory_cycles(slurm_conf: str, pilots: int, cycles: int, max_array: int, top: Path) -> float:
    """Seconds for the factory to submit ``pilots`` in ``cycles`` cycles (status poll included)."""
    f = Factory(
        RunOptions(conf=str(factory_conf(top, slurm_conf, pilots // cycles, max_array)), services=False)
    )
    t0 = time.perf_counter()
    submitted = 0
    for _ in range(cycles):
        submitted += sum(o.submitted for o in f.run_cycle().outcomes)
    elapsed = time.perf_counter() - t0
    f.hub.close()
    cancel(slurm_conf, "apf:bench:BENCH")
    if submitted != pilots // cycles * cycles:
        sys.exit(f"slurm_submit: the factory submitted {submitted} pilots, expected {pilots}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pilots", type=int, default=200, help="pilots per measurement (default 200)")
    ap.add_argument("--cycles", type=int, default=4, help="factory cycles they are spread over (default 4)")
    ap.add_argument("--repeat", type=int, default=3, help="measurements of each kind; the median counts")
    a = ap.parse_args()
    pilots = a.pilots // a.cycles * a.cycles
    with cluster() as conf, tempfile.TemporaryDirectory(prefix="apf-bench-") as tmp:
        top = Path(tmp)
        (top / "raw").mkdir()
        raw_sbatch(conf, 5, top / "raw")  # warm-up: the first jobs after a start are slower
        runs: dict[str, Callable[[], float]] = {
            "raw": lambda: raw_sbatch(conf, pilots, top / "raw"),
            "arrays": lambda: factory_cycles(conf, pilots, a.cycles, 1000, top / "f"),
            "single": lambda: factory_cycles(conf, pilots, a.cycles, 1, top / "g"),
        }
        rates: dict[str, list[float]] = {k: [] for k in runs}
        for _ in range(a.repeat):  # interleaved, so that a change of machine load hits all three
            for kind, run in runs.items():
                rates[kind].append(pilots / run())
    raw, arrays, single = (statistics.median(rates[k]) for k in ("raw", "arrays", "single"))
    print(
        f"pilots per measurement: {pilots} (factory: {a.cycles} cycles of {pilots // a.cycles}); median of {a.repeat}"
    )
    print(f"raw sbatch loop (one call per pilot):           {raw:9.1f} pilots/s")
    print(f"factory, job arrays (one sbatch per cycle):      {arrays:9.1f} pilots/s")
    print(f"factory, maxarraysize = 1 (one sbatch per pilot): {single:9.1f} pilots/s")
    print(
        "each run, pilots/s: "
        + "; ".join(f"{k} " + " ".join(f"{r:.0f}" for r in v) for k, v in rates.items())
    )
    print(f"ratio factory / raw sbatch: {arrays / raw:.2f} (target >= 0.9)")
    print(f"ratio factory without arrays / raw sbatch: {single / raw:.2f}")


if __name__ == "__main__":
    main()
