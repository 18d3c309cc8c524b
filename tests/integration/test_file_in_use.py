"""Windows refuses to replace a file another program holds open (os.replace → PermissionError):
a report open in the PDF reader, a workbook in Excel or WPS, a backup or the ledger itself. Each
output then says so in Chinese, leaves the old file exactly as it was and no temporary file behind
(issue 19 item 4). The Windows refusal is simulated: os.replace raises for an existing target."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ledger.opening
from ledger import StorageError
from ledger.opening import IN_USE
from ledger.restore import restore
from reports.excel import ExportRequest, export_workbook
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from reports.xlsx import Workbook
from tests.world import PASSWORD

_real_replace = os.replace


@pytest.fixture
def held_open(monkeypatch):
    """Replacing a file that exists fails as on Windows when another program has it open."""

    def replace(source, target):
        if os.path.exists(target):
            raise PermissionError(13, "The process cannot access the file because it is being used")
        _real_replace(source, target)

    monkeypatch.setattr(ledger.opening.os, "replace", replace)


def untouched(path, before: bytes) -> None:
    assert path.read_bytes() == before
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith((path.name + ".", "." + path.name))]
    assert leftovers == [], leftovers


def test_a_report_over_an_open_pdf(world, tmp_path, held_open):
    world.register()
    out = tmp_path / "台账.pdf"
    out.write_bytes(b"%PDF-old")
    with pytest.raises(StorageError, match=IN_USE):
        render_report(world.ledger, ReportRequest("ledger"), out, world.coordinator, fonts=FontSet.shipped_only())
    untouched(out, b"%PDF-old")


def test_an_export_over_an_open_workbook(world, tmp_path, held_open):
    world.register()
    out = tmp_path / "上报.xlsx"
    with Workbook(out) as book:  # last week's workbook, a real one (the session's output scan reads it)
        book.add_sheet("旧").append(["上周"])
    old = out.read_bytes()
    with pytest.raises(StorageError, match=IN_USE):
        export_workbook(world.ledger, ExportRequest(), out, world.coordinator)
    untouched(out, old)


def test_a_backup_over_an_open_file(world, tmp_path, held_open):
    out = tmp_path / "备份.db"
    out.write_bytes(b"old backup")
    with pytest.raises(StorageError, match=IN_USE):
        world.ledger.backup.backup(world.admin, out)
    untouched(out, b"old backup")


def test_a_restore_over_a_ledger_held_open(world, tmp_path, monkeypatch):
    backup = tmp_path / "备份" / "b.db"
    world.ledger.backup.backup(world.admin, backup)
    target = Path(world.ledger.engine.url.database)
    world.ledger.close()

    def replace(source, dest):
        if str(dest) == str(target):
            raise PermissionError(13, "in use")
        _real_replace(source, dest)

    monkeypatch.setattr(ledger.opening.os, "replace", replace)
    before = target.read_bytes()
    with pytest.raises(StorageError, match=IN_USE):
        restore(backup, target, tmp_path / "keys", "admin", PASSWORD)
    assert target.read_bytes() == before
