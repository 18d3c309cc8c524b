"""The 督办函 tab of the case window: the letters that named this case, with their state (已签发,
逾期未复, 已复函, 已办结), reply due date and reply date (ledger/services/letters.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from ledger.errors import LedgerError
from ui.context import AppContext
from ui.models import ListTableModel
from ui.ops import ops
from ui.reads import ReadWhenShown
from ui.widgets import WhenShown

if TYPE_CHECKING:
    from ledger import Ledger
    from ledger.dto import Actor
    from ledger.services.letters import LetterView

# The letters that named a case, or why they could not be read (a Chinese sentence).
LettersRead = list["LetterView"] | str

HEADERS = ["发文字号", "责任单位", "成文日期", "复函期限", "状态", "复函日期", "办结日期"]
COLOURS = {"逾期未复": "#fce8e6", "已办结": "#e6f4ea"}


def read_letters(lg: Ledger, actor: Actor, case_id: int) -> LettersRead:
    """The read behind the tab, for the operations thread (ui/ops.py)."""
    try:
        return lg.letters.for_case(actor, case_id)
    except LedgerError as err:
        return str(err)


def letter_row(v: LetterView) -> tuple[str, ...]:
    day = lambda d: f"{d:%Y-%m-%d}" if d else ""  # noqa: E731
    return (
        v.number_text,
        v.department,
        day(v.issued_date),
        day(v.reply_due),
        v.state_label,
        day(v.reply_date),
        day(v.closed_date),
    )


class CaseLetters(ReadWhenShown):
    """Filled from the case window's bundle (ui/case_dialog.py load_case); after any change in the
    program it reads the letters again on the operations thread, at once when the tab is in view, else
    when it is next shown (ui/reads.py ReadWhenShown): a closed case window, or one on another tab,
    reads nothing (each approval had every case window opened in the session re-read its letters)."""

    def __init__(self, ctx: AppContext, case_id: int, letters: LettersRead, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.case_id = ctx, case_id
        self.model = ListTableModel(HEADERS, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        self.sized = WhenShown(self.view, self._size_columns)
        ctx.changed.connect(lambda _change: self._changed())
        self.show_letters(letters)

    def refresh(self) -> None:
        self._stale = False
        lg, actor, case_id = self.ctx.ledger, self.ctx.actor, self.case_id
        ops().run(lambda: read_letters(lg, actor, case_id), self.show_letters, owner=self)

    def show_letters(self, letters: LettersRead) -> None:
        if isinstance(letters, str):
            self.model.set_rows([])
            self.view.setVisible(False)
            self.summary.setText(letters)
            return
        self.model.set_rows([letter_row(v) for v in letters], backgrounds=[COLOURS.get(v.state_label) for v in letters])
        self.view.setVisible(bool(letters))  # no empty table: the sentence says it
        self._size_columns()
        if not letters:
            self.summary.setText("本问题尚未被列入督办函。")
        else:
            open_ = [v for v in letters if v.state != "closed"]
            self.summary.setText(
                f"本问题已被 {len(letters)} 份督办函督办"
                + (f"，{len(open_)} 份未办结" if open_ else "，均已办结")
                + "。"
            )

    def _size_columns(self) -> None:
        if not self.view.isVisible():  # on the tab not shown (or no letters): sized when shown
            self.sized.pending = True
            return
        self.sized.pending = False
        self.view.resizeColumnsToContents()

    def texts(self) -> list[tuple[str, ...]]:
        return list(self.model.rows)
