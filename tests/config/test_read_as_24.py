"""Values read as 2.4's loader read them: None/True/False in both of 2.4's spellings for every key,
Python 2's ConfigParser rules (`` ;`` comments, ``""``, ``%(__name__)s``), 2.4's key order, and
interpolation helpers that are not unknown keys."""

from __future__ import annotations

import pytest

from autopyfactory.config.ini_text import py2_value
from autopyfactory.config.keys import BOOL, INT, LIST, STR, Key
from autopyfactory.loading.chain import build_chain
from autopyfactory.loading.loader import load
from autopyfactory.plugins.registry import registry
from autopyfactory.sched.chain import decide
from tests.sched.helpers import snap

BASE = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
schedplugin = Ready
"""


@pytest.mark.parametrize("spelling", ["None", "none"])
def test_none_in_either_spelling_unsets_every_kind_of_key(conf_tree, spelling: str) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": BASE + "[Q]\nschedplugin = KeepNRunning\n"
            f"sched.keepnrunning.keep_running = {spelling}\n"
            f"sched.maxpercycle.maximum = {spelling}\n"
            f"monitorsection = {spelling}\n"
            f"batchsubmit.condorgrid.proxy = {spelling}\n"
            f"wrapper.serverurl = {spelling}\n"
        }
    )
    q = load(str(etc)).queues["Q"]
    assert q.ok, [str(p) for p in q.problems]
    s = q.section
    # unset: a key reads as its default (None for a limit, so no limit), a list as empty
    assert s.get(Key("sched.maxpercycle.maximum", INT)) is None
    assert s.get(Key("sched.maxpercycle.maximum", INT, 7)) == 7
    assert s.get(Key("sched.maxpercycle.maximum", INT, 7, nullable=True)) is None
    assert s.get(Key("monitorsection", LIST, ("M",))) == ()
    assert s.get(Key("batchsubmit.condorgrid.proxy", LIST, None)) == ()  # no proxy, not a profile "none"
    assert s.get(Key("wrapper.serverurl", STR)) is None
    assert s.get(Key("wrapper.serverurl", STR, "")) == ""
    # KeepNRunning with keep_running unset: the input is the target (2.4), the queue is not disabled
    d = decide(build_chain(s, load(str(etc)).factory, registry), snap(pending=2, running=3))
    assert d.message == "KeepNRunning:in=0,keep=None,running=3,pending=2,retiring=0,ret=-5"


@pytest.mark.parametrize(("true", "false"), [("True", "False"), ("true", "false")])
def test_true_and_false_in_either_spelling(conf_tree, true: str, false: str) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": BASE + f"[Q]\nenabled = {true}\nsched.maxpending.allow_negative = {false}\n"
            f"batchsubmit.condorbase.condor_attributes.+Nonessential = {true}\n"
        }
    )
    q = load(str(etc)).queues["Q"]
    assert q.ok and q.enabled
    s = q.section
    assert s.get(Key("sched.maxpending.allow_negative", BOOL, True)) is False
    # what 2.4 printed into the submit file for a value it had turned into True
    assert s.get_prefixed("batchsubmit.condorbase.condor_attributes.") == {"+Nonessential": "True"}


def test_other_spellings_are_text_as_in_2_4_and_check_config_says_so(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={"queues.conf": BASE + "[Q]\nenabled = TRUE\nbatchsubmit.condorgrid.proxy = NONE\n"}
    )
    q = load(str(etc)).queues["Q"]
    assert q.enabled  # a boolean key takes TRUE, as 2.4's getboolean did
    assert q.section.get(Key("batchsubmit.condorgrid.proxy", LIST, None)) == ("NONE",)
    (w,) = [p for p in q.problems if p.key == "batchsubmit.condorgrid.proxy"]
    assert w.level == "warning"
    assert w.message == "taken as the text 'NONE', as 2.4 took it: only None and none mean None"
    assert not [p for p in q.problems if p.key == "enabled"]


def test_a_shell_command_keeps_its_text(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": BASE + "[Q]\nwrapper.checks.command.ok = true\n"})
    s = load(str(etc)).queues["Q"].section
    assert s.get_prefixed("wrapper.checks.command.") == {"ok": "true"}


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("a ; comment", "a"),
        ("a\t; comment", "a"),
        ("a;b", "a;b"),
        ("a;b ;c", "a;b ;c"),  # only the first ';' is looked at
        ('""', ""),
        ('"" ; empty', ""),
        ('"x"', '"x"'),
        ("first ; c\nsecond ; kept", "first\nsecond ; kept"),
    ],
)
def test_python_2_value_rules(written: str, read: str) -> None:
    assert py2_value(written) == read


def test_inline_comments_and_empty_quotes_in_a_file(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": BASE + '[Q]\nwmsqueue = SITE ; the PanDA site\nbatchqueue = ""\n'
            "executable.arguments = -a -c ; the wrapper's\n"
            "executable.defaultarguments = -a;b -c ; not a comment: the first ';' follows a letter\n"
        }
    )
    s = load(str(etc)).queues["Q"].section
    assert (s.raw("wmsqueue"), s.raw("batchqueue"), s.raw("executable.arguments")) == ("SITE", "", "-a -c")
    assert s.raw("executable.defaultarguments") == "-a;b -c ; not a comment: the first ';' follows a letter"


def test_section_name_interpolation(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": BASE + "batchqueue = %(__name__)s\nexecutable.arguments = -q %(batchqueue)s\n"
            "[ANALY_X-ce1]\nwmsqueue = X\n",
            "queues.d/10.conf": "[DEFAULT]\nwmsqueue = %(__name__)s\n[MWT2]\nenabled = True\n",
        },
        factory="queueConf = queues.conf\nqueueDirConf = queues.d\n",
    )
    cfg = load(str(etc))
    s = cfg.queues["ANALY_X-ce1"].section
    assert (s.raw("batchqueue"), s.raw("executable.arguments")) == ("ANALY_X-ce1", "-q ANALY_X-ce1")
    assert cfg.queues["MWT2"].section.raw("wmsqueue") == "MWT2"


def test_keys_come_in_2_4_order_own_then_default(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": "[DEFAULT]\nb = 1\nz = 2\n[Q]\nz = 3\na = 4\n"})
    assert load(str(etc)).queues["Q"].section.keys()[:3] == ["z", "a", "b"]


def test_a_key_used_through_interpolation_is_not_unknown(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": BASE + "req = requirements = JobRunCount == 0\n"
            "creamdefault = CpuNumber=1\n"
            "cpus = 8\n"
            "[CREAM]\n"
            "batchsubmitplugin = CondorCREAM\n"
            "batchsubmit.condorcream.gridresource = cream.example.org:8443/ce-cream/services/CREAM2 pbs q\n"
            "creamattr = CpuNumber=%(cpus)s\n"
            "batchsubmit.condorcream.condor_attributes = %(req)s,cream_attributes = %(creamattr)s\n"
            "[OTHER]\n"
            "wmsqueue = O\n"
            "sched.maxpercyle.maximum = 3\n"
        }
    )
    cfg = load(str(etc))
    cream = cfg.queues["CREAM"]
    assert not [p for p in cream.problems if p.key in ("creamattr", "cpus", "req")], cream.problems
    assert [p.key for p in cfg.queues["OTHER"].problems] == ["sched.maxpercyle.maximum"]
    # a [DEFAULT] helper no queue uses is reported once, for the file
    (unused,) = [p for p in cfg.problems if p.section == "DEFAULT"]
    assert (unused.level, unused.key, unused.message) == ("warning", "creamdefault", "unknown key")
    assert unused.origin.endswith("queues.conf")
