"""A histogram's running counts, kept by the factory's metrics and exposed at scrape time."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from prometheus_client.utils import floatToGoString


@dataclass
class Histogram:
    """Observations counted into ``bounds`` (upper bounds, ascending; +Inf is added)."""

    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.bounds) + 1)

    def copy(self) -> Histogram:
        return Histogram(self.bounds, list(self.counts), self.total)

    def observe(self, value: float) -> None:
        if math.isnan(value):
            return
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def buckets(self) -> list[tuple[str, float]]:
        """Cumulative ``(le, count)`` pairs, +Inf last, as HistogramMetricFamily takes them."""
        out: list[tuple[str, float]] = []
        running = 0
        for bound, n in zip((*self.bounds, math.inf), self.counts, strict=True):
            running += n
            # prometheus_client's floatToGoString (the le text its own histograms write) is unannotated
            out.append((floatToGoString(bound), float(running)))  # type: ignore[no-untyped-call]
        return out
