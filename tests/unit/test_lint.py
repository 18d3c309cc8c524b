"""ruff (lint and format) over the whole tree, with the rules in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
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


@pytest.mark.skipif(MYPY is None, reason="mypy is installed by .ci/setup")
def test_mypy_strict_core():
    """The core packages pass `mypy --strict` as well (the pyproject overrides keep them there)."""
    result = subprocess.run([MYPY, "--strict", "ledger", "reports"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
