"""The 部门比对 page (issue 15 item 4): a real roster compared through the page, candidates listed with
masked ID numbers, one dismissed with a reason, the rest registered; buttons only for 县级统筹."""

from __future__ import annotations

import re
from pathlib import Path

from tests.gui.guithread import settled
from tests.integration.test_compare import medical_rows, people, write_xlsx  # noqa: F401  (fixture)
from ui.compare_page import ComparePage

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_compare_page_runs_dismisses_and_registers(world, people, ctx_of, qtbot, tmp_path, answer_boxes):  # noqa: F811
    page = ComparePage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    page.resize(1280, 520)
    page.show()
    page.run_file(write_xlsx(tmp_path / "医保参保名单.xlsx", medical_rows(people["ids"])))
    settled(qtbot)  # the 比对 and then the list run on the operations thread
    result = page.result
    assert result is not None and len(result.findings) == 3
    rows = page.model.rows
    assert sorted(r[4] for r in rows) == ["张小军", "张小明", "王强"]
    assert all("*" in r[5] for r in rows if r[5]) and not re.search(r"\d{17}[\dX]", repr(rows))
    assert "按姓名+村匹配 2 行" in page.summary.text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(SCREENSHOTS / "部门比对.png"))

    weak = next(i for i, f in enumerate(page.findings) if f.weak)
    page.dismiss([page.findings[weak]], "已在务工地参保")
    settled(qtbot)
    assert sorted(r[4] for r in page.model.rows) == ["张小军", "张小明"]  # 待核实 only
    page.view.selectAll()
    page.register_selected()
    settled(qtbot)
    assert page.model.rows == []
    assert any("已登记问题 2 个" in text for text in answer_boxes)
    page.states.setCurrentIndex(1)  # 全部
    settled(qtbot)
    assert sorted(r[9].split()[0] for r in page.model.rows) == ["已排除", "已登记", "已登记"]


def test_compare_page_read_only_for_others(world, ctx_of, qtbot):
    page = ComparePage(ctx_of(world.viewer))
    qtbot.addWidget(page)
    assert not page.run_button.isEnabled() and "只有县级统筹" in page.register_button.toolTip()


def test_a_township_user_sees_why_the_page_is_empty_without_a_dialog(world, ctx_of, qtbot):
    """The page is built with the main window for every user; one who may not read the county's
    findings gets the reason on the page (a modal refusal would block the window from opening)."""
    page = ComparePage(ctx_of(world.verifier))
    qtbot.addWidget(page)
    settled(qtbot)
    assert "只有县级账号可以查看" in page.summary.text() and page.model.rowCount() == 0
