"""Fetching pilot code: file and http sources, failover, retries with backoff, checksums, tarballs."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from autopyfactory.wrapper.stage.download import RetryPolicy
from autopyfactory.wrapper.stage.exitcodes import CHECKSUM, PILOTCODE, StageError
from autopyfactory.wrapper.stage.pilotcode import fetch_pilot_code
from tests.wrapper.helpers import dead_url, file_server, sha256

FAST = RetryPolicy(attempts=3, backoff=0.01, timeout=5, deadline=30)


def make_tarball(path: Path, files: dict[str, str], top: str = "pilot-1.0") -> Path:
    """A .tar.gz of ``files`` under ``top``; files whose text starts with ``#!`` are executable."""
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}" if top else name)
            info.size = len(data)
            info.mode = 0o755 if text.startswith("#!") else 0o644
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = tmp_path / "www"
    root.mkdir()
    (root / "pilot.py").write_text("print('hello')\n")
    make_tarball(root / "pilot.tar.gz", {"pilot.py": "print('from tarball')\n", "lib/util.py": "X = 1\n"})
    with file_server(root) as fs:
        yield fs


def test_http_file_with_matching_checksum(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = sha256(served.root / "pilot.py")
    code = fetch_pilot_code(f"{served.url}/pilot.py", "", good, str(tmp_path / "code"), FAST)
    assert not code.unpacked and code.sha256 == good
    assert Path(code.file).read_text() == "print('hello')\n"
    assert code.find("pilot.py") == code.file


def test_wrong_checksum_is_refused_with_its_own_code(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StageError) as exc:
        fetch_pilot_code(f"{served.url}/pilot.py", "", "0" * 64, str(tmp_path / "code"), FAST)
    assert exc.value.code == CHECKSUM
    assert "expected sha256 " + "0" * 64 in exc.value.message
    assert not list((tmp_path / "code").rglob("pilot.py"))  # the refused file is not left behind


def test_a_mirror_with_a_bad_copy_fails_over_to_a_good_one(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (served.root / "corrupt.py").write_text("print('tampered')\n")
    good = sha256(served.root / "pilot.py")
    spec = f"[{served.url}/corrupt.py, {served.url}/pilot.py]"
    code = fetch_pilot_code(spec, "", good, str(tmp_path / "code"), FAST)
    assert code.url == f"{served.url}/pilot.py"


def test_failover_from_a_dead_url_and_a_missing_file_to_a_live_one(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = f"[{dead_url()}, {served.url}/missing.py, {served.url}/pilot.py]"
    code = fetch_pilot_code(spec, "", "", str(tmp_path / "code"), FAST)
    assert code.url.endswith("/pilot.py")
    # a 404 is not retried; the live source was asked once
    assert served.requests.count("/missing.py") == 1
    assert served.requests.count("/pilot.py") == 1


def test_transient_errors_are_retried_then_succeed(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    served.fail_first["/pilot.py"] = 2
    code = fetch_pilot_code(f"{served.url}/pilot.py", "", "", str(tmp_path / "code"), FAST)
    assert served.requests.count("/pilot.py") == 3
    assert Path(code.file).exists()


def test_backoff_doubles_and_attempts_are_bounded(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    served.fail_first["/pilot.py"] = 10
    slept: list[float] = []
    policy = RetryPolicy(attempts=4, backoff=1.0, timeout=5, deadline=300)
    with pytest.raises(StageError) as exc:
        fetch_pilot_code(f"{served.url}/pilot.py", "", "", str(tmp_path / "c"), policy, sleep=slept.append)
    assert exc.value.code == PILOTCODE
    assert "HTTP 503" in exc.value.message
    assert slept == [1.0, 2.0, 4.0]
    assert served.requests.count("/pilot.py") == 4


def test_overall_deadline_stops_retrying(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    served.fail_first["/pilot.py"] = 10
    policy = RetryPolicy(attempts=100, backoff=0.05, timeout=5, deadline=0.3)
    with pytest.raises(StageError) as exc:
        fetch_pilot_code(f"{served.url}/pilot.py", "", "", str(tmp_path / "c"), policy)
    assert exc.value.code == PILOTCODE
    assert "timeout" in exc.value.message
    assert served.requests.count("/pilot.py") < 100


def test_file_urls_and_tarballs_are_unpacked_with_entry_lookup(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tarball = served.root / "pilot.tar.gz"
    code = fetch_pilot_code(tarball.as_uri(), "", sha256(tarball), str(tmp_path / "code"), FAST)
    assert code.unpacked
    entry = code.find("pilot.py")
    assert entry is not None and Path(entry).read_text() == "print('from tarball')\n"
    assert code.find("nothere.py") is None


def test_missing_file_url_is_not_retried(tmp_path: Path) -> None:
    slept: list[float] = []
    with pytest.raises(StageError) as exc:
        fetch_pilot_code(
            (tmp_path / "nope.py").as_uri(), "", "", str(tmp_path / "c"), FAST, sleep=slept.append
        )
    assert exc.value.code == PILOTCODE and "no such file" in exc.value.message
    assert slept == []
