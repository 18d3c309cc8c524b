"""导入农户名册: the household roster import (ledger/services/household_import.py) as a tab of 导入导出 —
choose a file → preview every household (新增 / 更新 with what changes / 无变化 / 有误 with why) →
confirm, all or nothing. Reading, checking and writing run off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.dto import Change
from ledger.errors import ValidationError
from ledger.services.household_import import IMPORT_ROLES, HouseholdImportPlan, HouseholdOutcome
from ui.common import documents, show_error
from ui.context import AppContext
from ui.models import ListTableModel
from ui.tasks import run_with_progress

COLOURS = {"invalid": "#fde2e1", "new": "#e2f0d9", "updated": "#fff2cc"}


HEADERS = ("户编号", "户主", "行号", "结果", "说明")


def _cells(h: HouseholdOutcome) -> tuple[object, ...]:
    lines = f"{h.rows[0]}" if len(h.rows) == 1 else f"{h.rows[0]}–{h.rows[-1]}"
    said = "；".join(h.reasons if h.status == "invalid" else h.changes + h.notes)
    return (h.key, h.head_name, lines, h.status_name, said)


class RosterImportTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.plan: HouseholdImportPlan | None = None
        self.path = QLineEdit()
        self.path.setPlaceholderText("防返贫监测系统导出的农户/家庭成员名册（.xlsx 或 .csv，每人一行）")
        browse = QPushButton("选择文件…")
        browse.clicked.connect(self.browse)
        self.preview_button = QPushButton("读取并预览")
        self.preview_button.clicked.connect(self.preview)
        top = QHBoxLayout()
        top.addWidget(QLabel("名册："))
        top.addWidget(self.path, 1)
        top.addWidget(browse)
        top.addWidget(self.preview_button)
        self.info = QLabel(
            "选择名册后点“读取并预览”，此时不会写入台账。名册只建立和更新农户、家庭成员和标签，不登记问题。"
        )
        self.info.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;")
        self.which = QComboBox()
        self.which.addItem("只看有变化和有误的户", "changes")
        self.which.addItem("全部户", "all")
        self.which.currentIndexChanged.connect(self.show_outcomes)
        self.outcomes = ListTableModel(HEADERS)
        self.table = QTableView()
        self.table.setModel(self.outcomes)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.commit_button = QPushButton("确认导入")
        self.commit_button.setEnabled(False)
        self.commit_button.clicked.connect(self.commit)
        bottom = QHBoxLayout()
        bottom.addWidget(self.which)
        bottom.addStretch(1)
        bottom.addWidget(self.commit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        if not ctx.actor.roles & IMPORT_ROLES:
            self.preview_button.setEnabled(False)
            self.info.setText("农户名册须由录入员或县级统筹导入。")

    def browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "选择农户名册", str(documents()), "Excel 工作簿 (*.xlsx);;CSV 文件 (*.csv);;所有文件 (*)"
        )
        if chosen:
            self.path.setText(chosen)
            self.preview()

    def preview(self) -> bool:
        text = self.path.text().strip()
        if not text:
            show_error(self, ValidationError("请先选择农户名册文件"))
            return False
        service, actor = self.ctx.ledger.household_import, self.ctx.actor

        def work(progress, cancelled) -> HouseholdImportPlan:
            table = service.read(Path(text), cancelled=cancelled)
            return service.prepare(table, actor, progress=progress, cancelled=cancelled)

        ok, plan = run_with_progress(self, "读取并校验", "正在读取名册并逐户核对（不会写入台账）…", work)
        if not ok or plan is None:
            return False
        self.show_plan(plan)
        return True

    def show_plan(self, plan: HouseholdImportPlan) -> None:
        self.plan = plan
        header = "、".join(str(r + 1) for r in plan.layout.header_rows)
        lines = [f"{plan.file_name}：工作表“{plan.sheet or 'CSV'}”，表头在第 {header} 行。"]
        lines += [f"提示：{w}" for w in plan.warnings]
        if plan.already:
            lines.append(plan.already)
        self.info.setText("\n".join(lines))
        text = f"预览：{plan.summary()}。"
        if plan.invalid:
            text += "有误的户须在名册中改正后重新导入；有误时不会写入任何数据。"
        elif not plan.writes:
            text += "台账已与名册一致，无需导入。"
        self.summary.setText(text)
        self.commit_button.setEnabled(bool(plan.writes) and not plan.invalid)
        c = plan.counts
        label = f"确认导入（新增 {c['new']:,} 户，更新 {c['updated']:,} 户）"
        self.commit_button.setText(label if plan.writes else "确认导入")
        self.show_outcomes()

    def show_outcomes(self) -> None:
        if self.plan is None:
            return
        rows = self.plan.households
        if self.which.currentData() == "changes":
            rows = [h for h in rows if h.status != "unchanged"]
        self.outcomes.set_rows([_cells(h) for h in rows], backgrounds=[COLOURS.get(h.status) for h in rows])
        self.table.resizeColumnsToContents()

    def commit(self) -> bool:
        plan = self.plan
        if plan is None or not plan.writes:
            return False
        service, actor = self.ctx.ledger.household_import, self.ctx.actor
        ok, result = run_with_progress(
            self,
            "导入农户名册",
            "正在写入台账（全部成功或全部不写入）…",
            lambda p, c: service.commit(plan, actor),
            cancellable=False,  # one transaction: all of it is written, or none
        )
        if not ok or result is None:
            return False
        self.plan = None
        self.commit_button.setEnabled(False)
        self.commit_button.setText("确认导入")
        self.summary.setText(
            f"已导入 {plan.file_name}：新建农户 {result.households_created:,} 户，"
            f"更新 {result.households_updated:,} 户；"
            f"新增成员 {result.members_added:,} 人，修改 {result.members_updated:,} 人；"
            f"新增标签 {result.tags_added:,} 个，结束 {result.tags_ended:,} 个。"
        )
        self.ctx.notify(Change(households=True, audit_seq=result.audit_seq))
        return True
