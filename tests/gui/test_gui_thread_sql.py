"""No page reads the database on the GUI thread: every page's refresh (shown, refreshed after a
Change) goes through the operations thread (ui/ops.py), so the window never stands still on a query.
The SQL is caught where it runs, at SQLAlchemy's before_cursor_execute (tests/gui/guithread.py)."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QPlainTextEdit, QPushButton

from ledger.dto import Change
from tests.gui.guithread import GuiThreadSql, settled
from tests.world import PASSWORD, PNG
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
from ui.models import WindowedModel
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


def _forget_blocks(model: WindowedModel) -> None:
    """Keep the first block only, as on a 1,000,000-case ledger where most rows were never loaded."""
    for number in list(model._blocks):
        if number:
            del model._blocks[number]


def _act(qtbot, dialog, action: str, password: str | None = None, **texts: str) -> None:
    """A workflow action in the case window: its button, the fields typed, 确定; on the operations thread."""
    dialog.action_buttons[action].click()
    form = dialog.action_dialog
    for field, text in texts.items():
        editor = form.editors.widgets[field]
        (editor.setPlainText if isinstance(editor, QPlainTextEdit) else editor.setText)(text)
    if password is not None:
        form.password.setText(password)
    form.submit()
    settled(qtbot)
    assert not form.isVisible(), form.message.text()


def test_the_case_window_and_the_selection_read_and_write_off_the_gui_thread(
    qtbot, world, ctx_of, answer_boxes, tmp_path, monkeypatch
):
    """What a clerk presses after the pages are read (issue 17): the main window opened, a case opened
    from the ledger with Enter, its tabs, an edit, a progress note and each step of the workflow, an
    evidence file added, chosen, opened and its hash checked; Ctrl+A over the ledger then 导出所选,
    打印所选 and 批量交办 with most rows never loaded; the last household of the list; a 一户一档
    rendered, a workbook exported, a backup and a full check. None of it runs SQL on the GUI thread,
    and each still does what it did."""
    w = world
    # Blocks of two rows: a few cases make a ledger most of whose blocks are not loaded (_forget_blocks).
    monkeypatch.setattr(WindowedModel, "BLOCK", 2)
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    registered = [w.register("house.c") for _ in range(4)]
    case = registered[0]
    w.register("water.access")
    lg = w.ledger
    lg.cases.act(
        w.coordinator, case.id, "assign", expected_version=case.version, inputs={"lead_department_id": w.zjj_id}
    )
    households = lg.queries.household_count(visible_to=w.coordinator)
    last_household = lg.queries.household_page(visible_to=w.coordinator, offset=households - 1, limit=1)[0]
    busy: dict[str, bool] = {}  # whether the buttons were disabled while the answer was on its way
    lg.catalog.category_names  # noqa: B018 - cached for the ledger's life, read once at start-up (as above)

    def window_of(actor, step: str) -> MainWindow:
        sql.page = f"主窗口（{step}）"
        window = MainWindow(ctx_of(actor))
        qtbot.addWidget(window)
        window.show()
        settled(qtbot)
        return window

    def case_window(window: MainWindow):
        window.open_case(case.id)
        qtbot.waitUntil(lambda: case.id in window.case_windows, timeout=10_000)
        settled(qtbot)
        return window.case_windows[case.id]

    with GuiThreadSql(lg.engine) as sql:
        coordinator = window_of(w.coordinator, "县级统筹")
        sql.page = "问题台账（Enter 打开问题）"
        coordinator.nav.setCurrentRow(PAGES.index("问题台账"))
        settled(qtbot)
        page = coordinator.ledger_page
        page.view.setFocus()
        row = next(i for i in range(page.model.rowCount()) if (r := page.model.row(i)) and r.id == registered[1].id)
        page.view.setCurrentIndex(page.model.index(row, 0))
        qtbot.keyClick(page.view, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: registered[1].id in coordinator.case_windows, timeout=10_000)
        settled(qtbot)
        first = coordinator.case_windows[registered[1].id]
        for tab in range(first.tabs.count()):
            sql.page = f"问题窗口（{first.tabs.tabText(tab)}）"
            first.tabs.setCurrentIndex(tab)
            settled(qtbot)
        sql.page = "问题窗口（保存修改）"
        first.editors.widgets["remarks"].setPlainText("户主外出务工")
        first.save_button.click()
        settled(qtbot)
        sql.page = "问题窗口（添加进度）"
        first.note_text.setText("已联系户主")
        first.add_progress()
        settled(qtbot)
        sql.page = "问题窗口（刷新）"
        first.refresh_button.click()
        settled(qtbot)
        sql.page = "问题窗口（交办）"
        first.action_buttons["assign"].click()
        form = first.action_dialog
        form.editors.widgets["lead_department_id"].setCurrentIndex(
            form.editors.widgets["lead_department_id"].findData(w.zjj_id)
        )
        form.submit()
        settled(qtbot)

        officer = window_of(w.officer, "经办人")
        sql.page = "问题窗口（接收）"
        handled = case_window(officer)
        _act(qtbot, handled, "accept", responsible_person="李卫东")
        sql.page = "佐证材料（添加）"
        for kind in lg.catalog.subcategory("house.c").required_evidence:
            photo = tmp_path / f"{kind}.png"
            photo.write_bytes(PNG + kind.encode())
            handled.add_files([str(photo)], kind)
            settled(qtbot)
        sql.page = "佐证材料（选择）"
        handled.tabs.setCurrentIndex(2)
        handled.evidence_list.setCurrentRow(0)
        chosen = handled._evidence(handled.evidence_list.currentItem().data(Qt.ItemDataRole.UserRole))
        settled(qtbot)
        chosen_text = handled.evidence_detail.text()
        sql.page = "佐证材料（打开）"
        handled.evidence_list.setFocus()
        qtbot.keyClick(handled.evidence_list, Qt.Key.Key_Return)
        qtbot.keyClick(handled.evidence_list, Qt.Key.Key_Return)  # twice before the copy is made: opened once
        settled(qtbot)
        sql.page = "佐证材料（校验哈希）"
        check = next(b for b in handled.findChildren(QPushButton) if b.text() == "校验哈希")
        check.click()
        busy["校验哈希"] = not check.isEnabled()
        settled(qtbot)
        checked_text = handled.evidence_detail.text()
        sql.page = "问题窗口（提交核验）"
        _act(qtbot, handled, "submit", measures="加固后墙")
        sql.page = "问题窗口（核验）"
        _act(qtbot, case_window(window_of(w.verifier, "核验员")), "verify", PASSWORD, opinion="整改到位")
        sql.page = "问题窗口（审批销号）"
        _act(qtbot, case_window(window_of(w.approver, "审批人")), "approve", PASSWORD, opinion="同意销号")

        sql.page = "问题台账（全选、导出所选）"
        page.clear_filters()
        settled(qtbot)
        shown = page.model.rowCount()
        page.view.selectAll()
        _forget_blocks(page.model)
        page.export_selection(str(tmp_path / "所选.csv"))
        busy["导出所选"] = not page.assign_button.isEnabled()
        settled(qtbot)
        sql.page = "问题台账（打印所选）"
        _forget_blocks(page.model)
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "所选.pdf"))
        page.print_selection(printer)
        settled(qtbot)
        sql.page = "问题台账（批量交办）"
        _forget_blocks(page.model)
        page.bulk_assign()
        busy["批量交办"] = not page.assign_button.isEnabled()
        settled(qtbot)
        dialog = page.assign_dialog
        assert dialog is not None
        dialog.department.setCurrentIndex(dialog.department.findData(w.slj_id))
        qtbot.mouseClick(dialog.findChild(QDialogButtonBox).buttons()[0], Qt.MouseButton.LeftButton)
        settled(qtbot)

        sql.page = "农户档案（最后一户）"
        coordinator.nav.setCurrentRow(PAGES.index("农户档案"))
        settled(qtbot)
        people = coordinator.households
        _forget_blocks(people.model)
        people.view.setCurrentIndex(people.model.index(people.model.rowCount() - 1, 0))  # End, or a click
        settled(qtbot)
        sql.page = "报表中心（一户一档）"
        coordinator.nav.setCurrentRow(PAGES.index("报表中心"))
        settled(qtbot)
        reports = coordinator.reports
        reports.kinds.setCurrentRow(
            next(
                i
                for i in range(reports.kinds.count())
                if reports.kinds.item(i).data(Qt.ItemDataRole.UserRole) == "household"
            )
        )
        reports.id_number.setText(case.household.head_id_number)
        reports.target.setText(str(tmp_path / "一户一档.pdf"))
        made = reports.make_report()
        settled(qtbot)
        sql.page = "导入导出（导出）"
        coordinator.nav.setCurrentRow(PAGES.index("导入导出"))
        settled(qtbot)
        exporter = coordinator.exchange.exporter
        exporter.target.setText(str(tmp_path / "台账.xlsx"))
        exported = exporter.export()
        settled(qtbot)

        admin = window_of(w.admin, "系统管理员")
        sql.page = "系统管理（备份）"
        backed_up = admin.admin.backup(str(tmp_path / "备份.db"))
        settled(qtbot)
        sql.page = "系统管理（全面校验）"
        admin.admin.verify()
        settled(qtbot)
    assert not sql.statements, sql.report()

    assert (
        coordinator.windowTitle().endswith(lg.meta("county_name")) and admin.backup_label.text() != "最近备份：尚未备份"
    )
    assert busy == {"校验哈希": True, "导出所选": True, "批量交办": True}, busy
    after = lg.cases.get(case.id)
    assert after.state == "closed" and [s.meaning for s in after.signoffs] == ["核验", "审批"]
    edited = lg.cases.get(registered[1].id)
    assert edited.remarks == "户主外出务工" and [p.text for p in edited.progress] == ["已联系户主"]
    assert "SHA-256" in chosen_text and chosen.sha256 in chosen_text
    assert len(opened) == 1 and Path(opened[0]).read_bytes() == lg.cases.evidence_bytes(chosen.id)
    assert "校验通过" in checked_text
    with open(tmp_path / "所选.csv", encoding="utf-8-sig", newline="") as handle:
        numbers = [r[0] for r in list(csv.reader(handle))[1:]]
    every = [r.number for r in lg.queries.page(sort="number", descending=True, limit=100, f=page.model._seen())]
    assert numbers == every and len(numbers) == shown
    text = subprocess.run(["pdftotext", str(tmp_path / "所选.pdf"), "-"], capture_output=True, text=True).stdout
    assert f"所选 {shown} 个问题" in text and all(n in text for n in numbers), text
    still = [lg.cases.get(c.id) for c in registered[2:]]
    assert [(c.state, c.lead_department_id) for c in still] == [("assigned", w.slj_id)] * len(still)
    assert edited.state == "assigned" and edited.lead_department_id == w.zjj_id  # 交办 in its own window first
    assert people.household_id == last_household.id
    assert made is True and (tmp_path / "一户一档.pdf").stat().st_size > 0
    assert exported is True and (tmp_path / "台账.xlsx").stat().st_size > 0
    assert backed_up is True and "✓" in admin.admin.status.text()
    assert not answer_boxes, answer_boxes
