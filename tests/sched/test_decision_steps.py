"""``decide`` records every step of the chain (plugin, input, output, message), also the steps that
report nothing, while its message stays 2.4's: the non-empty messages joined with ``;``."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.chain import build_chain
from autopyfactory.model.decision import DecisionStep
from autopyfactory.sched.chain import decide
from tests.sched.helpers import snap

# MaxToRun without sched.maxtorun.maximum passes its input on with no message
CHAIN = {"schedplugin": "Ready, MaxToRun, Scale, MaxPerCycle", "sched.scale.factor": "0.5",
         "sched.maxpercycle.maximum": "20"}  # fmt: skip


def chain():  # type: ignore[no-untyped-def]
    return build_chain(ConfigSection.from_dict("Q", CHAIN), ConfigSection.from_dict("Factory", {}))


def test_every_step_is_recorded_with_what_it_was_given_and_passed_on() -> None:
    d = decide(chain(), snap(activated=83, pending=10))
    assert d.steps == (
        DecisionStep("Ready", 0, 73, "Ready:in=0,activated=83,offset=0,pending=10,ret=73"),
        DecisionStep("MaxToRun", 73, 73, ""),
        DecisionStep("Scale", 73, 37, "Scale:in=73,factor=0.5,ret=37"),
        DecisionStep("MaxPerCycle", 37, 20, "MaxPerCycle:in=37,maxpercycle=20,ret=20"),
    )
    assert d.n == 20
    # the silent step leaves no trace in the message: byte for byte what 2.4 logged
    assert d.message == (
        "Ready:in=0,activated=83,offset=0,pending=10,ret=73;Scale:in=73,factor=0.5,ret=37;"
        "MaxPerCycle:in=37,maxpercycle=20,ret=20"
    )


@given(a=st.integers(0, 10_000), p=st.integers(0, 10_000), r=st.integers(0, 10_000))
def test_the_steps_chain_up(a: int, p: int, r: int) -> None:
    d = decide(chain(), snap(activated=a, pending=p, running=r))
    assert [s.plugin for s in d.steps] == [x.strip() for x in CHAIN["schedplugin"].split(",")]
    assert d.steps[0].input == 0 and d.steps[-1].output == d.n
    assert all(prev.output == nxt.input for prev, nxt in zip(d.steps, d.steps[1:], strict=False))
    assert d.message == ";".join(s.message for s in d.steps if s.message)
