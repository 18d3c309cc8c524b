"""The command line speaks Chinese: argparse's errors and headings, every option described, --version."""

from __future__ import annotations

import argparse

import pytest

import main
from ledger import __version__
from ui.cli.common import progress_printer
from ui.cli.parser import build_parser


def _walk(parser: argparse.ArgumentParser, path: str = "整改台账"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _walk(child, f"{path} {name}")
        else:
            yield path, action


def test_every_option_and_argument_is_described_in_chinese():
    undescribed = [
        f"{path} {'/'.join(action.option_strings) or action.dest}"
        for path, action in _walk(build_parser())
        if not action.help or not any("\u4e00" <= ch <= "\u9fff" for ch in action.help)
    ]
    assert undescribed == []


def test_a_missing_argument_is_refused_in_chinese(capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["demo"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：整改台账 demo")
    assert "错误：缺少必需的参数：--db" in err
    assert "usage" not in err and "required" not in err


def test_an_unknown_command_and_option_are_refused_in_chinese(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["repot"])
    assert "无效的选择：'repot'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main.main(["demo", "--db", "x.db", "--casse", "3"])
    assert "无法识别的参数：--casse" in capsys.readouterr().err


def test_help_headings_are_chinese(capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["report", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "选项" in out and "显示本帮助并退出" in out
    assert "options:" not in out


def test_version(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--version"])
    assert capsys.readouterr().out.strip() == f"整改台账 {__version__}"


def test_progress_piped_prints_whole_lines(capsys):
    report = progress_printer("备份页")
    for done in range(0, 1001, 100):
        report(done, 1000)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[-1] == "备份页 1000/1000" and all(line.startswith("备份页 ") for line in lines)


def test_the_command_line_loads_no_qt_until_the_window_is_asked_for():
    """ui/cli/ lives under ui/ as the program's second interface, but a command such as `verify` on a
    server's console must not need Qt's libraries: building the parser loads neither PySide6 nor
    ReportLab (each command imports what it needs when it runs)."""
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import sys; import main; main.build_parser(); "
        "print(sorted(m for m in ('PySide6', 'reportlab', 'openpyxl') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
