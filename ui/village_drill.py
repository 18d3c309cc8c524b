"""各村整改情况: a township's villages (累计发现, 未销号, 已销号, 销号率, 逾期, the open cases by
category, 清零状态), opened from the 工作台 by clicking the township's bar. The figures
(ledger/services/villages.py) are counted on the background lane (ui/ops.py) so neither the window
nor the clerk's next operation waits for them; a double-click on a village opens the ledger on its
cases."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QDialog, QDialogButtonBox, QLabel, QTableView, QVBoxLayout, QWidget

from ledger import CaseFilter
from ledger.scope import Scope
from ledger.services.villages import VillageFigures
from ui.common import refusal
from ui.context import AppContext
from ui.models import ListTableModel
from ui.ops import background

HEADERS = ["村", "累计发现", "未销号", "已销号", "销号率", "逾期", "未销号问题（按类别）", "清零状态"]
CLEARED_BG = "#e6f4ea"
OVERDUE_BG = "#fce8e6"


def village_row(f: VillageFigures, names: dict[str, str]) -> list[object]:
    cats = "、".join(f"{names.get(code, code)} {n} 个" for code, n in f.open_by_category.items())
    rate = f"{f.rate:.1%}" if f.total else "—"
    return [f.name, f.total, f.open, f.closed, rate, f.overdue, cats or "—", f.status]


class VillageDrillDialog(QDialog):
    """The villages of one township. `open_filter(CaseFilter, caption)` on a double-clicked row."""

    open_filter = Signal(object, str)
    loaded = Signal()

    def __init__(self, ctx: AppContext, township_id: int, parent: QWidget | None = None, scope: Scope | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.scope = scope  # the 工作台's 统计年度 (None: 全部年度)
        self.township_id = township_id
        self.township = ctx.ledger.catalog.region(township_id).name
        self.setWindowTitle(f"{self.township}各村整改情况")
        self.resize(980, 520)
        self.figures: list[VillageFigures] = []
        self.summary = QLabel(f"{self.township}各村整改情况：正在统计…")
        self.summary.setWordWrap(True)
        self.model = ListTableModel(HEADERS, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda index: self.open_village(index.row()))
        hint = QLabel(
            "双击某村，查看该村的问题清单。已清零：该村发现的问题已全部销号（或作废），日期为最后清零的日期。"
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6368;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        ledger, actor = ctx.ledger, ctx.actor
        self.job = background().start(
            lambda _p, _c: ledger.villages.figures(township_id, visible_to=actor, scope=scope),
            self.show_figures,
            self._not_counted,
            owner=self,
        )

    def _not_counted(self, error: BaseException) -> None:
        error = refusal(error)  # a bug: to the crash dialog
        self.summary.setText(f"{self.township}各村整改情况：统计失败（{error}）")

    def show_figures(self, figures: list[VillageFigures]) -> None:
        self.figures = figures
        names = self.ctx.ledger.catalog.category_names
        colours = [CLEARED_BG if f.cleared else OVERDUE_BG if f.overdue else None for f in figures]
        self.model.set_rows([village_row(f, names) for f in figures], backgrounds=colours)
        self.view.resizeColumnsToContents()
        total = sum(f.total for f in figures)
        closed = sum(f.closed for f in figures)
        cleared = sum(1 for f in figures if f.cleared)
        never = sum(1 for f in figures if not f.ever_had_cases)
        rate = f"{closed / total:.1%}" if total else "—"
        scope = f"（{self.scope.label}）" if self.scope else ""
        self.summary.setText(
            f"<b>{self.township}</b>{scope} 共 {len(figures)} 个村：累计发现 {total:,} 个问题，已销号 {closed:,} 个，"
            f"销号率 {rate}，逾期 {sum(f.overdue for f in figures):,} 个；"
            f"已清零 {cleared} 个村，未清零 {len(figures) - cleared - never} 个村，从未有问题 {never} 个村。"
        )
        self.loaded.emit()

    def open_village(self, row: int) -> None:
        if not 0 <= row < len(self.figures):
            return
        f = self.figures[row]
        flt = CaseFilter(township_id=f.township_id, village_id=f.village_id, include_void=False, scope=self.scope)
        self.open_filter.emit(flt, f"{self.township}{f.name}的问题")
