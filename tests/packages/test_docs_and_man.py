"""The documentation site builds with no warning (MkDocs strict: broken links and anchors fail),
with the generated key reference; the man pages cover every command and option and render
without groff warnings."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autopyfactory.cli.main import COMMANDS, build_parser

from .conftest import ROOT, load_script


def test_the_documentation_site_builds_strictly_with_the_key_reference(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr
    page = (tmp_path / "site/reference/keys/index.html").read_text()
    for key in ("factoryId", "batchsubmit.condorce.proxy", "sched.maxpercycle.maximum", "x509.vorole"):
        assert key in page
    for page_dir in (
        "install",
        "running",
        "migration",
        "plugins",
        "troubleshooting",
        "packaging",
        "quickstart",
        "simulation",
    ):
        assert (tmp_path / "site" / page_dir / "index.html").exists(), page_dir


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [o for a in parser._actions for o in a.option_strings if o not in ("-h", "--help")]


def test_man_pages_cover_every_command_and_option_and_render_cleanly(tmp_path: Path) -> None:
    manpages = load_script(ROOT / "scripts/manpages.py", "apf_manpages")
    written = manpages.generate(tmp_path, "9.9.9")
    assert sorted(p.name for p in written) == sorted(
        ["autopyfactory.1", *(f"autopyfactory-{c}.1" for c in COMMANDS)]
    )
    parser, _ = build_parser(None)
    subs = manpages.subcommands(parser)
    for name, sub in subs.items():
        text = (tmp_path / f"autopyfactory-{name}.1").read_text()
        assert text.startswith(f'.TH AUTOPYFACTORY\\-{name.upper().replace("-", chr(92) + "-")} "1"')
        assert "autopyfactory 9.9.9" in text.splitlines()[0]
        for opt in _options(sub):
            assert opt.replace("-", "\\-") in text, (name, opt)
    main = (tmp_path / "autopyfactory.1").read_text()
    assert ".SH SIGNALS" in main and ".SH FILES" in main and "autopyfactory\\-check\\-config" in main
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed")
    for page in written:
        proc = subprocess.run(
            ["groff", "-man", "-ww", "-z", "-Tutf8", str(page)], capture_output=True, text=True
        )
        assert proc.stderr == "", (page.name, proc.stderr)
