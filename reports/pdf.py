"""A small layout engine on ReportLab's canvas: text in runs of embedded fonts, line breaking for
Chinese, tables whose header repeats on every page, a paginator that knows the page count before
the first page is drawn ("第 X 页 共 Y 页"), and the common footer (制表单位/制表人/打印时间, the
audit chain head).

Why not platypus: a 10,000-row LongTable spends most of its time in generic flowable machinery
(ENGINEERING.md: 16.6 s). Rows here are measured once with cached per-character widths and drawn
with one text object per page; bench/reports.py compares the two in one run.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ledger.errors import LedgerError
from ledger.opening import check_path_length
from reports.fonts import Face, FontSet

NO_LINE_START = set("，。、；：？！）》」』”’〕】…—,.;:?!)]}%")
NO_LINE_END = set("（《「『“‘〔【([{")
GREY = Color(0.35, 0.35, 0.35)
LIGHT_GREY = Color(0.93, 0.93, 0.93)
RED = Color(0.8, 0.1, 0.1)
YELLOW = Color(0.93, 0.7, 0.0)
GREEN = Color(0.1, 0.55, 0.2)
LIGHT_COLORS = {"红灯": RED, "黄灯": YELLOW, "绿灯": GREEN, "red": RED, "yellow": YELLOW, "green": GREEN}


# Words never broken by Pen.wrap: the words, the greatest length, the lengths by first character.
WordIndex = tuple[Collection[str], int, dict[str, tuple[int, ...]]]


# A text drawn in one face: its width in 1/1000 em, and per subset the font and the "(codes) Tj".
Shown = tuple[float, tuple[tuple[str, str], ...]]

# A text in one face at one size as `show` writes it: the font its first subset needs, its
# operators after a text matrix when that font is not current (opening with "Tf") and when it is,
# the font current afterwards, its width in 1/1000 em.
Run = tuple[tuple[str, float], str, str, tuple[str, float], float]


class Cancelled(LedgerError):
    """The user cancelled a long render; nothing was written."""

    def __init__(self, message: str = "已取消，未生成报表文件。"):
        super().__init__(message)


@dataclass(frozen=True)
class ReportInfo:
    """What every page's footer says."""

    unit: str  # 制表单位
    author: str  # 制表人
    printed_at: dt.datetime
    audit_seq: int
    audit_hash: str
    masked: bool = True
    reviewer: str = ""  # 审核人, where the report has one

    def footer_left(self) -> str:
        return f"制表单位：{self.unit}    制表人：{self.author}    打印时间：{self.printed_at:%Y-%m-%d %H:%M}"

    def footer_audit(self) -> str:
        privacy = "身份证号、电话已脱敏" if self.masked else "含完整身份证号、电话，注意保密"
        return f"审计链头：第 {self.audit_seq} 号 {self.audit_hash[:16]}    {privacy}"


# -- text -------------------------------------------------------------------------------------------
class Pen:
    """Draws and measures text with a FontSet on one canvas.

    Text is written as PDF operators, one text object per page: ReportLab's drawString builds a
    text object per call and re-encodes every string (a profile of a 10,000-row ledger spent 70 %
    of its time there). Each distinct string is encoded once per document through the public
    TTFont.splitString / getSubsetInternalName pair, which also registers the subset for
    embedding; the page's operators go in with canvas.addLiteral."""

    def __init__(self, canvas: Canvas, fonts: FontSet):
        self.canvas = canvas
        self.fonts = fonts
        self._ops: list[str] = []
        self._font: tuple[str, float] | None = None
        self._color: Color | None = None
        self._encoded: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._shown: dict[str, dict[str, Shown]] = {}  # role -> text in one face -> its width and operators
        self._runs: dict[tuple[str, float], dict[str, Run]] = {}  # (role, size) -> text -> Run
        self._color_ops: dict[int, tuple[Color, str]] = {}  # id -> the colour and its "rg" (Color hashes slowly)
        self.coordinates: dict[float, str] = {}  # fp_str of the rulings' coordinates (Page.grid)
        self.grids: dict[tuple[float, ...], str] = {}  # (x, *widths) -> a row's rulings (Page.grid)
        self._word_indexes: dict[int, tuple[Collection[str], WordIndex | None]] = {}

    def flush(self) -> None:
        """Put the page's text on the canvas (above the shapes drawn so far)."""
        if self._ops:
            self.canvas.addLiteral("q BT\n" + "\n".join(self._ops) + "\nET Q")
            self._ops = []
        self._font = None
        self._color = None

    def reset(self) -> None:
        self.flush()

    def _encode(self, face: Face, text: str) -> list[tuple[str, str]]:
        key = (face.name, text)
        found = self._encoded.get(key)
        if found is None:
            font = face.load()
            doc = self.canvas._doc  # the document whose subsets the codes belong to
            found = [
                (font.getSubsetInternalName(subset, doc), escapePDF(data))
                for subset, data in font.splitString(text, doc)
            ]
            if len(self._encoded) < 300_000:
                self._encoded[key] = found
        return found

    def width(self, text: str, size: float, role: str = "song") -> float:
        return self.fonts.width(text, size, role)

    def shown(self, role: str) -> dict[str, Shown]:
        """Texts of one role drawn before in a single face: width in 1/1000 em and the (font,
        "(codes) Tj") operators that show it. Filled by `glyphs`."""
        found = self._shown.get(role)
        if found is None:
            found = self._shown[role] = {}
        return found

    def glyphs(self, text: str, role: str) -> Shown | None:
        """`text` (not empty) measured and encoded for `show`; None when it needs several faces
        (a rare character drawn with a fallback font, or none at all: `draw` handles those)."""
        cache = self.shown(role)
        found = cache.get(text)
        if found is None:
            runs = self.fonts.runs(text, role)
            if len(runs) != 1:
                return None
            face, part = runs[0]
            em = self.fonts.ems(role).get(text)  # measured when the row was laid out, as a rule
            found = (
                sum(f.em(p) for f, p in runs) if em is None else em,
                tuple((name, f"({data}) Tj") for name, data in self._encode(face, part)),
            )
            if len(cache) < 300_000:
                cache[text] = found
        return found

    def show(self, xs: str, ys: str, glyphs: Shown, size: float, color: Color | None) -> None:
        """What `draw` writes for a text in one face at a position already formatted ("%.2f")."""
        ops = self._ops
        wanted = color or black
        if wanted is not self._color:
            ops.append(f"{wanted.red:.3f} {wanted.green:.3f} {wanted.blue:.3f} rg")
            self._color = wanted
        ops.append("1 0 0 1 " + xs + " " + ys + " Tm")
        for name, shows in glyphs[1]:
            font = self._font
            if font is None or font[0] != name or font[1] != size:
                ops.append(f"{name} {size:g} Tf")
                self._font = (name, size)
            ops.append(shows)

    def runs(self, role: str, size: float) -> dict[str, Run]:
        """Texts of one role and size written before in one face, as `run` made them."""
        key = (role, size)
        found = self._runs.get(key)
        if found is None:
            found = self._runs[key] = {}
        return found

    def run(self, text: str, role: str, size: float) -> Run | None:
        """`text` (not empty) as `show` would write it, for `show_lines`; None when it needs several
        faces (`draw` handles those). The operators of a table cell are joined once per document
        rather than appended one by one per cell (the 30-column ledger draws 560,000 cell lines)."""
        cache = self.runs(role, size)
        found = cache.get(text)
        if found is None:
            glyphs = self.glyphs(text, role)
            if glyphs is None:
                return None
            shows = glyphs[1]
            first = (shows[0][0], size)
            font = first
            rest: list[str] = []
            for name, show in shows:  # what show() appends after its "Tm", entering with `first` current
                if font != (name, size):
                    rest.append(f"{name} {size:g} Tf")
                    font = (name, size)
                rest.append(show)
            body = "\n".join(rest)
            found = (first, f"{first[0]} {size:g} Tf\n{body}", body, font, glyphs[0])
            if len(cache) < 300_000:
                cache[text] = found
        return found

    def show_lines(self, lines: Iterable[tuple[str, Run, Color | None]]) -> None:
        """Texts written as `show` writes them: each a "... Tm" text matrix, its Run, its colour."""
        ops = self._ops
        append = ops.append
        current, font = self._color, self._font
        color_ops = self._color_ops
        for matrix, run, color in lines:
            wanted = color or black
            if wanted is not current:
                known = color_ops.get(id(wanted))
                if known is None or known[0] is not wanted:
                    op = f"{wanted.red:.3f} {wanted.green:.3f} {wanted.blue:.3f} rg"
                    known = color_ops[id(wanted)] = (wanted, op)
                append(known[1])
                current = wanted
            append(matrix)
            append(run[2] if font == run[0] else run[1])
            font = run[3]
        self._color, self._font = current, font

    def draw(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        role: str = "song",
        align: str = "left",
        color: Color | None = None,
        hscale: float = 1.0,
    ) -> None:
        """Text at (x, baseline y); `hscale` < 1 narrows the characters (a masthead's 长宋)."""
        if not text:
            return
        if align != "left":
            w = self.fonts.width(text, size, role) * hscale
            x -= w if align == "right" else w / 2
        ops = self._ops
        wanted = color or black
        if wanted is not self._color:
            ops.append(f"{wanted.red:.3f} {wanted.green:.3f} {wanted.blue:.3f} rg")
            self._color = wanted
        runs = self.fonts.runs(text, role)
        for face, part in runs:
            ops.append(f"{hscale:g} 0 0 1 {x:.2f} {y:.2f} Tm")
            for name, data in self._encode(face, part):
                if self._font != (name, size):
                    ops.append(f"{name} {size:g} Tf")
                    self._font = (name, size)
                ops.append(f"({data}) Tj")
            if len(runs) > 1:
                x += face.em(part) * size / 1000.0 * hscale

    def draw_spaced(self, x: float, y: float, text: str, size: float, pitch: float, role: str) -> None:
        """Characters on a fixed grid (official documents: 28 characters per line)."""
        for ch in text:
            w = self.fonts.width(ch, size, role)
            advance = pitch if w > size * 0.75 else pitch / 2
            self.draw(x, y, ch, size, role)
            x += advance

    def wrap(
        self,
        text: str,
        width: float,
        size: float,
        role: str = "song",
        breaks: str | None = None,
        words: Collection[str] = (),
    ) -> list[str]:
        """Line breaking for Chinese text: any character may start a line except closing
        punctuation (and none may end with an opening one); runs of ASCII letters and digits
        (numbers, ID numbers, dates) stay whole when they fit on a line, and so do the `words`
        (names, places, terms) found in the text.

        With `breaks` (e.g. WORD_BREAKS) a line ends only after one of those characters: names,
        places, dates stay whole; a single token wider than `width` is broken as above."""
        lines: list[str] = []
        text = str(text)
        paras = text.split("\n") if "\n" in text else (text,)
        for para in paras:
            if self.fonts.width(para, size, role) <= width:
                lines.append(para)
                continue
            if breaks is not None:
                lines += self._wrap_tokens(para, width, size, role, breaks)
                continue
            index = self._word_index(words) if words else None
            widths = self.fonts.char_widths(para, size, role)
            # A line from `start` overflows at the first character i (checked from `check` on) where
            # the running sum of the widths from `start` exceeds `width`; the running sums are added
            # left to right (as the line is filled), so they are the very floats a character loop adds.
            start, check, n = 0, 1, len(para)
            while True:
                sums = list(accumulate(widths[start:]))
                k = bisect_right(sums, width, check - start)
                if k >= n - start:
                    break
                i = start + k
                cut = _break_before(para, start, i)
                if index is not None:
                    cut = _before_word(para, start, cut, index)
                lines.append(para[start:cut])
                start, check = cut, i + 1
            lines.append(para[start:])
        return lines

    def _word_index(self, words: Collection[str]) -> WordIndex | None:
        """The `words` with their greatest length and the lengths of those longer than one
        character by first character; None when no word is longer than one character."""
        found = self._word_indexes.get(id(words))
        if found is None or found[0] is not words:
            lengths: dict[str, set[int]] = {}
            for w in words:
                if len(w) > 1:
                    lengths.setdefault(w[0], set()).add(len(w))
            longest = max((len(w) for w in words), default=0)
            index = (words, longest, {ch: tuple(sorted(ns)) for ch, ns in lengths.items()}) if lengths else None
            found = (words, index)
            self._word_indexes[id(words)] = found
        return found[1]

    def _wrap_tokens(self, para: str, width: float, size: float, role: str, breaks: str) -> list[str]:
        lines: list[str] = []
        current = ""
        for token in tokens(para, breaks):
            candidate = current + token
            if not current or self.fonts.width(candidate.rstrip(), size, role) <= width:
                current = candidate
                continue
            lines.append(current.rstrip())
            current = token.lstrip() if not token.isspace() else ""
        if current.strip() or not lines:
            lines.append(current.rstrip())
        out: list[str] = []
        for line in lines:  # a token wider than the line (the column could not be made wide enough)
            out += [line] if self.fonts.width(line, size, role) <= width else self.wrap(line, width, size, role)
        return out


def _before_word(para: str, start: int, cut: int, index: WordIndex) -> int:
    """`cut` moved back to the start of a word it would break (when the line keeps something):
    the first position before `cut` where one of the words begins and runs past `cut`."""
    words, longest, lengths_of = index
    n = len(para)
    for s in range(max(start + 1, cut - longest + 1), cut):
        lengths = lengths_of.get(para[s])
        if lengths is not None:
            for length in lengths:
                e = s + length
                if cut < e <= n and para[s:e] in words:
                    return s
    return cut


WORD_BREAKS = " \u3000/、，,；;"  # where a cell of names, places or terms may end a line


def tokens(text: str, breaks: str) -> list[str]:
    """`text` cut after each character of `breaks` (the break character stays with its token)."""
    out: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in breaks:
            out.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        out.append(text[start:])
    return out


def _break_before(para: str, start: int, cut: int) -> int:
    """Where to break a line that overflows at `cut`: moved back past closing punctuation (a run
    like "）。" included), opening punctuation and ASCII words (numbers, "63.3%") until the next
    line starts cleanly — unless that would leave the line empty."""
    while True:
        moved = False
        while cut - 1 > start and (para[cut] in NO_LINE_START or para[cut - 1] in NO_LINE_END):
            cut -= 1
            moved = True
        if _word_char(para[cut]) and _word_char(para[cut - 1]):
            j = cut
            while j > start and _word_char(para[j - 1]):
                j -= 1
            if start < j < cut:
                cut = j
                moved = True
        if not moved:
            return cut


def _word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-./:")


# -- blocks and pages ----------------------------------------------------------------------------
class Block:
    """Something of a known height drawn at (x, top) in a frame of the given width."""

    height: float = 0.0
    keep_with_next: bool = False
    header: Block | None = None  # repeated at the top of a page this block starts (table rows)

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        raise NotImplementedError


class Spacer(Block):
    def __init__(self, height: float):
        self.height = height

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        pass


class PageBreak(Block):
    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        pass


class Drawing(Block):
    """A block drawn by a function f(page, x, top, width)."""

    def __init__(self, height: float, draw: Callable[[Page, float, float, float], None], keep_with_next: bool = False):
        self.height = height
        self._draw = draw
        self.keep_with_next = keep_with_next

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        self._draw(page, x, top, width)


class Line(Block):
    """One line of text (paragraphs are split into lines so they can break across pages)."""

    def __init__(
        self,
        text: str,
        size: float,
        role: str = "song",
        leading: float | None = None,
        align: str = "left",
        indent: float = 0.0,
        color: Color | None = None,
        keep_with_next: bool = False,
    ):
        self.text, self.size, self.role, self.align, self.indent, self.color = text, size, role, align, indent, color
        self.height = leading or size * 1.5
        self.keep_with_next = keep_with_next

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        baseline = top - (self.height + self.size * 0.7) / 2
        if self.align == "center":
            page.pen.draw(x + width / 2, baseline, self.text, self.size, self.role, "center", self.color)
        elif self.align == "right":
            page.pen.draw(x + width, baseline, self.text, self.size, self.role, "right", self.color)
        else:
            page.pen.draw(x + self.indent, baseline, self.text, self.size, self.role, color=self.color)


def paragraph(
    pen: Pen,
    text: str,
    width: float,
    size: float,
    role: str = "song",
    *,
    leading: float | None = None,
    first_indent: float = 0.0,
    keep_with_next: bool = False,
) -> list[Block]:
    """A wrapped paragraph as line blocks (the first line indented by `first_indent`)."""
    blocks: list[Block] = []
    first = pen.wrap(text, width - first_indent, size, role)
    lines = first[:1]
    if len(first) > 1:
        lines += pen.wrap("".join(first[1:]), width, size, role)
    for i, line in enumerate(lines):
        blocks.append(Line(line, size, role, leading, indent=first_indent if i == 0 else 0.0))
    if blocks and keep_with_next:
        blocks[-1].keep_with_next = True
    return blocks


def paginate(blocks: Iterable[Block], available: float) -> list[list[Block]]:
    """Assign blocks to pages top to bottom. A table row starting a page brings its header; a
    block marked keep_with_next moves to the next page with its follower."""
    pages: list[list[Block]] = [[]]
    used = 0.0
    items = _fitted(blocks, available)
    for index, block in enumerate(items):
        if isinstance(block, PageBreak):
            if pages[-1]:
                pages.append([])
                used = 0.0
            continue
        needed = block.height
        follower = index
        while items[follower].keep_with_next and follower + 1 < len(items):  # a chain moves as one
            follower += 1
            needed += items[follower].height
        if used + needed > available and pages[-1] and not _only_headers(pages[-1]):
            pages.append([])
            used = 0.0
            if block.header is not None and block.header is not block:
                pages[-1].append(block.header)
                used += block.header.height
        pages[-1].append(block)
        used += block.height
    if len(pages) > 1 and not pages[-1]:
        pages.pop()
    return pages


def _fitted(blocks: Iterable[Block], available: float) -> list[Block]:
    """A table row taller than a page is split into rows that fit (the text continues in the next
    row, on the next page, under the repeated header): never drawn past the foot of the page."""
    items: list[Block] = []
    for block in blocks:
        header = block.header if block.header is not None and block.header is not block else None
        limit = available - (header.height if header is not None else 0.0)
        if isinstance(block, _Row) and block.height > limit:
            items += block.split(limit)
        else:
            items.append(block)
    return items


def _only_headers(page: list[Block]) -> bool:
    return all(b.header is b for b in page)


# -- tables -------------------------------------------------------------------------------------------
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
        key = (role, tuple(c.width for c in self.columns))
        found = self._wrapped.get(key)
        if found is None:
            found = self._wrapped[key] = [{} for _ in self.columns]
        return found

    def plan(self, x: float, role: str) -> _Plan:
        """Where the columns of a row drawn at `x` in `role` start, as `_Row.draw` needs them."""
        widths = tuple(c.width for c in self.columns)
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

    def row(self, values: Sequence[object], fill: Color | None = None, bold: bool = False) -> Block:
        return _Row(self, [("" if v is None else str(v)) for v in values], fill, bold)

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
    for run in _WORD_RUN.findall(text):  # runs of more than 3 word characters (_word_char)
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


class _HeaderRow(Block):
    def __init__(self, table: Table):
        self.table = table
        self.header = self
        self.keep_with_next = True  # never a heading alone at the foot of a page
        self._lines: list[list[str]] | None = None
        # (x, top) -> its texts as show_lines takes them (None: one needs several faces); the
        # header repeats on every page at the same place (1,830 pages of 30 columns: 88,000 texts)
        self._placed: dict[tuple[float, float], list[tuple[str, Run, Color | None]] | None] = {}

    @property
    def height(self) -> float:  # type: ignore[override]
        t = self.table
        size = t.header_size or t.size
        if self._lines is None:
            self._lines = [t.pen.wrap(c.label, c.width - 2 * t.pad, size, t.header_role) for c in t.columns]
        return max(len(lines) for lines in self._lines) * size * t.leading + 2 * t.pad + 1

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        t = self.table
        size = t.header_size or t.size
        h = self.height
        assert self._lines is not None
        canvas = page.canvas
        if t.header_fill is not None:
            canvas.setFillColor(t.header_fill)
            canvas.rect(x, top - h, t.width, h, stroke=0, fill=1)
            canvas.setFillColor(black)
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
        page.grid(x, top, [c.width for c in t.columns], h)

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
                if pen.fonts.complete(v, role):  # else wrapped again: each case reports its missing character
                    wrapped[v] = lines
            append(lines)
            if len(lines) > depth:
                depth = len(lines)
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
            piece.height = max(1, max(len(lines) for lines in piece.lines)) * step + 2 * t.pad
            pieces.append(piece)
        return pieces

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        t = self.table
        canvas = page.canvas
        if self.fill is not None:
            canvas.setFillColor(self.fill)
            canvas.rect(x, top - self.height, t.width, self.height, stroke=0, fill=1)
            canvas.setFillColor(black)
        step = t.size * t.leading
        pen, size, role, pad = page.pen, t.size, self.role, t.pad
        # the ends of the text matrices of the row's lines, the same for every cell ("%.2f" as draw)
        depth = max(len(lines) for lines in self.lines)
        ends: list[str] = []
        y = top - pad - step * 0.78
        for _ in range(depth):
            ends.append(f" {y:.2f} Tm")
            y -= step
        plan = t.plan(x, role)
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
        page.grid(x, top, [c.width for c in t.columns], self.height)


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
            page.canvas.setFillColor(self.fill)
            page.canvas.rect(x, top - self.height, t.width, self.height, stroke=0, fill=1)
            page.canvas.setFillColor(black)
        step = self.size * t.leading
        y = top - t.pad - step * 0.78
        for line in self.lines:
            page.pen.draw(x + t.pad, y, line, self.size, self.role)
            y -= step
        page.grid(x, top, [t.width], self.height)


class Stack(Block):
    """Blocks drawn one under another as one block: e.g. a table's header with the heading of
    the group a page continues ("西关村（续）"), used as the `header` of that group's rows."""

    def __init__(self, blocks: Sequence[Block], keep_with_next: bool = True):
        self.blocks = list(blocks)
        self.header = self
        self.keep_with_next = keep_with_next

    @property
    def height(self) -> float:  # type: ignore[override]
        return sum(b.height for b in self.blocks)

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        for block in self.blocks:
            block.draw(page, x, top, width)
            top -= block.height


# -- the document -------------------------------------------------------------------------------
class Page:
    """The page being drawn: canvas, pen, and the rulings collected for one stroke per page."""

    def __init__(self, canvas: Canvas, pen: Pen):
        self.canvas = canvas
        self.pen = pen
        self._rulings: list[str] = []  # "x1 y1 m x2 y2 l" lines, a row's joined

    def grid(self, x: float, top: float, widths: Sequence[float], height: float) -> None:
        """Cell borders of one table row (drawn together when the page is finished), written as
        canvas.lines writes them: the row's top and bottom, then its verticals left to right."""
        cache = self.pen.coordinates
        key = (x, *widths)
        pattern = self.pen.grids.get(key)
        if pattern is None:  # with the top as \x00 and the bottom as \x01
            right = x + sum(widths)
            a, r = _coordinate(cache, x), _coordinate(cache, right)
            lines = [f"{a} \x00 m {r} \x00 l", f"{a} \x01 m {r} \x01 l", f"{a} \x00 m {a} \x01 l"]
            cx = x
            for w in widths:
                cx += w
                c = _coordinate(cache, cx)
                lines.append(f"{c} \x00 m {c} \x01 l")
            pattern = self.pen.grids[key] = "\n".join(lines)
        bottom = top - height
        t = cache.get(top) or _coordinate(cache, top)
        b = cache.get(bottom) or _coordinate(cache, bottom)
        self._rulings.append(pattern.replace("\x00", t).replace("\x01", b))

    def flush(self) -> None:
        """The rulings in one stroke, each coordinate formatted once per document."""
        if self._rulings:
            self.canvas.setLineWidth(0.5)
            self.canvas.addLiteral("n\n" + "\n".join(self._rulings) + "\nS")
            self._rulings = []


def _coordinate(cache: dict[float, str], value: float) -> str:
    text = cache.get(value)
    if text is None:
        text = cache[value] = str(fp_str(value))
    return text


@dataclass
class Layout:
    """Page size and margins (points)."""

    pagesize: tuple[float, float] = A4
    left: float = 15 * mm
    right: float = 15 * mm
    top: float = 15 * mm
    bottom: float = 17 * mm

    @property
    def frame_width(self) -> float:
        return self.pagesize[0] - self.left - self.right

    @property
    def frame_height(self) -> float:
        return self.pagesize[1] - self.top - self.bottom


PORTRAIT = Layout()
LANDSCAPE = Layout(pagesize=landscape(A4), left=10 * mm, right=10 * mm, top=12 * mm, bottom=15 * mm)
A3_LANDSCAPE = Layout(pagesize=landscape(A3), left=12 * mm, right=12 * mm, top=14 * mm, bottom=17 * mm)

Progress = Callable[[int, int], None]


class Document:
    """One PDF written to a temporary file beside the target and renamed when complete."""

    def __init__(self, target: Path, fonts: FontSet, info: ReportInfo, title: str, layout: Layout = PORTRAIT):
        self.target = Path(target)
        check_path_length(self.target.with_name(self.target.name + ".part"))
        self.fonts = fonts
        self.info = info
        self.title = title
        self.layout = layout
        self.temporary = self.target.with_name(self.target.name + ".part")
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.canvas = Canvas(
            str(self.temporary),
            pagesize=layout.pagesize,
            initialFontName=fonts.roles["song"].name,
            initialFontSize=10,
            pageCompression=1,
        )
        self.canvas.setTitle(title)
        self.canvas.setAuthor(info.author)
        self.canvas.setCreator("整改台账")
        self.canvas.setSubject(info.unit)
        self.pen = Pen(self.canvas, fonts)
        self.pages = 0

    def render(
        self,
        pages: list[list[Block]],
        *,
        footer: Callable[[Page, int, int], None] | None = None,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        layouts: Sequence[Layout] | None = None,
    ) -> None:
        total = len(pages)
        self.fonts.record = False  # everything drawn now was laid out (and checked) before
        for number, blocks in enumerate(pages, 1):
            if cancelled is not None and cancelled():
                raise Cancelled()
            layout = layouts[number - 1] if layouts else self.layout
            if layout.pagesize != self.layout.pagesize or number == 1:
                self.canvas.setPageSize(layout.pagesize)
            page = Page(self.canvas, self.pen)
            top = layout.pagesize[1] - layout.top
            for block in blocks:
                block.draw(page, layout.left, top, layout.frame_width)
                top -= block.height
            page.flush()
            (footer or self.standard_footer)(page, number, total)
            self.pen.flush()
            self.canvas.showPage()
            self.pages = number
            if progress is not None:
                progress(number, total)

    def standard_footer(self, page: Page, number: int, total: int, layout: Layout | None = None) -> None:
        layout = layout or self.layout
        width = layout.pagesize[0]
        # the lower line stays clear of the sheet's outer 8 mm (where printers cut off)
        low = max(layout.bottom - 6 * mm - 9, 8.6 * mm)
        y = low + 8.5
        pen = self.pen
        pen.draw(layout.left, y, self.info.footer_left(), 7.5, "song", color=GREY)
        pen.draw(width - layout.right, y, f"第 {number} 页 共 {total} 页", 8, "song", "right")
        pen.draw(layout.left, low, self.info.footer_audit(), 6.5, "song", color=GREY)
        self.canvas.setStrokeColor(GREY)
        self.canvas.setLineWidth(0.3)
        self.canvas.line(layout.left, y + 8, width - layout.right, y + 8)
        self.canvas.setStrokeColor(black)

    def discard(self) -> None:
        self.temporary.unlink(missing_ok=True)


def cn_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"
