"""Shipping the wrapper to nodes that do not have this package.

- :func:`stage_tarball`: the Python stage as a tarball (``stage/...``) for ``--wrappertarballurl``;
- :func:`bundle_script`: one self-contained executable, the bootstrap followed by a marker line
  and the stage tarball in base64; the bootstrap unpacks it when no stage is beside it (for batch
  systems that transfer only the executable)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

from autopyfactory.wrapper import HERE, default_executable

MARKER = "__APF_STAGE_ARCHIVE__"
STAGE_DIR = HERE / "stage"


def _stage_files() -> list[Path]:
    return sorted(
        p for p in STAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix == ".py"
    )


def stage_tarball() -> bytes:
    """A reproducible .tar.gz of the stage (same bytes for the same sources)."""
    buf = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in _stage_files():
            data = path.read_bytes()
            info = tarfile.TarInfo("stage/" + path.relative_to(STAGE_DIR).as_posix())
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def bundle_script() -> str:
    encoded = base64.encodebytes(stage_tarball()).decode("ascii")
    return default_executable().read_text(encoding="utf-8").rstrip("\n") + f"\n{MARKER}\n{encoded}"


def write_executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o755)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
