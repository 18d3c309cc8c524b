"""整改时间表 / 路线图: a Gantt-style timetable ("横标定时限、纵标定任务"). Rows are cases grouped by
department or township, columns weeks or months; a bar runs from assignment to deadline (to the
close-out date once closed), sign-off milestones are diamonds, overdue bars are red, and a dashed
line marks today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.lib.colors import Color, black, white
from reportlab.lib.units import mm

from ledger.dto import TimetableBar
from reports.pdf import GREEN, LANDSCAPE, LIGHT_GREY, RED, Block, Drawing, Line, Page, Pen, Spacer, paginate

ROW_H = 13.0
LABEL_W = 215.0  # 问题编号 + 村 户主 子类
STATE_W = 38.0
BLUE = Color(0.25, 0.45, 0.75)
MILESTONE = {"核验": Color(0.55, 0.3, 0.7), "审批": Color(0.1, 0.1, 0.1)}


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

    def label(self, tick: dt.date) -> str:
        if self.months:
            return f"{tick.year % 100:02d}年{tick.month}月"
        return f"{tick.month}/{tick.day}"


def timetable_pages(
    pen: Pen, bars: Sequence[TimetableBar], group_by: str, title: str, subtitle: str, today: dt.date
) -> list[list[Block]]:
    width = LANDSCAPE.frame_width
    plot_w = width - LABEL_W - STATE_W
    first = min(b.start for b in bars)
    last = max(max(b.deadline or b.start, b.closed or b.start) for b in bars)
    axis = Axis(first, last, today, plot_w)
    head = _AxisHeader(axis)
    blocks: list[Block] = [
        Line(title, 15, "title", leading=24, align="center"),
        Line(subtitle, 8, "song", leading=14),
        _legend(),
        Spacer(1 * mm),
        head,
    ]
    key = (lambda b: b.department) if group_by == "department" else (lambda b: b.township)
    ordered = sorted(bars, key=lambda b: (key(b), b.deadline or b.start, b.number))
    current = None
    for bar in ordered:
        if key(bar) != current:
            current = key(bar)
            count = sum(1 for b in bars if key(b) == current)
            group = _GroupRow(f"{current}（{count}个）", head)
            blocks.append(group)
        pen.fonts.context = bar.number
        blocks.append(_BarRow(pen, bar, axis, head))
    return paginate(blocks, LANDSCAPE.frame_height)


def _legend() -> Block:
    def draw(page: Page, x: float, top: float, w: float) -> None:
        c, pen = page.canvas, page.pen
        lx, y = x, top - 10
        for color, label in ((BLUE, "整改期（交办至时限）"), (RED, "已逾期"), (GREEN, "已销号")):
            c.setFillColor(color)
            c.rect(lx, y, 14, 6, stroke=0, fill=1)
            c.setFillColor(black)
            pen.draw(lx + 17, y, label, 7.5)
            lx += 30 + pen.width(label, 7.5)
        for meaning, color in MILESTONE.items():
            _diamond(c, lx + 4, y + 3, color)
            pen.draw(lx + 11, y, f"{meaning}节点", 7.5)
            lx += 24 + pen.width(f"{meaning}节点", 7.5)
        c.setStrokeColor(RED)
        c.setDash(2, 2)
        c.line(lx, y - 1, lx, y + 8)
        c.setDash()
        c.setStrokeColor(black)
        pen.draw(lx + 4, y, "今日", 7.5)

    return Drawing(16, draw)


def _diamond(c, x: float, y: float, color: Color, r: float = 4.2) -> None:
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


class _AxisHeader(Block):
    def __init__(self, axis: Axis):
        self.axis = axis
        self.height = 18.0
        self.header = self

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        c, pen, axis = page.canvas, page.pen, self.axis
        c.setFillColor(LIGHT_GREY)
        c.rect(x, top - self.height, width, self.height, stroke=0, fill=1)
        c.setFillColor(black)
        pen.draw(x + 3, top - 12, "问题编号 / 村 户主 问题子类", 7.5, "hei")
        pen.draw(x + LABEL_W + STATE_W / 2, top - 12, "状态", 7.5, "hei", "center")
        px = x + LABEL_W + STATE_W
        c.setLineWidth(0.3)
        for i, tick in enumerate(axis.ticks):
            tx = px + axis.x(tick)
            nxt = px + (axis.x(axis.ticks[i + 1]) if i + 1 < len(axis.ticks) else axis.width)
            if nxt - tx > 14 or i % 2 == 0:
                pen.draw((tx + nxt) / 2, top - 12, axis.label(tick), 6.5, "song", "center")
        c.rect(x, top - self.height, width, self.height, stroke=1, fill=0)
        page.timeline = (px, axis)  # type: ignore[attr-defined]


class _GroupRow(Block):
    def __init__(self, text: str, head: _AxisHeader):
        self.text = text
        self.height = ROW_H + 2
        self.header = head
        self.keep_with_next = True

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        page.canvas.setFillColor(Color(0.97, 0.95, 0.88))
        page.canvas.rect(x, top - self.height, width, self.height, stroke=0, fill=1)
        page.canvas.setFillColor(black)
        page.pen.draw(x + 3, top - self.height + 4, self.text, 8.5, "hei")


class _BarRow(Block):
    def __init__(self, pen: Pen, bar: TimetableBar, axis: Axis, head: _AxisHeader):
        self.bar = bar
        self.axis = axis
        self.header = head
        self.height = ROW_H
        label = f"{bar.number} {bar.label}"
        self.text = label if pen.width(label, 7) <= LABEL_W - 6 else _clip(pen, label, LABEL_W - 6, 7)

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        c, pen, axis, bar = page.canvas, page.pen, self.axis, self.bar
        y = top - self.height
        pen.draw(x + 3, y + 3.5, self.text, 7)
        pen.draw(x + LABEL_W + STATE_W / 2, y + 3.5, bar.state, 7, "song", "center", RED if bar.overdue else None)
        px = x + LABEL_W + STATE_W
        c.setStrokeColor(LIGHT_GREY)
        c.setLineWidth(0.3)
        c.line(x, y, x + width, y)
        for tick in axis.ticks:
            c.line(px + axis.x(tick), y, px + axis.x(tick), top)
        c.setStrokeColor(black)
        end = bar.closed or bar.deadline or bar.start
        x0, x1 = px + axis.x(bar.start), px + axis.x(end)
        c.setFillColor(GREEN if bar.closed else BLUE)
        c.rect(x0, y + 3, max(x1 - x0, 1.5), self.height - 6, stroke=0, fill=1)
        if bar.overdue and bar.deadline is not None:
            xd, xt = px + axis.x(bar.deadline), px + axis.x(axis.today)
            c.setFillColor(RED)
            c.rect(xd, y + 3, max(xt - xd, 1.5), self.height - 6, stroke=0, fill=1)
        c.setFillColor(black)
        for meaning, day in bar.milestones:
            _diamond(c, px + axis.x(day), y + self.height / 2, MILESTONE.get(meaning, black))
        tx = px + axis.x(axis.today)
        c.setStrokeColor(RED)
        c.setDash(2, 2)
        c.line(tx, y, tx, top)
        c.setDash()
        c.setStrokeColor(black)


def _clip(pen: Pen, text: str, width: float, size: float) -> str:
    """A label too wide for its column, cut with … and the number of characters left out."""
    full, kept = len(text), text
    while kept and pen.width(f"{kept}…余{full - len(kept)}字", size) > width:
        kept = kept[:-1]
    return f"{kept}…余{full - len(kept)}字"
