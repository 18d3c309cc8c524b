"""整改时间表 / 路线图: a Gantt-style timetable ("横标定时限、纵标定任务"). Rows are cases grouped by
department or township, columns weeks or months; a bar runs from assignment to deadline (to the
close-out date once closed), sign-off milestones are diamonds, and a dashed line marks today.

The three kinds of bar stay apart on a black-and-white printer: 整改期 (assignment to deadline,
still open) is a solid fill, the part 已逾期 (deadline to today) is diagonal hatching in an outline,
and 已销号 is an outline only. Colour stays for colour printers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color, black, white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ledger.dto import TimetableBar
from reports.fonts import FontSet
from reports.pdf import GREEN, LANDSCAPE, LIGHT_GREY, RED, Block, Drawing, Line, Page, Pen, Spacer, paginate

SIZE = 8.0  # every label on the page: nothing smaller
ROW_H = 15.0
BAR_INSET = 3.5  # space above and below a bar inside its row
PAD = 3.0
OPEN_FILL = Color(0.62, 0.72, 0.90)  # light blue; a mid-light grey on a monochrome printer
OPEN_EDGE = Color(0.25, 0.40, 0.70)
MILESTONE = {"核验": Color(0.55, 0.3, 0.7), "审批": Color(0.1, 0.1, 0.1)}
HEADINGS = ("问题编号", "村  户主", "问题子类", "状态", "交办日", "整改时限")


def state_text(bar: TimetableBar) -> str:
    """What the 状态 column says: the state, and 逾期 for a case past its deadline."""
    return f"{bar.state}（逾期）" if bar.overdue else bar.state


def _parts(bar: TimetableBar) -> tuple[str, str]:
    """(村 户主, 问题子类) from the bar's label "村 户主 子类"."""
    parts = bar.label.split(" ")
    if len(parts) == 3:
        return f"{parts[0]} {parts[1]}", parts[2]
    return bar.label, ""


def _date(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


class Axis:
    """Weeks across the top for spans up to ~5 months, months beyond."""

    def __init__(self, first: dt.date, last: dt.date, today: dt.date, width: float):
        first, last = min(first, today), max(last, today)
        self.months = (last - first).days > 150
        if self.months:
            self.start = first.replace(day=1)
            end = last.replace(day=1)
            self.ticks = []
            d = self.start
            while d <= end:
                self.ticks.append(d)
                d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            self.end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            self.start = first - dt.timedelta(days=first.weekday())
            self.ticks = []
            d = self.start
            while d <= last:
                self.ticks.append(d)
                d += dt.timedelta(days=7)
            self.end = d
        self.width = width
        self.today = today

    def x(self, day: dt.date) -> float:
        span = (self.end - self.start).days or 1
        return self.width * min(max((day - self.start).days, 0), span) / span

    def label(self, tick: dt.date, with_year: bool = False) -> str:
        if self.months:
            return f"{tick.year}年{tick.month}月" if with_year else f"{tick.month}月"
        return f"{tick.year}年{tick.month}月{tick.day}日" if with_year else f"{tick.month}/{tick.day}"


@dataclass
class Plan:
    """Where things go across the frame: the text columns' widths, then the plot and its axis."""

    widths: list[float]
    axis: Axis

    @property
    def plot_x(self) -> float:  # from the frame's left edge
        return sum(self.widths)


def plan(fonts: FontSet, bars: Sequence[TimetableBar], today: dt.date, width: float | None = None) -> Plan:
    """Text columns as wide as their longest entry (within limits), the rest for the bars."""
    width = width or LANDSCAPE.frame_width

    def widest(texts: Iterable[str], role: str = "song") -> float:
        return max((fonts.width(t, SIZE, role) for t in texts), default=0.0) + 2 * PAD

    heads = [fonts.width(h, SIZE, "hei") + 2 * PAD for h in HEADINGS]
    places = [_parts(b) for b in bars]
    widths = [
        max(heads[0], widest(b.number for b in bars)),
        min(max(heads[1], widest(p for p, _ in places)), 120.0),
        min(max(heads[2], widest(s for _, s in places)), 110.0),
        max(heads[3], widest(state_text(b) for b in bars)),
        max(heads[4], widest(_date(b.start) for b in bars)),
        max(heads[5], widest(_date(b.deadline) for b in bars)),
    ]
    first = min(b.start for b in bars)
    last = max(max(b.deadline or b.start, b.closed or b.start) for b in bars)
    return Plan(widths, Axis(first, last, today, width - sum(widths)))


def bar_shape(c: Canvas, kind: str, x: float, y: float, w: float, h: float) -> None:
    """One bar: 'open' solid, 'overdue' hatched in an outline, 'closed' an outline only."""
    c.saveState()
    if kind == "open":
        c.setFillColor(OPEN_FILL)
        c.setStrokeColor(OPEN_EDGE)
        c.setLineWidth(0.5)
        c.rect(x, y, w, h, stroke=1, fill=1)
    elif kind == "overdue":
        c.setFillColor(white)
        c.rect(x, y, w, h, stroke=0, fill=1)
        path = c.beginPath()
        path.rect(x, y, w, h)
        c.clipPath(path, stroke=0, fill=0)
        c.setStrokeColor(RED)
        c.setLineWidth(0.9)
        step = 3.2
        k = x - h
        while k < x + w:
            c.line(k, y, k + h, y + h)
            k += step
        c.restoreState()
        c.saveState()
        c.setStrokeColor(RED)
        c.setLineWidth(0.8)
        c.rect(x, y, w, h, stroke=1, fill=0)
    else:  # closed
        c.setFillColor(white)
        c.setStrokeColor(GREEN)
        c.setLineWidth(1.1)
        c.rect(x, y, w, h, stroke=1, fill=1)
    c.restoreState()


def timetable_pages(
    pen: Pen, bars: Sequence[TimetableBar], group_by: str, title: str, subtitle: str, today: dt.date
) -> list[list[Block]]:
    layout = plan(pen.fonts, bars, today)
    head = _Header(layout)
    blocks: list[Block] = [
        Line(title, 15, "title", leading=24, align="center"),
        Line(subtitle, SIZE, "song", leading=14),
        _legend(),
        Spacer(1 * mm),
        head,
    ]
    key: Callable[[TimetableBar], str] = (
        (lambda b: b.department) if group_by == "department" else (lambda b: b.township)
    )
    ordered = sorted(bars, key=lambda b: (key(b), b.deadline or b.start, b.number))
    counts: dict[str, int] = {}
    for bar in bars:
        counts[key(bar)] = counts.get(key(bar), 0) + 1
    current = None
    continued: Block = head
    for bar in ordered:
        if key(bar) != current:
            current = key(bar)
            blocks.append(_GroupRow(f"{current}（{counts[current]}个）", head))
            continued = _Continued(head, _GroupRow(f"{current}（续）", head))
        pen.fonts.context = bar.number
        blocks.append(_BarRow(pen, bar, layout, continued))
    return paginate(blocks, LANDSCAPE.frame_height)


def _legend() -> Block:
    def draw(page: Page, x: float, top: float, w: float) -> None:
        c, pen = page.canvas, page.pen
        lx, y = x, top - 11
        for kind, label in (("open", "整改期（交办至时限，未逾期）"), ("overdue", "已逾期"), ("closed", "已销号")):
            bar_shape(c, kind, lx, y - 1, 24, 9)
            pen.draw(lx + 28, y, label, SIZE)
            lx += 40 + pen.width(label, SIZE)
        for meaning, color in MILESTONE.items():
            _diamond(c, lx + 4, y + 3, color)
            pen.draw(lx + 11, y, f"{meaning}节点", SIZE)
            lx += 26 + pen.width(f"{meaning}节点", SIZE)
        c.setStrokeColor(RED)
        c.setDash(2, 2)
        c.line(lx, y - 1, lx, y + 8)
        c.setDash()
        c.setStrokeColor(black)
        pen.draw(lx + 4, y, "今日", SIZE)

    return Drawing(17, draw)


def _diamond(c: Canvas, x: float, y: float, color: Color, r: float = 4.2) -> None:
    """A milestone: a filled diamond with a white rim, so it stands out on a bar."""
    c.setFillColor(color)
    c.setStrokeColor(white)
    c.setLineWidth(0.8)
    path = c.beginPath()
    path.moveTo(x, y + r)
    path.lineTo(x + r, y)
    path.lineTo(x, y - r)
    path.lineTo(x - r, y)
    path.close()
    c.drawPath(path, stroke=1, fill=1)
    c.setFillColor(black)
    c.setStrokeColor(black)


class _Header(Block):
    """The column headings and the time axis, repeated at the top of every page."""

    def __init__(self, layout: Plan):
        self.layout = layout
        self.height = 20.0
        self.header = self

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        c, pen, axis = page.canvas, page.pen, self.layout.axis
        c.setFillColor(LIGHT_GREY)
        c.rect(x, top - self.height, width, self.height, stroke=0, fill=1)
        c.setFillColor(black)
        base = top - 13.5
        cx = x
        c.setLineWidth(0.3)
        for heading, w in zip(HEADINGS, self.layout.widths, strict=True):
            pen.draw(cx + w / 2, base, heading, SIZE, "hei", "center")
            cx += w
            c.line(cx, top, cx, top - self.height)
        px = x + self.layout.plot_x
        free = px  # labels left to right, each after the previous one's end
        year = None  # the first label of each year says the year (a skipped 1月 must not lose it)
        for i, tick in enumerate(axis.ticks):
            tx = px + axis.x(tick)
            nxt = px + (axis.x(axis.ticks[i + 1]) if i + 1 < len(axis.ticks) else axis.width)
            label = axis.label(tick, with_year=axis.months and tick.year != year)
            lw = pen.width(label, SIZE)
            mid = max((tx + nxt) / 2, px + lw / 2 + 2)
            if mid - lw / 2 >= free + 4 and mid + lw / 2 <= x + width - 1:
                pen.draw(mid, base, label, SIZE, "song", "center")
                free = mid + lw / 2
                year = tick.year
            c.line(tx, top, tx, top - 5)
        c.rect(x, top - self.height, width, self.height, stroke=1, fill=0)


class _GroupRow(Block):
    def __init__(self, text: str, head: Block):
        self.text = text
        self.height = ROW_H + 2
        self.header = head
        self.keep_with_next = True

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        page.canvas.setFillColor(Color(0.97, 0.95, 0.88))
        page.canvas.rect(x, top - self.height, width, self.height, stroke=0, fill=1)
        page.canvas.setFillColor(black)
        page.pen.draw(x + PAD, top - self.height + 5, self.text, 9, "hei")


class _Continued(Block):
    """What a page continuing a group starts with: the headings and "住建局（续）"."""

    def __init__(self, head: Block, group: _GroupRow):
        self.parts = (head, group)
        self.height = head.height + group.height
        self.header = self

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        for part in self.parts:
            part.draw(page, x, top, width)
            top -= part.height


class _BarRow(Block):
    def __init__(self, pen: Pen, bar: TimetableBar, layout: Plan, continued: Block):
        self.bar = bar
        self.layout = layout
        self.header = continued
        self.height = ROW_H
        place, sub = _parts(bar)
        w = layout.widths
        self.cells = [
            bar.number,
            _fit(pen, place, w[1] - 2 * PAD),
            _fit(pen, sub, w[2] - 2 * PAD),
            state_text(bar),
            _date(bar.start),
            _date(bar.deadline),
        ]

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        c, pen, bar = page.canvas, page.pen, self.bar
        axis = self.layout.axis
        y = top - self.height
        base = y + 4.5
        cx = x
        for i, (text, w) in enumerate(zip(self.cells, self.layout.widths, strict=True)):
            color = RED if i == 3 and bar.overdue else None
            if i >= 3:
                pen.draw(cx + w / 2, base, text, SIZE, "song", "center", color)
            else:
                pen.draw(cx + PAD, base, text, SIZE, "song", color=color)
            cx += w
        px = x + self.layout.plot_x
        c.setStrokeColor(LIGHT_GREY)
        c.setLineWidth(0.3)
        c.line(x, y, x + width, y)
        for tick in axis.ticks:
            c.line(px + axis.x(tick), y, px + axis.x(tick), top)
        c.setStrokeColor(black)
        bottom, h = y + BAR_INSET, self.height - 2 * BAR_INSET
        x0 = px + axis.x(bar.start)
        if bar.closed:
            bar_shape(c, "closed", x0, bottom, max(px + axis.x(bar.closed) - x0, 1.5), h)
        else:
            deadline = bar.deadline or bar.start
            xd = px + axis.x(deadline)
            if xd > x0:
                bar_shape(c, "open", x0, bottom, max(xd - x0, 1.5), h)
            if bar.overdue:
                xt = px + axis.x(axis.today)
                bar_shape(c, "overdue", min(xd, xt - 2), bottom, max(xt - xd, 2.0), h)
            elif xd <= x0:
                bar_shape(c, "open", x0, bottom, 1.5, h)
        for meaning, day in bar.milestones:
            _diamond(c, px + axis.x(day), y + self.height / 2, MILESTONE.get(meaning, black))
        tx = px + axis.x(axis.today)
        c.setStrokeColor(RED)
        c.setLineWidth(0.6)
        c.setDash(2, 2)
        c.line(tx, y, tx, top)
        c.setDash()
        c.setStrokeColor(black)


def _fit(pen: Pen, text: str, width: float) -> str:
    """A text too wide for its cell, cut with "…余N字" so the reader knows how much is missing (the
    whole text is in the ledger and on the case's own forms)."""
    if pen.width(text, SIZE) <= width:
        return text
    kept = text
    while kept and pen.width(f"{kept}…余{len(text) - len(kept)}字", SIZE) > width:
        kept = kept[:-1]
    return f"{kept}…余{len(text) - len(kept)}字"
