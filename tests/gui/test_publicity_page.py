"""The 公示 page: a village's verified cases started on a 公示 through the page (names and IDs masked),
an objection recorded and resolved, the notice printed; the case window shows the 公示 state; the
settings dialog; read-only for accounts that may not organise a 公示."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QDialog

from tests.gui.guithread import settled
from tests.world import PASSWORD
from ui.case_dialog import CaseDialog
from ui.publicity_page import PublicityPage, SettingsDialog

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def select_village(page, village_id):
    page.village.setCurrentIndex(page.village.findData(village_id))


def test_publicity_page_starts_objects_resolves_and_prints(world, ctx_of, qtbot, tmp_path, answer_boxes):
    w, lg = world, world.ledger
    lg.publicity.update_settings(w.coordinator, category_days={"house": 7}, phone="0000-7654321")
    cases = [
        w.walk(w.register("house.c", household=w.household(head_name=name, group_name="二组")), "pending_approval")
        for name in ("欧阳建国", "李秀英")
    ]
    w.walk(w.register("water.quantity"), "pending_approval")  # no 公示 for 饮水安全: not listed
    page = PublicityPage(ctx_of(w.verifier))
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    select_village(page, w.village_id)
    settled(qtbot)  # the lists are read on the operations thread
    rows = page.waiting_model.rows
    assert sorted(r[0] for r in rows) == ["李*英", "欧**国"]
    assert not re.search(r"\d{17}[\dX]", repr(rows)) and "欧阳建国" not in repr(rows)
    page.waiting_view.selectAll()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(SCREENSHOTS / "公示_待公示.png"))
    page.start_selected()
    settled(qtbot)
    batch = page.started
    assert batch is not None and len(batch.items) == 2 and batch.days == 7
    assert page.waiting_model.rows == [] and page.batch_model.rows[0][5] == "公示中"
    assert "公示中" in lg.publicity.case_state(cases[0].id)

    item = page.details[0][0]
    page.record_objection(item, lg.today(), "村民甲", "该户院墙仍有裂缝")
    settled(qtbot)
    assert page.recorded is not None
    assert page.batch_model.rows[0][4] == "1"
    objection = next(o for _i, o in page.details if o is not None)
    page.resolve(objection, "短")
    settled(qtbot)
    assert page.resolved is None and any("至少4个字" in t for t in answer_boxes)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.detail_view.selectRow(0)
    page.grab().save(str(SCREENSHOTS / "公示.png"))

    dialog = CaseDialog(ctx_of(w.approver), cases[0].id)
    qtbot.addWidget(dialog)
    assert "公示：公示中" in dialog.title.text() and "异议 1 条待处理" in dialog.title.text()
    w.clock.advance(days=7)
    page.resolve(objection, "经入户核实，裂缝为旧痕，已修补")
    settled(qtbot)
    assert page.resolved is not None
    assert page.batch_model.rows[0][4] == "0" and page.batch_model.rows[0][5] == "已期满"
    page.print_to(tmp_path / "公示.pdf")
    settled(qtbot)
    result = page.printed
    assert result is not None and result.pages == 1 and "已生成公示" in page.message.text()
    case = lg.cases.get(cases[0].id)
    closed = lg.cases.act(w.approver, case.id, "approve", expected_version=case.version,
                          inputs={"opinion": "同意"}, password=PASSWORD).case  # fmt: skip
    assert closed.state == "closed"


def test_settings_dialog_and_read_only_accounts(world, ctx_of, qtbot):
    w, lg = world, world.ledger
    page = PublicityPage(ctx_of(w.coordinator))
    qtbot.addWidget(page)
    assert page.settings_button.isVisibleTo(page)
    dialog = SettingsDialog(page, lg.catalog.category_names, lg.publicity.settings())
    qtbot.addWidget(dialog)
    dialog.spins["house"].setValue(5)
    dialog.risk.setValue(3)
    dialog.phone.setText("0000-1234567")
    days, risk, _contact, phone = dialog.values()
    assert days["house"] == 5 and days["water"] is None and risk == 3 and phone == "0000-1234567"
    dialog.resize(420, 380)
    dialog.grab().save(str(SCREENSHOTS / "公示设置.png"))
    assert dialog.result() != QDialog.DialogCode.Accepted
    for actor in (w.viewer, w.approver, w.officer):
        other = PublicityPage(ctx_of(actor))
        qtbot.addWidget(other)
        assert not other.start_button.isEnabled() and not other.object_button.isEnabled()
        assert not other.settings_button.isVisibleTo(other)
