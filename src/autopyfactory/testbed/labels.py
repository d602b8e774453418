"""prodSourceLabels and the job types PanDA groups them into.

PanDA counts ``managed`` plus its test labels as production and ``user``/``panda`` as analysis
(the grouping its statistics by cloud use). Clients name the group with ``jobType``/``job_type``/
``type``: ``production`` (alias ``managed``), ``analysis`` (alias ``user``), ``any``/``all``/empty
for every label; any other word is taken as a prodSourceLabel, and a comma list as their union."""

from __future__ import annotations

PRODUCTION_LABELS = frozenset({"managed", "test", "ptest", "rc_test", "rc_test2", "rc_alrb"})
ANALYSIS_LABELS = frozenset({"user", "panda"})
_GROUPS = {
    "production": PRODUCTION_LABELS,
    "managed": PRODUCTION_LABELS,
    "analysis": ANALYSIS_LABELS,
    "user": ANALYSIS_LABELS,
}


def labels_for(job_type: object) -> frozenset[str] | None:
    """The prodSourceLabels a ``jobType`` value selects; None for all of them."""
    if job_type is None:
        return None
    words = [w.strip().lower() for w in str(job_type).split(",") if w.strip()]
    if not words or any(w in ("any", "all", "none", "null") for w in words):
        return None
    out: set[str] = set()
    for w in words:
        out |= _GROUPS.get(w, {w})
    return frozenset(out)


def global_share(label: str) -> str:
    """The global share a label's jobs are counted under in per-share statistics."""
    if label in ANALYSIS_LABELS:
        return "User Analysis"
    if label == "managed":
        return "Production"
    return "Test"
