"""Tables: columns sized to their content (Table.fit), a header repeated on every page, rows
whose cells wrap (names only between words) and bands across the table (group headings, 合计).

Part of the layout engine of reports/pdf.py (which re-exports these names)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from reportlab.lib.colors import Color

from reports.blocks import LIGHT_GREY, Block, Page
from reports.pen import WORD_BREAKS, Pen, Run, tokens


@dataclass
class Column:
    label: str
    width: float = 0.0
    align: str = "left"  # left | center | right
    min_width: float = 0.0
    # None: a cell may wrap between any two characters (free text). A string (WORD_BREAKS): the
    # cell wraps only after those characters, and `Table.fit` makes the column at least as wide
    # as its widest token, so a name, place, department, state or date is never broken.
    breaks: str | None = None


@dataclass
class Table:
    """Column widths, fonts and paddings shared by a table's header and rows."""

    pen: Pen
    columns: list[Column]
    size: float = 9.0
    header_size: float | None = None
    role: str = "song"
    header_role: str = "hei"
    pad: float = 2.0
    leading: float = 1.25
    header_fill: Color | None = field(default=LIGHT_GREY)
    colors: dict[int, Callable[[str], Color | None]] = field(default_factory=dict)  # column -> colour of a value
    words: Collection[str] = frozenset()  # names and terms never broken inside free-text cells

    def __post_init__(self) -> None:
        self.header_block = _HeaderRow(self)
        # (role, column widths) -> per column: a cell's text -> its lines. Township, village,
        # department, category, state and date cells repeat across the rows, and so do many
        # measures: the 30-column ledger of 10,000 rows wraps 300,000 cells, 40,000 distinct.
        self._wrapped: dict[tuple[str, tuple[float, ...]], list[dict[str, list[str]]]] = {}
        self._plans: dict[tuple[float, str, tuple[float, ...]], _Plan] = {}

    def wrapped(self, role: str) -> list[dict[str, list[str]]]:
        """Per column, the lines of the cell texts wrapped so far in `role` at the present widths."""
        key = (role, self.widths())
        found = self._wrapped.get(key)
        if found is None:
            found = self._wrapped[key] = [{} for _ in self.columns]
        return found

    def plan(self, x: float, role: str, widths: tuple[float, ...]) -> _Plan:
        """Where the columns (of these `widths`) of a row drawn at `x` in `role` start, as
        `_Row.draw` needs them."""
        found = self._plans.get((x, role, widths))
        if found is None:
            starts: list[float] = []
            cx = x
            for w in widths:
                starts.append(cx)
                cx += w
            lefts = [
                f"1 0 0 1 {cx + self.pad:.2f}" if c.align == "left" else ""
                for cx, c in zip(starts, self.columns, strict=True)
            ]
            found = self._plans[(x, role, widths)] = _Plan(starts, lefts, [{} for _ in widths])
        return found

    @property
    def width(self) -> float:
        return sum(c.width for c in self.columns)

    def widths(self) -> tuple[float, ...]:
        return tuple(map(_WIDTH, self.columns))

    def row(self, values: Sequence[object], fill: Color | None = None, bold: bool = False) -> Block:
        return _Row(self, [v if type(v) is str else "" if v is None else str(v) for v in values], fill, bold)

    def fit(self, total: float, sample: Sequence[Sequence[object]], contexts: Sequence[str] | None = None) -> None:
        """Size columns to their content within `total` points. Each column gets at least its
        longest unbreakable piece (an ID number, a date) or two characters, at most its longest
        text; between those bounds widths follow the columns' average text width, so long texts
        (描述、措施) wrap to about as many lines as each other instead of one column towering.

        A column with `breaks` gets at least its widest token (a name, a place, a date) whatever
        the others need: when the minimums do not fit, the free-text columns give way first."""
        pen, size, pad = self.pen, self.size, self.pad
        head_size = self.header_size or size
        n = len(self.columns)
        natural = [0.0] * n
        minimum = [0.0] * n
        sums = [0.0] * n
        counts = [0] * n
        short = [0.0] * n
        hard = [0.0] * n  # widest token of a column that breaks only between tokens
        token_cache: dict[str, float] = {}
        for i, col in enumerate(self.columns):
            natural[i] = pen.width(col.label, head_size, self.header_role)
            minimum[i] = max(col.min_width, min(natural[i], pen.width(col.label[:2], head_size, self.header_role)))
        ems = pen.fonts.ems(self.role)  # widths measured before, looked up without a call
        breaks_of = [col.breaks for col in self.columns]
        for row_index, values in enumerate(sample):
            if contexts is not None:
                pen.fonts.context = contexts[row_index]
            for i, v in enumerate(values):
                text = v if type(v) is str else "" if v is None else str(v)
                if not text:
                    continue
                em = ems.get(text)
                w = em * size / 1000.0 if em is not None else pen.width(text, size, self.role)
                sums[i] += w
                counts[i] += 1
                if w > natural[i]:
                    natural[i] = w
                breaks = breaks_of[i]
                if breaks is not None:
                    if w > hard[i]:
                        widest = token_cache.get(text)
                        if widest is None:
                            widest = max(
                                (pen.width(t.rstrip(), size, self.role) for part in text.split("\n")
                                 for t in tokens(part, breaks)),
                                default=0.0,
                            )  # fmt: skip
                            token_cache[text] = widest
                        hard[i] = max(hard[i], widest)
                    continue
                if w > minimum[i]:
                    minimum[i] = max(minimum[i], _longest_piece(pen, text, size, self.role, w))
                if len(text) <= 3 and w > short[i]:  # names and place names read badly when broken
                    short[i] = w
        extra = 2 * pad + 0.5
        if sum(max(m, sh, h) + extra for m, sh, h in zip(minimum, short, hard, strict=True)) <= total * 0.75:
            minimum = [max(m, sh) for m, sh in zip(minimum, short, strict=True)]  # room enough: keep them whole
        minimum = [max(m, h) for m, h in zip(minimum, hard, strict=True)]
        natural = [w + extra for w in natural]
        minimum = [min(w + extra, nat) for w, nat in zip(minimum, natural, strict=True)]
        mean = [(sums[i] / counts[i] if counts[i] else 0.0) + extra for i in range(n)]
        if sum(natural) <= total:  # everything fits on one line: share out the spare width
            scale = total / sum(natural)
            widths = [w * scale for w in natural]
        elif sum(minimum) >= total:  # not even the minimums fit: shrink them (text wraps harder)
            kept = [hard[i] > 0 for i in range(n)]
            if not any(kept):
                widths = [w * total / sum(minimum) for w in minimum]
            else:  # the token columns keep their width; the free-text ones share what is left
                firm = sum(w for w, k in zip(minimum, kept, strict=True) if k)
                char = pen.width("国", size, self.role)
                for chars in (4, 3, 2):  # free text narrows to 2 characters a line before a token breaks
                    floor = [0.0 if k else min(chars * char + extra, nat) for k, nat in zip(kept, natural, strict=True)]
                    room = total - firm - sum(floor)
                    if room >= 0:
                        break
                if room >= 0:
                    spread = sum(m for m, k in zip(mean, kept, strict=True) if not k) or 1.0
                    widths = [
                        w if k else f + room * m / spread for w, k, f, m in zip(minimum, kept, floor, mean, strict=True)
                    ]
                else:  # even so too wide: the token columns shrink too (some tokens will break)
                    factor = (total - sum(floor)) / firm
                    widths = [w * factor if k else f for w, k, f in zip(minimum, kept, floor, strict=True)]
        else:

            def sized(k: float) -> list[float]:
                return [min(max(k * m, mn), nat) for m, mn, nat in zip(mean, minimum, natural, strict=True)]

            low, high = 0.0, max(nat / m for nat, m in zip(natural, mean, strict=True))
            for _ in range(40):  # sum(sized(k)) grows with k: bisect for the k that fills the width
                mid = (low + high) / 2
                if sum(sized(mid)) > total:
                    high = mid
                else:
                    low = mid
            widths = sized(low)
            widths[max(range(n), key=lambda i: natural[i] - widths[i])] += total - sum(widths)
        for col, w in zip(self.columns, widths, strict=True):
            col.width = w

    def band(self, text: str, fill: Color | None = LIGHT_GREY, bold: bool = True, size: float | None = None) -> Block:
        """A row across the whole table with one text (a group heading, a 合计 line)."""
        return _Band(self, text, fill, bold, size or self.size)


def _longest_piece(pen: Pen, text: str, size: float, role: str, whole: float) -> float:
    """Width of the longest run of ASCII letters/digits (it should not be broken)."""
    if text.isascii() and " " not in text:
        return whole
    best = 0.0
    for run in _WORD_RUN.findall(text):  # runs of more than 3 of pen.WORD_CHARS
        best = max(best, pen.width(run, size, role))
    # a CJK text needs at least two characters per line to stay readable
    return max(best, pen.width(text[:2], size, role))


_WORD_RUN = re.compile(r"[A-Za-z0-9\-./:]{4,}")


@dataclass
class _Plan:
    """A table's columns drawn at one x: their left edges, the text matrix opening ("1 0 0 1 x")
    of a left-aligned column's lines, and per other column its lines' openings by text."""

    starts: list[float]
    lefts: list[str]
    placed: list[dict[str, str]]


_WIDTH = attrgetter("width")


class _HeaderRow(Block):
    def __init__(self, table: Table):
        self.table = table
        self.header = self
        self.keep_with_next = True  # never a heading alone at the foot of a page
        self._lines: list[list[str]] | None = None
        self._height = 0.0  # with _lines (paginate asks for it once a row)
        # (x, top) -> its texts as show_lines takes them (None: one needs several faces); the
        # header repeats on every page at the same place (1,830 pages of 30 columns: 88,000 texts)
        self._placed: dict[tuple[float, float], list[tuple[str, Run, Color | None]] | None] = {}

    @property
    def height(self) -> float:  # type: ignore[override]
        t = self.table
        size = t.header_size or t.size
        if self._lines is None:
            self._lines = [t.pen.wrap(c.label, c.width - 2 * t.pad, size, t.header_role) for c in t.columns]
            self._height = max(len(lines) for lines in self._lines) * size * t.leading + 2 * t.pad + 1
        return self._height

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        t = self.table
        size = t.header_size or t.size
        h = self.height
        assert self._lines is not None
        if t.header_fill is not None:
            page.fill(t.header_fill, x, top - h, t.width, h)
        placed = self._placed.get((x, top), ())
        if placed == ():
            placed = self._placed[(x, top)] = self._place(page.pen, x, top, h)
        if placed is not None:
            page.pen.show_lines(placed)
        else:
            cx = x
            for col, lines in zip(t.columns, self._lines, strict=True):
                block_h = len(lines) * size * t.leading
                y = top - (h - block_h) / 2 - size * t.leading * 0.78
                for line in lines:
                    page.pen.draw(cx + col.width / 2, y, line, size, t.header_role, "center")
                    y -= size * t.leading
                cx += col.width
        page.grid(x, top, t.widths(), h)

    def _place(self, pen: Pen, x: float, top: float, h: float) -> list[tuple[str, Run, Color | None]] | None:
        """The headings centred in their columns as draw would place them; None when one of them
        needs several faces (then draw writes them)."""
        t = self.table
        size = t.header_size or t.size
        assert self._lines is not None
        out: list[tuple[str, Run, Color | None]] = []
        cx = x
        for col, lines in zip(t.columns, self._lines, strict=True):
            block_h = len(lines) * size * t.leading
            y = top - (h - block_h) / 2 - size * t.leading * 0.78
            for line in lines:
                if line:
                    run = pen.run(line, t.header_role, size)
                    if run is None:
                        return None
                    w = run[4] * size / 1000.0
                    out.append((f"1 0 0 1 {cx + col.width / 2 - w / 2:.2f} {y:.2f} Tm", run, None))
                y -= size * t.leading
            cx += col.width
        return out


class _Row(Block):
    def __init__(self, table: Table, values: list[str], fill: Color | None, bold: bool):
        self.table = table
        self.header = table.header_block
        self.values = values
        self.fill = fill
        self.role = table.header_role if bold else table.role
        t = table
        size, role, pad, pen = t.size, self.role, t.pad, t.pen
        ems = pen.fonts.ems(role)
        self.lines: list[list[str]] = []  # shared with other rows of the same texts: never changed
        append = self.lines.append
        depth = 1
        for v, c, wrapped in zip(values, t.columns, t.wrapped(role), strict=True):
            if not v:
                append([])
                continue
            lines = wrapped.get(v)
            if lines is None:
                em = ems.get(v)  # a text measured before that fits: one line (what wrap would say)
                if em is not None and em * size / 1000.0 <= c.width - 2 * pad and "\n" not in v:
                    lines = [v]
                else:
                    lines = pen.wrap(v, c.width - 2 * pad, size, role, c.breaks, t.words)
                # kept when every character is in a font (else wrapped again: each case reports its
                # missing character); the paragraphs asked apart, as wrap measures them ("\n" is none)
                if all(pen.fonts.complete(para, role) for para in v.split("\n")):
                    wrapped[v] = lines
            append(lines)
            if len(lines) > depth:
                depth = len(lines)
        self.depth = depth  # lines of the tallest cell (at least 1)
        self.height = depth * t.size * t.leading + 2 * t.pad

    def split(self, limit: float) -> list[_Row]:
        """This row as several, each at most `limit` high, the lines of every cell in order."""
        t = self.table
        step = t.size * t.leading
        per = max(1, int((limit - 2 * t.pad) // step))
        total = max(len(lines) for lines in self.lines)
        pieces = []
        for start in range(0, total, per):
            piece = copy.copy(self)
            piece.lines = [lines[start : start + per] for lines in self.lines]
            piece.depth = max(1, max(len(lines) for lines in piece.lines))
            piece.height = piece.depth * step + 2 * t.pad
            pieces.append(piece)
        return pieces

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        t = self.table
        if self.fill is not None:
            page.fill(self.fill, x, top - self.height, t.width, self.height)
        step = t.size * t.leading
        pen, size, role, pad = page.pen, t.size, self.role, t.pad
        # the ends of the text matrices of the row's lines, the same for every cell ("%.2f" as draw)
        depth = self.depth
        ends: list[str] = []
        y = top - pad - step * 0.78
        for _ in range(depth):
            ends.append(f" {y:.2f} Tm")
            y -= step
        widths = t.widths()
        plan = t.plan(x, role, widths)
        runs = pen.runs(role, size)
        out: list[tuple[str, Run, Color | None]] = []
        colors = t.colors
        for index, (col, lines) in enumerate(zip(t.columns, self.lines, strict=True)):
            if not lines:
                continue
            color = colors[index](self.values[index]) if index in colors else None
            left = plan.lefts[index]
            for j, line in enumerate(lines):
                run = (runs.get(line) or pen.run(line, role, size)) if line else None
                if run is not None:
                    if left:
                        out.append((left + ends[j], run, color))
                        continue
                    placed = plan.placed[index]
                    opening = placed.get(line)
                    if opening is None:
                        w = run[4] * size / 1000.0
                        cx = plan.starts[index]
                        at = cx + col.width - pad - w if col.align == "right" else cx + col.width / 2 - w / 2
                        opening = placed[line] = f"1 0 0 1 {at:.2f}"
                    out.append((opening + ends[j], run, color))
                    continue
                if out:  # empty, or in several faces: drawn in its turn by draw
                    pen.show_lines(out)
                    out = []
                cx, y = plan.starts[index], top - pad - step * 0.78
                for _ in range(j):
                    y -= step  # as the lines above it were stepped
                if col.align == "left":
                    pen.draw(cx + pad, y, line, size, role, color=color)
                elif col.align == "right":
                    pen.draw(cx + col.width - pad, y, line, size, role, "right", color)
                else:
                    pen.draw(cx + col.width / 2, y, line, size, role, "center", color)
        if out:
            pen.show_lines(out)
        page.grid(x, top, widths, self.height)


class _Band(Block):
    """One text across a table's full width, in the table's grid."""

    def __init__(self, table: Table, text: str, fill: Color | None, bold: bool, size: float):
        self.table, self.text, self.fill, self.size = table, text, fill, size
        self.role = table.header_role if bold else table.role
        self.header = table.header_block
        self.lines = table.pen.wrap(text, table.width - 2 * table.pad, size, self.role, WORD_BREAKS)
        self.height = len(self.lines) * size * table.leading + 2 * table.pad

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        t = self.table
        if self.fill is not None:
            page.fill(self.fill, x, top - self.height, t.width, self.height)
        step = self.size * t.leading
        y = top - t.pad - step * 0.78
        for line in self.lines:
            page.pen.draw(x + t.pad, y, line, self.size, self.role)
            y -= step
        page.grid(x, top, [t.width], self.height)
