"""The EL9 RPMs, checked without an EL9 machine: names, versions and architectures, which
package holds which file (each file in one package only), the configuration flags
(%config(noreplace)), owners and modes, requirements, the scriptlets (syntax, shellcheck, what
they do), rpmlint, and an installation into a scratch root with an upgrade that keeps an edited
configuration file and writes the new one beside it as .rpmnew."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import PACKAGING

pytestmark = [pytest.mark.packaging, pytest.mark.slow]

CONFIG = {
    "autopyfactory": {
        "/etc/autopyfactory/autopyfactory.conf", "/etc/autopyfactory/queues.conf", "/etc/autopyfactory/auth.conf",
        "/etc/autopyfactory/monitor.conf", "/etc/sysconfig/autopyfactory", "/etc/logrotate.d/autopyfactory",
    },
    "autopyfactory-monitor": {"/etc/autopyfactory/monitor-server.conf"},
}  # fmt: skip


def rpm(*args: str) -> str:
    return subprocess.run(["rpm", *args], capture_output=True, text=True, check=True).stdout


def by_name(built: Any) -> dict[str, Path]:
    return {rpm("-qp", "--qf", "%{NAME}", str(p)): p for p in built.rpms}


def test_names_versions_architectures_and_requirements(built: Any, build_module: Any) -> None:
    pkgs = by_name(built)
    assert sorted(pkgs) == ["autopyfactory", "autopyfactory-common", "autopyfactory-htcondor",
                            "autopyfactory-monitor", "autopyfactory-wrapper"]  # fmt: skip
    version = build_module.rpm_version(built.version)
    for name, path in pkgs.items():
        assert rpm("-qp", "--qf", "%{VERSION}-%{RELEASE}", str(path)) == f"{version}-1"
        assert rpm("-qp", "--qf", "%{ARCH}", str(path)) == (
            "noarch" if name == "autopyfactory-wrapper" else "x86_64"
        )
    requires = {n: set(rpm("-qpR", str(p)).split("\n")) for n, p in pkgs.items()}
    pin = f"autopyfactory-common = {version}-1"
    for name in ("autopyfactory", "autopyfactory-htcondor", "autopyfactory-monitor"):
        assert pin in requires[name]
    assert "python3.11" in requires["autopyfactory-common"]
    assert not any("python3.11" in r or "autopyfactory" in r for r in requires["autopyfactory-wrapper"])


def test_every_file_is_in_one_package_and_the_layout_is_complete(built: Any) -> None:
    pkgs = by_name(built)
    files = {n: rpm("-qpl", str(p)).split() for n, p in pkgs.items()}
    dirs = {
        n: set(rpm("-qp", "--qf", "[%{FILENAMES} %{FILEMODES:perms}\\n]", str(p)).split("\n"))
        for n, p in pkgs.items()
    }
    plain = {
        n: {f for f in fs if not any(d == f"{f} d" or d.startswith(f"{f} d") for d in dirs[n])}
        for n, fs in files.items()
    }
    seen: dict[str, str] = {}
    for name, fs in plain.items():
        for f in fs:
            assert f not in seen, f"{f} is in {seen.get(f)} and {name}"
            seen[f] = name
    expect = {
        "autopyfactory": ["/usr/lib/systemd/system/autopyfactory.service", "/usr/lib/sysusers.d/autopyfactory.conf",
                          "/usr/libexec/autopyfactory/autopyfactory-service", "/var/log/autopyfactory/pilots",
                          "/var/lib/autopyfactory", "/etc/autopyfactory/queues.d"],
        "autopyfactory-common": ["/usr/bin/autopyfactory", "/usr/lib/autopyfactory/venv/bin/autopyfactory",
                                 "/usr/lib/autopyfactory/venv/pyvenv.cfg", "/usr/share/man/man1/autopyfactory.1.gz",
                                 "/usr/share/man/man1/autopyfactory-check-config.1.gz",
                                 "/usr/lib/autopyfactory/venv/lib/python3.11/site-packages/httpx/__init__.py",
                                 "/usr/lib/autopyfactory/venv/lib/python3.11/site-packages/autopyfactory/cli/main.py"],
        "autopyfactory-htcondor": ["/usr/lib/autopyfactory/venv/lib/python3.11/site-packages/htcondor2/__init__.py"],
        "autopyfactory-monitor": ["/usr/lib/systemd/system/autopyfactory-monitor.service",
                                  "/usr/libexec/autopyfactory/monitor-upgrade", "/etc/autopyfactory/monitor-admin-token",
                                  "/usr/lib/autopyfactory/venv/lib/python3.11/site-packages/fastapi/__init__.py",
                                  "/usr/lib/autopyfactory/venv/lib/python3.11/site-packages/psycopg/__init__.py"],
        "autopyfactory-wrapper": ["/usr/libexec/autopyfactory/apf-wrapper.sh", "/usr/libexec/autopyfactory/wrapper/bootstrap.sh",
                                  "/usr/share/autopyfactory/wrapper/apf-wrapper-stage.tar.gz"],
    }  # fmt: skip
    for name, paths in expect.items():
        missing = [p for p in paths if p not in files[name]]
        assert not missing, f"{name} lacks {missing}"
    assert not any("/site-packages/" in f for f in files["autopyfactory"] + files["autopyfactory-wrapper"])
    # byte-code compiled for the final path, next to the sources
    assert (
        "/usr/lib/autopyfactory/venv/lib/python3.11/site-packages/autopyfactory/cli/__pycache__/main.cpython-311.pyc"
        in files["autopyfactory-common"]
    )


def test_configuration_files_are_noreplace_and_secrets_are_not_world_readable(built: Any) -> None:
    pkgs = by_name(built)
    for name, expected in CONFIG.items():
        rows = rpm(
            "-qp",
            "--qf",
            "[%{FILENAMES}|%{FILEFLAGS:fflags}|%{FILEMODES:octal}|%{FILEUSERNAME}:%{FILEGROUPNAME}\\n]",
            str(pkgs[name]),
        )
        table = {r.split("|")[0]: r.split("|")[1:] for r in rows.strip().split("\n")}
        config = {f for f, (flags, _, _) in table.items() if "c" in flags and "g" not in flags}
        assert config == expected
        assert all("n" in table[f][0] for f in config), "every configuration file is %config(noreplace)"
        if name == "autopyfactory":
            assert table["/etc/autopyfactory/auth.conf"][1:] == ["100640", "root:autopyfactory"]
            assert table["/var/lib/autopyfactory"][1:] == ["40750", "autopyfactory:autopyfactory"]
            assert table["/var/log/autopyfactory"][2] == "autopyfactory:autopyfactory"
        else:
            assert table["/etc/autopyfactory/monitor-admin-token"][0] == "g"  # made by %post
            assert table["/var/lib/autopyfactory-monitor"][1:] == ["40750", "apfmon:apfmon"]


def scriptlets(path: Path) -> dict[str, str]:
    """%pre, %post, ... of an RPM, each as its shell text."""
    out: dict[str, str] = {}
    for tag in ("PREIN", "POSTIN", "PREUN", "POSTUN", "POSTTRANS"):
        text = rpm("-qp", "--qf", f"%{{{tag}}}", str(path))
        if text and text != "(none)":
            out[tag] = text
    return out


def test_scriptlets_parse_pass_shellcheck_and_do_what_the_packaging_says(built: Any, tmp_path: Path) -> None:
    pkgs = by_name(built)
    for name, path in pkgs.items():
        for tag, text in scriptlets(path).items():
            script = tmp_path / f"{name}.{tag}.sh"
            script.write_text("#!/bin/sh\n" + text + "\n")
            subprocess.run(["sh", "-n", str(script)], check=True)
            if shutil.which("shellcheck"):
                lint = subprocess.run(
                    ["shellcheck", "-s", "sh", "-e", "SC2317", str(script)], capture_output=True, text=True
                )
                assert lint.returncode == 0, f"{name} {tag}:\n{lint.stdout}"
    factory = scriptlets(pkgs["autopyfactory"])
    assert "useradd -r -g autopyfactory -d /var/lib/autopyfactory" in factory["PREIN"]
    assert "-s /sbin/nologin" in factory["PREIN"]
    assert "preset autopyfactory.service" in factory["POSTIN"] and '"$1" -eq 1' in factory["POSTIN"]
    assert "disable --now autopyfactory.service" in factory["PREUN"] and '"$1" -eq 0' in factory["PREUN"]
    assert "try-restart autopyfactory.service" in factory["POSTUN"]
    monitor = scriptlets(pkgs["autopyfactory-monitor"])
    assert (
        "useradd -r -g apfmon" in monitor["PREIN"]
        and "systemctl stop autopyfactory-monitor.service" in monitor["PREIN"]
    )
    assert "runuser -u apfmon -- /usr/libexec/autopyfactory/monitor-upgrade" in monitor["POSTTRANS"]
    assert "monitor-admin-token" in monitor["POSTIN"]
    assert scriptlets(pkgs["autopyfactory-wrapper"]) == {} and scriptlets(pkgs["autopyfactory-common"]) == {}


def test_rpmlint_finds_nothing_but_what_is_deliberate(built: Any) -> None:
    if shutil.which("rpmlint") is None:
        pytest.skip("rpmlint is not installed (scripts/install-system-deps.sh)")
    proc = subprocess.run(
        ["rpmlint", "-c", str(PACKAGING / "rpm/rpmlint.toml"), *map(str, built.rpms)],
        capture_output=True,
        text=True,
    )
    problems = [line for line in proc.stdout.splitlines() if ": E: " in line or ": W: " in line]
    assert problems == [], proc.stdout


def test_an_upgrade_in_a_scratch_root_keeps_an_edited_configuration_file(
    built: Any, build_module: Any, tmp_path: Path
) -> None:
    """rpm itself installs the files (no scriptlets: the scratch root has no shell), then upgrades
    to the same build relabelled: the edited queues.conf stays, the package's lands beside it."""
    root = tmp_path / "root"
    pkgs = by_name(built)
    order = [pkgs[n] for n in ("autopyfactory-common", "autopyfactory")]
    base = [
        "rpm",
        "--root",
        str(root),
        "--dbpath",
        "/var/lib/rpm",
        "--nodeps",
        "--noscripts",
        "--nosignature",
    ]
    subprocess.run(["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm", "--initdb"], check=True)
    subprocess.run([*base, "-i", *map(str, order)], check=True, capture_output=True)
    queues = root / "etc/autopyfactory/queues.conf"
    assert queues.read_text().startswith("# queues.conf")
    queues.write_text(queues.read_text() + "\n# edited by the site\n")
    (root / "etc/autopyfactory/queues.d/50-site.conf").write_text("[LOCAL-DEMO]\nenabled = True\n")
    # the same build, one release later, with a changed queues.conf (what a new version ships)
    stage = tmp_path / "newer"
    newer = rebuilt_with_changed_queues(pkgs["autopyfactory"], stage)
    subprocess.run([*base, "-U", str(newer)], check=True, capture_output=True)
    assert queues.read_text().endswith("# edited by the site\n")
    assert (root / "etc/autopyfactory/queues.conf.rpmnew").read_text().endswith("# new in this build\n")
    assert (root / "etc/autopyfactory/queues.d/50-site.conf").exists()


def rebuilt_with_changed_queues(original: Path, work: Path) -> Path:
    """``original`` rebuilt from its own payload with Release + 1 and a line added to queues.conf
    (rpmbuild on a spec that takes the files as they are, keeping their flags and modes)."""
    tree = work / "tree"
    tree.mkdir(parents=True)
    subprocess.run(f"rpm2cpio {original} | cpio -idm --quiet", shell=True, cwd=tree, check=True)
    with (tree / "etc/autopyfactory/queues.conf").open("a") as fh:
        fh.write("\n# new in this build\n")
    rows = rpm(
        "-qp",
        "--qf",
        "[%{FILENAMES}|%{FILEFLAGS:fflags}|%{FILEMODES:octal}|%{FILEUSERNAME}|%{FILEGROUPNAME}\\n]",
        str(original),
    )
    lines = []
    for row in rows.strip().split("\n"):
        path, flags, mode, user, group = row.split("|")
        attr = f"%attr({int(mode, 8) & 0o7777:o},{user},{group}) "
        if int(mode, 8) & 0o40000:
            lines.append(f'%dir {attr}"{path}"')
        else:
            lines.append(("%config(noreplace) " if "c" in flags else "") + attr + f'"{path}"')
    q = lambda tag: rpm("-qp", "--qf", f"%{{{tag}}}", str(original))  # noqa: E731
    spec = work / "newer.spec"
    spec.write_text(
        f"Name: {q('NAME')}\nVersion: {q('VERSION')}\nRelease: {int(q('RELEASE').split('.')[0]) + 1}\n"
        f"Summary: {q('SUMMARY')}\nLicense: {q('LICENSE')}\nAutoReqProv: no\n%global __os_install_post %{{nil}}\n"
        f"%description\nrebuilt\n%install\ncp -a {tree}/. %{{buildroot}}/\n%files\n" + "\n".join(lines) + "\n"
    )
    subprocess.run(
        ["rpmbuild", "-bb", "--quiet", "--target", q("ARCH"), "--define", f"_topdir {work / 'top'}", str(spec)],
        check=True, capture_output=True,
    )  # fmt: skip
    (result,) = (work / "top" / "RPMS").rglob("*.rpm")
    return result
