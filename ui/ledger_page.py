"""问题台账: filters, quick search, SQL sorting, a column chooser, saved filters, colour lights and
bulk actions over a windowed model that stays smooth on a 1,000,000-case ledger."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QDate, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QPageLayout, QResizeEvent, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ledger import CaseFilter
from ledger import export as selection_export
from ledger.dto import CaseRow, Change
from ledger.errors import LedgerError, StorageError
from ledger.workflow import LIGHT_NAMES, OPEN_STATES, STATE_NAMES
from ui.common import (
    from_qdate,
    load_json,
    message,
    ok_cancel,
    refusal,
    run_guarded,
    save_json,
    settings,
    show_error,
    to_qdate,
)
from ui.context import AppContext
from ui.household_dialog import tag_choices, tag_filter, tag_key
from ui.models import CaseTableModel, Column
from ui.reads import Latest, reload_model
from ui.tasks import run_with_progress
from ui.widgets import FlowLayout, make_table, selected_spans, size_columns

OPEN = "__open__"
T = TypeVar("T")


class Summary(QWidget):
    """The line over the ledger (共 73,466 个问题，已选 3 个): a label placed by hand in a widget of
    its own. Its text changes two or three times a search (正在读取…, the first block, the count), and
    a label in the action bar's FlowLayout re-placed the whole bar and repainted the table each time:
    ~10 ms of the GUI thread a change, before the first page of a search could show. The bar is asked
    to re-flow only when a text needs more room than the line has."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = QLabel(self)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def text(self) -> str:
        return self._label.text()

    def setText(self, text: str) -> None:
        self._label.setText(text)
        if self._label.sizeHint().width() > self.width():
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return self._label.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self._label.minimumSizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._label.setGeometry(self.rect())


def _combo(items: list[tuple[str, Any]], everything: str = "全部") -> QComboBox:
    box = QComboBox()
    box.addItem(everything, None)
    for text, value in items:
        box.addItem(text, value)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


def _select(box: QComboBox, value: Any) -> None:
    i = box.findData(value)
    box.setCurrentIndex(i if i >= 0 else 0)


class LedgerPage(QWidget):
    open_case = Signal(int)
    new_case = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        cat = ctx.ledger.catalog
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索：姓名、身份证号、问题编号或描述中的词语（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.township = _combo([(t.name, t.id) for t in cat.townships()], "全部乡镇")
        self.village = _combo([], "全部村")
        self.category = _combo([(n, c) for c, n in cat.category_names.items()], "全部类别")
        self.subcategory = _combo([], "全部子类")
        self.department = _combo([(d.name, d.id) for d in cat.departments.values()], "全部牵头单位")
        self.state = _combo([("未销号", OPEN)] + [(n, c) for c, n in STATE_NAMES.items()], "全部进度")
        self.light = _combo([(n, c) for c, n in LIGHT_NAMES.items()], "全部预警")
        self.tag = _combo(tag_choices(), "全部农户")
        self.tag.setToolTip("只看持有该标签（今天仍有效）的农户的问题；村级问题不属于任何农户")
        self.date_field = _combo([("发现时间", "found"), ("整改时限", "deadline")], "不限日期")
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        today = ctx.ledger.today()
        self.date_from.setDate(to_qdate(today.replace(month=1, day=1)))
        self.date_to.setDate(to_qdate(today))
        clear = QPushButton("清除筛选")
        clear.clicked.connect(self.clear_filters)

        self.saved = QComboBox()
        self.saved.setMinimumWidth(120)
        self.saved.setToolTip("已保存的筛选")
        save_filter = QPushButton("保存筛选…")
        save_filter.clicked.connect(self.save_current_filter)
        delete_filter = QPushButton("删除")
        delete_filter.clicked.connect(self.delete_saved_filter)
        # a menu button (its arrow says so): which columns the table shows
        self.columns_button = QPushButton("显示列")
        self.columns_button.setToolTip("选择表格中显示哪些列（也可在表头上点右键）")
        self.assign_button = QPushButton("批量交办…")
        self.assign_button.setVisible(ctx.has_role("coordinator"))
        self.assign_button.clicked.connect(lambda: self.bulk_assign())
        self.export_button = QPushButton("导出所选…")
        self.export_button.clicked.connect(lambda: self.export_selection())
        self.print_button = QPushButton("打印所选…")
        self.print_button.clicked.connect(lambda: self.print_selection())
        self.new_button = QPushButton("新增问题（Ctrl+N）")
        self.new_button.setVisible(ctx.has_role("clerk", "coordinator"))
        self.new_button.clicked.connect(self.new_case.emit)
        self.summary = Summary()

        self.model = CaseTableModel(ctx.ledger, self, viewer=ctx.actor)
        self.reads = Latest(self)  # the first block of each filter, on the operations thread
        self.assign_dialog: AssignDialog | None = None
        self.exported: Path | None = None  # the last selection written by 导出所选
        self._caption = ""
        self.view = make_table(self.model)
        self.view.setSelectionMode(self.view.SelectionMode.ExtendedSelection)
        self.view.setSortingEnabled(False)
        header = self.view.horizontalHeader()
        header.setSortIndicatorShown(True)
        size_columns(self.view, self.model)  # again: the headers now leave room for the sort arrow
        for i, column in enumerate(self.model.columns):
            self.view.setColumnHidden(i, not column.shown)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(lambda pos: self._column_menu().exec(header.mapToGlobal(pos)))
        self.view.activated.connect(self._activated)
        self.columns_button.setMenu(self._column_menu())

        # One bar of filters that wraps: two lines at 1366 pixels, three or four at 150 % scaling
        filters = FlowLayout()
        filters.addWidget(self.search, stretch=1)
        w: QWidget
        for w in (
            self.township,
            self.village,
            self.category,
            self.subcategory,
            self.department,
            self.state,
            self.light,
            self.tag,
        ):
            filters.addWidget(w)
        dates = QWidget()
        dates_row = QHBoxLayout(dates)
        dates_row.setContentsMargins(0, 0, 0, 0)
        for w in (self.date_field, self.date_from, QLabel("至"), self.date_to):
            dates_row.addWidget(w)
        filters.addWidget(dates)
        filters.addWidget(clear)
        saved = QWidget()
        saved_row = QHBoxLayout(saved)
        saved_row.setContentsMargins(0, 0, 0, 0)
        for w in (self.saved, save_filter, delete_filter):
            saved_row.addWidget(w)
        filters.addWidget(saved)
        actions = FlowLayout()
        actions.addWidget(self.summary, stretch=1)
        for w in (self.new_button, self.assign_button, self.export_button, self.print_button, self.columns_button):
            actions.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(self.view, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.apply)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply)
        self._loading = False
        self.township.currentIndexChanged.connect(self._township_changed)
        self.category.currentIndexChanged.connect(self._category_changed)
        for combo in (self.village, self.subcategory, self.department, self.state, self.light, self.tag):
            combo.currentIndexChanged.connect(self.apply)
        self.date_field.currentIndexChanged.connect(self._date_field_changed)
        self.date_from.dateChanged.connect(self.apply)
        self.date_to.dateChanged.connect(self.apply)
        self.saved.activated.connect(self._saved_chosen)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_summary())
        self.model.counted.connect(self._update_summary)  # the exact count, read in the background
        self.model.estimated.connect(self._update_summary)  # about how many, while that is counted
        ctx.changed.connect(self._changed)
        self._restore()

    # -- filter state -------------------------------------------------------------------------------
    def filter_state(self) -> dict[str, Any]:
        dates = self.date_field.currentData()
        return {
            "search": self.search.text().strip(),
            "township": self.township.currentData(),
            "village": self.village.currentData(),
            "category": self.category.currentData(),
            "subcategory": self.subcategory.currentData(),
            "department": self.department.currentData(),
            "state": self.state.currentData(),
            "light": self.light.currentData(),
            "tag": self.tag.currentData(),
            "dates": dates,
            "from": self.date_from.date().toString("yyyy-MM-dd") if dates else None,
            "to": self.date_to.date().toString("yyyy-MM-dd") if dates else None,
        }

    def set_filter_state(self, state: dict[str, Any]) -> None:
        self._loading = True
        try:
            self.search.setText(state.get("search") or "")
            _select(self.township, state.get("township"))
            self._fill_villages()
            _select(self.village, state.get("village"))
            _select(self.category, state.get("category"))
            self._fill_subcategories()
            _select(self.subcategory, state.get("subcategory"))
            _select(self.department, state.get("department"))
            _select(self.state, state.get("state"))
            _select(self.light, state.get("light"))
            _select(self.tag, state.get("tag"))
            _select(self.date_field, state.get("dates"))
            for edit, key in ((self.date_from, "from"), (self.date_to, "to")):
                if state.get(key):
                    edit.setDate(QDate.fromString(state[key], "yyyy-MM-dd"))
            self._date_field_changed(apply=False)
        finally:
            self._loading = False
        self.apply()

    def case_filter(self) -> CaseFilter:
        st = self.filter_state()
        state = st["state"]
        low = from_qdate(self.date_from.date()) if st["dates"] else None
        high = from_qdate(self.date_to.date()) if st["dates"] else None
        return CaseFilter(
            township_id=st["township"],
            village_id=st["village"],
            category=st["category"],
            subcategory=st["subcategory"],
            department_id=st["department"],
            states=tuple(sorted(OPEN_STATES)) if state == OPEN else ((state,) if state else ()),
            light=st["light"],
            found_from=low if st["dates"] == "found" else None,
            found_to=high if st["dates"] == "found" else None,
            deadline_from=low if st["dates"] == "deadline" else None,
            deadline_to=high if st["dates"] == "deadline" else None,
            search=st["search"],
            **tag_filter(st["tag"]),
        )

    def apply(self) -> None:
        if self._loading:
            return
        self._search_timer.stop()
        self.show_filter(self.case_filter())
        save_json("ledger/filter", self.filter_state())

    def show_filter(self, f: CaseFilter, caption: str = "") -> None:
        """Show exactly this filter (from a dashboard tile, a household, a saved filter). Its first rows
        are read on the operations thread: the rows shown stay until they arrive."""
        self.model.filter = f
        self._caption = caption
        self.summary.setText(f"{caption + '：' if caption else ''}正在读取…")
        reload_model(self.reads, self.model, self._update_summary, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.summary.setText(f"查询失败：{refusal(error)}")

    def open_with(self, f: CaseFilter, caption: str) -> None:
        """A filter chosen elsewhere: reset the bar so it tells the truth, then show `f`."""
        self._loading = True
        try:
            self.search.clear()
            for box in (self.township, self.village, self.category, self.subcategory, self.department):
                box.setCurrentIndex(0)
            for box in (self.state, self.light, self.date_field, self.tag):
                box.setCurrentIndex(0)
            _select(self.tag, tag_key(f.tag, f.tag_subtype) if f.tag else None)
            if f.states == tuple(sorted(OPEN_STATES)):
                _select(self.state, OPEN)
            elif len(f.states) == 1:
                _select(self.state, f.states[0])
            _select(self.light, f.light)
            _select(self.township, f.township_id)
            self._fill_villages()
            _select(self.department, f.department_id)
        finally:
            self._loading = False
        self.show_filter(f, caption)

    def clear_filters(self) -> None:
        self.set_filter_state({})

    def _update_summary(self) -> None:
        selected = sum(last - first + 1 for first, last in selected_spans(self.view))
        caption = self._caption
        rows = self.model.rowCount()
        about = self.model.estimate
        if self.model.exact:
            counted = f"共 {rows:,} 个问题"
        elif self.model.uncounted:
            counted = f"{rows:,} 个以上问题（总数未能统计，刷新后重试）"
        elif about is not None and about > rows:  # the index's matches × the filter's share: said so
            counted = f"约 {about:,} 个问题（估算），正在统计总数…"
        else:
            counted = f"{rows:,} 个以上问题，正在统计总数…"
        text = f"{caption + '：' if caption else ''}{counted}"
        if selected:
            text += f"，已选 {selected:,} 个"
        self.summary.setText(text)

    def _township_changed(self) -> None:
        self._fill_villages()
        self.apply()

    def _fill_villages(self) -> None:
        township = self.township.currentData()
        self.village.blockSignals(True)
        self.village.clear()
        self.village.addItem("全部村", None)
        if township is not None:
            for v in self.ctx.ledger.catalog.villages(township):
                self.village.addItem(v.name, v.id)
        self.village.blockSignals(False)

    def _category_changed(self) -> None:
        self._fill_subcategories()
        self.apply()

    def _fill_subcategories(self) -> None:
        category = self.category.currentData()
        self.subcategory.blockSignals(True)
        self.subcategory.clear()
        self.subcategory.addItem("全部子类", None)
        for code, sub in self.ctx.ledger.catalog.subcategories.items():
            if category is None or sub.category == category:
                self.subcategory.addItem(sub.name, code)
        self.subcategory.blockSignals(False)

    def _date_field_changed(self, *_args, apply: bool = True) -> None:
        on = self.date_field.currentData() is not None
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        if apply:
            self.apply()

    # -- sorting, columns, saved filters ------------------------------------------------------------
    def _header_clicked(self, section: int) -> None:
        column = self.model.columns[section]
        header = self.view.horizontalHeader()
        if column.sort is None:
            header.setSortIndicator(self.model.sort_column(), self._order())
            self.summary.setText(f"“{column.title}”列不能排序；可按问题编号、整改进度、整改时限或发现时间排序")
            return
        descending = column.sort == self.model.sort_key and not self.model.descending
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        # The same rows in the new order, read on the operations thread (the rows shown stay until
        # they arrive); their count is known already unless it is still being counted.
        known = self.model.rowCount() if self.model.exact else None
        self.model.sort_key, self.model.descending = column.sort, descending
        reload_model(self.reads, self.model, self._update_summary, self._failed, known=known)
        header.setSortIndicator(section, order)
        settings().setValue("ledger/sort", f"{column.sort}:{int(descending)}")

    def _order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder

    def _column_menu(self) -> QMenu:
        menu = QMenu(self)
        for i, column in enumerate(self.model.columns):
            action = QAction(column.title, menu)
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(i))
            action.setEnabled(column.key != "number")  # the case number always shows
            action.toggled.connect(lambda on, i=i: self._set_column_visible(i, on))
            menu.addAction(action)
        menu.aboutToShow.connect(lambda: self._sync_column_menu(menu))
        return menu

    def _sync_column_menu(self, menu: QMenu) -> None:
        for i, action in enumerate(menu.actions()):
            action.blockSignals(True)
            action.setChecked(not self.view.isColumnHidden(i))
            action.blockSignals(False)

    def _set_column_visible(self, i: int, on: bool) -> None:
        self.view.setColumnHidden(i, not on)
        self.save_layout()

    def saved_filters(self) -> dict[str, dict]:
        return load_json("ledger/saved", {})

    def _fill_saved(self) -> None:
        self.saved.clear()
        self.saved.addItem("（选择常用筛选）", None)
        for name in self.saved_filters():
            self.saved.addItem(name, name)

    def save_current_filter(self, name: str | None = None) -> None:
        if not name:
            name, ok = QInputDialog.getText(self, "保存筛选", "为当前筛选取个名字：")
            if not ok:
                return
        name = (name or "").strip()
        if not name:
            message(self, "保存筛选", "名称不能为空")
            return
        saved = self.saved_filters()
        saved[name] = self.filter_state()
        save_json("ledger/saved", saved)
        self._fill_saved()
        _select(self.saved, name)

    def delete_saved_filter(self) -> None:
        name = self.saved.currentData()
        if not name:
            return
        saved = self.saved_filters()
        saved.pop(name, None)
        save_json("ledger/saved", saved)
        self._fill_saved()

    def _saved_chosen(self) -> None:
        name = self.saved.currentData()
        if name and name in self.saved_filters():
            self.set_filter_state(self.saved_filters()[name])

    def save_layout(self) -> None:
        s = settings()
        s.setValue("ledger/header", self.view.horizontalHeader().saveState())
        s.setValue("ledger/header_columns", self._column_keys())

    def _column_keys(self) -> str:
        return ",".join(c.key for c in self.model.columns)

    def _restore(self) -> None:
        self._fill_saved()
        self._fill_subcategories()
        state = settings().value("ledger/header")
        if settings().value("ledger/header_columns") != self._column_keys():
            state = None  # saved for other columns (an older version): the defaults fit better
        if state is not None:
            self.view.horizontalHeader().restoreState(state)
        sort = str(settings().value("ledger/sort") or "number:1")
        key, _, desc = sort.partition(":")
        column = next((i for i, c in enumerate(self.model.columns) if c.sort == key), None)
        if column is not None:
            self.model.sort_key, self.model.descending = key, desc == "1"
        self.view.horizontalHeader().setSortIndicator(self.model.sort_column(), self._order())
        self.view.horizontalHeader().sectionResized.connect(lambda *_: self.save_layout())
        self.set_filter_state(load_json("ledger/filter", {}))

    # -- rows, selection, bulk actions ----------------------------------------------------------------
    def _activated(self, index) -> None:
        case_id = self.model.data(index, Qt.ItemDataRole.UserRole)
        if case_id:
            self.open_case.emit(case_id)

    def read_selection(self, then: Callable[[T], None], after: Callable[[list[CaseRow]], T]) -> bool:
        """The selected rows read on the operations thread (ui/models.py rows_reader: the rows not
        loaded with one query, the loaded ones as shown), `after(rows)` there too, then `then(result)`
        here. The selection's buttons are disabled meanwhile, so a second click cannot act twice; a
        LedgerError becomes the Chinese message box. False when nothing is selected."""
        spans = selected_spans(self.view)
        if not spans:
            return False
        read = self.model.rows_reader(spans)
        self.summary.setText("正在读取所选问题…")

        def arrived(result: T) -> None:
            self._update_summary()
            then(result)

        def refused(error: LedgerError) -> None:
            self._update_summary()
            show_error(self, error)

        busy = [self.assign_button, self.export_button, self.print_button]
        run_guarded(self, lambda: after(read()), arrived, busy=busy, refused=refused)
        return True

    def _changed(self, change) -> None:
        if change.case_ids or change.counts:
            reload_model(self.reads, self.model, self._update_summary, self._failed)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def bulk_assign(self) -> None:
        """交办 the selected 已登记 cases: the selection read on the operations thread, then a dialog
        for department and deadline (`assign_dialog`), then the work with a progress bar; the outcome
        is written in the summary line."""
        hint = "请先选择“已登记”状态的问题（可按住 Ctrl 或 Shift 多选）。"

        def chosen(rows: list[CaseRow]) -> None:
            if not rows:
                message(self, "批量交办", hint)
                return
            dialog = AssignDialog(self.ctx, len(rows), self)
            dialog.accepted.connect(lambda: self.assign_rows(rows, dialog.inputs()))
            self.assign_dialog = dialog
            dialog.open()

        if not self.read_selection(chosen, lambda rows: [r for r in rows if r.state == "registered"]):
            message(self, "批量交办", hint)

    def assign_rows(self, rows: list[CaseRow], inputs: dict) -> tuple[int, list[str]]:
        cases = self.ctx.ledger.cases
        failures: list[str] = []

        def work(progress, cancelled):
            done = 0
            for row in rows:
                if cancelled():
                    break
                try:
                    case = cases.get(row.id)
                    cases.act(self.ctx.actor, row.id, "assign", expected_version=case.version, inputs=inputs)
                    done += 1
                except LedgerError as err:
                    failures.append(f"{row.number}：{err}")
                progress(done + len(failures), len(rows))
            return done

        _ok, done = run_with_progress(self, "批量交办", f"正在交办 {len(rows)} 个问题…", work)
        self.ctx.notify(Change(tuple(r.id for r in rows), counts=True))
        text = f"已交办 {done or 0} 个问题"
        if failures:
            text += f"，{len(failures)} 个未能交办（把鼠标停在这里查看原因）"
        self.summary.setText(text)
        self.summary.setToolTip("\n".join(failures[:50]))
        return done or 0, failures

    def _read_only(self) -> bool:
        """Read-only (no audit key): no printing or exporting either, as the window's banner says."""
        reason = self.ctx.ledger.read_only_reason
        if reason is not None:
            show_error(self, StorageError(reason))
        return reason is not None

    def export_selection(self, path: str | None = None) -> None:
        """The selected rows as a CSV file (ID numbers masked): read and written on the operations
        thread; `exported` names the file once written."""
        if self._read_only():
            return
        if not selected_spans(self.view):
            message(self, "导出所选", "请先选择要导出的问题。")
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "导出所选问题", "所选问题.csv", "CSV 文件 (*.csv)")
            if not path:
                return
        target, columns = Path(path), self.model.columns
        headers = [c.title for c in columns]

        def write(rows: list[CaseRow]) -> int:
            if rows:
                selection_export.write_rows_csv(target, headers, [[c.text(r) for c in columns] for r in rows])
            return len(rows)

        def written(count: int) -> None:
            if not count:
                message(self, "导出所选", "所选问题已不在台账中，未导出。")
                return
            self.exported = target
            self.summary.setText(f"已导出 {count} 个问题到 {target}（身份证号已脱敏）")

        self.read_selection(written, write)

    def print_selection(self, printer: QPrinter | None = None) -> None:
        """The selected rows (the columns shown) printed, or previewed first without `printer`: the
        rows and the county's name read on the operations thread, the page made there too."""
        if self._read_only():
            return
        if not selected_spans(self.view):
            message(self, "打印所选", "请先选择要打印的问题。")
            return
        lg, who = self.ctx.ledger, self.ctx.actor.display_name
        columns = [c for i, c in enumerate(self.model.columns) if not self.view.isColumnHidden(i)]

        def page(rows: list[CaseRow]) -> str:
            return selection_html(rows, columns, lg.meta("county_name", ""), who) if rows else ""

        self.read_selection(lambda text: self._print_html(text, printer), page)

    def _print_html(self, text: str, printer: QPrinter | None) -> None:
        if not text:
            message(self, "打印所选", "所选问题已不在台账中，未打印。")
            return
        document = QTextDocument()
        font = document.defaultFont()
        font.setPointSize(9)
        document.setDefaultFont(font)
        document.setHtml(text)
        preview_needed = printer is None
        printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        if not preview_needed:
            document.print_(printer)
            return
        preview = QPrintPreviewDialog(printer, self)
        preview.setWindowTitle("打印预览")
        preview.paintRequested.connect(document.print_)
        preview.exec()


def selection_html(rows: list[CaseRow], columns: list[Column], county: str, printed_by: str) -> str:
    """The page 打印所选 prints: a title, the rows in the columns shown, who printed it and when."""
    head = "".join(f"<th>{html.escape(c.title)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c.text(r))}</td>" for c in columns) + "</tr>" for r in rows)
    return (
        f"<h3 align='center'>{html.escape(county)}问题整改台账（所选 {len(rows)} 个问题）</h3>"
        f"<table border='1' cellspacing='0' cellpadding='3' width='100%'><tr>{head}</tr>{body}</table>"
        f"<p>打印人：{html.escape(printed_by)}　打印时间：{dt.datetime.now():%Y-%m-%d %H:%M}</p>"
    )


class AssignDialog(QDialog):
    """交办: the lead department and the deadline (default: the class's default days from today)."""

    def __init__(self, ctx: AppContext, count: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("批量交办")
        self.department = QComboBox()
        for d in ctx.ledger.catalog.departments.values():
            self.department.addItem(d.name, d.id)
        self.deadline = QDateEdit(to_qdate(ctx.ledger.today() + dt.timedelta(days=30)))
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.deadline.setMinimumDate(to_qdate(ctx.ledger.today()))
        form = QFormLayout(self)
        form.addRow(QLabel(f"将所选 {count} 个“已登记”问题交办给："))
        form.addRow("牵头单位", self.department)
        form.addRow("整改时限", self.deadline)
        buttons = ok_cancel("交办", self.accept, self.reject)
        form.addRow(buttons)

    def inputs(self) -> dict:
        return {"lead_department_id": self.department.currentData(), "deadline": from_qdate(self.deadline.date())}
