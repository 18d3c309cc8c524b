"""What a selection reads while a new filter or sort is on its way: the rows the clerk selected, not
a mix of the old rows and the new filter's. The new filter's first block is held back behind an
operation that waits on an Event (at 1,000,000 cases it takes a second); a selection read, a scroll's
block fetch or a click on a household asked meanwhile reads the rows shown, with the filter and sort
they were read with. The same after the new filter's first block was refused (the server went away):
the rows shown stay, and so does what reads them."""

from __future__ import annotations

import csv
import threading

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel

from ledger import CaseFilter
from tests.gui.guithread import refused_once, settled
from tests.gui.test_pages import _busy
from tests.world import prepared
from ui.main_window import PAGES, MainWindow
from ui.models import WindowedModel
from ui.ops import ops
from ui.widgets import selected_spans


@pytest.fixture
def world(tmp_path, clock):
    w, _ = prepared("test_pages.busy", tmp_path, clock, _busy)  # test_pages.py's ledger: 12 cases
    yield w
    w.ledger.close()


@pytest.fixture
def window(qtbot, world, ctx_of):
    win = MainWindow(ctx_of(world.coordinator))
    qtbot.addWidget(win)
    win.show()
    settled(qtbot)
    return win


def _held() -> threading.Event:
    """Hold the operations queue: what is asked after this waits until the Event is set."""
    gate = threading.Event()
    ops().run(lambda: gate.wait(10), lambda _done: None)
    return gate


def _keep_blocks(model: WindowedModel, *numbers: int) -> None:
    """Forget the blocks but `numbers`, as on a 1,000,000-case ledger where most rows were never loaded."""
    for number in list(model._blocks):
        if number not in numbers:
            del model._blocks[number]


def _ledger(qtbot, window):
    """The ledger page in blocks of two rows, all 12 cases newest first, every block loaded."""
    window.nav.setCurrentRow(PAGES.index("问题台账"))
    page = window.ledger_page
    settled(qtbot)
    page.model.BLOCK = 2
    page.show_filter(CaseFilter())
    settled(qtbot)
    assert page.model.rowCount() == 12 and page.model.exact
    for row in range(12):
        page.model.data(page.model.index(row, 0))
    settled(qtbot)
    assert all(page.model.row(i) is not None for i in range(12))
    return page


def _select(page, first: int, last: int) -> None:
    model = page.model
    rows = QItemSelection(model.index(first, 0), model.index(last, model.columnCount() - 1))
    page.view.selectionModel().select(rows, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert selected_spans(page.view) == [(first, last)]


def _shown(world) -> list[str]:
    """The numbers of the 12 cases as the ledger page first shows them (newest first)."""
    rows = world.ledger.queries.page(CaseFilter(visible_to=world.coordinator), sort="number", descending=True)
    return [r.number for r in rows]


def test_a_selection_exported_while_a_new_sort_is_read_is_the_rows_selected(qtbot, window, world, tmp_path):
    page = _ledger(qtbot, window)
    numbers = _shown(world)
    _select(page, 3, 9)
    _keep_blocks(page.model, 0, 2)  # rows 4 and 5 as shown; 3 and 6–9 read
    gate = _held()
    deadline = next(i for i, c in enumerate(page.model.columns) if c.key == "deadline")
    page._header_clicked(deadline)  # the rows in the new order wait behind the gate
    assert page.model.sort_key == "deadline" and [page.model.row(i).number for i in (4, 5)] == numbers[4:6]
    target = tmp_path / "所选.csv"
    page.export_selection(str(target))
    gate.set()
    settled(qtbot)
    with open(target, encoding="utf-8-sig", newline="") as handle:
        exported = [r[0] for r in list(csv.reader(handle))[1:]]
    assert exported == numbers[3:10]
    # the new order arrived meanwhile and is shown, and so it is read from now on
    assert [page.model.row(i).number for i in range(2)] != numbers[:2]
    by_deadline = world.ledger.queries.page(CaseFilter(visible_to=world.coordinator), sort="deadline", descending=False)
    _select(page, 3, 9)
    _keep_blocks(page.model, 0)
    page.export_selection(str(target))
    settled(qtbot)
    with open(target, encoding="utf-8-sig", newline="") as handle:
        assert [r[0] for r in list(csv.reader(handle))[1:]] == [r.number for r in by_deadline[3:10]]


def test_a_selection_read_while_a_new_filter_is_read_is_the_rows_selected(qtbot, window, world):
    page = _ledger(qtbot, window)
    numbers = _shown(world)
    _select(page, 3, 9)
    _keep_blocks(page.model, 0, 2)
    gate = _held()
    page.show_filter(CaseFilter(township_id=world.township_id))  # 9 of the 12 cases: its rows differ
    read: list[list[str]] = []
    assert page.read_selection(read.append, lambda rows: [r.number for r in rows])
    gate.set()
    settled(qtbot)
    assert read == [numbers[3:10]]
    assert page.model.rowCount() == 9  # and the new filter is shown


def test_a_block_scrolled_to_while_a_new_filter_is_read_belongs_to_the_rows_shown(qtbot, window, world):
    page = _ledger(qtbot, window)
    model, numbers = page.model, _shown(world)
    _keep_blocks(model, 0)
    first = _held()
    assert model.data(model.index(7, 0)) is None  # block 3 asked for, behind the gate
    second = _held()  # the block arrives before the new filter's first block
    page.show_filter(CaseFilter(township_id=world.township_id))
    first.set()
    qtbot.waitUntil(lambda: 3 in model._blocks, timeout=10_000)
    assert model.rowCount() == 12 and [model.row(i).number for i in (6, 7)] == numbers[6:8]
    second.set()
    settled(qtbot)
    township = world.ledger.queries.page(
        CaseFilter(township_id=world.township_id, visible_to=world.coordinator), sort="number", descending=True
    )
    assert model.rowCount() == 9 and model.row(0).number == township[0].number
    model.data(model.index(7, 0))  # read with the new filter now (or already, for the view's paint)
    settled(qtbot)
    assert model.row(7).number == township[7].number


def test_a_selection_after_a_refused_filter_reads_the_rows_still_shown(qtbot, window, world, monkeypatch):
    """The new filter's first block was refused: the old rows stay, and a selection of them reads them."""
    page = _ledger(qtbot, window)
    numbers = _shown(world)
    refused_once(monkeypatch, world.ledger.queries, "page")
    page.show_filter(CaseFilter(township_id=world.township_id))
    settled(qtbot)
    assert "查询失败：无法连接台账服务器" in page.summary.text() and page.model.rowCount() == 12
    _select(page, 3, 9)
    _keep_blocks(page.model, 0, 2)
    read: list[list[str]] = []
    page.read_selection(read.append, lambda rows: [r.number for r in rows])
    settled(qtbot)
    assert read == [numbers[3:10]]


def _households(qtbot, window, world):
    """The 农户档案 page read in blocks of two: the page, its row count, and those households."""
    window.nav.setCurrentRow(PAGES.index("农户档案"))
    page = window.households
    settled(qtbot)
    page.model.BLOCK = 2
    page.apply()
    settled(qtbot)
    count = page.model.rowCount()
    return page, count, world.ledger.queries.household_page(visible_to=world.coordinator, offset=0, limit=count)


def test_a_household_clicked_after_a_refused_search_is_the_one_shown(qtbot, window, world, monkeypatch):
    """The households page: a new search's first rows refused, the list shown stays; a click on a row
    not loaded shows that row's household (修改档案 for it), not the search's row of that number."""
    page, count, shown = _households(qtbot, window, world)
    real = world.ledger.queries.household_page
    refused_once(monkeypatch, world.ledger.queries, "household_page")
    page.township.setCurrentIndex(page.township.findData(world.township_id))  # a new list, refused
    settled(qtbot)
    assert "读取失败" in page.summary.text() and page.model.rowCount() == count
    searched = real("", world.township_id, visible_to=world.coordinator, offset=0, limit=count)
    row = next(i for i in range(2, count) if i >= len(searched) or searched[i].id != shown[i].id)
    _keep_blocks(page.model, 0)
    page.view.setCurrentIndex(page.model.index(row, 0))  # a click on a row not loaded
    settled(qtbot)
    assert page.household_id == shown[row].id and shown[row].head_name in page.detail.text()


def test_a_household_clicked_while_a_new_search_is_read_is_the_one_shown(qtbot, window, world):
    page, count, shown = _households(qtbot, window, world)
    _keep_blocks(page.model, 0)
    gate = _held()
    page.township.setCurrentIndex(page.township.findData(world.township_id))
    assert page.model.township_id == world.township_id and page.model.rowCount() == count
    read: list = []
    ops().run(page.model.rows_reader([(count - 1, count - 1)]), read.append)
    gate.set()
    settled(qtbot)
    assert [h.id for h in read[0]] == [shown[count - 1].id]


def test_a_count_under_way_when_a_new_filter_is_asked_is_not_taken_for_the_rows_shown(qtbot, window, world):
    """The count of the rows shown reads the model's filter when it runs: one that read the new filter
    (asked while it ran) would give the old rows the new filter's count. Its answer is dropped."""
    window.nav.setCurrentRow(PAGES.index("问题台账"))
    page = window.ledger_page
    settled(qtbot)
    model = page.model
    model.BLOCK = 2
    running, go = threading.Event(), threading.Event()
    count_rows = model._count_rows
    model._count_rows = lambda: (running.set(), go.wait(10)) and count_rows()  # the filter read after `go`
    page.show_filter(CaseFilter())
    qtbot.waitUntil(running.is_set, timeout=10_000)  # the first block shown, its count under way
    qtbot.waitUntil(lambda: not page.reads.busy)
    answered: list[bool] = []
    ops().run(lambda: None, lambda _none: answered.append(True))  # answered after the count
    gate = _held()
    page.show_filter(CaseFilter(township_id=world.township_id))  # 9 cases: waits behind the gate
    go.set()
    qtbot.waitUntil(lambda: bool(answered), timeout=10_000)
    assert model.rowCount() == 2 and not model.exact  # not the township's 9 for the 12 cases shown
    gate.set()
    settled(qtbot)
    assert model.rowCount() == 9 and model.exact and "共 9 个问题" in page.summary.text()
