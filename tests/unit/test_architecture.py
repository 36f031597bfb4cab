"""The dependency rules, enforced.

- ``domain/`` imports only the standard library, ``eventsourcing.domain`` and itself.
- Layers point inward: web/workers -> services -> domain (import-linter contract
  in pyproject.toml, checked here too so that plain ``pytest`` catches it).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_domain_imports_only_the_standard_library_and_eventsourcing_domain() -> None:
    allowed_stdlib = set(sys.stdlib_module_names) | {"__future__"}
    offenders = []
    files = sorted((ROOT / "domain").rglob("*.py"))
    assert files, "no domain modules found"
    for path in files:
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in allowed_stdlib or top == "domain" or module == "eventsourcing.domain":
                continue
            offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_the_import_check_sees_a_violation(tmp_path: Path) -> None:
    # The checker above must be able to fail: feed it a module that breaks the rule.
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlalchemy\nfrom eventsourcing.application import Application\n")
    assert imported_modules(bad) == {"sqlalchemy", "eventsourcing.application"}


def test_layers_point_inward() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken" in result.stdout
