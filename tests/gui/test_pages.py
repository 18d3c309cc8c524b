"""The main window's pages on a real ledger: models pass qtmodeltester, the dashboard's numbers open
the ledger filtered to them, search, sort, columns and saved filters, bulk 交办, export and print of
a selection, households, the new-case form's live checks, background work, keyboard and layout."""

from __future__ import annotations

import csv
import subprocess
import threading
import time

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QProgressDialog

from ledger import CaseFilter
from ledger.services.backup import verify_backup
from tests.gui.guithread import refused_once, settled
from tests.world import fresh_id_number, prepared
from ui.case_form import NewCaseDialog
from ui.main_window import PAGES, MainWindow
from ui.models import CASE_COLUMNS, CaseTableModel, HouseholdTableModel, ListTableModel, WindowedModel, count_text
from ui.ops import background, ops
from ui.tasks import run_with_progress
from ui.widgets import make_table, selected_spans


def _busy(w):
    """A small ledger with cases in several states, two townships and two departments."""
    other_village = w.ledger.catalog.villages(w.other_township_id)[0].id
    w.extra["far"] = w.household(head_name="欧阳春花", village_id=other_village)
    made = []
    for i in range(12):
        household = w.extra["far"] if i % 4 == 0 else None
        case = w.register("water.access" if i % 3 == 0 else "house.c", household=household)
        made.append(w.walk(case, ["registered", "assigned", "in_progress", "closed"][i % 4]))
    w.extra["cases"] = made


@pytest.fixture
def world(tmp_path, clock):
    """This file's world has the busy ledger's cases (made once a session, copied for each test)."""
    w, _ = prepared("test_pages.busy", tmp_path, clock, _busy)
    yield w
    w.ledger.close()


@pytest.fixture
def busy(world):
    return world


@pytest.fixture
def window(qtbot, busy, ctx_of):
    win = MainWindow(ctx_of(busy.coordinator))
    qtbot.addWidget(win)
    win.show()
    settled(qtbot)  # the pages read on the operations thread
    return win


@pytest.mark.parametrize("kind", ["cases", "cases_sorted", "households", "list"])
def test_every_model_passes_qtmodeltester(busy, qtmodeltester, kind):
    # `busy` comes first so the models it keeps outlive the tester's teardown
    if kind.startswith("cases"):
        model = CaseTableModel(busy.ledger)
        model.reload()
        if kind == "cases_sorted":
            model.sort(next(i for i, c in enumerate(model.columns) if c.key == "deadline"))
    elif kind == "households":
        model = HouseholdTableModel(busy.ledger)
        model.reload()
    else:
        model = ListTableModel(["甲", "乙"])
        model.set_rows([("1", "2"), ("3", None)])
    busy.extra["model"] = model
    assert model.rowCount() > 0
    qtmodeltester.check(model, force_py=True)


def test_windowed_model_reads_the_first_block_at_once_and_the_rest_on_the_operations_thread(qtbot, busy):
    model = CaseTableModel(busy.ledger)
    model.BLOCK = 5
    with qtbot.waitSignal(model.counted, timeout=10_000):
        model.reload()
        # the first screen at once; the count of a long list follows from the operations thread
        assert model.rowCount() == 5 and not model.exact and list(model._blocks) == [0]
    assert model.rowCount() == 12 and model.exact
    truth = busy.ledger.queries.page(CaseFilter(), sort="number", descending=True, limit=12)
    deep = model.index(11, 0)
    with qtbot.waitSignal(model.dataChanged, timeout=10_000) as changed:
        assert model.data(deep) is None  # not read yet: blank, and asked for, never read on this thread
        assert list(model._blocks) == [0]
    assert changed.args[0].row() == 10 and changed.args[1].row() == 11
    assert model.data(deep) == truth[11].number and list(model._blocks) == [0, 2]
    # row(): the loaded rows only, never a read on this thread
    assert [r.id if (r := model.row(i)) else None for i in range(12)] == [
        r.id if i // 5 != 1 else None for i, r in enumerate(truth)
    ]
    # rows_reader: a selection's rows, those of the loaded blocks as shown, the others read (on the
    # operations thread in the window) with one query a span, spans less than a block apart joined
    asked: list[tuple[int, int]] = []
    page = busy.ledger.queries.page
    busy.ledger.queries.page = lambda *a, offset, limit, **k: (
        asked.append((offset, limit)) or page(*a, offset=offset, limit=limit, **k)
    )

    def read(*spans: tuple[int, int]) -> list:
        asked.clear()
        return model.rows_reader(spans)()

    try:
        assert read((0, 11)) == truth and asked == [(5, 5)]  # blocks 0 and 2 loaded
        assert read((9, 9), (1, 1), (6, 7), (7, 7)) == [truth[i] for i in (1, 6, 7, 9)] and asked == [(6, 4)]
        model._keep(1, truth[5:10])
        for number in (0, 2):
            del model._blocks[number]  # block 1 alone loaded: rows 0–4 and 10–11 read with one query
        assert read((0, 11)) == truth and asked == [(0, 12)]
        assert read((1, 1), (3, 3)) == [truth[1], truth[3]] and asked == [(1, 3)]
        assert read((1, 1), (11, 11)) == [truth[1], truth[11]] and asked == [(1, 1), (11, 1)]
    finally:
        del busy.ledger.queries.page


def test_selecting_every_row_does_not_make_the_table_ask_the_model_about_each_row(qtbot):
    """Ctrl+A selects one range; the header's repaint used to ask whether each of its columns was
    selected, which Qt answers by looking at every row (~0.4 s of the GUI thread at 20,000 cases)."""

    class Long(WindowedModel):  # 100,000 blank rows: the count alone matters here
        asked = 0

        def rowCount(self, parent=QModelIndex()):  # noqa: B008 - Qt's signature
            Long.asked += 1
            return super().rowCount(parent)

        def _reader(self):
            return lambda offset, limit: []

    model = Long(CASE_COLUMNS)
    model._count = 100_000
    view = make_table(model)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    Long.asked = 0
    view.selectAll()
    view.repaint()
    view.horizontalHeader().repaint()
    QApplication.processEvents()
    assert selected_spans(view) == [(0, 99_999)]
    assert Long.asked < 1000, Long.asked


def test_a_filter_short_of_a_block_is_counted_from_its_first_block(busy):
    model = CaseTableModel(busy.ledger)
    model.reload()
    assert model.exact and model.rowCount() == 12 == busy.ledger.queries.count(CaseFilter())


def test_dashboard_tiles_open_the_ledger_filtered_to_their_number(qtbot, window, busy):
    dash = window.dashboard
    assert window.stack.currentWidget() is dash
    counts = busy.ledger.queries.dashboard()
    assert dash._tiles["total"].value.text() == f"{counts.total:,}"
    assert dash._tiles["closed"].value.text() == str(counts.by_state["closed"])
    assert dash._tiles["rate"].value.text() == f"{counts.closure_rate:.1%}"
    qtbot.mouseClick(dash._tiles["closed"], Qt.MouseButton.LeftButton)
    settled(qtbot)
    page = window.ledger_page
    assert window.stack.currentWidget() is page
    assert page.model.rowCount() == counts.by_state["closed"] == 3
    assert {page.model.row(i).state for i in range(3)} == {"closed"}
    assert "已销号：共 3 个问题" in page.summary.text()
    # 待我处理 of the coordinator: the registered cases, waiting for 交办
    assert dash.tasks.rowCount() == counts.by_state["registered"]
    assert dash.township_chart.bars and dash.category_chart.bars


def test_search_filters_sorting_and_columns(qtbot, window, busy):
    window.nav.setCurrentRow(PAGES.index("问题台账"))
    page = window.ledger_page
    page.search.setText("欧阳")
    page.apply()
    settled(qtbot)
    assert page.model.rowCount() == 3
    assert {page.model.row(i).head_name for i in range(3)} == {"欧阳春花"}
    page.clear_filters()
    settled(qtbot)
    assert page.model.rowCount() == 12
    page.township.setCurrentIndex(page.township.findData(busy.other_township_id))
    settled(qtbot)
    assert page.model.rowCount() == 3
    page.clear_filters()
    page.state.setCurrentIndex(page.state.findData("in_progress"))
    settled(qtbot)
    assert page.model.rowCount() == 3
    page.clear_filters()
    settled(qtbot)
    deadline_column = next(i for i, c in enumerate(page.model.columns) if c.key == "deadline")
    page._header_clicked(deadline_column)
    settled(qtbot)  # the rows in the new order are read on the operations thread
    deadlines = [page.model.row(i).deadline for i in range(12) if page.model.row(i).deadline]
    assert page.model.sort_key == "deadline" and not page.model.descending
    assert deadlines == sorted(deadlines)
    page._header_clicked(deadline_column)
    settled(qtbot)
    assert page.model.descending
    desc = [page.model.row(i).deadline for i in range(12) if page.model.row(i).deadline]
    assert desc == sorted(deadlines, reverse=True)
    village_column = next(i for i, c in enumerate(page.model.columns) if c.key == "village")
    page._header_clicked(village_column)
    assert page.model.sort_key == "deadline" and "不能排序" in page.summary.text()
    page._set_column_visible(village_column, False)
    page.save_current_filter("城关镇在办")
    assert "城关镇在办" in page.saved_filters()
    id_column = next(i for i, c in enumerate(page.model.columns) if c.key == "id_number")
    for row in range(page.model.rowCount()):
        assert "*" in page.model.data(page.model.index(row, id_column))  # ID numbers masked in the list


def test_layout_filters_and_saved_filters_survive_a_restart(qtbot, busy, ctx_of):
    first = MainWindow(ctx_of(busy.coordinator))
    qtbot.addWidget(first)
    first.show()
    page = first.ledger_page
    first.nav.setCurrentRow(PAGES.index("问题台账"))
    settled(qtbot)
    village_column = next(i for i, c in enumerate(page.model.columns) if c.key == "village")
    page._set_column_visible(village_column, False)
    page.view.setColumnWidth(0, 333)
    page.state.setCurrentIndex(page.state.findData("assigned"))
    page.save_current_filter("已交办")
    settled(qtbot)
    first.close()
    second = MainWindow(ctx_of(busy.coordinator))
    qtbot.addWidget(second)
    settled(qtbot)
    page2 = second.ledger_page
    assert second.stack.currentWidget() is page2
    assert page2.view.isColumnHidden(village_column)
    assert page2.view.columnWidth(0) == 333
    assert page2.state.currentData() == "assigned" and page2.model.rowCount() == 3
    assert page2.saved.findData("已交办") > 0


def test_bulk_assign_export_and_print_of_a_selection(qtbot, window, busy, tmp_path):
    page = window.ledger_page
    window.nav.setCurrentRow(PAGES.index("问题台账"))
    page.state.setCurrentIndex(page.state.findData("registered"))
    settled(qtbot)
    assert page.model.rowCount() == 3
    page.view.selectAll()
    assert "已选 3 个" in page.summary.text()
    target = tmp_path / "所选.csv"
    page.export_selection(str(target))  # the rows are read and written on the operations thread
    settled(qtbot)
    assert page.exported == target
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][0] == "问题编号" and len(rows) == 4
    id_column = rows[0].index("身份证号")
    assert all("*" in r[id_column] for r in rows[1:])  # masked
    assert rows[0][rows[0].index("问题类别") + 1] == "问题子类"
    assert {r[rows[0].index("问题类别")] for r in rows[1:]} <= set(busy.ledger.catalog.category_names.values())
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    pdf = tmp_path / "所选.pdf"
    printer.setOutputFileName(str(pdf))
    page.print_selection(printer)
    settled(qtbot)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "问题整改台账" in text, text
    assert all(r[0] in text for r in rows[1:]), text

    page.bulk_assign()
    settled(qtbot)  # the selection is read on the operations thread, then the dialog opens
    dialog = page.assign_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.department.setCurrentIndex(dialog.department.findData(busy.slj_id))
    qtbot.mouseClick(dialog.findChild(QDialogButtonBox).buttons()[0], Qt.MouseButton.LeftButton)
    assert "已交办 3 个问题" in page.summary.text()
    settled(qtbot)
    for row in rows[1:]:
        case = next(c for c in busy.extra["cases"] if c.number == row[0])
        after = busy.ledger.cases.get(case.id)
        assert (after.state, after.lead_department_id) == ("assigned", busy.slj_id)
    assert page.model.rowCount() == 0  # the list refreshed: none registered any more


def test_households_page_shows_members_and_every_case(qtbot, window, busy):
    window.nav.setCurrentRow(PAGES.index("农户档案"))
    page = window.households
    page.search.setText("欧阳")
    page.apply()
    settled(qtbot)
    assert page.model.rowCount() == 1
    assert "欧阳春花" in page.detail.text()
    assert page.cases.rowCount() == 3
    found = [page.cases.row(i).found_date for i in range(3)]
    assert found == sorted(found, reverse=True)
    page.search.setText(busy.extra["far"].head_id_number)
    page.apply()
    settled(qtbot)
    assert page.model.rowCount() == 1


def test_new_case_form_checks_as_the_user_types(qtbot, busy, ctx_of):
    form = NewCaseDialog(ctx_of(busy.clerk))
    qtbot.addWidget(form)
    form.show()
    good = fresh_id_number("19790101")
    qtbot.keyClicks(form.id_number, good[:10])
    assert "已输入 10 位" in form.id_status.text()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    form.id_number.setText(wrong)
    assert "校验位错误" in form.id_status.text() and not form.save_button.isEnabled()
    form.id_number.setText(good[:6] + "19791332" + good[14:])
    assert "出生日期" in form.id_status.text()
    far = busy.extra["far"]
    form.id_number.setText(far.head_id_number.lower())
    assert "正在查找" in form.id_status.text()  # looked up on the operations thread
    settled(qtbot)
    assert "已建档农户：欧阳春花" in form.id_status.text()
    assert not form.household_box.isEnabled()
    form.select_subcategory("water.access")
    settled(qtbot)
    # 欧阳春花 has an open water.access case (case 0 is registered, water.access)
    assert "该户已有同类未销号问题" in form.duplicate_warning.text()
    form.select_subcategory("edu.aid")
    settled(qtbot)
    assert form.duplicate_warning.text() == ""


def test_long_work_runs_off_the_gui_thread_and_can_be_cancelled(qtbot):
    gui_thread = threading.get_ident()
    seen = {}

    def work(progress, cancelled):
        seen["thread"] = threading.get_ident()
        for i in range(500):
            if cancelled():
                return "stopped"
            progress(i, 500)
            time.sleep(0.002)
        return "finished"

    ok, result = run_with_progress(None, "测试", "进行中…", work)
    assert (ok, result) == (True, "finished") and seen["thread"] != gui_thread

    results = []
    job = ops().start(work, results.append)
    assert job.running
    qtbot.waitUntil(lambda: job.started and job.counts[0] > 0, timeout=5000)  # read, not signalled
    assert job.counts[1] == 500 and not job.cancelled
    job.cancel()
    qtbot.waitUntil(lambda: results == ["stopped"], timeout=5000)
    assert job.cancelled and not job.running and job.counts[0] < 499


def test_a_cancelled_progress_dialog_stays_until_the_work_has_returned(qtbot):
    """Queued behind another operation the dialog says so; a cancel (its button, Esc, the close
    button) asks the work to stop and says so, and the dialog stays until the work has returned."""
    gate, release = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def work(progress, cancelled):
        progress(1, 10)
        while not cancelled():
            time.sleep(0.005)
        release.wait(10)  # the work takes a while to stop
        seen["returned"] = True
        return "partial"

    def shown() -> QProgressDialog | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        return found[0] if found else None

    def step() -> None:  # inside the dialog's modal loop
        dialog = shown()
        if dialog is None:
            return
        stage = seen.setdefault("stage", "queued")
        if stage == "queued" and dialog.labelText() == "等待其他操作完成…":
            seen["stage"] = "started"
            gate.set()  # the operation ahead of it is through
        elif stage == "started" and dialog.labelText() == "进行中…" and dialog.maximum() == 10:
            seen["stage"] = "cancelled"
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        elif stage == "cancelled":
            seen["stage"] = "pressed"
            seen["after_cancel"] = (dialog.labelText(), dialog.cancel_button.isEnabled(), "returned" in seen)
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
            dialog.close()
        elif stage == "pressed":
            seen["stage"] = "released"
            seen["after_esc_and_close"] = dialog.isVisible()
            release.set()

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(150)
    ops().run(lambda: gate.wait(10), lambda _done: None)  # holds the lane: the job waits its turn
    try:
        ok, result = run_with_progress(None, "测试", "进行中…", work)
    finally:
        timer.stop()
        gate.set()
        release.set()
    assert seen["stage"] == "released"
    assert seen["after_cancel"] == ("正在取消，请稍候…", False, False)
    assert seen["after_esc_and_close"] is True  # still there: the work had not returned
    assert (ok, result) == (False, "partial") and seen["returned"] is True and shown() is None


def test_a_cancel_the_work_never_looked_at_keeps_its_result(qtbot):
    """A 取消 pressed after the work's last look at cancelled() changes nothing: what it did stands and
    is returned as done (an import's 100,000 rows written and then reported as not imported was the
    bug). Work that cannot stop once begun shows no cancel button, and Esc does nothing; the dialog
    blocks the whole application, since the job holds the one operations lane."""
    release = threading.Event()
    seen: dict[str, object] = {}

    def shown() -> QProgressDialog | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        return found[0] if found else None

    def press() -> None:
        dialog = shown()
        if dialog is None or "pressed" in seen:
            return
        seen["pressed"] = True
        seen["modality"] = dialog.windowModality()
        seen["button"] = dialog.cancel_button.isVisible()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        if dialog.cancel_button.isVisible():
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        release.set()

    def written(progress, cancelled):
        assert not cancelled()  # its one look, before the clerk pressed anything
        release.wait(10)
        return "全部写入"

    for cancellable in (True, False):
        seen.clear()
        release.clear()
        timer = QTimer()
        timer.timeout.connect(press)
        timer.start(50)
        try:
            ok, result = run_with_progress(None, "测试", "正在写入…", written, cancellable=cancellable)
        finally:
            timer.stop()
            release.set()
        assert (ok, result) == (True, "全部写入"), cancellable
        assert seen["modality"] == Qt.WindowModality.ApplicationModal and seen["button"] is cancellable


def test_the_lanes_run_what_was_asked_before_they_stop(qtbot):
    """At exit a lane runs the operations queued behind the one under way (a save clicked just before
    the window closed), then ends; QThread.quit() alone ended it after the first."""
    from ui.ops import Ops

    lane, ran = Ops("test-lane"), []
    lane.run(lambda: (time.sleep(0.3), ran.append("审批"))[1], lambda _r: None)
    lane.run(lambda: ran.append("保存"), lambda _r: None)
    lane.stop()
    assert ran == ["审批", "保存"]


def test_a_long_background_job_does_not_hold_up_the_clerks_operations(qtbot):
    """The background lane's work (the chain check, the tag count) runs beside the operations lane: a
    short operation asked while a two-second background job runs is answered long before it ends."""
    arrived: dict[str, float] = {}
    job = background().start(lambda _p, _c: time.sleep(2), lambda _r: arrived.setdefault("long", time.monotonic()))
    qtbot.waitUntil(lambda: job.started, timeout=5000)
    asked = time.monotonic()
    ops().run(lambda: "short", lambda _r: arrived.setdefault("short", time.monotonic()))
    qtbot.waitUntil(lambda: "long" in arrived, timeout=10_000)
    assert arrived["short"] - asked < 0.5 < arrived["long"] - arrived["short"]


def test_backup_from_the_admin_page(qtbot, window, busy, tmp_path):
    window.nav.setCurrentRow(PAGES.index("系统管理"))
    settled(qtbot)
    assert window.admin.users.rowCount() >= 10
    target = tmp_path / "备份.db"
    assert window.admin.backup(str(target)) is True
    assert verify_backup(target).counts["cases"] == 12
    assert "已备份到" in window.admin.status.text()
    settled(qtbot)  # the status bar reads the backup's time on the operations thread
    assert "尚未备份" not in window.backup_label.text()


def test_keyboard_search_new_case_enter_and_escape(qtbot, window, busy):
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.ledger_page
    assert window.ledger_page.search.hasFocus() or QApplication.focusWidget() is window.ledger_page.search
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.new_case_dialog is not None and window.new_case_dialog.isVisible()
    qtbot.keyClick(window.new_case_dialog, Qt.Key.Key_Escape)
    assert not window.new_case_dialog.isVisible()
    settled(qtbot)  # the list is read on the operations thread
    view = window.ledger_page.view
    view.setFocus()
    view.setCurrentIndex(window.ledger_page.model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.case_windows) == 1, timeout=10_000)  # read on the operations thread
    dialog = next(iter(window.case_windows.values()))
    assert dialog.isVisible() and dialog.case.id == window.ledger_page.model.row(0).id
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_audit_chain_is_checked_in_the_background(qtbot, window):
    job = window.check_chain()
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    assert window.chain_label.text().startswith("审计链：完整")


def test_a_block_the_server_could_not_give_is_asked_again_when_shown(qtbot, busy, monkeypatch):
    """The network went away for one read: the rows stay blank, not stuck, and the next paint asks again."""
    model = CaseTableModel(busy.ledger)
    model.BLOCK = 5
    with qtbot.waitSignal(model.counted, timeout=10_000):
        model.reload()
    real = busy.ledger.queries.page
    calls = refused_once(monkeypatch, busy.ledger.queries, "page")
    deep = model.index(11, 0)
    assert model.data(deep) is None
    qtbot.waitUntil(lambda: calls == [10] and not model._pending, timeout=10_000)
    with qtbot.waitSignal(model.dataChanged, timeout=10_000):
        assert model.data(deep) is None  # asked again
    truth = real(CaseFilter(), sort="number", descending=True, limit=12)
    assert calls == [10, 10] and model.data(deep) == truth[11].number


def test_a_new_filter_drops_the_count_not_yet_run_of_the_rows_it_replaces(qtbot, window, busy):
    """The count of a filter's rows waits in the one operations queue; a newer filter asked before it
    runs leaves it out (it stood ahead of the newer filter's first block: 117 ms for 墙体开裂 at
    1,000,000 cases), and the newer filter is counted."""
    window.nav.setCurrentRow(PAGES.index("问题台账"))
    page = window.ledger_page
    settled(qtbot)
    page.model.BLOCK = 2  # 12 cases, 3 of 欧阳: both filters below count on the operations thread
    runs = []
    count_rows = page.model._count_rows
    page.model._count_rows = lambda: runs.append(page.model.filter.search) or count_rows()
    gate = threading.Event()
    page.show_filter(CaseFilter())
    ops().run(lambda: gate.wait(10), lambda _done: None)  # holds the queue after the first block
    qtbot.waitUntil(lambda: not page.reads.busy)  # the first block is shown; its count waits
    assert page.model.rowCount() == 2 and not page.model.exact
    page.show_filter(CaseFilter(search="欧阳"))
    gate.set()
    settled(qtbot)
    assert runs == ["欧阳"]
    assert page.model.rowCount() == 3 and page.model.exact and "共 3 个问题" in page.summary.text()


def test_a_search_within_a_township_shows_an_estimate_said_so_until_it_is_counted(qtbot, window, busy):
    """A search within other conditions is counted match by match (~100 ms for 墙体开裂 at 1,000,000
    cases): meanwhile the line says about how many, and that it is an estimate; then the count."""
    window.nav.setCurrentRow(PAGES.index("问题台账"))
    page = window.ledger_page
    settled(qtbot)
    page.model.BLOCK = 2  # 9 of the 12 cases are 城关镇's, every one 房屋墙体开裂
    gate = threading.Event()
    count_rows = page.model._count_rows
    page.model._count_rows = lambda: gate.wait(10) and count_rows()  # the count, held back
    page.show_filter(CaseFilter(search="墙体开裂", township_id=busy.township_id))
    qtbot.waitUntil(lambda: "估算" in page.summary.text())
    assert page.summary.text() == "约 9 个问题（估算），正在统计总数…" and page.model.rowCount() == 2
    gate.set()
    settled(qtbot)
    assert page.summary.text() == "共 9 个问题" and page.model.rowCount() == 9
    page.show_filter(CaseFilter(search="墙体开裂"))  # alone: counted from the index, no estimate asked
    settled(qtbot)
    assert page.summary.text() == "共 12 个问题" and page.model.estimate is None


def test_a_count_that_failed_says_so_and_not_a_wrong_total(qtbot, busy, monkeypatch):
    """The count refused (the server went away): the list shows "5+（总数未能统计）", not 5 — a clerk
    would take 5 for the whole list — and the next reload counts again."""
    model = CaseTableModel(busy.ledger)
    model.BLOCK = 5
    refused_once(monkeypatch, busy.ledger.queries, "count")
    monkeypatch.setattr(busy.ledger.queries, "estimate", lambda *_a, **_k: None)
    with qtbot.waitSignal(model.counted, timeout=10_000):
        model.reload()
    assert model.rowCount() == 5 and not model.exact and model.uncounted
    assert count_text(model) == "5+（总数未能统计）"
    with qtbot.waitSignal(model.counted, timeout=10_000):
        model.reload()
    assert model.rowCount() == 12 and model.exact and not model.uncounted and count_text(model) == "12"
