"""The real bootstrap, run directly: monitor calls, work directory, signals, node checks, finding the stage."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from autopyfactory.wrapper import bundle, default_executable
from tests.wrapper.helpers import PAYLOAD, base_env, dead_url, file_server, recorder, run_bootstrap

JID = "fid-1:7.0"


@dataclass
class Node:
    landing: Path  # where the batch system starts the pilot
    scratch: Path  # $TMPDIR
    markers: Path  # where the test payload notes what happened
    env: dict[str, str]
    payload: str  # file:// URL of the test payload


@pytest.fixture
def node(tmp_path: Path) -> Node:
    landing, scratch, markers = tmp_path / "landing", tmp_path / "scratch", tmp_path / "markers"
    for d in (landing, scratch, markers):
        d.mkdir()
    payload = tmp_path / "payload.py"
    payload.write_text(PAYLOAD)
    env = base_env(
        scratch, APFFID="fid-1", APFCID="7.0", MARKER_DIR=str(markers), APFMON_TRIES="2", APFMON_DELAY="0"
    )
    return Node(landing, scratch, markers, env, payload.as_uri())


def test_monitor_hears_running_then_exiting_with_the_payloads_code(node: Node) -> None:
    with recorder() as rec:
        node.env["APFMON"] = rec.url
        res = run_bootstrap(
            ["--wrapperplugin=generic", f"--wrapperpilotcode={node.payload}", "--", "3"],
            node.landing,
            node.env,
        )
    assert res.returncode == 3, res.stdout + res.stderr
    assert rec.states(JID) == [("running", None), ("exiting", "3")]
    assert rec.calls[0].path == f"/api/jobs/{JID}"
    assert rec.calls[0].fields["wrapper"].startswith("autopyfactory-")
    assert (node.markers / "7.0.payload").read_text().startswith("started")
    assert (node.landing / "7.0.profile.json").is_file()


def test_work_directory_is_private_under_tmpdir_and_removed(node: Node) -> None:
    res = run_bootstrap(
        ["--wrapperplugin=generic", f"--wrapperpilotcode={node.payload}", "--", "0"], node.landing, node.env
    )
    assert res.returncode == 0
    assert (node.markers / "7.0.payload").read_text().startswith("started cwd=" + str(node.scratch))
    workdir = next(line.split(": ", 1)[1] for line in res.stdout.splitlines() if "work directory: " in line)
    assert workdir.startswith(str(node.scratch) + "/apf-pilot.")
    assert not Path(workdir).exists() and list(node.scratch.iterdir()) == []


def test_osg_wn_tmp_is_used_without_tmpdir_and_the_directory_can_be_kept(node: Node, tmp_path: Path) -> None:
    del node.env["TMPDIR"]
    node.env["OSG_WN_TMP"] = str(tmp_path / "osg")
    (tmp_path / "osg").mkdir()
    res = run_bootstrap(["--wrapperplugin=null", "--wrapperkeepworkdir"], node.landing, node.env)
    assert res.returncode == 0
    kept = list((tmp_path / "osg").iterdir())
    assert len(kept) == 1 and kept[0].name.startswith("apf-pilot.")


def test_without_monitor_variables_nothing_is_reported(node: Node) -> None:
    res = run_bootstrap(["--wrapperplugin=null"], node.landing, node.env)
    assert res.returncode == 0
    assert "monitor: reported" not in res.stdout and "giving up" not in res.stdout


def test_a_dead_monitor_costs_bounded_tries_and_does_not_change_the_result(node: Node) -> None:
    node.env["APFMON"] = dead_url("/api")
    res = run_bootstrap(["--wrapperplugin=trivial", "--exit-code", "5"], node.landing, node.env)
    assert res.returncode == 5
    assert "giving up on state=running after 2 tries" in res.stdout
    assert "giving up on state=exiting after 2 tries" in res.stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT])
def test_signals_reach_the_payload_and_its_exit_code_comes_back(node: Node, sig: signal.Signals) -> None:
    marker = node.markers / "7.0.payload"
    with recorder() as rec:
        node.env["APFMON"] = rec.url
        proc = subprocess.Popen(
            [str(default_executable()), "--wrapperplugin=generic", f"--wrapperpilotcode={node.payload}", "--", "wait"],
            cwd=node.landing, env=node.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.time() + 30
            while not marker.exists() and time.time() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert marker.exists(), "the payload never started"
            proc.send_signal(sig)
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 42, out
    assert marker.read_text().splitlines()[-1] == f"got {sig.name}"
    assert f"got {sig.name[3:]}: forwarding it to the stage" in out or f"got SIG{sig.name[3:]}" in out
    assert rec.states(JID) == [("running", None), ("exiting", "42")]
    assert list(node.scratch.iterdir()) == []


def test_failed_node_check_reports_fault_and_never_starts_the_payload(node: Node) -> None:
    with recorder() as rec:
        node.env["APFMON"] = rec.url
        args = ["--wrapperplugin=generic", f"--wrapperpilotcode={node.payload}", "--wrappercheckcommand=exit 3",
                "--wrappercheckdisk=1", "--", "0"]  # fmt: skip
        res = run_bootstrap(args, node.landing, node.env)
    assert res.returncode == 80
    assert rec.states(JID) == [("running", None), ("fault", "80")]
    assert not (node.markers / "7.0.payload").exists()
    assert "node validation failed: command:exit 3 (exit 3)" in res.stdout
    profile = (node.landing / "7.0.profile.json").read_text()
    assert '"checks_ok": false' in profile


def test_a_monitor_refusing_fault_from_nodes_still_learns_the_exit_code(node: Node) -> None:
    with recorder() as rec:
        rec.refuse.add("fault")
        node.env["APFMON"] = rec.url
        res = run_bootstrap(["--wrapperplugin=null", "--wrappercheckcpus=100000"], node.landing, node.env)
    assert res.returncode == 80
    assert rec.states(JID) == [("running", None), ("fault", "80"), ("exiting", "80")]


def test_a_pilot_the_monitor_does_not_know_yet_reports_again(node: Node) -> None:
    """The factory registers its pilots in the background: a pilot that starts at once may report
    before the monitor knows it (404). It tries again, and a 404 on every try is a refusal."""
    with recorder() as rec:
        rec.unknown_first["running"] = 1
        rec.unknown_first["exiting"] = 5
        node.env["APFMON"] = rec.url
        res = run_bootstrap(
            ["--wrapperplugin=generic", f"--wrapperpilotcode={node.payload}", "--", "0"],
            node.landing,
            node.env,
        )
    assert res.returncode == 0, res.stdout + res.stderr
    assert rec.states(JID) == [("running", None), ("running", None), ("exiting", "0"), ("exiting", "0")]
    assert "the monitor does not know this pilot yet (HTTP 404); trying again" in res.stdout
    assert "monitor: reported state=running" in res.stdout
    assert "state=exiting refused (HTTP 404: the monitor does not know this pilot)" in res.stdout


def test_usage_errors_have_their_own_code_and_name_the_fix(node: Node) -> None:
    res = run_bootstrap(["--wrapperplugin=glidin"], node.landing, node.env)
    assert res.returncode == 64
    assert "unknown wrapper plugin 'glidin' (did you mean glidein?)" in res.stdout
    assert "unknown wrapper plugin 'glidin'" in res.stderr  # also where the batch system keeps errors


def test_special_command_prepares_the_payload_environment(node: Node) -> None:
    args = ["--wrapperspecialcmd=export GREETING=hello", "--", "sh", "-c", 'echo "greeting=$GREETING"']
    res = run_bootstrap(args, node.landing, node.env)
    assert res.returncode == 0 and "greeting=hello" in res.stdout


def test_a_lone_bootstrap_without_a_stage_fails_clearly(node: Node, tmp_path: Path) -> None:
    lone = tmp_path / "lone" / "wrapper.sh"
    lone.parent.mkdir()
    shutil.copy(default_executable(), lone)
    res = run_bootstrap(["--wrapperplugin=null"], node.landing, node.env, exe=lone)
    assert res.returncode == 73
    assert "the python stage is not beside" in res.stderr


def test_a_lone_bootstrap_downloads_the_stage_tarball_and_checks_it(node: Node, tmp_path: Path) -> None:
    lone = tmp_path / "lone" / "wrapper.sh"
    lone.parent.mkdir()
    shutil.copy(default_executable(), lone)
    www = tmp_path / "www"
    www.mkdir()
    data = bundle.stage_tarball()
    (www / "stage.tar.gz").write_bytes(data)
    with file_server(www) as fs:
        url = f"--wrappertarballurl={fs.url}/missing.tar.gz,{fs.url}/stage.tar.gz"
        ok = run_bootstrap(
            [url, f"--wrappertarballchecksum=sha256:{bundle.sha256(data)}", "--wrapperplugin=trivial", "--exit-code", "6"],
            node.landing, node.env, exe=lone,
        )  # fmt: skip
        bad = run_bootstrap(
            [url, "--wrappertarballchecksum=" + "0" * 64, "--wrapperplugin=null"],
            node.landing,
            node.env,
            exe=lone,
        )
    assert ok.returncode == 6, ok.stdout + ok.stderr
    assert "python stage unpacked from " + fs.url in ok.stdout
    assert bad.returncode == 73 and "expected " + "0" * 64 in bad.stdout
    assert list(node.scratch.iterdir()) == []


def test_the_bundle_is_one_self_contained_executable(node: Node, tmp_path: Path) -> None:
    exe = tmp_path / "bundle" / "apf-wrapper.sh"
    exe.parent.mkdir()
    bundle.write_executable(exe, bundle.bundle_script())
    res = run_bootstrap(["--wrapperplugin=trivial", "--exit-code", "9"], node.landing, node.env, exe=exe)
    assert res.returncode == 9, res.stdout + res.stderr
    assert bundle.stage_tarball() == bundle.stage_tarball()  # reproducible
    assert list(node.scratch.iterdir()) == []


def test_bootstrap_is_shellcheck_clean() -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed")
    res = subprocess.run(["shellcheck", "-x", str(default_executable())], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout
