"""check-config --defaults (every effective key: value, default, where it came from), --strict
(warnings fail), notes on defaults a queue relies on, and derived values reported as derived."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from autopyfactory.cli.main import main
from autopyfactory.loading.loader import load
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.submit import BATCHSUBMIT
from tests.engine.fakes import FakeSubmit

QUEUES = """
[DEFAULT]
wmsstatus.panda.url = https://panda.example.org:25443
apfqueue.sleep = 60

[EXPLICIT]
wmsqueue = SITE_A
wmsstatusplugin = Panda
batchsubmitplugin = Slurm
batchsubmit.slurm.partition = pilots

[IMPLICIT]
"""


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    rc = main(["check-config", *args, "--json"])
    return rc, json.loads(capsys.readouterr().out)


def effective(data: dict[str, Any], queue: str) -> dict[str, dict[str, Any]]:
    return {e["key"]: e for e in data["queues"][queue]["effective"]}


def test_every_effective_key_says_its_value_default_and_where_it_came_from(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    rc, data = check(capsys, "--conf", str(etc), "--defaults")
    assert rc == 0
    explicit, implicit = effective(data, "EXPLICIT"), effective(data, "IMPLICIT")
    # from the queue's own section, and from the file's [DEFAULT]
    assert explicit["batchsubmitplugin"]["source"] == "file"
    assert explicit["batchsubmitplugin"]["where"] == f"{etc / 'queues.conf'} [EXPLICIT]"
    assert explicit["batchsubmitplugin"]["default"] == "Local"
    assert explicit["apfqueue.sleep"] == {
        "key": "apfqueue.sleep", "value": "60", "default": "360", "source": "file",
        "where": f"{etc / 'queues.conf'} [DEFAULT]", "reader": "",
    }  # fmt: skip
    # the submit plugin's keys, set or not, with the plugin that reads them
    assert explicit["batchsubmit.slurm.partition"]["reader"] == "batchsubmit plugin Slurm"
    assert explicit["batchsubmit.slurm.account"]["source"] == "default"
    # derived values are derived, with how: never a "<built-in default>" the operator never wrote
    assert explicit["batchstatusplugin"]["source"] == "derived"
    assert explicit["batchstatusplugin"]["value"] == "Slurm"
    assert "batchsubmitplugin = Slurm" in explicit["batchstatusplugin"]["where"]
    assert implicit["wmsqueue"]["source"] == "derived"
    assert (implicit["wmsqueue"]["value"], implicit["wmsqueue"]["where"]) == (
        "IMPLICIT", "the section name (wmsqueue is not set)",
    )  # fmt: skip
    assert implicit["batchsubmitplugin"]["source"] == "default"
    assert implicit["batchsubmitplugin"]["value"] == "Local"
    assert implicit["batchstatusplugin"]["value"] == "Local"
    factory = {e["key"]: e for e in data["factory_effective"]}
    assert factory["factoryId"]["source"] == "file"
    assert factory["wmsstatus.panda.sleep"]["source"] == "default"
    assert factory["wmsstatus.panda.sleep"]["reader"] == "wmsstatus plugin Panda"


def test_the_text_form_shows_the_same(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    assert main(["check-config", "--conf", str(etc), "--defaults", "--queue", "IMPLICIT"]) == 0
    out = capsys.readouterr().out
    assert "wmsqueue" in out and "= IMPLICIT    ; derived: the section name (wmsqueue is not set)" in out
    assert "batchsubmitplugin" in out and "= Local    ; default" in out
    assert f"= 60    ; {etc / 'queues.conf'} [DEFAULT] (default: 360)" in out
    assert "[EXPLICIT]" not in out


def test_a_queue_relying_on_consequential_defaults_gets_notes_not_warnings(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    rc, data = check(capsys, "--conf", str(etc), "--strict")
    assert rc == 0  # 2.4's defaults are valid: --strict does not fail on them
    notes = {n["key"]: n for n in data["queues"]["IMPLICIT"]["notes"]}
    assert set(notes) == {"wmsqueue", "batchsubmitplugin"}
    assert "the section name 'IMPLICIT' is used as the WMS queue" in notes["wmsqueue"]["message"]
    assert "wmsqueue = IMPLICIT" in notes["wmsqueue"]["hint"]
    assert (
        "the default 'Local' is used: pilots run as processes on the factory host"
        in (notes["batchsubmitplugin"]["message"])
    )
    assert all(n["level"] == "info" for n in notes.values())
    assert data["queues"]["EXPLICIT"]["notes"] == []
    main(["check-config", "--conf", str(etc)])
    out = capsys.readouterr().out
    assert f"info: {etc / 'queues.conf'} [IMPLICIT] wmsqueue: is not set" in out
    assert "0 error(s), 0 warning(s), 2 note(s)" in out


def test_strict_makes_warnings_fail(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES + "sched.maxpercylce.maximum = 5\n"})  # a typo: a warning
    rc, data = check(capsys, "--conf", str(etc))
    assert rc == 0 and data["warnings"] >= 1 and data["errors"] == 0
    rc, data = check(capsys, "--conf", str(etc), "--strict")
    assert rc == 1 and data["strict"] is True
    assert main(["check-config", "--conf", str(etc), "--strict"]) == 1
    assert "(--strict: the warnings count as errors)" in capsys.readouterr().out


def test_the_panda_server_from_the_environment_is_derived_and_none_is_an_error(
    conf_tree, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": "[Q]\nwmsqueue = Q\nbatchsubmitplugin = Local\n"})
    for var in ("PANDA_URL_SSL", "PANDA_URL"):
        monkeypatch.delenv(var, raising=False)
    rc, data = check(capsys, "--conf", str(etc))
    assert rc == 1
    (p,) = data["queues"]["Q"]["problems"]
    assert (p["file"], p["section"], p["key"]) == (str(etc / "queues.conf"), "Q", "wmsstatus.panda.url")
    assert "there is no default server" in p["message"]
    monkeypatch.setenv("PANDA_URL", "https://panda.example.org")
    rc, data = check(capsys, "--conf", str(etc), "--defaults")
    assert rc == 0
    url = effective(data, "Q")["wmsstatus.panda.url"]
    assert (url["value"], url["source"]) == ("https://panda.example.org", "derived")
    assert "$PANDA_URL" in url["where"]


class OrphanSubmit(FakeSubmit):
    """A submit plugin whose declared status plugin is not installed."""

    name = "Orphan"
    batchstatus: ClassVar[str | None] = "NoSuchStatus"


def test_a_derived_status_plugin_that_is_missing_is_reported_on_the_key_the_operator_wrote(conf_tree) -> None:  # type: ignore[no-untyped-def]
    reg = Registry()
    reg.register(BATCHSUBMIT, "Orphan", OrphanSubmit)
    etc = conf_tree(
        files={"queues.conf": "[Q]\nwmsqueue = Q\nwmsstatusplugin = None\nbatchsubmitplugin = Orphan\n"}
    )
    (p,) = [p for p in load(str(etc), reg).queues["Q"].errors]
    assert (p.origin, p.key, p.value) == (str(etc / "queues.conf"), "batchsubmitplugin", "Orphan")
    assert "its batchstatusplugin (not set, so derived from batchsubmitplugin: 'NoSuchStatus')" in p.message
    assert "<built-in default>" not in str(p)


def test_the_factory_logs_the_notes_at_start(conf_tree, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from autopyfactory.engine.factory import Factory, RunOptions

    queues = "[DEFAULT]\nwmsstatusplugin = Static\n\n[IMPLICIT]\n"  # no network: a Static work source
    etc = conf_tree(files={"queues.conf": queues})
    with caplog.at_level(logging.INFO, logger="autopyfactory.factory"):
        f = Factory(RunOptions(conf=str(etc), services=False))
        f.shutdown()
    notes = [r for r in caplog.records if "[IMPLICIT] wmsqueue: is not set" in r.getMessage()]
    assert notes and all(r.levelno == logging.INFO for r in notes)
