"""The layering holds by test, not by convention: the store is the service's alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lifecycle_lab"
# Who may hold the store: the store itself, the service (the one door), the factory that builds both, and the
# audit verification the service calls (verification, anchors, replay read the chain's rows), and the pytest
# plugin, whose fixtures hand tests a store.
STORE_SIDE = ("store", "service", "config.py", "verification.py", "verification_split.py", "anchors.py", "replay.py",
              "pytest_plugin")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, as absolute dotted names (relative imports resolved), with its line."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = f"{base}.{node.module}" if node.level and node.module else (node.module or base)
            found += [(node.lineno, module)]
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def front_door_modules() -> list[Path]:
    """Every module of the package outside the store side: REST, CLI, widgets, reports, reruns, lint, policy..."""
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if p.relative_to(PACKAGE).parts[0] not in STORE_SIDE and "labextension" not in p.parts)


@pytest.mark.parametrize("path", front_door_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_front_door_imports_the_store(path: Path) -> None:
    reaching = [f"line {line}: {name}" for line, name in imported_modules(path)
                if name == "lifecycle_lab.store" or name.startswith("lifecycle_lab.store.")]
    assert not reaching, f"{path.relative_to(PACKAGE)} imports the store (go through lifecycle_lab.service): {reaching}"


@pytest.mark.parametrize("path", front_door_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_front_door_reaches_through_the_service_to_its_store(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reaching = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "store"]
    assert not reaching, f"{path.relative_to(PACKAGE)} uses `.store` on lines {reaching}: call a service method"


@pytest.mark.parametrize("path", sorted(p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_store_imports_the_database_library(path: Path) -> None:
    # the store turns every database error into the service's StoreUnavailable: nobody else needs sqlalchemy
    if path.relative_to(PACKAGE).parts[0] == "store":  # the store and its migrations
        return
    reaching = [f"line {line}: {name}" for line, name in imported_modules(path)
                if name.split(".")[0] in ("sqlalchemy", "alembic")]
    assert not reaching, f"{path.relative_to(PACKAGE)} imports the database library (the store's alone): {reaching}"


def test_the_scans_cover_the_front_doors_and_see_every_import_form() -> None:
    # the rules above would pass vacuously if the scan missed a package or an import form: check both
    doors = {p.relative_to(PACKAGE).parts[0] for p in front_door_modules()}
    assert {"server", "widgets", "report", "repro", "lint", "notify", "evidence_sources", "policy.py",
            "coverage.py", "revalidation.py"} <= doors and not doors & set(STORE_SIDE)
    assert any(p.relative_to(PACKAGE).parts[0] in ("cli", "cli.py") for p in front_door_modules())
    names = {name for _line, name in imported_modules(PACKAGE / "server" / "base.py")}
    assert "lifecycle_lab.service" in names and "lifecycle_lab.errors.NotFound" in names
    forms = "from ..store import Store\nfrom ..store.transfer import export_state\nimport lifecycle_lab.store\n"
    fake = PACKAGE / "server" / "_scan_probe.py"
    fake.write_text(forms, encoding="utf-8")
    try:
        found = [name for _line, name in imported_modules(fake) if name.startswith("lifecycle_lab.store")]
    finally:
        fake.unlink()
    assert {"lifecycle_lab.store", "lifecycle_lab.store.transfer", "lifecycle_lab.store.Store"} <= set(found)


MAX_LINES = 400


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_fits_in_a_readable_size(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines (at most {MAX_LINES}): split it"


MAX_HANDLER_LINES = 15


def handler_methods() -> list[tuple[str, int]]:
    """Every method of every REST handler class in ``server/`` (a class named ``…Handler``), with its length."""
    found = []
    for path in sorted((PACKAGE / "server").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and node.name.endswith("Handler"):
                found += [(f"{path.stem}.{node.name}.{f.name}", f.end_lineno - f.lineno + 1) for f in node.body
                          if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and f.end_lineno]
    return found


@pytest.mark.parametrize(("method", "lines"), handler_methods(), ids=[m for m, _ in handler_methods()])
def test_every_handler_method_fits_in_15_lines(method: str, lines: int) -> None:
    assert lines <= MAX_HANDLER_LINES, f"{method} has {lines} lines: move the work into the service or a helper"


def test_the_handler_scan_sees_the_handlers() -> None:
    names = {method for method, _ in handler_methods()}
    assert {"handlers.ItemHandler.patch", "runs.RunsHandler.post", "base.LifecycleHandler.json_body"} <= names
