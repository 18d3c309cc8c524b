"""The user guide's claim: reading a workbook for the preview, the handoff export and the reports can
be cancelled (确认导入 cannot, once it writes). A cancelled export leaves no file and no event; a
cancelled read says so and changes nothing."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from ledger.errors import LedgerError
from ledger.models import AuditEvent
from reports.excel import ExportRequest, export_workbook
from tests import paper


@pytest.fixture
def demo(tmp_path):
    shutil.copytree(paper.demo(2000).folder, tmp_path / "demo")
    lg, actor = paper.DemoLedger(2000, tmp_path / "demo").open()
    yield lg, actor
    lg.close()


def _events(lg) -> int:
    with lg.reading() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)))


def test_a_cancelled_export_leaves_no_file_and_no_event(demo, tmp_path):
    lg, actor = demo
    before, out = _events(lg), tmp_path / "上报台账.xlsx"
    looks = []

    def cancelled() -> bool:  # the clerk presses 取消 once the first thousand rows are written
        looks.append(1)
        return True

    with pytest.raises(LedgerError, match="已取消"):
        export_workbook(lg, ExportRequest(), out, actor, cancelled=cancelled)
    assert looks and not out.exists() and not list(tmp_path.glob("上报台账*"))
    assert _events(lg) == before
    assert export_workbook(lg, ExportRequest(), out, actor).rows > 1000 and out.exists()  # not cancelled: written


def test_a_cancelled_preview_read_says_so_and_writes_nothing(demo, tmp_path):
    lg, actor = demo
    book = tmp_path / "上报台账.xlsx"
    export_workbook(lg, ExportRequest(), book, actor)
    before = _events(lg)
    with pytest.raises(LedgerError, match="已取消"):
        lg.imports.read(book, cancelled=lambda: True)
    assert _events(lg) == before
    assert len(lg.imports.read(book).rows) > 1000  # the same file, read to its end when not cancelled
