"""Writing credential files safely: private directories, atomic replacement, restrictive modes."""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path

from autopyfactory.plugins.context import AuthFailure


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it 0700."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def write_atomic(path: Path, data: bytes, mode: int) -> Path:
    """Write ``data`` to ``path`` with ``mode``: a temporary file in the same directory, chmod, then
    rename, so readers never see a partial or world-readable file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def decode_b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AuthFailure(f"{what} is not valid base64: {exc}") from None


def check_private(path: Path, what: str) -> None:
    """The file exists and is not readable by group or others."""
    try:
        st = path.stat()
    except OSError:
        raise AuthFailure(f"{what} {path} does not exist") from None
    if st.st_mode & 0o077:
        raise AuthFailure(f"{what} {path} is readable by others (mode {st.st_mode & 0o777:o}); chmod 600 it")
