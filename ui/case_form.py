"""New case: live validation of the ID number (check character, birth date), the household found as
the ID is typed (or registered on the spot), the family member it concerns (涉及成员), and a warning
about an open case of the same kind. A 村级问题 (村卫生室空白点, a village's 管网) is registered
for a village instead, from the subcategories the catalog allows for villages."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ledger import CaseFilter, ids
from ledger.dto import HouseholdView, MemberView
from ledger.errors import ValidationError
from ledger.textrules import RULES
from ledger.workflow import OPEN_STATES
from ui.common import from_qdate, refusal, to_qdate
from ui.context import AppContext
from ui.ops import ops
from ui.reads import Latest

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
        # 问题归属: a household's problem (the default) or the village's own
        self.for_household = QRadioButton("农户问题")
        self.for_village = QRadioButton("村级问题")
        self.for_household.setChecked(True)
        self.for_village.setToolTip("属于整个村的问题，如村卫生室/村医空白点、村里的老旧管网，不登记在某一农户名下")
        level_row = QHBoxLayout()
        level_row.addWidget(self.for_household)
        level_row.addWidget(self.for_village)
        level_row.addStretch(1)
        self.village_box = QGroupBox("所在村")
        self.place_township = QComboBox()
        for t in cat.townships():
            self.place_township.addItem(t.name, t.id)
        self.place_village = QComboBox()
        vform = QFormLayout(self.village_box)
        vform.addRow("乡镇 *", self.place_township)
        vform.addRow("村 *", self.place_village)
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

        self.member = QComboBox()
        self.member.setToolTip("问题涉及的家庭成员（如辍学的孩子）；不涉及具体成员时选“全户”")
        self.household_part = QWidget()
        form = QFormLayout(self.household_part)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("身份证号 *", self.id_number)
        form.addRow("", self.id_status)
        case_form = QFormLayout()
        self.member_label = QLabel("涉及成员")
        case_form.addRow(self.member_label, self.member)
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
        owner = QFormLayout()
        owner.addRow("问题归属 *", level_row)
        layout.addLayout(owner)
        layout.addWidget(self.household_part)
        layout.addWidget(self.household_box)
        layout.addWidget(self.village_box)
        box = QGroupBox("问题")
        box.setLayout(case_form)
        layout.addWidget(box)
        layout.addWidget(self.duplicate_warning)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

        self.for_village.toggled.connect(self._level_changed)
        self.place_township.currentIndexChanged.connect(self._fill_place_villages)
        self.place_village.currentIndexChanged.connect(self._check_duplicate)
        self.place_village.currentIndexChanged.connect(self._validate)
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
        # The ID-number lookup (with the household's members) and the duplicate check are read on the
        # operations thread; only the newest of each is shown (a number typed on replaces a lookup).
        self.lookups, self.duplicates = Latest(self), Latest(self)
        self.pending = False  # the household and the case are being written
        self._fill_villages()
        self._fill_place_villages()
        self._level_changed(False)
        self._id_changed("")

    @property
    def village_level(self) -> bool:
        return self.for_village.isChecked()

    def choose_village_level(self, village_level: bool) -> None:
        (self.for_village if village_level else self.for_household).setChecked(True)

    def _level_changed(self, _checked: bool = False) -> None:
        village = self.village_level
        self.household_part.setVisible(not village)
        self.household_box.setVisible(not village)
        self.village_box.setVisible(village)
        self.member.setVisible(not village)
        self.member_label.setVisible(not village)
        self._fill_categories()
        self._check_duplicate()
        self._validate()

    def _allowed(self, sub) -> bool:
        return sub.for_villages if self.village_level else sub.for_households

    def _fill_categories(self) -> None:
        """The 类别 that have a 子类 of the chosen level (村级: 基本医疗, 饮水安全)."""
        chosen = self.category.currentData()
        subs = self.ctx.ledger.catalog.subcategories.values()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem("（请选择问题类别）", None)
        for code, name in self.ctx.ledger.catalog.category_names.items():
            if any(s.category == code and self._allowed(s) for s in subs):
                self.category.addItem(name, code)
        self.category.setCurrentIndex(max(0, self.category.findData(chosen)) if chosen else 0)
        self.category.blockSignals(False)
        self._fill_subcategories()

    def _fill_subcategories(self) -> None:
        category = self.category.currentData()
        chosen = self.subcategory.currentData()
        self.subcategory.clear()
        if category is None:
            self.subcategory.addItem("（请先选择问题类别）", None)
            return
        self.subcategory.addItem("（请选择问题子类）", None)
        for code, sub in self.ctx.ledger.catalog.subcategories.items():
            if sub.category == category and self._allowed(sub):
                self.subcategory.addItem(sub.name, code)
        if chosen:
            self.subcategory.setCurrentIndex(max(0, self.subcategory.findData(chosen)))

    def _fill_place_villages(self) -> None:
        self.place_village.clear()
        for v in self.ctx.ledger.catalog.villages(self.place_township.currentData()):
            self.place_village.addItem(v.name, v.id)

    def select_village(self, village_id: int) -> None:
        """Choose the village of a 村级问题 (its township first)."""
        village = self.ctx.ledger.catalog.region(village_id)
        self.place_township.setCurrentIndex(self.place_township.findData(village.parent_id))
        self.place_village.setCurrentIndex(self.place_village.findData(village_id))

    def select_member(self, name: str) -> None:
        self.member.setCurrentIndex(self.member.findText(name, Qt.MatchFlag.MatchStartsWith))

    def _fill_members(self, members: list[MemberView]) -> None:
        """The found household's members; 全户 (no one named) first. A new household has none yet."""
        self.member.clear()
        if self.household is None:
            self.member.addItem("（全户；新建农户暂无家庭成员）", None)
            self.member.setEnabled(False)
            return
        self.member.addItem("（全户，不涉及具体成员）", None)
        for m in members:
            relation = f"，{m.relation}" if m.relation else ""
            self.member.addItem(f"{m.name}（{ids.mask(m.id_number) if m.id_number else '无身份证号'}{relation}）", m.id)
        self.member.setEnabled(self.member.count() > 1)

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
        self.lookups.drop()
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
                self.id_status.setStyleSheet("")
                self.id_status.setText("正在查找农户档案…")
                self._look_up(canonical)
        self._fill_members([])
        self._check_duplicate()
        self._validate()

    def _look_up(self, canonical: str) -> None:
        """The household of a valid number, its place and members, read on the operations thread."""
        hs, region = self.ctx.ledger.households, self.ctx.ledger.catalog.region

        def work() -> tuple[HouseholdView | None, str, list[MemberView]]:
            found = hs.find_by_id_number(canonical)
            if found is None:
                return None, "", []
            place = region(found.township_id).name + region(found.village_id).name
            return found, place, hs.members(found.id)

        self.lookups.run(work, lambda read: self._looked_up(canonical, *read), self._lookup_failed)

    def _looked_up(self, canonical: str, found: HouseholdView | None, place: str, members: list[MemberView]) -> None:
        self.id_status.setStyleSheet(OK)
        if found is not None:
            self.household = found
            self.id_status.setText(f"✓ 已建档农户：{found.head_name}，{place}，{found.kind}，{found.size}人")
        else:
            born = ids.birth_date(canonical)
            self.id_status.setText(f"✓ 号码有效（出生日期 {born:%Y-%m-%d}）。尚未建档，请填写农户信息")
            self.household_box.setEnabled(True)
        self._fill_members(members)
        self._check_duplicate()
        self._validate()

    def _lookup_failed(self, error: BaseException) -> None:
        error = refusal(error)
        self.id_status.setStyleSheet(BAD)
        self.id_status.setText(f"查找农户档案失败：{error}")

    def _id_valid(self) -> bool:
        return self.household is not None or self.household_box.isEnabled()

    def _check_duplicate(self) -> None:
        """An open case of the same 子类 for the household (or the village), read on the operations thread."""
        code = self.subcategory.currentData()
        open_states = tuple(sorted(OPEN_STATES))
        queries = self.ctx.ledger.queries
        if self.village_level and code and self.place_village.currentData() is not None:
            f = CaseFilter(village_id=self.place_village.currentData(), subcategory=code, states=open_states)
            who = "该村已有同类未销号的村级问题"

            def work() -> list[str]:
                return [r.number for r in queries.page(f, sort="found_date", limit=50) if r.village_level]
        elif not self.village_level and self.household is not None and code:
            f = CaseFilter(household_id=self.household.id, subcategory=code, states=open_states)
            who = "该户已有同类未销号问题"

            def work() -> list[str]:
                return [r.number for r in queries.page(f, sort="found_date", limit=5)]
        else:
            self.duplicates.drop()
            self.duplicate_warning.clear()
            return
        self.duplicates.run(work, lambda numbers: self._show_duplicates(who, numbers), self._duplicates_failed)

    def _duplicates_failed(self, error: BaseException) -> None:
        error = refusal(error)
        self.duplicate_warning.setText(f"同类问题核对失败：{error}")

    def _show_duplicates(self, who: str, numbers: list[str]) -> None:
        if numbers:
            shown = "、".join(numbers[:5])
            self.duplicate_warning.setText(f"⚠ {who}：{shown}。如确属新问题可继续登记，否则请在原问题中补充。")
        else:
            self.duplicate_warning.clear()

    def missing(self) -> list[str]:
        out = []
        if self.village_level:
            if self.place_village.currentData() is None:
                out.append("所在村")
        elif not self._id_valid():
            out.append("有效的身份证号")
        if not self.village_level and self.household is None and self.household_box.isEnabled():
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
        """The household (when new) and the case written on the operations thread; the form closes
        when they are, or shows the service's problems and keeps what was typed."""
        if self.pending:
            return  # written already, the answer on its way: one click, one case
        missing = self.missing()
        if missing:
            self.message.setText("还需填写：" + "、".join(missing))
            return
        lg, actor, values = self.ctx.ledger, self.ctx.actor, self._case_values()
        made: dict[str, HouseholdView] = {}  # a household written before the case was refused
        if self.village_level:
            village_id = self.place_village.currentData()

            def work() -> Any:
                return lg.cases.register(actor, household_id=None, village_id=village_id, **values)
        else:
            household, member_id = self.household, self.member.currentData()
            new_household = {
                "village_id": self.village.currentData(), "head_name": self.head_name.text(),
                "head_id_number": self.id_number.text(), "kind": self.kind.currentData(),
                "size": self.people.value(), "phone": self.phone.text(),
            }  # fmt: skip

            def work() -> Any:
                target = household
                if target is None:
                    target = made["household"] = lg.households.create(actor, **new_household)
                return lg.cases.register(actor, household_id=target.id, member_id=member_id, **values)

        def refused(err: BaseException) -> None:
            self.pending = False
            self.save_button.setEnabled(True)
            if "household" in made:
                self.household = made["household"]  # a retry after a case error reuses it
            err = refusal(err)
            problems = err.problems if isinstance(err, ValidationError) else [str(err)]
            self.message.setText("；".join(problems))

        def written(result: Any) -> None:
            self.pending = False
            self._done(result)

        self.pending = True
        self.save_button.setEnabled(False)
        ops().run(work, written, refused, owner=self)

    def _case_values(self) -> dict:
        return {
            "subcategory": self.subcategory.currentData(),
            "description": self.description.toPlainText(),
            "source": self.source.currentData(),
            "found_date": from_qdate(self.found_date.date()),
            "remarks": self.remarks.text(),
        }

    def _done(self, result) -> None:
        self.ctx.notify(result.change)
        self.created.emit(result)
        self.accept()
