"""One bad line in a queue file disables what depends on it, never every queue; what 2.4 accepted
(a UTF-8 BOM, latin-1 bytes, duplicate sections and keys in one file) is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopyfactory.config.problems import ConfigError
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.loading.loader import load
from tests.engine import fakes

DEFAULTS = """
[DEFAULT]
enabled = True
wmsstatusplugin = FakeWMS
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 3
apfqueue.sleep = 0
"""


def tree(conf_tree, files: dict[str, bytes]) -> Path:  # type: ignore[no-untyped-def]
    etc: Path = conf_tree(factory="queueDirConf = queues.d\n", files={"queues.d/00-defaults.conf": DEFAULTS})
    for name, data in files.items():
        (etc / "queues.d" / name).write_bytes(data)
    return etc


# every kind of line 2.4 stumbled over or accepted, one file each
FILES = {
    "10-good.conf": b"[GOOD]\nwmsqueue = GOOD\n",
    "20-stray.conf": b"[STRAY]\nwmsqueue = STRAY\nthis line is not a key\nsched.ready.offset = 1\n",
    "30-empty-header.conf": b"[NONAME]\nwmsqueue = NONAME\n[]\nenabled = False\n",
    "40-bom.conf": b"\xef\xbb\xbf# written by a Windows editor\n[BOM]\nwmsqueue = BOM\n",
    "50-latin1.conf": b"# site d\xe9di\xe9e au calcul\n[LATIN1]\nwmsqueue = LATIN1\n",
    "60-duplicates.conf": b"[DUP]\nwmsqueue = X\n[DUP]\nwmsqueue = DUP\nsched.ready.offset = 2\n",
    "70-override.conf": b"[GOOD]\nsched.ready.offset = 0\n",
}


def test_a_bad_line_disables_only_the_queues_of_its_file_naming_file_and_line(conf_tree) -> None:  # type: ignore[no-untyped-def]
    cfg = load(str(tree(conf_tree, FILES)))
    assert cfg.factory_errors == []
    ok = sorted(n for n, q in cfg.queues.items() if q.ok)
    assert ok == ["BOM", "DUP", "GOOD", "LATIN1"]
    (stray,) = cfg.queues["STRAY"].errors
    assert stray.origin.endswith("queues.d/20-stray.conf")
    assert "line 3 'this line is not a key' (in [STRAY]): not 'key = value'" in stray.message
    assert "the queues it defines are disabled" in stray.message
    (noname,) = cfg.queues["NONAME"].errors
    assert noname.origin.endswith("30-empty-header.conf")
    assert "line 3 '[]' (in [NONAME]): a section header without a name" in noname.message
    assert "line 4) are ignored" in noname.message
    dup = cfg.queues["DUP"].section
    assert (dup.raw("wmsqueue"), dup.raw("sched.ready.offset")) == ("DUP", "2")  # later key wins, as in 2.4
    assert cfg.queues["BOM"].section.raw("wmsqueue") == "BOM"


def test_the_good_queues_run(conf_tree) -> None:  # type: ignore[no-untyped-def]
    world = fakes.reset()
    world.activated = {q: 5 for q in ("GOOD", "STRAY", "NONAME", "BOM", "LATIN1", "DUP")}
    f = Factory(RunOptions(conf=str(tree(conf_tree, FILES)), services=False))
    try:
        assert sorted(f.queues) == ["BOM", "DUP", "GOOD", "LATIN1"]
        f.run_cycle()
    finally:
        f.shutdown()
    assert sorted(q for q, _ in world.submissions) == ["BOM", "DUP", "GOOD", "LATIN1"]


def test_a_bad_line_in_default_disables_every_queue_that_reads_that_default(conf_tree) -> None:  # type: ignore[no-untyped-def]
    """Its [DEFAULT] may have lost e.g. batchsubmitplugin: running on the rest would be a guess."""
    etc = tree(conf_tree, {"10-a.conf": b"[A]\n", "20-b.conf": b"[B]\n"})
    (etc / "queues.d" / "00-defaults.conf").write_text(DEFAULTS + "batchsubmitplugin CondorCE\n")
    cfg = load(str(etc))
    assert cfg.factory_errors == []
    for q in ("A", "B"):
        (err,) = cfg.queues[q].errors
        assert err.origin.endswith("00-defaults.conf")
        assert "line 10 'batchsubmitplugin CondorCE' (in [DEFAULT])" in err.message
        assert "every queue that reads it is disabled" in err.message


def test_a_value_before_any_header_may_be_a_lost_default_and_disables_the_document(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, {"10-a.conf": b"[A]\n", "05-more-defaults.conf": b"batchsubmitplugin = CondorCE\n"})
    (err,) = load(str(etc)).queues["A"].errors
    assert "a value before the first [section] header" in err.message


def test_stray_text_in_a_file_that_defines_no_queue_is_a_warning(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, {"10-a.conf": b"[A]\n", "99-notes.conf": b"remember to renew the proxy\n"})
    cfg = load(str(etc))
    assert cfg.queues["A"].ok
    (w,) = [p for p in cfg.problems if p.origin.endswith("99-notes.conf")]
    assert w.level == "warning" and "no queue depends on it" in w.message


def test_a_latin1_value_is_kept_as_latin1_with_a_warning(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, {"10-a.conf": b"[A]\nwrapper.purpose = caf\xe9\n"})
    cfg = load(str(etc))
    assert cfg.queues["A"].ok
    assert cfg.queues["A"].section.raw("wrapper.purpose") == "café"
    (w,) = [p for p in cfg.problems if p.origin.endswith("10-a.conf")]
    assert w.level == "warning" and "line(s) 2: not UTF-8; read as latin-1" in w.message


def test_a_single_queue_conf_with_a_bad_line_disables_its_queues_not_the_queues_d_ones(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, {"10-a.conf": b"[A]\n"})
    conf = etc / "autopyfactory.conf"
    conf.write_text(conf.read_text() + "queueConf = queues.conf\n")
    (etc / "queues.conf").write_bytes(DEFAULTS.encode() + b"[C]\n[]\n")
    cfg = load(str(etc))
    assert cfg.queues["A"].ok and not cfg.queues["C"].ok


def test_autopyfactory_conf_accepts_bom_and_latin1_comments_but_a_bad_line_stops_the_factory(
    conf_tree,
) -> None:  # type: ignore[no-untyped-def]
    etc = tree(conf_tree, {"10-a.conf": b"[A]\n"})
    conf = etc / "autopyfactory.conf"
    text = conf.read_bytes()
    conf.write_bytes(b"\xef\xbb\xbf# usine \xe0 pilotes\n" + text)
    cfg = load(str(etc))
    assert cfg.factory_errors == [] and cfg.settings is not None and cfg.settings.factory_id == "test-factory"
    conf.write_bytes(text + b"oops\n")
    with pytest.raises(ConfigError, match=r"autopyfactory\.conf.*line \d+ 'oops' \(in \[Factory\]\)"):
        load(str(etc))
