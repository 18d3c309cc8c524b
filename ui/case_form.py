"""New case: live validation of the ID number (check character, birth date), the household found as
the ID is typed (or registered on the spot), and a warning about an open case of the same kind."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ledger import CaseFilter, ids
from ledger.dto import HouseholdView
from ledger.errors import LedgerError, ValidationError
from ledger.textrules import RULES
from ledger.workflow import OPEN_STATES
from ui.common import from_qdate, to_qdate
from ui.context import AppContext

OK = "color: #188038;"
BAD = "color: #d93025;"
WARN = "color: #e37400;"


class NewCaseDialog(QDialog):
    created = Signal(object)  # CaseResult

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("新增问题")
        self.household: HouseholdView | None = None
        cat = ctx.ledger.catalog
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText("18位身份证号，输入后自动查找农户")
        self.id_number.setMaxLength(24)
        self.id_status = QLabel()
        self.id_status.setWordWrap(True)

        self.household_box = QGroupBox("农户信息（新农户请补全）")
        self.head_name = QLineEdit()
        self.head_name.setMaxLength(RULES["head_name"].limit)
        self.township = QComboBox()
        for t in cat.townships():
            self.township.addItem(t.name, t.id)
        self.village = QComboBox()
        self.kind = QComboBox()
        for k in ctx.ledger.households.kinds:
            self.kind.addItem(k, k)
        self.people = QSpinBox()
        self.people.setRange(1, 30)
        self.people.setValue(3)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("选填")
        hform = QFormLayout(self.household_box)
        hform.addRow("户主姓名 *", self.head_name)
        hform.addRow("乡镇 *", self.township)
        hform.addRow("村 *", self.village)
        hform.addRow("户类型 *", self.kind)
        hform.addRow("家庭人口", self.people)
        hform.addRow("联系电话", self.phone)

        # 问题类别 then 问题子类, as on the paper ledger; the 子类 list follows the chosen 类别
        self.category = QComboBox()
        self.category.addItem("（请选择问题类别）", None)
        for code, name in cat.category_names.items():
            self.category.addItem(name, code)
        self.subcategory = QComboBox()
        self._fill_subcategories()
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText("问题的具体情况，如：房屋后墙开裂约2米，雨季漏雨")
        self.description.setFixedHeight(self.description.fontMetrics().height() * 4 + 12)
        self.source = QComboBox()
        for s in ctx.ledger.cases.sources:
            self.source.addItem(s, s)
        self.found_date = QDateEdit(to_qdate(ctx.ledger.today()))
        self.found_date.setCalendarPopup(True)
        self.found_date.setDisplayFormat("yyyy-MM-dd")
        self.found_date.setMaximumDate(to_qdate(ctx.ledger.today()))
        self.remarks = QLineEdit()
        self.remarks.setMaxLength(RULES["remarks"].limit)
        self.remarks.setPlaceholderText("选填")
        self.duplicate_warning = QLabel()
        self.duplicate_warning.setWordWrap(True)
        self.duplicate_warning.setStyleSheet(WARN)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(BAD)

        form = QFormLayout()
        form.addRow("身份证号 *", self.id_number)
        form.addRow("", self.id_status)
        case_form = QFormLayout()
        case_form.addRow("问题类别 *", self.category)
        case_form.addRow("问题子类 *", self.subcategory)
        case_form.addRow("问题描述 *", self.description)
        case_form.addRow("发现方式 *", self.source)
        case_form.addRow("发现时间 *", self.found_date)
        case_form.addRow("备注", self.remarks)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("登记")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.household_box)
        box = QGroupBox("问题")
        box.setLayout(case_form)
        layout.addWidget(box)
        layout.addWidget(self.duplicate_warning)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

        self.id_number.textChanged.connect(self._id_changed)
        self.township.currentIndexChanged.connect(self._fill_villages)
        self.category.currentIndexChanged.connect(self._fill_subcategories)
        self.subcategory.currentIndexChanged.connect(self._check_duplicate)
        for signal in (
            self.head_name.textChanged,
            self.description.textChanged,
            self.subcategory.currentIndexChanged,
            self.village.currentIndexChanged,
        ):
            signal.connect(self._validate)
        self._fill_villages()
        self._id_changed("")

    def _fill_subcategories(self) -> None:
        category = self.category.currentData()
        self.subcategory.clear()
        if category is None:
            self.subcategory.addItem("（请先选择问题类别）", None)
            return
        self.subcategory.addItem("（请选择问题子类）", None)
        for code, sub in self.ctx.ledger.catalog.subcategories.items():
            if sub.category == category:
                self.subcategory.addItem(sub.name, code)

    def select_subcategory(self, code: str) -> None:
        """Choose a 子类 by its code, its 类别 first (a duplicate check, a test, a screenshot)."""
        sub = self.ctx.ledger.catalog.subcategory(code)
        self.category.setCurrentIndex(self.category.findData(sub.category))
        self.subcategory.setCurrentIndex(self.subcategory.findData(code))

    def _fill_villages(self) -> None:
        self.village.clear()
        for v in self.ctx.ledger.catalog.villages(self.township.currentData()):
            self.village.addItem(v.name, v.id)

    def _id_changed(self, text: str) -> None:
        self.household = None
        number = ids.normalize(text)
        self.household_box.setEnabled(False)
        if not number:
            self.id_status.setStyleSheet("")
            self.id_status.setText("请输入身份证号")
        elif len(number) < 18 and not (len(number) == 15 and number.isdigit()):
            self.id_status.setStyleSheet("")
            self.id_status.setText(f"已输入 {len(number)} 位，共18位")
        else:
            try:
                canonical = ids.validate_id(number, today=self.ctx.ledger.today())
            except ValidationError as err:
                self.id_status.setStyleSheet(BAD)
                self.id_status.setText(str(err))
            else:
                found = self.ctx.ledger.households.find_by_id_number(canonical)
                if found is not None:
                    self.household = found
                    region = self.ctx.ledger.catalog.region
                    self.id_status.setStyleSheet(OK)
                    self.id_status.setText(
                        f"✓ 已建档农户：{found.head_name}，{region(found.township_id).name}"
                        f"{region(found.village_id).name}，{found.kind}，{found.size}人"
                    )
                else:
                    born = ids.birth_date(canonical)
                    self.id_status.setStyleSheet(OK)
                    self.id_status.setText(f"✓ 号码有效（出生日期 {born:%Y-%m-%d}）。尚未建档，请填写农户信息")
                    self.household_box.setEnabled(True)
        self._check_duplicate()
        self._validate()

    def _id_valid(self) -> bool:
        return self.household is not None or self.household_box.isEnabled()

    def _check_duplicate(self) -> None:
        code = self.subcategory.currentData()
        if self.household is None or not code:
            self.duplicate_warning.clear()
            return
        f = CaseFilter(household_id=self.household.id, subcategory=code, states=tuple(sorted(OPEN_STATES)))
        existing = self.ctx.ledger.queries.page(f, sort="found_date", limit=5)
        if existing:
            numbers = "、".join(r.number for r in existing)
            self.duplicate_warning.setText(
                f"⚠ 该户已有同类未销号问题：{numbers}。如确属新问题可继续登记，否则请在原问题中补充。"
            )
        else:
            self.duplicate_warning.clear()

    def missing(self) -> list[str]:
        out = []
        if not self._id_valid():
            out.append("有效的身份证号")
        if self.household is None and self.household_box.isEnabled():
            if not self.head_name.text().strip():
                out.append("户主姓名")
            if self.village.currentData() is None:
                out.append("村")
        if not self.subcategory.currentData():
            out.append("问题子类" if self.category.currentData() else "问题类别和子类")
        if not self.description.toPlainText().strip():
            out.append("问题描述")
        return out

    def _validate(self) -> None:
        missing = self.missing()
        self.save_button.setEnabled(not missing)
        self.save_button.setToolTip("还需填写：" + "、".join(missing) if missing else "")

    def submit(self) -> None:
        missing = self.missing()
        if missing:
            self.message.setText("还需填写：" + "、".join(missing))
            return
        lg, actor = self.ctx.ledger, self.ctx.actor
        try:
            household = self.household
            if household is None:
                household = lg.households.create(
                    actor,
                    village_id=self.village.currentData(),
                    head_name=self.head_name.text(),
                    head_id_number=self.id_number.text(),
                    kind=self.kind.currentData(),
                    size=self.people.value(),
                    phone=self.phone.text(),
                )
                self.household = household  # a retry after a case error reuses it
            result = lg.cases.register(
                actor,
                household_id=household.id,
                subcategory=self.subcategory.currentData(),
                description=self.description.toPlainText(),
                source=self.source.currentData(),
                found_date=from_qdate(self.found_date.date()),
                remarks=self.remarks.text(),
            )
        except LedgerError as err:
            problems = err.problems if isinstance(err, ValidationError) else [str(err)]
            self.message.setText("；".join(problems))
            return
        self.ctx.notify(result.change)
        self.created.emit(result)
        self.accept()
