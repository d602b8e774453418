"""Install ``fault_plugins.py`` for a factory subprocess: a directory holding the module and a
``.dist-info`` with its entry points, to put on the factory's ``PYTHONPATH``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

MODULE = "apf_fault_plugins"
SOURCE = Path(__file__).with_name("fault_plugins.py")
ENTRY_POINTS = {
    "monitor": {"Hang": "HangMonitor", "Stuck": "StuckMonitor", "HangStart": "HangStartMonitor"},
    "wmsstatus": {"HangStart": "HangStartWMS"},
}


def install(where: Path) -> Path:
    """The directory to add to ``PYTHONPATH`` (made under ``where``)."""
    site = where / "fault-plugins"
    info = site / "apf_fault_plugins-0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, site / f"{MODULE}.py")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: apf-fault-plugins\nVersion: 0\n")
    groups = "".join(
        f"[autopyfactory.{category}]\n" + "".join(f"{n} = {MODULE}:{cls}\n" for n, cls in names.items())
        for category, names in ENTRY_POINTS.items()
    )
    (info / "entry_points.txt").write_text(groups)
    return site


def with_plugins(env: Mapping[str, str], site: Path) -> dict[str, str]:
    """``env`` with ``site`` first on ``PYTHONPATH``."""
    out = dict(env)
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    return out
