"""整改进度周报（第N期）: a 统计周期 (by default the last full report week), figures as of its last
day, a drafted narrative, charts, and tables by category, township (or village, for one township's
report) and lead department — ranked by closure rate, with lights by thresholds (ledger.workflow.
GroupLightPolicy) — the 待交办 cases as their own line, the 制表/审核/签发 line and the 报送 block.

The column names are the ones the 工作台 and the Excel 统计表 use (FIGURES, from ledger.workflow.TALLY).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm

from ledger.dto import GroupFigures, WeeklyFigures
from ledger.workflow import LIGHT_NAMES, TALLY
from reports.pdf import (
    GREY,
    LIGHT_COLORS,
    PORTRAIT,
    RED,
    Block,
    Column,
    Document,
    Drawing,
    Line,
    Page,
    Pen,
    ReportInfo,
    Spacer,
    Table,
    cn_date,
    paginate,
    paragraph,
)

BAR = Color(0.2, 0.4, 0.7)
BAR_OPEN = Color(0.85, 0.55, 0.2)
CLOSED_BAR = Color(0.1, 0.55, 0.2)
SEND_TO = "县委、县政府主要领导，县委、县政府分管领导"
COPY_TO = "各乡镇，县直各责任单位"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def period_word(w: WeeklyFigures) -> str:
    """本周 for a seven-day period, 本期 for any other."""
    return "本周" if (w.period_end - w.period_start).days == 6 else "本期"


def period_text(start: dt.date, end: dt.date) -> str:
    """2026年11月16日至11月22日 (the year once when both days share it)."""
    if start.year == end.year:
        return f"{cn_date(start)}至{end.month}月{end.day}日"
    return f"{cn_date(start)}至{cn_date(end)}"


@dataclass(frozen=True)
class Figure:
    label: str
    attr: str  # GroupFigures attribute; "rate" is a share


def figure_columns(word: str = "本周") -> list[Figure]:
    """The figures of every table, in order: 累计发现, 本周新增, 本周销号, the five TALLY groups,
    销号率, 逾期 — the 工作台's words."""
    return [
        Figure("累计发现", "found"),
        Figure(f"{word}新增", "new_week"),
        Figure(f"{word}销号", "closed_week"),
        *(Figure(name, key) for key, name, _states in TALLY),
        Figure("销号率", "rate"),
        Figure("逾期", "overdue"),
    ]


def figure_value(g: GroupFigures, attr: str) -> object:
    return percent(g.rate) if attr == "rate" else getattr(g, attr)


def narrative(w: WeeklyFigures, scope: str, places: Sequence[GroupFigures], place_word: str) -> list[str]:
    """The paragraphs above the tables: totals, places, departments."""
    t = w.total
    word = period_word(w)
    if not t.found:
        return [f"截至{cn_date(w.as_of)}，{scope}尚未发现问题。"]
    still_open = t.found - t.closed
    first = (
        f"截至{cn_date(w.as_of)}，{scope}累计发现问题{t.found}个（不含已作废），已销号{t.closed}个，"
        f"销号率{percent(t.rate)}；{word}（{period_text(w.period_start, w.period_end)}）新增问题{t.new_week}个，"
        f"销号{t.closed_week}个。未销号的{still_open}个问题中，待交办{t.unassigned}个，整改中{t.working}个，"
        f"待核验{t.pending_verification}个，待审批{t.pending_approval}个；逾期{t.overdue}个，"
        f"其中{word}新增逾期{t.new_overdue}个。"
    )
    paragraphs = [first]
    ranked = [g for g in places if g.found]
    if len(ranked) > 1:
        best, worst = ranked[0], ranked[-1]
        text = (
            f"从{place_word}看，{best.name}销号率最高，为{percent(best.rate)}；"
            f"{worst.name}最低，为{percent(worst.rate)}。"
        )
        red = [g.name for g in ranked if g.light == "red"]
        yellow = [g.name for g in ranked if g.light == "yellow"]
        if red:
            text += f"亮红灯的{place_word}{len(red)}个：{'、'.join(red)}。"
        if yellow:
            text += f"亮黄灯的{place_word}{len(yellow)}个：{'、'.join(yellow)}。"
        if not red and not yellow:
            text += f"各{place_word}均为绿灯。"
        paragraphs.append(text)
    late = sorted((g for g in w.by_department if g.overdue), key=lambda g: (-g.overdue, g.name))
    if late:
        text = f"从责任单位看，{late[0].name}逾期问题最多，共{late[0].overdue}个，请加快整改进度，确保按期销号。"
    else:
        text = "从责任单位看，各责任单位均无逾期问题。"
    if w.unassigned.found:
        text += f"另有{w.unassigned.found}个问题尚未交办，请及时明确牵头单位和整改时限。"
    paragraphs.append(text)
    return paragraphs


def weekly_pages(
    pen: Pen,
    w: WeeklyFigures,
    *,
    title: str,
    scope: str,
    unit: str,
    printed: dt.date,
    author: str,
    reviewer: str,
    signer: str,
    places: Sequence[GroupFigures] | None = None,
    place_word: str = "乡镇",
    village_groups: Sequence[tuple[GroupFigures, Sequence[GroupFigures]]] | None = None,
) -> list[list[Block]]:
    """The report's pages. `places` are the rows of the place table (townships by default, the
    villages of a one-township report); `village_groups` (township, its villages) add 六、分村情况."""
    width = PORTRAIT.frame_width
    places = w.by_township if places is None else places
    word = period_word(w)
    t = w.total
    blocks: list[Block] = [
        Line(title, 17, "title", leading=28, align="center"),
        Line(f"（第{w.issue}期）" if w.issue else "", 13, "fang", leading=22, align="center"),
        _masthead(pen, unit, printed, width),
        Line(
            f"统计周期：{period_text(w.period_start, w.period_end)}    数据截至：{cn_date(w.as_of)}    范围：{scope}",
            9.5,
            "song",
            leading=18,
            align="center",
        ),
        Spacer(2 * mm),
    ]
    words = WORDS | {g.name for g in (*places, *w.by_township, *w.by_department, *w.by_category)} | {scope}
    for text in narrative(w, scope, places, place_word):
        blocks += paragraph_words(pen, text, width, 11, "fang", 19, 22, words)
    blocks.append(Spacer(3 * mm))

    columns = figure_columns(word)
    summary_labels = [c.label for c in columns] + [f"{word}新增逾期"]
    summary = Table(pen, [Column(label, align="center") for label in summary_labels], size=10, header_size=9, pad=3)
    values = [figure_value(t, c.attr) for c in columns] + [t.new_overdue]
    summary.fit(width, [values])
    blocks += [
        Line("一、总体情况", 12, "hei", leading=20, keep_with_next=True),
        summary.header_block,
        summary.row(values, bold=True),
    ]

    blocks.append(Spacer(3 * mm))
    blocks.append(Line("二、图表", 12, "hei", leading=20, keep_with_next=True))
    chart_rows = [g for g in places if g.found]
    if len(chart_rows) > 1:
        blocks.append(_rate_chart(chart_rows, f"各{place_word}销号率（按销号率排名，颜色为预警灯）"))
    if w.by_category:
        blocks.append(_category_chart(w.by_category))

    sections = (
        ("三、分类别情况", w.by_category, False, "问题类别", None),
        (f"四、分{place_word}情况（按销号率排名）", list(places), True, place_word, None),
        ("五、分责任单位情况（按销号率排名）", w.by_department, True, "牵头单位", w.unassigned),
    )
    for heading, groups, ranked, first, extra in sections:
        blocks.append(Spacer(3 * mm))
        blocks.append(Line(heading, 12, "hei", leading=20, keep_with_next=True))
        blocks += _group_table(pen, groups, ranked, width, first, columns, t, extra)
    if village_groups:  # the 周报 grouped by village: each township's villages, ranked among themselves
        blocks += [
            Spacer(3 * mm),
            Line("六、分村情况（各乡镇内按销号率排名）", 12, "hei", leading=20, keep_with_next=True),
        ]
        for town, villages in village_groups:
            blocks.append(Line(f"{town.name}（{len(villages)}个村）", 10.5, "hei", leading=18, keep_with_next=True))
            blocks += _group_table(pen, villages, True, width, "村", columns, town, None)
    blocks.append(Spacer(2 * mm))
    notes = [
        f"1. 预警灯——{w.light_rule}。",
        "2. 逾期指超过整改时限仍未完成整改；按期完成、待核验或待审批的不算逾期，超过时限才完成的在销号前仍算逾期。",
        f"3. “{w.unassigned.name}”为尚未明确牵头单位的问题，单列，不参加排名。",
    ]
    blocks += _notes(pen, notes, width)
    blocks.append(Spacer(6 * mm))
    blocks += _signatures(pen, width, author, reviewer, signer, printed)
    blocks.append(Spacer(6 * mm))
    blocks += _distribution(pen, width, unit, printed)
    return paginate(blocks, PORTRAIT.frame_height)


WORDS = frozenset(
    [*LIGHT_NAMES.values(), *(name for _key, name, _states in TALLY), "累计发现", "销号率", "逾期占比", "已作废"]
)


def wrap_words(
    pen: Pen, text: str, width: float, size: float, role: str = "song", words: Iterable[str] = WORDS
) -> list[str]:
    """pen.wrap keeping `words` (names of places and units, the state and light names) whole."""
    return pen.wrap(text, width, size, role, words=frozenset(words))


def paragraph_words(
    pen: Pen, text: str, width: float, size: float, role: str, leading: float, first_indent: float, words: Iterable[str]
) -> list[Block]:
    """A paragraph (first line indented) whose lines never break inside one of `words`."""
    first = wrap_words(pen, text, width - first_indent, size, role, words)[0]
    lines = [first] + (wrap_words(pen, text[len(first) :], width, size, role, words) if len(first) < len(text) else [])
    return [Line(line, size, role, leading, indent=first_indent if i == 0 else 0.0) for i, line in enumerate(lines)]


def _notes(pen: Pen, notes: Sequence[str], width: float, size: float = 9) -> list[Block]:
    """注：1. … 2. … — each note wrapped under its own text, hanging after "注："."""
    head = "注："
    indent = pen.width(head, size)
    blocks: list[Block] = []
    for i, text in enumerate(notes):
        for k, line in enumerate(wrap_words(pen, text, width - indent, size)):
            if i == 0 and k == 0:
                blocks.append(Line(head + line, size, "song", leading=14))
            else:
                blocks.append(Line(line, size, "song", leading=14, indent=indent))
    return blocks


def _masthead(pen: Pen, unit: str, printed: dt.date, width: float) -> Block:
    """简报 header: the issuing office on the left, the date on the right, a red rule beneath."""
    size = 10.5
    date = cn_date(printed)
    two_lines = pen.width(unit, size) + pen.width(date, size) + 24 > width
    height = (34.0 if two_lines else 20.0) + 4

    def draw(page: Page, x: float, top: float, w: float) -> None:
        baseline = top - 14
        page.pen.draw(x, baseline, unit, size, "song")
        if two_lines:
            baseline -= 15
        page.pen.draw(x + w, baseline, date, size, "song", "right")
        c = page.canvas
        c.setStrokeColor(RED)
        c.setLineWidth(1.2)
        c.line(x, top - height + 3, x + w, top - height + 3)
        c.setStrokeColor(black)

    return Drawing(height, draw)


def _signatures(pen: Pen, width: float, author: str, reviewer: str, signer: str, printed: dt.date) -> list[Block]:
    """制表人 / 审核人 / 签发人 / 日期 on one line when it fits, else on two; never past the margin."""
    blank = "__________"
    parts = [
        f"制表人：{author}",
        f"审核人：{reviewer or blank}",
        f"签发人：{signer or blank}",
        f"日期：{cn_date(printed)}",
    ]
    gap = "    "
    one = gap.join(parts)
    if pen.width(one, 10.5) <= width:
        return [Line(one, 10.5, "song", leading=20)]
    return [Line(gap.join(parts[:2]), 10.5, "song", leading=20), Line(gap.join(parts[2:]), 10.5, "song", leading=20)]


def _distribution(pen: Pen, width: float, unit: str, printed: dt.date) -> list[Block]:
    """The 报送/抄送 block between rules, with the issuing office and date (简报's 版记)."""
    size = 10.5
    lines: list[Block] = [_rule(0.8)]
    for label, text in (("报送", SEND_TO), ("抄送", COPY_TO)):
        lines += paragraph(pen, f"{label}：{text}。", width, size, "fang", leading=19)
    lines.append(_rule(0.4))
    issued = f"{cn_date(printed)}印发"
    if pen.width(unit, size) + pen.width(issued, size) + 24 <= width:
        lines.append(_pair(unit, issued, size))
    else:
        lines += paragraph(pen, unit, width, size, "fang", leading=19)
        lines.append(Line(issued, size, "fang", leading=19, align="right"))
    lines.append(_rule(0.8))
    for block in lines[:-1]:
        block.keep_with_next = True  # the block stays in one piece
    return lines


def _rule(weight: float) -> Block:
    def draw(page: Page, x: float, top: float, w: float) -> None:
        page.canvas.setLineWidth(weight)
        page.canvas.line(x, top - 2, x + w, top - 2)

    return Drawing(4, draw)


def _pair(left: str, right: str, size: float) -> Block:
    def draw(page: Page, x: float, top: float, w: float) -> None:
        baseline = top - 14
        page.pen.draw(x, baseline, left, size, "fang")
        page.pen.draw(x + w, baseline, right, size, "fang", "right")

    return Drawing(19, draw)


def _group_table(
    pen: Pen,
    groups: Sequence[GroupFigures],
    ranked: bool,
    width: float,
    first: str,
    columns: list[Figure],
    total: GroupFigures,
    extra: GroupFigures | None,
) -> list[Block]:
    labels = (["排名"] if ranked else []) + [first] + [c.label for c in columns] + (["预警"] if ranked else [])
    table = Table(pen, [Column(label, align="center") for label in labels], size=9, header_size=9, pad=3)
    table.columns[1 if ranked else 0].align = "left"
    rows = []
    for g in groups:
        row: list[object] = [g.rank] if ranked else []
        row += [g.name] + [figure_value(g, c.attr) for c in columns]
        if ranked:
            row.append(LIGHT_NAMES.get(g.light or "", ""))
        rows.append(row)
    if extra is not None and extra.found:  # the 待交办 cases: their own line, not ranked
        row = ["/"] if ranked else []  # "/": not applicable, as on a paper form
        row += [extra.name] + [("/" if c.attr == "rate" else figure_value(extra, c.attr)) for c in columns]
        rows.append([*row, "/"] if ranked else row)
    total_row: list[object] = [""] if ranked else []
    total_row += ["合计"] + [figure_value(total, c.attr) for c in columns]
    if ranked:
        total_row.append("")
        table.colors[len(labels) - 1] = lambda v: LIGHT_COLORS.get(v)
    if not rows:
        return [Line("（无）", 10, "song")]
    table.fit(width, [*rows, total_row])
    return [table.header_block, *(table.row(r) for r in rows), table.row(total_row, bold=True)]


def _legend(page: Page, x: float, y: float, w: float, items: Sequence[tuple[Color, str]]) -> None:
    """Colour keys centred on one line at baseline y (below the plot, where no label is)."""
    pen, c = page.pen, page.canvas
    size = 8
    widths = [10 + pen.width(label, size) + 14 for _colour, label in items]
    lx = x + (w - sum(widths)) / 2
    for (colour, label), item_w in zip(items, widths, strict=True):
        c.setFillColor(colour)
        c.rect(lx, y - 1, 8, 8, stroke=0, fill=1)
        c.setFillColor(black)
        pen.draw(lx + 11, y, label, size)
        lx += item_w


def _rate_chart(groups: list[GroupFigures], title: str) -> Block:
    """Horizontal bars: closure rate by place, ranked, coloured by the place's light."""
    bar_h, gap = 10.0, 4.0
    plot_h = len(groups) * (bar_h + gap)
    height = 24 + plot_h + 14 + 16

    def draw(page: Page, x: float, top: float, w: float) -> None:
        pen, c = page.pen, page.canvas
        pen.draw(x + w / 2, top - 14, title, 10, "hei", "center")
        label_w = max(pen.width(g.name, 8.5) for g in groups) + 6
        plot_x, plot_w = x + label_w, w - label_w - pen.width("100.0%", 7.5) - 8
        y = top - 24
        c.setStrokeColor(GREY)
        c.setLineWidth(0.3)
        for tick in range(0, 101, 20):
            tx = plot_x + plot_w * tick / 100
            c.line(tx, y, tx, y - plot_h)
            pen.draw(tx, y - plot_h - 9, f"{tick}%", 7, "song", "center", GREY)
        for g in groups:
            y -= bar_h + gap
            pen.draw(plot_x - 4, y + 2.5, g.name, 8.5, "song", "right")
            c.setFillColor(LIGHT_COLORS.get(g.light or "", BAR))
            c.rect(plot_x, y, plot_w * g.rate, bar_h, stroke=0, fill=1)
            c.setFillColor(black)
            pen.draw(plot_x + plot_w * g.rate + 3, y + 2.5, percent(g.rate), 7.5)
        c.setStrokeColor(black)
        items = [(LIGHT_COLORS[k], LIGHT_NAMES[k]) for k in ("red", "yellow", "green")]
        _legend(page, x, top - height + 4, w, items)

    return Drawing(height, draw)


def _category_chart(groups: list[GroupFigures]) -> Block:
    """Vertical stacked bars: cases by category, closed and not yet closed; names below, the
    legend under the names (never over a bar's label)."""
    plot_h = 110.0
    name_size = 8.5
    height = 24 + plot_h + 2 * 11 + 8 + 16

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
            closed_h = (plot_h - 12) * g.closed / biggest
            open_h = (plot_h - 12) * (g.found - g.closed) / biggest
            c.setFillColor(CLOSED_BAR)
            c.rect(bx, base, bar_w, closed_h, stroke=0, fill=1)
            c.setFillColor(BAR_OPEN)
            c.rect(bx, base + closed_h, bar_w, open_h, stroke=0, fill=1)
            c.setFillColor(black)
            pen.draw(bx + bar_w / 2, base + closed_h + open_h + 3, str(g.found), 7.5, "song", "center")
            lines = pen.wrap(g.name, slot - 4, name_size) if pen.width(g.name, name_size) > slot - 4 else [g.name]
            for k, line in enumerate(lines[:2]):
                pen.draw(bx + bar_w / 2, base - 11 - 11 * k, line, name_size, "song", "center")
        _legend(page, x, top - height + 4, w, [(CLOSED_BAR, "已销号"), (BAR_OPEN, "未销号")])

    return Drawing(height, draw)


def weekly_footer(doc: Document, page: Page, number: int, total: int) -> None:
    """第 X 页 共 Y 页 centred under the frame; the printing line, small and grey, inside the margin."""
    info: ReportInfo = doc.info
    layout = PORTRAIT
    pen = doc.pen
    width = layout.pagesize[0]
    y = layout.bottom - 5 * mm
    pen.draw(width / 2, y, f"第 {number} 页 共 {total} 页", 8, "song", "center")
    pen.draw(
        layout.left,
        y - 10,
        f"打印时间：{info.printed_at:%Y-%m-%d %H:%M}    {info.footer_audit()}",
        6.5,
        "song",
        color=GREY,
    )
