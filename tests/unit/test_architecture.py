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


def test_web_and_workers_are_independent_siblings_in_the_layers_contract() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    assert contract["type"] == "layers"
    assert contract["layers"] == ["web | workers", "services", "domain"]


def attributes_set_on_built_objects(path: Path) -> list[str]:
    """``x.attr = ...`` outside ``self``: an object changed after it was built."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and not (
                isinstance(target.value, ast.Name) and target.value.id == "self"
            ):
                found.append(f"line {target.lineno}: {ast.unparse(target)}")
    return found


def test_the_composition_root_passes_adapters_in_and_sets_nothing_afterwards(tmp_path: Path) -> None:
    assert attributes_set_on_built_objects(ROOT / "services" / "bootstrap.py") == []
    bad = tmp_path / "bad.py"
    bad.write_text("def build():\n    app = object()\n    app.files = 1\n    self.ok = 2\n")
    assert attributes_set_on_built_objects(bad) == ["line 3: app.files"]
