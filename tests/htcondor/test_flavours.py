"""Each HTCondor flavour renders exactly the lines 2.4 produced for the same configuration (no line
more, none less, in 2.4's order), as a real ``htcondor2.Submit``; the full text is kept as a golden
file per flavour."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import htcondor2
import pytest

from tests.htcondor.flavour_conf import ARC_RSL_24, FLAVOURS, LINES_24, QUEUES
from tests.htcondor.helpers import NOW, load_conf, submitter

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return load_conf(tmp_path_factory.mktemp("flavours"), QUEUES)


def value_of(text: str, key: str) -> str:
    prefix = f"{key} = "
    return next(ln[len(prefix) :] for ln in text.splitlines() if ln.startswith(prefix))


@pytest.mark.parametrize("queue", FLAVOURS)
def test_exactly_the_lines_2_4_produced_are_rendered(cfg: Any, queue: str) -> None:
    plugin = submitter(cfg, queue)
    assert type(plugin).__name__ == FLAVOURS[queue]
    lines = plugin.describe(NOW).render(3).splitlines()
    assert lines == [*LINES_24[queue], "queue 3"]


@pytest.mark.parametrize("queue", FLAVOURS)
def test_the_rendered_text_is_the_submit_object_that_is_submitted(cfg: Any, queue: str) -> None:
    desc = submitter(cfg, queue).describe(NOW)
    text = desc.render(3)
    parsed = htcondor2.Submit(text)
    assert parsed.getQArgs() == "3"
    assert dict(parsed.items()) == dict(desc.to_submit().items())
    assert desc.to_submit()["MY.MATCH_APF_QUEUE"] == f'"{queue}"'


@pytest.mark.parametrize("queue", FLAVOURS)
def test_golden_submit_description(cfg: Any, queue: str) -> None:
    text = submitter(cfg, queue).describe(NOW).render(3)
    golden = GOLDEN / f"{FLAVOURS[queue]}.sub"
    if os.environ.get("APF_UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert text == golden.read_text()


def test_arc_rsl_is_2_4s(cfg: Any) -> None:
    assert value_of(submitter(cfg, "arc").describe(NOW).render(1), "nordugrid_rsl") == ARC_RSL_24


def test_osgce_port_in_gridresource_is_not_doubled(tmp_path: Path) -> None:
    cfg = load_conf(
        tmp_path,
        """
        [q]
        wmsstatusplugin = Static
        batchsubmitplugin = CondorOSGCE
        executable = /bin/true
        batchsubmit.condorosgce.gridresource = ce.example.org:9620
        """,
    )
    text = submitter(cfg, "q").describe(NOW).render(1)
    assert "grid_resource = condor ce.example.org ce.example.org:9620" in text.splitlines()


def test_gt2_without_gridresource_disables_the_queue_naming_the_key(tmp_path: Path) -> None:
    cfg = load_conf(tmp_path, "[q]\nwmsstatusplugin = Static\nbatchsubmitplugin = CondorGT2\n")
    errors = [p for p in cfg.queues["q"].errors]
    assert any(p.key == "batchsubmit.condorgt2.gridresource" for p in errors), [str(p) for p in errors]
