"""公示: the coordinator or a township's verifier chooses a village, picks the cases verified by the
township (待审批) whose category needs 公示 — or 监测对象 households proposed for 风险消除 — and
starts a 公示; running and past 公示 of the village are listed with their items and the objections
received, which are recorded and resolved here; the notice is printed for the village board.
Names and ID numbers are masked as on the notice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ledger import ids
from ledger.services.publicity import KIND_NAMES, BatchView, ItemView, ObjectionView, PublicitySettings
from ui.common import from_qdate, ok_cancel, refusal, run_guarded, to_qdate
from ui.context import AppContext
from ui.models import ListTableModel
from ui.reads import Latest
from ui.widgets import fit_columns, make_table

if TYPE_CHECKING:
    from reports.publicity import NoticeResult

WAITING = ("户主", "身份证号", "问题编号", "问题类别", "情况说明")
BATCHES = ("公示", "公示期", "天数", "对象", "未处理异议", "状态", "发起人")
DETAIL = ("户主", "身份证号", "问题", "异议人", "收到日期", "异议内容", "处理结果", "状态")


def _table(headers, parent: QWidget, many: bool):
    model = ListTableModel(headers, parent)
    view = make_table(None, parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    mode = QAbstractItemView.SelectionMode
    view.setSelectionMode(mode.ExtendedSelection if many else mode.SingleSelection)
    return model, view


class PublicityPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        pub = ctx.ledger.publicity
        self.may_run = pub.may_run(ctx.actor)
        self.village = QComboBox()
        township = ctx.actor.township_id if not ctx.has_role("coordinator", "approver", "viewer", "clerk") else None
        for v in ctx.ledger.catalog.villages(township):
            self.village.addItem(f"{ctx.ledger.catalog.region(v.parent_id).name if v.parent_id else ''} {v.name}", v.id)
        self.kind = QComboBox()
        for code, name in KIND_NAMES.items():
            self.kind.addItem(name, code)
        self.start_date = QDateEdit(to_qdate(ctx.ledger.today()))
        self.start_date.setCalendarPopup(True)
        self.start_date.setDisplayFormat("yyyy-MM-dd")
        self.days = QSpinBox()
        self.days.setRange(0, 30)
        self.days.setSpecialValueText("按类别")
        self.days.setSuffix(" 天")
        self.start_button = QPushButton("发起公示")
        self.print_button = QPushButton("打印公示…")
        self.object_button = QPushButton("登记异议…")
        self.resolve_button = QPushButton("登记处理结果…")
        self.settings_button = QPushButton("公示设置…")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.waiting_model, self.waiting_view = _table(WAITING, self, True)
        self.batch_model, self.batch_view = _table(BATCHES, self, False)
        self.detail_model, self.detail_view = _table(DETAIL, self, False)
        # once each: a table refits on every reset (each call added one more refit)
        fit_columns(self.waiting_view, self.waiting_model)
        fit_columns(self.batch_view, self.batch_model)
        fit_columns(self.detail_view, self.detail_model, stretch=5)
        self.waiting: list[ItemView] = []
        self.batches: list[BatchView] = []
        self.details: list[tuple[ItemView, ObjectionView | None]] = []

        bar = QHBoxLayout()
        for widget in (QLabel("村："), self.village, QLabel("公示内容："), self.kind):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.settings_button)
        start = QHBoxLayout()
        start_row: tuple[QWidget, ...] = (QLabel("公示开始："), self.start_date, QLabel("公示天数："), self.days)
        for part in (*start_row, self.start_button):
            start.addWidget(part)
        start.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("公示对象和异议（选中一个公示后显示）"))
        actions.addStretch(1)
        for button in (self.object_button, self.resolve_button, self.print_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(QLabel("待公示（已经乡镇核验、待审批销号，须公示的问题；可多选）"))
        layout.addWidget(self.waiting_view, 2)
        layout.addLayout(start)
        layout.addWidget(QLabel("本村的公示"))
        layout.addWidget(self.batch_view, 2)
        layout.addLayout(actions)
        layout.addWidget(self.detail_view, 3)
        layout.addWidget(self.message)

        for button in (self.start_button, self.object_button, self.resolve_button):
            button.setEnabled(self.may_run)
            if not self.may_run:
                button.setToolTip("只有县级统筹员或乡镇核验员可以组织公示、登记异议")
        self.settings_button.setVisible(ctx.has_role("admin", "coordinator"))
        self.village.currentIndexChanged.connect(self.reload)
        self.kind.currentIndexChanged.connect(self.reload)
        self.batch_view.selectionModel().selectionChanged.connect(lambda *_: self.show_batch())
        self.start_button.clicked.connect(self.start_selected)
        self.object_button.clicked.connect(self.ask_objection)
        self.resolve_button.clicked.connect(self.ask_resolution)
        self.print_button.clicked.connect(self.ask_print)
        self.settings_button.clicked.connect(self.edit_settings)
        self.reads = Latest(self)  # the waiting list and the batches, read on the operations thread
        self.started: BatchView | None = None
        self.recorded: ObjectionView | None = None
        self.resolved: ObjectionView | None = None
        self.printed: NoticeResult | None = None
        self.reload()

    # -- reading -------------------------------------------------------------------------------------
    def village_id(self) -> int | None:
        return self.village.currentData()

    def reload(self, keep: int | None = None) -> None:
        """Read the village's waiting list and its batches on the operations thread; then show them,
        the batch `keep` (one just changed) chosen again, else the newest."""
        pub, actor, village = self.ctx.ledger.publicity, self.ctx.actor, self.village_id()
        if village is None:
            return
        kind, may_run = self.kind.currentData(), self.may_run

        def work() -> tuple[list[ItemView], str, list[BatchView]]:
            note = ""
            if not may_run:
                waiting = []
            elif kind == "close":
                waiting = pub.candidates(actor, village)
            elif pub.settings().risk_days is None:
                waiting = []
                note = "未设置风险消除前公示：县级统筹员可在“公示设置”中填写天数。"
            else:
                waiting = pub.monitored(actor, village)
            return waiting, note, [b for b in pub.batches(actor, village_id=village) if b.kind == kind]

        self.reads.run(work, lambda read: self._fill(read, keep), self._read_failed)

    def _read_failed(self, error: BaseException) -> None:
        error = refusal(error)
        self.message.setText(f"读取失败：{error}")

    def _fill(self, read: tuple[list[ItemView], str, list[BatchView]], keep: int | None) -> None:
        waiting, note, batches = read
        self.waiting = waiting
        if note:
            self.message.setText(note)
        self.waiting_model.set_rows(
            [
                (ids.mask_name(i.head_name), ids.mask(i.head_id_number), i.case_number, i.problem,
                 ids.mask_free_text(i.description))
                for i in self.waiting
            ]
        )  # fmt: skip
        today = self.ctx.ledger.today()
        self.batches = batches
        self.batch_model.set_rows(
            [
                (b.kind_name, f"{b.start_date:%Y-%m-%d} 至 {b.end_date:%Y-%m-%d}", b.days, len(b.items),
                 sum(i.open_objections for i in b.items), b.state_name(today), b.created_by)
                for b in self.batches
            ]
        )  # fmt: skip
        if self.batches:
            kept = next((row for row, b in enumerate(self.batches) if b.id == keep), 0)
            self.batch_view.selectRow(kept)
        self.show_batch()

    def current_batch(self) -> BatchView | None:
        rows = self.batch_view.selectionModel().selectedRows()
        return self.batches[rows[0].row()] if rows and rows[0].row() < len(self.batches) else None

    def show_batch(self) -> None:
        batch = self.current_batch()
        self.details = []
        for item in batch.items if batch else ():
            if not item.objections:
                self.details.append((item, None))
            self.details += [(item, o) for o in item.objections]
        self.detail_model.set_rows(
            [
                (ids.mask_name(i.head_name), ids.mask(i.head_id_number), f"{i.case_number} {i.problem}".strip(),
                 o.raised_by if o else "", f"{o.received_date:%Y-%m-%d}" if o else "", o.content if o else "无异议",
                 o.handling if o else "", ("待处理" if o.open else f"已处理（{o.resolved_by}）") if o else "")
                for i, o in self.details
            ]
        )  # fmt: skip
        self.print_button.setEnabled(batch is not None)

    def chosen_detail(self) -> tuple[ItemView, ObjectionView | None] | None:
        rows = self.detail_view.selectionModel().selectedRows()
        return self.details[rows[0].row()] if rows and rows[0].row() < len(self.details) else None

    # -- actions ---------------------------------------------------------------------------------------
    # Each write runs on the operations thread (run_guarded) and its result is kept for whoever looks
    # next (the tests, a screen reader of the message line): `started`, `recorded`, `resolved`,
    # `printed`, None until one succeeds.
    def start_selected(self) -> None:
        rows = sorted({i.row() for i in self.waiting_view.selectionModel().selectedRows()})
        chosen = [self.waiting[r] for r in rows if r < len(self.waiting)]
        pub, actor, village = self.ctx.ledger.publicity, self.ctx.actor, self.village_id()
        if not chosen or village is None:
            QMessageBox.information(self, "公示", "请先在“待公示”中选择要公示的对象")
            return
        start, days = from_qdate(self.start_date.date()), self.days.value() or None
        if self.kind.currentData() == "close":
            ids_ = [i.case_id for i in chosen if i.case_id is not None]
            run_guarded(self, lambda: pub.start(actor, village, ids_, start_date=start, days=days), self._started,
                        busy=[self.start_button])  # fmt: skip
        else:
            tags = [i.tag_id for i in chosen if i.tag_id is not None]
            run_guarded(self, lambda: pub.start_risk(actor, village, tags, start_date=start, days=days),
                        self._started, busy=[self.start_button])  # fmt: skip

    def _started(self, batch: BatchView) -> None:
        self.started = batch
        self.message.setText(
            f"已发起公示：{len(batch.items)} 个对象，"
            f"公示期 {batch.start_date:%Y-%m-%d} 至 {batch.end_date:%Y-%m-%d}。"
            "请打印公示张贴，公示期满且异议处理完毕后方可审批。"
        )
        self.reload()

    def ask_objection(self) -> None:
        chosen = self.chosen_detail()
        if chosen is None:
            QMessageBox.information(self, "公示", "请先在下方列表中选择收到异议的对象")
            return
        dialog = ObjectionDialog(self, self.ctx.ledger.today())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.record_objection(chosen[0], *dialog.values())

    def record_objection(self, item: ItemView, received: dt.date, who: str, content: str) -> None:
        pub, actor = self.ctx.ledger.publicity, self.ctx.actor

        def recorded(objection: ObjectionView) -> None:
            self.recorded = objection
            self._reload_keeping()

        run_guarded(self, lambda: pub.object(actor, item.id, received, who, content), recorded,
                    busy=[self.object_button])  # fmt: skip

    def ask_resolution(self) -> None:
        chosen = self.chosen_detail()
        if chosen is None or chosen[1] is None or not chosen[1].open:
            QMessageBox.information(self, "公示", "请先在下方列表中选择一条待处理的异议")
            return
        text, ok = QInputDialog.getMultiLineText(self, "登记处理结果", "异议的核实情况和处理结果：")
        if ok:
            self.resolve(chosen[1], text)

    def resolve(self, objection: ObjectionView, handling: str) -> None:
        pub, actor = self.ctx.ledger.publicity, self.ctx.actor

        def resolved(done: ObjectionView) -> None:
            self.resolved = done
            self._reload_keeping()

        run_guarded(self, lambda: pub.resolve(actor, objection.id, handling), resolved,
                    busy=[self.resolve_button])  # fmt: skip

    def _reload_keeping(self) -> None:
        batch = self.current_batch()
        self.reload(keep=batch.id if batch is not None else None)

    def ask_print(self) -> None:
        batch = self.current_batch()
        if batch is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "保存公示", f"{batch.village}{batch.kind_name}公示.pdf", "PDF (*.pdf)"
        )
        if path:
            self.print_to(Path(path))

    def print_to(self, path: Path) -> None:
        """The notice rendered on the operations thread."""
        from reports.publicity import render_notice

        batch = self.current_batch()
        if batch is None:
            return
        lg, actor = self.ctx.ledger, self.ctx.actor

        def printed(result: NoticeResult) -> None:
            self.printed = result
            self.message.setText(
                f"已生成公示：{result.path}（{result.pages} 页），姓名和身份证号已按公开要求隐去部分。"
            )

        run_guarded(self, lambda: render_notice(lg, batch, path, actor), printed, busy=[self.print_button])

    def edit_settings(self) -> None:
        """公示设置: the settings read on the operations thread, the dialog shown when they arrive."""
        pub, catalog = self.ctx.ledger.publicity, self.ctx.ledger.catalog
        run_guarded(self, lambda: (catalog.category_names, pub.settings()), lambda read: self._ask_settings(*read),
                    busy=[self.settings_button])  # fmt: skip

    def _ask_settings(self, names: dict[str, str], current: PublicitySettings) -> None:
        dialog = SettingsDialog(self, names, current)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        days, risk, contact, phone = dialog.values()
        pub, actor = self.ctx.ledger.publicity, self.ctx.actor
        run_guarded(
            self,
            lambda: pub.update_settings(actor, category_days=days, risk_days=risk, contact=contact, phone=phone),
            lambda _done: self.reload(),
            busy=[self.settings_button],
        )


class ObjectionDialog(QDialog):
    def __init__(self, parent: QWidget, today: dt.date):
        super().__init__(parent)
        self.setWindowTitle("登记公示异议")
        self.received = QDateEdit(to_qdate(today))
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("yyyy-MM-dd")
        self.who = QLineEdit()
        self.who.setPlaceholderText("不愿署名的填“匿名”")
        self.content = QPlainTextEdit()
        form = QFormLayout(self)
        form.addRow("收到日期", self.received)
        form.addRow("异议人", self.who)
        form.addRow("异议内容", self.content)
        form.addRow(ok_cancel("确定", self.accept, self.reject))

    def values(self) -> tuple[dt.date, str, str]:
        return from_qdate(self.received.date()), self.who.text(), self.content.toPlainText()


class SettingsDialog(QDialog):
    """Days per category (0 = 不公示), days before 风险消除 (0 = 不公示), contact and phone."""

    def __init__(self, parent: QWidget, names: dict[str, str], current: PublicitySettings):
        super().__init__(parent)
        self.setWindowTitle("公示设置")
        form = QFormLayout(self)
        form.addRow(QLabel("审批销号前须在村内公示的天数（0 表示该类问题不公示）："))
        self.spins: dict[str, QSpinBox] = {}
        for code, name in names.items():
            spin = QSpinBox()
            spin.setRange(0, 30)
            spin.setSpecialValueText("不公示")
            spin.setSuffix(" 天")
            spin.setValue(current.category_days.get(code) or 0)
            self.spins[code] = spin
            form.addRow(name, spin)
        self.risk = QSpinBox()
        self.risk.setRange(0, 30)
        self.risk.setSpecialValueText("不公示")
        self.risk.setSuffix(" 天")
        self.risk.setValue(current.risk_days or 0)
        form.addRow("监测对象风险消除前", self.risk)
        self.contact = QLineEdit(current.contact)
        self.contact.setPlaceholderText("默认为乡镇人民政府")
        self.phone = QLineEdit(current.phone)
        form.addRow("受理异议单位", self.contact)
        form.addRow("联系电话", self.phone)
        form.addRow(ok_cancel("确定", self.accept, self.reject))

    def values(self) -> tuple[dict[str, int | None], int | None, str | None, str | None]:
        days = {code: spin.value() or None for code, spin in self.spins.items()}
        return days, self.risk.value() or None, self.contact.text() or None, self.phone.text() or None
