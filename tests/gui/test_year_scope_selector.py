"""The 统计年度 selector on the 工作台 and in the 报表中心: choosing a year changes the tiles to the
year's figures (found that year plus 结转 cases still open), the same count the query service and a
count made here give; 自定义区间 shows its dates; the 报表中心's printed ledger carries the scope."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from ledger.models import Case
from ledger.scope import Scope
from tests.gui.guithread import settled
from ui.dashboard import DashboardPage
from ui.reports_page import ReportsPage

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def at(w, day: dt.date) -> None:
    w.clock.now = dt.datetime.combine(day, dt.time(9))


def cases_over_years(w) -> None:
    for year in (2024, 2025):
        at(w, dt.date(year, 5, 6))
        w.walk(w.register(), "closed")
        w.walk(w.register(), "assigned")
    at(w, dt.date(2026, 11, 23))
    w.register()


def counted(w, scope: Scope | None) -> int:
    with w.ledger.reading() as s:
        rows = s.execute(select(Case.found_date, Case.state).where(Case.state != "void")).all()
    return sum(1 for found, state in rows if scope is None or scope.holds(found, state))


def test_dashboard_selector(qtbot, world, ctx_of):
    w = world
    cases_over_years(w)
    page = DashboardPage(ctx_of(w.coordinator))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.refresh()
    settled(qtbot)  # the figures are read on the operations thread
    combo = page.year_scope.combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "全部年度",
        "2026年度",
        "2025年度",
        "2024年度",
        "自定义区间",
    ]
    assert page.figures()["total"] == "5" == str(counted(w, None))
    page.year_scope.choose(2025)  # what a click on the item does: the page refreshes itself
    settled(qtbot)
    assert page.figures()["total"] == str(counted(w, Scope(year=2025))) == "3"  # 2 found + 1 carried over
    assert page.year_scope.rule.text() == "统计范围：2025年度（含结转）"
    page.year_scope.choose(2026)
    settled(qtbot)
    assert page.figures()["total"] == str(w.ledger.queries.dashboard(scope=Scope(year=2026)).total) == "3"
    assert not page.year_scope.start.isVisible()
    page.show()
    page.year_scope.choose("custom")
    assert page.year_scope.start.isVisible() and page.year_scope.end.isVisible()
    page.year_scope.start.setDate(dt.date(2025, 1, 1))
    page.year_scope.end.setDate(dt.date(2025, 12, 31))
    settled(qtbot)
    assert page.figures()["total"] == str(counted(w, Scope(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))))
    page.year_scope.end.setDate(dt.date(2024, 1, 1))  # never before the start
    assert page.year_scope.end.date().toPython() == dt.date(2025, 1, 1)
    page.year_scope.choose(2025)
    page.year_scope.layout().activate()  # the hidden dates give their room back before the picture
    DOCS.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(DOCS / "工作台-统计年度.png"))


def test_reports_page_prints_the_chosen_year(qtbot, world, ctx_of, tmp_path):
    w = world
    cases_over_years(w)
    page = ReportsPage(ctx_of(w.coordinator))
    qtbot.addWidget(page)
    settled(qtbot)  # the years the ledger holds are read on the operations thread
    for row in range(page.kinds.count()):
        if page.kinds.item(row).data(Qt.ItemDataRole.UserRole) == "ledger":
            page.kinds.setCurrentRow(row)
    page.year_scope.choose(2024)
    page.target.setText(str(tmp_path / "台账.pdf"))
    assert page.request().filter.scope == Scope(year=2024)
    qtbot.mouseClick(page.generate, Qt.MouseButton.LeftButton)
    text = "".join(
        subprocess.run(["pdftotext", str(tmp_path / "台账.pdf"), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "2024年度·含结转" in text
    assert page.last is not None and page.last.cases == counted(w, Scope(year=2024)) == 2
    page.resize(1100, 700)
    assert page.grab().save(str(DOCS / "报表中心-统计年度.png"))
