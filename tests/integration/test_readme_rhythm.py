"""README's "county's week and year" commands, run as written against a demo ledger: each succeeds
and writes what it says (a claim in the README is a test we owe)."""

from __future__ import annotations

import io
import re
import shlex
import sys
from pathlib import Path

import pytest

import main

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def readme_block(title: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(title, 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_rhythm_commands_run_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main.main(["demo", "--db", "输出/示例.db", "--cases", "400"]) == 0
    lines = readme_block("### The county's week and year (issue 16)")
    assert len(lines) == 9
    for line in lines:
        argv = shlex.split(line)[2:]
        if "--user" in argv:
            argv.append("--password-stdin")
            monkeypatch.setattr(sys, "stdin", io.StringIO("Demo#2026\n"))
        capsys.readouterr()
        code = main.main(argv)
        out = capsys.readouterr()
        assert code == 0, (line, out.out[-800:], out.err[-800:])
    written = tmp_path / "输出"
    for name in ("通报.pdf", "到期提醒.pdf", "周报-分村.pdf", "村级台账.pdf", "周报-2025.pdf"):
        assert (written / name).stat().st_size > 1000, name
    assert len(list((written / "村级台账").glob("*.pdf"))) >= 2
    assert (written / "归档" / "2025年度归档" / "归档清单.json").is_file()
