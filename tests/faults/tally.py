"""What the fault-injection suite did and found, for the summary printed at the end of the run:
scenarios (each fault situation checked), kills injected, pilots checked, violations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Step:
    test: str
    name: str
    violations: list[str] = field(default_factory=list)


@dataclass
class Tally:
    seed: int
    rounds: int
    steps: list[Step] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)
    pilots: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)  # scenarios that could not complete

    @property
    def violations(self) -> list[tuple[Step, str]]:
        return [(s, v) for s in self.steps for v in s.violations]

    def to_dict(self) -> dict[str, Any]:
        """What one pytest-xdist worker found, in a form its controller receives (``absorb``)."""
        return {
            "steps": [asdict(s) for s in self.steps],
            "kills": dict(self.kills),
            "pilots": sorted(self.pilots),
            "errors": list(self.errors),
        }

    def absorb(self, found: dict[str, Any]) -> None:
        """Add what a worker found (``to_dict``): the summary covers every worker's scenarios."""
        self.steps += [Step(**s) for s in found["steps"]]
        self.kills.update(found["kills"])
        self.pilots.update(found["pilots"])
        self.errors += found["errors"]

    def summary(self) -> list[str]:
        kills = ", ".join(f"{k} {n}" for k, n in sorted(self.kills.items())) or "none"
        lines = [
            f"fault-injection suite: seed {self.seed} (APF_FAULTS_SEED), kill rounds {self.rounds} "
            "(APF_FAULTS_ROUNDS)",
            f"  scenarios run: {len(self.steps)}; kills injected: {sum(self.kills.values())} ({kills}); "
            f"pilots checked: {len(self.pilots)}; violations: {len(self.violations)}",
        ]
        for step, v in self.violations:
            lines.append(f"  VIOLATION [{step.test} / {step.name}] {v}")
        for e in self.errors:
            lines.append(f"  ERROR {e}")
        return lines


class Scenario:
    """One test's view of the tally: named steps, the violations found in each, kills and pilots."""

    def __init__(self, tally: Tally, test: str) -> None:
        self.tally = tally
        self.test = test
        self.current: Step | None = None
        self.mine: list[Step] = []

    def step(self, name: str) -> Step:
        s = Step(self.test, name)
        self.tally.steps.append(s)
        self.mine.append(s)
        self.current = s
        return s

    def check(self, violations: list[str]) -> list[str]:
        """Record violations (deduplicated within the step) and return them."""
        if self.current is None:
            self.step("main")
        assert self.current is not None
        for v in violations:
            if v not in self.current.violations:
                self.current.violations.append(v)
        return violations

    def killed(self, kind: str, n: int = 1) -> None:
        self.tally.kills[kind] += n

    def pilots_checked(self, factory_id: str, ids: Iterable[str]) -> None:
        self.tally.pilots.update(f"{factory_id}:{i}" for i in ids)

    def violations(self) -> list[str]:
        return [f"[{s.name}] {v}" for s in self.mine for v in s.violations]

    def assert_clean(self) -> None:
        found = self.violations()
        assert not found, f"{len(found)} violation(s):\n  " + "\n  ".join(found)
