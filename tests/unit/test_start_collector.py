"""main.py keeps the cyclic collector off only on the window's way to its first paint: every other
command, a bad argument and --version leave it on (a command's own work makes garbage in cycles)."""

from __future__ import annotations

import gc

import pytest

import main


def test_commands_and_argument_errors_leave_the_collector_on(tmp_path, capsys):
    assert gc.isenabled()
    with pytest.raises(SystemExit):
        main.main(["--version"])
    assert gc.isenabled()
    with pytest.raises(SystemExit):
        main.main(["verify", "--没有这个选项"])
    assert gc.isenabled()
    assert main.main(["verify", "--db", str(tmp_path / "没有这个台账.db")]) == 2
    assert gc.isenabled()
    capsys.readouterr()
