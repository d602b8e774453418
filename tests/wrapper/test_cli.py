"""``autopyfactory wrapper``: render a queue's wrapper command line, write the bundle and the tarball."""

from __future__ import annotations

import hashlib
import shlex
from pathlib import Path

from autopyfactory.cli.main import main

QUEUES = """
[SITE-ce]
wmsqueue = SITE
batchsubmitplugin = Local
wmsstatusplugin = Static
wrapper.pilotcode = http://example.org/pilot.py
wrapper.pilotargs = --max-jobs 1

[BROKEN]
wmsqueue = B
batchsubmitplugin = Local
wmsstatusplugin = Static
wrapper.pilotcode = ftp://example.org/pilot.py
"""


def test_render_args_shows_the_bundled_wrapper_and_its_arguments(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    assert main(["wrapper", "render-args", "--conf", str(etc), "--queue", "SITE-ce"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("executable = ") and out[0].endswith("/bootstrap.sh")
    args = shlex.split(out[1].split(" = ", 1)[1])
    assert args == [
        "--wrapperplugin=panda",
        "--wrapperwmsqueue=SITE",
        "--wrapperpilotcode=http://example.org/pilot.py",
        "--",
        "--max-jobs",
        "1",
    ]
    assert main(["wrapper", "render-args", "--conf", str(etc), "--queue", "BROKEN"]) == 1
    assert "wrapper.pilotcode" in capsys.readouterr().err
    assert main(["wrapper", "render-args", "--conf", str(etc), "--queue", "NOPE"]) == 1


def test_bundle_and_tarball_are_written(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["wrapper", "bundle", "-o", str(tmp_path / "w.sh")]) == 0
    text = (tmp_path / "w.sh").read_text()
    assert text.startswith("#!/bin/bash") and "\n__APF_STAGE_ARCHIVE__\n" in text
    assert (tmp_path / "w.sh").stat().st_mode & 0o111
    assert main(["wrapper", "tarball", "-o", str(tmp_path / "s.tar.gz")]) == 0
    digest = hashlib.sha256((tmp_path / "s.tar.gz").read_bytes()).hexdigest()
    assert f"sha256:{digest}" in capsys.readouterr().out
