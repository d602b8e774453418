"""2.4's key inheritance (``condorgt2`` -> ``condorgram`` -> ``condorce`` -> ``condorgrid`` ->
``condorbase``), declared keys for check-config, and 2.4's condor_attributes escaping."""

from __future__ import annotations

from pathlib import Path

from autopyfactory.batch.htcondor.description import SubmitDescription, parse_condor_attributes
from autopyfactory.plugins.registry import registry
from autopyfactory.plugins.submit import BATCHSUBMIT
from tests.htcondor.helpers import NOW, load_conf, submitter

QUEUES = """
[DEFAULT]
wmsstatusplugin = Static
executable = /bin/true
batchsubmit.condorbase.environ = SITE=default
batchsubmit.condorbase.condor_attributes = +from_base=1,request_memory = 2000
batchsubmit.condorgrid.proxyfile = /srv/proxy/grid-default
batchsubmit.condorbase.periodic_hold = JobStatus == 2 && (time() - EnteredCurrentStatus) > 604800
batchsubmit.condorbase.periodic_remove = JobStatus == 5

[gt2]
batchsubmitplugin = CondorGT2
batchsubmit.condorgt2.gridresource = gk.example.org/jobmanager-pbs
batchsubmit.condorgt2.environ = SITE=gt2
batchsubmit.condorce.condor_attributes.+ce_level = "ce"
batchsubmit.condorgt2.condor_attributes.request_memory = 4000
batchsubmit.condorgt2.periodic_remove = None

[pbs]
batchsubmitplugin = CondorPBS
batchsubmit.condorpbs.proxyfile = /srv/proxy/pbs
"""


def test_a_more_specific_prefix_wins_and_base_values_reach_every_flavour(tmp_path: Path) -> None:
    cfg = load_conf(tmp_path, QUEUES)
    gt2 = submitter(cfg, "gt2").describe(NOW)
    assert 'SITE=gt2"' in (gt2.get("environment") or "")
    assert gt2.get("+from_base") == "1"
    assert gt2.get("MY.ce_level") == '"ce"'
    assert gt2.get("request_memory") == "4000"  # per-key attribute after the condor_attributes list
    assert gt2.get("x509userproxy") == "/srv/proxy/grid-default"
    assert "periodic_remove" not in gt2 and "periodic_hold" in gt2
    pbs = submitter(cfg, "pbs").describe(NOW)
    assert pbs.get("x509userproxy") == "/srv/proxy/pbs"
    assert 'SITE=default"' in (pbs.get("environment") or "")
    assert "MY.ce_level" not in pbs


def test_every_prefix_of_the_chain_is_a_known_key_and_typos_are_reported(tmp_path: Path) -> None:
    gt2 = registry.get(BATCHSUBMIT, "CondorGT2")
    names = {k.name for k in gt2.declared_keys()}
    for prefix in ("condorgt2", "condorgram", "condorce", "condorgrid", "condorbase"):
        assert f"batchsubmit.{prefix}.environ" in names
        assert f"batchsubmit.{prefix}.peaceful" in names
        assert f"batchsubmit.{prefix}.overlay.killorder" in names
    assert "batchsubmit.condorgt2.gram.queue" not in names  # a prefix key covers the family
    cfg = load_conf(tmp_path, QUEUES + "batchsubmit.condorgt2.gridresouce = typo\n")
    warnings = [p for p in cfg.queues["pbs"].problems if p.level == "warning"]
    assert [p.key for p in warnings] == ["batchsubmit.condorgt2.gridresouce"]
    assert "did you mean 'batchsubmit.condorgt2.gridresource'" in warnings[0].hint
    assert cfg.queues["gt2"].ok


def test_a_bad_typed_value_under_a_child_prefix_is_an_error_naming_it(tmp_path: Path) -> None:
    cfg = load_conf(tmp_path, QUEUES + "batchsubmit.condorpbs.peaceful = maybe\n")
    errors = cfg.queues["pbs"].errors
    assert [(p.key, p.value) for p in errors] == [("batchsubmit.condorpbs.peaceful", "maybe")]


def test_condor_attributes_split_on_unescaped_commas() -> None:
    text = r'requirements = stringListMember("a"\, Names),+x = "a\\b",bare,periodic_hold = (a\\\, b)'
    assert parse_condor_attributes(text) == [
        ("requirements", 'stringListMember("a", Names)'),
        ("+x", '"a\\b"'),
        ("periodic_hold", "(a\\, b)"),
    ]


def test_a_later_setting_replaces_the_value_in_place_whatever_its_spelling() -> None:
    d = SubmitDescription()
    d.set("Universe", "vanilla")
    d.set("+Foo", "1")
    d.set("universe", "grid")
    d.set("MY.Foo", "2")
    assert d.items() == [("universe", "grid"), ("MY.Foo", "2")]
    assert d.render(2) == "universe = grid\nMY.Foo = 2\nqueue 2\n"
