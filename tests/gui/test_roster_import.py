"""导入导出 → 导入农户名册 through its widgets: preview a roster (per household), confirm, and the same
roster again shows every household 无变化 with nothing to confirm."""

from __future__ import annotations

from sqlalchemy import func, select

from ledger.models import Household
from tests.integration.test_household_import import People, first_rows, roster
from ui.exchange_page import ExchangePage


def households(world) -> int:
    with world.ledger.reading() as s:
        return s.scalar(select(func.count()).select_from(Household))


def test_roster_tab_preview_commit_again(qtbot, world, ctx_of, tmp_path, answer_boxes):
    path = roster(tmp_path / "名册.xlsx", first_rows(People()))
    page = ExchangePage(ctx_of(world.clerk))
    qtbot.addWidget(page)
    tab = page.roster
    assert page.tabs.tabText(page.tabs.indexOf(tab)) == "导入农户名册"
    tab.path.setText(str(path))
    before = households(world)
    assert tab.preview() is True
    assert households(world) == before
    assert "新增 3 户" in tab.summary.text()
    assert tab.outcomes.rowCount() == 3
    assert tab.outcomes.data(tab.outcomes.index(0, 0)) == "HH001"
    assert tab.outcomes.data(tab.outcomes.index(0, 3)) == "新增"
    assert "新增标签：监测对象（边缘易致贫户），因病、因学" in tab.outcomes.data(tab.outcomes.index(0, 4))
    assert tab.commit_button.isEnabled() and "新增 3 户" in tab.commit_button.text()
    assert tab.commit() is True
    assert households(world) == before + 3
    assert "新建农户 3 户" in tab.summary.text()
    assert tab.preview() is True
    assert "无变化 3 户" in tab.summary.text() and "无需导入" in tab.summary.text()
    assert tab.outcomes.rowCount() == 0 and not tab.commit_button.isEnabled()
    assert not answer_boxes


def test_roster_tab_refused_to_a_viewer(qtbot, world, ctx_of):
    page = ExchangePage(ctx_of(world.viewer))
    qtbot.addWidget(page)
    assert not page.roster.preview_button.isEnabled()
    assert "录入员或县级统筹" in page.roster.info.text()
