"""The main window: navigation, pages, status bar, shortcuts, and the layout remembered between runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ledger import CaseFilter
from ledger.access import visibility
from ui.common import refusal, settings, show_error
from ui.context import AppContext
from ui.idle import IdleLock
from ui.ops import Job, background, next_turn, ops

if TYPE_CHECKING:
    from ui.admin_page import AdminPage
    from ui.case_dialog import CaseDialog
    from ui.case_form import NewCaseDialog
    from ui.case_reads import CaseBundle
    from ui.compare_page import ComparePage
    from ui.dashboard import DashboardPage
    from ui.dispatch_page import DispatchPage
    from ui.exchange_page import ExchangePage
    from ui.households_page import HouseholdsPage
    from ui.ledger_page import LedgerPage
    from ui.letters_page import LettersPage
    from ui.publicity_page import PublicityPage
    from ui.reports_page import ReportsPage

PAGES = ("工作台", "问题台账", "农户档案", "调度通报", "督办函", "部门比对", "公示", "报表中心", "导入导出", "系统管理")


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        self.idle = IdleLock(ctx, parent=self)  # locks every window after 15 idle minutes
        self.setWindowTitle("整改台账")  # the county's name follows from the operations thread
        lg = ctx.ledger
        ops().run(lambda: lg.meta("county_name", ""), self._county_read, self._status_failed, owner=self)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setStyleSheet("#nav { font-size: 11pt; } #nav::item { padding: 10px 12px; }")
        self.stack = QStackedWidget()
        # A page is built on its first visit (page()), an empty placeholder holding its place until
        # then: at start-up only the page shown is. With all ten built (their modules, a query or two
        # each, ~500 combo box items) importing and building the window took ~1.2 s of CPU at 100,000
        # cases on the loaded bench machine, ~0.55 s with the first page alone; and the modules
        # pulled in reports.kinds and pypdfium2 (issue 18).
        self._built: dict[str, QWidget] = {}
        # 系统管理员 and 审计员 see no case data (ledger/access.py): their window is 系统管理 alone.
        self.case_pages = not visibility(ctx.actor).nothing
        for name in PAGES:
            item = QListWidgetItem(name, self.nav)
            item.setHidden(not self.case_pages and name != "系统管理")
            self.stack.addWidget(QWidget())
        self.nav.currentRowChanged.connect(self.show_page)
        self.nav.setFixedWidth(self.nav.fontMetrics().horizontalAdvance("系统管理") + 56)
        # Read-only (the audit key is missing, Ledger.read_only_reason): a warning across the top, for
        # as long as the window is open. Write buttons stay; each refuses with the same sentence.
        reason = ctx.ledger.read_only_reason
        self.read_only_banner = QLabel(f"⚠ 只读模式：{reason}" if reason else "")
        self.read_only_banner.setObjectName("readOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setStyleSheet(
            "#readOnlyBanner { background: #fce8e6; color: #a50e0e; border-bottom: 2px solid #d93025;"
            " padding: 8px 12px; font-weight: bold; }"
        )
        self.read_only_banner.setVisible(reason is not None)
        pages_row = QWidget()
        row = QHBoxLayout(pages_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.read_only_banner)
        column.addWidget(pages_row, 1)
        self.setCentralWidget(body)

        self.ledger_label = QLabel()
        self.user_label = QLabel()
        self.chain_label = QLabel("审计链：校验中…")
        self.backup_label = QLabel()
        bar = self.statusBar()
        for w in (self.ledger_label, self.user_label, self.chain_label, self.backup_label):
            bar.addPermanentWidget(w)

        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self).activated.connect(self.focus_search)
        QShortcut(QKeySequence(QKeySequence.StandardKey.New), self).activated.connect(self.new_case)
        for i in range(len(PAGES)):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{(i + 1) % 10}"))  # the tenth page is Ctrl+0
            action.triggered.connect(
                lambda _c=False, i=i: self.nav.setCurrentRow(i) if not self.nav.item(i).isHidden() else None
            )
            self.addAction(action)
        self.case_windows: dict[int, CaseDialog] = {}
        self.cases_opening: set[int] = set()  # read on the operations thread, the window not built yet
        self.new_case_dialog: NewCaseDialog | None = None
        self._chain_job: Job | None = None
        self._chain_timer: QTimer | None = None
        self._restore()

    # -- pages ------------------------------------------------------------------------------------------
    def page(self, name: str) -> QWidget:
        """The page called `name` in PAGES, built (and put in its placeholder's place) on first use."""
        built = self._built.get(name)
        if built is not None:
            return built
        built = self._build(name)
        self._built[name] = built
        placeholder = self.stack.widget(PAGES.index(name))
        assert placeholder is not None
        self.stack.insertWidget(PAGES.index(name), built)
        if self.stack.currentWidget() is placeholder:
            self.stack.setCurrentWidget(built)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        return built

    def _build(self, name: str) -> QWidget:
        ctx = self.ctx
        if name == "工作台":
            from ui.dashboard import DashboardPage

            dashboard = DashboardPage(ctx)
            dashboard.open_filter.connect(self.open_ledger_with)
            dashboard.open_case.connect(self.open_case)
            return dashboard
        if name == "问题台账":
            from ui.ledger_page import LedgerPage

            ledger_page = LedgerPage(ctx)
            ledger_page.open_case.connect(self.open_case)
            ledger_page.new_case.connect(self.new_case)
            return ledger_page
        if name == "农户档案":
            from ui.households_page import HouseholdsPage

            households = HouseholdsPage(ctx)
            households.open_case.connect(self.open_case)
            return households
        if name == "系统管理":
            from ui.admin_page import AdminPage

            admin = AdminPage(ctx)
            admin.backed_up.connect(self.refresh_status)
            return admin
        if name == "调度通报":
            from ui.dispatch_page import DispatchPage

            return DispatchPage(ctx)
        if name == "督办函":  # escalation: 督办函 tracking
            from ui.letters_page import LettersPage

            return LettersPage(ctx)
        if name == "部门比对":
            from ui.compare_page import ComparePage

            return ComparePage(ctx)
        if name == "公示":
            from ui.publicity_page import PublicityPage

            return PublicityPage(ctx)
        if name == "报表中心":
            from ui.reports_page import ReportsPage

            return ReportsPage(ctx)
        if name == "导入导出":
            from ui.exchange_page import ExchangePage

            return ExchangePage(ctx)
        raise KeyError(name)

    @property
    def dashboard(self) -> DashboardPage:
        return cast("DashboardPage", self.page("工作台"))

    @property
    def ledger_page(self) -> LedgerPage:
        return cast("LedgerPage", self.page("问题台账"))

    @property
    def households(self) -> HouseholdsPage:
        return cast("HouseholdsPage", self.page("农户档案"))

    @property
    def dispatch(self) -> DispatchPage:
        return cast("DispatchPage", self.page("调度通报"))

    @property
    def letters_page(self) -> LettersPage:
        return cast("LettersPage", self.page("督办函"))

    @property
    def compare(self) -> ComparePage:
        return cast("ComparePage", self.page("部门比对"))

    @property
    def publicity(self) -> PublicityPage:
        return cast("PublicityPage", self.page("公示"))

    @property
    def reports(self) -> ReportsPage:
        return cast("ReportsPage", self.page("报表中心"))

    @property
    def exchange(self) -> ExchangePage:
        return cast("ExchangePage", self.page("导入导出"))

    @property
    def admin(self) -> AdminPage:
        return cast("AdminPage", self.page("系统管理"))

    def show_page(self, row: int) -> None:
        if not 0 <= row < len(PAGES):
            return
        name = PAGES[row]
        self.stack.setCurrentWidget(self.page(name))
        if name == "农户档案" and not self.households.model.rowCount():
            self.households.apply()
        if name == "系统管理":
            self.admin.refresh()
        if name == "部门比对":
            self.compare.reload()
        if name == "公示":
            self.publicity.reload()
        if name == "调度通报":
            self.dispatch.reload()
        if name == "工作台":
            self.dashboard.refresh()

    def open_ledger_with(self, f: CaseFilter, caption: str) -> None:
        self.nav.setCurrentRow(PAGES.index("问题台账"))
        self.ledger_page.open_with(f, caption)

    def focus_search(self) -> None:
        self.nav.setCurrentRow(PAGES.index("问题台账"))
        self.ledger_page.focus_search()

    def open_case(self, case_id: int) -> CaseDialog | None:
        """Bring the case's window forward; when it is not open, read the case on the operations thread
        (ui/ops.py) and build the window when the read arrives, so a double-click never holds the
        event loop on the database (ui/case_dialog.py CaseBundle says what the reads cost there).
        Returns the window when it was already open, else None (it follows in `case_windows`)."""
        from ui.case_reads import load_case

        window = self.case_windows.get(case_id)
        if window is not None and window.isVisible():
            self._bring_forward(window)
            return window
        if case_id in self.cases_opening:
            return None  # a second double-click while the first read is on its way
        self.cases_opening.add(case_id)
        lg, actor = self.ctx.ledger, self.ctx.actor
        self.statusBar().showMessage("正在读取问题…")
        # Asked in a later turn (ui/ops.py next_turn), once the click or Enter has repainted the ledger
        # table, whose paint calls Python for every cell: the read (Python too, ~100 ms the first time
        # while its SQL compiles) held Python's lock against that paint, a ~190 ms stall of ~30 ms CPU.
        next_turn(
            self,
            lambda: ops().run(
                lambda: load_case(lg, actor, case_id),
                lambda bundle: self._case_read(case_id, bundle),
                lambda error: self._case_not_read(case_id, error),
                owner=self,
            ),
        )
        return None

    def _case_read(self, case_id: int, bundle: CaseBundle) -> None:
        from ui.case_dialog import CaseDialog

        window = CaseDialog(self.ctx, case_id, self, bundle=bundle)
        # Built, laid out and shown each in a turn of the event loop of its own (ui/ops.py next_turn):
        # ~8, ~4 and ~10 ms of the GUI thread's CPU (~22, ~8 and ~25 for the session's first window);
        # shown, it also makes the ledger page behind repaint its table as the main window goes
        # inactive (~25 ms at 100,000 cases). In one pass they were the longest stall in opening a case.
        next_turn(window, lambda: self._case_laid_out(case_id, window))

    def _case_laid_out(self, case_id: int, window: CaseDialog) -> None:
        window.lay_out()
        next_turn(window, lambda: self._case_shown(case_id, window))

    def _case_shown(self, case_id: int, window: CaseDialog) -> None:
        self.cases_opening.discard(case_id)
        self.statusBar().clearMessage()
        self.case_windows[case_id] = window
        window.finished.connect(lambda _r, cid=case_id: self.case_windows.pop(cid, None))
        self._bring_forward(window)

    def _case_not_read(self, case_id: int, error: BaseException) -> None:
        self.cases_opening.discard(case_id)
        self.statusBar().clearMessage()
        show_error(self, refusal(error))  # out of the user's scope, or gone: a message

    @staticmethod
    def _bring_forward(window: CaseDialog) -> None:
        window.show()
        window.raise_()
        window.activateWindow()

    def new_case(self) -> NewCaseDialog | None:
        if not self.ctx.has_role("clerk", "coordinator"):
            self.statusBar().showMessage("只有录入员或县级统筹可以登记问题", 5000)
            return None
        from ui.case_form import NewCaseDialog

        dialog = NewCaseDialog(self.ctx, self)
        dialog.created.connect(lambda result: self.open_case(result.case.id))
        self.new_case_dialog = dialog
        dialog.open()
        return dialog

    # -- status bar ---------------------------------------------------------------------------------------
    def _county_read(self, county: str) -> None:
        self.setWindowTitle(f"整改台账 — {county}")

    def refresh_status(self) -> None:
        """The status bar; the last backup's time is read on the operations thread."""
        lg = self.ctx.ledger
        # the full path in the tooltip: a long one would otherwise set the window's minimum width
        where = f"台账：{lg.location}"
        self.ledger_label.setToolTip(where)
        self.ledger_label.setText(self.ledger_label.fontMetrics().elidedText(where, Qt.TextElideMode.ElideMiddle, 300))
        self.user_label.setText(f"当前用户：{self.ctx.actor.display_name}（{self.ctx.role_names}）")
        ops().run(lambda: lg.audit.last_at("ledger.backup"), self._backup_read, self._status_failed, owner=self)

    def _backup_read(self, last: str | None) -> None:
        self.backup_label.setText(f"最近备份：{last[:16].replace('T', ' ')}" if last else "最近备份：尚未备份")

    @staticmethod
    def _status_failed(error: BaseException) -> None:
        refusal(error)  # a bug: to the crash dialog; an unreadable ledger leaves the status bar as it was

    def check_chain_later(self, delay_ms: int) -> None:
        """The chain check in `delay_ms` (ui/app.py: after the first paint); not at all if the window
        closes first."""
        self._chain_timer = QTimer(self)
        self._chain_timer.setSingleShot(True)
        self._chain_timer.timeout.connect(self.check_chain)
        self._chain_timer.start(delay_ms)

    def check_chain(self) -> Job:
        """Verify the audit chain on the background lane (ui/ops.py): the window stays usable, and the
        clerk's first reads and clicks on the operations lane do not wait the seconds it takes."""
        lg = self.ctx.ledger
        self._chain_job = background().start(
            lambda _progress, cancelled: lg.audit.verify(cancelled=cancelled),
            self._chain_checked,
            self._chain_failed,
            owner=self,
        )
        return self._chain_job

    def _chain_failed(self, err: BaseException) -> None:
        refused = refusal(err)  # anything but a LedgerError is our bug: to the crash dialog
        if self.ctx.ledger.read_only_reason is not None:  # the banner says why at length
            self._chain_warning("审计链：无法校验（缺少审计密钥，台账只读）")
        else:
            self._chain_warning(f"审计链：无法校验（{refused}）")

    def _chain_warning(self, text: str) -> None:
        """In red; the whole text in the tooltip and the label cut to fit, as the ledger's path: a long
        message (a damaged file's) would otherwise set the window's minimum width."""
        self.chain_label.setStyleSheet("color: #d93025; font-weight: bold;")
        self.chain_label.ensurePolished()  # the bold of the style sheet is in the font measured below
        metrics = self.chain_label.fontMetrics()
        self.chain_label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, 420))
        self.chain_label.setToolTip(text)

    def _chain_checked(self, report) -> None:
        if self._chain_job is not None and self._chain_job.cancelled:
            return  # the window closed before the check was through: it says nothing about the chain
        if report.ok:
            self.chain_label.setText(f"审计链：完整（{report.count:,} 条）")
            self.chain_label.setStyleSheet("color: #188038;")
        else:
            self._chain_warning(f"审计链：异常！{report.problem}")

    # -- layout ---------------------------------------------------------------------------------------------
    def _restore(self) -> None:
        s = settings()
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:  # the whole of a 1366×768 screen (less its taskbar), never more than the screen has
            room = self.screen().availableGeometry()
            self.resize(min(1366, room.width()), min(800, room.height()))
        state = s.value("window/state")
        if state is not None:
            self.restoreState(state)
        page = int(str(s.value("window/page", 0) or 0))
        if not self.case_pages:
            page = PAGES.index("系统管理")
        self.nav.setCurrentRow(page if 0 <= page < len(PAGES) else 0)
        self.refresh_status()

    def closeEvent(self, event) -> None:
        for window in list(self.case_windows.values()):
            window.close()
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/page", self.nav.currentRow())
        if "问题台账" in self._built:  # a page never visited has no layout to remember
            self.ledger_page.save_layout()
        s.sync()
        if self._chain_timer is not None:
            self._chain_timer.stop()
        if self._chain_job is not None and self._chain_job.running:
            self._chain_job.cancel()  # stops at its next event; the lanes are waited for at exit (ui/ops.py)
        super().closeEvent(event)
