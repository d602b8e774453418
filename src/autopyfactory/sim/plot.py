"""SVG plots of runs over time: one panel per policy with three charts on a shared time axis (hours):
jobs queued and running; pilots pending and running; empty pilots per hour. Plain SVG, no plotting
library: it opens in any browser."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from autopyfactory.sim.durations import format_duration
from autopyfactory.sim.runner import PolicyRun

WIDTH = 960
LEFT, RIGHT = 70, 150
CHART_H = 110
CHART_GAP = 34
TITLE_H = 34
PANEL_GAP = 26
COLORS = {
    "queued": "#d62728",
    "running jobs": "#2ca02c",
    "pending": "#ff7f0e",
    "running": "#1f77b4",
    "empty": "#7f7f7f",
}


def nice_ceiling(x: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is >= x (1 for x <= 0)."""
    if x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10**exp >= x:
            return float(m * 10**exp)
    return float(10 ** (exp + 1))


def _num(v: float) -> str:
    return f"{v:,.0f}" if v >= 10 or v == int(v) else f"{v:.1f}"


class _Canvas:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)

    def text(
        self, x: float, y: float, s: str, size: int = 12, anchor: str = "start", weight: str = "normal"
    ) -> None:
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}">{escape(s)}</text>'
        )


def _chart(
    c: _Canvas,
    y0: float,
    t: Sequence[float],
    duration: float,
    series: Sequence[tuple[str, Sequence[float]]],
    label: str,
    bars: bool = False,
) -> None:
    plot_w = WIDTH - LEFT - RIGHT
    top = max((max(v) if v else 0.0) for _, v in series)
    ymax = nice_ceiling(top)

    def X(tt: float) -> float:
        return LEFT + plot_w * (tt / duration if duration > 0 else 0)

    def Y(v: float) -> float:
        return y0 + CHART_H - CHART_H * (v / ymax)

    c.add(f'<rect x="{LEFT}" y="{y0}" width="{plot_w}" height="{CHART_H}" fill="#fafafa" stroke="#ccc"/>')
    for frac in (0.0, 0.5, 1.0):
        v = ymax * frac
        c.add(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#e5e5e5"/>')
        c.text(LEFT - 6, Y(v) + 4, _num(v), 11, "end")
    hours = duration / 3600
    step = next(s for s in (1, 2, 3, 4, 6, 12, 24, 48, 96) if hours / s <= 12)
    h = 0
    while h <= hours + 1e-9:
        x = X(h * 3600)
        c.add(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0 + CHART_H}" y2="{y0 + CHART_H + 4}" stroke="#999"/>')
        c.text(x, y0 + CHART_H + 16, f"{h}h", 10, "middle")
        h += step
    c.text(LEFT, y0 - 5, label, 12, weight="bold")
    for i, (name, values) in enumerate(series):
        color = COLORS.get(name, "#333")
        if bars:
            bw = max(1.0, plot_w / max(1, len(values)) - 1)
            for tt, v in zip(t, values, strict=False):
                if v > 0:
                    c.add(
                        f'<rect x="{X(tt) - bw:.1f}" y="{Y(v):.1f}" width="{bw:.1f}" '
                        f'height="{y0 + CHART_H - Y(v):.1f}" fill="{color}"/>'
                    )
        else:
            pts = " ".join(f"{X(tt):.1f},{Y(v):.1f}" for tt, v in zip(t, values, strict=False))
            c.add(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.6"/>')
        ly = y0 + 14 + 18 * i
        c.add(f'<rect x="{WIDTH - RIGHT + 12}" y="{ly - 9}" width="12" height="10" fill="{color}"/>')
        c.text(WIDTH - RIGHT + 30, ly, name, 11)


def _per_hour(t: Sequence[float], cumulative: Sequence[int]) -> tuple[list[float], list[float]]:
    """Cumulative counts sampled at ``t`` as a rate per hour over each hour."""
    if not t:
        return [], []
    out_t: list[float] = []
    out_v: list[float] = []
    j = 0
    last = 0
    hour = 1
    while hour * 3600 <= t[-1] + 1e-6:
        while j + 1 < len(t) and t[j + 1] <= hour * 3600 + 1e-6:
            j += 1
        out_t.append(hour * 3600.0)
        out_v.append(float(cumulative[j] - last))
        last = cumulative[j]
        hour += 1
    return out_t, out_v


def render(runs: Sequence[PolicyRun], duration: float, title: str) -> str:
    c = _Canvas()
    panel_h = TITLE_H + 3 * (CHART_H + CHART_GAP)
    height = 40 + len(runs) * (panel_h + PANEL_GAP)
    c.text(WIDTH / 2, 24, title, 16, "middle", "bold")
    y = 40.0
    for r in runs:
        m = r.metrics.total
        c.text(
            LEFT,
            y + 18,
            f"{r.name}: median wait {format_duration(m.wait_p50_s)}, 95% {format_duration(m.wait_p95_s)}; "
            f"{m.pilots_submitted:,} pilots, {m.empty_pilots:,} empty ({100 * m.empty_share:.1f}%), "
            f"{m.blackhole_pilots:,} died at once",
            13,
            weight="bold",
        )
        tl = r.timeline
        yc = y + TITLE_H + 14
        _chart(c, yc, tl.t, duration, [("queued", tl.queued_jobs), ("running jobs", tl.running_jobs)], "jobs")
        yc += CHART_H + CHART_GAP
        _chart(
            c, yc, tl.t, duration, [("pending", tl.pending_pilots), ("running", tl.running_pilots)], "pilots"
        )
        yc += CHART_H + CHART_GAP
        ht, hv = _per_hour(tl.t, tl.empty_pilots)
        _chart(c, yc, ht, duration, [("empty", hv)], "empty pilots per hour", bars=True)
        y += panel_h + PANEL_GAP
    body = "\n".join(c.parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" font-family="sans-serif">\n'
        f'<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n'
    )
