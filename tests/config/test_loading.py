"""2.4 configuration semantics: DEFAULT, interpolation, conf.d merge, override, None/True/False, ~."""

from __future__ import annotations

import os
from pathlib import Path

from autopyfactory.config.keys import BOOL, INT, Key
from autopyfactory.loading.loader import load
from autopyfactory.wms.panda.plugin import MAPPING as PANDA_MAPPING

BASE_QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
schedplugin = Ready
"""


def test_keys_are_case_sensitive_and_default_interpolation_works(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": BASE_QUEUES
            + """
site = BNL
executable.arguments = --wrapperwmsqueue=%(wmsqueue)s --site=%(site)s --pct=100%%

[ANALY_BNL]
wmsqueue = ANALY_BNL_SHORT
Site = ignored-because-case-differs
"""
        }
    )
    q = load(str(etc)).queues["ANALY_BNL"].section
    assert q.raw("executable.arguments") == "--wrapperwmsqueue=ANALY_BNL_SHORT --site=BNL --pct=100%"
    assert q.raw("Site") == "ignored-because-case-differs"
    assert q.raw("site") == "BNL"


def test_queues_d_is_read_in_lexical_order_with_a_shared_default(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="queueDirConf = queues.d\n",
        files={
            "queues.d/00-defaults.conf": BASE_QUEUES + "sched.scale.factor = 0.5\nnote = from-%(wmsqueue)s\n",
            "queues.d/10-site.conf": "[Q1]\nwmsqueue = S1\nsched.maxpercycle.maximum = 10\n",
            "queues.d/20-override.conf": "[Q1]\nsched.maxpercycle.maximum = 20\n",
            "queues.d/README": "[Q1]\nsched.maxpercycle.maximum = 99\n",  # not *.conf: ignored
        },
    )
    q = load(str(etc)).queues["Q1"].section
    assert q.raw("sched.maxpercycle.maximum") == "20"
    assert q.origin_of("sched.maxpercycle.maximum").endswith("20-override.conf")
    assert q.raw("sched.scale.factor") == "0.5"
    assert q.raw("note") == "from-S1"


def test_queue_conf_list_merges_left_to_right_and_the_directory_wins(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    second = tmp_path / "second.conf"
    second.write_text("[Q1]\nsched.scale.factor = 0.25\n[Q2]\nwmsqueue = S2\n" + BASE_QUEUES)
    etc = conf_tree(
        factory=f"queueConf = queues.conf, file://{second}\nqueueDirConf = queues.d\n",
        files={
            "queues.conf": BASE_QUEUES
            + "[Q1]\nwmsqueue = S1\nsched.scale.factor = 0.5\nsched.ready.offset = 3\n",
            "queues.d/a.conf": "[Q1]\nsched.ready.offset = 4\n",
        },
    )
    cfg = load(str(etc))
    q1 = cfg.queues["Q1"].section
    assert (q1.raw("wmsqueue"), q1.raw("sched.scale.factor"), q1.raw("sched.ready.offset")) == (
        "S1",
        "0.25",
        "4",
    )
    assert "Q2" in cfg.queues


def test_override_true_keeps_the_earlier_section_values(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="queueConf = local.conf, central.conf\n",
        files={
            "local.conf": BASE_QUEUES + "[Q1]\noverride = True\nwmsqueue = MINE\n",
            "central.conf": "[Q1]\nwmsqueue = THEIRS\nsched.ready.offset = 2\n",
        },
    )
    q1 = load(str(etc)).queues["Q1"].section
    assert q1.raw("wmsqueue") == "MINE"
    assert q1.raw("sched.ready.offset") == "2"  # new keys still arrive


def test_none_true_false_strings_and_tilde(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={"queues.conf": BASE_QUEUES + "[Q1]\nsched.maxpercycle.maximum = None\nproxyfile = ~/x509up\n"}
    )
    q = load(str(etc)).queues["Q1"].section
    assert q.get(Key("sched.maxpercycle.maximum", INT, None)) is None
    assert q.get(Key("enabled", BOOL, False)) is True
    assert q.raw("proxyfile") == os.path.expanduser("~/x509up")


def test_missing_interpolation_variable_disables_only_that_queue(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": BASE_QUEUES
            + "executable.arguments = -s %(wmsqueue)s\n[GOOD]\nwmsqueue = G\n[BAD]\nbatchqueue = B\n"
        }
    )
    cfg = load(str(etc))
    assert cfg.queues["GOOD"].ok
    (err,) = cfg.queues["BAD"].errors
    assert err.key == "executable.arguments"
    assert "interpolation needs 'wmsqueue', which neither [BAD] nor [DEFAULT] defines" in err.message
    assert err.hint == "add 'wmsqueue = ...' to [BAD] or [DEFAULT]"


def test_unknown_keys_get_a_did_you_mean_but_default_variables_do_not(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": BASE_QUEUES
            + "req = requirements = JobRunCount == 0\n[Q1]\nwmsqueue = S\nsched.maxpercyle.maximum = 5\n"
        }
    )
    q = load(str(etc)).queues["Q1"]
    assert q.ok
    (w,) = q.problems
    assert (w.level, w.key, w.hint) == (
        "warning",
        "sched.maxpercyle.maximum",
        "did you mean 'sched.maxpercycle.maximum'?",
    )


def test_unknown_plugin_names_the_closest_one(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": BASE_QUEUES + "[Q1]\nschedplugin = Ready, MaxPerCycel\n"})
    (err,) = load(str(etc)).queues["Q1"].errors
    assert err.key == "schedplugin"
    assert "no sched plugin named 'MaxPerCycel'; did you mean 'MaxPerCycle'?" in err.message


def test_mappings_file_is_laid_over_the_built_in_ones(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="mappingsConf = mappings.conf\n",
        files={
            "queues.conf": BASE_QUEUES,
            "mappings.conf": "[CONDORBATCHSTATUS-JOBSTATUS2INFO]\n5 = suspended\n",
        },
    )
    m = load(str(etc)).mappings
    assert m.section("CONDORBATCHSTATUS-JOBSTATUS2INFO")["5"] == "suspended"
    assert m.section("CONDORBATCHSTATUS-JOBSTATUS2INFO")["2"] == "running"
    assert m.map_counts(PANDA_MAPPING, {"activated": 5, "assigned": 2, "defined": 1}) == {
        "ready": 5,
        "notready": 3,
    }


def test_missing_queue_file_is_a_factory_error_naming_the_key(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(factory="queueConf = nowhere.conf\n")
    (err,) = load(str(etc)).factory_errors
    assert (err.section, err.key, err.value) == ("Factory", "queueConf", "nowhere.conf")
    assert "does not exist" in err.message


def test_bytes_that_are_not_utf8_are_read_as_latin1_with_a_warning_naming_file_and_line(conf_tree) -> None:  # type: ignore[no-untyped-def]
    """2.4 read bytes: a latin-1 value went through. It still does, and check-config says so."""
    etc = conf_tree(factory="queueConf = queues.conf\nqueueDirConf = queues.d\n")
    (etc / "queues.conf").write_bytes(BASE_QUEUES.encode() + b"[A]\nwmsqueue = caf\xe9\n")
    (etc / "queues.d").mkdir()
    (etc / "queues.d" / "b.conf").write_bytes(
        b"# \xff\n[B]\nwmsqueue = B\nwmsstatus.panda.url = https://panda.example.org\n"
    )
    (etc / "autopyfactory.conf").write_bytes(
        (etc / "autopyfactory.conf").read_bytes() + b"factoryAdminEmail = \xe9\n"
    )
    cfg = load(str(etc))
    assert cfg.factory_errors == [] and cfg.queues["A"].ok and cfg.queues["B"].ok
    assert cfg.queues["A"].section.raw("wmsqueue") == "café"
    warned = sorted((Path(p.origin).name, p.message) for p in cfg.problems if "latin-1" in p.message)
    assert warned == [
        ("autopyfactory.conf", f"line(s) {len((etc / 'autopyfactory.conf').read_bytes().splitlines())}: "
         "not UTF-8; read as latin-1, as 2.4 did"),
        ("queues.conf", "line(s) 8: not UTF-8; read as latin-1, as 2.4 did"),
    ]  # fmt: skip


def test_a_base_log_dir_url_with_a_bad_port_is_a_factory_error(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree()
    conf = etc / "autopyfactory.conf"
    conf.write_text(conf.read_text().replace("http://localhost:25880", "http://localhost:2588O"))
    errors = [e for e in load(str(etc)).factory_errors if e.key == "baseLogDirUrl"]
    assert [e.value for e in errors] == ["http://localhost:2588O"]
    assert "port" in errors[0].message


def test_a_config_urltimeout_that_is_not_a_positive_number_is_a_factory_error(conf_tree) -> None:  # type: ignore[no-untyped-def]
    for bad in ("0", "-1", "nan", "soon"):
        etc = conf_tree(f"config.urltimeout = {bad}\n", {"queues.conf": BASE_QUEUES})
        errors = [e for e in load(str(etc)).factory_errors if e.key == "config.urltimeout"]
        assert [e.value for e in errors] == [bad]
        assert "seconds > 0" in errors[0].message
