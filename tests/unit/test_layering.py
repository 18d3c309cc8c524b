"""The headless core stays headless: ledger/ never imports PySide6, ui or reports; reports/ never
imports PySide6 or ui. Checked twice: statically over every import statement, and dynamically by
importing every module of the package in a clean interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"ledger": ("PySide6", "ui", "reports"), "reports": ("PySide6", "ui")}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_forbidden_import_statements(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in FORBIDDEN[package]:
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offenders == []


def test_checker_sees_a_violation(tmp_path):
    """The static check is not vacuous: it reports a forbidden import when there is one."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from PySide6.QtWidgets import QLabel\n", encoding="utf-8")
    assert imported_modules(bad) == [(2, "PySide6.QtWidgets")]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_importing_every_module_loads_no_forbidden_package(package):
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in sorted((ROOT / package).rglob("*.py"))
    ]
    script = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(k for k in sys.modules if k.split('.')[0] in {FORBIDDEN[package]!r})\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# The storage stays inside ledger/: outputs and the window ask the services, never the tables.
STORAGE = ("sqlalchemy", "alembic", "ledger.models")


@pytest.mark.parametrize("place", ["ui", "reports", "main.py"])
def test_storage_is_reached_only_through_the_ledger(place):
    paths = [ROOT / place] if place.endswith(".py") else sorted((ROOT / place).rglob("*.py"))
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in paths
        for line, module in imported_modules(path)
        if any(module == name or module.startswith(name + ".") for name in STORAGE)
    ]
    assert offenders == []


# An output's audit (its hash, its numbers, its event) is a use case of the ledger
# (ledger/services/outputs.py): the renderers neither open a unit of work nor write an event.
WRITES = ("unit_of_work", "record", "reading")


def _ledger_writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.name}:{node.lineno} calls {node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in WRITES
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in ("lg", "ledger", "self")
    ]


@pytest.mark.parametrize("place", ["ui", "reports", "main.py"])
def test_outputs_and_the_window_open_no_unit_of_work_and_write_no_event(place):
    paths = [ROOT / place] if place.endswith(".py") else sorted((ROOT / place).rglob("*.py"))
    assert [hit for path in paths for hit in _ledger_writes(path)] == []


def test_the_write_check_sees_a_renderer_that_records(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(lg, s):\n    with lg.unit_of_work() as s:\n        lg.record(s, None, 'x', 'y', None, {})\n")
    assert len(_ledger_writes(bad)) == 2
