"""导入导出: the Excel import wizard (choose a file → check the column mapping → preview every row's
outcome → save the error list → confirm) and the exports (上报台账, 统计表, 部门填报表). Reading,
checking and writing run off the GUI thread behind a progress dialog with a cancel button."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ledger import CaseFilter, ids
from ledger.dto import Change
from ledger.errors import ValidationError
from ledger.services.imports import IMPORT_ROLES, ImportPlan, RowOutcome
from ledger.tabular import FIELD_NAMES, SYNONYMS, normal_text
from reports.kinds import TEMPLATES, ExportRequest, ExportResult
from ui.common import documents, show_error
from ui.context import AppContext
from ui.ops import ops
from ui.roster_import import RosterImportTab
from ui.tasks import run_with_progress
from ui.widgets import scope_combos, unmask_fields
from ui.year_scope import YearScope

STATUS_COLOURS = {"invalid": "#fde2e1", "conflict": "#fde2e1", "duplicate": "#fff2cc", "new": "#e2f0d9"}
IGNORE = "（不导入）"


class OutcomeModel(QAbstractTableModel):
    """The preview's rows: 行号, 结果, 问题编号, 说明 (reasons, or what will be done)."""

    HEADERS = ("行号", "结果", "问题编号", "说明")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RowOutcome] = []

    def show(self, rows: list[RowOutcome]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        outcome = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == 0:
                return outcome.row
            if col == 1:
                return outcome.status_name
            if col == 2:
                return outcome.case_number
            return "；".join(outcome.reasons or outcome.notes)
        if role == Qt.ItemDataRole.BackgroundRole and outcome.status in STATUS_COLOURS:
            return QBrush(QColor(STATUS_COLOURS[outcome.status]))
        return None


class ImportTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.plan: ImportPlan | None = None
        self.path = QLineEdit()
        self.path.setPlaceholderText("乡镇报来的问题台账或责任单位交回的填报表（.xlsx 或 .csv）")
        browse = QPushButton("选择文件…")
        browse.clicked.connect(self.browse)
        self.preview_button = QPushButton("读取并预览")
        self.preview_button.setDefault(True)
        self.preview_button.clicked.connect(self.preview)
        top = QHBoxLayout()
        top.addWidget(QLabel("文件："))
        top.addWidget(self.path, 1)
        top.addWidget(browse)
        top.addWidget(self.preview_button)

        self.info = QLabel("第一步：选择文件后点“读取并预览”。此时不会写入台账。")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.mapping = QTableWidget(0, 3)
        self.mapping.setHorizontalHeaderLabels(["表中列名", "示例值", "对应到台账的列"])
        self.mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.mapping.verticalHeader().setVisible(False)
        self.remap_button = QPushButton("按修改后的对应重新预览")
        self.remap_button.setEnabled(False)
        self.remap_button.clicked.connect(self.preview)

        self.summary = QLabel()
        self.summary.setStyleSheet("font-weight: bold;")
        self.which = QComboBox()
        self.which.addItem("只看未导入的行", "refused")
        self.which.addItem("全部行", "all")
        self.which.currentIndexChanged.connect(self.show_outcomes)
        self.outcomes = OutcomeModel()
        self.table = QTableView()
        self.table.setModel(self.outcomes)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)

        self.errors_button = QPushButton("保存错误清单…")
        self.errors_button.setEnabled(False)
        self.errors_button.clicked.connect(self.save_errors)
        self.commit_button = QPushButton("确认导入")
        self.commit_button.setEnabled(False)
        self.commit_button.clicked.connect(self.commit)
        bottom = QHBoxLayout()
        bottom.addWidget(self.which)
        bottom.addStretch(1)
        bottom.addWidget(self.errors_button)
        bottom.addWidget(self.commit_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        mapping_row = QHBoxLayout()
        mapping_row.addWidget(self.mapping, 1)
        mapping_row.addWidget(self.remap_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(mapping_row, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 3)
        layout.addLayout(bottom)
        if not ctx.actor.roles & (IMPORT_ROLES | {"dept_officer"}):
            self.preview_button.setEnabled(False)
            self.info.setText("导入须由录入员、县级统筹或责任单位经办人办理，您的账号只能导出。")

    # -- step 1: the file ------------------------------------------------------------------------------
    def browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "选择要导入的文件", str(documents()), "Excel 工作簿 (*.xlsx);;CSV 文件 (*.csv);;所有文件 (*)"
        )
        if chosen:
            self.path.setText(chosen)
            self.plan = None
            self.preview()

    def current_mapping(self) -> dict[int, str] | None:
        """The mapping as the user left it in the table (None before the first preview)."""
        if self.plan is None:
            return None
        out = {}
        for row in range(self.mapping.rowCount()):
            combo, label = self.mapping.cellWidget(row, 2), self.mapping.item(row, 0)
            field = combo.currentData() if isinstance(combo, QComboBox) else None
            if field and label is not None:
                out[int(label.data(Qt.ItemDataRole.UserRole))] = field
        return out

    def preview(self) -> bool:
        text = self.path.text().strip()
        if not text:
            show_error(self, ValidationError("请先选择要导入的文件"))
            return False
        lg, actor = self.ctx.ledger, self.ctx.actor
        mapping = self.current_mapping()
        keep_table = self.plan.table if self.plan is not None and mapping is not None else None

        def work(progress, cancelled) -> ImportPlan:
            table = keep_table or lg.imports.read(Path(text), cancelled=cancelled)
            return lg.imports.prepare(table, actor, mapping, progress=progress, cancelled=cancelled)

        ok, plan = run_with_progress(self, "读取并校验", "正在读取并逐行校验（不会写入台账）…", work)
        if not ok or plan is None:
            return False
        self.show_plan(plan)
        return True

    # -- step 2: mapping and outcomes -----------------------------------------------------------------
    def show_plan(self, plan: ImportPlan) -> None:
        self.plan = plan
        layout = plan.layout
        header = "、".join(str(r + 1) for r in layout.header_rows)
        kind = "责任单位填报表" if plan.mode == "fillin" else "问题台账"
        lines = [
            f"{plan.file_name}：工作表“{plan.sheet or 'CSV'}”，识别为{kind}，表头在第 {header} 行"
            + (f"（标题：{layout.title}）" if layout.title else "")
            + "。请核对下表的列对应，必要时修改后重新预览。"
        ]
        lines += [f"提示：{w}" for w in plan.warnings]
        if plan.already:
            lines.append(plan.already)
        self.info.setText("\n".join(lines))
        choices = [(IGNORE, "")] + [(FIELD_NAMES.get(f, f), f) for f in SYNONYMS if f in FIELD_NAMES]
        sample_row = plan.table.rows[layout.data_start] if layout.data_start < len(plan.table.rows) else []
        self.mapping.setRowCount(0)
        for col, label in enumerate(layout.labels):
            if not label:
                continue
            row = self.mapping.rowCount()
            self.mapping.insertRow(row)
            item = QTableWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, col)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.mapping.setItem(row, 0, item)
            value = normal_text(sample_row[col]) if col < len(sample_row) else ""
            if plan.mapping.get(col) in ("head_id", "phone"):
                value = ids.mask(value)  # personal numbers stay masked on screen too
            sample = QTableWidgetItem(value)
            sample.setFlags(sample.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.mapping.setItem(row, 1, sample)
            combo = QComboBox()
            for name, value in choices:
                combo.addItem(name, value)
            combo.setCurrentIndex(max(0, combo.findData(plan.mapping.get(col, ""))))
            combo.currentIndexChanged.connect(lambda _i: self.remap_button.setEnabled(True))
            self.mapping.setCellWidget(row, 2, combo)
        self.mapping.resizeColumnToContents(0)
        self.mapping.setColumnWidth(2, 160)
        self.remap_button.setEnabled(False)
        self.summary.setText(f"预览：{plan.summary()}。" + ("（此文件已导入过）" if plan.already else ""))
        self.show_outcomes()
        self.errors_button.setEnabled(bool(plan.refused))
        writes = plan.writes
        self.commit_button.setEnabled(writes > 0)
        counts = plan.counts
        self.commit_button.setText(
            f"确认导入（新增 {counts['new']:,}，更新 {counts['updated']:,}）" if writes else "确认导入"
        )

    def show_outcomes(self) -> None:
        if self.plan is None:
            return
        refused_only = self.which.currentData() == "refused"
        self.outcomes.show(self.plan.refused if refused_only else self.plan.outcomes)
        self.table.resizeColumnsToContents()

    # -- step 3: error list, commit ---------------------------------------------------------------------
    def save_errors(self, target: str | None = None) -> ExportResult | None:
        plan = self.plan
        if plan is None:
            return None
        if target is None:
            default = documents() / f"{Path(plan.file_name).stem}_错误清单.xlsx"
            target, _ = QFileDialog.getSaveFileName(self, "保存错误清单", str(default), "Excel 工作簿 (*.xlsx)")
            if not target:
                return None
        from reports.excel import write_errors  # openpyxl loads with the first workbook

        lg, actor = self.ctx.ledger, self.ctx.actor
        ok, result = run_with_progress(
            self,
            "保存错误清单",
            "正在写出错误清单…",
            lambda progress, cancelled: write_errors(lg, plan, target, actor),
            cancellable=False,
        )
        if ok and result is not None:
            self.summary.setText(self.summary.text() + f"\n错误清单已保存：{result.path}（{result.rows} 行）")
        return result if ok else None

    def commit(self) -> bool:
        plan = self.plan
        if plan is None or not plan.writes:
            return False
        lg, actor = self.ctx.ledger, self.ctx.actor
        ok, result = run_with_progress(
            self,
            "导入",
            "正在写入台账（全部成功或全部不写入）…",
            lambda progress, cancelled: lg.imports.commit(plan, actor, progress=progress),
            cancellable=False,  # one transaction: all of it is written, or none
        )
        if not ok or result is None:
            return False
        self.plan = None
        self.commit_button.setEnabled(False)
        self.commit_button.setText("确认导入")
        self.summary.setText(
            f"已导入 {plan.file_name}：新增问题 {result.created:,} 个"
            + (f"（{result.first_number} 至 {result.last_number}）" if result.created else "")
            + f"，新登记农户 {result.households:,} 户，更新 {result.updated:,} 个，添加进度 {result.notes:,} 条。"
        )
        self.ctx.notify(Change(counts=True, households=result.households > 0, audit_seq=result.audit_seq))
        return True


class ExportTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.last: ExportResult | None = None
        lg = ctx.ledger
        self.template = QComboBox()
        for key, name in TEMPLATES.items():
            self.template.addItem(name, key)
        self.template.addItem("部门填报表（交责任单位填写后导回）", "fillin")
        self.township, self.department, self.category, self.state = scope_combos(lg)
        self.unmask, self.reason = unmask_fields(ctx.actor, "导出完整身份证号和电话")
        self.target = QLineEdit()
        browse = QPushButton("选择…")
        browse.clicked.connect(self.browse)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target, 1)
        target_row.addWidget(browse)
        self.form = QFormLayout()
        self.form.addRow("导出内容：", self.template)
        self.form.addRow("乡镇：", self.township)
        self.form.addRow("责任单位：", self.department)
        self.form.addRow("问题类别：", self.category)
        self.form.addRow("状态：", self.state)
        self.year_scope = YearScope(lg.today().year, lg.today())  # 统计年度 (ledger/scope.py)
        self.year_scope.read_years(lg)  # the earlier years join the list when read (operations thread)
        self.form.addRow("", self.year_scope)
        self.form.addRow("", self.unmask)
        self.form.addRow("用途：", self.reason)
        self.form.addRow("保存到：", target_row)
        self.export_button = QPushButton("导出")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.open_button = QPushButton("打开文件")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_last)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.template.currentIndexChanged.connect(self.template_changed)
        # the county's name heads the file names; read on the operations thread, named again when it
        # arrives unless the clerk typed a name meanwhile
        self._county = ""
        self._suggested = ""
        self.template_changed()
        ops().run(lambda: lg.meta("county_name", ""), self._county_read, lambda _error: None, owner=self)

    def _county_read(self, county: str) -> None:
        self._county = county
        if self.target.text() == self._suggested:
            self.template_changed()

    @property
    def kind(self) -> str:
        return str(self.template.currentData())

    def template_changed(self) -> None:
        kind = self.kind
        fillin = kind == "fillin"
        for widget in (self.township, self.category, self.state):
            self.form.setRowVisible(widget, not fillin)
        self.form.setRowVisible(self.unmask, kind == "handoff")
        self.form.setRowVisible(self.reason, kind == "handoff")
        if fillin and self.department.currentData() is None and self.department.count() > 1:
            self.department.setCurrentIndex(1)
        names = {"handoff": "上报台账", "statistics": "整改进度统计表", "fillin": "填报表"}
        prefix = self.department.currentText() if fillin else self._county
        self._suggested = str(documents() / f"{prefix}{names[kind]}_{dt.date.today():%Y%m%d}.xlsx")
        self.target.setText(self._suggested)

    def browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "保存", self.target.text(), "Excel 工作簿 (*.xlsx)")
        if chosen:
            self.target.setText(chosen if chosen.lower().endswith(".xlsx") else chosen + ".xlsx")

    def export(self) -> bool:
        lg, actor = self.ctx.ledger, self.ctx.actor
        target = Path(self.target.text().strip())
        kind = self.kind
        if not self.target.text().strip():
            show_error(self, ValidationError("请选择保存位置"))
            return False
        from reports.excel import export_fillin, export_workbook  # openpyxl loads with the first workbook

        department_id = self.department.currentData()
        if kind == "fillin":
            if department_id is None:
                show_error(self, ValidationError("部门填报表须选择责任单位"))
                return False

            def work(progress, cancelled) -> ExportResult:
                return export_fillin(lg, department_id, target, actor, progress=progress)

        else:
            state = self.state.currentData()
            request = ExportRequest(
                filter=CaseFilter(
                    township_id=self.township.currentData(),
                    department_id=department_id,
                    category=self.category.currentData(),
                    states=(state,) if state else (),
                    include_void=False,
                    scope=self.year_scope.scope(),
                ),
                template=kind,
                unmask=kind == "handoff" and self.unmask.isChecked() and self.unmask.isEnabled(),
                reason=self.reason.text(),
            )

            def work(progress, cancelled) -> ExportResult:
                return export_workbook(lg, request, target, actor, progress=progress, cancelled=cancelled)

        ok, result = run_with_progress(self, "导出", "正在写出工作簿（可随时取消）…", work)
        if not ok or result is None:
            self.status.setText("未导出。")
            return False
        self.last = result
        self.open_button.setEnabled(True)
        self.status.setText(f"已导出 {result.path}：{result.rows:,} 行，用时 {result.seconds:.1f} 秒。")
        return True

    def open_last(self) -> None:
        if self.last is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last.path)))


class ExchangePage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        heading = QLabel("导入导出")
        heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.importer = ImportTab(ctx)
        self.exporter = ExportTab(ctx)
        self.roster = RosterImportTab(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.importer, "导入 Excel")
        self.tabs.addTab(self.roster, "导入农户名册")
        self.tabs.addTab(self.exporter, "导出 Excel")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.tabs, 1)
