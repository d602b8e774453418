#!/usr/bin/env python3
"""``make packages``: the Debian packages and the EL9 RPMs of autopyfactory, from this tree.

1. the wheel of this tree (its version from the git tags, setuptools-scm);
2. a wheelhouse of every dependency, for CPython 3.11 on manylinux <= 2.34 (EL9's glibc; Debian 12
   runs them too), kept in a cache across builds and downloaded only when something is missing;
3. one private environment, ``/usr/lib/autopyfactory/venv``, installed from those wheels with
   every extra a package ships, byte-compiled for its final path, then split between the packages
   by what each extra needs (``venv_split``);
4. the staged trees of the packages (configuration, units, scripts, man pages), then
   ``dpkg-buildpackage`` (debhelper) and ``rpmbuild``.

Packages: ``autopyfactory`` (the factory service), ``autopyfactory-common`` (the command, the code
and the private environment), ``autopyfactory-htcondor``, ``autopyfactory-monitor``,
``autopyfactory-wrapper`` (no Python dependency). See docs/packaging.md.

Usage: packaging/build.py [--out DIR] [--formats deb,rpm] [--cache DIR] [--release N]"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from venv_split import split_site, target_environment  # noqa: E402

PY = "3.11"
VENV = "/usr/lib/autopyfactory/venv"
SITE = f"{VENV}/lib/python{PY}/site-packages"
PYTHON = f"/usr/bin/python{PY}"  # the target's interpreter (Debian 12: python3.11, EL9: python3.11)
LIBEXEC = "/usr/libexec/autopyfactory"
# the extras each package ships in the private environment (the rest is in common)
EXTRA_PACKAGES = {"monitor": ("monitor", "postgres"), "htcondor": ("htcondor",)}
PACKAGES = ("autopyfactory", "autopyfactory-common", "autopyfactory-htcondor", "autopyfactory-monitor",
            "autopyfactory-wrapper")  # fmt: skip
GLIBC_MAX = 34  # EL9
MAINTAINER = os.environ.get("APF_PACKAGER", "autopyfactory maintainers <autopyfactory@localhost>")


def log(msg: str) -> None:
    print(f"packages: {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    """Run ``cmd``; its stderr is passed on, but for pip's notes about index locations it skips."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr.splitlines():
        if not line.startswith("WARNING: Location "):
            print(line, file=sys.stderr)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)


# -- versions -----------------------------------------------------------------------------------


def deb_version(version: str, release: int) -> str:
    """PEP 440 to Debian: pre- and dev-releases sort before the release (``~``)."""
    v = re.sub(r"\.?(dev|a|b|rc)(\d+)", r"~\1\2", version, count=1)
    return f"{v}-{release}"


def rpm_version(version: str) -> str:
    """PEP 440 to an RPM Version (no ``-``; ``~`` sorts before the release)."""
    return re.sub(r"\.?(dev|a|b|rc)(\d+)", r"~\1\2", version, count=1).replace("-", "_")


# -- the private environment ------------------------------------------------------------------------


def machine() -> str:
    return os.uname().machine


def platform_args() -> list[str]:
    arch = machine()
    tags = [f"manylinux_2_{n}_{arch}" for n in range(GLIBC_MAX, 16, -1)]
    tags += [f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}", "linux_" + arch]
    args = ["--only-binary=:all:", "--python-version", PY, "--implementation", "cp"]
    args += ["--abi", "cp" + PY.replace(".", ""), "--abi", "abi3", "--abi", "none"]
    for t in tags:
        args += ["--platform", t]
    return args


def pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]


def build_wheel(work: Path) -> Path:
    out = work / "wheel"
    shutil.rmtree(out, ignore_errors=True)
    run(pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)))
    (wheel,) = out.glob("autopyfactory-*.whl")
    return wheel


def requirement(wheel: Path) -> str:
    extras = sorted({e for es in EXTRA_PACKAGES.values() for e in es})
    return f"autopyfactory[{','.join(extras)}] @ {wheel.as_uri()}"


def fill_wheelhouse(wheel: Path, house: Path) -> None:
    """Every dependency's wheel in ``house``: offline from the cache when it has them all."""
    house.mkdir(parents=True, exist_ok=True)
    offline = pip("download", *platform_args(), "--no-index", "--find-links", str(house), "-d", str(house))
    try:
        run([*offline, requirement(wheel)])
        log(f"wheels from the cache {house}")
        return
    except subprocess.CalledProcessError:
        log(f"downloading the missing wheels into {house}")
    run(
        [*pip("download", *platform_args(), "--find-links", str(house), "-d", str(house)), requirement(wheel)]
    )


def install_environment(wheel: Path, house: Path, venv: Path) -> Path:
    """The private environment under ``venv`` (its final path is VENV); returns site-packages."""
    site = venv / SITE.removeprefix(VENV + "/")
    site.mkdir(parents=True)
    run(
        pip(
            "install", *platform_args(), "--no-index", "--find-links", str(house), "--target", str(site),
            "--no-compile", "--no-warn-script-location", requirement(wheel),
        )
    )  # fmt: skip
    shutil.rmtree(site / "bin", ignore_errors=True)  # console scripts of the dependencies
    (venv / "bin").mkdir()
    (venv / "bin" / "python3").symlink_to(PYTHON)
    (venv / "bin" / "python").symlink_to("python3")
    (venv / "pyvenv.cfg").write_text(
        f"home = /usr/bin\ninclude-system-site-packages = false\nversion = {PY}\n"
    )
    launcher = venv / "bin" / "autopyfactory"
    launcher.write_text(
        f"#!{VENV}/bin/python3 -I\n"
        '"""autopyfactory, from its private environment (package autopyfactory-common)."""\n'
        "import sys\n\nfrom autopyfactory.cli.main import main\n\nsys.exit(main())\n"
    )
    launcher.chmod(0o755)
    return site


def compile_site(site: Path, stage_root: Path) -> None:
    """Byte-code for every module, compiled for its final path (tracebacks name it) and checked
    against the source's hash (valid whatever the files' times)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j0", "--invalidation-mode", "checked-hash",
         "-s", str(stage_root), "-p", "/", str(site)],
        check=False,  # test files of some dependencies hold Python 2 syntax: they stay source only
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def pyc_of(rel: str) -> list[str]:
    p = Path(rel)
    if p.suffix != ".py":
        return []
    tag = f"cpython-{PY.replace('.', '')}"
    return [(p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").as_posix()]


# -- staging ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flavour:
    """What differs between the Debian and the RPM trees."""

    name: str
    sysconfig: str  # the service's environment file
    unitdir: str | None  # None: debhelper installs the units and sysusers files
    sysusersdir: str | None


DEB = Flavour("deb", "etc/default/autopyfactory", None, None)
RPM = Flavour("rpm", "etc/sysconfig/autopyfactory", "usr/lib/systemd/system", "usr/lib/sysusers.d")


def copy(src: Path, dst: Path, mode: int | None = None) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    if mode is not None:
        dst.chmod(mode)


def stage_venv_part(files: list[str], site: Path, dest_root: Path) -> None:
    dest_site = dest_root / SITE.lstrip("/")
    for rel in files:
        for f in [rel, *pyc_of(rel)]:
            src = site / f
            if src.exists():
                dst = dest_site / f
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.link(src, dst) if not src.is_symlink() else shutil.copy2(src, dst, follow_symlinks=False)


def stage(
    flavour: Flavour, venv: Path, site: Path, split: dict[str, list[str]], man: Path, out: Path
) -> None:
    """The trees of the five packages under ``out/<package>/``."""
    for p in PACKAGES:
        (out / p).mkdir(parents=True)
    # common: the command, the environment, the man pages
    common = out / "autopyfactory-common"
    vdst = common / VENV.lstrip("/")
    (vdst / "bin").mkdir(parents=True)
    for f in ("bin/python3", "bin/python", "bin/autopyfactory", "pyvenv.cfg"):
        shutil.copy2(venv / f, vdst / f, follow_symlinks=False)
    stage_venv_part(split["common"], site, common)
    (common / "usr/bin").mkdir(parents=True)
    (common / "usr/bin/autopyfactory").symlink_to("../lib/autopyfactory/venv/bin/autopyfactory")
    shutil.copytree(man, common / "usr/share/man/man1")
    for extra in EXTRA_PACKAGES:
        stage_venv_part(split.get(extra, []), site, out / f"autopyfactory-{extra}")
    # the factory: configuration, service, scripts
    fac = out / "autopyfactory"
    etc = fac / "etc/autopyfactory"
    for name in ("autopyfactory.conf", "queues.conf", "auth.conf", "monitor.conf"):
        copy(HERE / "etc/autopyfactory" / name, etc / name, 0o644)
    (etc / "queues.d").mkdir()
    copy(HERE / "sysconfig/autopyfactory", fac / flavour.sysconfig, 0o644)
    copy(HERE / "logrotate/autopyfactory", fac / "etc/logrotate.d/autopyfactory", 0o644)
    copy(HERE / "libexec/autopyfactory-service", fac / LIBEXEC.lstrip("/") / "autopyfactory-service", 0o755)
    copy(ROOT / "README.md", fac / "usr/share/doc/autopyfactory/README.md", 0o644)
    # the monitor: its settings, upgrade tool
    mon = out / "autopyfactory-monitor"
    copy(HERE / "etc/autopyfactory/monitor-server.conf", mon / "etc/autopyfactory/monitor-server.conf", 0o644)
    copy(HERE / "libexec/monitor-upgrade", mon / LIBEXEC.lstrip("/") / "monitor-upgrade", 0o755)
    if flavour.unitdir is not None and flavour.sysusersdir is not None:
        for pkg, unit in (
            ("autopyfactory", "autopyfactory"),
            ("autopyfactory-monitor", "autopyfactory-monitor"),
        ):
            copy(HERE / "systemd" / f"{unit}.service", out / pkg / flavour.unitdir / f"{unit}.service", 0o644)
            copy(HERE / "sysusers" / f"{unit}.conf", out / pkg / flavour.sysusersdir / f"{unit}.conf", 0o644)
    # the wrapper: bootstrap + stage, the self-contained bundle, the stage tarball
    stage_wrapper(out / "autopyfactory-wrapper")


def stage_wrapper(dest: Path) -> None:
    from autopyfactory.wrapper import bundle, default_executable

    wdir = dest / LIBEXEC.lstrip("/") / "wrapper"
    copy(default_executable(), wdir / "bootstrap.sh", 0o755)
    for src in sorted(bundle.STAGE_DIR.rglob("*.py")):
        if "__pycache__" not in src.parts:
            copy(src, wdir / "stage" / src.relative_to(bundle.STAGE_DIR), 0o644)
    bundled = dest / LIBEXEC.lstrip("/") / "apf-wrapper.sh"
    bundle.write_executable(bundled, bundle.bundle_script())
    share = dest / "usr/share/autopyfactory/wrapper"
    share.mkdir(parents=True)
    (share / "apf-wrapper-stage.tar.gz").write_bytes(bundle.stage_tarball())


def man_pages(version: str, out: Path) -> Path:
    run([sys.executable, str(ROOT / "scripts" / "manpages.py"), "--version", version, "--out", str(out)])
    return out


# -- Debian -------------------------------------------------------------------------------------


def build_deb(version: str, release: int, staged: Path, work: Path, out: Path) -> list[Path]:
    dver = deb_version(version, release)
    src = work / f"autopyfactory-{dver.rsplit('-', 1)[0]}"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(HERE / "debian", src / "debian", symlinks=True)
    shutil.move(str(staged), str(src / "stage"))
    control = (src / "debian/control").read_text().replace("@MAINTAINER@", MAINTAINER)
    (src / "debian/control").write_text(control)
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(source_date_epoch()))
    (src / "debian/changelog").write_text(
        f"autopyfactory ({dver}) unstable; urgency=medium\n\n"
        f"  * Built from the autopyfactory tree at version {version}.\n\n"
        f" -- {MAINTAINER}  {date}\n"
    )
    for unit in ("autopyfactory", "autopyfactory-monitor"):
        copy(HERE / "systemd" / f"{unit}.service", src / "debian" / f"{unit}.service")
        copy(HERE / "sysusers" / f"{unit}.conf", src / "debian" / f"{unit}.sysusers")
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(source_date_epoch()), DEB_BUILD_OPTIONS="nocheck")
    run(["dpkg-buildpackage", "-b", "-us", "-uc", "--no-pre-clean"], cwd=src, env=env)
    debs = sorted(work.glob(f"*_{dver}_*.deb"))
    results = []
    for d in debs:
        target = out / d.name
        shutil.move(str(d), str(target))
        results.append(target)
    return results


def source_date_epoch() -> int:
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        return int(env)
    try:
        return int(subprocess.check_output(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], text=True))
    except (subprocess.CalledProcessError, FileNotFoundError, ValueError):
        return int(time.time())


# -- RPM ----------------------------------------------------------------------------------------


def venv_file_list(pkg_root: Path, owned_elsewhere: set[str], own_top: bool) -> list[str]:
    """``%files`` lines for the private environment's part in ``pkg_root`` (a staged package tree):
    every file, and every directory no other package owns."""
    venv_root = pkg_root / VENV.lstrip("/")
    if not venv_root.exists():
        return []
    lines = ['%dir "/usr/lib/autopyfactory"', f'%dir "{VENV}"'] if own_top else []
    for p in sorted(venv_root.rglob("*")):
        rel = "/" + p.relative_to(pkg_root).as_posix()
        if p.is_dir() and not p.is_symlink():
            if rel not in owned_elsewhere:
                lines.append(f'%dir "{rel}"')
        else:
            lines.append(f'"{rel}"')
    return lines


def build_rpm(version: str, release: int, staged: Path, work: Path, out: Path) -> list[Path]:
    top = work / "rpmbuild"
    shutil.rmtree(top, ignore_errors=True)
    for d in ("BUILD", "RPMS", "SPECS", "SOURCES", "BUILDROOT"):
        (top / d).mkdir(parents=True)
    # the environment's files are listed (generated), the rest is named in the spec
    common_root = staged / "autopyfactory-common"
    common_dirs = {"/" + p.relative_to(common_root).as_posix() for p in common_root.rglob("*") if p.is_dir()}
    for pkg in ("autopyfactory-common", "autopyfactory-htcondor", "autopyfactory-monitor"):
        common = pkg == "autopyfactory-common"
        lines = venv_file_list(staged / pkg, set() if common else common_dirs, own_top=common)
        (top / "SOURCES" / f"{pkg}.files").write_text("".join(line + "\n" for line in lines))
    spec = top / "SPECS/autopyfactory.spec"
    date = time.strftime("%a %b %d %Y", time.gmtime(source_date_epoch()))
    spec.write_text(
        (HERE / "rpm/autopyfactory.spec").read_text()
        + f"* {date} {MAINTAINER} - {rpm_version(version)}-{release}\n"
        + f"- Built from the autopyfactory tree at version {version}.\n"
    )
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(source_date_epoch()))
    run(
        [
            "rpmbuild", "-bb", "--target", machine(), "--define", f"_topdir {top}",
            "--define", f"apf_version {rpm_version(version)}", "--define", f"apf_release {release}",
            "--define", f"stage_dir {staged}", "--define", f"filelists {top / 'SOURCES'}",
            "--define", f"packager {MAINTAINER}", "--define", "_buildhost autopyfactory-build",
            "--define", "use_source_date_epoch_as_buildtime 1", "--quiet", str(spec),
        ],
        env=env,
    )  # fmt: skip
    results = []
    for r in sorted((top / "RPMS").rglob("*.rpm")):
        target = out / r.name
        shutil.move(str(r), str(target))
        results.append(target)
    return results


# -- the whole build ----------------------------------------------------------------------------


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "autopyfactory-packaging" / f"wheels-cp{PY.replace('.', '')}-{machine()}"


@dataclass(frozen=True)
class Built:
    """What one build made."""

    version: str  # PEP 440, as the wheel and ``autopyfactory --version`` say
    debs: tuple[Path, ...]
    rpms: tuple[Path, ...]


def build(
    out: Path, formats: tuple[str, ...], cache: Path, release: int = 1, work: Path | None = None
) -> Built:
    work = work or ROOT / "build" / "packaging"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    wheel = build_wheel(work)
    version = wheel.name.split("-")[1]
    log(f"version {version} ({wheel.name})")
    fill_wheelhouse(wheel, cache)
    venv_stage = work / "venv-root"
    venv = venv_stage / VENV.lstrip("/")
    site = install_environment(wheel, cache, venv)
    compile_site(site, venv_stage)
    split = split_site(site, "autopyfactory", EXTRA_PACKAGES, target_environment(PY, machine()))
    (venv / "requirements.txt").write_text(
        "".join(f"{d}\n" for d in sorted(p.name for p in site.glob("*.dist-info")))
    )
    man = man_pages(version, work / "man")
    log(f"environment built and split in {time.monotonic() - t0:.0f}s")
    results: list[Path] = []
    for fmt, flavour in (("deb", DEB), ("rpm", RPM)):
        if fmt not in formats:
            continue
        staged = work / f"stage-{fmt}"
        stage(flavour, venv, site, split.files, man, staged)
        if fmt == "deb":
            results += build_deb(version, release, staged, work, out)
        else:
            results += build_rpm(version, release, staged, work, out)
        log(f"{fmt} built at {time.monotonic() - t0:.0f}s")
    for r in results:
        log(f"wrote {r}")
    return Built(
        version,
        tuple(r for r in results if r.suffix == ".deb"),
        tuple(r for r in results if r.suffix == ".rpm"),
    )


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "dist" / "packages", help="where the packages go")
    p.add_argument("--formats", default="deb,rpm", help="deb, rpm or both (default)")
    p.add_argument("--cache", type=Path, default=default_cache(), help="the wheel cache, kept across builds")
    p.add_argument("--release", type=int, default=1, help="package release (Debian revision, RPM Release)")
    p.add_argument("--work", type=Path, default=None, help="scratch directory (default build/packaging)")
    args = p.parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    build(args.out, formats, args.cache, args.release, args.work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
