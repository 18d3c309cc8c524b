"""报表中心 through its widgets: a report rendered off the GUI thread, read back, audited."""

from __future__ import annotations

import json
import subprocess

from PySide6.QtCore import Qt
from sqlalchemy import select

from ledger.models import AuditEvent
from ui.reports_page import ReportsPage


def pick(page: ReportsPage, kind: str) -> None:
    for row in range(page.kinds.count()):
        if page.kinds.item(row).data(Qt.ItemDataRole.UserRole) == kind:
            page.kinds.setCurrentRow(row)
            return
    raise AssertionError(kind)


def printed(world) -> list[dict]:
    with world.ledger.reading() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "report.print").order_by(AuditEvent.seq))
        return [json.loads(e.payload) | {"actor": e.actor_name} for e in rows]


def test_weekly_report_from_the_page(qtbot, world, ctx_of, tmp_path):
    for _ in range(3):
        world.walk(world.register(), "assigned")
    world.clock.advance(days=7)  # the 周报 covers the last full week, the one these cases came in
    page = ReportsPage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    pick(page, "weekly")
    assert not page.form.isRowVisible(page.case_number)
    page.target.setText(str(tmp_path / "周报.pdf"))
    qtbot.mouseClick(page.generate, Qt.MouseButton.LeftButton)
    assert (tmp_path / "周报.pdf").exists()
    assert "已生成" in page.status.text() and page.open_button.isEnabled()
    text = subprocess.run(["pdftotext", str(tmp_path / "周报.pdf"), "-"], capture_output=True, text=True).stdout
    assert "累计发现问题3个" in text.replace("\n", "")
    event = printed(world)[-1]
    assert event["kind"] == "weekly" and event["actor"] == world.coordinator.display_name


def test_household_dossier_and_the_checks_before_rendering(qtbot, world, ctx_of, tmp_path, answer_boxes):
    case = world.register()
    page = ReportsPage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    pick(page, "letter")
    page.department.setCurrentIndex(0)  # 全部责任单位: one letter per department with overdue cases
    page.target.setText(str(tmp_path / "督办函.pdf"))
    assert page.make_report() is True
    text = subprocess.run(["pdftotext", str(tmp_path / "督办函.pdf"), "-"], capture_output=True, text=True).stdout
    assert "没有逾期问题" in text  # nothing is overdue yet: no letter, no number used
    assert world.ledger.serials.register("letter:") == []
    page.target.setText("")
    assert page.make_report() is False
    assert any("请选择报表的保存位置" in text for text in answer_boxes)

    pick(page, "household")
    assert page.form.isRowVisible(page.id_number) and not page.form.isRowVisible(page.township)
    page.id_number.setText(case.household.head_id_number)
    page.target.setText(str(tmp_path / "一户一档.pdf"))
    assert page.make_report() is True
    text = subprocess.run(["pdftotext", str(tmp_path / "一户一档.pdf"), "-"], capture_output=True, text=True).stdout
    assert case.household.head_name in text and case.number in text


def test_full_ids_only_for_county_roles(qtbot, world, ctx_of):
    viewer = ReportsPage(ctx_of(world.viewer))
    coordinator = ReportsPage(ctx_of(world.coordinator))
    for page in (viewer, coordinator):
        qtbot.addWidget(page)
        pick(page, "ledger")
    assert not viewer.unmask.isEnabled()
    assert coordinator.unmask.isEnabled() and not coordinator.reason.isEnabled()
    coordinator.unmask.setChecked(True)
    assert coordinator.reason.isEnabled()
