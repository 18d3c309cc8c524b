"""The case form's field editors and the window of one workflow action (交办, 核验, 审批销号…), whose
submission runs on the operations thread (ui/ops.py): the password hash and the write never hold
the window still."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from ledger import schema
from ledger.dto import CaseView
from ledger.errors import ConflictError, LedgerError, ValidationError
from ledger.textrules import RULES
from ledger.workflow import FIELD_LABELS
from ui.common import from_qdate, ok_cancel, to_qdate
from ui.context import AppContext
from ui.ops import next_turn, ops

if TYPE_CHECKING:
    from ui.case_dialog import CaseDialog
    from ui.case_reads import CaseBundle

CONFLICT_TEXT = (
    "这个问题在您打开之后已被他人修改（{who}）。您填写的内容仍保留在窗口中，"
    "上方信息已更新为最新内容；请核对后再次提交。"
)


def conflict_text(err: ConflictError, before: CaseView, latest: CaseBundle) -> str:
    """A refused write re-read at once: who changed the case meanwhile, or, when nobody did (the
    database was briefly locked by another program), the ledger's own sentence."""
    if latest.case.version == before.version:
        return str(err)
    return CONFLICT_TEXT.format(who=latest.last_change())


def problems_text(err: LedgerError) -> str:
    if isinstance(err, ValidationError) and err.problems:
        return "；".join(err.problems)
    return str(err)


class FieldEditors:
    """One editor per case field, reading and writing plain values."""

    def __init__(self, ctx: AppContext, case: CaseView):
        self.ctx = ctx
        self.case = case
        self.widgets: dict[str, QWidget] = {}
        self.baseline: dict[str, Any] = {}

    def make(self, field: str, value: Any) -> QWidget:
        cat = self.ctx.ledger.catalog
        today = self.ctx.ledger.today()
        widget: QWidget
        if field == "lead_department_id":
            box = QComboBox()
            box.addItem("（请选择）", None)
            for d in cat.departments.values():
                box.addItem(d.name, d.id)
            if value is None:
                lead = cat.subcategory(self.case.subcategory).lead_department_code
                value = cat.department_by_code(lead).id if lead else None
            box.setCurrentIndex(max(box.findData(value), 0))
            widget = box
        elif field == "subcategory":
            box = QComboBox()
            for code, sub in cat.subcategories.items():
                box.addItem(f"{sub.category_name} · {sub.name}", code)
            box.setCurrentIndex(max(box.findData(value), 0))
            widget = box
        elif field == "source":
            box = QComboBox()
            box.setEditable(False)
            for name in self.ctx.ledger.cases.sources:
                box.addItem(name, name)
            box.setCurrentIndex(max(box.findData(value), 0))
            widget = box
        elif field in ("deadline", "completion_date", "found_date"):
            edit = QDateEdit()
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            if value is None:
                value = (
                    today + dt.timedelta(days=cat.subcategory(self.case.subcategory).default_days)
                    if field == "deadline"
                    else today
                )
            edit.setDate(to_qdate(value))
            if field != "deadline":
                edit.setMaximumDate(to_qdate(today))
            widget = edit
        elif field in ("measures", "description", "remarks", "opinion", "reason"):
            text = QPlainTextEdit(value or "")
            text.setTabChangesFocus(True)
            text.setFixedHeight(text.fontMetrics().height() * 4 + 12)
            widget = text
        else:
            widget = QLineEdit(_as_text(field, value))
            if field in RULES:  # e.g. 责任人: the service's limit (ledger/textrules.py)
                widget.setMaxLength(RULES[field].limit)
            if field in AMOUNTS:  # the service reads 23500, 23,500元 or 2.35万 (ledger/tabular.py)
                widget.setPlaceholderText("单位：元，可填 23500 或 2.35万")
        widget.setObjectName(field)
        self.widgets[field] = widget
        self.baseline[field] = self.value(field)
        return widget

    def set_value(self, field: str, value: Any) -> None:
        widget = self.widgets[field]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(widget.findData(value), 0))
        elif isinstance(widget, QDateEdit):
            if value is not None:
                widget.setDate(to_qdate(value))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value or "")
        elif isinstance(widget, QLineEdit):
            widget.setText(_as_text(field, value))
        self.baseline[field] = self.value(field)

    def edited(self) -> dict[str, Any]:
        """Fields the user changed since they were filled from the case."""
        return {f: v for f, v in self.values().items() if v != self.baseline.get(f)}

    def rebase(self, case: CaseView) -> None:
        """After someone else saved: untouched fields show the latest values; edited ones keep
        the user's input and stay edited against the latest values."""
        edited = self.edited()
        self.case = case
        for field in self.widgets:
            latest = getattr(case, field, None)
            if field in edited:
                self.baseline[field] = latest if latest is not None else ""
            else:
                self.set_value(field, latest)

    def value(self, field: str) -> Any:
        widget = self.widgets[field]
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QDateEdit):
            return from_qdate(widget.date())
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        assert isinstance(widget, QLineEdit)
        return widget.text().strip()

    def values(self) -> dict[str, Any]:
        return {field: self.value(field) for field in self.widgets}


AMOUNTS = {c.stored for c in schema.PLAIN if c.kind == "amount"}


def _as_text(field: str, value: Any) -> str:
    """A value in a line editor: a plain column as ledger/schema.py shows it (23,500), else the text."""
    column = schema.BY_STORED.get(field)
    return schema.show(column, value) if column is not None and column.plain else (value or "")


class ActionDialog(QDialog):
    """One workflow action. Stays open with the input kept when the ledger refuses it."""

    OPTIONAL: ClassVar[dict[str, tuple[str, ...]]] = {"assign": ("assisting_departments",)}

    def __init__(self, parent: CaseDialog, action: str):
        super().__init__(parent)
        self.case_dialog = parent
        self.ctx = parent.ctx
        self.action = action
        rules = self.ctx.ledger.catalog.rules
        self.definition = rules.actions[action]
        self.setWindowTitle(f"{self.definition.name} — {parent.case.number}")
        self.editors = FieldEditors(self.ctx, parent.case)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{self.definition.name}</b>：{parent.case.number} {parent.case.subject}"))
        fields = [(r.field, r.label) for r in rules.required_fields(action)]
        fields += [(f, FIELD_LABELS[f]) for f in self.OPTIONAL.get(action, ())]
        for field, label in fields:
            current = getattr(parent.case, field, None)
            form.addRow(
                label + ("" if field in self.OPTIONAL.get(action, ()) else " *"), self.editors.make(field, current)
            )
        self.password = QLineEdit()
        self.on_behalf = QCheckBox("代录：本人录入，签批人为纸质签字表上的领导")
        self.signer = QLineEdit()
        self.signer.setMaxLength(RULES["signer_name"].limit)
        self.form_evidence = QComboBox()
        if self.definition.signoff:
            self.password.setEchoMode(QLineEdit.EchoMode.Password)
            self.password.setPlaceholderText("签批前请再次输入您的登录密码")
            form.addRow("登录密码 *", self.password)
            form.addRow(self.on_behalf)
            self.signer.setPlaceholderText("纸质表上签字领导的姓名")
            form.addRow("签批人", self.signer)
            forms = [e for e in parent.case.evidence if e.kind == "signed_form"]
            for e in forms:
                self.form_evidence.addItem(f"{e.original_name}（{e.sha256[:12]}…）", e.id)
            if not forms:
                self.form_evidence.addItem("（先在“佐证材料”中添加“签字表”扫描件）", None)
            form.addRow("签字表扫描件", self.form_evidence)
            self.on_behalf.toggled.connect(self._behalf_toggled)
            self._behalf_toggled(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #d93025;")
        form.addRow(self.message)
        self.buttons = ok_cancel(self.definition.name, self.submit, self.reject)
        form.addRow(self.buttons)
        self.busy = False  # an action on its way through ui/ops.py
        self.submitted: CaseView = parent.case
        self.setMinimumWidth(460)

    def _behalf_toggled(self, on: bool) -> None:
        self.signer.setEnabled(on)
        self.form_evidence.setEnabled(on)

    def submit(self) -> None:
        inputs = {k: v for k, v in self.editors.values().items() if v not in ("", None)}
        behalf = self.on_behalf.isChecked()
        if behalf and not self.signer.text().strip():
            self.message.setText("代录签批请填写签批人姓名")
            return
        case, lg, actor = self.case_dialog.case, self.ctx.ledger, self.ctx.actor
        self.submitted = case  # the version the action was asked against
        password = self.password.text() if self.definition.signoff else None
        signer = self.signer.text().strip() if behalf else None
        form_id = self.form_evidence.currentData() if behalf else None

        from ui.case_reads import load_case

        def work() -> tuple[Any, ConflictError | None, CaseBundle]:
            # On the operations thread: the password hash, the write, the re-read (a conflict re-reads too).
            try:
                result = lg.cases.act(
                    actor, case.id, self.action, expected_version=case.version, inputs=inputs, password=password,
                    on_behalf_of=signer, form_evidence_id=form_id,
                )  # fmt: skip
            except ConflictError as err:
                return None, err, load_case(lg, actor, case.id, check_scope=False)
            return result, None, load_case(lg, actor, case.id, check_scope=False)

        self._busy(True)
        ops().run(work, self._done, self._failed, owner=self)

    def _busy(self, busy: bool) -> None:
        self.busy = busy
        self.buttons.setEnabled(not busy)
        if busy:
            self.message.setText("")
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _done(self, outcome: tuple[Any, ConflictError | None, CaseBundle]) -> None:
        result, conflict, bundle = outcome
        if conflict is not None:  # the case window shows the latest version; this one keeps the input
            self._busy(False)
            self.case_dialog.show_latest(bundle)
            self.message.setText(conflict_text(conflict, self.submitted, bundle))
            return
        self.case_dialog.show_bundle(bundle)  # with evidence and sign-offs

        # Each in a turn of its own (ui/ops.py next_turn): the case window re-filled (~5-10 ms of CPU),
        # this dialog closed (the windows it blocked unblocked and repainted), the pages told (the
        # ledger page re-reads and repaints, ~25 ms a paint at 100,000 cases); in one pass they
        # stood the loop still up to ~60 ms. Busy until closed: the result is whole when it says so.
        def close() -> None:
            self._busy(False)
            self.accept()
            self.ctx.notify_soon(result.change)

        next_turn(self, close)

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        if isinstance(error, LedgerError):
            self.message.setText(problems_text(error))
        else:
            raise error
