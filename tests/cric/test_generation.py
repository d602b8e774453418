"""Queue sections generated from CRIC: filters, CE flavours, scale factor, HTCondor-CE attributes,
defaults files, and both orders with the File plugin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.cric.source import CRICSource
from autopyfactory.loading.loader import LoadedConfig, load
from tests.cric.documents import write_doc

STATIC = "[DEFAULT]\nwmsstatusplugin = Static\n"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    CRICSource.forget()
    yield
    CRICSource.forget()


def values(cfg: LoadedConfig, name: str) -> dict[str, str]:
    return cfg.queues[name].section.as_dict()


def cric_only(
    conf_tree, tmp_path: Path, extra: str = "", files: dict[str, str] | None = None
) -> LoadedConfig:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        "config.queues.plugin = CRIC\nconfig.queues.cric.url = pq.json\n"
        "config.queues.cric.defaultsfiles = defaults.conf\n" + extra,
        {"defaults.conf": STATIC, **(files or {})},
    )
    write_doc(etc / "pq.json")
    return load(str(etc))


def test_filters_and_one_section_per_usable_ce(conf_tree, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = cric_only(conf_tree, tmp_path, "config.queues.cric.vos = atlas\n")
    assert sorted(cfg.queues) == [
        "ANALY_CREAM-cream.example.org",
        "ARC_Q-arc.example.org",
        "BNL_PROD-gridgk01.racf.bnl.gov",
        "BNL_PROD-gridgk02.racf.bnl.gov",
        "GRAM_Q-gk.example.org",
    ]  # Harvester-managed, disabled-site, CMS, lcg-ce, inactive and test CEs are left out


def test_flavours_map_to_submit_plugins_and_grid_resources(conf_tree, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = cric_only(conf_tree, tmp_path)
    ce = values(cfg, "BNL_PROD-gridgk01.racf.bnl.gov")
    assert ce["batchsubmitplugin"] == "CondorOSGCE"
    assert ce["batchsubmit.condorosgce.gridresource"] == "gridgk01.racf.bnl.gov"
    assert (ce["wmsqueue"], ce["batchqueue"], ce["enabled"]) == ("BNL_PROD", "BNL_PROD", "True")
    cream = values(cfg, "ANALY_CREAM-cream.example.org")
    assert cream["batchsubmitplugin"] == "CondorCREAM"
    assert cream["batchsubmit.condorcream.gridresource"] == (
        "cream.example.org:8443/ce-cream/services/CREAM2 pbs atlas"
    )
    arc = values(cfg, "ARC_Q-arc.example.org")
    assert (arc["batchsubmitplugin"], arc["batchsubmit.condornordugrid.gridresource"]) == (
        "CondorNordugrid",
        "arc.example.org",
    )
    gram = values(cfg, "GRAM_Q-gk.example.org")
    assert gram["batchsubmit.condorgt2.gridresource"] == "gk.example.org:2119/jobmanager-pbs"


def test_htcondor_ce_attributes_come_from_maxrss_corecount_and_maxwctime(conf_tree, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ce = values(cric_only(conf_tree, tmp_path), "BNL_PROD-gridgk01.racf.bnl.gov")
    p = "batchsubmit.condorosgce.condor_attributes."
    assert ce[p + "+maxMemory"] == "16000"
    assert ce[p + "+xcount"] == "8"
    assert ce[p + "+maxWallTime"] == "4320"
    assert ce[p + "+voactivity"] == '"production"'
    assert ce[p + "+remote_queue"] == '"prod"'


def test_scale_factor_divides_by_factories_ces_and_jobs_per_pilot(conf_tree, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = cric_only(
        conf_tree, tmp_path, "config.queues.cric.numfactories = 4\nconfig.queues.cric.jobsperpilot = 1.5\n"
    )
    assert float(values(cfg, "BNL_PROD-gridgk01.racf.bnl.gov")["sched.scale.factor"]) == pytest.approx(
        1 / 4 / 2 / 1.5
    )
    assert float(values(cfg, "ARC_Q-arc.example.org")["sched.scale.factor"]) == pytest.approx(1 / 4 / 1.5)


def test_agis_spelling_of_2_4_works_and_cric_spelling_wins(conf_tree, tmp_path) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        "config.queues.plugin = Agis\nconfig.queues.agis.baseurl = pq.json\nconfig.queues.agis.clouds = ND\n"
        "config.queues.agis.defaultsfiles = defaults.conf\n"
        "config.queues.agis.numfactories = 2\nconfig.queues.cric.numfactories = 4\n",
        {"defaults.conf": STATIC},
    )
    write_doc(etc / "pq.json")
    cfg = load(str(etc))
    assert list(cfg.queues) == ["ARC_Q-arc.example.org"]
    assert float(values(cfg, "ARC_Q-arc.example.org")["sched.scale.factor"]) == pytest.approx(0.25)
    assert any(p.key == "config.queues.agis.numfactories" and "wins" in p.message for p in cfg.problems)


def test_defaults_files_lie_under_cric_and_may_interpolate_its_values(conf_tree, tmp_path) -> None:  # type: ignore[no-untyped-def]
    defaults = (
        STATIC
        + "apfqueue.sleep = 120\nbatchsubmitplugin = Local\nexecutable.arguments = --queue=%(wmsqueue)s\n"
        + "[analysis]\napfqueue.sleep = 60\n"
    )
    cfg = cric_only(conf_tree, tmp_path, files={"defaults.conf": defaults})
    prod = values(cfg, "BNL_PROD-gridgk01.racf.bnl.gov")
    assert prod["apfqueue.sleep"] == "120"
    assert prod["batchsubmitplugin"] == "CondorOSGCE"  # CRIC wins over operator defaults
    assert prod["executable.arguments"] == "--queue=BNL_PROD"
    assert values(cfg, "ANALY_CREAM-cream.example.org")["apfqueue.sleep"] == "60"


def test_file_then_cric_fills_in_queues_named_by_nickname(conf_tree) -> None:  # type: ignore[no-untyped-def]
    queues = """
    [DEFAULT]
    wmsstatusplugin = Static
    batchsubmitplugin = Local
    apfqueue.sleep = 99

    [ARC_Q]

    [BNL_PROD]
    sched.scale.factor = 0.5

    [MY_OWN]
    batchqueue = GRAM_Q
    enabled = False

    [HARVESTER_Q]

    [NOT_IN_CRIC]
    wmsqueue = ELSEWHERE
    """
    etc = conf_tree(
        "config.queues.plugin = File, CRIC\nconfig.queues.cric.url = pq.json\n", {"queues.conf": queues}
    )
    write_doc(etc / "pq.json")
    cfg = load(str(etc))
    arc = values(cfg, "ARC_Q")  # one CE: the listed name is kept
    assert (arc["wmsqueue"], arc["batchsubmitplugin"], arc["apfqueue.sleep"]) == (
        "ARC_Q",
        "CondorNordugrid",
        "99",
    )
    # two CEs: one section each, the operator's explicit value wins, the listed section is switched off
    for host in ("gridgk01", "gridgk02"):
        sec = values(cfg, f"BNL_PROD-{host}.racf.bnl.gov")
        assert (sec["sched.scale.factor"], sec["wmsqueue"]) == ("0.5", "BNL_PROD")
    assert not cfg.queues["BNL_PROD"].enabled
    assert "expanded into" in str(cfg.queues["BNL_PROD"].problems)
    mine = values(cfg, "MY_OWN")  # matched through batchqueue; its explicit enabled = False stays
    assert (mine["wmsqueue"], mine["enabled"]) == ("GRAM_Q", "False")
    assert not cfg.queues["HARVESTER_Q"].enabled
    assert "pilot_manager=harvester" in str(cfg.queues["HARVESTER_Q"].problems)
    assert values(cfg, "NOT_IN_CRIC")["wmsqueue"] == "ELSEWHERE"
    assert "ANALY_CREAM-cream.example.org" not in cfg.queues  # only listed queues come from CRIC


def test_cric_then_file_lets_the_file_override_generated_sections(conf_tree) -> None:  # type: ignore[no-untyped-def]
    queues = """
    [DEFAULT]
    wmsstatusplugin = Static
    batchsubmitplugin = Local

    [ARC_Q-arc.example.org]
    sched.scale.factor = 0.1

    [EXTRA]
    wmsqueue = X
    """
    etc = conf_tree(
        "config.queues.plugin = CRIC, File\nconfig.queues.cric.url = pq.json\n", {"queues.conf": queues}
    )
    write_doc(etc / "pq.json")
    cfg = load(str(etc))
    arc = values(cfg, "ARC_Q-arc.example.org")
    assert arc["sched.scale.factor"] == "0.1"
    assert arc["batchsubmitplugin"] == "CondorNordugrid"  # a [DEFAULT] does not replace what CRIC said
    assert values(cfg, "BNL_PROD-gridgk01.racf.bnl.gov")["batchsubmitplugin"] == "CondorOSGCE"
    assert "EXTRA" in cfg.queues
