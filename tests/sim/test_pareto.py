"""The frontier benchmark's arithmetic: dominance, the Pareto frontier, the corner of a set of peers,
the position of a point against a frontier, checked against their definitions on random point sets;
and the benchmark's sweep, whose every key must be one its policy reads (a misspelt key is only a
warning to the loader, and the sweep would silently run the default)."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from autopyfactory.plugins.registry import Registry
from autopyfactory.sched.base import SCHED
from autopyfactory.sim.pareto import (
    Point,
    corner,
    dominates,
    dominating,
    frontier,
    least_empty_within,
    position,
    shortest_wait_within,
    strictly_dominates,
)
from autopyfactory.sim.pareto_plot import Marked, render_plane

REPO = Path(__file__).resolve().parents[2]

# few distinct values, so that ties (the hard cases) are common
waits = st.sampled_from([0.0, 30.0, 60.0, 90.0, 218.2, 318.0, 3600.0])
empties = st.sampled_from([0.0, 0.0015, 0.0236, 0.05, 0.5, 0.976])
points = st.builds(Point, st.text("abcdef", min_size=1, max_size=3), waits, empties)
point_sets = st.lists(points, min_size=1, max_size=12)


def test_dominance_on_the_steady_scenario_points() -> None:
    harvester = Point("harvester", 218.2, 0.0236)
    glideinwms = Point("glideinwms", 318.0, 0.0015)
    cobald = Point("cobald", 0.5, 0.9762)
    ready = Point("orderupto", 217.8, 0.0224)
    assert dominates(ready, harvester) and strictly_dominates(ready, harvester)
    assert not dominates(harvester, glideinwms) and not dominates(glideinwms, harvester)
    assert dominates(harvester, harvester) and not strictly_dominates(harvester, harvester)
    front = frontier([harvester, glideinwms, cobald, ready])
    assert [p.label for p in front] == ["cobald", "orderupto", "glideinwms"]
    need = corner([harvester, glideinwms])
    assert (need.wait, need.empty) == (218.2, 0.0015)
    assert dominating([harvester, glideinwms, cobald, ready], [harvester, glideinwms]) == []
    assert dominating([Point("x", 200.0, 0.001)], [harvester, glideinwms]) == [Point("x", 200.0, 0.001)]


@given(point_sets)
def test_frontier_is_the_set_of_points_nothing_strictly_dominates(pts: list[Point]) -> None:
    front = frontier(pts)
    spots = {(p.wait, p.empty) for p in pts if not any(strictly_dominates(q, p) for q in pts)}
    assert {(p.wait, p.empty) for p in front} == spots
    assert len(front) == len(spots)  # one point per spot
    assert all(p in pts for p in front)
    for a, b in itertools.pairwise(front):  # a staircase: waits up, shares down
        assert a.wait < b.wait and a.empty > b.empty
    for p in pts:  # every point is on it or beaten by a point of it
        assert any(dominates(f, p) for f in front)


@given(point_sets, point_sets)
def test_a_point_dominates_every_target_exactly_when_it_dominates_their_corner(
    pts: list[Point], targets: list[Point]
) -> None:
    c = corner(targets)
    for p in pts:
        assert all(dominates(p, t) for t in targets) == dominates(p, c)
    assert dominating(pts, targets) == [p for p in pts if dominates(p, c)]
    assert dominating(pts, []) == []


@given(point_sets, waits, empties)
def test_best_within_a_bound(pts: list[Point], wait: float, empty: float) -> None:
    cleanest = least_empty_within(pts, wait)
    fit = [p for p in pts if p.wait <= wait]
    if not fit:
        assert cleanest is None
    else:
        assert cleanest is not None and cleanest.wait <= wait
        assert cleanest.empty == min(p.empty for p in fit)
    fastest = shortest_wait_within(pts, empty)
    fit = [p for p in pts if p.empty <= empty]
    if not fit:
        assert fastest is None
    else:
        assert fastest is not None and fastest.empty <= empty
        assert fastest.wait == min(p.wait for p in fit)


@given(point_sets, points)
def test_position_against_a_frontier(pts: list[Point], p: Point) -> None:
    pos = position(p, pts)
    beaten = any(strictly_dominates(q, p) for q in pts)
    assert pos.on_frontier == (not beaten)
    assert pos.empty_gap >= 0
    assert pos.wait_ratio is None or pos.wait_ratio >= 1
    if pos.on_frontier:
        assert pos.wait_ratio == 1 and pos.empty_gap == 0 and pos.beaten_by is None
    else:
        assert pos.beaten_by is not None and strictly_dominates(pos.beaten_by, p)
        assert pos.wait_ratio is None or pos.wait_ratio > 1 or pos.empty_gap > 0


def _benchmark() -> ModuleType:
    path = REPO / "benchmarks" / "frontier.py"
    spec = importlib.util.spec_from_file_location("frontier_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_swept_key_is_one_its_policy_reads() -> None:
    bench = _benchmark()
    reg = Registry()
    for quick in (False, True):
        settings = bench.families(quick)
        by_family: dict[str, int] = {}
        for s in settings:
            known = {k.name for k in reg.get(SCHED, s.policy).declared_keys()}
            assert {k for k, _ in s.keys} <= known, s.label
            by_family[s.family] = by_family.get(s.family, 0) + s.default
            assert s.default == (not s.keys)
        assert set(by_family.values()) == {1}, by_family  # one default point per family
        assert set(by_family) >= {*bench.PEERS, bench.OURS}
        assert len({s.label for s in settings}) == len(settings)


def test_the_plane_plot_is_well_formed_svg_with_every_point() -> None:
    pts = [
        Marked(Point("cobald[default]", 0.0, 0.976), "cobald", True),
        Marked(Point("orderupto[offset=-50]", 17.0, 0.547), "orderupto"),
        Marked(Point("harvester[default]", 218.2, 0.0236), "harvester", True),
        Marked(Point("glideinwms[default]", 318.0, 0.0015), "glideinwms", True),
        Marked(Point("keda[default]", 11160.0, 0.0), "keda<&>", True),  # a name that needs escaping
    ]
    svg = render_plane(pts, Point("lower bound", 108.0, 0.0), "steady: median wait vs empty share")
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    circles = root.findall(f".//{ns}circle")
    assert len(circles) == len(pts) + len({m.family for m in pts})  # the points, then the legend
    texts = [t.text for t in root.findall(f".//{ns}text")]
    assert {"cobald", "harvester", "glideinwms", "keda<&>", "lower bound"} <= set(texts)
    staircase = root.findall(f".//{ns}polyline")
    assert len(staircase) == 1  # the frontier: cobald, orderupto, harvester, glideinwms, keda
    assert len(staircase[0].get("points", "").split()) == 2 * 5 - 1
