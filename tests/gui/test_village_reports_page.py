"""报表中心's 按村 options through the widgets: the 村级台账 of a township's villages as one file per
village or one PDF with a section each, and the 周报 with 分村情况, read back from the files."""

from __future__ import annotations

import re
import subprocess

from PySide6.QtCore import Qt

from tests.gui.test_reports_page import pick
from ui.reports_page import ReportsPage


def text_of(path) -> str:
    return re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout)


def page_for(qtbot, world, ctx_of) -> ReportsPage:
    world.walk(world.register(), "closed")
    xi = next(v.id for v in world.ledger.catalog.villages() if v.name == "西关村")
    world.register(household=world.household(head_name="赵秀英", village_id=xi))
    page = ReportsPage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    return page


def test_village_ledgers_from_the_page(qtbot, world, ctx_of, tmp_path, answer_boxes):
    page = page_for(qtbot, world, ctx_of)
    pick(page, "ledger")
    assert page.form.isRowVisible(page.village_ledger) and not page.form.isRowVisible(page.village_weekly)
    page.village_ledger.setCurrentIndex(page.village_ledger.findData("files"))
    assert not page.target.text().endswith(".pdf")  # a folder
    page.target.setText(str(tmp_path / "分村"))
    qtbot.mouseClick(page.generate, Qt.MouseButton.LeftButton)  # no township chosen: refused in Chinese
    assert any("村级台账须选择乡镇" in seen for seen in answer_boxes) and not (tmp_path / "分村").exists()
    page.township.setCurrentIndex(page.township.findData(world.township_id))
    qtbot.mouseClick(page.generate, Qt.MouseButton.LeftButton)
    files = sorted(p.name for p in (tmp_path / "分村").glob("*.pdf"))
    assert files == ["城关镇东关村村级台账.pdf", "城关镇西关村村级台账.pdf"]
    assert "共2个村" in page.status.text().replace(" ", "") and "2 个问题" in page.status.text()
    assert "赵秀英" in text_of(tmp_path / "分村" / files[1]) and "赵秀英" not in text_of(tmp_path / "分村" / files[0])

    page.village_ledger.setCurrentIndex(page.village_ledger.findData("sections"))
    page.target.setText(str(tmp_path / "村级台账.pdf"))
    qtbot.mouseClick(page.generate, Qt.MouseButton.LeftButton)
    text = text_of(tmp_path / "村级台账.pdf")
    assert "城关镇东关村“两不愁三保障”" in text and "城关镇西关村“两不愁三保障”" in text
    assert "东关村第1页共1页" in text and "西关村第1页共1页" in text


def test_weekly_with_villages_from_the_page(qtbot, world, ctx_of, tmp_path):
    page = page_for(qtbot, world, ctx_of)
    pick(page, "weekly")
    page.period_end.setDate(page.period_end.maximumDate())
    page.village_weekly.setChecked(True)
    page.target.setText(str(tmp_path / "周报.pdf"))
    qtbot.mouseClick(page.generate, Qt.MouseButton.LeftButton)
    text = text_of(tmp_path / "周报.pdf")
    assert "六、分村情况" in text and "城关镇（2个村）" in text
