"""农户档案: households (windowed, searchable by name or full ID number) and, for the chosen one, its
members and every case across departments in date order."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger import CaseFilter, ids
from ledger.access import may_see_health, may_unmask
from ledger.dto import HouseholdRow, HouseholdView, MemberView
from ledger.tags import vocabulary
from ui.common import ok_cancel, refusal, run_guarded
from ui.context import AppContext
from ui.household_dialog import HouseholdDialog
from ui.models import CaseTableModel, HouseholdTableModel, ListTableModel, count_text
from ui.reads import Latest, ReadWhenShown, reload_model
from ui.widgets import fit_columns, make_table


class ReasonDialog(QDialog):
    """A reason typed before something sensitive is shown (at least four characters)."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QLineEdit()
        self.text.setPlaceholderText("如：核对医保参保信息")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt))
        layout.addWidget(self.text)
        layout.addWidget(ok_cancel("确定", self.accept, self.reject))

    @property
    def reason(self) -> str:
        return self.text.text()


class HouseholdsPage(ReadWhenShown):
    open_case = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.search = QLineEdit()
        self.search.setPlaceholderText("户主姓名或完整身份证号")
        self.search.setClearButtonEnabled(True)
        self.township = QComboBox()
        self.township.addItem("全部乡镇", None)
        for t in ctx.ledger.catalog.townships():
            self.township.addItem(t.name, t.id)
        self.tag = QComboBox()
        self.tag.addItem("全部农户", None)
        for name in vocabulary():
            self.tag.addItem(name, name)
        self.tag.setToolTip("只列出今天持有该标签的农户")
        self.summary = QLabel()
        self.model = HouseholdTableModel(ctx.ledger, self, viewer=ctx.actor)
        # the list, the chosen household's record and its cases: each read on the operations thread
        self.reads, self.detail_reads, self.cases_reads = Latest(self), Latest(self), Latest(self)
        self.model.counted.connect(self._update_summary)  # the exact count, read in the background
        self.view = make_table(self.model)
        self.view.selectionModel().currentRowChanged.connect(lambda current, _p: self.show_household(current.row()))

        self.detail = QLabel("选择左侧农户查看档案")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.health = may_see_health(ctx.actor)
        self.members = ListTableModel(
            ["姓名", "身份证号", "与户主关系"] + (["健康/残疾状况"] if self.health else []), self
        )
        self.household_id: int | None = None
        self.revealed: tuple[str, str] | None = None  # the last full number and phone shown
        self.reveal_button = QPushButton("显示完整号码…")
        self.reveal_button.setToolTip("须有“查看完整号码”权限并填写用途，记入审计日志")
        self.reveal_button.setEnabled(False)
        self.reveal_button.clicked.connect(lambda: self.reveal())
        self.edit_button = QPushButton("修改档案…")
        self.edit_button.setToolTip("修改户主、户类型、家庭成员和农户标签（记入变更历史）")
        self.edit_button.setEnabled(False)
        self.edit_button.clicked.connect(lambda: self.edit())
        self.may_edit = ctx.ledger.households.may_edit(ctx.actor)
        self.household_township: int | None = None
        members_view = QTableView()
        members_view.setModel(self.members)
        members_view.verticalHeader().setVisible(False)
        fit_columns(members_view, self.members)
        members_view.setMaximumHeight(160)
        self.cases = CaseTableModel(ctx.ledger, self, viewer=ctx.actor)
        self.cases.sort_key = "found_date"
        self.cases_view = make_table(self.cases)
        # the household is named above; the red 整改时限 stands for the light in this narrow pane
        for key in ("light", "township", "village", "head", "id_number"):
            self.cases_view.setColumnHidden(next(i for i, c in enumerate(self.cases.columns) if c.key == key), True)
        self.cases_view.activated.connect(
            lambda index: self.open_case.emit(self.cases.data(index, Qt.ItemDataRole.UserRole))
        )

        left = QWidget()
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.township)
        top.addWidget(self.tag)
        lv = QVBoxLayout(left)
        lv.addLayout(top)
        lv.addWidget(self.summary)
        lv.addWidget(self.view, 1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.detail)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reveal_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        rv.addLayout(buttons)
        self.reveal_button.setVisible(may_unmask(ctx.actor))  # after reparenting, which would reset it
        self.edit_button.setVisible(self.may_edit)  # read-only users see no edit button
        rv.addWidget(QLabel("家庭成员"))
        rv.addWidget(members_view)
        rv.addWidget(QLabel("该户全部问题（按发现时间，跨部门）"))
        rv.addWidget(self.cases_view, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.apply)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.township.currentIndexChanged.connect(self.apply)
        self.tag.currentIndexChanged.connect(self.apply)
        # Hidden behind another page, a change only marks the list stale (ui/dashboard.py says why).
        self._stale = False
        ctx.changed.connect(lambda change: self._changed() if change.households or change.case_ids else None)

    def reveal(self, reason: str | None = None) -> None:
        """The head's full ID number and phone, after a typed reason (audited by the ledger), read on
        the operations thread; `revealed` holds them once shown."""
        if self.household_id is None:
            return
        if reason is None:
            dialog = ReasonDialog("显示完整号码", "请填写查看完整身份证号和电话的用途（将记入审计日志）：", self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            reason = dialog.reason
        households, actor, household_id, why = self.ctx.ledger.households, self.ctx.actor, self.household_id, reason

        def shown(number_and_phone: tuple[str, str]) -> None:
            self.revealed = number_and_phone
            number, phone = number_and_phone
            self.detail.setText(self.detail.text() + f"<br><b>完整号码</b>（已记录）：{number}　电话：{phone or '—'}")

        run_guarded(self, lambda: households.reveal(actor, household_id, why or ""), shown, busy=[self.reveal_button])

    def edit(self, before_show: Callable[[HouseholdDialog], None] | None = None) -> HouseholdDialog | None:
        """修改档案 of the chosen household; `before_show` (tests, screenshots) drives the dialog
        instead of a person."""
        if self.household_id is None:
            return None
        dialog = HouseholdDialog(self.ctx, self.household_id, self)
        if before_show is not None:
            before_show(dialog)
        else:
            dialog.exec()
        return dialog

    def refresh(self) -> None:
        """After a change: the same list, the same household chosen."""
        self.apply(keep=self.view.currentIndex().row())

    def _update_summary(self) -> None:
        self.summary.setText(f"共 {count_text(self.model)} 户")

    def apply(self, *_signal: object, keep: int = 0) -> None:
        """Read the list's first rows on the operations thread; the rows shown stay until then."""
        self._stale = False
        self.model.search, self.model.township_id = self.search.text().strip(), self.township.currentData()
        self.model.tag = self.tag.currentData()
        if not self.model.rowCount():
            self.summary.setText("正在读取…")
        reload_model(self.reads, self.model, lambda: self._listed(keep), self._read_failed)

    def _read_failed(self, error: BaseException) -> None:
        self.summary.setText(f"读取失败：{refusal(error)}")

    def _listed(self, row: int) -> None:
        self._update_summary()
        if self.model.rowCount():
            self.view.selectRow(row if 0 <= row < self.model.rowCount() else 0)
            self.show_household(self.view.currentIndex().row())
        else:
            self.show_household(-1)

    def show_household(self, row: int) -> None:
        """The record and cases of the household in `row`. A row whose block is not loaded yet (End
        on a long list, a click before the rows arrived) is read on the operations thread first."""
        household = self.model.row(row) if row >= 0 else None
        if household is None and 0 <= row < self.model.rowCount():
            self.household_id = None
            self.reveal_button.setEnabled(False)
            self.edit_button.setEnabled(False)
            self.detail.setText("正在读取…")
            self.detail_reads.run(
                self.model.rows_reader([(row, row)]),
                lambda rows: self._show_row(rows[0] if rows else None),
                self._read_failed,
            )
            return
        self._show_row(household)

    def _show_row(self, household: HouseholdRow | None) -> None:
        self.household_id = household.id if household is not None else None
        self.reveal_button.setEnabled(household is not None)
        self.edit_button.setEnabled(False)
        if household is None:
            self.detail_reads.drop()
            self.detail.setText("没有符合条件的农户")
            self.members.set_rows([])
            self.cases.filter = CaseFilter(household_id=-1)
            reload_model(self.cases_reads, self.cases)
            return
        hs, actor = self.ctx.ledger.households, self.ctx.actor
        self.detail_reads.run(
            lambda: (hs.get(household.id), hs.members(household.id, viewer=actor)),
            lambda read: self._show_record(household, *read),
            self._read_failed,
        )
        self.cases.filter = CaseFilter(household_id=household.id)
        reload_model(self.cases_reads, self.cases)

    def _show_record(self, household: HouseholdRow, full: HouseholdView, members: list[MemberView]) -> None:
        self.edit_button.setEnabled(self.ctx.ledger.households.may_edit(self.ctx.actor, full.township_id))
        self.detail.setText(
            f"<b style='font-size:13pt'>{full.head_name}</b>　{household.township_name}{household.village_name}"
            f"{full.group_name}<br>身份证号：{ids.mask(full.head_id_number)}　户类型：{full.kind}　"
            f"人口：{full.size}　电话：{ids.mask_phone(full.phone) or '—'}<br>"
            f"标签：{household.tags or '—'}<br>"
            f"问题 {household.all_cases} 个，其中未销号 {household.open_cases} 个"
        )
        self.members.set_rows(
            [(m.name, ids.mask(m.id_number), m.relation) + ((m.health,) if self.health else ()) for m in members]
        )
