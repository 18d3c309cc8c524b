"""ruff (lint and format) over the whole tree, with the rules in pyproject.toml."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff is installed by .ci/setup")
def test_ruff_check_is_clean():
    result = subprocess.run(
        [RUFF, "check", "--output-format", "concise", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


MYPY = shutil.which("mypy", path=str(Path(sys.executable).parent)) or shutil.which("mypy")


@pytest.mark.skipif(MYPY is None, reason="mypy is installed by .ci/setup")
def test_mypy_is_clean():
    """Types of the application packages (configuration in pyproject.toml)."""
    result = subprocess.run([MYPY], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _strict_flags() -> list[str]:
    """The flags `mypy --strict` turns on, as this mypy's own help lists them (wrapped mid-word)."""
    text = subprocess.run([MYPY, "--help"], capture_output=True, text=True, check=True).stdout
    intro = "Strict mode; enables the following flags:"
    block = text[text.index(intro) + len(intro) :].split("\n  -", 1)[0]  # up to the next option
    joined = ""
    for line in block.splitlines():
        joined += line.strip() if joined.endswith("-") else " " + line.strip()
    return re.findall(r"--([a-z][a-z-]*[a-z])", joined)


@pytest.mark.skipif(MYPY is None, reason="mypy is installed by .ci/setup")
def test_the_core_is_held_to_every_flag_of_mypy_strict():
    """`mypy --strict ledger reports` is clean because test_mypy_is_clean's one run already holds the
    core to every flag --strict turns on: the pyproject overrides for ledger.* and reports.* (or the
    global section) set each of them, read from this mypy's own help so a flag a new mypy adds is
    noticed. One mypy run instead of two: ~20 s of a fresh clone's suite."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    core = next(o for o in config["overrides"] if set(o["module"]) >= {"ledger.*", "reports.*"})
    flags = _strict_flags()
    assert len(flags) >= 10 and "disallow-untyped-defs" in flags, flags
    for flag in flags:
        key, value = (flag[3:], False) if flag.startswith("no-") else (flag, True)
        key = key.replace("-", "_")
        assert core.get(key, config.get(key)) is value, f"mypy --strict sets --{flag}; pyproject does not"
