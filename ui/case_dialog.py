"""Case detail: 基本信息 / 整改措施与进度 / 佐证材料 / 签批记录 / 变更历史, and the workflow actions the
signed-in user may take now, each asking only for what that action needs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QIcon, QImage, QPixmap
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ledger import ids, schema
from ledger.dto import CaseView, EvidenceView
from ledger.errors import ConflictError, LedgerError
from ledger.photos import folder_files
from ledger.textrules import RULES
from ledger.workflow import FIELD_LABELS, STATE_NAMES, proposed_deadline
from reports.kinds import ReportRequest
from ui.case_action import ActionDialog, FieldEditors, conflict_text, problems_text
from ui.case_evidence import EvidenceList, evidence_text
from ui.case_letters import CaseLetters
from ui.case_reads import CaseBundle, hash_check, load_case, thumbnails, viewer_copy
from ui.common import LIGHT_COLOURS, LIGHT_TEXT, fmt_date, from_qdate, refusal, to_qdate
from ui.context import AppContext
from ui.models import ListTableModel
from ui.ops import ops
from ui.photo_order import evidence_order, list_caption, photo_shortfall
from ui.printing import print_with_progress
from ui.reports_page import output_folder
from ui.tasks import run_with_progress
from ui.widgets import fit_columns

# The 销号审批表 is printed for a case waiting for, or having had, the county's approval.
CLOSURE_STATES = ("pending_approval", "closed")

# A sign-off against the case as it is now (SignOffView.changed_since; None: read-only, no key to check).
SIGNOFF_CHECK = {False: "一致", True: "签批后已变更", None: "无法核对（缺少审计密钥）"}


class CaseDialog(QDialog):
    """The case window, filled from a CaseBundle. The application opens it through
    `ui.main_window.MainWindow.open_case`: the bundle is read on the operations thread and the window
    built when it arrives. Without `bundle` the constructor reads it itself, on the calling thread
    (tests; PermissionDenied when the user may not see the case). Every later write and re-read goes
    through ui/ops.py too; `busy` is true while one is on its way."""

    painted_once: ClassVar[bool] = False  # a case window was painted in this session (lay_out)

    def __init__(self, ctx: AppContext, case_id: int, parent: QWidget | None = None, bundle: CaseBundle | None = None):
        super().__init__(parent)
        if bundle is None:
            bundle = load_case(ctx.ledger, ctx.actor, case_id)
        self.ctx = ctx
        self.busy = False  # a save, a progress note or a re-read on its way through ui/ops.py
        self.evidence_busy = False  # files on their way through ui/ops.py
        self.thumbnails_pending = False  # photos being read and scaled there
        self.evidence_opening: set[int] = set()  # evidence being copied out for the viewer there
        self.hash_checked: bool | None = None  # the outcome of the last 校验哈希
        self.case: CaseView = bundle.case
        self.action_dialog: ActionDialog | None = None
        self.action_buttons: dict[str, QPushButton] = {}
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._basic_tab(), "基本信息")
        self.tabs.addTab(self._progress_tab(), "整改措施与进度")
        self.tabs.addTab(self._evidence_tab(), "佐证材料")
        self.signoffs = ListTableModel(["环节", "签批人", "角色", "方式", "意见", "时间", "内容哈希", "核对"], self)
        self.signoffs_view = self._table(self.signoffs, stretch=4)  # 意见 takes the room left
        self.tabs.addTab(self.signoffs_view, "签批记录")
        self.history = ListTableModel(["时间", "操作人", "操作", "变更内容"], self)
        self.history_view = self._table(self.history)
        self.tabs.addTab(self.history_view, "变更历史")
        self.letters = CaseLetters(ctx, case_id, bundle.letters)  # escalation: the 督办函 that named this case
        self.tabs.addTab(self.letters, "督办函")
        self.action_bar = QHBoxLayout()
        # A re-read that failed (the case gone, the database unreadable): said here, the window stays
        # as it was and usable.
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #d93025;")
        self.notice.setVisible(False)
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新读取本问题的最新内容（已填写未保存的内容保留）")
        self.refresh_button.clicked.connect(lambda: self.reload())
        self.closure_button = QPushButton("打印销号审批表…")
        self.closure_button.setToolTip("生成本问题的销号审批表（PDF），随后可打开或打印")
        self.closure_button.clicked.connect(lambda: self.print_closure_form())
        self.closure_offer: QMessageBox | None = None
        # Where the form is saved: asks with a file dialog; a test sets its own (no modal dialog).
        self.ask_target: Callable[[Path], Path | None] = self._ask_target
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addLayout(self.action_bar)
        bottom.addWidget(self.notice, 1)
        bottom.addWidget(self.refresh_button)
        bottom.addWidget(self.closure_button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        room = self.screen().availableGeometry()  # at 150 % scaling a 1366×768 screen has 910×512
        self.resize(min(980, room.width() - 20), min(680, room.height() - 40))
        self.show_bundle(bundle, reset_editors=True)

    def lay_out(self) -> None:
        """The first layout before the window is shown, in a turn of the event loop of its own (~4 ms of
        CPU, ~8 the first time). The session's first case window is also painted here, hidden: Qt's
        one-time costs (glyphs, icons, the style's pixmaps, ~10 ms) leave the turn that shows it, where
        the ledger page behind repaints too (that turn: ~47 ms of CPU without, ~37 with, median of 5)."""
        self.ensurePolished()
        layout = self.layout()
        if layout is not None:
            layout.activate()
        if not CaseDialog.painted_once:
            CaseDialog.painted_once = True
            self.grab()

    # -- tabs -----------------------------------------------------------------------------------------
    def _table(self, model: ListTableModel, stretch: int | None = None) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.verticalHeader().setVisible(False)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        fit_columns(view, model, stretch=stretch)
        return view

    def _basic_tab(self) -> QWidget:
        page = QWidget()
        self.basic_form = QFormLayout()
        self.save_button = QPushButton("保存修改")
        self.save_button.clicked.connect(self.save_fields)
        self.basic_message = QLabel()
        self.basic_message.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addLayout(self.basic_form)
        row = QHBoxLayout()
        row.addWidget(self.basic_message, 1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def _progress_tab(self) -> QWidget:
        page = QWidget()
        self.measures = QLabel()
        self.measures.setWordWrap(True)
        self.progress_list = QListWidget()
        self.note_date = QDateEdit(to_qdate(self.ctx.ledger.today()))
        self.note_date.setCalendarPopup(True)
        self.note_date.setDisplayFormat("yyyy-MM-dd")
        self.note_date.setMaximumDate(to_qdate(self.ctx.ledger.today()))
        self.note_text = QLineEdit()
        self.note_text.setMaxLength(RULES["progress"].limit)
        self.note_text.setPlaceholderText("本次进度，如：已完成屋面瓦片更换")
        add = self.progress_button = QPushButton("添加进度")
        add.clicked.connect(self.add_progress)
        self.note_text.returnPressed.connect(self.add_progress)
        self.progress_message = QLabel()
        self.progress_message.setStyleSheet("color: #d93025;")
        row = QHBoxLayout()
        row.addWidget(self.note_date)
        row.addWidget(self.note_text, 1)
        row.addWidget(add)
        layout = QVBoxLayout(page)
        box = QGroupBox("整改措施")
        QVBoxLayout(box).addWidget(self.measures)
        layout.addWidget(box)
        layout.addWidget(QLabel("整改进度（按日期）"))
        layout.addWidget(self.progress_list, 1)
        layout.addLayout(row)
        layout.addWidget(self.progress_message)
        return page

    def _evidence_tab(self) -> QWidget:
        page = QWidget()
        self.evidence_list = EvidenceList()
        self.evidence_list.files_dropped.connect(self.add_files)
        self.evidence_list.itemActivated.connect(lambda item: self.open_evidence(item.data(Qt.ItemDataRole.UserRole)))
        self.evidence_list.currentItemChanged.connect(lambda item, _old: self._evidence_selected(item))
        self.evidence_detail = QLabel("把照片或扫描件拖到上面的区域，或点“添加材料…”。")
        self.evidence_detail.setWordWrap(True)
        self.evidence_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.evidence_missing = QLabel()
        self.evidence_missing.setStyleSheet("color: #e37400;")
        add = QPushButton("添加材料…")
        add.clicked.connect(lambda: self.add_files())
        add_folder = QPushButton("添加文件夹…")
        add_folder.setToolTip("把一个文件夹里的照片、扫描件一次添加（不含子文件夹）")
        add_folder.clicked.connect(lambda: self.add_folder())
        open_button = QPushButton("打开")
        open_button.clicked.connect(lambda: self._open_current())
        check = self.check_button = QPushButton("校验哈希")
        check.clicked.connect(lambda: self.check_current())
        row = QHBoxLayout()
        row.addWidget(self.evidence_missing, 1)
        for b in (add, add_folder, open_button, check):
            row.addWidget(b)
        layout = QVBoxLayout(page)
        layout.addWidget(self.evidence_list, 1)
        layout.addWidget(self.evidence_detail)
        layout.addLayout(row)
        return page

    # -- showing --------------------------------------------------------------------------------------
    def show_bundle(self, bundle: CaseBundle, reset_editors: bool = True) -> None:
        """Repaint the window from a bundle; with `reset_editors` False the editors keep their input."""
        self.case = case = bundle.case
        publicity = bundle.publicity
        h = case.household
        light = (
            f"<span style='color:{LIGHT_COLOURS[case.light].name()}'>●{LIGHT_TEXT[case.light]}</span>"
            if case.light
            else ""
        )
        self.setWindowTitle(f"问题 {case.number} — {case.subject}")
        who = (
            f"{case.subject}（{ids.mask(h.head_id_number)}，{h.kind}，{h.size}人）"
            if h is not None
            else "村级问题（不属于某一户）"
        )
        self.title.setText(
            f"<b style='font-size:14pt'>{case.number}</b>　{case.category_name} · {case.subcategory_name}　"
            f"<b>{case.state_name}</b> {light}<br>{case.township_name}{case.village_name} {who}"
            f"　牵头单位：{case.lead_department_name or '未交办'}"
            f"　{'拟定时限' if proposed_deadline(case.state, case.deadline) else '整改时限'}："
            f"{fmt_date(case.deadline) or '—'}" + (f"<br>公示：{publicity}" if publicity else "")
        )
        if reset_editors:
            self._fill_basic()
        self.measures.setText(case.measures or "（尚未填写，提交核验时填写）")
        self.progress_list.clear()
        for p in sorted(case.progress, key=lambda p: (p.note_date, p.id)):
            self.progress_list.addItem(f"{p.note_date:%Y-%m-%d}　{p.text}　（{p.author}）")
        self._fill_evidence()
        self.signoffs.set_rows(
            [
                (
                    s.meaning,
                    s.signer_name,
                    s.signer_role,
                    f"代录（{s.recorded_by}）" if s.on_behalf else "本人",
                    s.opinion,
                    f"{s.signed_at:%Y-%m-%d %H:%M}",
                    s.content_hash[:16] + "…",
                    SIGNOFF_CHECK[s.changed_since],
                )
                for s in case.signoffs
            ]
        )
        entries = bundle.history
        self.history.set_rows(
            [
                (
                    e.at[:16].replace("T", " "),
                    e.actor_name,
                    e.action,
                    "\n".join(f"{f}：{old or '（空）'} → {new or '（空）'}" for f, old, new in e.changes) or e.detail,
                )
                for e in entries
            ]
        )
        self._fill_actions(bundle.actions)
        self.letters.show_letters(bundle.letters)
        self.closure_button.setVisible(case.state in CLOSURE_STATES)

    def _fill_basic(self) -> None:
        while self.basic_form.rowCount():
            self.basic_form.removeRow(0)
        case = self.case
        rules = self.ctx.ledger.catalog.rules
        editable = (
            rules.editable.get(case.state, frozenset()) if self.ctx.actor.roles & rules.edit_roles else frozenset()
        )
        self.editors = FieldEditors(self.ctx, case)
        shown = [
            ("number", case.number),
            (
                "household",
                f"{case.subject}（{ids.mask(case.household.head_id_number)}）" if case.household else case.subject,
            ),
            ("category", case.category_name),
            ("subcategory", case.subcategory_name),
            ("description", case.description),
            ("source", case.source),
            ("found_date", fmt_date(case.found_date)),
            ("state", case.state_name),
            ("lead_department_id", case.lead_department_name),
            ("assisting_departments", case.assisting_departments),
            *schema.shown(case.values).items(),  # 责任人, 整改资金… (ledger/schema.py PLAIN)
            ("deadline", fmt_date(case.deadline)),
            ("assigned_date", fmt_date(case.assigned_date)),
            ("completion_date", fmt_date(case.completion_date)),
            ("closed_date", fmt_date(case.closed_date)),
            ("void_reason", case.void_reason),
            ("remarks", case.remarks),
        ]
        labels = {"number": "问题编号", "household": "农户", "category": "问题类别", **FIELD_LABELS}
        if "subcategory" in editable:  # one chooser for both: 类别 · 子类
            labels["subcategory"] = "问题类别 · 子类"
            shown = [(f, t) for f, t in shown if f != "category"]
        for field, text in shown:
            if field in editable:
                self.basic_form.addRow(labels[field], self.editors.make(field, getattr(case, field)))
            elif text or field in ("description", "state"):
                label = QLabel(str(text))
                label.setWordWrap(True)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.basic_form.addRow(labels[field], label)
        self.save_button.setVisible(bool(self.editors.widgets))
        self.basic_message.setText(
            "" if self.editors.widgets else f"“{STATE_NAMES.get(case.state, case.state)}”状态下您不能修改问题内容。"
        )
        self.basic_message.setStyleSheet("")

    def _fill_evidence(self) -> None:
        self.evidence_list.clear()
        file_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        for e in sorted(self.case.evidence, key=evidence_order):  # 整改前 beside 整改后, then the rest
            item = QListWidgetItem(list_caption(e))
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            item.setToolTip(evidence_text(e))
            item.setIcon(file_icon)  # a photo's thumbnail follows from the operations thread
            self.evidence_list.addItem(item)
        photos = [e.id for e in self.case.evidence if e.mime.startswith("image/")]
        if photos:
            self.thumbnails_pending = True
            ops().run(thumbnails(self.ctx.ledger, photos), self._show_thumbnails, owner=self)
        sub = self.ctx.ledger.catalog.subcategory(self.case.subcategory)
        names = self.ctx.ledger.catalog.evidence_kind_names
        have = {e.kind for e in self.case.evidence}
        missing = [names[k] for k in sub.required_evidence if k not in have]
        missing += photo_shortfall(self.case.subcategory, self.case.evidence, names)
        self.evidence_missing.setText("提交核验还缺：" + "、".join(missing) if missing else "必备材料已齐全")

    def _show_thumbnails(self, made: dict[int, QImage | None]) -> None:
        self.thumbnails_pending = False
        for row in range(self.evidence_list.count()):
            item = self.evidence_list.item(row)
            evidence_id = item.data(Qt.ItemDataRole.UserRole)
            if evidence_id not in made:
                continue
            image = made[evidence_id]
            if image is None:
                kind = item.text().split("\n", 1)[0]
                item.setText(f"{kind}\n⚠ 文件缺失或已损坏")
            elif not image.isNull():
                item.setIcon(QIcon(QPixmap.fromImage(image)))

    def _evidence_selected(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        e = self._evidence(item.data(Qt.ItemDataRole.UserRole))
        if e is not None:
            self.evidence_detail.setText(evidence_text(e))

    def _evidence(self, evidence_id: int) -> EvidenceView | None:
        return next((e for e in self.case.evidence if e.id == evidence_id), None)

    def _fill_actions(self, actions: list[str]) -> None:
        while self.action_bar.count():
            item = self.action_bar.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        rules = self.ctx.ledger.catalog.rules
        self.action_buttons = {}
        for action in actions:
            button = QPushButton(rules.actions[action].name + "…")
            button.setObjectName(f"action_{action}")
            button.clicked.connect(lambda _c=False, a=action: self.start_action(a))
            self.action_bar.addWidget(button)
            button.setVisible(True)  # at once, not on the layout's next pass
            button.setEnabled(not self.busy)
            self.action_buttons[action] = button

    # -- doing ----------------------------------------------------------------------------------------
    def _run(self, work: Callable[[], Any], done: Callable[[Any], None], failed: Callable[[str], None]) -> None:
        """`work` (a write and the re-read, or the re-read alone) on the operations thread, the window's
        buttons disabled meanwhile; `done(result)` on arrival, or `failed(Chinese message)` when the
        ledger refused (anything else is our bug and goes on to the crash dialog)."""

        def refused(error: BaseException) -> None:
            self._set_busy(False)
            error = refusal(error)
            failed(problems_text(error))

        def arrived(result: Any) -> None:
            self._set_busy(False)
            done(result)

        self._set_busy(True)
        ops().run(work, arrived, refused, owner=self)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for button in (self.save_button, self.progress_button, self.refresh_button, *self.action_buttons.values()):
            button.setEnabled(not busy)
        if busy:
            self.notice.setVisible(False)
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(True)

    def show_latest(self, bundle: CaseBundle) -> None:
        """The latest version shown, what the user typed kept (edited fields stay edited)."""
        self.show_bundle(bundle, reset_editors=False)
        self.editors.rebase(self.case)

    def reload(self) -> None:
        """Read the latest version on the operations thread and show it, keeping what the user typed.
        When the read fails the window keeps what it shows, with the reason in Chinese."""
        lg, actor, case_id = self.ctx.ledger, self.ctx.actor, self.case.id
        self._run(
            lambda: load_case(lg, actor, case_id, check_scope=False),
            self.show_latest,
            lambda text: self._show_notice(f"未能读取最新内容：{text}"),
        )

    def start_action(self, action: str) -> ActionDialog:
        self.action_dialog = ActionDialog(self, action)
        self.action_dialog.open()
        return self.action_dialog

    def save_fields(self) -> None:
        """Save the edited fields and re-read, in one operation; a conflict shows the latest version
        with the user's input kept."""
        changes = self.editors.edited()
        if not changes:
            self.basic_message.setText("没有需要保存的修改。")
            return
        lg, actor, case = self.ctx.ledger, self.ctx.actor, self.case

        def work() -> tuple[Any, ConflictError | None, CaseBundle]:
            try:
                result = lg.cases.update(actor, case.id, case.version, changes)
            except ConflictError as err:
                return None, err, load_case(lg, actor, case.id, check_scope=False)
            return result, None, load_case(lg, actor, case.id, check_scope=False)

        def done(outcome: tuple[Any, ConflictError | None, CaseBundle]) -> None:
            result, conflict, bundle = outcome
            if conflict is not None:
                self.show_latest(bundle)
                self.basic_message.setStyleSheet("color: #d93025;")
                self.basic_message.setText(conflict_text(conflict, case, bundle))
                return
            self.show_bundle(bundle)
            self.basic_message.setStyleSheet("color: #188038;")
            self.basic_message.setText("已保存：" + "、".join(FIELD_LABELS.get(f, f) for f in changes))
            self.ctx.notify_soon(result.change)

        def failed(text: str) -> None:
            self.basic_message.setStyleSheet("color: #d93025;")
            self.basic_message.setText(text)

        self.basic_message.setStyleSheet("")
        self.basic_message.setText("正在保存…")
        self._run(work, done, failed)

    def add_progress(self) -> None:
        """Add the progress note and re-read, in one operation."""
        lg, actor, case_id = self.ctx.ledger, self.ctx.actor, self.case.id
        day, text = from_qdate(self.note_date.date()), self.note_text.text()

        def work() -> tuple[Any, CaseBundle]:
            result = lg.cases.add_progress(actor, case_id, day, text)
            return result, load_case(lg, actor, case_id, check_scope=False)

        def done(outcome: tuple[Any, CaseBundle]) -> None:
            result, bundle = outcome
            self.note_text.clear()
            self.progress_message.clear()
            self.show_latest(bundle)
            self.ctx.notify_soon(result.change)

        self._run(work, done, self.progress_message.setText)

    def add_files(self, paths: list[str] | None = None, kind: str | None = None) -> int:
        """Hand the files to the operations thread (ui/ops.py): checked, hashed and copied there while
        the window keeps answering; the list and the message follow. Returns how many were handed."""
        if not paths:
            paths, _ = QFileDialog.getOpenFileNames(
                self, "选择佐证材料", "", "图片和文档 (*.jpg *.jpeg *.png *.pdf *.tif *.tiff);;所有文件 (*)"
            )
            if not paths:
                return 0
        names = self.ctx.ledger.catalog.evidence_kind_names
        if kind is None:
            have = {e.kind for e in self.case.evidence}
            sub = self.ctx.ledger.catalog.subcategory(self.case.subcategory)
            order = [k for k in sub.required_evidence if k not in have] + [
                k for k in names if k not in sub.required_evidence
            ]
            labels = [names[k] for k in order] + [names[k] for k in names if k not in order]
            choice, ok = QInputDialog.getItem(self, "材料类型", f"这 {len(paths)} 个文件是：", labels, 0, False)
            if not ok:
                return 0
            kind = next(k for k, n in names.items() if n == choice)
        lg, actor, case_id, chosen = self.ctx.ledger, self.ctx.actor, self.case.id, kind

        def work() -> tuple[int, list[str], CaseBundle]:  # on the operations thread: checks, hashing, copying
            added, problems = 0, []
            for path in paths:
                try:
                    lg.cases.add_evidence(actor, case_id, Path(path), chosen)
                    added += 1
                except LedgerError as err:
                    problems.append(f"{Path(path).name}：{err}")
            return added, problems, load_case(lg, actor, case_id, check_scope=False)

        self.evidence_busy = True
        self.evidence_detail.setText(f"正在添加 {len(paths)} 个文件…")
        ops().run(work, self._files_added, self._files_failed, owner=self)
        return len(paths)

    def _files_added(self, outcome: tuple[int, list[str], CaseBundle]) -> None:
        from ledger.dto import Change

        added, problems, bundle = outcome
        self.evidence_busy = False
        self.show_latest(bundle)
        self.evidence_detail.setText(f"已添加 {added} 个文件。" + ("\n" + "\n".join(problems) if problems else ""))
        self.ctx.notify_soon(Change((self.case.id,)))

    def _files_failed(self, error: BaseException) -> None:
        self.evidence_busy = False
        error = refusal(error)
        self.evidence_detail.setText(str(error))

    def add_folder(self, folder: str | None = None, kind: str | None = None) -> int:
        folder = folder or QFileDialog.getExistingDirectory(self, "选择照片所在的文件夹")
        if not folder:
            return 0
        paths = [str(p) for p in folder_files(Path(folder))]
        if not paths:
            self.evidence_detail.setText(f"文件夹“{Path(folder).name}”中没有照片、PDF 或扫描件。")
            return 0
        return self.add_files(paths, kind)

    def _open_current(self) -> None:
        item = self.evidence_list.currentItem()
        if item is not None:
            self.open_evidence(item.data(Qt.ItemDataRole.UserRole))

    def open_evidence(self, evidence_id: int) -> None:
        """A verified copy in a temporary folder, made on the operations thread (ui/case_reads.py
        viewer_copy), then opened with the system viewer; a double click while it is made opens once."""
        e = self._evidence(evidence_id)
        if e is None or evidence_id in self.evidence_opening:
            return
        self.evidence_opening.add(evidence_id)
        self.evidence_detail.setText(f"正在打开 {e.original_name}…")

        def copied(target: Path) -> None:
            self.evidence_opening.discard(evidence_id)
            self.evidence_detail.setText(evidence_text(e))
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

        def refused(error: BaseException) -> None:
            self.evidence_opening.discard(evidence_id)
            error = refusal(error)
            self.evidence_detail.setText(f"无法打开：{error}")

        ops().run(viewer_copy(self.ctx.ledger, e), copied, refused, owner=self)

    def check_current(self) -> None:
        """校验哈希 of the chosen item, on the operations thread (the file is read and hashed there);
        the outcome is written under the list (and kept in `hash_checked`)."""
        item = self.evidence_list.currentItem()
        if item is None:
            self.evidence_detail.setText("请先选择一份材料。")
            return
        e = self._evidence(item.data(Qt.ItemDataRole.UserRole))
        assert e is not None
        self.check_button.setEnabled(False)
        self.hash_checked = None
        self.evidence_detail.setText(f"正在校验 {e.original_name}…")

        def checked(problem: str | None) -> None:
            self.check_button.setEnabled(True)
            self.hash_checked = problem is None
            if problem is not None:
                self.evidence_detail.setText(f"⚠ 校验未通过：{problem}")
            else:
                self.evidence_detail.setText(f"✓ 校验通过：文件内容与登记时的 SHA-256 一致\n{e.sha256}")

        def failed(error: BaseException) -> None:
            self.check_button.setEnabled(True)
            raise error  # hash_check answers a LedgerError itself: anything else is our bug

        ops().run(hash_check(self.ctx.ledger, e.id), checked, failed, owner=self)

    # -- the closure form (销号审批表) ----------------------------------------------------------------
    def _ask_target(self, default: Path) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self, "保存销号审批表", str(default), "PDF 文件 (*.pdf)")
        if not chosen:
            return None
        return Path(chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf")

    def print_closure_form(self) -> Path | None:
        """Render this case's 销号审批表 to a PDF the user names (off the GUI thread, with a cancel
        button), then offer to open or print it. Returns the file, None when not made."""
        if self.case.state not in CLOSURE_STATES:
            return None
        target = self.ask_target(output_folder() / f"销号审批表-{self.case.number}.pdf")
        if target is None:
            return None
        lg, actor = self.ctx.ledger, self.ctx.actor
        from reports.render import render_report  # ReportLab loads with the first report

        request = ReportRequest(kind="closure", case_number=self.case.number)
        ok, result = run_with_progress(
            self,
            "销号审批表",
            f"正在生成 {self.case.number} 的销号审批表…",
            lambda progress, cancelled: render_report(
                lg, request, target, actor, progress=progress, cancelled=cancelled
            ),
        )
        if not ok or result is None:
            return None
        self.offer_closure_form(result.path)
        return result.path

    def offer_closure_form(self, path: Path) -> QMessageBox:
        """打开 / 打印 / 关闭 for the form just made (a box that does not block the window)."""
        box = QMessageBox(QMessageBox.Icon.Information, "销号审批表", f"已生成销号审批表：\n{path}", parent=self)
        open_button = box.addButton("打开", QMessageBox.ButtonRole.AcceptRole)
        print_button = box.addButton("打印…", QMessageBox.ButtonRole.ActionRole)
        box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
        open_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
        print_button.clicked.connect(lambda: self.print_file(path))
        self.closure_offer = box
        box.open()
        return box

    def print_file(self, path: Path, printer: QPrinter | None = None) -> int:
        """Print a PDF (the print dialog, or `printer` as set up by a test); pages printed."""
        return print_with_progress(self, path, printer)
