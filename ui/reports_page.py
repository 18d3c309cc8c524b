"""报表中心: pick a report, narrow it down, choose where to save, render off the GUI thread with a
progress bar and a cancel button, then open the PDF with the system viewer."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontMetrics
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ledger import CaseFilter
from ledger.errors import ValidationError
from reports.kinds import KINDS, ReportRequest, ReportResult
from ui.common import from_qdate, message, settings, show_error, to_qdate
from ui.context import AppContext
from ui.ops import ops
from ui.printing import print_with_progress
from ui.tasks import run_with_progress
from ui.widgets import scope_combos, unmask_fields
from ui.year_scope import YearScope

if TYPE_CHECKING:
    from ledger import Ledger
    from reports.fonts import FontSet

DESCRIPTIONS = {
    "ledger": "每周上墙、归档的问题整改台账：周报简表或完整30列，A4或A3横向，逐页重复表头。",
    "weekly": "向领导报送的进度周报：总体数字、图表、分类别/乡镇/单位排名及文字说明。",
    "timetable": "整改时间表（路线图）：交办至时限的横道图，核验、审批节点，今日线，逾期标红。",
    "closure": "销号审批表：一案一页，含责任单位、乡镇、县三级签批及盖章栏、整改前后照片和核对二维码。",
    "household": "一户一档：农户信息、家庭成员、各部门问题按时间排列、佐证照片缩略图和一户一码。",
    "letter": "督办函：按 GB/T 9704 公文格式致责任单位，列出其逾期问题清单；"
    "不选责任单位时为每个有逾期问题的单位各出一函。",
    "reminders": "到期提醒清单：本单位（乡镇或责任单位）即将到期的整改中问题，按到期先后排列，提醒天数见规则。",
}


def household_of(lg: Ledger, id_number: str) -> int:
    """The household whose 户主 has this ID number (ValidationError when none), for the operations thread."""
    found = lg.households.find_by_id_number(id_number)
    if found is None:
        raise ValidationError("台账中没有以该身份证号登记的户主")
    return found.id


def output_folder() -> Path:
    """Where reports are saved unless the user picks another place: 我的文档."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())


class ReportsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._fonts: FontSet | None = None  # found at the first report (ReportLab loads then)
        self.last: ReportResult | None = None
        lg = ctx.ledger

        self.kinds = QListWidget()
        for kind, title in KINDS.items():
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, kind)
            item.setToolTip(DESCRIPTIONS[kind])
            self.kinds.addItem(item)
        self.kinds.setObjectName("reportKinds")
        self.kinds.setStyleSheet("#reportKinds { font-size: 11pt; } #reportKinds::item { padding: 8px 10px; }")
        big = self.kinds.font()
        big.setPointSizeF(11)
        self.kinds.setMinimumWidth(QFontMetrics(big).horizontalAdvance("整改进度周报") + 48)
        self.kinds.setMaximumWidth(QFontMetrics(big).horizontalAdvance("整改进度周报") * 2)
        self.description = QLabel()
        self.description.setWordWrap(True)

        self.township, self.department, self.category, self.state = scope_combos(lg)
        self.case_number = QLineEdit()
        self.case_number.setPlaceholderText("留空则打印所选范围内全部待审批、已销号问题")
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText("户主身份证号")
        self.group_by = QComboBox()
        self.group_by.addItem("按责任单位分组", "department")
        self.group_by.addItem("按乡镇分组", "township")
        # the last full report week (office cut-off), read on the operations thread: the week up to
        # today stands until it arrives, and a date the clerk changed meanwhile is kept
        self.period_start = QDateEdit(to_qdate(lg.today() - dt.timedelta(days=6)))
        self.period_end = QDateEdit(to_qdate(lg.today()))
        for edit in (self.period_start, self.period_end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setMaximumDate(to_qdate(lg.today()))
        self._period_guess = (self.period_start.date(), self.period_end.date())
        ops().run(lg.reporting.default_period, self._default_period, lambda _error: None, owner=self)
        period_row = QHBoxLayout()
        period_row.addWidget(self.period_start)
        period_row.addWidget(QLabel("至"))
        period_row.addWidget(self.period_end)
        period_row.addStretch(1)
        self.period = QWidget()
        self.period.setLayout(period_row)
        period_row.setContentsMargins(0, 0, 0, 0)
        self.issue_label = QLabel("期数：自动编号（每期一号，重印同期沿用原号）")
        self.reviewer = QLineEdit(str(settings().value("reports/reviewer", "") or ""))
        self.reviewer.setPlaceholderText("打印在落款处；留空则留出签字横线")
        self.signer = QLineEdit(str(settings().value("reports/signer", "") or ""))
        self.signer.setPlaceholderText("周报签发人；留空则留出签字横线")
        for name_field in (self.reviewer, self.signer):
            name_field.setMaxLength(20)
        self.profile = QComboBox()
        self.profile.addItem("周报简表（13列，默认）", "brief")
        self.profile.addItem("完整（全部30列，宜用A3纸）", "full")
        self.paper = QComboBox()
        self.paper.addItem("A4 横向", "A4")
        self.paper.addItem("A3 横向", "A3")
        # 30 columns only read well on A3: choosing 完整 proposes it (the clerk may still pick A4)
        self.profile.currentIndexChanged.connect(self._propose_paper)
        # 按村 (reports/village_reports.py): 村级台账 a section or a file per village; 周报 六、分村情况
        self.village_ledger = QComboBox()
        self.village_ledger.addItem("不分村", "")
        self.village_ledger.addItem("村级台账：所选乡镇每村一节，合为一个PDF", "sections")
        self.village_ledger.addItem("村级台账：所选乡镇每村一个文件（保存到文件夹）", "files")
        self.village_weekly = QCheckBox("加“分村情况”：各乡镇的村按销号率排名")
        self.unmask, self.reason = unmask_fields(ctx.actor, "打印完整身份证号和电话")
        self.target = QLineEdit()
        browse = QPushButton("选择…")
        browse.clicked.connect(self.browse)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target, 1)
        target_row.addWidget(browse)
        self.village_ledger.currentIndexChanged.connect(
            lambda _i: self.target.setText(str(self.default_target(self.kind)))
        )

        self.form = QFormLayout()
        self.form.addRow("乡镇：", self.township)
        self.form.addRow("责任单位：", self.department)
        self.form.addRow("问题类别：", self.category)
        self.form.addRow("状态：", self.state)
        self.year_scope = YearScope(lg.today().year, lg.today())  # 统计年度 (ledger/scope.py)
        self.year_scope.read_years(lg)  # the earlier years join the list when read (operations thread)
        self.form.addRow("", self.year_scope)
        self.form.addRow("问题编号：", self.case_number)
        self.form.addRow("户主身份证号：", self.id_number)
        self.form.addRow("时间表分组：", self.group_by)
        self.form.addRow("统计周期：", self.period)
        self.form.addRow("", self.issue_label)
        self.form.addRow("台账列：", self.profile)
        self.form.addRow("纸张：", self.paper)
        self.form.addRow("按村：", self.village_ledger)
        self.form.addRow("分村：", self.village_weekly)
        self.form.addRow("审核人：", self.reviewer)
        self.form.addRow("签发人：", self.signer)
        self.form.addRow("", self.unmask)
        self.form.addRow("用途：", self.reason)
        self.form.addRow("保存到：", target_row)

        self.generate = QPushButton("生成报表")
        self.generate.setDefault(True)
        self.generate.clicked.connect(self.make_report)
        self.print_button = QPushButton("打印…")
        self.print_button.setEnabled(False)
        self.print_button.setToolTip("用系统打印对话框打印刚生成的报表")
        self.print_button.clicked.connect(lambda: self.print_last())
        self.open_button = QPushButton("打开文件")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_last)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)

        right = QVBoxLayout()
        heading = QLabel("报表中心")
        heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        right.addWidget(heading)
        right.addWidget(self.description)
        right.addLayout(self.form)
        right.addLayout(buttons)
        right.addWidget(self.status)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.kinds)
        layout.addLayout(right, 1)

        self.kinds.currentRowChanged.connect(self.kind_changed)
        self.kinds.setCurrentRow(1)  # the weekly report is the one asked for most

    # -- form ----------------------------------------------------------------------------------------
    def _default_period(self, period: tuple[dt.date, dt.date]) -> None:
        if (self.period_start.date(), self.period_end.date()) == self._period_guess:
            self.period_start.setDate(to_qdate(period[0]))
            self.period_end.setDate(to_qdate(period[1]))

    @property
    def kind(self) -> str:
        item = self.kinds.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else "weekly"

    def kind_changed(self) -> None:
        kind = self.kind
        self.description.setText(DESCRIPTIONS[kind])
        visible = {
            self.township: kind in ("ledger", "weekly", "timetable", "closure", "reminders"),
            self.department: kind in ("ledger", "weekly", "timetable", "closure", "letter", "reminders"),
            self.category: kind in ("ledger", "weekly", "timetable", "closure"),
            self.state: kind in ("ledger", "timetable", "closure"),
            self.case_number: kind == "closure",
            self.id_number: kind == "household",
            self.group_by: kind == "timetable",
            self.period: kind == "weekly",
            self.issue_label: kind == "weekly",
            self.profile: kind == "ledger",
            self.paper: kind == "ledger",
            self.village_ledger: kind == "ledger",
            self.village_weekly: kind == "weekly",
            self.reviewer: kind in ("ledger", "weekly", "timetable"),
            self.signer: kind == "weekly",
            self.unmask: kind in ("ledger", "closure", "household"),
            self.reason: kind in ("ledger", "closure", "household"),
        }
        for widget, shown in visible.items():
            self.form.setRowVisible(widget, shown)
        self.period.setEnabled(kind == "weekly")
        self.target.setText(str(self.default_target(kind)))

    def default_target(self, kind: str) -> Path:
        if kind == "ledger" and self.village_ledger.currentData() == "files":
            return output_folder() / f"村级台账_{dt.date.today():%Y%m%d}"  # a folder
        return output_folder() / f"{KINDS[kind]}_{dt.date.today():%Y%m%d}.pdf"

    def browse(self) -> None:
        if self.kind == "ledger" and self.village_ledger.currentData() == "files":
            folder = QFileDialog.getExistingDirectory(self, "村级台账保存到文件夹", self.target.text())
            if folder:
                self.target.setText(folder)
            return
        chosen, _ = QFileDialog.getSaveFileName(self, "保存报表", self.target.text(), "PDF 文件 (*.pdf)")
        if chosen:
            self.target.setText(chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf")

    def request(self) -> ReportRequest:
        """The form as a request. It reads nothing: a household's 户主 is looked up by its ID number
        when the report is made, on the operations thread (make_report)."""
        kind = self.kind
        state = self.state.currentData() if self.form.isRowVisible(self.state) else None
        f = CaseFilter(
            township_id=self.township.currentData() if self.form.isRowVisible(self.township) else None,
            department_id=self.department.currentData(),
            category=self.category.currentData() if self.form.isRowVisible(self.category) else None,
            states=(state,) if state else (),
            include_void=False,
            scope=self.year_scope.scope() if kind not in ("household", "closure") else None,
        )
        if not self.target.text().strip():
            raise ValidationError("请选择报表的保存位置")
        start, end = from_qdate(self.period_start.date()), from_qdate(self.period_end.date())
        if kind == "weekly" and start > end:
            raise ValidationError("统计周期的开始日期晚于结束日期")
        return ReportRequest(
            kind=kind,
            filter=f,
            case_number=self.case_number.text().strip() or None if kind == "closure" else None,
            group_by=self.group_by.currentData(),
            unmask=self.unmask.isChecked() and self.unmask.isEnabled() and self.form.isRowVisible(self.unmask),
            reason=self.reason.text(),
            period_start=start if kind == "weekly" else None,
            period_end=end if kind == "weekly" else None,
            reviewer=self.reviewer.text().strip() if self.form.isRowVisible(self.reviewer) else "",
            signer=self.signer.text().strip() if kind == "weekly" else "",
            profile=self.profile.currentData() if kind == "ledger" else "brief",
            paper=self.paper.currentData() if kind == "ledger" else "A4",
            by_village=(kind == "ledger" and bool(self.village_ledger.currentData()))
            or (kind == "weekly" and self.village_weekly.isChecked()),
        )

    # -- rendering ----------------------------------------------------------------------------------
    def _propose_paper(self) -> None:
        self.paper.setCurrentIndex(self.paper.findData("A3" if self.profile.currentData() == "full" else "A4"))

    def make_report(self) -> bool:
        try:
            request = self.request()
        except ValidationError as err:
            show_error(self, err)
            return False
        lg, actor = self.ctx.ledger, self.ctx.actor
        target = Path(self.target.text().strip())
        s = settings()  # the names are the same next week
        s.setValue("reports/reviewer", self.reviewer.text().strip())
        s.setValue("reports/signer", self.signer.text().strip())

        split = request.kind == "ledger" and self.village_ledger.currentData() == "files"

        from reports.fonts import FontSet
        from reports.render import render_report
        from reports.village_reports import render_village_files

        id_number = self.id_number.text() if request.kind == "household" else None

        def work(progress, cancelled) -> ReportResult:
            asked = request if id_number is None else replace(request, household_id=household_of(lg, id_number))
            if self._fonts is None:
                self._fonts = FontSet.discover()
            if split:  # 村级台账, one file per village: the summary of the whole run
                files = render_village_files(lg, asked, target, actor, fonts=self._fonts, cancelled=cancelled)
                return ReportResult(
                    target,
                    sum(r.pages for r in files),
                    sum(r.cases for r in files),
                    [m for r in files for m in r.missing],
                    sum(r.seconds for r in files),
                    f"共 {len(files)} 个村，每村一个文件",
                )
            return render_report(lg, asked, target, actor, fonts=self._fonts, progress=progress, cancelled=cancelled)

        ok, result = run_with_progress(self, "生成报表", f"正在生成{KINDS[request.kind]}（可随时取消）…", work)
        if not ok or result is None:
            self.status.setText("未生成报表。")
            return False
        self.last = result
        self.open_button.setEnabled(True)
        self.print_button.setEnabled(True)
        self.status.setText(
            f"已生成 {result.path}：{result.pages} 页，{result.cases} 个问题，用时 {result.seconds:.1f} 秒。"
            f"\n字体：{result.fonts}"
        )
        if result.missing:
            message(
                self,
                "有字符无法显示",
                "以下字符所有已安装字体都没有，报表中已以“〓”代替，请打印后手工补写，"
                "或将含这些字的 TrueType 字体放入数据目录的 fonts 文件夹：\n" + "\n".join(result.missing),
                QMessageBox.Icon.Warning,
            )
        return True

    def print_last(self, printer: QPrinter | None = None) -> int:
        """Print the report just generated (the print dialog, or `printer` as set up by a test)."""
        if self.last is None:
            return 0
        pages = print_with_progress(self, self.last.path, printer)
        self.status.setText(
            f"已送打印机：{self.last.path.name}，{pages} 页。" if pages else f"未打印 {self.last.path.name}。"
        )
        return pages

    def open_last(self) -> None:
        if self.last is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last.path)))
