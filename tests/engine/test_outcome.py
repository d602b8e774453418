"""The decision line's ``action=`` text comes from the outcome's explicit action type, and reads as
it always did (operators and log readers match on it)."""

from __future__ import annotations

import pytest

from autopyfactory.engine.outcome import ActionKind, Outcome, StopPoint


def outcome(kind: ActionKind, **fields: object) -> Outcome:
    return Outcome("Q", None, None, kind, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("out", "text"),
    [
        (outcome(ActionKind.NONE), "none"),
        (outcome(ActionKind.NONE, reason="no fresh batch status data"), "none (no fresh batch status data)"),
        (outcome(ActionKind.NONE, reason="stopping"), "none (stopping)"),
        (outcome(ActionKind.SKIPPED, error="plugin=P call=submit running"), "skipped"),
        (outcome(ActionKind.FAILED, error="broken chain"), "error"),
        (outcome(ActionKind.SUBMIT, target=5, submitted=5), "submitted 5"),
        (outcome(ActionKind.SUBMIT, target=5, submitted=0, error="RuntimeError: no"), "error"),
        (outcome(ActionKind.SUBMIT, target=300, submitted=100, error="overran"), "submitted 100"),
        (
            outcome(ActionKind.SUBMIT, target=300, submitted=100, stopped=StopPoint.BEFORE_BATCH),
            "submitted 100 of 300 (stopping: no new batch)",
        ),
        (
            outcome(ActionKind.SUBMIT, target=3, submitted=0, stopped=StopPoint.BEFORE_CALL),
            "submitted 0 (stopping: no new call started)",
        ),
        (outcome(ActionKind.RETIRE, target=-2, retired=2), "retired 2"),
        (outcome(ActionKind.RETIRE, target=-2, retired=0, peaceful=True), "retired 0 (peaceful)"),
        (
            outcome(ActionKind.RETIRE, target=-2, stopped=StopPoint.BEFORE_CALL),
            "retired 0 (stopping: no new call started)",
        ),
    ],
)
def test_the_action_text(out: Outcome, text: str) -> None:
    assert out.action == text
    assert out.acts == (out.kind in (ActionKind.SUBMIT, ActionKind.RETIRE))
