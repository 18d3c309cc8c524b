"""导入导出 through its widgets: preview a township workbook, correct the column mapping, save the
error list, confirm the import; export the handoff workbook and a department's fill-in workbook."""

from __future__ import annotations

import threading

import openpyxl
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QProgressDialog
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from ledger.models import Case
from tests.world import fresh_id_number
from ui.exchange_page import ExchangePage
from ui.ops import ops


def township_workbook(path, id_numbers):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["城关镇问题排查表"])
    ws.append(["乡镇", "村", "户主姓名", "身份证号", "户别", "问题类别", "问题子类", "问题描述", "发现时间", "备注"])
    ws.append(
        ["城关镇", "东关村", "孙大勇", id_numbers[0], "脱贫户", "饮水安全", "水量不足", "时常停水", "2026-11-02", ""]
    )
    ws.append(
        ["城关镇", "东关村", "钱小红", id_numbers[1], "低保户", "住房安全", "因灾受损", "屋顶漏雨", "2026年11月3日", ""]
    )
    ws.append(
        ["城关镇", "北关村", "周二", id_numbers[2], "低保户", "住房安全", "因灾受损", "屋顶漏雨", "2026-11-04", ""]
    )
    wb.save(path)
    return path


def tab_first_id(path) -> str:
    return openpyxl.load_workbook(path).active["D3"].value


def cases(world) -> int:
    with world.ledger.reading() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_import_wizard_preview_mapping_errors_commit(qtbot, world, ctx_of, tmp_path, answer_boxes):
    path = township_workbook(tmp_path / "城关镇.xlsx", [fresh_id_number() for _ in range(3)])
    page = ExchangePage(ctx_of(world.clerk))
    qtbot.addWidget(page)
    tab = page.importer
    tab.path.setText(str(path))
    before = cases(world)
    assert tab.preview() is True
    assert cases(world) == before  # a preview writes nothing
    assert "表头在第 2 行" in tab.info.text() and "城关镇问题排查表" in tab.info.text()
    assert [o.status for o in tab.plan.outcomes] == ["new", "new", "invalid"]
    assert tab.outcomes.rowCount() == 1 and "北关村" in tab.outcomes.data(tab.outcomes.index(0, 3))
    assert tab.commit_button.isEnabled() and "新增 2" in tab.commit_button.text()

    # the user says 户别 is not the household kind: the preview is made again with that mapping
    row = next(r for r in range(tab.mapping.rowCount()) if tab.mapping.item(r, 0).text() == "户别")
    combo = tab.mapping.cellWidget(row, 2)
    assert isinstance(combo, QComboBox) and combo.currentData() == "household_kind"
    combo.setCurrentIndex(combo.findData(""))
    assert tab.remap_button.isEnabled()
    qtbot.mouseClick(tab.remap_button, Qt.MouseButton.LeftButton)
    assert "没有“户类型”列" in tab.info.text()
    assert 4 not in tab.plan.mapping

    errors = tab.save_errors(str(tmp_path / "错误清单.xlsx"))
    assert errors is not None and errors.rows == 1
    with CalamineWorkbook.from_path(str(tmp_path / "错误清单.xlsx")) as book:
        rows = book.get_sheet_by_name("错误清单").to_python()
    assert int(rows[3][0]) == 5 and "北关村" in rows[3][1]

    # 确认导入 cannot be cancelled once begun (one transaction: all or nothing): no 取消 button, and
    # Esc does not stop it. The operations lane is held first, so the dialog is there to be looked at.
    gate, seen = threading.Event(), {}

    def look() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        if shown and "button" not in seen:
            seen["button"] = shown[0].cancel_button.isVisible()
            qtbot.keyClick(shown[0], Qt.Key.Key_Escape)
            gate.set()

    ops().run(lambda: gate.wait(10), lambda _r: None)
    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(50)
    try:
        assert tab.commit() is True
    finally:
        timer.stop()
        gate.set()
    assert seen == {"button": False}
    assert cases(world) == before + 2
    assert "新增问题 2 个" in tab.summary.text() and not tab.commit_button.isEnabled()
    sun = world.ledger.households.find_by_id_number(tab_first_id(path))
    assert sun is not None and sun.kind == "一般农户"  # 户别 was not mapped, so the default kind
    assert tab.preview() is True and "已于" in tab.info.text() and not tab.commit_button.isEnabled()


def test_viewer_may_export_but_not_import(qtbot, world, ctx_of, tmp_path):
    page = ExchangePage(ctx_of(world.viewer))
    qtbot.addWidget(page)
    assert not page.importer.preview_button.isEnabled()
    assert not page.exporter.unmask.isEnabled()


def test_exports_from_the_page(qtbot, world, ctx_of, tmp_path):
    world.walk(world.register("house.c"), "in_progress")
    world.register("water.quantity")
    page = ExchangePage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    tab = page.exporter
    tab.target.setText(str(tmp_path / "上报.xlsx"))
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "上报.xlsx").exists() and "2 行" in tab.status.text() and tab.open_button.isEnabled()

    tab.template.setCurrentIndex(tab.template.findData("fillin"))
    assert not tab.form.isRowVisible(tab.township) and not tab.form.isRowVisible(tab.unmask)
    tab.department.setCurrentIndex(tab.department.findData(world.zjj_id))
    tab.target.setText(str(tmp_path / "住建局填报表.xlsx"))
    assert tab.export() is True
    book = openpyxl.load_workbook(tmp_path / "住建局填报表.xlsx")
    assert book.sheetnames == ["填写说明", "待填报问题"] and book["待填报问题"].max_row == 4
