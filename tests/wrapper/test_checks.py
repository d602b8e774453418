"""Node validation checks and the node profile."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autopyfactory.wrapper.stage import checks, nodeprofile
from autopyfactory.wrapper.stage.checks import CheckConfig, run_checks
from autopyfactory.wrapper.stage.proxy import seconds_left


def test_each_threshold_passes_below_and_fails_above() -> None:
    assert checks.check_memory(1000, {"MemAvailable": 2048 * 1024}).ok
    assert not checks.check_memory(3000, {"MemAvailable": 2048 * 1024}).ok
    assert not checks.check_memory(1, {}).ok  # unreadable memory is a failure, not a pass
    assert checks.check_cpus(4, have=4).ok and not checks.check_cpus(5, have=4).ok
    assert checks.check_python("3.8", (3, 11, 2)).ok
    assert not checks.check_python("3.12", (3, 11, 2)).ok
    assert checks.check_python("3.11.2", (3, 11, 2)).ok


def test_disk_check_uses_the_work_directory(tmp_path: Path) -> None:
    free_mb = shutil.disk_usage(tmp_path).free / 2**20
    assert checks.check_disk(str(tmp_path), 1).ok
    failed = checks.check_disk(str(tmp_path), free_mb * 10)
    assert not failed.ok and str(tmp_path) in failed.detail


def test_cvmfs_repositories_must_be_present_and_non_empty(tmp_path: Path) -> None:
    (tmp_path / "atlas.cern.ch" / "repo").mkdir(parents=True)
    (tmp_path / "empty.cern.ch").mkdir()
    res = checks.check_cvmfs(("atlas.cern.ch", "empty.cern.ch", "sft.cern.ch"), str(tmp_path), 5)
    assert [(r.name, r.ok) for r in res] == [
        ("cvmfs:atlas.cern.ch", True),
        ("cvmfs:empty.cern.ch", False),
        ("cvmfs:sft.cern.ch", False),
    ]


def test_check_commands_run_in_the_work_directory_with_a_timeout(tmp_path: Path) -> None:
    ok = checks.check_command("test -f here", str(tmp_path), 5)
    assert not ok.ok and ok.detail.startswith("exit 1")
    (tmp_path / "here").write_text("")
    assert checks.check_command("test -f here", str(tmp_path), 5).ok
    slow = checks.check_command("sleep 5", str(tmp_path), 0.2)
    assert not slow.ok and "timed out" in slow.detail
    said = checks.check_command("echo no scratch; exit 2", str(tmp_path), 5)
    assert said.detail == "exit 2: no scratch"


@pytest.fixture
def proxy_file(tmp_path: Path) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test proxy",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    proxy = tmp_path / "x509up"
    proxy.write_text(cert.read_text() + key.read_text())  # certificate first, as in a proxy file
    return proxy


def test_proxy_lifetime_is_read_from_the_first_certificate(proxy_file: Path) -> None:
    left = seconds_left(str(proxy_file))
    assert left is not None and 47 * 3600 < left <= 48 * 3600
    env = {"X509_USER_PROXY": str(proxy_file)}
    assert checks.check_proxy(24, env).ok
    assert not checks.check_proxy(72, env).ok


def test_missing_or_garbage_proxy_fails_the_check(tmp_path: Path) -> None:
    assert not checks.check_proxy(1, {"X509_USER_PROXY": str(tmp_path / "none")}).ok
    (tmp_path / "junk").write_text("not a certificate")
    bad = checks.check_proxy(1, {"X509_USER_PROXY": str(tmp_path / "junk")})
    assert not bad.ok and "cannot read" in bad.detail


def test_all_configured_checks_run_even_after_a_failure(tmp_path: Path) -> None:
    config = CheckConfig(disk_mb=1, cpus=100000, python="3.0", commands=("exit 1", "true"))
    report = run_checks(config, str(tmp_path), {})
    assert [(r.name, r.ok) for r in report.results] == [
        ("disk", True),
        ("cpus", False),
        ("python", True),
        ("command:exit 1", False),
        ("command:true", True),
    ]
    assert not report.ok and [r.name for r in report.failures()] == ["cpus", "command:exit 1"]
    assert run_checks(CheckConfig(), str(tmp_path), {}).ok


def test_profile_is_json_describing_the_node_without_secrets(tmp_path: Path) -> None:
    env = {
        "APFCID": "12.3",
        "PANDA_AUTH_TOKEN": "secret",
        "GLIDEIN_TOKEN_FILE": "x",
        "APFMON": "http://m",
        "FOO": "1",
    }
    profile = nodeprofile.collect(str(tmp_path), str(tmp_path), env, {"version": "t"})
    path = nodeprofile.profile_path(str(tmp_path), env)
    nodeprofile.write(path, profile)
    assert Path(path).name == "12.3.profile.json"
    data = json.loads(Path(path).read_text())
    assert data["python"]["executable"] == sys.executable
    assert data["cpu"]["usable"] >= 1 and data["memory_mb"]["total"] > 0
    assert data["disk"]["workdir"]["free_mb"] > 0
    assert data["env"] == {"APFCID": "12.3", "APFMON": "http://m"}
