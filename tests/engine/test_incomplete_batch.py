"""A batch view that cannot count one queue (a raw state its mapping does not know) stops that queue's
decision only; the pilots it could not count still count towards the factory-wide total."""

from __future__ import annotations

from autopyfactory.engine.snapshot import build_snapshot
from autopyfactory.model.batch import BatchQueueInfo, BatchView

WHY = "raw state(s) '9' (2 pilots) of queue(s) B map to no batch bucket"


def _view() -> BatchView:
    return BatchView(
        "Condor", 100.0, {"A": BatchQueueInfo(pending=1, running=3)}, incomplete={"B": WHY}, uncounted=2
    )


def test_only_the_queue_that_cannot_be_counted_is_held() -> None:
    view = _view()
    a, fresh_a = build_snapshot(
        "A", "A", None, view, view.total_active(), 100.0, 360, 360, None, wms_required=False
    )
    b, fresh_b = build_snapshot(
        "B", "B", None, view, view.total_active(), 100.0, 360, 360, None, wms_required=False
    )
    assert fresh_a.ok and a.batch is not None and (a.batch.pending, a.batch.running) == (1, 3)
    assert not fresh_b.ok and b.batch is None
    assert fresh_b.problems == (f"no batch data: {WHY}",)


def test_pilots_in_unknown_states_count_towards_the_factory_total() -> None:
    assert _view().total_active() == 1 + 3 + 2
