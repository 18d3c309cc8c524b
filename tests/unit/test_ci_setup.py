"""README's app command sets up only what the application needs; the test command everything."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_ONLY = {"xvfb", "xauth", "poppler-utils", "postgresql", "sqlite3"}


def _plan(*args: str) -> tuple[set[str], str]:
    out = subprocess.run(
        ["bash", str(ROOT / ".ci/setup"), *args, "--print"], capture_output=True, text=True, check=True
    ).stdout
    packages = set(re.search(r"^packages: (.*)$", out, re.M).group(1).split())
    return packages, re.search(r"^pip: (.*)$", out, re.M).group(1)


def _command(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split(marker, 1)[1]
    return re.search(r"```bash\n(.*?)\n", block).group(1)


def test_app_setup_is_the_runtime_only():
    app, app_pip = _plan("--app")
    full, full_pip = _plan()
    assert app_pip == "." and full_pip == ".[test,bench,build]"
    assert not app & TEST_ONLY and full >= TEST_ONLY
    assert app < full and {"fonts-wqy-microhei", "libxcb-cursor0"} <= app


def test_readme_commands_use_the_right_setup():
    assert _command("<!-- app-command -->").startswith("bash .ci/setup --app && ")
    assert _command("<!-- report-command -->").startswith("bash .ci/setup --app && ")
    assert _command("<!-- test-command -->").startswith("bash .ci/setup && ")


def test_an_unknown_option_is_refused_in_chinese():
    run = subprocess.run(["bash", str(ROOT / ".ci/setup"), "--ap"], capture_output=True, text=True)
    assert run.returncode == 2 and "未知参数 --ap" in run.stderr
