"""修改农户档案 (issue 15 item 2): the household's fields, its members (添加/修改/移除) and its dated tags
(添加标签, 风险消除/退出), and its 变更历史 — every change through ledger.households, audited there.

A refused change is explained in the dialog's message line and nothing typed is lost. The head's ID
number is the household's identity and is not edited here; the phone and members' ID numbers are
shown masked, and typed anew only to change them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger import ids
from ledger.access import may_see_health
from ledger.dto import Change, HistoryEntry, HouseholdView, MemberView, TagView
from ledger.errors import LedgerError, ValidationError
from ledger.tags import risk_types, vocabulary
from ledger.textrules import RULES
from ui.common import from_qdate, ok_cancel, refusal, run_guarded, to_qdate
from ui.context import AppContext
from ui.models import ListTableModel
from ui.reads import Latest
from ui.widgets import fit_columns

BAD = "color: #d93025;"
RELATIONS = ("户主", "配偶", "子", "女", "儿媳", "女婿", "孙子", "孙女", "父亲", "母亲", "兄弟姐妹", "其他")
END_REASONS = ("风险消除", "退出", "自然消除", "标识错误")


# -- tag choices shared by the households page and the ledger page's filter -------------------------------
def tag_key(tag: str, subtype: str = "") -> str:
    return f"{tag}|{subtype}" if subtype else tag


def tag_choices() -> list[tuple[str, str]]:
    """(label, key) for a filter combobox: each tag, then its 监测类型 / 供养方式 indented."""
    out = []
    for kind in vocabulary().values():
        out.append((kind.tag, kind.tag))
        out += [(f"　{kind.tag}·{sub}", tag_key(kind.tag, sub)) for sub in kind.subtypes]
    return out


def tag_filter(key: str | None) -> dict[str, Any]:
    """CaseFilter keywords for a combobox key."""
    if not key:
        return {}
    tag, _, subtype = key.partition("|")
    return {"tag": tag, "tag_subtype": subtype}


def _message(problem: LedgerError) -> str:
    if isinstance(problem, ValidationError) and len(problem.problems) > 1:
        return "；".join(problem.problems)
    return str(problem)


def _table(model: ListTableModel, height: int = 150) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().setVisible(False)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    fit_columns(view, model)
    view.setMinimumHeight(height)
    return view


class _Form(QDialog):
    """A small form with a message line: OK runs what `write` returns on the operations thread (the
    values are taken from the widgets here, on the GUI thread); a LedgerError stays in the dialog,
    and the dialog closes when the write is done."""

    def __init__(self, title: str, parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(BAD)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        buttons = ok_cancel("确定", self.submit, self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout.addWidget(buttons)
        self.result_value: Any = None
        self.pending = False

    def write(self) -> Callable[[], Any]:  # overridden: the ledger call, with the form's values bound
        raise NotImplementedError

    def submit(self) -> None:
        if self.pending:
            return  # written already, the answer on its way: one click, one write
        self.pending = True

        def written(result: Any) -> None:
            self.pending = False
            self.result_value = result
            self.accept()

        def refused(err: LedgerError) -> None:
            self.pending = False
            self.message.setText(_message(err))

        run_guarded(self, self.write(), written, busy=[self.ok_button], refused=refused)


class MemberDialog(_Form):
    def __init__(self, ctx: AppContext, household_id: int, member: MemberView | None, parent: QWidget | None = None):
        super().__init__("修改家庭成员" if member else "添加家庭成员", parent)
        self.ctx, self.household_id, self.member = ctx, household_id, member
        self.name = QLineEdit(member.name if member else "")
        self.name.setMaxLength(RULES["member_name"].limit)
        self.id_number = QLineEdit()
        self.id_number.setMaxLength(24)
        self.id_number.setPlaceholderText(
            f"现为 {ids.mask(member.id_number) or '未填'}，不改请留空" if member else "18位身份证号（选填）"
        )
        self.relation = QComboBox()
        self.relation.setEditable(True)
        self.relation.addItems(RELATIONS)
        self.relation.setCurrentText(member.relation if member else "")
        self.health = QLineEdit(member.health if member else "")
        self.health.setPlaceholderText("如：听力残疾二级、慢性病（选填）")
        self.form.addRow("姓名 *", self.name)
        self.form.addRow("身份证号", self.id_number)
        self.form.addRow("与户主关系", self.relation)
        self.may_health = may_see_health(ctx.actor)
        if self.may_health:
            self.form.addRow("健康/残疾状况", self.health)
        self.resize(420, self.sizeHint().height())

    def write(self) -> Callable[[], Any]:
        hs, actor = self.ctx.ledger.households, self.ctx.actor
        if self.member is None:
            household_id, name, number = self.household_id, self.name.text(), self.id_number.text()
            relation, health = self.relation.currentText(), self.health.text() if self.may_health else ""
            return lambda: hs.add_member(actor, household_id, name, number, relation, health)
        changes: dict[str, object] = {"name": self.name.text(), "relation": self.relation.currentText()}
        if self.id_number.text().strip():
            changes["id_number"] = self.id_number.text()
        if self.may_health and self.health.text().strip() != self.member.health:
            changes["health"] = self.health.text()
        member_id = self.member.id
        return lambda: hs.update_member(actor, member_id, changes)


class TagDialog(_Form):
    """添加标签: the tag, its 监测类型 / 供养方式, 风险类型 (监测对象 only), 识别日期, 备注."""

    def __init__(self, ctx: AppContext, household_id: int, parent: QWidget | None = None):
        super().__init__("添加农户标签", parent)
        self.ctx, self.household_id = ctx, household_id
        self.tag = QComboBox()
        for name in vocabulary():
            self.tag.addItem(name, name)
        self.subtype = QComboBox()
        self.risks: dict[str, QCheckBox] = {name: QCheckBox(name) for name in risk_types()}
        risk_box = QWidget()
        grid = QGridLayout(risk_box)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, box in enumerate(self.risks.values()):
            grid.addWidget(box, i // 4, i % 4)
        today = ctx.ledger.today()
        self.start = QDateEdit(to_qdate(today))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.start.setMaximumDate(to_qdate(today))
        self.note = QLineEdit()
        self.note.setMaxLength(RULES["remarks"].limit)
        self.note.setPlaceholderText("如：7月洪灾房屋受损（选填）")
        self.form.addRow("标签 *", self.tag)
        self.form.addRow("类型", self.subtype)
        self.form.addRow("风险类型", risk_box)
        self.form.addRow("识别日期 *", self.start)
        self.form.addRow("备注", self.note)
        self.tag.currentIndexChanged.connect(self._tag_changed)
        self._tag_changed()
        self.resize(460, self.sizeHint().height())

    def _tag_changed(self) -> None:
        kind = vocabulary()[self.tag.currentData()]
        self.subtype.clear()
        if kind.subtypes:
            self.subtype.addItem("（未分类）", "")
            for sub in kind.subtypes:
                self.subtype.addItem(sub, sub)
        self.subtype.setEnabled(bool(kind.subtypes))
        for box in self.risks.values():
            box.setEnabled(kind.has_risk)
            if not kind.has_risk:
                box.setChecked(False)

    def write(self) -> Callable[[], TagView]:
        hs, actor, household_id = self.ctx.ledger.households, self.ctx.actor, self.household_id
        tag, subtype = self.tag.currentData(), self.subtype.currentData() or ""
        risks = [name for name, box in self.risks.items() if box.isChecked()]
        start, note = from_qdate(self.start.date()), self.note.text()
        return lambda: hs.add_tag(actor, household_id, tag, subtype, risks, start, note)


class EndTagDialog(_Form):
    """风险消除/退出 of one tag: the date and the reason."""

    def __init__(self, ctx: AppContext, tag: TagView, parent: QWidget | None = None):
        super().__init__(f"风险消除/退出：{tag.label}", parent)
        self.ctx, self.tag = ctx, tag
        today = ctx.ledger.today()
        self.end = QDateEdit(to_qdate(today))
        self.end.setCalendarPopup(True)
        self.end.setDisplayFormat("yyyy-MM-dd")
        self.end.setMaximumDate(to_qdate(today))
        if tag.start_date is not None:
            self.end.setMinimumDate(to_qdate(tag.start_date))
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(END_REASONS)
        self.form.addRow("标签", QLabel(tag.label))
        self.form.addRow("日期 *", self.end)
        self.form.addRow("理由 *", self.reason)
        self.resize(420, self.sizeHint().height())

    def write(self) -> Callable[[], TagView]:
        hs, actor, tag_id = self.ctx.ledger.households, self.ctx.actor, self.tag.id
        end, reason = from_qdate(self.end.date()), self.reason.currentText()
        return lambda: hs.end_tag(actor, tag_id, end, reason)


class HouseholdDialog(QDialog):
    """The whole household on one screen. `changed` fires after every saved change."""

    changed = Signal()

    def __init__(self, ctx: AppContext, household_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        lg = ctx.ledger
        self.view: HouseholdView | None = None  # read on the operations thread with the lists (reload)
        self.saved: HouseholdView | None = None  # the record as the last save_household left it
        self.setWindowTitle("修改农户档案")
        self.reads = Latest(self)
        cat = lg.catalog

        self.head_name = QLineEdit()
        self.head_name.setMaxLength(RULES["head_name"].limit)
        self.id_label = QLabel()
        self.village = QComboBox()
        for t in cat.townships():
            for v in cat.villages(t.id):
                self.village.addItem(f"{t.name} {v.name}", v.id)
        self.group_name = QLineEdit()
        self.group_name.setMaxLength(32)
        self.kind = QComboBox()
        for k in lg.households.kinds:
            self.kind.addItem(k, k)
        self.people = QSpinBox()
        self.people.setRange(1, 99)
        self.phone = QLineEdit()
        self.phone.setMaxLength(20)
        self.save_button = QPushButton("保存档案")
        self.save_button.setEnabled(False)  # until the record is read
        self.save_button.clicked.connect(self.save_household)
        form = QFormLayout()
        form.addRow("户主姓名 *", self.head_name)
        form.addRow("身份证号", self.id_label)
        form.addRow("所在村 *", self.village)
        form.addRow("村民小组", self.group_name)
        form.addRow("户类型 *", self.kind)
        form.addRow("家庭人口 *", self.people)
        form.addRow("联系电话", self.phone)
        kind_note = QLabel("改户类型时，会按新户类型补上相应标签（识别日期为今天），原有标签不会结束。")
        kind_note.setWordWrap(True)
        kind_note.setStyleSheet("color: #5f6368;")
        form.addRow("", kind_note)
        form.addRow("", self.save_button)
        household_box = QGroupBox("档案")
        household_box.setLayout(form)

        self.health = may_see_health(ctx.actor)
        self.members = ListTableModel(
            ["姓名", "身份证号", "与户主关系"] + (["健康/残疾状况"] if self.health else []), self
        )
        self.members_view = _table(self.members, 110)
        self.member_rows: list[MemberView] = []
        self.add_member_button = QPushButton("添加成员…")
        self.edit_member_button = QPushButton("修改…")
        self.remove_member_button = QPushButton("移除…")
        self.add_member_button.clicked.connect(lambda: self.edit_member(None))
        self.edit_member_button.clicked.connect(
            lambda: self.edit_member(self._chosen(self.members_view, self.member_rows))
        )
        self.remove_member_button.clicked.connect(self.remove_member)
        members_box = self._box(
            "家庭成员",
            self.members_view,
            (self.add_member_button, self.edit_member_button, self.remove_member_button),
        )

        self.tags = ListTableModel(["标签", "风险类型", "识别日期", "风险消除/退出", "状态", "备注"], self)
        self.tags_view = _table(self.tags, 110)
        self.tag_rows: list[TagView] = []
        self.add_tag_button = QPushButton("添加标签…")
        self.end_tag_button = QPushButton("风险消除/退出…")
        self.add_tag_button.clicked.connect(self.add_tag)
        self.end_tag_button.clicked.connect(self.end_tag)
        tags_box = self._box("农户标签", self.tags_view, (self.add_tag_button, self.end_tag_button))

        self.history = ListTableModel(["时间", "操作人", "操作", "变更内容"], self)
        history_view = _table(self.history, 110)
        history_box = self._box("变更历史", history_view, ())

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(BAD)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)

        left = QVBoxLayout()
        left.addWidget(household_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(members_box, 1)
        right.addWidget(tags_box, 1)
        top = QHBoxLayout()
        top.addLayout(left, 2)
        top.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 3)
        layout.addWidget(history_box, 2)
        layout.addLayout(bottom)
        self.message.setText("正在读取…")
        self.reload(record=True)
        self.resize(1100, 720)

    @staticmethod
    def _box(title: str, view: QTableView, buttons: tuple[QPushButton, ...]) -> QGroupBox:
        box = QGroupBox(title)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(6, 4, 6, 6)
        inner.addWidget(view, 1)
        if buttons:
            row = QHBoxLayout()
            for b in buttons:
                row.addWidget(b)
            row.addStretch(1)
            inner.addLayout(row)
        return box

    @staticmethod
    def _chosen(view: QTableView, rows: list) -> Any:
        index = view.currentIndex()
        return rows[index.row()] if index.isValid() and 0 <= index.row() < len(rows) else None

    # -- showing ----------------------------------------------------------------------------------------
    def fill_household(self, h: HouseholdView) -> None:
        self.view = h
        self.setWindowTitle(f"修改农户档案 — {h.head_name}")
        self.save_button.setEnabled(True)
        self.head_name.setText(h.head_name)
        self.id_label.setText(ids.mask(h.head_id_number))
        self.village.setCurrentIndex(max(self.village.findData(h.village_id), 0))
        self.group_name.setText(h.group_name)
        self.kind.setCurrentIndex(max(self.kind.findData(h.kind), 0))
        self.people.setValue(h.size)
        self.phone.clear()
        self.phone.setPlaceholderText(f"现为 {ids.mask_phone(h.phone)}，不改请留空" if h.phone else "未填（选填）")

    def reload(self, record: bool = False) -> None:
        """Read the members, the tags and the history (and the record itself, `record`) on the
        operations thread; the tables shown stay until they arrive."""
        hs, actor, household_id = self.ctx.ledger.households, self.ctx.actor, self.household_id

        def work() -> tuple[HouseholdView | None, list[MemberView], list[TagView], list[HistoryEntry]]:
            view = hs.get(household_id) if record else None
            return view, hs.members(household_id, viewer=actor), hs.tags(household_id), hs.history(household_id)

        self.reads.run(work, self._fill, self._read_failed)

    def _read_failed(self, error: BaseException) -> None:
        error = refusal(error)
        self.message.setText(_message(error))

    def _fill(self, read: tuple[HouseholdView | None, list[MemberView], list[TagView], list[HistoryEntry]]) -> None:
        view, self.member_rows, self.tag_rows, entries = read
        if view is not None:
            self.message.clear()
            self.fill_household(view)
        self.members.set_rows(
            [
                (m.name, ids.mask(m.id_number), m.relation) + ((m.health,) if self.health else ())
                for m in self.member_rows
            ]
        )
        self.tags.set_rows(
            [
                (
                    t.label,
                    "、".join(t.risk_types),
                    _day(t.start_date) or "（升级前）",
                    _day(t.end_date),
                    "有效" if t.active else "已结束" if t.end_date else "未开始",
                    t.note,
                )
                for t in self.tag_rows
            ]
        )
        self.history.set_rows(
            [
                (
                    e.at[:16].replace("T", " "),
                    e.actor_name,
                    e.action,
                    "；".join(f"{label}：{_shown(old)} → {_shown(new)}" for label, old, new in e.changes)
                    + (f"（{e.detail}）" if e.detail else ""),
                )
                for e in reversed(entries)
            ]
        )

    # -- changing --------------------------------------------------------------------------------------
    def _run(self, work: Callable[[], Any], done: Callable[[Any], None] | None = None) -> None:
        """`work` (a change of this household) on the operations thread; then the record read again,
        the pages told, and `done(result)`. A refusal stays in the message line."""

        def written(result: Any) -> None:
            self.message.clear()
            self._changed()
            if done is not None:
                done(result)

        run_guarded(self, work, written, refused=lambda err: self.message.setText(_message(err)))

    def _changed(self) -> None:
        self.reload()
        self.ctx.notify(Change(households=True))
        self.changed.emit()

    def household_changes(self) -> dict[str, object]:
        h = self.view
        if h is None:  # not read yet (the save button waits for it)
            return {}
        wanted: dict[str, object] = {
            "head_name": self.head_name.text(),
            "village_id": self.village.currentData(),
            "group_name": self.group_name.text(),
            "kind": self.kind.currentData(),
            "size": self.people.value(),
        }
        changes = {k: v for k, v in wanted.items() if v != getattr(h, k)}
        if self.phone.text().strip():
            changes["phone"] = self.phone.text()
        return changes

    def save_household(self) -> None:
        """The household's changes written on the operations thread; `saved` holds the record after."""
        changes = self.household_changes()
        if not changes:
            self.message.setText("档案没有改动")
            return
        hs, actor, household_id, expected = self.ctx.ledger.households, self.ctx.actor, self.household_id, self.view

        def shown(saved: HouseholdView) -> None:
            self.saved = saved
            self.fill_household(saved)

        self._run(lambda: hs.update(actor, household_id, changes, expected=expected), shown)

    def edit_member(self, member: MemberView | None, dialog_hook: Callable[[QDialog], None] | None = None) -> None:
        dialog = MemberDialog(self.ctx, self.household_id, member, self)
        self._open(dialog, dialog_hook)

    def remove_member(self, confirmed: bool = False) -> None:
        member = self._chosen(self.members_view, self.member_rows)
        if member is None:
            self.message.setText("请先在家庭成员表中选择一人")
            return
        if not confirmed:
            box = QMessageBox(
                QMessageBox.Icon.Question, "移除家庭成员", f"从本户档案中移除 {member.name}？此操作记入变更历史。",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self,
            )  # fmt: skip
            box.button(QMessageBox.StandardButton.Yes).setText("移除")
            box.button(QMessageBox.StandardButton.No).setText("取消")
            if box.exec() != QMessageBox.StandardButton.Yes:
                return
        hs, actor = self.ctx.ledger.households, self.ctx.actor
        self._run(lambda: hs.remove_member(actor, member.id, "在档案中移除"))

    def add_tag(self, dialog_hook: Callable[[QDialog], None] | None = None) -> None:
        self._open(TagDialog(self.ctx, self.household_id, self), dialog_hook)

    def end_tag(self, dialog_hook: Callable[[QDialog], None] | None = None) -> None:
        tag = self._chosen(self.tags_view, self.tag_rows)
        if tag is None or tag.end_date is not None:
            self.message.setText("请先在农户标签表中选择一个仍有效的标签")
            return
        self._open(EndTagDialog(self.ctx, tag, self), dialog_hook)

    def _open(self, dialog: QDialog, hook: Callable[[QDialog], None] | None) -> None:
        """Run a sub-dialog; `hook` (tests) fills and submits it instead of a person. Its write ends
        on the operations thread; when it is done the dialog is accepted and this one reads again."""

        def accepted() -> None:
            self.message.clear()
            self._changed()
            dialog.deleteLater()

        dialog.accepted.connect(accepted)
        dialog.rejected.connect(dialog.deleteLater)
        if hook is not None:
            hook(dialog)
        else:
            dialog.exec()


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _shown(value: object) -> str:
    return "（空）" if value in (None, "") else str(value)
