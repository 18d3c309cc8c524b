"""Nothing cut off at the county office's screen: the main window at 1366×768, and at 910×512 —
the logical size of that screen at 150 % scaling (QT_SCALE_FACTOR=1.5; fonts keep their point size,
so the same window simply has less room). Every page (the 工作台 has its own test) is visited with
real widgets over a real ledger: every visible button must be as wide as its text needs and lie
inside its page, and the columns a user reads first must be as wide as their header and contents
and lie inside the table's visible area, without scrolling sideways."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QPushButton, QTableView, QToolButton, QWidget

from ui.case_dialog import CaseDialog
from ui.main_window import PAGES, MainWindow
from ui.models import ListTableModel
from ui.ops import ops

SIZES = {"1366x768": (1366, 768), "150%": (910, 512)}
# The ledger columns read first; the rest may need a sideways scroll on a narrow screen.
KEY_CASE_COLUMNS = ("number", "light", "deadline", "state", "head")


@pytest.fixture
def filled(world):
    w = world
    other_village = w.ledger.catalog.villages(w.other_township_id)[0].id
    far = w.household(head_name="欧阳春花", village_id=other_village)
    made = []
    for i, state in enumerate(["registered", "assigned", "in_progress", "pending_approval", "closed", "assigned"]):
        case = w.register("water.access" if i % 2 else "house.c", household=far if i in (0, 5) else None)
        made.append(w.walk(case, state))
    w.extra["cases"] = made
    return w


def settle() -> None:
    """Until the pages' reads on the operations thread (ui/ops.py) are answered and shown."""
    deadline = time.monotonic() + 20
    while True:
        for _ in range(3):
            QApplication.processEvents()
        if not ops().pending or time.monotonic() > deadline:
            return
        time.sleep(0.005)


def buttons_cut(page: QWidget) -> list[str]:
    """Visible buttons narrower than their text needs, or (partly) outside the page."""
    problems = []
    area = page.rect()
    for button in page.findChildren(QAbstractButton):
        if not isinstance(button, (QPushButton, QToolButton)) or not button.isVisible():
            continue
        if button.window() is not page.window():
            continue
        name = button.text() or button.toolTip() or button.objectName()
        if button.sizeHint().width() > button.width():
            problems.append(f"“{name}”宽 {button.width()}，需要 {button.sizeHint().width()}")
        placed = QRect(button.mapTo(page, QPoint(0, 0)), button.size())
        if not area.contains(placed):
            problems.append(f"“{name}”超出页面：{placed} 不在 {area} 内")
    return problems


def columns_cut(view: QTableView, columns: list[int] | None = None) -> list[str]:
    """Columns narrower than their header or their contents, or not inside the visible area."""
    problems = []
    header = view.horizontalHeader()
    model = view.model()
    stretched = {i for i in range(model.columnCount()) if header.sectionResizeMode(i) == header.ResizeMode.Stretch} | (
        {model.columnCount() - 1} if header.stretchLastSection() else set()
    )
    wanted = columns if columns is not None else list(range(model.columnCount()))
    for i in wanted:
        if view.isColumnHidden(i):
            continue
        title = model.headerData(i, Qt.Orientation.Horizontal)
        width = view.columnWidth(i)
        if width < header.sectionSizeHint(i):
            problems.append(f"{title} 列宽 {width}，表头需要 {header.sectionSizeHint(i)}")
        if model.rowCount() and i not in stretched and width < view.sizeHintForColumn(i):
            problems.append(f"{title} 列宽 {width}，内容需要 {view.sizeHintForColumn(i)}")
        left = view.columnViewportPosition(i)
        if left < 0 or left + width > view.viewport().width():
            problems.append(f"{title} 列不在可见区域内（{left}–{left + width}，可见宽 {view.viewport().width()}）")
    return problems


def visible_tables(page: QWidget) -> list[QTableView]:
    return [t for t in page.findChildren(QTableView) if t.isVisible() and t.model() is not None]


def key_columns(view: QTableView) -> list[int] | None:
    """The key columns of a case table; every column of a small list table."""
    columns = getattr(view.model(), "columns", None)
    if columns is None:
        return None
    return [i for i, c in enumerate(columns) if c.key in KEY_CASE_COLUMNS]


@pytest.mark.parametrize("size", SIZES)
def test_every_page_fits_the_office_screen(qtbot, filled, ctx_of, size):
    width, height = SIZES[size]
    window = MainWindow(ctx_of(filled.coordinator))
    qtbot.addWidget(window)
    window.show()
    window.resize(width, height)
    settle()
    # no page (nor the status bar) makes the window wider or taller than the screen
    assert (window.width(), window.height()) == (width, height), window.minimumSizeHint()
    problems: list[str] = []
    for name in PAGES:
        if name == "工作台":
            continue
        window.nav.setCurrentRow(PAGES.index(name))
        settle()
        page = window.stack.currentWidget()
        hint = page.minimumSizeHint()
        if hint.width() > window.stack.width() or hint.height() > window.stack.height():
            problems.append(f"{name}：页面至少需要 {hint.width()}×{hint.height()}，只有 {window.stack.size()}")
        pages = [(name, page)]
        if page is window.reports:  # each report kind shows its own fields
            pages = []
            for row in range(page.kinds.count()):
                page.kinds.setCurrentRow(row)
                settle()
                kind = page.kinds.item(row).text()
                problems += [f"{name}/{kind}：{p}" for p in buttons_cut(page)]
                need = page.minimumSizeHint()
                if need.height() > window.stack.height() or need.width() > window.stack.width():
                    problems.append(f"{name}/{kind}：至少需要 {need.width()}×{need.height()}")
        if page is window.households:
            page.apply()
            settle()
        if page is window.ledger_page:
            page.view.selectRow(0)  # the summary line grows: 共 N 个问题，已选 1 个
            settle()
        for label, shown in pages:
            problems += [f"{label}：{p}" for p in buttons_cut(shown)]
        for view in visible_tables(page):
            # at 1366 the ledger shows every default column without scrolling sideways
            whole = view is window.ledger_page.view and size == "1366x768"
            problems += [f"{name}：{p}" for p in columns_cut(view, None if whole else key_columns(view))]
    assert not problems, f"{size}：\n" + "\n".join(problems)
    # the ledger page's column chooser: a menu button, its whole name shown
    assert window.ledger_page.columns_button.text() == "显示列" and window.ledger_page.columns_button.menu() is not None


@pytest.mark.parametrize("size", SIZES)
def test_the_case_window_fits_and_its_tables_are_sized(qtbot, filled, ctx_of, size):
    width, height = SIZES[size]
    case = filled.extra["cases"][4]  # 已销号: sign-offs of 核验 and 审批, a long history
    dialog = CaseDialog(ctx_of(filled.coordinator), case.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(min(dialog.width(), width), min(dialog.height(), height))
    settle()
    assert dialog.width() <= width and dialog.height() <= height, dialog.size()
    problems: list[str] = []
    for tab in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(tab)
        settle()
        label = dialog.tabs.tabText(tab)
        problems += [f"{label}：{p}" for p in buttons_cut(dialog)]
        for view in visible_tables(dialog):
            assert isinstance(view.model(), ListTableModel)
            assert view.model().rowCount() >= 2, label
            problems += [f"{label}：{p}" for p in columns_cut(view)]
    assert not problems, f"{size}：\n" + "\n".join(problems)
