"""A mapping typo never silently over-submits: the mapping sections the status plugins read are
checked at load (missing section, state mapped to no bucket, pending/running unreachable), and a raw
batch state that maps to nothing at run time makes that poll's counts incomplete instead of zero."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from autopyfactory.config.mapping_spec import MappingSpec, UnmappedStates
from autopyfactory.loading.loader import builtin_mappings, load
from autopyfactory.model.batch import BatchView
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.status import BatchStatusPlugin

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
wmsstatus.static.activated = 50
executable = /bin/true
schedplugin = Ready

[CONDOR]
batchsubmitplugin = CondorLocal

[LOCAL]
batchsubmitplugin = Local
"""


def tree(conf_tree, mappings: str, queues: str = QUEUES) -> Path:  # type: ignore[no-untyped-def]
    etc: Path = conf_tree(
        factory="mappingsConf = mappings.conf\n", files={"queues.conf": queues, "mappings.conf": mappings}
    )
    return etc


def test_a_state_mapped_to_no_bucket_is_an_error_naming_file_section_key_and_the_fix(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, "[CONDORBATCHSTATUS-JOBSTATUS2INFO]\n2 = runing\n6 = Running\n")
    cfg = load(str(etc))
    assert cfg.factory_errors == []
    assert cfg.queues["LOCAL"].ok  # it reads another section
    errors = {(e.section, e.key): e for e in cfg.queues["CONDOR"].errors}
    two = errors[("CONDORBATCHSTATUS-JOBSTATUS2INFO", "2")]
    assert two.origin.endswith("mappings.conf") and two.value == "runing"
    assert "maps to no batch bucket (pending, running, suspended, done, retiring, retired)" in two.message
    assert two.hint == "did you mean 'running'?"
    assert errors[("CONDORBATCHSTATUS-JOBSTATUS2INFO", "6")].hint == "did you mean 'running'?"
    blind = errors[("CONDORBATCHSTATUS-JOBSTATUS2INFO", "")]
    assert "no state maps to 'running'" in blind.message


def test_a_mapping_that_leaves_pending_unreachable_is_an_error(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, "[LOCALBATCHSTATUS-STATE2INFO]\npending = running\n")
    (err,) = load(str(etc)).queues["LOCAL"].errors
    assert (err.section, err.key) == ("LOCALBATCHSTATUS-STATE2INFO", "")
    assert err.message.startswith("no state maps to 'pending': batchstatus plugin 'Local' would never count")
    assert err.origin == f"{etc / 'mappings.conf'}, <built-in mappings.conf>"  # where its values come from


class TypoStatus(BatchStatusPlugin):
    """A third-party plugin whose mapping section is misspelt (0 for O)."""

    name = "Typo"
    mapping = MappingSpec.batch("MYBATCHSTATUS-STATE2INF0")

    def poll(self) -> BatchView:
        raise AssertionError("not polled")


def test_a_mapping_section_a_plugin_reads_that_does_not_exist_is_an_error_with_did_you_mean(
    conf_tree,
) -> None:  # type: ignore[no-untyped-def]
    reg = Registry()
    reg.register("batchstatus", "Typo", TypoStatus)
    queues = QUEUES + "batchstatusplugin = Typo\n"
    etc = tree(conf_tree, "[MYBATCHSTATUS-STATE2INFO]\nwaiting = pending\nbusy = running\n", queues)
    cfg = load(str(etc), reg)
    (err,) = cfg.queues["LOCAL"].errors
    assert err.section == "MYBATCHSTATUS-STATE2INF0"
    assert (
        "batchstatus plugin 'Typo' reads mapping section [MYBATCHSTATUS-STATE2INF0], which no mappings"
        in (err.message)
    )
    assert "MYBATCHSTATUS-STATE2INFO" in err.message  # the sections that exist
    assert err.hint.startswith("did you mean 'MYBATCHSTATUS-STATE2INFO'?")
    assert "mappings.conf" in err.origin and "<built-in mappings.conf>" in err.origin


def test_a_misspelt_section_in_mappings_conf_that_nothing_reads_is_a_warning(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, "[CONDORBATCHSTATUS-JOBSTATUS2INF0]\n5 = suspended\n")
    cfg = load(str(etc))
    (w,) = [p for p in cfg.problems if p.section == "CONDORBATCHSTATUS-JOBSTATUS2INF0"]
    assert w.level == "warning" and "its values change nothing" in w.message
    assert w.hint == "did you mean 'CONDORBATCHSTATUS-JOBSTATUS2INFO'?"
    assert all(q.ok for q in cfg.queues.values())


def test_a_raw_batch_state_that_maps_to_nothing_is_not_counted_as_zero() -> None:
    spec = MappingSpec.batch("CONDORBATCHSTATUS-JOBSTATUS2INFO")
    m = builtin_mappings()
    assert m.map_queues(spec, {"A": {"1": 3, "2": 1}}) == {"A": {"pending": 3, "running": 1}}
    with pytest.raises(UnmappedStates) as exc:
        m.map_queues(spec, {"A": {"1": 3, "9": 2}, "B": {"2": 1}})
    text = str(exc.value)
    assert "raw state(s) '9' (2 pilots) of queue(s) A map to no batch bucket" in text
    assert "no queue reading them submits this cycle" in text
    assert "add e.g. '9 = pending' to [CONDORBATCHSTATUS-JOBSTATUS2INFO]" in text


def test_mapping_queue_by_queue_sets_aside_only_the_queues_with_an_unknown_state() -> None:
    spec = MappingSpec.batch("CONDORBATCHSTATUS-JOBSTATUS2INFO")
    mapped = builtin_mappings().map_each(spec, {"A": {"1": 3, "9": 2, "77": 1}, "B": {"2": 1}, "C": {"9": 4}})
    assert mapped.counts == {"B": {"running": 1}}
    assert sorted(mapped.incomplete) == ["A", "C"] and mapped.uncounted == 7
    assert mapped.incomplete["A"].startswith(
        "raw state(s) '77' (1 pilot), '9' (2 pilots) of queue(s) A map to no"
    )
    assert "add e.g. '77 = pending' to [CONDORBATCHSTATUS-JOBSTATUS2INFO]" in mapped.incomplete["A"]


def test_a_wms_state_the_mapping_does_not_know_counts_as_unknown_and_is_logged_once(caplog) -> None:  # type: ignore[no-untyped-def]
    m = builtin_mappings()
    with caplog.at_level(logging.WARNING, logger="autopyfactory.config.mappings"):
        for _ in range(3):
            counts = m.map_counts(
                MappingSpec.wms("PANDAWMSSTATUS-JOBSSTATISTICSPERSITE2INFO"), {"activated": 4, "scouting": 2}
            )
    assert counts == {"ready": 4, "unknown": 2}
    (rec,) = caplog.records
    assert "does not map raw state 'scouting'" in rec.getMessage()


def test_the_2_4_tree_mappings_and_the_built_in_ones_pass() -> None:
    m = builtin_mappings()
    from autopyfactory.config.mapping_check import check_mapping
    from autopyfactory.plugins.registry import registry
    from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS

    for cat in (BATCHSTATUS, WMSSTATUS):
        for name, cls in registry.all_loadable(cat).items():
            if cls.mapping is not None:
                assert check_mapping(cls.mapping, m, name) == []


def test_the_built_in_mappings_are_what_the_status_plugins_declare() -> None:
    m = builtin_mappings()
    assert sorted(m.sections()) == [
        "CONDORBATCHSTATUS-GLOBUSSTATUS2INFO",  # 2.4 shipped it; nothing reads it
        "CONDORBATCHSTATUS-JOBSTATUS2INFO",
        "CONDOREC2BATCHSTATUS-JOBSTATUS2INFO",  # 2.4 shipped it; nothing reads it
        "CONDORWMSSTATUS-JOBSTATUS2INFO",
        "LOCALBATCHSTATUS-STATE2INFO",
        "NATIVECONDORBATCHSTATUS",  # 2.4 shipped it; nothing reads it
        "PANDAWMSSTATUS-JOBSSTATISTICSPERSITE2INFO",
        "SLURMBATCHSTATUS-JOBSTATE2INFO",
    ]
    assert m.section("CONDORBATCHSTATUS-JOBSTATUS2INFO")["5"] == "pending"  # held pilots wait (2.4)
    assert m.section("PANDAWMSSTATUS-JOBSSTATISTICSPERSITE2INFO")["activated"] == "ready"
    assert m.section("SLURMBATCHSTATUS-JOBSTATE2INFO")["COMPLETING"] == "running"
    assert {v.origin for s in m.sections() for v in m.values(s).values()} == {"<built-in mappings.conf>"}


def test_a_2_4_mappings_conf_overrides_only_what_it_sets_and_is_no_typo(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = tree(
        conf_tree,
        "[NATIVECONDORBATCHSTATUS]\n6 = submission_err\n[LOCALBATCHSTATUS-STATE2INFO]\nkilled = running\n",
    )
    cfg = load(str(etc))
    assert [
        p for p in cfg.problems if p.section in ("NATIVECONDORBATCHSTATUS", "LOCALBATCHSTATUS-STATE2INFO")
    ] == []
    local = cfg.mappings.values("LOCALBATCHSTATUS-STATE2INFO")
    assert local["killed"].raw == "running" and local["killed"].origin.endswith("mappings.conf")
    assert (local["failed"].raw, local["failed"].origin) == ("done", "<built-in mappings.conf>")
