"""农户档案 as a register (issue 15 item 2), through the real widgets offscreen: the households page
filters by tag and offers 修改档案 only to those who may edit; the dialog saves the household's
fields, adds/edits/removes members, adds a tag and ends it (风险消除), shows each in the 变更历史 —
and a refused change leaves what was typed in place. The ledger page filters by tag, and the
dashboard's tag line opens the ledger on the open cases of that tag."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate

from ledger import CaseFilter
from ledger.verify import verify_ledger
from ledger.workflow import OPEN_STATES
from tests.gui.guithread import settled
from tests.world import fresh_id_number
from ui.dashboard import DashboardPage
from ui.household_dialog import EndTagDialog, HouseholdDialog, MemberDialog, TagDialog
from ui.households_page import HouseholdsPage
from ui.ledger_page import LedgerPage


@pytest.fixture
def register(world):
    w = world
    w.extra["poor"] = w.household(head_name="李春生", kind="脱贫户")
    w.extra["plain"] = w.household(head_name="赵秋云", kind="一般农户")
    for h in (w.extra["poor"], w.extra["plain"]):
        w.register(household=h)
    return w


def page_for(qtbot, ctx, w) -> HouseholdsPage:
    page = HouseholdsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.apply()
    settled(qtbot)  # the list and the chosen household are read on the operations thread
    return page


def test_edit_household_members_and_tags_through_the_dialog(qtbot, register, ctx_of):
    w, lg = register, register.ledger
    page = page_for(qtbot, ctx_of(w.coordinator), w)
    assert page.edit_button.isVisible()
    page.tag.setCurrentIndex(page.tag.findData("脱贫户"))
    settled(qtbot)
    assert page.model.rowCount() == 1 and page.model.row(0).head_name == "李春生"
    assert "标签：脱贫户" in page.detail.text()

    dialogs: list[HouseholdDialog] = []
    page.edit(before_show=dialogs.append)
    dialog = dialogs[0]
    qtbot.addWidget(dialog)
    settled(qtbot)  # the dialog reads the record on the operations thread
    assert dialog.head_name.text() == "李春生" and "*" in dialog.id_label.text()

    # a bad phone is refused in the dialog, and what was typed stays
    dialog.people.setValue(5)
    dialog.phone.setText("12ab")
    dialog.save_household()  # written on the operations thread
    settled(qtbot)
    assert dialog.saved is None and "联系电话格式不正确" in dialog.message.text()
    assert dialog.people.value() == 5 and dialog.phone.text() == "12ab"
    dialog.phone.setText("13912345678")
    dialog.kind.setCurrentIndex(dialog.kind.findData("边缘易致贫户"))
    dialog.save_household()
    settled(qtbot)
    saved = dialog.saved
    assert saved is not None and (saved.size, saved.kind, saved.phone) == (5, "边缘易致贫户", "13912345678")
    assert dialog.phone.text() == "" and "139****5678" in dialog.phone.placeholderText()
    settled(qtbot)
    assert [t.label for t in dialog.tag_rows] == ["脱贫户", "监测对象（边缘易致贫户）"]
    assert "户类型：脱贫户 → 边缘易致贫户" in dialog.history.rows[0][3]

    # a member added, then edited, then removed
    def fill_member(d):
        assert isinstance(d, MemberDialog)
        d.name.setText("李小雨")
        d.id_number.setText(fresh_id_number("20160709"))
        d.relation.setCurrentText("女")
        d.health.setText("视力残疾")
        d.submit()
        settled(qtbot)

    dialog.edit_member(None, fill_member)
    settled(qtbot)
    assert [(m.name, m.relation, m.health) for m in dialog.member_rows] == [("李小雨", "女", "视力残疾")]
    dialog.members_view.selectRow(0)

    def rename(d):
        d.name.setText("")  # refused: the dialog stays open with its message
        d.submit()
        settled(qtbot)
        assert "姓名不能为空" in d.message.text() and not d.result()
        d.name.setText("李晓雨")
        d.submit()
        settled(qtbot)

    dialog.edit_member(dialog.member_rows[0], rename)
    settled(qtbot)
    assert dialog.members.rows[0][0] == "李晓雨"

    # a tag with its 风险类型, then 风险消除
    def fill_tag(d):
        assert isinstance(d, TagDialog)
        d.tag.setCurrentIndex(d.tag.findData("低保户"))
        assert not d.subtype.isEnabled() and not d.risks["因病"].isEnabled()
        d.tag.setCurrentIndex(d.tag.findData("监测对象"))  # already held: refused in place
        d.subtype.setCurrentIndex(d.subtype.findData("突发严重困难户"))
        d.risks["因病"].setChecked(True)
        d.submit()
        settled(qtbot)
        assert "同一标签不能同时有两个" in d.message.text()
        d.tag.setCurrentIndex(d.tag.findData("低保户"))
        d.start.setDate(QDate(2026, 3, 1))
        d.submit()
        settled(qtbot)

    dialog.add_tag(fill_tag)
    settled(qtbot)
    assert [t.label for t in dialog.tag_rows if t.active] == ["脱贫户", "低保户", "监测对象（边缘易致贫户）"]
    row = next(i for i, t in enumerate(dialog.tag_rows) if t.tag == "监测对象")
    dialog.tags_view.selectRow(row)

    def end(d):
        assert isinstance(d, EndTagDialog)
        d.reason.setCurrentText("风险消除")
        d.submit()
        settled(qtbot)

    dialog.end_tag(end)
    settled(qtbot)
    ended = next(t for t in dialog.tag_rows if t.tag == "监测对象")
    assert ended.end_date == lg.today() and not ended.active
    assert dialog.history.rows[0][2] == "修改农户标签" and "风险消除" in dialog.history.rows[0][3]

    dialog.members_view.selectRow(0)
    dialog.remove_member(confirmed=True)
    settled(qtbot)
    assert dialog.member_rows == []
    actions = [r[2] for r in dialog.history.rows]
    assert actions[:5] == ["移除家庭成员", "修改农户标签", "修改农户标签", "修改家庭成员", "添加家庭成员"]
    assert verify_ledger(lg).ok
    # the page shows the household as it is now
    assert page.model.row(0).tags == "脱贫户、低保户"


def test_read_only_users_see_no_edit_button(qtbot, register, ctx_of):
    w = register
    for actor in (w.viewer, w.approver, w.officer):
        page = page_for(qtbot, ctx_of(actor), w)
        assert not page.edit_button.isVisible()
    page = page_for(qtbot, ctx_of(w.verifier), w)  # 城关镇's households are the verifier's to edit
    assert page.edit_button.isVisible() and page.edit_button.isEnabled()


def test_ledger_page_and_dashboard_filter_by_tag(qtbot, register, ctx_of):
    w, lg = register, register.ledger
    ctx = ctx_of(w.coordinator)
    ledger = LedgerPage(ctx)
    qtbot.addWidget(ledger)
    ledger.tag.setCurrentIndex(ledger.tag.findData("脱贫户"))
    settled(qtbot)  # the list is read on the operations thread
    assert ledger.case_filter().tag == "脱贫户"
    assert ledger.model.rowCount() == 1 == lg.queries.count(CaseFilter(tag="脱贫户"))
    ledger.tag.setCurrentIndex(ledger.tag.findData("监测对象|边缘易致贫户"))
    settled(qtbot)
    assert (ledger.case_filter().tag, ledger.case_filter().tag_subtype) == ("监测对象", "边缘易致贫户")
    assert ledger.model.rowCount() == 0

    dash = DashboardPage(ctx)
    qtbot.addWidget(dash)
    dash.refresh()  # the tag figures are counted on a worker thread
    qtbot.waitUntil(lambda: bool(dash.tag_figures), timeout=10_000)
    text = dash.tag_line.text()
    assert "<b>脱贫户</b> 1 户" in text and "<b>监测对象</b> 0 户" in text and "低保户" not in text
    opened: list[tuple[CaseFilter, str]] = []
    dash.open_filter.connect(lambda f, caption: opened.append((f, caption)))
    dash.tag_line.linkActivated.emit("脱贫户")
    f, caption = opened[0]
    assert f.tag == "脱贫户" and set(f.states) == set(OPEN_STATES) and caption == "脱贫户的未销号问题"
    ledger.open_with(f, caption)
    settled(qtbot)
    assert ledger.tag.currentData() == "脱贫户"
    assert ledger.model.rowCount() == dash.tag_figures["脱贫户"].open_cases == 1
