"""Where configuration text comes from: paths, ``file://`` URLs and ``http(s)://`` URLs."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from autopyfactory.config.ini_text import decode
from autopyfactory.config.problems import error


def resolve_path(spec: str, base_dir: Path | None) -> Path:
    """A local path for ``spec`` (plain path or ``file://`` URL), relative paths taken from ``base_dir``."""
    s = spec.strip()
    if s.startswith("file://"):
        s = unquote(urlparse(s).path)
    p = Path(os.path.expanduser(s))
    if not p.is_absolute() and base_dir is not None:
        p = base_dir / p
    return p


def is_url(spec: str) -> bool:
    return spec.strip().lower().startswith(("http://", "https://"))


def read_source(
    spec: str, base_dir: Path | None, named_by: tuple[str, str, str], *, url_timeout: float
) -> tuple[str, str]:
    """Text and origin label of one source. ``named_by`` = (file, section, key) that referenced it,
    so a missing source is reported where it was configured. An ``http(s)://`` source is downloaded
    within ``url_timeout`` seconds, connection to last byte (``[Factory] config.urltimeout``). Bytes
    that are not UTF-8 are kept for the INI reader to judge (``ini_text.decode``)."""
    if is_url(spec):
        import httpx

        from autopyfactory.net.deadline import http_client

        try:
            with http_client(url_timeout, follow_redirects=True) as client:
                r = client.get(spec.strip())
                r.raise_for_status()
        except httpx.HTTPError as exc:
            raise error(*named_by, f"cannot download {spec}: {exc}", value=spec) from exc
        return decode(r.content), spec.strip()
    path = resolve_path(spec, base_dir)
    try:
        return decode(path.read_bytes()), str(path)
    except FileNotFoundError:
        raise error(
            *named_by, f"file {path} does not exist", value=spec, hint="fix the path or remove the key"
        ) from None
    except OSError as exc:
        raise error(*named_by, f"cannot read {path}: {exc.strerror}", value=spec) from None
