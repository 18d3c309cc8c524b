"""调度通报: the board of a 调度期 — every township and department with cases, 已报 / 迟报 / 未报 (待报
while the period runs) with times — 确认本期进度 for one's own unit (the 县级统筹员 on a unit's behalf),
the office's cut-off setting, and the numbered 通报 (PDF)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ledger.services.dispatch import (
    BEHALF_ROLES,
    ISSUE_ROLES,
    KIND_NAMES,
    SETTING_ROLES,
    WEEKDAYS,
    BoardRow,
    Cutoff,
    Period,
)
from ui.common import refusal, run_guarded
from ui.context import AppContext
from ui.models import ListTableModel
from ui.reads import Latest
from ui.widgets import fit_columns, make_table

if TYPE_CHECKING:
    from reports.bulletin import BulletinResult

HEADERS = ("单位", "类别", "报送情况", "报送时间", "报送人", "报送方式")
COLORS = {"已报": "#e6f4ea", "迟报": "#fef7e0", "未报": "#fce8e6", "待报": None}


class CutoffDialog(QDialog):
    """报送截止时间: weekday, time and the late window (hours)."""

    def __init__(self, c: Cutoff, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("调度报送截止时间")
        self.weekday = QComboBox()
        self.weekday.addItems(list(WEEKDAYS))
        self.weekday.setCurrentIndex(c.weekday)
        self.time = QTimeEdit(QTime(c.time.hour, c.time.minute))
        self.time.setDisplayFormat("HH:mm")
        self.late = QSpinBox()
        self.late.setRange(0, 72)
        self.late.setSuffix(" 小时")
        self.late.setValue(c.late_hours)
        form = QFormLayout(self)
        form.addRow("每周截止日：", self.weekday)
        form.addRow("截止时间：", self.time)
        form.addRow("截止后可补报（记为迟报）：", self.late)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[int, str, int]:
        return self.weekday.currentIndex(), self.time.time().toString("HH:mm"), self.late.value()


class DispatchPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.period_box = QComboBox()
        self.cutoff_label = QLabel()
        self.refresh_button = QPushButton("刷新")
        self.confirm_button = QPushButton("确认本期进度")
        self.issue_button = QPushButton("印发通报…")
        self.settings_button = QPushButton("截止时间设置…")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = ListTableModel(HEADERS, self)
        self.view = make_table(None, self)
        self.view.setModel(self.model)
        fit_columns(self.view, self.model)  # once: it refits on every reset (each call added one more refit)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rows: list[BoardRow] = []
        self.periods: list[Period] = []
        self.cutoff: Cutoff | None = None  # as last read with the periods
        self.confirmed: BoardRow | None = None  # the last confirmation written from this page
        roles = ctx.actor.roles
        self.issue_button.setVisible(bool(roles & ISSUE_ROLES))
        self.settings_button.setVisible(bool(roles & SETTING_ROLES))
        own = ctx.actor.township_id is not None or ctx.actor.department_id is not None
        self.confirm_button.setVisible(own or bool(roles & BEHALF_ROLES))
        bar = QHBoxLayout()
        bar.addWidget(QLabel("调度期："))
        bar.addWidget(self.period_box, 1)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        bar.addWidget(self.confirm_button)
        bar.addWidget(self.issue_button)
        bar.addWidget(self.settings_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.cutoff_label)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        self.period_box.currentIndexChanged.connect(lambda _i: self.show_board())
        self.refresh_button.clicked.connect(self.reload)
        self.confirm_button.clicked.connect(lambda: self.confirm())
        self.issue_button.clicked.connect(lambda: self.issue())
        self.settings_button.clicked.connect(lambda: self.edit_cutoff())
        self.reads = Latest(self)  # the periods and the board, read on the operations thread
        self.reload()

    # -- periods and the board ------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the cut-off, the periods and the default period's board on the operations thread."""
        lg = self.ctx.ledger

        def work() -> tuple[Cutoff, list[Period], int, list[BoardRow]]:
            cutoff = lg.dispatch.cutoff()
            periods = lg.dispatch.recent_periods(12)
            # within the late window after a cut-off, the period just ended is the one to look at
            default = 1 if lg.clock() <= periods[1].end + dt.timedelta(hours=cutoff.late_hours) else 0
            return cutoff, periods, default, lg.dispatch.board(periods[default])

        if not self.periods:
            self.summary.setText("正在读取…")
        self.reads.run(work, self._periods_read, self._read_failed)

    def _read_failed(self, error: BaseException) -> None:
        error = refusal(error)
        self.summary.setText(f"读取失败：{error}")

    def _periods_read(self, read: tuple[Cutoff, list[Period], int, list[BoardRow]]) -> None:
        self.cutoff, self.periods, default, rows = read
        cutoff = self.cutoff
        self.cutoff_label.setText(f"报送截止：{cutoff.describe()}；调度期结束仍未报送的为未报。")
        self.period_box.blockSignals(True)
        self.period_box.clear()
        for i, p in enumerate(self.periods):
            self.period_box.addItem(p.label() + ("（本期，进行中）" if i == 0 else ""))
        self.period_box.setCurrentIndex(default)
        self.period_box.blockSignals(False)
        self._fill_board(rows)

    @property
    def period(self) -> Period:
        return self.periods[max(self.period_box.currentIndex(), 0)]

    def show_board(self) -> None:
        """The chosen period's board, read on the operations thread (the old one shows until then)."""
        if not self.periods:
            return
        dispatch, period = self.ctx.ledger.dispatch, self.period
        self.reads.run(lambda: dispatch.board(period), self._fill_board, self._read_failed)

    def _fill_board(self, rows: list[BoardRow]) -> None:
        self.rows = rows
        self.model.set_rows(
            [
                (
                    r.unit.name,
                    KIND_NAMES[r.unit.kind],
                    r.status,
                    f"{r.submitted_at:%Y-%m-%d %H:%M}" if r.submitted_at else "",
                    r.submitted_by,
                    r.via,
                )
                for r in self.rows
            ],
            backgrounds=[COLORS[r.status] for r in self.rows],
        )
        counts = {s: sum(1 for r in self.rows if r.status == s) for s in COLORS}
        if not self.rows:
            self.summary.setText("台账中还没有问题，没有需要报送的单位。")
            return
        parts = [f"{s} {n} 个" for s, n in counts.items() if n]
        late = [r.unit.name for r in self.rows if r.status == "迟报"]
        missing = [r.unit.name for r in self.rows if r.status == "未报"]
        text = f"应报送单位 {len(self.rows)} 个：" + "，".join(parts) + "。"
        if late:
            text += f"迟报：{'、'.join(late)}。"
        if missing:
            text += f"未报：{'、'.join(missing)}。"
        self.summary.setText(text)

    # -- actions -----------------------------------------------------------------------------------------
    def _unit_for_confirm(self) -> tuple[str, int, str] | None:
        """The selected row's unit, else the user's own (a township first, then a department)."""
        actor = self.ctx.actor
        picked = self.view.selectionModel().selectedRows()
        if picked:
            r = self.rows[picked[0].row()]
            return r.unit.kind, r.unit.id, r.unit.name
        for r in self.rows:
            if (r.unit.kind == "township" and r.unit.id == actor.township_id) or (
                r.unit.kind == "department" and r.unit.id == actor.department_id
            ):
                return r.unit.kind, r.unit.id, r.unit.name
        return None

    def confirm(self, ask: bool = True) -> None:
        """确认本期进度 of the selected unit (or the user's own), written on the operations thread;
        the board is read again when it is done (`confirmed` holds the row written)."""
        unit = self._unit_for_confirm()
        if unit is None:
            QMessageBox.information(self, "确认本期进度", "请先在表中选择要确认的单位。")
            return
        kind, unit_id, name = unit
        period = self.period
        if ask:
            answer = QMessageBox.question(
                self, "确认本期进度", f"确认{name}已报送{period.label()}的整改进度？\n确认时间将记入审计日志。"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        lg, actor = self.ctx.ledger, self.ctx.actor
        run_guarded(
            self, lambda: lg.dispatch.confirm(actor, kind, unit_id, period), self._confirmed,
            busy=[self.confirm_button],
        )  # fmt: skip

    def _confirmed(self, row: BoardRow) -> None:
        self.confirmed = row
        self.show_board()

    def issue(self, path: str | None = None) -> None:
        """印发通报: the bulletin rendered (and its number taken) on the operations thread."""
        from reports.bulletin import render_bulletin

        period = self.period
        if path is None:
            suggested = str(Path.home() / f"调度通报_{period.end:%Y%m%d}.pdf")
            path, _ = QFileDialog.getSaveFileName(self, "印发调度通报", suggested, "PDF 文件 (*.pdf)")
            if not path:
                return
        lg, actor, target = self.ctx.ledger, self.ctx.actor, path

        def issued(result: BulletinResult) -> None:
            again = "（重印，期号不变）" if result.reprint else ""
            QMessageBox.information(
                self, "印发调度通报", f"已生成{result.year}年第{result.number}期调度通报{again}：\n{result.path}"
            )

        run_guarded(self, lambda: render_bulletin(lg, target, actor, period=period), issued, busy=[self.issue_button])

    def edit_cutoff(self, values: tuple[int, str, int] | None = None) -> None:
        if values is None:
            if self.cutoff is None:
                return  # not read yet: the button answers once the page has read
            dialog = CutoffDialog(self.cutoff, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            values = dialog.values()
        lg, actor, chosen = self.ctx.ledger, self.ctx.actor, values
        run_guarded(
            self, lambda: lg.dispatch.set_cutoff(actor, *chosen), lambda _c: self.reload(),
            busy=[self.settings_button],
        )  # fmt: skip
