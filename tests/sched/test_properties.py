"""Invariants of the sched plugins and of the chain, over generated inputs (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.chain import build_chain
from autopyfactory.sched.chain import decide
from tests.sched.helpers import plugin, snap

counts = st.integers(min_value=0, max_value=100_000)
ns = st.integers(min_value=-1000, max_value=100_000)
limits = st.integers(min_value=0, max_value=10_000)
statuses = st.sampled_from(["online", "offline", "test", "brokeroff"])


@given(n=ns, a=counts, p=counts, offset=st.integers(0, 1000))
def test_ready_is_activated_minus_offset_minus_pending_never_negative(
    n: int, a: int, p: int, offset: int
) -> None:
    r = plugin("Ready", sched__ready__offset=offset).calc(n, snap(activated=a, pending=p))
    assert r.n == max(0, a - offset - p)
    assert r.message.endswith(f"ret={r.n}")


@given(n=ns, m=limits)
def test_max_per_cycle_never_exceeds_maximum_nor_input(n: int, m: int) -> None:
    out = plugin("MaxPerCycle", sched__maxpercycle__maximum=m).calc(n, snap()).n
    assert out <= m and out <= n and out in (n, m)


@given(n=ns, m=limits)
def test_min_per_cycle_never_below_minimum_nor_input(n: int, m: int) -> None:
    out = plugin("MinPerCycle", sched__minpercycle__minimum=m).calc(n, snap()).n
    assert out >= m and out >= n


@given(n=ns, f=st.floats(min_value=0, max_value=10, allow_nan=False))
def test_scale_is_ceiling_of_product(n: int, f: float) -> None:
    out = plugin("Scale", sched__scale__factor=repr(f)).calc(n, snap()).n
    assert out == math.ceil(n * f)


@given(n1=ns, n2=ns, f=st.floats(min_value=0, max_value=10, allow_nan=False))
def test_scale_is_monotone(n1: int, n2: int, f: float) -> None:
    p = plugin("Scale", sched__scale__factor=repr(f))
    lo, hi = sorted((n1, n2))
    assert p.calc(lo, snap()).n <= p.calc(hi, snap()).n


@given(n=ns, p=counts, m=limits, neg=st.booleans())
def test_max_pending(n: int, p: int, m: int, neg: bool) -> None:
    out = (
        plugin("MaxPending", sched__maxpending__maximum=m, sched__maxpending__allow_negative=neg)
        .calc(n, snap(pending=p))
        .n
    )
    if p == 0:
        assert out == n  # nothing pending: no limit
    else:
        assert out <= n
        assert out <= max(m - p, 0 if not neg else m - p)
        if not neg:
            assert out >= min(n, 0)


@given(n=ns, p=counts, r=counts, m=limits)
def test_max_to_run_caps_pending_plus_running(n: int, p: int, r: int, m: int) -> None:
    out = plugin("MaxToRun", sched__maxtorun__maximum=m).calc(n, snap(pending=p, running=r)).n
    assert out <= m - (p + r) and out <= n


@given(n=st.integers(0, 100_000), total=counts, m=limits)
def test_max_per_factory_never_pushes_the_factory_over_its_maximum(n: int, total: int, m: int) -> None:
    out = plugin("MaxPerFactory", {"maxperfactory.maximum": str(m)}).calc(n, snap(total=total)).n
    assert out <= n
    if total <= m:
        assert total + out <= m
    else:
        assert out == 0


@given(p=counts, r=counts, keep=limits)
def test_keep_n_running_reaches_the_target(p: int, r: int, keep: int) -> None:
    out = plugin("KeepNRunning", sched__keepnrunning__keep_running=keep).calc(0, snap(pending=p, running=r)).n
    assert p + r + out == keep


@given(n=ns, status=statuses, pilots=st.integers(0, 10))
def test_status_plugins_only_act_on_their_status(n: int, status: str, pilots: int) -> None:
    t = plugin("StatusTest", sched__statustest__pilots=pilots).calc(n, snap(status=status)).n
    o = plugin("StatusOffline", sched__statusoffline__pilots=pilots).calc(n, snap(status=status)).n
    assert t == (pilots if status == "test" else n)
    assert o == (pilots if status == "offline" else n)


@given(n=ns, a=counts, p=counts, r=counts, status=statuses)
def test_null_is_always_zero(n: int, a: int, p: int, r: int, status: str) -> None:
    assert plugin("Null").calc(n, snap(activated=a, pending=p, running=r, status=status)).n == 0


CHAIN = {
    "schedplugin": "Ready, Scale, MaxPerCycle, MinPerCycle, StatusTest, StatusOffline, MaxPending",
    "sched.scale.factor": "0.5",
    "sched.maxpercycle.maximum": "100",
    "sched.minpercycle.minimum": "0",
    "sched.maxpending.maximum": "10",
    "sched.statustest.pilots": "1",
    "sched.statusoffline.pilots": "0",
}


def production_chain():  # type: ignore[no-untyped-def]
    return build_chain(ConfigSection.from_dict("Q", CHAIN), ConfigSection.from_dict("Factory", {}))


@given(a=counts, p=counts, r=counts, status=statuses)
def test_production_chain_invariants(a: int, p: int, r: int, status: str) -> None:
    d = decide(production_chain(), snap(activated=a, pending=p, running=r, status=status))
    assert d.n <= 100  # never more than maxpercycle
    if p == 0:
        assert d.n >= 0
    if status == "offline":
        assert d.n <= 0
    if status == "test":
        assert d.n <= 1
    if p >= 10:
        assert d.n <= 10 - p  # at or over the pending ceiling: nothing (or retire the excess)
    assert d.message.count(";") == 6
    assert [s.message.split(":")[0] for s in d.steps] == [x.strip() for x in CHAIN["schedplugin"].split(",")]


@given(a=counts, p=counts, r=counts, status=statuses)
def test_decide_is_pure(a: int, p: int, r: int, status: str) -> None:
    chain = production_chain()
    s = snap(activated=a, pending=p, running=r, status=status)
    assert decide(chain, s) == decide(chain, s) == decide(production_chain(), s)


@given(a=counts, p=counts)
def test_missing_data_never_submits_through_the_production_chain(a: int, p: int) -> None:
    chain = production_chain()
    assert decide(chain, snap(activated=None, pending=p)).n <= 0
    assert decide(chain, snap(activated=a, pending=None)).n == 0
