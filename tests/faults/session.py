"""The fault-injection run's seed, kill rounds and tally: one of each per test run.

``APF_FAULTS_SEED`` sets the seed (an integer, or ``random``); ``APF_FAULTS_ROUNDS`` the number of
kill -9 rounds of the soak (default 6; raise it for longer soak runs). A random seed is drawn once
and written back to ``APF_FAULTS_SEED``, so the pytest-xdist workers started afterwards use the
same one; each worker hands its tally to the controller, which prints the summary of them all
(tests/conftest.py)."""

from __future__ import annotations

import os

from tests.faults.tally import Tally

DEFAULT_SEED = 20261201
DEFAULT_ROUNDS = 6
TALLY_OUTPUT = "faults_tally"  # the key of a worker's tally in its pytest-xdist workeroutput


def _seed() -> int:
    raw = os.environ.get("APF_FAULTS_SEED", "").strip()
    if raw.lower() == "random":
        seed = int.from_bytes(os.urandom(4), "big")
        os.environ["APF_FAULTS_SEED"] = str(seed)
        return seed
    return int(raw) if raw else DEFAULT_SEED


def _rounds() -> int:
    raw = os.environ.get("APF_FAULTS_ROUNDS", "").strip()
    return max(1, int(raw)) if raw else DEFAULT_ROUNDS


TALLY = Tally(_seed(), _rounds())
