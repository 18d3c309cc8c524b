"""整改进度周报（第N期）: summary figures, a drafted narrative, charts and tables by category,
township and department (ranked by closure rate, with lights)."""

from __future__ import annotations

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm

from ledger.dto import GroupFigures, WeeklyFigures
from reports.pdf import (
    GREEN,
    GREY,
    LIGHT_COLORS,
    PORTRAIT,
    Block,
    Column,
    Drawing,
    Line,
    Page,
    Pen,
    Spacer,
    Table,
    cn_date,
    paginate,
    paragraph,
)

BAR = Color(0.2, 0.4, 0.7)
BAR_OPEN = Color(0.85, 0.55, 0.2)
LIGHT_TEXT = {"red": "红", "yellow": "黄", "green": "绿"}


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def narrative(w: WeeklyFigures, scope: str) -> str:
    t = w.total
    if not t.found:
        return f"截至{cn_date(w.today)}，{scope}尚未发现问题。"
    text = (
        f"截至{cn_date(w.today)}，{scope}累计发现问题{t.found}个，已销号{t.closed}个，销号率{percent(t.rate)}；"
        f"本周（{w.week_start.month}月{w.week_start.day}日至{w.today.month}月{w.today.day}日）新增问题{t.new_week}个，"
        f"销号{t.closed_week}个。目前整改中{t.working}个、待核验{t.pending_verification}个、待审批{t.pending_approval}个；"
        f"逾期未销号{t.overdue}个，其中本周新增逾期{t.new_overdue}个。"
    )
    townships = [g for g in w.by_township if g.found]
    if len(townships) > 1:
        best, worst = townships[0], townships[-1]
        text += f"从乡镇看，{best.name}销号率最高（{percent(best.rate)}），{worst.name}最低（{percent(worst.rate)}）。"
    late = sorted((g for g in w.by_department if g.overdue), key=lambda g: -g.overdue)
    if late:
        text += f"从责任单位看，{late[0].name}逾期问题最多（{late[0].overdue}个），请加快整改进度，确保按期销号。"
    elif t.found:
        text += "各责任单位均无逾期问题。"
    return text


def weekly_pages(
    pen: Pen, w: WeeklyFigures, title: str, scope: str, info_line: str, reviewer_line: str
) -> list[list[Block]]:
    width = PORTRAIT.frame_width
    t = w.total
    blocks: list[Block] = [
        Line(title, 17, "title", leading=28, align="center"),
        Line(f"（第{w.issue}期）", 13, "fang", leading=22, align="center"),
        Line(info_line, 9, "song", leading=16, align="center"),
        Spacer(2 * mm),
    ]
    blocks += paragraph(pen, narrative(w, scope), width, 11, "fang", leading=19, first_indent=22)
    blocks.append(Spacer(3 * mm))

    labels = ["累计发现", "本周新增", "本周销号", "整改中", "待核验", "待审批", "已销号", "销号率", "逾期", "新增逾期"]
    values = [
        t.found,
        t.new_week,
        t.closed_week,
        t.working,
        t.pending_verification,
        t.pending_approval,
        t.closed,
        percent(t.rate),
        t.overdue,
        t.new_overdue,
    ]
    summary = Table(pen, [Column(label, width / 10, "center") for label in labels], size=11, header_size=9, pad=4)
    blocks += [
        Line("一、总体情况", 12, "hei", leading=20, keep_with_next=True),
        summary.header_block,
        summary.row(values, bold=True),
    ]

    blocks.append(Spacer(3 * mm))
    blocks.append(Line("二、图表", 12, "hei", leading=20, keep_with_next=True))
    chart_rows = [g for g in w.by_township if g.found]
    if chart_rows:
        blocks.append(_rate_chart(chart_rows, width))
    if w.by_category:
        blocks.append(_category_chart(w.by_category, width))

    for heading, groups, ranked, first in (
        ("三、分类别情况", w.by_category, False, "问题类别"),
        ("四、分乡镇情况（按销号率排名）", w.by_township, True, "乡镇"),
        ("五、分责任单位情况（按销号率排名）", w.by_department, True, "牵头单位"),
    ):
        blocks.append(Spacer(3 * mm))
        blocks.append(Line(heading, 12, "hei", leading=20, keep_with_next=True))
        blocks += _group_table(pen, groups, ranked, width, first)
    blocks.append(Spacer(6 * mm))
    blocks.append(Line(reviewer_line, 10, "song", leading=18))
    return paginate(blocks, PORTRAIT.frame_height)


def _group_table(pen: Pen, groups: list[GroupFigures], ranked: bool, width: float, first: str) -> list[Block]:
    labels = ["排名"] if ranked else []
    labels += [first, "累计发现", "本周新增", "本周销号", "整改中", "待核验", "待审批", "已销号", "销号率", "逾期"]
    if ranked:
        labels.append("灯")
    columns = [Column(label, align="center") for label in labels]
    columns[1 if ranked else 0].align = "left"
    table = Table(pen, columns, size=9, header_size=9, pad=3)
    rows = []
    for g in groups:
        row: list[object] = [g.rank] if ranked else []
        row += [
            g.name,
            g.found,
            g.new_week,
            g.closed_week,
            g.working,
            g.pending_verification,
            g.pending_approval,
            g.closed,
            percent(g.rate),
            g.overdue,
        ]
        if ranked:
            row.append(LIGHT_TEXT[g.light])
        rows.append(row)
    total_row: list[object] = [""] if ranked else []
    total_row += [
        "合计",
        sum(g.found for g in groups),
        sum(g.new_week for g in groups),
        sum(g.closed_week for g in groups),
        sum(g.working for g in groups),
        sum(g.pending_verification for g in groups),
        sum(g.pending_approval for g in groups),
        sum(g.closed for g in groups),
    ]
    found, closed = total_row[-7], total_row[-1]
    total_row += [percent(closed / found) if found else "0.0%", sum(g.overdue for g in groups)]  # type: ignore[operator]
    if ranked:
        total_row.append("")
        table.colors[len(labels) - 1] = lambda v: LIGHT_COLORS.get(
            {"红": "red", "黄": "yellow", "绿": "green"}.get(v, "")
        )
    table.fit(width, [*rows, total_row])
    if not rows:
        return [Line("（无）", 10, "song")]
    return [table.header_block, *(table.row(r) for r in rows), table.row(total_row, bold=True)]


def _rate_chart(groups: list[GroupFigures], width: float) -> Block:
    """Horizontal bars: closure rate by township, ranked."""
    bar_h, gap = 10.0, 4.0
    height = 24 + len(groups) * (bar_h + gap) + 14

    def draw(page: Page, x: float, top: float, w: float) -> None:
        pen, c = page.pen, page.canvas
        pen.draw(x + w / 2, top - 14, "各乡镇销号率", 10, "hei", "center")
        label_w = max(pen.width(g.name, 8.5) for g in groups) + 6
        plot_x, plot_w = x + label_w, w - label_w - 40
        y = top - 24
        c.setStrokeColor(GREY)
        c.setLineWidth(0.3)
        for tick in range(0, 101, 20):
            tx = plot_x + plot_w * tick / 100
            c.line(tx, y, tx, y - len(groups) * (bar_h + gap))
            pen.draw(tx, y - len(groups) * (bar_h + gap) - 9, f"{tick}%", 7, "song", "center", GREY)
        for g in groups:
            y -= bar_h + gap
            pen.draw(plot_x - 4, y + 2.5, g.name, 8.5, "song", "right")
            c.setFillColor(GREEN if g.light == "green" else BAR)
            c.rect(plot_x, y, plot_w * g.rate, bar_h, stroke=0, fill=1)
            c.setFillColor(black)
            pen.draw(plot_x + plot_w * g.rate + 3, y + 2.5, percent(g.rate), 7.5)
        c.setStrokeColor(black)

    return Drawing(height, draw)


def _category_chart(groups: list[GroupFigures], width: float) -> Block:
    """Vertical stacked bars: cases by category, closed and not yet closed."""
    plot_h = 110.0
    height = plot_h + 60

    def draw(page: Page, x: float, top: float, w: float) -> None:
        pen, c = page.pen, page.canvas
        pen.draw(x + w / 2, top - 14, "各类别问题数（已销号 / 未销号）", 10, "hei", "center")
        base = top - 24 - plot_h
        biggest = max(g.found for g in groups) or 1
        slot = (w - 60) / len(groups)
        bar_w = min(40.0, slot * 0.5)
        c.setLineWidth(0.3)
        c.line(x + 30, base, x + w - 30, base)
        for i, g in enumerate(groups):
            bx = x + 30 + slot * i + (slot - bar_w) / 2
            closed_h = plot_h * g.closed / biggest
            open_h = plot_h * (g.found - g.closed) / biggest
            c.setFillColor(GREEN)
            c.rect(bx, base, bar_w, closed_h, stroke=0, fill=1)
            c.setFillColor(BAR_OPEN)
            c.rect(bx, base + closed_h, bar_w, open_h, stroke=0, fill=1)
            c.setFillColor(black)
            pen.draw(bx + bar_w / 2, base + closed_h + open_h + 3, str(g.found), 7.5, "song", "center")
            pen.draw(bx + bar_w / 2, base - 11, g.name, 8.5, "song", "center")
        lx = x + w - 150
        for color, label in ((GREEN, "已销号"), (BAR_OPEN, "未销号")):
            c.setFillColor(color)
            c.rect(lx, top - 32, 8, 8, stroke=0, fill=1)
            c.setFillColor(black)
            pen.draw(lx + 11, top - 31, label, 8)
            lx += 60

    return Drawing(height, draw)
