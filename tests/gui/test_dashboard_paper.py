"""The 工作台 says what the paper says: its tiles, read from the widgets, equal the 周报's figures
(read back from the PDF) and the Excel 统计表's (read back with calamine) for the same ledger and day,
and the five state tiles add up to 累计发现. The page fits a 1366×768 screen without scrolling and,
at a 150 % scaling stand-in (910×512 logical pixels), scrolls but is never cut off at the side."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

from python_calamine import CalamineWorkbook

from ledger.dto import CaseFilter
from reports.excel import ExportRequest, export_workbook
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from tests.gui.guithread import settled
from ui.context import AppContext
from ui.dashboard import DashboardPage
from ui.main_window import PAGES, MainWindow

STATES = ("unassigned", "working", "pending_verification", "pending_approval", "closed")


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_screen_tiles_equal_the_weekly_report_and_the_statistics_sheet(qtbot, demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        page = DashboardPage(AppContext(lg, actor))
        qtbot.addWidget(page)
        page.refresh()
        settled(qtbot)  # the figures are read on the operations thread
        tiles = {key: number(value) for key, value in page.figures().items() if key != "rate"}
        assert sum(tiles[key] for key in STATES) == tiles["total"]
        assert all(tiles[key] for key in STATES)  # every state is on the ledger: a real comparison

        today = lg.today()
        period = {"period_start": today - dt.timedelta(days=6), "period_end": today}
        pdf = tmp_path / "周报.pdf"
        render_report(lg, ReportRequest("weekly", **period), pdf, actor, fonts=FontSet.shipped_only())
        xlsx = tmp_path / "统计表.xlsx"
        export_workbook(lg, ExportRequest(CaseFilter(include_void=False), template="statistics", **period), xlsx, actor)
    finally:
        lg.close()

    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
    found = re.search(
        r"累计发现问题(\d+)个（不含已作废），已销号(\d+)个.*?未销号的(\d+)个问题中，待交办(\d+)个，整改中(\d+)个，"
        r"待核验(\d+)个，待审批(\d+)个；逾期(\d+)个",
        text,
    )
    assert found, text[:400]
    total, closed, still_open, unassigned, working, verification, approval, overdue = map(int, found.groups())
    paper = {
        "total": total,
        "unassigned": unassigned,
        "working": working,
        "pending_verification": verification,
        "pending_approval": approval,
        "closed": closed,
        "overdue": overdue,
    }
    assert paper == {key: tiles[key] for key in paper}
    assert still_open == total - closed

    with CalamineWorkbook.from_path(str(xlsx)) as book:
        rows = book.get_sheet_by_name("统计").to_python()
    header = next(r for r in rows if r and r[0] == "范围")
    overall = rows[rows.index(header) + 1]
    sheet = dict(zip(header, overall, strict=False))
    names = {"total": "累计发现", "unassigned": "待交办", "working": "整改中", "pending_verification": "待核验"}
    names |= {"pending_approval": "待审批", "closed": "已销号", "overdue": "逾期"}
    assert {key: int(sheet[label]) for key, label in names.items()} == paper
    # the department table ends with the 待交办 line, then the 合计 of the whole ledger
    departments = next(i for i, r in enumerate(rows) if r and str(r[0]).startswith("四、"))
    lines = [r for r in rows[departments + 2 :] if r and r[0]]
    assert lines[-2][0] == "未交办（待交办）" and int(lines[-2][1]) == paper["unassigned"]
    assert lines[-1][0] == "合计" and int(lines[-1][1]) == paper["total"]


def test_the_dashboard_fits_1366_by_768_and_a_150_percent_screen(qtbot, demo_ledger):
    lg, actor = demo_ledger.open()
    try:
        ctx = AppContext(lg, actor)
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        window.nav.setCurrentRow(PAGES.index("工作台"))
        qtbot.waitUntil(lambda: window.dashboard.tasks.rowCount() > 0)
        settled(qtbot)  # the figures, the lists and the tag line in: the page as the clerk sees it
        dash = window.dashboard
        qtbot.waitUntil(lambda: dash.scroll_area.viewport().height() > 500)
        viewport = dash.scroll_area.viewport()
        assert dash.body.minimumSizeHint().height() <= viewport.height()
        assert dash.body.minimumSizeHint().width() <= viewport.width()
        assert not dash.scroll_area.verticalScrollBar().isVisible()
        assert not dash.scroll_area.horizontalScrollBar().isVisible()
        for tile in dash._tiles.values():  # every number whole in its tile
            assert tile.value.width() >= tile.value.sizeHint().width()

        # 150 %: the same screen in 910×512 logical pixels; the page gets what the window leaves it
        page = DashboardPage(ctx)
        qtbot.addWidget(page)
        page.refresh()
        settled(qtbot)  # the figures are read on the operations thread
        page.resize(910 - window.nav.width(), 512 - window.statusBar().sizeHint().height())
        page.show()
        qtbot.waitUntil(lambda: page.isVisible())
        qtbot.wait(50)
        assert page.body.minimumSizeHint().width() <= page.scroll_area.viewport().width()
        assert not page.scroll_area.horizontalScrollBar().isVisible()
        for tile in page._tiles.values():
            assert tile.value.width() >= tile.value.sizeHint().width()
            assert tile.caption.width() >= tile.caption.sizeHint().width()
        settled(qtbot)  # nothing still reading when the ledger closes
    finally:
        lg.close()


def test_a_case_done_on_time_and_waiting_for_sign_off_is_not_marked_overdue(qtbot, world, ctx_of):
    from ui.case_dialog import CaseDialog

    w = world
    on_time = w.walk(w.register(), "pending_approval")  # completed today, deadline weeks away
    late = w.walk(w.register(), "in_progress")
    deadline = max(on_time.deadline, late.deadline)
    w.clock.advance(days=(deadline - w.clock.now.date()).days + 5)  # both 时限 have passed
    marks = {}
    for key, case in (("on_time", on_time), ("late", late)):
        dialog = CaseDialog(ctx_of(w.coordinator), case.id)
        qtbot.addWidget(dialog)
        marks[key] = dialog.title.text()
    assert "●绿灯" in marks["on_time"] and "红灯" not in marks["on_time"]
    assert "●红灯" in marks["late"]
    assert "逾期" not in marks["on_time"] + marks["late"]  # the light's name, as on paper
    page = DashboardPage(ctx_of(w.coordinator))
    qtbot.addWidget(page)
    page.refresh()
    settled(qtbot)  # the figures are read on the operations thread
    assert page.figures()["overdue"] == "1"
    assert "整改时限内 1 个，逾期 1 个" in page.greeting.text()
