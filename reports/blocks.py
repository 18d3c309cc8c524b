"""Blocks of a known height laid out top to bottom, the paginator that assigns them to pages (a
table row starting a page brings its header; a row taller than a page is split), and the Page a
block draws on (its rulings stroked once per page).

Part of the layout engine of reports/pdf.py (which re-exports these names)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from reportlab.lib.colors import Color, black
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfgen.canvas import FILL_EVEN_ODD, Canvas

from reports.pen import Pen

GREY = Color(0.35, 0.35, 0.35)
LIGHT_GREY = Color(0.93, 0.93, 0.93)
RED = Color(0.8, 0.1, 0.1)
YELLOW = Color(0.93, 0.7, 0.0)
GREEN = Color(0.1, 0.55, 0.2)
LIGHT_COLORS = {"红灯": RED, "黄灯": YELLOW, "绿灯": GREEN, "red": RED, "yellow": YELLOW, "green": GREEN}


class Block:
    """Something of a known height drawn at (x, top) in a frame of the given width."""

    height: float = 0.0
    keep_with_next: bool = False
    header: Block | None = None  # repeated at the top of a page this block starts (table rows)

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        raise NotImplementedError

    def split(self, limit: float) -> Sequence[Block]:
        """This block as blocks at most `limit` high, where it can be cut (a table row can)."""
        return [self]


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
        if block.height > limit:
            items += block.split(limit)
        else:
            items.append(block)
    return items


def _only_headers(page: list[Block]) -> bool:
    return all(b.header is b for b in page)


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


class Page:
    """The page being drawn: canvas, pen, and the rulings collected for one stroke per page."""

    def __init__(self, canvas: Canvas, pen: Pen):
        self.canvas = canvas
        self.pen = pen
        # per table row: its verticals' x (formatted), its top and bottom (formatted)
        self._rows: list[tuple[tuple[str, ...], str, str]] = []

    def fill(self, color: Color, x: float, y: float, width: float, height: float) -> None:
        """A rectangle filled with `color`, the fill colour black again afterwards: what
        canvas.setFillColor(color), canvas.rect(x, y, width, height, stroke=0, fill=1) and
        canvas.setFillColor(black) write. When the canvas's fill state is the black such a call
        left (and its fill rule the default), the same text goes in as one literal: the brief ledger
        shades every other household, and the 11,700 colour calls through the canvas took about
        0.05 s of CPU. The first of a document goes through the canvas (it sets that state, the
        opacity and the PDF version)."""
        canvas = self.canvas
        if (
            type(color) is not Color
            or color.alpha != 1
            or getattr(canvas, "_fillColorObj", None) is not black
            or getattr(canvas, "_fillMode", None) != FILL_EVEN_ODD
        ):
            canvas.setFillColor(color)
            canvas.rect(x, y, width, height, stroke=0, fill=1)
            canvas.setFillColor(black)
            return
        ops = self.pen.fills.get(id(color))
        if ops is None or ops[0] is not color:
            ops = self.pen.fills[id(color)] = (color, f"{fp_str(color.red, color.green, color.blue)} rg\nn ")
        canvas.addLiteral(f"{ops[1]}{fp_str(x, y, width, height)} re f*\n0 0 0 rg")

    def grid(self, x: float, top: float, widths: Sequence[float], height: float) -> None:
        """Cell borders of one table row, stroked with the page's other rulings in `flush`."""
        cache = self.pen.coordinates
        key = (x, tuple(widths))  # a tuple given is taken as it is
        xs = self.pen.grids.get(key)
        if xs is None:  # the row's left edge, each column's right edge
            edges = [x]
            cx = x
            for w in widths:
                cx += w
                edges.append(cx)
            xs = self.pen.grids[key] = tuple(_coordinate(cache, e) for e in edges)
        bottom = top - height
        t = cache.get(top) or _coordinate(cache, top)
        b = cache.get(bottom) or _coordinate(cache, bottom)
        self._rows.append((xs, t, b))

    def flush(self) -> None:
        """The rulings in one stroke, each coordinate formatted once per document: each row's top
        and bottom, and the verticals of rows of the same columns stacked without a gap as one
        segment per column edge, from the first row's top to the last one's bottom, instead of one
        per row. The brief ledger's rulings were 20 of a page's 45 KB of content, which zlib and
        ReportLab then read; now 8. Poppler and PDFium draw the same pixels (checked on every page
        of both profiles). The horizontals stay as they were, twice between two rows (bottom of
        one, top of the next): PDFium draws a line stroked twice a shade darker, so one stroke
        would lighten the borders there."""
        if not self._rows:
            return
        lines: list[str] = []
        add = lines.append
        xs0: tuple[str, ...] = ()
        top0 = bottom0 = ""
        for xs, t, b in self._rows:
            a, r = xs[0], xs[-1]
            add(f"{a} {t} m {r} {t} l")
            add(f"{a} {b} m {r} {b} l")
            if xs is xs0 and t == bottom0:  # continues the rows above: their verticals reach down
                bottom0 = b
                continue
            if xs0:
                lines += [f"{c} {top0} m {c} {bottom0} l" for c in xs0]
            xs0, top0, bottom0 = xs, t, b
        lines += [f"{c} {top0} m {c} {bottom0} l" for c in xs0]
        self._rows = []
        self.canvas.setLineWidth(0.5)
        self.canvas.addLiteral("n\n" + "\n".join(lines) + "\nS")


def _coordinate(cache: dict[float, str], value: float) -> str:
    text = cache.get(value)
    if text is None:
        text = cache[value] = str(fp_str(value))
    return text
