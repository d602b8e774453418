"""The Python stage runs on worker nodes with a plain python3 >= 3.8 and nothing installed."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from autopyfactory.wrapper.bundle import STAGE_DIR

FILES = sorted(p for p in STAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)
# names that need a newer Python than 3.8 when called at run time
NEWER_APIS = (
    "removeprefix",
    "removesuffix",
    "zip(strict",
    "slots=True",
    "kw_only",
    "ExceptionGroup",
    "tomllib",
)


def test_the_stage_has_its_modules() -> None:
    names = {p.relative_to(STAGE_DIR).as_posix() for p in FILES}
    for expected in ("__main__.py", "main.py", "compat24.py", "pilotcode.py", "checks.py", "nodeprofile.py", "plugins/panda.py",
                     "plugins/glidein.py", "plugins/generic.py", "plugins/trivial.py", "plugins/null.py"):  # fmt: skip
        assert expected in names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(STAGE_DIR).as_posix())
def test_python_3_8_syntax_stdlib_imports_and_postponed_annotations(path: Path) -> None:
    source = path.read_text()
    tree = ast.parse(source, feature_version=(3, 8))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    allowed = set(sys.stdlib_module_names) | {"__future__", "stage"}
    assert imported <= allowed, f"non-stdlib imports: {imported - allowed}"
    assert not [api for api in NEWER_APIS if api in source]
    has_annotations = any(
        isinstance(n, ast.AnnAssign) or (isinstance(n, ast.FunctionDef) and (n.returns or n.args.args))
        for n in ast.walk(tree)
    )
    if has_annotations:  # X | None and list[str] in annotations need them postponed before 3.10
        assert "from __future__ import annotations" in source
