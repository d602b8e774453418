"""Inline SVG plots: sparklines, activity bars, state bars, a pilot's timeline and a queue's
activated jobs against its pending and running pilots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from autopyfactory.monitor_server.queue_health import QueueSample
from autopyfactory.monitor_server.records import Activity, StateCounts
from autopyfactory.monitor_server.states import JobState

STATE_COLOURS = {
    JobState.CREATED: "#8c96a8",
    JobState.RUNNING: "#2f6fdb",
    JobState.EXITING: "#e0a100",
    JobState.DONE: "#2e9e4f",
    JobState.FAULT: "#d1342f",
}


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def sparkline(values: Sequence[int], title: str, width: int = 120, height: int = 24) -> Markup:
    """A small area line of ``values`` (oldest first)."""
    n = len(values)
    top = max(values, default=0) or 1
    if n < 2:
        return Markup("")
    step = width / (n - 1)
    pts = [(i * step, height - 1 - (v / top) * (height - 3)) for i, v in enumerate(values)]
    line = " ".join(f"{_f(x)},{_f(y)}" for x, y in pts)
    area = f"0,{height} {line} {_f(width)},{height}"
    return Markup(
        f'<svg class="spark" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>"
        f'<polygon points="{area}" fill="#cfe0fb"/>'
        f'<polyline points="{line}" fill="none" stroke="#2f6fdb" stroke-width="1.5"/></svg>'
    )


@dataclass(frozen=True, slots=True)
class _Series:
    name: str
    colour: str
    values: tuple[int, ...]


def activity_chart(act: Activity, width: int = 720, height: int = 170) -> Markup:
    """Grouped bars per time bucket: pilots created, done and fault, with a time axis and a legend."""
    series = [_Series("created", STATE_COLOURS[JobState.CREATED], act.created)]
    if act.done:
        series.append(_Series("done", STATE_COLOURS[JobState.DONE], act.done))
    if act.fault:
        series.append(_Series("fault", STATE_COLOURS[JobState.FAULT], act.fault))
    n = len(act.created)
    left, right, top, bottom = 36, 8, 18, 22
    pw, ph = width - left - right, height - top - bottom
    peak = max((max(s.values, default=0) for s in series), default=0)
    scale = peak or 1
    slot = pw / max(n, 1)
    bw = max(1.0, (slot - 2) / len(series))
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>Pilots per {_f(act.bucket_seconds / 60)} minutes over the last "
        f"{_f(n * act.bucket_seconds / 3600)} hours</title>",
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="ax">{peak}</text>',
        f'<text x="{left - 4}" y="{top + ph}" text-anchor="end" class="ax">0</text>',
    ]
    for i in range(n):
        for k, s in enumerate(series):
            v = s.values[i]
            if not v:
                continue
            h = v / scale * ph
            x = left + i * slot + 1 + k * bw
            parts.append(
                f'<rect x="{_f(x)}" y="{_f(top + ph - h)}" width="{_f(bw)}" height="{_f(h)}" fill="{s.colour}">'
                f"<title>{v} {s.name}</title></rect>"
            )
    span = n * act.bucket_seconds
    for frac, label in ((0.0, f"-{_span(span)}"), (0.5, f"-{_span(span / 2)}"), (1.0, "now")):
        anchor = "start" if frac == 0 else "end" if frac == 1 else "middle"
        parts.append(
            f'<text x="{_f(left + frac * pw)}" y="{height - 6}" text-anchor="{anchor}" class="ax">{label}</text>'
        )
    x = left
    for s in series:
        parts.append(f'<rect x="{x}" y="3" width="10" height="10" fill="{s.colour}"/>')
        parts.append(f'<text x="{x + 14}" y="12" class="ax">{s.name} ({sum(s.values)})</text>')
        x += 110
    parts.append("</svg>")
    return Markup("".join(parts))


def state_bar(counts: StateCounts, width: int = 160, height: int = 14) -> Markup:
    """One horizontal bar split by state."""
    total = counts.total
    parts = [
        f'<svg class="statebar" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(', '.join(f'{s.value} {counts.get(s)}' for s in JobState))}</title>",
        f'<rect width="{width}" height="{height}" fill="#eef0f4"/>',
    ]
    x = 0.0
    for s in JobState:
        v = counts.get(s)
        if not v or not total:
            continue
        w = v / total * width
        parts.append(f'<rect x="{_f(x)}" width="{_f(w)}" height="{height}" fill="{STATE_COLOURS[s]}"/>')
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """A pilot's state from a given time on (for its timeline)."""

    at: float
    state: JobState


def timeline(points: Sequence[TimelinePoint], end: float, width: int = 720, height: int = 64) -> Markup:
    """A pilot's life: one coloured segment per state, from its creation to ``end`` (now, or the last change)."""
    if not points:
        return Markup("")
    left, right = 10, 10
    t0 = points[0].at
    span = max(end - t0, 1e-6)
    pw = width - left - right

    def xpos(t: float) -> float:
        return left + (t - t0) / span * pw

    parts = [
        f'<svg class="timeline" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        "<title>State over time</title>",
    ]
    for i, p in enumerate(points):
        t_end = points[i + 1].at if i + 1 < len(points) else end
        x1, x2 = xpos(p.at), xpos(t_end)
        colour = STATE_COLOURS[p.state]
        parts.append(
            f'<rect x="{_f(x1)}" y="14" width="{_f(max(x2 - x1, 2))}" height="16" fill="{colour}">'
            f"<title>{p.state.value} for {_f(t_end - p.at)}s</title></rect>"
        )
        anchor = "end" if x1 > width - 80 else "start"
        parts.append(
            f'<text x="{_f(x1)}" y="{44 + (i % 2) * 14}" text-anchor="{anchor}" class="ax">{p.state.value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


QUEUE_SERIES = (
    ("activated", "activated jobs", "#7b4fd6"),
    ("pending", "pending pilots", STATE_COLOURS[JobState.CREATED]),
    ("running", "running pilots", STATE_COLOURS[JobState.RUNNING]),
)


def queue_plot(
    samples: Sequence[QueueSample], start: float, end: float, width: int = 720, height: int = 190
) -> Markup:
    """A queue's activated jobs (WMS) and its pending and running pilots (batch) over ``start`` to
    ``end``, as its factory saw them each cycle: one step line each; a gap where a value was missing
    (stale or no data)."""
    left, right, top, bottom = 40, 10, 22, 22
    pw, ph = width - left - right, height - top - bottom
    span = max(end - start, 1e-6)
    values = [getattr(p, key) for p in samples for key, _, _ in QUEUE_SERIES]
    peak = max((v for v in values if v is not None), default=0)
    scale = peak or 1

    def x(t: float) -> float:
        return left + min(max((t - start) / span, 0.0), 1.0) * pw

    def y(v: int) -> float:
        return top + ph - v / scale * ph

    parts = [
        f'<svg class="plot queue-plot" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>Activated jobs, pending and running pilots over the last {_span(span)}</title>",
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="ax">{peak}</text>',
        f'<text x="{left - 4}" y="{top + ph}" text-anchor="end" class="ax">0</text>',
    ]
    for key, name, colour in QUEUE_SERIES:
        for run in _runs(samples, key):
            pts: list[str] = []
            for i, (t, v) in enumerate(run):
                if i:
                    pts.append(f"{_f(x(t))},{_f(y(run[i - 1][1]))}")  # a step: the value held until now
                pts.append(f"{_f(x(t))},{_f(y(v))}")
            if len(run) == 1:
                t, v = run[0]
                parts.append(
                    f'<circle cx="{_f(x(t))}" cy="{_f(y(v))}" r="2" fill="{colour}"><title>{v} {name}</title></circle>'
                )
            else:
                parts.append(
                    f'<polyline class="series-{key}" points="{" ".join(pts)}" fill="none" stroke="{colour}" '
                    f'stroke-width="1.8"><title>{name}</title></polyline>'
                )
    if not samples:
        parts.append(
            f'<text x="{_f(left + pw / 2)}" y="{_f(top + ph / 2)}" text-anchor="middle" class="ax">'
            "no cycle reported in this window</text>"
        )
    for frac, label in ((0.0, f"-{_span(span)}"), (0.5, f"-{_span(span / 2)}"), (1.0, "now")):
        anchor = "start" if frac == 0 else "end" if frac == 1 else "middle"
        parts.append(
            f'<text x="{_f(left + frac * pw)}" y="{height - 6}" text-anchor="{anchor}" class="ax">{label}</text>'
        )
    lx = left
    for key, name, colour in QUEUE_SERIES:
        last = next((getattr(p, key) for p in reversed(samples) if getattr(p, key) is not None), None)
        parts.append(f'<rect x="{lx}" y="5" width="10" height="10" fill="{colour}"/>')
        shown = "-" if last is None else str(last)
        parts.append(f'<text x="{lx + 14}" y="14" class="ax" data-series="{key}">{name} ({shown})</text>')
        lx += 150
    parts.append("</svg>")
    return Markup("".join(parts))


def _runs(samples: Sequence[QueueSample], key: str) -> list[list[tuple[float, int]]]:
    """The samples' values of ``key`` in runs without a missing value."""
    runs: list[list[tuple[float, int]]] = [[]]
    for p in samples:
        v = getattr(p, key)
        if v is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((p.at, int(v)))
    return [r for r in runs if r]


def _span(seconds: float) -> str:
    """An axis' time span: ``2h``, ``30min``, ``45s``."""
    if seconds >= 3600:
        return f"{_f(seconds / 3600)}h"
    if seconds >= 60:
        return f"{_f(seconds / 60)}min"
    return f"{_f(seconds)}s"
