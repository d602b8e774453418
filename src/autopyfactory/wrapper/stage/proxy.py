"""The X509 proxy of the pilot and how long it is still valid (standard library, openssl fallback)."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Mapping


def proxy_path(env: Mapping[str, str]) -> str | None:
    """``$X509_USER_PROXY``, else the default ``/tmp/x509up_u<uid>`` when it exists."""
    path = env.get("X509_USER_PROXY")
    if path:
        return path
    default = f"/tmp/x509up_u{os.getuid()}"
    return default if os.path.exists(default) else None


def _not_after_stdlib(path: str) -> float | None:
    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decode is None:
        return None
    try:
        return float(ssl.cert_time_to_seconds(decode(path)["notAfter"]))
    except Exception:
        return None


def _not_after_openssl(path: str) -> float | None:
    exe = shutil.which("openssl")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "x509", "-noout", "-enddate", "-in", path],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
        return float(ssl.cert_time_to_seconds(out.split("=", 1)[1]))
    except Exception:
        return None


def seconds_left(path: str, now: float | None = None) -> float | None:
    """Seconds until the first certificate in ``path`` expires (negative once expired), or None
    when the file is missing or not readable as a certificate."""
    if not os.path.isfile(path):
        return None
    not_after = _not_after_stdlib(path)
    if not_after is None:
        not_after = _not_after_openssl(path)
    if not_after is None:
        return None
    return not_after - (time.time() if now is None else now)
