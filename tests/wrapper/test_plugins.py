"""Plugin steps and exit codes; the generic, panda, trivial and null plugins."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from autopyfactory.wrapper.stage import exitcodes as ec
from autopyfactory.wrapper.stage.context import StageContext
from autopyfactory.wrapper.stage.exitcodes import StageError
from autopyfactory.wrapper.stage.options import parse
from autopyfactory.wrapper.stage.payload import Forwarder
from autopyfactory.wrapper.stage.plugins import NAMES, plugin_class
from autopyfactory.wrapper.stage.plugins.base import Plugin
from autopyfactory.wrapper.stage.runner import execute
from tests.wrapper.helpers import file_server, sha256


def context(tmp_path: Path, argv: list[str]) -> StageContext:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return StageContext(parse(argv), str(work), str(tmp_path), dict(os.environ), sys.executable, Forwarder())


def plugin(tmp_path: Path, argv: list[str]) -> Plugin:
    ctx = context(tmp_path, argv)
    return plugin_class(ctx.options.plugin)(ctx, ctx.options.plugin_args)


class Steps(Plugin):
    name = "steps"

    def __init__(
        self, ctx: StageContext, fail: str = "", rc: int = 0, error: StageError | None = None
    ) -> None:
        super().__init__(ctx, [])
        self.fail, self.rc, self.error, self.done = fail, rc, error, []  # type: ignore[var-annotated]

    def _step(self, name: str) -> None:
        self.done.append(name)
        if self.fail == name:
            if self.error:
                raise self.error
            raise RuntimeError("boom")

    def pre_run(self) -> None:
        self._step("pre_run")

    def run(self) -> int:
        self._step("run")
        return self.rc

    def post_run(self) -> None:
        self._step("post_run")


@pytest.mark.parametrize(
    ("fail", "rc", "expect_rc", "expect_steps"),
    [
        ("", 0, 0, ["pre_run", "run", "post_run"]),
        ("pre_run", 0, ec.PRE_RUN, ["pre_run"]),
        ("run", 0, ec.RUN_START, ["pre_run", "run"]),
        ("", 7, 7, ["pre_run", "run"]),  # the payload's failure stops the steps; its code passes
        ("post_run", 0, ec.POST_RUN, ["pre_run", "run", "post_run"]),
    ],
)
def test_steps_stop_at_the_first_failure_with_that_steps_code(
    tmp_path: Path, fail: str, rc: int, expect_rc: int, expect_steps: list[str]
) -> None:
    p = Steps(context(tmp_path, []), fail, rc)
    assert execute(p) == expect_rc
    assert p.done == expect_steps


def test_a_stage_error_keeps_its_own_code(tmp_path: Path) -> None:
    p = Steps(context(tmp_path, []), "pre_run", error=StageError(ec.CHECKSUM, "bad"))
    with pytest.raises(StageError) as exc:
        execute(p)
    assert exc.value.code == ec.CHECKSUM


def test_exit_codes_are_distinct_and_described() -> None:
    codes = [v for k, v in vars(ec).items() if k.isupper() and isinstance(v, int)]
    assert len(codes) == len(set(codes)) == len(ec.DESCRIPTIONS)


def test_unknown_plugin_is_a_usage_error_and_every_name_loads() -> None:
    with pytest.raises(StageError) as exc:
        plugin_class("pand")
    assert exc.value.code == ec.USAGE and "generic, panda" in exc.value.message
    assert "(did you mean panda?)" in exc.value.message and "2.4's names" in exc.value.message
    assert [plugin_class(n).name for n in NAMES] == list(NAMES)


def test_trivial_plugin_exit_code_and_strict_options(tmp_path: Path) -> None:
    assert execute(plugin(tmp_path, ["--wrapperplugin=trivial", "--exit-code", "5"])) == 5
    with pytest.raises(StageError) as exc:
        plugin(tmp_path, ["--wrapperplugin=trivial", "--bogus"])
    assert exc.value.code == ec.USAGE
    assert execute(plugin(tmp_path, ["--wrapperplugin=null", "--anything", "goes"])) == 0


def test_generic_runs_a_command_after_dashdash(tmp_path: Path) -> None:
    p = plugin(tmp_path, ["--wrapperplugin=generic", "--", "sh", "-c", "pwd > where; exit 3"])
    assert execute(p) == 3
    assert (tmp_path / "work" / "where").read_text().strip() == str(tmp_path / "work")
    with pytest.raises(StageError) as exc:
        plugin(tmp_path, ["--wrapperplugin=generic"]).pre_run()
    assert exc.value.code == ec.USAGE and "nothing to run" in exc.value.message


def test_generic_runs_fetched_code_and_tarball_entries(tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / "job.sh").write_text('#!/bin/sh\necho "$APF_PILOTCODE $*" > "$OUT"\nexit 4\n')
    os.environ["OUT"] = str(tmp_path / "out.txt")
    try:
        with file_server(www) as fs:
            p = plugin(
                tmp_path, ["--wrapperplugin=generic", f"--wrapperpilotcode={fs.url}/job.sh", "--", "a1"]
            )
            assert execute(p) == 4
    finally:
        del os.environ["OUT"]
    entry, args = (tmp_path / "out.txt").read_text().split()
    assert entry.endswith("/job.sh") and args == "a1"


PILOT = """\
import json, os, sys
with open(os.environ["PILOT_RECORD"], "w") as f:
    json.dump({"argv": sys.argv[1:], "cwd": os.getcwd(), "file": __file__}, f)
sys.exit(int(os.environ.get("PILOT_RC", "0")))
"""


@pytest.fixture
def pilot_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.wrapper.test_pilotcode import make_tarball

    www = tmp_path / "www"
    www.mkdir()
    (www / "pilot.py").write_text(PILOT)
    make_tarball(www / "pilot.tar.gz", {"pilot.py": PILOT, "helper.py": ""}, top="pilot3")
    os.environ["PILOT_RECORD"] = str(tmp_path / "record.json")
    try:
        with file_server(www) as fs:
            yield fs
    finally:
        os.environ.pop("PILOT_RECORD", None)
        os.environ.pop("PILOT_RC", None)


def _record(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    import json

    return json.loads((tmp_path / "record.json").read_text())  # type: ignore[no-any-return]


def test_panda_runs_the_pilot_with_queue_arguments_from_wrapper_options(pilot_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    argv = [
        "--wrapperplugin=panda", "--wrapperwmsqueue=SITE", "--wrapperbatchqueue=SITE_Q",
        "--wrapperserverurl=http://panda:25080", f"--wrapperpilotcode={pilot_server.url}/pilot.py",
        f"--wrapperpilotcodechecksum={sha256(pilot_server.root / 'pilot.py')}", "--max-jobs", "2",
        "--", "--label", "test",
    ]  # fmt: skip
    assert execute(plugin(tmp_path, argv)) == 0
    rec = _record(tmp_path)
    assert rec["argv"] == ["-s", "SITE", "-r", "SITE", "-q", "SITE_Q", "--url", "http://panda:25080",
                           "--max-jobs", "2", "--label", "test"]  # fmt: skip
    assert rec["cwd"] == str(tmp_path / "work")


def test_panda_explicit_queue_options_and_tarball_pilot(pilot_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    os.environ["PILOT_RC"] = "9"
    argv = [
        "--wrapperplugin=panda", "--wrapperwmsqueue=W", "-s", "S", "-r", "R", "-q", "Q",
        "--panda-url", "http://p", f"--pilot-url={pilot_server.url}/pilot.tar.gz",
    ]  # fmt: skip
    assert execute(plugin(tmp_path, argv)) == 9
    rec = _record(tmp_path)
    assert rec["argv"] == ["-s", "S", "-r", "R", "-q", "Q", "--url", "http://p"]
    assert rec["file"].endswith("/pilot3/pilot.py")


def test_panda_without_pilot_code_or_site_is_a_usage_error(pilot_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StageError) as exc:
        plugin(tmp_path, ["--wrapperplugin=panda", "--wrapperwmsqueue=W"]).pre_run()
    assert exc.value.code == ec.USAGE and "no pilot code" in exc.value.message
    with pytest.raises(StageError) as exc:
        plugin(tmp_path, ["--wrapperplugin=panda", f"--pilot-url={pilot_server.url}/pilot.py"]).pre_run()
    assert exc.value.code == ec.USAGE and "no site" in exc.value.message
    with pytest.raises(StageError) as exc:
        p = plugin(tmp_path, ["--wrapperplugin=panda", "-s", "S", f"--pilot-url={pilot_server.url}/pilot.tar.gz",
                              "--pilot-entry", "runpilot.py"])  # fmt: skip
        p.pre_run()
    assert exc.value.code == ec.PILOTCODE
