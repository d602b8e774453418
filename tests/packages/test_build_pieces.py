"""The pieces of the package build that need no package tool: the split of the private
environment between packages, and the version mapping (Debian and RPM sort it as PEP 440 does)."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, load_script

split = load_script(ROOT / "packaging/venv_split.py", "venv_split")


def dist(site: Path, name: str, requires: list[str], files: list[str]) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Name: {name}\nVersion: 1.0\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    )
    for f in files:
        (site / f).parent.mkdir(parents=True, exist_ok=True)
        (site / f).write_text("")
    (info / "RECORD").write_text(
        "".join(f"{f},,\n" for f in [*files, f"{info.name}/METADATA", f"{info.name}/RECORD"])
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    s = tmp_path / "site"
    dist(s, "app", ['core-lib', 'web ; extra == "monitor"', 'shared ; extra == "monitor"',
                    'shared ; extra == "condor"', 'bindings ; extra == "condor"', 'old ; python_version < "3.9"'],
         ["app/__init__.py"])  # fmt: skip
    dist(s, "core-lib", [], ["core_lib.py"])
    dist(s, "web", ["webdep"], ["web/__init__.py"])
    dist(s, "webdep", [], ["webdep.py"])
    dist(s, "shared", [], ["shared.py"])
    dist(s, "bindings", [], ["bindings/__init__.py", "bindings/lib.so"])
    (s / "app/__pycache__").mkdir()
    (s / "app/__pycache__/__init__.cpython-311.pyc").write_text("")
    return s


def test_each_distribution_goes_to_one_package_by_what_needs_it(site: Path) -> None:
    result = split.split_site(
        site, "app", {"monitor": ("monitor",), "condor": ("condor",)}, split.target_environment()
    )
    assert result.owner == {"app": "common", "core-lib": "common", "web": "monitor", "webdep": "monitor",
                            "shared": "common", "bindings": "condor"}  # fmt: skip
    assert "bindings/lib.so" in result.files["condor"] and "webdep.py" in result.files["monitor"]
    every = [f for fs in result.files.values() for f in fs]
    assert len(every) == len(set(every))
    assert not any("__pycache__" in f for f in every)


def test_a_file_no_distribution_records_stops_the_build(site: Path) -> None:
    (site / "stray.py").write_text("")
    with pytest.raises(ValueError, match=r"stray\.py belongs to no installed distribution"):
        split.split_site(
            site, "app", {"monitor": ("monitor",), "condor": ("condor",)}, split.target_environment()
        )


def test_an_installed_distribution_nothing_needs_stops_the_build(site: Path) -> None:
    dist(site, "unwanted", [], ["unwanted.py"])
    with pytest.raises(ValueError, match="required by nothing shipped: unwanted"):
        split.split_site(
            site, "app", {"monitor": ("monitor",), "condor": ("condor",)}, split.target_environment()
        )


@pytest.fixture(scope="module")
def build_mod() -> Any:
    return load_script(ROOT / "packaging/build.py", "apf_packaging_build_pieces")


def test_versions_sort_in_debian_and_rpm_as_in_pep_440(build_mod: Any) -> None:
    ordered = ["3.0.0.dev0", "3.0.0.dev2+g1234abc", "3.0.0rc1", "3.0.0", "3.0.1.dev3+gabcdef0", "3.1.0"]
    debs = [build_mod.deb_version(v, 1) for v in ordered]
    assert debs[1] == "3.0.0~dev2+g1234abc-1" and debs[3] == "3.0.0-1"
    if shutil.which("dpkg"):
        for a, b in itertools.pairwise(debs):
            assert subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0, (a, b)
    rpms = [build_mod.rpm_version(v) for v in ordered]
    assert all("-" not in r for r in rpms) and rpms[2] == "3.0.0~rc1"
    if shutil.which("rpmdev-vercmp") or shutil.which("rpm"):
        for a, b in itertools.pairwise(rpms):
            out = subprocess.run(
                ["rpm", "--eval", f"%{{lua: print(rpm.vercmp('{a}', '{b}'))}}"],
                capture_output=True,
                text=True,
            )
            if out.returncode == 0 and out.stdout.strip() in ("-1", "0", "1"):
                assert out.stdout.strip() == "-1", (a, b)


def test_a_clone_without_tags_gets_a_sane_version(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-tags", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "tag", "-l"], check=True, capture_output=True)
    out = subprocess.run(["python", "-m", "setuptools_scm"], cwd=clone, capture_output=True, text=True)
    if out.returncode != 0:
        out = subprocess.run(
            [str(ROOT / ".venv/bin/python"), "-m", "setuptools_scm"],
            cwd=clone,
            capture_output=True,
            text=True,
        )
    version = out.stdout.strip().splitlines()[-1]
    assert version.startswith("3.0.0.dev"), version
    subprocess.run(["git", "-C", str(clone), "tag", "v3.2.0"], check=True)
    out = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "setuptools_scm"], cwd=clone, capture_output=True, text=True
    )
    assert out.stdout.strip().splitlines()[-1] == "3.2.0"


def test_the_command_shows_the_version_setuptools_scm_wrote() -> None:
    from packaging.version import Version

    code = "import autopyfactory._version as v, autopyfactory as a; print(v.version, a.__version__)"
    written, shown = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert written == shown and Version(shown).release >= (3, 0, 0)
    out = subprocess.run([str(ROOT / ".venv/bin/autopyfactory"), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == f"autopyfactory {shown}"
