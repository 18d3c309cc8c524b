"""Table models over the ledger. The case and household models are windowed: they fetch rows in
blocks on demand (sorted and filtered in SQL) and count the filter's rows on the operations thread,
so a 1,000,000-case ledger costs one page at once and one COUNT in the background, not a million rows."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from ledger import CaseFilter
from ledger.dto import Actor, CaseRow, HouseholdRow
from ledger.facade import Ledger
from ledger.workflow import STATE_NAMES, deadline_text
from ui.common import LIGHT_COLOURS, LIGHT_TEXT, fmt_date, light_icon, refusal
from ui.ops import ops

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    text: Callable[[Any], str]
    sort: str | None = None  # the SQL sort key (ledger.services.queries.SORTS), if sortable
    width: int = 8  # default width in digits (a Chinese character counts two)
    shown: bool = True  # shown until the user chooses otherwise (显示列…); the paper's 周报简表 has no 发现时间


CASE_COLUMNS: tuple[Column, ...] = (
    # what a clerk scans first stays in view on a narrow screen: number, light, 时限, 进度
    Column("number", "问题编号", lambda r: r.number, "number", 16),
    Column("light", "预警", lambda r: LIGHT_TEXT.get(r.light or "", ""), None, 7),
    Column("deadline", "整改时限", lambda r: deadline_text(r.state, fmt_date(r.deadline)), "deadline", 10),
    Column("state", "整改进度", lambda r: STATE_NAMES.get(r.state, r.state), "state", 8),
    Column("township", "乡镇", lambda r: r.township_name, None, 8),
    Column("village", "村", lambda r: r.village_name, None, 9),
    Column("head", "户主", lambda r: r.head_name, None, 10),  # 村级, or 户主（成员） (whole in the tooltip)
    Column("id_number", "身份证号", lambda r: r.head_id_masked, None, 17),
    Column("category", "问题类别", lambda r: "", None, 12),  # filled by CaseTableModel from the catalog
    Column("subcategory", "问题子类", lambda r: r.subcategory_name, None, 20),
    Column("department", "牵头单位", lambda r: r.department_name, None, 12),
    Column("found", "发现时间", lambda r: fmt_date(r.found_date), "found_date", 10, shown=False),
)

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("head", "户主", lambda r: r.head_name, None, 8),
    Column("id_number", "身份证号", lambda r: r.head_id_masked, None, 19),
    Column("township", "乡镇", lambda r: r.township_name, None, 9),
    Column("village", "村", lambda r: r.village_name, None, 9),
    Column("kind", "户类型", lambda r: r.kind, None, 14),
    Column("tags", "标签", lambda r: r.tags, None, 18),
    Column("size", "人口", lambda r: str(r.size), None, 4),
    Column("open", "未销号问题", lambda r: str(r.open_cases), None, 6),
    Column("all", "问题总数", lambda r: str(r.all_cases), None, 6),
)


class WindowedModel(QAbstractTableModel):
    """Rows fetched `BLOCK` at a time, the latest blocks kept.

    The first block is read at once when the filter or the sort changes: the first screen shows
    without waiting for anything else. The row count follows from it when it is short; otherwise it
    stands at the first block's length ("counting", `exact` False) while the operations thread
    (ui/ops.py) counts, and the rows grow to the exact count when it arrives (`counted`). Blocks the
    view scrolls to are read on the operations thread too: their cells stay blank for the moment it
    takes, and the event loop never waits on the database while the clerk scrolls a 1,000,000-case
    ledger. `row(n)` answers from the loaded blocks only (None for a row not loaded); rows that may
    not be loaded (a selection) come through `rows_reader`, on the operations thread.

    The rows shown keep the reader they were read with (`_shown`: the filter and sort as they stood
    when their first block was asked for). A page changes `filter` or `sort_key` at once and the new
    first block arrives later (a second at 1,000,000 cases), or not at all (refused): until the model
    resets to it, the blocks scrolled to and the selections read are the rows shown, never rows of
    the new filter put in their places (批量交办 once acted on cases the clerk had not selected)."""

    BLOCK = 200
    KEEP_BLOCKS = 40
    counted = Signal()  # the exact row count arrived (rowCount may have grown)
    estimated = Signal()  # `estimate` arrived: about how many rows, while the exact count is under way

    def __init__(self, columns: Sequence[Column], parent=None):
        super().__init__(parent)
        self.columns = tuple(columns)
        self._count = 0
        self.exact = True
        self.uncounted = False  # the last count failed (_count_failed): "200+（总数未能统计）"
        self.estimate: int | None = None
        self._blocks: OrderedDict[int, list] = OrderedDict()
        self._pending: set[int] = set()
        self._read: Callable[[int, int], list] | None = None  # what the rows shown were read with
        self._generation = 0  # bumped by every reload and sort: answers for an older one are dropped
        self._asked = 0  # bumped when new rows are asked for (ui/reads.py): an older count is not taken

    # subclasses: how many rows, and a reader of rows (called on either thread: plain reads only)
    def _count_rows(self) -> int:
        raise NotImplementedError

    def _reader(self) -> Callable[[int, int], list]:
        """`read(offset, limit)` for the filter and sort as they stand now (a later change of the
        model's filter does not change what it reads)."""
        raise NotImplementedError

    def _shown(self) -> Callable[[int, int], list]:
        """The reader of the rows shown: the one their first block was read with (`_restart`), not
        the filter and sort as they stand now, which may be a new one on its way."""
        return self._read if self._read is not None else self._reader()

    def _estimate_rows(self) -> int | None:
        """About how many rows, when that is much cheaper than counting them (else None)."""
        return None

    def reload(self) -> None:
        """Read the first block here, on the calling thread (tests, bench/gui.py); the window's pages
        read it on the operations thread (ui/reads.py reload_model)."""
        read = self._reader()
        first = read(0, self.BLOCK)
        self.beginResetModel()
        self._restart(read, first)
        self.endResetModel()

    def _restart(self, read: Callable[[int, int], list], first: list, known: int | None = None) -> None:
        """Forget every block but the first, just read with `read`, which reads the rows from now on;
        count on the operations thread unless the first block or `known` tells the count."""
        self._generation += 1
        self._read = read
        self._blocks.clear()
        self._pending.clear()
        self._blocks[0] = first
        self._count = len(first) if known is None else known
        self.exact = known is not None or len(first) < self.BLOCK
        self.uncounted = False
        self.estimate = None
        if not self.exact:
            generation, asked = self._generation, self._asked

            def current() -> bool:
                return (generation, asked) == (self._generation, self._asked)

            # The count reads the filter as it stands when it runs: a new filter asked meanwhile
            # (`superseded`) drops it, before it runs or when it answers.
            ops().run(
                lambda: self._estimate_rows() if current() else None,
                lambda n: self._estimated(n if current() else None),
                lambda _error: None,  # no estimate: the count follows all the same
                owner=self,
            )
            ops().run(
                lambda: self._count_rows() if current() else None,
                lambda n: self._counted(n if current() else None),
                lambda error: self._count_failed(error) if current() else None,  # an older count's failure
                owner=self,
            )

    def superseded(self) -> None:
        """New rows are asked for (a new filter): the count under way for these rows, when it has
        not started yet, is not run (None). It would stand in the one operations queue ahead of the
        new filter's first block: 墙体开裂's count took 117 ms at 1,000,000 cases (11 ms now, but a
        township's search still counts its rows one by one)."""
        self._asked += 1

    def _estimated(self, n: int | None) -> None:
        if not self.exact and n is not None:
            self.estimate = n
            self.estimated.emit()

    def _counted(self, n: int | None) -> None:
        if n is None:
            return
        self.exact = True
        if n > self._count:
            self.beginInsertRows(QModelIndex(), self._count, n - 1)
            self._count = n
            self.endInsertRows()
        elif n < self._count:  # rows removed since the first block was read
            self.beginResetModel()
            self._count = n
            self.endResetModel()
        self.counted.emit()

    def _count_failed(self, error: BaseException) -> None:
        """The count failed on the operations thread (the server went away…): the rows read stand,
        shown as "200+（总数未能统计）" — not as 200, which the clerk would take for the whole list —
        and the page's next refresh asks again. Anything but a LedgerError is our bug."""
        refusal(error)
        self.uncounted = True
        self.counted.emit()

    def row(self, row: int):
        """The value object of a row (CaseRow, HouseholdRow) when its block is loaded, else None. It
        never reads the database: on the GUI thread a block read stood the window still, and the
        ledger page asked it of every selected row (Ctrl+A on 1,000,000 cases: 5,000 block reads).
        A row that may not be loaded comes through `rows_reader`."""
        if not 0 <= row < self._count:
            return None
        number = row // self.BLOCK
        block = self._blocks.get(number)
        if block is None:
            return None
        self._blocks.move_to_end(number)
        offset = row - number * self.BLOCK
        return block[offset] if offset < len(block) else None

    def rows_reader(self, spans: Sequence[tuple[int, int]]) -> Callable[[], list]:
        """The rows of `spans` (first, last: a view's selection), as work for the operations thread
        (ui/ops.py). Called on the GUI thread, it takes the rows of the loaded blocks as they are shown
        and the reader they were read with (`_shown`: not a new filter or sort still on its way). The
        work reads the rows not loaded with one query a span, from its first row not loaded to its
        last (the loaded blocks between are read again and left out; spans less than a block apart
        share a query): Ctrl+A on a 1,000,000-case ledger is one read, not 5,000 block reads, each of
        which skipped its offset's index entries again. It returns the rows in order, each once (a row
        read twice, when the ledger shifted since its block was loaded, is kept where it was first
        seen)."""
        block_size, read = self.BLOCK, self._shown()
        known: list[tuple[int, list]] = []  # (first row, values) from the loaded blocks
        # one query a span: (first, last row read, [(first, last) rows wanted within])
        queries: list[tuple[int, int, list[tuple[int, int]]]] = []
        for first, last in merged_spans(spans):
            row, last = max(first, 0), min(last, self._count - 1)
            wanted: list[tuple[int, int]] = []
            while row <= last:
                number = row // block_size
                end = min(last, (number + 1) * block_size - 1)
                block = self._blocks.get(number)
                if block is not None:
                    start = row - number * block_size
                    known.append((row, block[start : start + end - row + 1]))
                else:
                    wanted.append((row, end))
                row = end + 1
            if not wanted:
                continue
            if queries and wanted[0][0] - queries[-1][1] <= block_size:
                queries[-1] = (queries[-1][0], wanted[-1][1], queries[-1][2] + wanted)
            else:
                queries.append((wanted[0][0], wanted[-1][1], wanted))

        def work() -> list:
            pieces = list(known)
            for start, end, parts in queries:
                values = read(start, end - start + 1)
                pieces += [(first, values[first - start : last - start + 1]) for first, last in parts]
            pieces.sort(key=lambda piece: piece[0])
            seen: set[int] = set()
            rows = []
            for _first, values in pieces:
                for value in values:
                    if value.id not in seen:
                        seen.add(value.id)
                        rows.append(value)
            return rows

        return work

    def _keep(self, number: int, block: list) -> None:
        self._blocks[number] = block
        self._pending.discard(number)
        while len(self._blocks) > self.KEEP_BLOCKS:
            self._blocks.popitem(last=False)

    def _cached(self, row: int):
        """The row if its block is here; otherwise ask the operations thread for the block."""
        if not 0 <= row < self._count:
            return None
        number = row // self.BLOCK
        block = self._blocks.get(number)
        if block is None:
            if number not in self._pending:
                self._pending.add(number)
                generation, read, size = self._generation, self._shown(), self.BLOCK
                offset = number * size
                ops().run(
                    lambda: read(offset, size),  # the rows shown, even with a new filter on its way
                    lambda rows: self._arrived(generation, number, rows),
                    lambda _error: self._pending.discard(number),  # blank for now; asked again when shown
                    owner=self,
                )
            return None
        self._blocks.move_to_end(number)
        offset = row - number * self.BLOCK
        return block[offset] if offset < len(block) else None

    def _arrived(self, generation: int, number: int, rows: list) -> None:
        if generation != self._generation:
            return
        self._keep(number, rows)
        first = number * self.BLOCK
        last = min(first + len(rows), self._count) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.ToolTipRole and self.columns[section].sort:
                return "点击按此列排序"
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    # the roles data() answers: the view's delegate asks seven a cell (font, alignment, foreground,
    # check state, decoration, display, background: 1,127 calls a paint of 161 cells), and the ones
    # never answered return before the row is looked up (a paint of the ledger 9.6 → 6.3 ms CPU)
    ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole})

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in self.ROLES or not index.isValid() or index.column() >= len(self.columns):
            return None
        value = self._cached(index.row())
        if value is None:
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(value)
        if role == Qt.ItemDataRole.UserRole:
            return value.id
        return self._extra(value, column, role)

    def _extra(self, value, column: Column, role: int) -> Any:
        return None


def merged_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(first, last) spans sorted, the overlapping and adjacent ones joined."""
    out: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def count_text(model: WindowedModel) -> str:
    """A windowed model's row count as a title shows it: 73,466, or 200+ while still counting (and
    after a count that failed, saying so)."""
    if model.exact:
        return f"{model.rowCount():,}"
    return f"{model.rowCount():,}+{'（总数未能统计）' if model.uncounted else ''}"


class CaseTableModel(WindowedModel):
    """Cases a filter selects, limited to what `viewer` may see (ledger/access.py)."""

    def __init__(self, ledger: Ledger, parent=None, viewer: Actor | None = None):
        super().__init__(CASE_COLUMNS, parent)
        self.ledger = ledger
        self.viewer = viewer
        self.filter = CaseFilter()
        self.sort_key = "number"  # newest first, as a ledger book reads
        self.descending = True
        # 问题类别 of a row, from its 问题子类's name (CaseRow carries the 子类 name only); a name
        # used in two 类别 maps to neither rather than to a wrong one
        owners: dict[str, set[str]] = {}
        for sub in ledger.catalog.subcategories.values():
            owners.setdefault(sub.name, set()).add(sub.category_name)
        self._category_of = {name: next(iter(c)) for name, c in owners.items() if len(c) == 1}
        self.columns = tuple(
            replace(c, text=lambda r: self._category_of.get(r.subcategory_name, "")) if c.key == "category" else c
            for c in self.columns
        )

    def set_filter(self, f: CaseFilter) -> None:
        self.filter = f
        self.reload()

    def _seen(self) -> CaseFilter:
        return replace(self.filter, visible_to=self.viewer)

    def _count_rows(self) -> int:
        return self.ledger.queries.count(self._seen())

    def _estimate_rows(self) -> int | None:
        return self.ledger.queries.estimate(self._seen())

    def _reader(self) -> Callable[[int, int], list[CaseRow]]:
        queries, seen, sort, descending = self.ledger.queries, self._seen(), self.sort_key, self.descending
        return lambda offset, limit: queries.page(seen, sort=sort, descending=descending, offset=offset, limit=limit)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or self.columns[column].sort is None:
            return
        key = self.columns[column].sort
        assert key is not None
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.sort_key, self.descending) and self._count:
            return
        self.sort_key, self.descending = key, descending
        # read here, on the calling thread (tests, bench/gui.py): the ledger page sorts through reload_model
        read = self._reader()
        first = read(0, self.BLOCK)
        self.layoutAboutToBeChanged.emit()
        self._restart(read, first, known=self._count if self.exact else None)  # the same rows in a new order
        self.layoutChanged.emit()

    def sort_column(self) -> int:
        return next((i for i, c in enumerate(self.columns) if c.sort == self.sort_key), -1)

    ROLES = WindowedModel.ROLES | {
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
    }

    def _extra(self, value: CaseRow, column: Column, role: int) -> Any:
        if column.key == "light" and value.light:
            if role == Qt.ItemDataRole.DecorationRole:
                return light_icon(value.light)
            if role == Qt.ItemDataRole.ForegroundRole:
                return LIGHT_COLOURS[value.light]
        if column.key == "deadline" and value.light == "red" and role == Qt.ItemDataRole.ForegroundRole:
            return LIGHT_COLOURS["red"]
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "id_number":
            return "身份证号已脱敏显示"
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "head":
            if value.village_level:
                return f"村级问题（{value.village_name}），不属于某一农户"
            if value.member_name:
                return f"户主{value.head_name.split('（')[0]}，涉及成员{value.member_name}"
        return None


class HouseholdTableModel(WindowedModel):
    def __init__(self, ledger: Ledger, parent=None, viewer: Actor | None = None):
        super().__init__(HOUSEHOLD_COLUMNS, parent)
        self.ledger = ledger
        self.viewer = viewer
        self.search = ""
        self.township_id: int | None = None
        self.tag: str | None = None  # households holding this tag today

    def set_query(self, search: str, township_id: int | None, tag: str | None = None) -> None:
        self.search, self.township_id, self.tag = search, township_id, tag
        self.reload()

    def _count_rows(self) -> int:
        return self.ledger.queries.household_count(self.search, self.township_id, self.viewer, self.tag)

    def _reader(self) -> Callable[[int, int], list[HouseholdRow]]:
        queries, search, township_id, viewer, tag = (
            self.ledger.queries,
            self.search,
            self.township_id,
            self.viewer,
            self.tag,
        )
        return lambda offset, limit: queries.household_page(
            search, township_id, offset=offset, limit=limit, visible_to=viewer, tag=tag
        )


class ListTableModel(QAbstractTableModel):
    """A small, fully loaded table (sign-offs, history, members, users)."""

    def __init__(self, headers: Sequence[str], parent=None):
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[tuple[str, ...]] = []
        self.tooltips: list[tuple[str, ...]] = []
        self.backgrounds: list[QBrush | None] = []

    def set_rows(
        self,
        rows: Sequence[Sequence[object]],
        tooltips: Sequence[Sequence[str]] | None = None,
        backgrounds: Sequence[str | None] | None = None,  # a colour per row (#rrggbb), or None
    ) -> None:
        self.beginResetModel()
        self.rows = [tuple("" if v is None else str(v) for v in r) for r in rows]
        self.tooltips = [tuple(t) for t in tooltips] if tooltips else []
        self.backgrounds = [QBrush(QColor(c)) if c else None for c in backgrounds] if backgrounds else []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return str(section + 1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and self.tooltips:
            return self.tooltips[index.row()][index.column()] or None
        if role == Qt.ItemDataRole.BackgroundRole and self.backgrounds:
            return self.backgrounds[index.row()]
        return None
