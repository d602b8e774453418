"""The state writer's batching: which updates share a transaction, how many batches are in flight,
and that every update gets its own answer. (The applier is a recorder: this is about batching.)"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from autopyfactory.monitor_server.clock import FakeClock
from autopyfactory.monitor_server.states import JobState
from autopyfactory.monitor_server.store.transition_plan import Outcome, StateUpdate, UpdateResult
from autopyfactory.monitor_server.writer import StateWriter

T = TypeVar("T")


def _run(make: Callable[[], Awaitable[T]]) -> T:
    # in a thread of its own: a test before this one may leave an event loop running in this one
    async def main() -> T:
        return await make()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


class Recorder:
    """Records each batch; a batch waits for ``release`` when ``hold`` is set. Pilots named ``gone``
    are not found, the others are."""

    def __init__(self, hold: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.hold = hold
        self.release = asyncio.Event()

    async def apply(self, updates: Sequence[StateUpdate], now: float) -> list[UpdateResult]:
        self.batches.append([u.jid for u in updates])
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.hold:
                await self.release.wait()
            else:
                await asyncio.sleep(0)
        finally:
            self.in_flight -= 1
        return [
            UpdateResult(Outcome.NOT_FOUND)
            if u.jid.startswith("gone")
            else UpdateResult(Outcome.OK, JobState.CREATED)
            for u in updates
        ]


def _u(jid: str) -> StateUpdate:
    return StateUpdate(jid, JobState.RUNNING, "10.0.0.1")


async def _turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_updates_of_one_turn_of_the_loop_share_a_batch_and_each_gets_its_own_answer() -> None:
    async def go() -> tuple[list[list[str]], list[UpdateResult]]:
        rec = Recorder()
        writer = StateWriter(rec.apply, FakeClock())
        answers = await asyncio.gather(*(writer.submit(_u(j)) for j in ("a", "gone1", "b", "gone2")))
        await writer.aclose()
        return rec.batches, answers

    batches, answers = _run(go)
    assert batches == [["a", "gone1", "b", "gone2"]]
    assert [a.outcome for a in answers] == [Outcome.OK, Outcome.NOT_FOUND, Outcome.OK, Outcome.NOT_FOUND]


def test_updates_arriving_while_the_only_batch_is_in_flight_go_together_next() -> None:
    async def go() -> list[list[str]]:
        rec = Recorder(hold=True)
        writer = StateWriter(rec.apply, FakeClock(), parallel=1)
        first = asyncio.ensure_future(writer.submit(_u("a")))
        await _turns(3)
        rest = [asyncio.ensure_future(writer.submit(_u(j))) for j in ("b", "c", "d")]
        await _turns(3)
        assert rec.batches == [["a"]]  # b, c and d wait for the batch in flight
        rec.release.set()
        await asyncio.gather(first, *rest)
        await writer.aclose()
        return rec.batches

    assert _run(go) == [["a"], ["b", "c", "d"]]


def test_up_to_parallel_batches_are_in_flight_and_the_rest_waits() -> None:
    async def go() -> tuple[list[list[str]], int]:
        rec = Recorder(hold=True)
        writer = StateWriter(rec.apply, FakeClock(), parallel=2)
        futures = []
        for j in ("a", "b", "c", "d"):
            futures.append(asyncio.ensure_future(writer.submit(_u(j))))
            await _turns(3)
        assert rec.batches == [["a"], ["b"]]
        rec.release.set()
        await asyncio.gather(*futures)
        await writer.aclose()
        return rec.batches, rec.most_in_flight

    batches, most = _run(go)
    assert (batches, most) == ([["a"], ["b"], ["c", "d"]], 2)


def test_with_spacing_an_update_after_a_quiet_spell_goes_at_once_and_a_burst_shares_the_next_batch() -> None:
    async def go() -> list[list[str]]:
        rec = Recorder()
        # a second between batches: far longer than the few turns of the loop this test takes
        writer = StateWriter(rec.apply, FakeClock(), parallel=3, spacing=1.0)
        assert (await writer.submit(_u("a"))).outcome is Outcome.OK  # nothing started lately: at once
        futures = []
        for j in ("b", "c", "d", "e"):
            futures.append(asyncio.ensure_future(writer.submit(_u(j))))
            await _turns(3)
        assert rec.batches == [["a"]]
        await asyncio.gather(*futures)
        await writer.aclose()
        return rec.batches

    assert _run(go) == [["a"], ["b", "c", "d", "e"]]


def test_a_burst_larger_than_a_batch_is_split_in_order() -> None:
    async def go() -> list[list[str]]:
        rec = Recorder()
        writer = StateWriter(rec.apply, FakeClock(), parallel=2, max_batch=3)
        await asyncio.gather(*(writer.submit(_u(str(i))) for i in range(8)))
        await writer.aclose()
        return rec.batches

    assert _run(go) == [["0", "1", "2"], ["3", "4", "5"], ["6", "7"]]
