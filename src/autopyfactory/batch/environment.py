"""The environment every pilot gets (2.4's submit files set the same variables)."""

from __future__ import annotations

import shlex

from autopyfactory.config.factory import FactorySettings


def pilot_environment(
    settings: FactorySettings,
    apfqname: str,
    pilot_id: str,
    log_url: str,
    monitor_url: str = "",
    job_host: str = "",
    extra: str = "",
) -> dict[str, str]:
    """APFFID, APFCID, PANDA_JSID, GTAG, FACTORY_JOBID, FACTORYQUEUE, FACTORYUSER and APFMON (when a
    monitor is configured), then the ``environ`` key's ``K=V`` words."""
    env = {
        "PANDA_JSID": settings.factory_id,
        "GTAG": f"{log_url}/{pilot_id}.out",
        "APFCID": pilot_id,
        "APFFID": settings.factory_id,
        "FACTORY_JOBID": f"{job_host}#{pilot_id}" if job_host else pilot_id,
        "FACTORYQUEUE": apfqname,
        "FACTORYUSER": settings.factory_user,
    }
    if monitor_url:
        env["APFMON"] = monitor_url
    env.update(parse_environ(extra))
    return env


def parse_environ(text: str) -> dict[str, str]:
    """``K=V K2='v w'`` (shell words) to a dict; words without ``=`` are ignored."""
    out: dict[str, str] = {}
    for word in shlex.split(text or ""):
        if "=" in word:
            k, v = word.split("=", 1)
            if k:
                out[k] = v
    return out
