"""部门比对: choose a department roster (医保参保名单, 学籍, 危房鉴定, 供水检测), compare it with the
households, and review the candidates: 登记 makes the selected ones cases (发现方式 部门筛查预警),
排除 sets them aside with a reason (a rerun keeps them so). ID numbers are masked."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ledger import ids
from ledger.compare.views import CompareResult, FindingView, RegisterResult
from ledger.errors import PermissionDenied
from ui.common import run_guarded
from ui.context import AppContext
from ui.models import ListTableModel
from ui.reads import Latest
from ui.widgets import fit_columns, make_table

HEADERS = (
    "比对规则",
    "乡镇",
    "村",
    "户主",
    "成员",
    "身份证号",
    "名单行号",
    "匹配方式",
    "拟登记问题",
    "状态",
    "情况说明",
)
STATE_FILTERS = (("待核实", ("open",)), ("全部", ()), ("已登记", ("registered",)), ("已排除", ("dismissed",)),
                 ("已消失", ("gone",)))  # fmt: skip


class ComparePage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.kind = QComboBox()
        self.kind.addItems(["医保", "学籍", "危房", "供水"])
        self.states = QComboBox()
        for label, states in STATE_FILTERS:
            self.states.addItem(label, states)
        self.run_button = QPushButton("选择名单并比对…")
        self.register_button = QPushButton("登记为问题")
        self.dismiss_button = QPushButton("排除…")
        self.summary = QLabel("选择名单类型后点“选择名单并比对”。按姓名和村匹配的行须核实是否同一人。")
        self.summary.setWordWrap(True)
        self.model = ListTableModel(HEADERS, self)
        self.view = make_table(None, self)
        self.view.setModel(self.model)
        fit_columns(self.view, self.model)  # once: it refits on every reset (each call added one more refit)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.findings: list[FindingView] = []
        bar = QHBoxLayout()
        bar.addWidget(QLabel("名单类型："))
        bar.addWidget(self.kind)
        bar.addWidget(self.run_button)
        bar.addSpacing(20)
        bar.addWidget(QLabel("显示："))
        bar.addWidget(self.states)
        bar.addStretch(1)
        bar.addWidget(self.register_button)
        bar.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        may_run = ctx.has_role("coordinator")
        for button in (self.run_button, self.register_button, self.dismiss_button):
            button.setEnabled(may_run)
            if not may_run:
                button.setToolTip("只有县级统筹可以比对、登记和排除")
        self.run_button.clicked.connect(self.choose_and_run)
        self.register_button.clicked.connect(self.register_selected)
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        self.kind.currentIndexChanged.connect(self.reload)
        self.states.currentIndexChanged.connect(self.reload)
        self.reads = Latest(self)  # the findings, read on the operations thread
        self.result: CompareResult | None = None  # the last 比对 run from this page
        self.reload()

    # -- actions ------------------------------------------------------------------------------------
    def choose_and_run(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择部门名单", "", "Excel 工作簿或 CSV (*.xlsx *.csv)")
        if path:
            self.run_file(Path(path))

    def run_file(self, path: Path) -> None:
        """比对 the roster at `path` on the operations thread; `result` holds the outcome."""
        compare, actor, kind = self.ctx.ledger.compare, self.ctx.actor, self.kind.currentText()
        run_guarded(self, lambda: compare.run(actor, path, kind), self._ran, busy=[self.run_button])

    def _ran(self, result: CompareResult) -> None:
        self.result = result
        s = result.run.summary
        self.summary.setText(
            f"{result.run.file_name}（{result.run.batch}）：名单 {result.run.rows:,} 行，按身份证号匹配 "
            f"{s['matched_id']:,} 行，按姓名+村匹配 {s['matched_name']:,} 行（弱，须核实），未匹配 "
            f"{s['unmatched']:,} 行。候选 {len(result.findings):,} 条：新增 {len(result.new):,}，"
            f"无变化 {result.unchanged:,}，已消失 {len(result.gone):,}。"
        )
        self.reload()

    def selected(self) -> list[FindingView]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.findings[r] for r in rows if r < len(self.findings)]

    def register_selected(self) -> None:
        chosen = self.selected()
        if not chosen:
            QMessageBox.information(self, "部门比对", "请先选择要登记的候选问题")
            return
        compare, actor, ids_ = self.ctx.ledger.compare, self.ctx.actor, [f.id for f in chosen]

        def registered(done: RegisterResult) -> None:
            QMessageBox.information(
                self, "部门比对", f"已登记问题 {len(done.cases)} 个：{done.cases[0][2]} 至 {done.cases[-1][2]}"
            )
            self.reload()

        run_guarded(self, lambda: compare.register(actor, ids_), registered, busy=[self.register_button])

    def dismiss_selected(self) -> None:
        chosen = self.selected()
        if not chosen:
            QMessageBox.information(self, "部门比对", "请先选择要排除的候选问题")
            return
        reason, ok = QInputDialog.getText(self, "排除比对结果", f"排除 {len(chosen)} 条的原因（如：已在外地参保）：")
        if ok:
            self.dismiss(chosen, reason)

    def dismiss(self, chosen: list[FindingView], reason: str) -> None:
        compare, actor, ids_ = self.ctx.ledger.compare, self.ctx.actor, [f.id for f in chosen]
        run_guarded(self, lambda: compare.dismiss(actor, ids_, reason), lambda _d: self.reload(),
                    busy=[self.dismiss_button])  # fmt: skip

    # -- the list ----------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the findings on the operations thread; the list shown stays until they arrive."""
        compare, actor = self.ctx.ledger.compare, self.ctx.actor
        kind, states = self.kind.currentText(), self.states.currentData() or ()

        def work() -> tuple[list[FindingView], str | None]:
            try:  # a user who may not see the county's findings is told so on the page, not by a dialog
                return compare.findings(viewer=actor, kind=kind, states=states), None
            except PermissionDenied as err:
                return [], str(err)

        self.reads.run(work, lambda read: self._fill(*read))

    def _fill(self, found: list[FindingView], problem: str | None) -> None:
        if problem is not None:
            self.summary.setText(problem)
        self.findings = found
        self.model.set_rows(
            [
                (
                    f.rule,
                    f.township,
                    f.village,
                    f.head_name or "（村级）",
                    f.member_name,
                    ids.mask(f.id_number),
                    f.roster_row if f.roster_row is not None else "—",
                    f.match_name,
                    f.subcategory_name,
                    f.state_name + (f" {f.case_number}" if f.case_number else ""),
                    ids.mask_free_text(f.description),
                )
                for f in self.findings
            ]
        )
