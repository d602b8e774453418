"""The packages, built once per test session by the same code as ``make packages``
(packaging/build.py), into a temporary directory; the wheel cache is the one ``make packages``
keeps, so only the first build on a machine downloads."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def load_script(path: Path, name: str) -> ModuleType:
    """A module of packaging/ or scripts/ (they are scripts, not an installed package)."""
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def build_module() -> ModuleType:
    return load_script(PACKAGING / "build.py", "apf_packaging_build")


def _missing(*tools: str) -> list[str]:
    return [t for t in tools if shutil.which(t) is None]


@pytest.fixture(scope="session")
def built(build_module: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Both formats, built once: ``Built(version, debs, rpms)``."""
    missing = _missing("dpkg-buildpackage", "dh", "rpmbuild")
    if missing:
        pytest.skip(
            f"cannot build the packages without {', '.join(missing)} (scripts/install-system-deps.sh)"
        )
    base = tmp_path_factory.mktemp("packages")
    return build_module.build(
        base / "out", ("deb", "rpm"), build_module.default_cache(), release=1, work=base / "work"
    )
