"""No page reads the database on the GUI thread: every page's refresh (shown, refreshed after a
Change) goes through the operations thread (ui/ops.py), so the window never stands still on a query.
The SQL is caught where it runs, at SQLAlchemy's before_cursor_execute (tests/gui/guithread.py)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from ledger.dto import Change
from tests.gui.guithread import GuiThreadSql, settled
from ui.admin_page import AdminPage
from ui.case_form import NewCaseDialog
from ui.compare_page import ComparePage
from ui.dashboard import DashboardPage
from ui.dispatch_page import CutoffDialog, DispatchPage
from ui.exchange_page import ExchangePage
from ui.household_dialog import HouseholdDialog
from ui.households_page import HouseholdsPage
from ui.ledger_page import LedgerPage
from ui.letters_page import LettersPage
from ui.main_window import PAGES, MainWindow
from ui.publicity_page import PublicityPage, SettingsDialog
from ui.reports_page import ReportsPage

# Pages still allowed to read on the GUI thread when shown or refreshed, and why. Empty: none.
ALLOWED: dict[str, str] = {}

CLASSES = {
    "工作台": DashboardPage,
    "问题台账": LedgerPage,
    "农户档案": HouseholdsPage,
    "调度通报": DispatchPage,
    "督办函": LettersPage,
    "部门比对": ComparePage,
    "公示": PublicityPage,
    "报表中心": ReportsPage,
    "导入导出": ExchangePage,
    "系统管理": AdminPage,
}


def _second(combo) -> None:
    combo.setCurrentIndex(1 if combo.currentIndex() != 1 else 0)


# A filter changed on each page that has one: the page reads again, on the operations thread too.
FILTERS = {
    "工作台": lambda page: page.year_scope.choose(page.ctx.ledger.today().year),
    "问题台账": lambda page: _second(page.township),
    "农户档案": lambda page: _second(page.township),
    "调度通报": lambda page: _second(page.period_box),
    "督办函": lambda page: _second(page.state),
    "部门比对": lambda page: _second(page.states),
    "公示": lambda page: _second(page.kind),
    "系统管理": lambda page: page.refresh(),
}


def _late(sql: GuiThreadSql) -> list[tuple[str, str]]:
    return [(page, statement) for page, statement in sql.statements if page.split("（")[0] not in ALLOWED]


def test_no_page_reads_the_database_on_the_gui_thread(qtbot, world, ctx_of):
    w = world
    case = w.walk(w.register("house.c"), "in_progress")
    w.register("water.access")
    window = MainWindow(ctx_of(w.coordinator))
    qtbot.addWidget(window)
    window.show()
    settled(qtbot)  # start-up: the catalog is cached, the first page is read
    with GuiThreadSql(w.ledger.engine) as sql:
        for row, name in enumerate(PAGES):
            sql.page = name
            window.nav.setCurrentRow(row)
            settled(qtbot)
            sql.page = f"{name}（刷新）"
            window.ctx.notify(Change((case.id,), households=True, counts=True))
            settled(qtbot)
            if name in FILTERS:
                sql.page = f"{name}（筛选）"
                FILTERS[name](window.stack.currentWidget())
                settled(qtbot)
    assert not _late(sql), sql.report()


def test_no_page_reads_the_database_on_the_gui_thread_when_it_is_built(qtbot, world, ctx_of):
    """Pages are built on their first visit (ui/main_window.py): building one reads nothing either."""
    w = world
    ctx = ctx_of(w.coordinator)
    warm = LedgerPage(ctx)  # the catalog (cached for the ledger's life) is read once, as at start-up
    qtbot.addWidget(warm)
    settled(qtbot)
    built = []  # held to the end, then deleted here on the GUI thread (never by a collector elsewhere)
    with GuiThreadSql(w.ledger.engine) as sql:
        for name, cls in CLASSES.items():
            sql.page = f"{name}（新建）"
            page = cls(ctx)
            built.append(page)
            page.show()
            settled(qtbot)
    for page in built:
        page.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not _late(sql), sql.report()


def _accept_when_shown(kind: type, fill=lambda dialog: None) -> QTimer:
    """Accept the next dialog of `kind` a page opens (after `fill`), as a clerk clicking 确定 would."""

    def look() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, kind) and widget.isVisible():
                fill(widget)
                widget.accept()

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(20)
    return timer


def test_no_page_action_writes_on_the_gui_thread(qtbot, world, ctx_of, answer_boxes, tmp_path):
    """The pages' own buttons (issue 17: every database call from the window through the op layer):
    确认本期进度, the cut-off and its dialog, 印发通报, 公示设置 and its dialog, account changes, 新建账号
    (its password hashed), 显示完整号码 — each writes (or reads what its dialog shows) on the operations
    thread, and each still does what it did."""
    w = world
    w.walk(w.register("house.c"), "in_progress")
    household = w.household(head_name="赵铁柱")
    coordinator, admin = ctx_of(w.coordinator), ctx_of(w.admin)
    dispatch, publicity, accounts = DispatchPage(coordinator), PublicityPage(coordinator), AdminPage(admin)
    households = HouseholdsPage(coordinator)  # the 统筹员 holds 查看完整号码
    for page in (dispatch, publicity, accounts, households):
        qtbot.addWidget(page)
        page.show()
    accounts.refresh()
    settled(qtbot)
    with GuiThreadSql(w.ledger.engine) as sql:
        sql.page = "调度通报（确认本期进度）"
        dispatch.view.selectRow(0)
        dispatch.confirm(ask=False)
        settled(qtbot)
        sql.page = "调度通报（截止时间设置）"
        timer = _accept_when_shown(CutoffDialog, lambda d: d.weekday.setCurrentIndex(4))
        dispatch.settings_button.click()
        settled(qtbot)
        timer.stop()
        sql.page = "调度通报（印发通报）"
        dispatch.issue(str(tmp_path / "通报.pdf"))
        settled(qtbot)
        sql.page = "公示（公示设置）"
        timer = _accept_when_shown(SettingsDialog, lambda d: d.spins["house"].setValue(5))
        publicity.settings_button.click()
        settled(qtbot)
        timer.stop()
        sql.page = "系统管理（停用账号）"
        accounts.select_account("ck1")
        accounts.toggle_active()
        settled(qtbot)
        sql.page = "系统管理（重置密码）"
        accounts.select_account("luru")
        accounts.reset_password("Reset#2026x")
        settled(qtbot)
        sql.page = "系统管理（新建账号）"
        accounts.new_button.click()
        settled(qtbot)
        dialog = accounts.user_dialog
        assert dialog is not None
        dialog.username.setText("xinzhang")
        dialog.display.setText("新账号")
        dialog.password.setText("New#2026acct")
        dialog.password2.setText("New#2026acct")
        dialog.roles["viewer"].setChecked(True)
        dialog.submit()
        settled(qtbot)
        sql.page = "农户档案（显示完整号码）"
        households.search.setText("赵铁柱")
        households.apply()
        settled(qtbot)
        households.reveal("入户核实身份")
        settled(qtbot)
        sql.page = "农户档案（修改档案）"
        record = HouseholdDialog(coordinator, household.id)
        qtbot.addWidget(record)
        settled(qtbot)
        record.people.setValue(4)
        record.save_household()
        settled(qtbot)

        def add_member(form):
            form.name.setText("赵小燕")
            form.relation.setCurrentText("女")
            form.submit()
            settled(qtbot)

        record.edit_member(None, add_member)
        settled(qtbot)
        sql.page = "问题台账（按列排序）"
        ledger = LedgerPage(coordinator)
        qtbot.addWidget(ledger)
        ledger.show()
        settled(qtbot)
        ledger._header_clicked(next(i for i, c in enumerate(ledger.model.columns) if c.key == "deadline"))
        settled(qtbot)
        sorted_deadlines = [r.deadline for r in ledger.model._blocks[0] if r.deadline]
        sql.page = "登记问题（身份证号查找、同类核对、保存）"
        form = NewCaseDialog(ctx_of(w.clerk))
        qtbot.addWidget(form)
        form.id_number.setText(household.head_id_number)
        settled(qtbot)
        form.select_subcategory("house.c")
        form.description.insertPlainText("屋顶漏雨")
        settled(qtbot)
        created = []
        form.created.connect(created.append)
        form.submit()
        settled(qtbot)
    assert not sql.statements, sql.report()
    assert ledger.model.sort_key == "deadline" and sorted_deadlines == sorted(sorted_deadlines)
    assert "已建档农户：赵铁柱" in form.id_status.text() and created and created[0].case.household.id == household.id
    assert record.saved is not None and record.saved.size == 4
    assert [m.name for m in record.member_rows] == ["赵小燕"]
    assert dispatch.confirmed is not None and "周五" in dispatch.cutoff_label.text()
    assert any("未到，不能印发通报" in t for t in answer_boxes), answer_boxes  # the service's answer, shown
    assert w.ledger.publicity.settings().category_days.get("house") == 5
    assert w.ledger.users.authenticate("luru", "Reset#2026x").username == "luru"
    assert "ck1" in {a.username for a, active in accounts.accounts if not active}
    assert w.ledger.users.authenticate("xinzhang", "New#2026acct").display_name == "新账号"
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert households.revealed is not None and households.revealed[0] == household.head_id_number
