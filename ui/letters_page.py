"""督办函 page: the issued letters (per department for a 责任单位经办人, all for the county) with their
state — 已签发, 逾期未复 (past the reply due date), 已复函, 已办结 — and, for the 县级统筹员, 登记书面说明
(the scanned reply, JPEG/PNG/PDF, kept in the evidence store) and 办结 (ledger/services/letters.py).
Errors are shown on the page, never in a modal box."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.access import visibility
from ledger.errors import LedgerError
from ledger.escalation import LETTER_STATES, REPLY_OVERDUE
from ledger.services.letters import LetterCandidate, LetterView, may_issue
from ui.case_letters import COLOURS
from ui.common import from_qdate, run_guarded, to_qdate
from ui.context import AppContext
from ui.models import ListTableModel
from ui.reads import Latest, ReadWhenShown

T = TypeVar("T")

HEADERS = ["发文字号", "责任单位", "成文日期", "复函期限", "状态", "复函日期", "书面说明", "办结日期", "涉及问题"]
LABELS = ("已签发", REPLY_OVERDUE, "已复函", "已办结")


class LettersPage(ReadWhenShown):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.state = QComboBox()
        self.state.addItem("全部状态", None)
        for label in LABELS:
            self.state.addItem(label, label)
        self.department = QComboBox()
        self.department.addItem("全部责任单位", None)
        if visibility(ctx.actor).everything:
            for d in ctx.ledger.catalog.departments.values():
                self.department.addItem(d.name, d.id)
        self.department.setVisible(visibility(ctx.actor).everything)
        for combo in (self.state, self.department):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.counts = QLabel()
        self.candidates = QLabel()  # 待督办: overdue cases no open letter names yet, per department
        self.candidates.setWordWrap(True)
        self.model = ListTableModel(HEADERS, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.reply_date = QDateEdit()
        self.reply_date.setCalendarPopup(True)
        self.reply_date.setDisplayFormat("yyyy-MM-dd")
        self.reply_button = QPushButton("登记书面说明…")
        self.reply_button.setToolTip("选择责任单位书面说明的扫描件（JPEG、PNG 图片或 PDF），按左侧日期登记为收到")
        self.reply_button.clicked.connect(lambda: self.record_reply())
        self.close_button = QPushButton("办结…")
        self.close_button.clicked.connect(lambda: self.close_letter())
        self.view_button = QPushButton("查看书面说明")
        self.view_button.clicked.connect(lambda: self.open_reply())
        self.message = QLabel()
        self.message.setWordWrap(True)
        coordinator = may_issue(ctx.actor)
        for w in (self.reply_date, self.reply_button, self.close_button):
            w.setVisible(coordinator)
        top = QHBoxLayout()
        top.addWidget(QLabel("督办函跟踪"))
        top.addWidget(self.state)
        top.addWidget(self.department)
        top.addWidget(self.counts, 1)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("收到日期") if coordinator else QLabel())
        actions.addWidget(self.reply_date)
        actions.addWidget(self.reply_button)
        actions.addWidget(self.close_button)
        actions.addWidget(self.view_button)
        actions.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.candidates)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        self.letters: list[LetterView] = []
        # Dialogs a test replaces (no modal dialog in tests): the reply file and the closing note.
        self.ask_file: Callable[[], Path | None] = self._ask_file
        self.ask_note: Callable[[], str | None] = self._ask_note
        # Read when shown, not while hidden behind other pages: the 待督办 figures look at every overdue
        # case (0.3 s at 1,000,000 cases), which the window's start and each change would otherwise pay.
        self._stale = True
        self.reads = Latest(self)
        self.replied: LetterView | None = None
        self.closed: LetterView | None = None
        self.opened: Path | None = None
        ctx.changed.connect(lambda _change: self._changed())

    def refresh(self, select: int | None = None) -> None:
        """Read the letters and the 待督办 figures on the operations thread; then fill the list (and
        select the letter `select`, one just changed)."""
        self._stale = False
        lg, actor, department = self.ctx.ledger, self.ctx.actor, self.department.currentData()
        self.reply_date.setDate(to_qdate(lg.today()))

        def work() -> tuple[list[LetterView], str | None, list[LetterCandidate]]:
            try:
                every, problem = lg.letters.listing(actor, department), None
            except LedgerError as err:
                every, problem = [], str(err)
            try:
                found = lg.letters.candidates(actor)
            except LedgerError:
                found = []
            return every, problem, found

        if not self.letters:
            self.counts.setText("正在读取…")
        self.reads.run(work, lambda read: self._fill(read, select))

    def _fill(self, read: tuple[list[LetterView], str | None, list[LetterCandidate]], select: int | None) -> None:
        every, problem, found = read
        if problem is not None:
            self.say(problem, error=True)
        tally = {label: sum(1 for v in every if v.state_label == label) for label in LABELS}
        self.counts.setText(f"共 {len(every)} 份：" + "，".join(f"{k} {n}" for k, n in tally.items()))
        self.candidates.setText(
            "待督办（逾期且未列入未办结的督办函）："
            + "；".join(f"{c.department} {len(c.not_in_letter)} 个" for c in found)
            + ("。可在“报表中心”打印督办函签发。" if may_issue(self.ctx.actor) else "。")
            if found
            else "待督办：无（逾期问题均已列入未办结的督办函，或没有逾期问题）。"
        )
        wanted = self.state.currentData()
        self.letters = [v for v in every if wanted is None or v.state_label == wanted]
        self.model.set_rows(
            [self._row(v) for v in self.letters], backgrounds=[COLOURS.get(v.state_label) for v in self.letters]
        )
        self.view.resizeColumnsToContents()
        if select is not None:
            self.select(select)

    @staticmethod
    def _row(v: LetterView) -> tuple[str, ...]:
        day = lambda d: f"{d:%Y-%m-%d}" if d else ""  # noqa: E731
        numbers = "、".join(v.case_numbers[:3]) + (f" 等{len(v.case_numbers)}个" if len(v.case_numbers) > 3 else "")
        return (
            v.number_text, v.department, day(v.issued_date), day(v.reply_due), v.state_label,
            day(v.reply_date), v.reply_name, day(v.closed_date), numbers,
        )  # fmt: skip

    def select(self, letter_id: int) -> None:
        for row, v in enumerate(self.letters):
            if v.id == letter_id:
                self.view.selectRow(row)

    def current(self) -> LetterView | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            self.say("请先在列表中选择一份督办函", error=True)
            return None
        return self.letters[rows[0].row()]

    def say(self, text: str, error: bool = False) -> None:
        colour = "#d93025" if error else "#188038"
        self.message.setText(f"<span style='color:{colour}'>{text}</span>")

    # The writes (and the reply file's read) run on the operations thread; a refusal is said in the
    # message line, as before. `replied`, `closed` and `opened` keep the last result for whoever looks.
    def _run(self, work: Callable[[], T], done: Callable[[T], None], button: QPushButton) -> None:
        run_guarded(self, work, done, busy=[button], refused=lambda err: self.say(str(err), error=True))

    def record_reply(self) -> None:
        letter = self.current()
        if letter is None:
            return
        path = self.ask_file()
        if path is None:
            return
        letters, actor, day = self.ctx.ledger.letters, self.ctx.actor, from_qdate(self.reply_date.date())

        def recorded(done: LetterView) -> None:
            self.replied = done
            self.say(f"已登记 {done.number_text} 的书面说明（{done.reply_name}）")
            self.refresh(select=done.id)

        self._run(lambda: letters.record_reply(actor, letter.id, path, day), recorded, self.reply_button)

    def close_letter(self) -> None:
        letter = self.current()
        if letter is None:
            return
        note = self.ask_note()
        if note is None:
            return
        letters, actor = self.ctx.ledger.letters, self.ctx.actor

        def closed(done: LetterView) -> None:
            self.closed = done
            self.say(f"{done.number_text} 已{LETTER_STATES['closed'][1:]}")
            self.refresh(select=done.id)

        self._run(lambda: letters.close(actor, letter.id, note), closed, self.close_button)

    def open_reply(self) -> None:
        letter = self.current()
        if letter is None:
            return
        letters, actor = self.ctx.ledger.letters, self.ctx.actor
        self._run(lambda: letters.reply_file(actor, letter.id), self._show_reply, self.view_button)

    def _show_reply(self, data: bytes) -> None:
        suffix = {"application/pdf": ".pdf", "image/png": ".png"}.get(
            "application/pdf" if data.startswith(b"%PDF") else "image/png" if data.startswith(b"\x89PNG") else "",
            ".jpg",
        )
        fd, name = tempfile.mkstemp(prefix="书面说明-", suffix=suffix)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        QDesktopServices.openUrl(QUrl.fromLocalFile(name))
        self.opened = Path(name)

    def _ask_file(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            self, "选择书面说明扫描件", str(Path.home()), "扫描件 (*.pdf *.jpg *.jpeg *.png);;所有文件 (*)"
        )
        return Path(name) if name else None

    def _ask_note(self) -> str | None:
        text, ok = QInputDialog.getText(self, "办结督办函", "办结意见（可不填）：")
        return text if ok else None
