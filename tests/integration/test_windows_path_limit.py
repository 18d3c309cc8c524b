"""Windows' 260-character path limit (issue 19 item 3), with the Windows switch turned on here: a
ledger, its evidence folder, a backup, a report or a workbook whose path would pass the limit is
refused in Chinese before anything is written; paths under it work as before."""

from __future__ import annotations

import pytest

import ledger.opening
from ledger import StorageError, open_ledger
from reports.excel import ExportRequest, export_workbook
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report


@pytest.fixture
def on_windows(monkeypatch):
    monkeypatch.setattr(ledger.opening, "WINDOWS", True)


def deep(tmp_path, length: int):
    """A folder whose path is `length` characters long (ASCII, created)."""
    need = length - len(str(tmp_path)) - 1
    folder = tmp_path
    while need > 0:
        part = "d" * min(need - 1 if need > 1 else 1, 100)
        folder = folder / part
        need -= len(part) + 1
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_outputs_past_the_limit_are_refused_before_writing(world, tmp_path, on_windows):
    world.register()
    folder = deep(tmp_path, 250)
    with pytest.raises(StorageError, match="路径太长"):
        render_report(world.ledger, ReportRequest("ledger"), folder / "问题整改台账.pdf", world.coordinator,
                      fonts=FontSet.shipped_only())  # fmt: skip
    with pytest.raises(StorageError, match="路径太长"):
        export_workbook(world.ledger, ExportRequest(), folder / "上报台账.xlsx", world.coordinator)
    with pytest.raises(StorageError, match="路径太长"):
        world.ledger.backup.backup(world.admin, folder / "备份.db")
    assert list(folder.iterdir()) == []
    near = deep(tmp_path / "near", 150)
    out = near / "台账.pdf"
    render_report(world.ledger, ReportRequest("ledger"), out, world.coordinator, fonts=FontSet.shipped_only())
    assert out.exists()


def test_a_ledger_whose_evidence_would_pass_the_limit_is_refused(tmp_path, on_windows):
    folder = deep(tmp_path, 200)  # the file fits; 佐证材料\ab\<64 hex>.jpeg below it would not
    with pytest.raises(StorageError, match="路径太长"):
        open_ledger(folder / "台账.db", key_dir=tmp_path / "keys")
    assert not (folder / "台账.db").exists()
