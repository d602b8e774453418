"""An SVG of the (median wait, empty share) plane: every setting's point coloured by family, the
default points labelled, the Pareto frontier as a staircase, the clairvoyant lower bound as a cross.
Both axes are logarithmic with room for zero (wait: log(1 + seconds); empty share: log(0.1% + share)),
so 0 s and 0% show, and waits of seconds and hours, shares of 0.1% and 98% fit one chart. Plain SVG,
in the style of the simulator's time plots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from autopyfactory.sim.pareto import Point, frontier

WIDTH, HEIGHT = 820, 560
LEFT, RIGHT, TOP, BOTTOM = 70, 170, 40, 50
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")
WAIT_TICKS = ((0.0, "0"), (10.0, "10s"), (60.0, "1m"), (600.0, "10m"), (3600.0, "1h"), (36000.0, "10h"))
EMPTY_TICKS = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
EMPTY_FLOOR = 0.001


@dataclass(frozen=True, slots=True)
class Marked:
    """A point to draw, its family (its colour) and whether it is labelled (a default point)."""

    point: Point
    family: str
    labelled: bool = False


def _fx(wait: float) -> float:
    return math.log10(1.0 + max(0.0, wait))


def _fy(empty: float) -> float:
    return math.log10(EMPTY_FLOOR + max(0.0, empty))


def render_plane(points: Sequence[Marked], lower_bound: Point | None, title: str) -> str:
    """The plane as an SVG document."""
    waits = [m.point.wait for m in points] + ([lower_bound.wait] if lower_bound else [])
    x_hi = _fx(max([3600.0, *waits]) * 1.3)
    y_lo, y_hi = _fy(0.0), _fy(1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def X(w: float) -> float:
        return LEFT + plot_w * _fx(w) / x_hi

    def Y(e: float) -> float:
        return TOP + plot_h - plot_h * (_fy(e) - y_lo) / (y_hi - y_lo)

    parts: list[str] = []

    def text(
        x: float, y: float, s: str, size: int = 11, anchor: str = "start", weight: str = "normal"
    ) -> None:
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}">{escape(s)}</text>'
        )

    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>'
    )
    for w, lab in WAIT_TICKS:
        if _fx(w) > x_hi:
            continue
        x = X(w)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#e5e5e5"/>')
        text(x, TOP + plot_h + 16, lab, 10, "middle")
    for e in EMPTY_TICKS:
        y = Y(e)
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        text(LEFT - 6, y + 4, f"{100 * e:g}%", 10, "end")
    text(LEFT + plot_w / 2, HEIGHT - 12, "median job wait (log)", 12, "middle")
    text(14, TOP + plot_h / 2, "empty share (log)", 12, "middle")
    parts[-1] = parts[-1].replace("<text ", f'<text transform="rotate(-90 14 {TOP + plot_h / 2:.1f})" ', 1)
    text(WIDTH / 2, 22, title, 15, "middle", "bold")

    front = frontier([m.point for m in points])
    if front:
        steps: list[str] = []
        for i, p in enumerate(front):
            steps.append(f"{X(p.wait):.1f},{Y(p.empty):.1f}")
            if i + 1 < len(front):
                steps.append(f"{X(front[i + 1].wait):.1f},{Y(p.empty):.1f}")
        parts.append(f'<polyline points="{" ".join(steps)}" fill="none" stroke="#333" stroke-width="1.4"/>')

    colours: dict[str, str] = {}
    for m in points:
        colours.setdefault(m.family, PALETTE[len(colours) % len(PALETTE)])
    for m in sorted(points, key=lambda m: m.labelled):
        x, y, col = X(m.point.wait), Y(m.point.empty), colours[m.family]
        r = 6 if m.labelled else 3.5
        stroke = ' stroke="black" stroke-width="1.5"' if m.labelled else ""
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{col}" fill-opacity="0.8"{stroke}/>')
        if m.labelled:
            text(x + 8, y - 6, m.family, 11, weight="bold")
    if lower_bound is not None:
        x, y = X(lower_bound.wait), Y(lower_bound.empty)
        parts.append(
            f'<path d="M{x - 6:.1f},{y - 6:.1f} L{x + 6:.1f},{y + 6:.1f} M{x - 6:.1f},{y + 6:.1f} '
            f'L{x + 6:.1f},{y - 6:.1f}" stroke="black" stroke-width="2"/>'
        )
        text(x + 8, y - 8, "lower bound", 11)

    ly = TOP + 10
    for fam, col in colours.items():
        parts.append(f'<circle cx="{WIDTH - RIGHT + 20}" cy="{ly:.1f}" r="5" fill="{col}"/>')
        text(WIDTH - RIGHT + 32, ly + 4, fam, 11)
        ly += 18
    parts.append(
        f'<line x1="{WIDTH - RIGHT + 12}" x2="{WIDTH - RIGHT + 28}" y1="{ly:.1f}" y2="{ly:.1f}" '
        'stroke="#333" stroke-width="1.4"/>'
    )
    text(WIDTH - RIGHT + 32, ly + 4, "Pareto frontier", 11)
    text(WIDTH - RIGHT + 12, ly + 24, "large: default point", 10)
    body = "\n".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif">\n'
        f'<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n'
    )
