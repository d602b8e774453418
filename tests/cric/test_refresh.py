"""CRIC refreshes: changes are applied with reload diffing; an unreachable CRIC never empties the
factory (the last good copy is used)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from autopyfactory.cric.source import CRICSource
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.loading.loader import load
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed
from tests.cric.documents import DOC, ce, pq, write_doc

DEFAULTS = "[DEFAULT]\nwmsstatusplugin = Static\nexecutable = /bin/true\n"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    CRICSource.forget()
    yield
    CRICSource.forget()


def local_doc(*names: str, host: str = "node1") -> dict[str, object]:
    return {n: pq(n, [ce(f"{host}:0", "local")]) for n in names}


def test_a_changed_queue_restarts_and_the_others_keep_running(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        "config.queues.plugin = CRIC\nconfig.queues.cric.url = pq.json\nconfig.queues.cric.sleep = 600\n"
        "config.queues.cric.defaultsfiles = d.conf\n",
        {"d.conf": DEFAULTS},
    )
    write_doc(etc / "pq.json", local_doc("A", "B", "C"))
    f = Factory(RunOptions(conf=str(etc), services=False))
    try:
        assert f.cfg.queue_plugins[0].refresh_interval() == 600  # type: ignore[attr-defined]
        before = dict(f.queues)
        doc = local_doc("A", "B", "D")
        doc["A"]["maxrss"] = 1  # type: ignore[index]  # not used by local CEs: A's section does not change
        doc["B"]["queues"].append(ce("node2:0", "local"))  # type: ignore[index]  # B's scale factor halves
        write_doc(etc / "pq.json", doc)
        f.reload()
        assert sorted(f.queues) == ["A-node1", "B-node1", "B-node2", "D-node1"]
        assert f.queues["A-node1"] is before["A-node1"]
        assert f.queues["B-node1"] is not before["B-node1"]
        assert f.queues["B-node1"].section.raw("sched.scale.factor") == "0.5"
    finally:
        f.shutdown()


def test_unreachable_cric_uses_the_last_good_copy(conf_tree) -> None:  # type: ignore[no-untyped-def]
    with ThreadedTestbed([Site("TB_A"), Site("TB_B", "test")]) as tb:
        url = f"{tb.url}/cric/api/atlas/pandaqueue/query/?json"
        etc = conf_tree(
            f"config.queues.plugin = CRIC\nconfig.queues.cric.url = {url}\nconfig.queues.cric.vos = testbed\n"
            "config.queues.cric.timeout = 2\nconfig.queues.cric.defaultsfiles = d.conf\n",
            {"d.conf": DEFAULTS},
        )
        first = load(str(etc))
        assert sorted(first.queues) == ["TB_A-127.0.0.1", "TB_B-127.0.0.1"]
        assert first.queues["TB_A-127.0.0.1"].section.raw("wmsstatus.panda.sitestatus") == url
    CRICSource.forget()  # a restarted factory: only the copy in the state directory is left
    again = load(str(etc))
    assert sorted(again.queues) == ["TB_A-127.0.0.1", "TB_B-127.0.0.1"]
    (warning,) = [p for p in again.problems if p.key == "config.queues.cric.url"]
    assert warning.level == "warning"
    assert "CRIC unavailable" in warning.message
    assert "using the copy from" in warning.message


def test_no_cric_and_no_copy_is_a_factory_error_naming_the_key(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree("config.queues.plugin = CRIC\nconfig.queues.cric.url = missing.json\n")
    cfg = load(str(etc))
    (err,) = cfg.factory_errors
    assert err.key == "config.queues.cric.url"
    assert "missing.json" in err.message


def test_a_document_of_the_wrong_shape_does_not_replace_a_good_copy(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        "config.queues.plugin = CRIC\nconfig.queues.cric.url = pq.json\nconfig.queues.cric.defaultsfiles = d.conf\n",
        {"d.conf": DEFAULTS},
    )
    write_doc(etc / "pq.json", local_doc("A"))
    assert list(load(str(etc)).queues) == ["A-node1"]
    (etc / "pq.json").write_text(json.dumps(["not", "queues"]) + "{")
    cfg = load(str(etc))
    assert list(cfg.queues) == ["A-node1"]
    assert any("CRIC unavailable" in p.message for p in cfg.problems)
    assert DOC  # the shared document is not modified by the tests


def test_an_infinite_number_in_cric_is_a_missing_value_not_a_crash(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        "config.queues.plugin = CRIC\nconfig.queues.cric.url = pq.json\nconfig.queues.cric.defaultsfiles = d.conf\n",
        {"d.conf": DEFAULTS},
    )
    text = json.dumps(local_doc("A")).replace('"corecount": 8', '"corecount": 1e999')
    (etc / "pq.json").write_text(text.replace('"maxrss": 16000', '"maxrss": -1e999'))
    cfg = load(str(etc))
    assert list(cfg.queues) == ["A-node1"]
    assert not cfg.factory_errors
