"""A case walked through the widgets, from 登记 to 已销号, and returned and reopened; conflicts keep
what the user typed; actions appear only for the roles and states that allow them."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QPlainTextEdit

from ledger.errors import PermissionDenied
from ledger.ids import with_check_digit
from tests.gui.guithread import settled as ops_settled
from tests.world import PASSWORD, PNG
from ui.case_dialog import CaseDialog
from ui.case_form import NewCaseDialog


def click(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fill(dialog, **values) -> None:
    for field, value in values.items():
        widget = dialog.editors.widgets[field]
        if isinstance(widget, QComboBox):
            index = widget.findData(value)
            assert index >= 0, (field, value)
            widget.setCurrentIndex(index)
        elif isinstance(widget, QDateEdit):
            widget.setDate(value)
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        else:
            assert isinstance(widget, QLineEdit)
            widget.setText(value)


def submit(qtbot, action_dialog) -> None:
    """确定 on an action window: the action runs on the operations thread (ui/ops.py); wait for it."""
    click(qtbot, action_dialog.buttons.buttons()[0])
    qtbot.waitUntil(lambda: not action_dialog.busy, timeout=10_000)


def settled(qtbot, dialog) -> None:
    """A save, progress note or re-read of the case window runs on the operations thread: wait for it."""
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)


def act(qtbot, ctx, case_id, action, password=None, **values) -> CaseDialog:
    dialog = CaseDialog(ctx, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog.action_buttons[action])
    action_dialog = dialog.action_dialog
    assert action_dialog is not None and action_dialog.isVisible()
    fill(action_dialog, **values)
    if password is not None:
        qtbot.keyClicks(action_dialog.password, password)
    submit(qtbot, action_dialog)
    assert not action_dialog.isVisible(), action_dialog.message.text()
    return dialog


def new_id_number() -> str:
    return with_check_digit("99010119850315" + "123")


def test_a_case_walks_from_registration_to_closure_through_the_widgets(qtbot, world, ctx_of, tmp_path):
    lg = world.ledger
    form = NewCaseDialog(ctx_of(world.clerk))
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClicks(form.id_number, new_id_number())
    ops_settled(qtbot)  # the number is looked up on the operations thread
    assert "尚未建档" in form.id_status.text()
    form.head_name.insert("赵铁柱")  # QTest types ASCII only; insert() edits as typing does
    form.township.setCurrentIndex(form.township.findData(world.township_id))
    form.village.setCurrentIndex(form.village.findData(world.village_id))
    form.select_subcategory("house.c")
    assert not form.save_button.isEnabled()  # the description is still missing
    form.description.insertPlainText("后墙开裂约两米，雨季漏雨")
    assert form.save_button.isEnabled()
    created = []
    form.created.connect(created.append)
    click(qtbot, form.save_button)
    ops_settled(qtbot)  # written on the operations thread
    case_id = created[0].case.id
    assert lg.cases.get(case_id).state == "registered"

    today = lg.today()
    act(
        qtbot,
        ctx_of(world.coordinator),
        case_id,
        "assign",
        lead_department_id=world.zjj_id,
        deadline=today + dt.timedelta(days=20),
    )
    assert lg.cases.get(case_id).lead_department_id == world.zjj_id
    act(qtbot, ctx_of(world.officer), case_id, "accept", responsible_person="李卫东")

    officer_view = CaseDialog(ctx_of(world.officer), case_id)
    qtbot.addWidget(officer_view)
    officer_view.show()
    assert "提交核验还缺" in officer_view.evidence_missing.text()
    for kind in lg.catalog.subcategory("house.c").required_evidence:
        photo = tmp_path / f"{kind}.png"
        photo.write_bytes(PNG + kind.encode())
        assert officer_view.add_files([str(photo)], kind) == 1
        qtbot.waitUntil(lambda: not officer_view.evidence_busy, timeout=10_000)
    assert officer_view.evidence_missing.text() == "必备材料已齐全"
    assert officer_view.evidence_list.count() == len(lg.catalog.subcategory("house.c").required_evidence)
    officer_view.evidence_list.setCurrentRow(0)
    officer_view.check_current()  # the file is read and hashed on the operations thread
    ops_settled(qtbot)
    assert officer_view.hash_checked is True
    assert "SHA-256" in officer_view.evidence_detail.text()

    act(qtbot, ctx_of(world.officer), case_id, "submit", measures="加固后墙，更换屋面", completion_date=today)
    act(qtbot, ctx_of(world.verifier), case_id, "verify", password=PASSWORD, opinion="经现场核验，整改到位")
    final = act(qtbot, ctx_of(world.approver), case_id, "approve", password=PASSWORD, opinion="同意销号")

    case = lg.cases.get(case_id)
    assert case.state == "closed" and case.closed_date == today
    assert "已销号" in final.title.text()
    assert [row[0] for row in final.signoffs.rows] == ["核验", "审批"]
    assert all(row[-1] == "一致" for row in final.signoffs.rows)
    actions = [row[2] for row in final.history.rows]
    assert len(actions) >= 6  # register, assign, accept, evidence…, submit, verify, approve
    assert final.action_buttons.keys() == {"reopen"}  # the approver may only 销号回退 now


def test_a_case_is_returned_and_then_reopened_after_closure(qtbot, world, ctx_of):
    lg = world.ledger
    case = world.walk(world.register(), "pending_verification")
    dialog = act(
        qtbot, ctx_of(world.verifier), case.id, "return", password=PASSWORD, reason="照片不清晰，请补拍整改后照片"
    )
    assert lg.cases.get(case.id).state == "in_progress"
    assert dialog.signoffs.rows[-1][0] == "退回"
    closed = world.walk(lg.cases.get(case.id), "closed")
    reopened = act(qtbot, ctx_of(world.approver), closed.id, "reopen", password=PASSWORD, reason="回访发现仍漏雨")
    after = lg.cases.get(case.id)
    assert after.state == "in_progress" and after.closed_date is None
    assert "整改中" in reopened.title.text()
    assert any("回访发现仍漏雨" in row[4] for row in reopened.signoffs.rows)


def test_a_wrong_password_keeps_the_sign_off_dialog_open(qtbot, world, ctx_of):
    case = world.walk(world.register(), "pending_approval")
    dialog = CaseDialog(ctx_of(world.approver), case.id)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog.action_buttons["approve"])
    action = dialog.action_dialog
    fill(action, opinion="同意销号")
    qtbot.keyClicks(action.password, "wrong-password")
    submit(qtbot, action)
    assert action.isVisible()
    assert "密码" in action.message.text()
    assert action.editors.value("opinion") == "同意销号"
    assert world.ledger.cases.get(case.id).state == "pending_approval"


def test_a_conflicting_action_is_explained_and_the_input_kept(qtbot, world, ctx_of):
    lg = world.ledger
    case = world.register()
    dialog = CaseDialog(ctx_of(world.coordinator), case.id)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog.action_buttons["assign"])
    action = dialog.action_dialog
    fill(action, lead_department_id=world.slj_id, assisting_departments="县卫健局")
    lg.cases.update(world.clerk, case.id, case.version, {"remarks": "村里补充了情况"})  # someone else, meanwhile
    submit(qtbot, action)
    assert action.isVisible()
    assert "已被他人修改" in action.message.text() and "录入员小刘" in action.message.text()
    assert action.editors.value("lead_department_id") == world.slj_id
    assert action.editors.value("assisting_departments") == "县卫健局"
    submit(qtbot, action)  # the same input, now against the latest version
    assert not action.isVisible()
    after = lg.cases.get(case.id)
    assert (after.state, after.lead_department_id, after.remarks) == ("assigned", world.slj_id, "村里补充了情况")


def test_a_conflicting_edit_keeps_the_typed_fields(qtbot, world, ctx_of):
    lg = world.ledger
    case = world.register()
    dialog = CaseDialog(ctx_of(world.coordinator), case.id)
    qtbot.addWidget(dialog)
    dialog.show()
    remarks = dialog.editors.widgets["remarks"]
    remarks.setPlainText("户主外出务工，联系其子女")
    lg.cases.update(world.clerk, case.id, case.version, {"description": "房屋墙体开裂，已有危险"})
    click(qtbot, dialog.save_button)
    settled(qtbot, dialog)
    assert "已被他人修改" in dialog.basic_message.text()
    assert remarks.toPlainText() == "户主外出务工，联系其子女"
    click(qtbot, dialog.save_button)
    settled(qtbot, dialog)
    assert "已保存" in dialog.basic_message.text()
    after = lg.cases.get(case.id)
    assert after.remarks == "户主外出务工，联系其子女"
    assert after.description == "房屋墙体开裂，已有危险"  # the other edit survives


@pytest.mark.parametrize(
    ("who", "state", "expected"),
    [
        ("viewer", "registered", set()),
        ("clerk", "registered", set()),
        ("coordinator", "registered", {"assign", "void"}),
        ("officer", "assigned", {"accept"}),
        ("verifier", "pending_verification", {"verify", "return"}),
        ("approver", "pending_approval", {"approve", "return"}),
    ],
)
def test_action_buttons_follow_role_scope_and_state(qtbot, world, ctx_of, who, state, expected):
    case = world.walk(world.register(), state)
    dialog = CaseDialog(ctx_of(getattr(world, who)), case.id)
    qtbot.addWidget(dialog)
    assert set(dialog.action_buttons) == expected
    names = world.ledger.catalog.rules.actions
    assert sorted(b.text() for b in dialog.action_buttons.values()) == sorted(names[a].name + "…" for a in expected)


@pytest.mark.parametrize("who", ["auditor", "other_officer", "admin"])
def test_a_case_outside_the_users_scope_does_not_open(qtbot, world, ctx_of, who):
    """审计员 and 系统管理员 see no case data; another department's officer not this case."""
    case = world.walk(world.register(), "assigned")
    with pytest.raises(PermissionDenied, match="无权查看"):
        CaseDialog(ctx_of(getattr(world, who)), case.id)


def test_on_behalf_sign_off_needs_the_scanned_form(qtbot, world, ctx_of, tmp_path):
    lg = world.ledger
    case = world.walk(world.register(), "pending_approval")
    dialog = CaseDialog(ctx_of(world.approver), case.id)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog.action_buttons["approve"])
    action = dialog.action_dialog
    fill(action, opinion="同意销号")
    qtbot.keyClicks(action.password, PASSWORD)
    action.on_behalf.setChecked(True)
    action.signer.insert("王副县长")
    submit(qtbot, action)
    assert action.isVisible() and "签字表" in action.message.text()
    action.reject()
    form = tmp_path / "签字表.png"
    form.write_bytes(PNG + b"signed")
    lg.cases.add_evidence(world.officer, case.id, form, "signed_form")
    dialog.reload()
    settled(qtbot, dialog)
    click(qtbot, dialog.action_buttons["approve"])
    action = dialog.action_dialog
    fill(action, opinion="同意销号")
    qtbot.keyClicks(action.password, PASSWORD)
    action.on_behalf.setChecked(True)
    action.signer.insert("王副县长")
    assert action.form_evidence.currentData() is not None
    submit(qtbot, action)
    assert not action.isVisible(), action.message.text()
    signoff = lg.cases.get(case.id).signoffs[-1]
    assert (signoff.signer_name, signoff.on_behalf, signoff.recorded_by) == ("王副县长", True, "县审批人")
