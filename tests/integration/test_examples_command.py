"""`main.py examples` prints the README's commands with arguments that exist in the ledger; each of
them, run as printed, succeeds and writes its file into 输出/."""

from __future__ import annotations

import io
import shlex
import sys

import pytest

import main

pytestmark = pytest.mark.slow


def test_every_printed_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main.main(["demo", "--db", "输出/示例.db", "--cases", "300"]) == 0
    capsys.readouterr()
    assert main.main(["示例", "--db", "输出/示例.db"]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith(".venv/bin/python main.py ")]
    assert len(printed) == 10
    for line in printed:
        argv = shlex.split(line)[2:]
        if "--user" in argv:
            argv.append("--password-stdin")
            monkeypatch.setattr(sys, "stdin", io.StringIO("Demo#2026\n"))
        code = main.main(argv)
        out = capsys.readouterr()
        assert code == 0, (line, out.out[-500:], out.err[-500:])
        if "-o" in argv:
            target = tmp_path / argv[argv.index("-o") + 1]
            assert target.is_file() and target.stat().st_size > 1000, line
    written = {p.name for p in (tmp_path / "输出").iterdir()}
    assert {"周报.pdf", "台账.pdf", "销号审批表.pdf", "一户一档.pdf", "填报表.xlsx"} <= written
    assert [p.name for p in tmp_path.iterdir()] == ["输出"]  # nothing outside 输出/
