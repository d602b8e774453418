"""The threads plugin calls run on: a hung call costs one thread, never the others' progress nor
the process's exit; a call past its deadline raises Overran and logs when it finally returns."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time

import pytest

from autopyfactory.engine.calls import Overran, call_with_deadline
from autopyfactory.engine.pool import DaemonPool


def test_a_hung_call_does_not_hold_up_the_next_ones() -> None:
    pool = DaemonPool("t")
    gate = threading.Event()
    hung = pool.submit(gate.wait)
    assert [pool.submit(lambda i=i: i * 2).result(timeout=30) for i in range(5)] == [0, 2, 4, 6, 8]
    assert not hung.done()
    gate.set()
    assert hung.result(timeout=30) is True
    pool.close()


def test_max_threads_queues_calls_in_order() -> None:
    pool = DaemonPool("t", max_threads=2)
    gate = threading.Event()
    order: list[int] = []
    futs = [pool.submit(lambda i=i: (gate.wait(), order.append(i))) for i in range(6)]
    assert pool.threads == 2
    gate.set()
    for f in futs:
        f.result(timeout=30)
    assert sorted(order) == list(range(6)) and pool.threads <= 2
    pool.close()


def test_a_process_with_a_hung_call_can_still_exit() -> None:
    code = (
        "import threading; from autopyfactory.engine.pool import DaemonPool; "
        "DaemonPool('t').submit(threading.Event().wait); print('main done')"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "main done" in r.stdout


def test_a_call_past_its_deadline_raises_overran_and_its_late_end_is_logged(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="autopyfactory")
    pool = DaemonPool("t")
    gate = threading.Event()
    with pytest.raises(Overran) as info:
        call_with_deadline(pool, "queue=Q", "P", "submit", lambda: gate.wait() and [1, 2], 0.2, "k.timeout")
    assert str(info.value) == "plugin=P call=submit did not return within its deadline of 0.2s (k.timeout)"
    running = info.value.running
    assert not running.done and "running for" in running.describe()
    gate.set()
    running.future.result(timeout=30)
    end = time.monotonic() + 30  # the line is logged by the future's callback, just after the result
    while "queue=Q plugin=P call=submit returned 2 item(s) after" not in caplog.text:
        assert time.monotonic() < end, caplog.text
        time.sleep(0.02)
    assert call_with_deadline(pool, "queue=Q", "P", "submit", lambda: 7, 30, "k.timeout") == 7
    pool.close()
