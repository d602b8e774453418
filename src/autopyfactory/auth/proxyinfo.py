"""What a proxy file is worth: seconds left (VOMS attribute and certificate) and its FQANs.

``voms-proxy-info`` when installed; otherwise ``openssl x509 -enddate`` gives the certificate's end
(no VOMS information); with neither, the lifetime is unknown."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from pathlib import Path

from autopyfactory.auth.tools import have, run_tool


@dataclass(frozen=True, slots=True)
class ProxyInfo:
    """``timeleft`` None: could not be measured (``reason`` says why)."""

    timeleft: int | None
    fqans: tuple[str, ...] | None = None
    reason: str = ""


def _int(text: str) -> int | None:
    try:
        return int(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def inspect(path: Path, voms: bool) -> ProxyInfo:
    """Seconds left on ``path`` (with ``voms``: the smaller of the VOMS AC's and the proxy's)."""
    if not path.exists():
        return ProxyInfo(0, None, f"proxy file {path} does not exist")
    if have("voms-proxy-info"):
        r = run_tool(["voms-proxy-info", "-timeleft", "-file", str(path)], timeout=30)
        left = _int(r.out) if r.ok else None
        if left is None:
            return ProxyInfo(0, None, f"voms-proxy-info -timeleft: {r.why()}")
        fqans: tuple[str, ...] | None = None
        if voms:
            r = run_tool(["voms-proxy-info", "-actimeleft", "-file", str(path)], timeout=30)
            ac = _int(r.out) if r.ok else None
            if ac is None:
                return ProxyInfo(0, None, f"no VOMS attributes (voms-proxy-info -actimeleft: {r.why()})")
            left = min(left, ac)
            r = run_tool(["voms-proxy-info", "-fqan", "-file", str(path)], timeout=30)
            fqans = tuple(ln.strip() for ln in r.out.splitlines() if ln.strip()) if r.ok else ()
        return ProxyInfo(max(left, 0), fqans)
    if have("openssl"):
        r = run_tool(["openssl", "x509", "-noout", "-enddate", "-in", str(path)], timeout=30)
        if r.ok and "=" in r.out:
            end = r.out.strip().split("=", 1)[1]
            try:
                t = calendar.timegm(time.strptime(end.replace("  ", " "), "%b %d %H:%M:%S %Y %Z"))
            except ValueError:
                return ProxyInfo(None, None, f"openssl printed an unexpected date {end!r}")
            return ProxyInfo(
                max(int(t - time.time()), 0), None, "voms-proxy-info not installed (openssl used)"
            )
        return ProxyInfo(0, None, f"openssl x509: {r.why()}")
    return ProxyInfo(None, None, "neither voms-proxy-info nor openssl is on PATH")


def role_fqan(vorole: str) -> str:
    """``atlas:/atlas/Role=production`` -> ``/atlas/Role=production``; ``atlas`` -> ``/atlas``."""
    return vorole.split(":", 1)[1] if ":" in vorole else "/" + vorole.strip("/")
