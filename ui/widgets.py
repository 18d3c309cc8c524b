"""Reusable widgets: dashboard tiles, a horizontal bar chart drawn with QPainter, a case table."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.access import may_unmask
from ledger.dto import Actor
from ledger.workflow import STATE_NAMES
from ui.models import WindowedModel, merged_spans


def scope_combos(lg) -> tuple[QComboBox, QComboBox, QComboBox, QComboBox]:
    """乡镇 / 责任单位 / 问题类别 / 状态 choosers, each starting with 全部 (data None)."""
    choices = (
        ("全部乡镇", [(r.name, r.id) for r in lg.catalog.townships()]),
        ("全部责任单位", [(d.name, d.id) for d in lg.catalog.departments.values()]),
        ("全部类别", [(name, code) for code, name in lg.catalog.category_names.items()]),
        ("全部状态（不含已作废）", [(name, code) for code, name in STATE_NAMES.items()]),
    )
    combos = []
    for everything, items in choices:
        combo = QComboBox()
        combo.addItem(everything, None)
        for name, value in items:
            combo.addItem(name, value)
        combos.append(combo)
    township, department, category, state = combos
    return township, department, category, state


def unmask_fields(actor: Actor, label: str) -> tuple[QCheckBox, QLineEdit]:
    """The full-numbers checkbox (enabled only with the right) and its reason field."""
    unmask = QCheckBox(label)
    reason = QLineEdit()
    reason.setPlaceholderText("用途（必填，记入审计日志）")
    allowed = may_unmask(actor)
    unmask.setEnabled(allowed)
    unmask.setToolTip("" if allowed else "需要“查看完整号码”权限（由系统管理员授予）")
    reason.setEnabled(False)
    unmask.toggled.connect(reason.setEnabled)
    return unmask, reason


class Tile(QFrame):
    """A number with its caption; clicking it opens the ledger filtered to what it counts."""

    clicked = Signal()

    def __init__(self, caption: str, colour: str = "#1a73e8", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            f"#tile {{ background: white; border: 1px solid #dadce0; border-radius: 6px; }}"
            f"#tile:hover {{ border-color: {colour}; }}"
        )
        self.value = QLabel("—")
        self.value.setStyleSheet(f"color: {colour}; font-size: 22pt; font-weight: bold;")
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #5f6368;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip(f"点击查看：{caption}")

    def set_value(self, text: str) -> None:
        self.value.setText(text)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class BarChart(QWidget):
    """Horizontal bars with a label on the left and the value text on the right. `clicked(i)`
    when bar i is clicked."""

    clicked = Signal(int)

    def __init__(self, title: str, colour: str = "#1a73e8", parent: QWidget | None = None, *, spacing: int = 6):
        super().__init__(parent)
        self.title = title
        self.colour = QColor(colour)
        self.spacing = spacing  # pixels between bars (a row is the font's height plus this)
        self.bars: list[tuple[str, float, str] | tuple[str, float, str, str]] = []  # (label, 0..1, value[, colour])
        self.setMinimumHeight(120)

    def set_bars(self, bars: Sequence[tuple[str, float, str] | tuple[str, float, str, str]]) -> None:
        self.bars = list(bars)
        self.setMinimumHeight(self.sizeHint().height())
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        line = QFontMetrics(self.font()).height() + self.spacing
        return QSize(360, line * (len(self.bars) + 2))

    def bar_at(self, y: float) -> int | None:
        """The bar at height y (pixels from the top), None between or past them."""
        line = QFontMetrics(self.font()).height() + self.spacing
        i = int((y - 4) // line) - 1
        return i if 0 <= i < len(self.bars) else None

    def bar_centre(self, i: int) -> int:
        line = QFontMetrics(self.font()).height() + self.spacing
        return line * (i + 1) + 4 + line // 2

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        i = self.bar_at(event.position().y())
        if i is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(i)
        super().mouseReleaseEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        line = metrics.height() + self.spacing
        bold = self.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(0, metrics.ascent() + 2, self.title)
        painter.setFont(self.font())
        if not self.bars:
            painter.setPen(QColor("#5f6368"))
            painter.drawText(0, line + metrics.ascent() + 4, "暂无数据")
            return
        label_width = max(metrics.horizontalAdvance(b[0]) for b in self.bars) + 10
        value_width = max(metrics.horizontalAdvance(b[2]) for b in self.bars) + 10
        bar_space = max(self.width() - label_width - value_width, 20)
        for i, (label, fraction, value, *colour) in enumerate(self.bars):
            top = line * (i + 1) + 4
            painter.setPen(QColor("#202124"))
            painter.drawText(QRectF(0, top, label_width - 6, line), Qt.AlignmentFlag.AlignRight, label)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e8eaed"))
            painter.drawRoundedRect(QRectF(label_width, top + 3, bar_space, max(line - 8, 4)), 3, 3)
            painter.setBrush(QColor(colour[0]) if colour else self.colour)
            painter.drawRoundedRect(
                QRectF(label_width, top + 3, bar_space * max(0.0, min(fraction, 1.0)), max(line - 8, 4)), 3, 3
            )
            painter.setPen(QColor("#202124"))
            painter.drawText(QRectF(label_width + bar_space + 6, top, value_width, line), value)
        painter.end()


def make_table(model: WindowedModel | None = None, parent: QWidget | None = None) -> QTableView:
    """A table view set up for big windowed models: fixed row heights, no per-row sizing."""
    view = QTableView(parent)
    if model is not None:
        view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)  # Tab leaves the table, as in every form
    vertical = view.verticalHeader()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(view.fontMetrics().height() + 10)
    vertical.setVisible(False)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    if model is not None:
        size_columns(view, model)
        # The header paints each section asking whether its whole column is selected (Qt 6 paintSection
        # does, highlighted or not), and Qt answers that by looking at every row's index: after Ctrl+A
        # on 20,000 cases a repaint took ~0.4 s of the GUI thread, linear in the rows (1.8 s at
        # 100,000). Rows are what this view selects and the header highlights nothing: it gets a
        # selection model of its own, always empty.
        header.setSelectionModel(QItemSelectionModel(model, header))
    return view


def selected_spans(view: QAbstractItemView) -> list[tuple[int, int]]:
    """The rows selected in `view` as (first, last) spans, from the selection's ranges: Ctrl+A on a
    1,000,000-case ledger is one range, where selectedRows() made a million indexes."""
    selection = view.selectionModel()
    if selection is None:
        return []
    ranges = selection.selection()
    return merged_spans([(r.top(), r.bottom()) for r in (ranges.at(i) for i in range(ranges.size())) if r.isValid()])


def size_columns(view: QTableView, model: WindowedModel) -> None:
    """Widths from the columns' declared widths in digits (never resizeToContents over 1M rows)."""
    metrics = view.fontMetrics()
    digit = metrics.horizontalAdvance("0")
    header = view.horizontalHeader()
    for i, column in enumerate(model.columns):
        icon = view.iconSize().width() + 6 if column.key == "light" else 0  # the coloured dot
        view.setColumnWidth(i, max(column.width * digit + 18 + icon, header.sectionSizeHint(i)))


def fit_columns(view: QTableView, model, stretch: int | None = None, widest: int = 360) -> None:
    """A small, fully loaded table (sign-offs, history, accounts, events): every column as wide as
    its header and its contents (up to `widest` pixels), rows as tall as their wrapped text, and
    `stretch` (default: the last column) taking the room that is left, so nothing is cut off."""
    header = view.horizontalHeader()
    header.setMinimumSectionSize(24)
    view.setWordWrap(True)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    last = model.columnCount() - 1
    chosen = last if stretch is None else stretch
    header.setStretchLastSection(False)

    def fit() -> None:
        if not view.isVisible():  # on a tab not shown: fitted when shown (~5 ms a table, the case window has 3)
            shown.pending = True
            return
        shown.pending = False
        for column in range(model.columnCount()):
            if column == chosen:
                continue
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            view.resizeColumnToContents(column)
            wanted = max(view.columnWidth(column), header.sectionSizeHint(column)) + 12  # air between columns
            view.setColumnWidth(column, min(wanted, widest))
        header.setSectionResizeMode(chosen, QHeaderView.ResizeMode.Stretch)

    shown = WhenShown(view, fit)
    model.modelReset.connect(fit)
    fit()


class WhenShown(QObject):
    """Runs `work` when `view` is next shown, if `pending` was set meanwhile (sizing a hidden tab's
    table waits until the tab is opened)."""

    def __init__(self, view: QWidget, work) -> None:
        super().__init__(view)
        self.pending = False
        self.work = work
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.pending and event.type() == QEvent.Type.Show:
            self.work()
        return False


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto the next line when the row is full (a filter bar that
    fits 1366 pixels on one or two lines and 910 on three), each at its preferred width. A widget
    given a stretch (`addWidget(w, stretch=1)`) also takes the room left on its line."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._stretch: dict[int, int] = {}
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:
        super().addWidget(widget)
        if stretch:
            self._stretch[id(self._items[-1])] = stretch

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if 0 <= index < len(self._items):
            item = self._items.pop(index)
            self._stretch.pop(id(item), None)
            return item
        return None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize()).expandedTo(QSize(item.sizeHint().width(), 0))
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _place(self, rect: QRect, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        space = self.spacing()
        lines: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._items:
            if item.isEmpty():
                continue
            width = item.sizeHint().width()
            if lines[-1] and used + space + width > area.width():
                lines.append([])
                used = 0
            used += (space if lines[-1] else 0) + width
            lines[-1].append(item)
        y = area.y()
        for line in lines:
            if not line:
                continue
            height = max(item.sizeHint().height() for item in line)
            natural = sum(item.sizeHint().width() for item in line) + space * (len(line) - 1)
            spare = max(area.width() - natural, 0)
            stretch = sum(self._stretch.get(id(item), 0) for item in line)
            x = area.x()
            for item in line:
                width = item.sizeHint().width()
                if stretch:
                    width += spare * self._stretch.get(id(item), 0) // stretch
                width = min(width, area.width())
                if move:
                    item.setGeometry(
                        QRect(x, y + (height - item.sizeHint().height()) // 2, width, item.sizeHint().height())
                    )
                x += width + space
            y += height + space
        return y - space - rect.y() + margins.bottom()
