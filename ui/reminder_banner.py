"""到期提醒 on the 工作台: a non-modal panel under the greeting, shown after sign-in when the account's
unit (its department, its township; the county for county-level accounts) has cases due within the
rules' days (ledger/escalation.py). It lists the soonest few; a double click opens a case, 查看全部
opens the ledger on them and 打印清单 prints the 到期提醒清单 (reports/render.py kind "reminders")."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ledger import CaseFilter, escalation
from ledger.errors import LedgerError
from ledger.services.reminders import WORKING_STATES, ReminderCase, ReminderList
from ui.common import run_guarded
from ui.context import AppContext
from ui.reads import Latest

SHOWN = 3  # the soonest cases listed on the panel (the 工作台 still fits 1366×768 unscrolled)


def days_text(c: ReminderCase) -> str:
    return "今日到期" if c.days_left == 0 else f"{c.days_left}天后到期"


class ReminderBanner(QFrame):
    open_case = Signal(int)
    open_filter = Signal(object, str)  # (CaseFilter, caption)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("reminderBanner")
        self.setStyleSheet("#reminderBanner { background: #fef7e0; border: 1px solid #f2a600; border-radius: 4px; }")
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.list = QListWidget()
        self.list.itemActivated.connect(lambda item: self.open_case.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.all_button = QPushButton("查看全部")
        self.all_button.clicked.connect(self.show_all)
        self.print_button = QPushButton("打印清单…")
        self.print_button.clicked.connect(lambda: self.print_list())
        self.message = QLabel()
        self.printed: Path | None = None  # the last 清单 written
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.message)
        head.addWidget(self.all_button)
        head.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 4)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.list)
        self.listing: ReminderList | None = None
        # Where the printed list goes: a file dialog; a test sets its own (no modal dialog).
        self.ask_target: Callable[[Path], Path | None] = self._ask_target
        self.setVisible(False)
        self.reads = Latest(self)

    def refresh(self) -> None:
        """Read the account's reminders on the operations thread; the panel shows them when they come."""
        ledger, actor = self.ctx.ledger, self.ctx.actor

        def work() -> ReminderList | None:
            try:
                return ledger.reminders.for_actor(actor, limit=SHOWN)
            except LedgerError:
                return None

        self.reads.run(work, self._show)

    def _show(self, listing: ReminderList | None) -> None:
        self.listing = listing
        cases = self.listing.cases if self.listing else []
        self.setVisible(bool(cases))
        if not cases or self.listing is None:
            return
        total, today = self.listing.total, self.listing.due_today
        self.title.setText(
            f"<b>到期提醒</b>：{self.listing.unit}有 <b>{total}</b> 个问题即将到期"
            + (f"，其中今日到期 <b style='color:#d93025'>{today}</b> 个" if today else "")
            + "，请抓紧整改。"
        )
        self.list.clear()
        for c in cases[:SHOWN]:
            where = f"{c.village} {c.head_name}  {c.subcategory}"
            item = QListWidgetItem(f"{c.number}  {where}  整改时限 {c.deadline:%Y-%m-%d}（{days_text(c)}）")
            item.setData(Qt.ItemDataRole.UserRole, c.case_id)
            self.list.addItem(item)
        if total > len(cases):
            self.list.addItem(QListWidgetItem(f"……另有 {total - len(cases)} 个，点“查看全部”"))
        rows = self.list.count()  # as tall as its lines: the dashboard keeps its room
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + 2 * self.list.frameWidth() + 8)
        classes = {s.deadline_class: s.deadline_class_name for s in self.ctx.ledger.catalog.subcategories.values()}
        self.title.setToolTip(
            escalation.rule_text(escalation.rules(), classes)
        )  # why these and not the 3日内到期 tile's
        self.list.scrollToTop()

    def show_all(self) -> None:
        if self.listing is None or self.listing.last_deadline is None:
            return
        last = self.listing.last_deadline
        flt = CaseFilter(deadline_from=self.listing.today, deadline_to=last, states=WORKING_STATES)
        self.open_filter.emit(flt, f"到期提醒（{self.listing.unit}）")

    def print_list(self) -> None:
        """打印清单: rendered on the operations thread; `printed` is the file once it is written."""
        from reports.render import ReportRequest, render_report

        target = self.ask_target(Path.home() / "到期提醒清单.pdf")
        if target is None:
            return
        lg, actor, path = self.ctx.ledger, self.ctx.actor, target

        def printed(_result: object) -> None:
            self.printed = path
            self.message.setText(f"已生成 {path.name}")

        def refused(err: LedgerError) -> None:
            self.message.setText(f"<span style='color:#d93025'>{err}</span>")

        self.message.setText("正在生成清单…")
        run_guarded(self, lambda: render_report(lg, ReportRequest("reminders"), path, actor), printed, refused=refused)

    def _ask_target(self, default: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, "保存到期提醒清单", str(default), "PDF 文件 (*.pdf)")
        return Path(name) if name else None
