"""The new-case form registers a village's own problem (村级问题) and a problem naming a family
member (涉及成员); the ledger list shows who each problem is about (issue 15, item 3)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.gui.guithread import settled
from tests.world import fresh_id_number
from ui.case_form import NewCaseDialog
from ui.ledger_page import LedgerPage


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_village_problem_through_the_form(qtbot, world, ctx_of):
    lg = world.ledger
    form = NewCaseDialog(ctx_of(world.clerk))
    qtbot.addWidget(form)
    form.show()
    form.choose_village_level(True)
    assert form.village_box.isVisible() and not form.household_part.isVisible()
    assert not form.member.isVisible()
    # only the categories and subcategories a village may have
    categories = {form.category.itemData(i) for i in range(1, form.category.count())}
    assert categories == {"med", "water"}
    form.select_subcategory("water.pipes")
    subs = {form.subcategory.itemData(i) for i in range(1, form.subcategory.count())}
    assert "water.pipes" in subs and "water.quality" in subs and "water.access" in subs
    form.select_village(world.village_id)
    form.description.insertPlainText("村东主管网老化，年久漏水")
    assert form.save_button.isEnabled(), form.save_button.toolTip()
    created = []
    form.created.connect(created.append)
    click(qtbot, form.save_button)
    settled(qtbot)  # written on the operations thread
    assert created, form.message.text()
    case = lg.cases.get(created[0].case.id)
    assert case.household is None and case.village_id == world.village_id
    assert case.subject == "村级（东关村）"

    # a second one of the same kind in the same village: warned, as for a household
    again = NewCaseDialog(ctx_of(world.clerk))
    qtbot.addWidget(again)
    again.choose_village_level(True)
    again.select_village(world.village_id)
    again.select_subcategory("water.pipes")
    settled(qtbot)  # checked on the operations thread
    assert "该村已有同类未销号的村级问题" in again.duplicate_warning.text()
    assert case.number in again.duplicate_warning.text()
    # back to 农户问题: the village-only subcategory is not offered
    again.choose_village_level(False)
    offered = {again.subcategory.itemData(i) for i in range(again.subcategory.count())}
    assert "water.pipes" not in offered and "med.clinic" not in offered
    assert lg.audit.verify().ok


def test_a_member_problem_through_the_form_and_the_list(qtbot, world, ctx_of):
    lg = world.ledger
    child = fresh_id_number("20140302")
    household = world.household(
        head_name="张三", members=[("李桂兰", fresh_id_number("19750101"), "配偶"), ("张小明", child, "子")]
    )
    form = NewCaseDialog(ctx_of(world.clerk))
    qtbot.addWidget(form)
    form.show()
    assert not form.member.isEnabled()  # no household yet
    form.id_number.setText(household.head_id_number)
    settled(qtbot)
    assert "已建档农户：张三" in form.id_status.text()
    assert form.member.isEnabled() and form.member.count() == 3  # 全户 and two members
    assert child not in form.member.itemText(2)  # the ID is masked in the list
    form.select_member("张小明")
    form.select_subcategory("edu.dropout")
    form.description.insertPlainText("初二辍学在家")
    created = []
    form.created.connect(created.append)
    click(qtbot, form.save_button)
    settled(qtbot)
    assert created, form.message.text()
    case = lg.cases.get(created[0].case.id)
    assert case.member_name == "张小明" and case.subject == "张三（张小明）"

    village = world.register(
        "med.clinic", household=None, household_id=None, village_id=world.village_id, description="无合格村医"
    )
    page = LedgerPage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    page.show()
    model = page.model
    page.apply()
    settled(qtbot)  # the list is read on the operations thread
    keys = [c.key for c in model.columns]
    head, number = keys.index("head"), keys.index("number")
    shown = {model.index(r, number).data(): model.index(r, head).data() for r in range(model.rowCount())}
    assert shown[case.number] == "张三（张小明）"
    assert shown[village.number] == "村级"
    tips = {
        model.index(r, number).data(): model.index(r, head).data(Qt.ItemDataRole.ToolTipRole)
        for r in range(model.rowCount())
    }
    assert tips[case.number] == "户主张三，涉及成员张小明"
    assert tips[village.number] == "村级问题（东关村），不属于某一农户"
