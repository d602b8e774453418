"""Rendering the pilot environment for HTCondor (``environment``) and ARC (RSL ``environment``)."""

from __future__ import annotations

from collections.abc import Mapping

# 2.4's environment line order; any other variable follows in the order given.
ORDER_24 = (
    "PANDA_JSID",
    "GTAG",
    "APFCID",
    "APFFID",
    "FACTORY_JOBID",
    "APFMON",
    "FACTORYQUEUE",
    "FACTORYUSER",
)


def ordered(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """``env``'s items with 2.4's variables first, in 2.4's order."""
    first = [(k, env[k]) for k in ORDER_24 if k in env]
    return first + [(k, v) for k, v in env.items() if k not in ORDER_24]


def condor_environment(env: Mapping[str, str]) -> str:
    """The submit ``environment`` value in the new syntax: ``"K=V K2='v w'"``."""
    words = []
    for k, v in ordered(env):
        v = v.replace('"', '""')
        if any(c.isspace() for c in v) or "'" in v:
            v = "'" + v.replace("'", "''") + "'"
        words.append(f"{k}={v}")
    return '"' + " ".join(words) + '"'


def rsl_string(value: str) -> str:
    """An xRSL single-quoted string (a quote inside is doubled)."""
    return "'" + value.replace("'", "''") + "'"


def rsl_environment(env: Mapping[str, str]) -> str:
    """``(environment = ('K' 'V') ...)`` for nordugrid_rsl."""
    pairs = " ".join(f"({rsl_string(k)} {rsl_string(v)})" for k, v in ordered(env))
    return f"(environment = {pairs})"
