#!/usr/bin/env python3
"""Check that EnvGrid's apps depend only downward (DESIGN.md "How the parts fit").

Builds the import graph of the ``envgrid`` package with ``ast`` — every ``.py`` file except tests
(``tests/`` folders, ``conftest.py``, ``test_*.py``) and migrations — and prints every import of an app that
stands above the importing app, or beside it in the same layer. Module-level and function-level imports both
count, and so do ``apps.get_model("app", ...)`` / ``apps.get_model("app.Model")`` and relation fields to
``"app.Model"``. The project's own wiring
(``envgrid/settings.py``, ``urls.py``, ``api_urls.py``, ``wsgi.py``) sits above every app and is not checked.

Usage: ``python scripts/check_layers.py [--graph]``; exits 1 when it finds a violation.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "envgrid"

#: The layers, lowest first. An app may import apps of lower layers only; apps in one layer are independent.
#: core ← notifications ← grids ← demo (its shared helpers: names, rng, accounts, the district) ← sources
#: ← cases ← directives ← patrols, monitoring ← alerts, emergency.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("notifications",),
    ("grids",),
    ("demo",),
    ("sources",),
    ("cases",),
    ("directives",),
    ("patrols", "monitoring"),
    ("alerts", "emergency"),
)
RANK: dict[str, int] = {app: rank for rank, layer in enumerate(LAYERS) for app in layer}


@dataclass(frozen=True)
class Import:
    """One dependency of a module on an app: where it is written and what it names."""

    path: str
    line: int
    source_app: str
    target_app: str
    target: str

    def describe(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.source_app} (layer {RANK[self.source_app]}) imports {self.target} "
            f"— {self.target_app} is layer {RANK[self.target_app]}"
        )


def app_of(module: str) -> str | None:
    """The app a dotted module name belongs to (``envgrid.cases.models`` → ``cases``), or None."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == PACKAGE and parts[1] in RANK:
        return parts[1]
    return None


def is_checked(rel: Path) -> bool:
    """True for the application code the check covers (``rel`` from the repository root): not tests, not
    migrations."""
    if any(part in ("tests", "migrations") for part in rel.parts):
        return False
    return not (rel.name == "conftest.py" or rel.name.startswith("test_"))


def module_name(rel: Path) -> str:
    """The dotted module name of a file given from the repository root."""
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a (possibly relative) ``from … import`` names."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


#: Calls whose first argument names a model by its label: ``apps.get_model("app", "Model")``,
#: ``apps.get_model("app.Model")`` and relation fields to ``"app.Model"``.
MODEL_LABEL_CALLS = frozenset({"get_model", "ForeignKey", "OneToOneField", "ManyToManyField"})


def _model_label_app(node: ast.Call) -> str | None:
    """The app label a model-naming call refers to (see ``MODEL_LABEL_CALLS``), else None."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in MODEL_LABEL_CALLS:
        return None
    first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "to"), None)
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    if name != "get_model" and "." not in first.value:  # "self" or a model of the same app
        return None
    return first.value.split(".")[0]


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    """``(line, dotted target)`` of every import and model-naming call in one file (module ``module``), at any
    depth."""
    is_package = path.name == "__init__.py"
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, is_package)
            if base == PACKAGE:  # ``from envgrid import cases`` names the app in the alias
                found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, base))
        elif isinstance(node, ast.Call) and (label := _model_label_app(node)):
            found.append((node.lineno, f"{PACKAGE}.{label}"))
    return found


def dependencies(root: Path = ROOT) -> list[Import]:
    """Every dependency of one app on another across the checked files, in file and line order."""
    result = []
    for path in sorted((root / PACKAGE).rglob("*.py")):
        rel = path.relative_to(root)
        module = module_name(rel)
        source_app = app_of(module)
        if source_app is None or not is_checked(rel):
            continue
        for line, target in sorted(imports_of(path, module)):
            target_app = app_of(target)
            if target_app is not None and target_app != source_app:
                result.append(Import(str(rel), line, source_app, target_app, target))
    return result


def violations(deps: list[Import]) -> list[Import]:
    """The dependencies that point upward or sideways within a layer."""
    return [d for d in deps if RANK[d.target_app] >= RANK[d.source_app]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", action="store_true", help="Also print the app-level graph.")
    args = parser.parse_args(argv)
    deps = dependencies()
    if args.graph:
        edges = sorted({(d.source_app, d.target_app) for d in deps}, key=lambda e: (RANK[e[0]], RANK[e[1]]))
        for source, target in edges:
            print(f"  {source} -> {target}")
    print("Layers, lowest first: " + " ← ".join(", ".join(layer) for layer in LAYERS))
    bad = violations(deps)
    for dep in bad:
        print(dep.describe())
    if bad:
        print(f"{len(bad)} import(s) against the layers.")
        return 1
    print(f"OK: {len(deps)} imports between apps, all downward.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
