"""督办函: a reminder letter to a department about its overdue cases, in the layout of GB/T 9704-2012
(党政机关公文格式): A4, top margin 37 mm, binding (left) margin 28 mm, a 156 × 225 mm text block of
22 lines × 28 characters; the title in 2号 (22 pt) 小标宋, the body in 3号 (16 pt) 仿宋; page
numbers in 4号 (14 pt) 宋体 as "— 1 —", 7 mm below the text block, odd pages on the right and
even pages on the left, one character in from the edge. The overdue list follows as 附件."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.lib.colors import Color
from reportlab.lib.units import mm

from ledger.dto import OverdueCase
from reports.pdf import GREY, NO_LINE_START, Block, Column, Drawing, Layout, Line, Page, Pen, Table, cn_date, paginate

LAYOUT = Layout(left=28 * mm, right=(210 - 28 - 156) * mm, top=37 * mm, bottom=(297 - 37 - 225) * mm)
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
PITCH = 225 * mm / LINES_PER_PAGE  # line pitch of the grid
CHAR = 156 * mm / CHARS_PER_LINE  # character pitch of the grid
BODY = 16.0  # 3号
TITLE = 22.0  # 2号
PAGE_NO = 14.0  # 4号
RED_INK = Color(0.85, 0.05, 0.05)


def grid_wrap(pen: Pen, text: str, chars: float, role: str = "fang") -> list[str]:
    """Break text into lines of at most `chars` grid cells (a half-width character takes half a
    cell), keeping closing punctuation off the start of a line."""
    lines: list[str] = []
    current, used = "", 0.0
    for ch in text:
        cell = 0.5 if ch.isascii() else 1.0
        if used + cell > chars:
            if ch in NO_LINE_START and current:
                current, carried = current[:-1], current[-1]
                lines.append(current)
                current, used = carried, (0.5 if carried.isascii() else 1.0)
            else:
                lines.append(current)
                current, used = "", 0.0
        current += ch
        used += cell
    if current:
        lines.append(current)
    return lines


class GridLine(Block):
    """One line of the 22 × 28 grid, characters at the fixed pitch."""

    def __init__(
        self,
        text: str,
        indent_chars: float = 0.0,
        role: str = "fang",
        size: float = BODY,
        align: str = "left",
        right_chars: float = 0.0,
    ):
        self.text, self.indent, self.role, self.size, self.align, self.right = (
            text,
            indent_chars,
            role,
            size,
            align,
            right_chars,
        )
        self.height = PITCH

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        baseline = top - PITCH + (PITCH - self.size) / 2 + self.size * 0.18
        cells = sum(0.5 if ch.isascii() else 1.0 for ch in self.text)
        if self.align == "right":
            start = x + width - (cells + self.right) * CHAR
        elif self.align == "center":
            start = x + (width - cells * CHAR) / 2
        else:
            start = x + self.indent * CHAR
        page.pen.draw_spaced(start, baseline, self.text, self.size, CHAR, self.role)


def body(pen: Pen, text: str, first_indent: int = 2) -> list[Block]:
    lines = grid_wrap(pen, text, CHARS_PER_LINE - first_indent)
    if len(lines) > 1:
        rest = grid_wrap(pen, "".join(lines[1:]), CHARS_PER_LINE)
        lines = lines[:1] + rest
    return [GridLine(line, first_indent if i == 0 else 0) for i, line in enumerate(lines)]


def letter_pages(
    pen: Pen,
    department: str,
    cases: Sequence[OverdueCase],
    issuer: str,
    number_text: str,
    today: dt.date,
    reply_by: dt.date,
) -> list[list[Block]]:
    width = LAYOUT.frame_width
    blocks: list[Block] = []

    def masthead(page: Page, x: float, top: float, w: float) -> None:
        size = 24.0 if pen.width(issuer, 24, "title") <= w else w / max(pen.width(issuer, 1, "title"), 1)
        page.pen.draw(x + w / 2, top - PITCH * 1.6, issuer, size, "title", "center", RED_INK)
        page.pen.draw(x + w / 2, top - PITCH * 3 + 6, number_text, BODY, "fang", "center")
        page.canvas.setStrokeColor(RED_INK)
        page.canvas.setLineWidth(1.2)
        page.canvas.line(x, top - PITCH * 3 - 4, x + w, top - PITCH * 3 - 4)
        page.canvas.setStrokeColor(Color(0, 0, 0))

    blocks.append(Drawing(PITCH * 4, masthead))
    title = f"关于督促加快{department}逾期问题整改的函"
    for line in grid_wrap(pen, title, 20, "title"):
        blocks.append(Line(line, TITLE, "title", leading=PITCH * 1.25, align="center"))
    blocks.append(GridLine(""))
    blocks.append(GridLine(f"{department}："))
    over_30 = sum(1 for c in cases if c.days > 30)
    longest = max((c.days for c in cases), default=0)
    blocks += body(
        pen,
        f"经核查问题整改台账，截至{cn_date(today)}，你单位牵头负责的问题中有{len(cases)}个已超过整改时限尚未销号，"
        f"其中逾期30天以上{over_30}个，最长逾期{longest}天（详见附件）。",
    )
    blocks += body(
        pen,
        "按照“发现一户、解决一户、销号一户”的要求，请你单位高度重视，逐户落实整改措施，"
        f"于{cn_date(reply_by)}前完成整改并提交乡镇核验；确因客观原因无法按期完成的，"
        "请书面说明原因、整改计划和完成时限，报县级统筹部门备案。",
    )
    blocks += body(pen, "特此函告。")
    blocks.append(GridLine(""))
    blocks += [GridLine(line, 2) for line in grid_wrap(pen, f"附件：{department}逾期问题清单", CHARS_PER_LINE - 2)]
    blocks.append(GridLine(""))
    blocks.append(GridLine(""))
    blocks.append(GridLine(issuer, align="right", right_chars=4))
    blocks.append(GridLine(cn_date(today), align="right", right_chars=4 + max(0, (len(issuer) - 11) / 2)))

    # 附件 on its own pages: the list as a table in the text block.
    from reports.pdf import PageBreak

    blocks.append(PageBreak())
    blocks.append(GridLine("附件", 0, "hei"))
    blocks.append(Line(f"{department}逾期问题清单", 18, "title", leading=PITCH * 1.2, align="center"))
    table = Table(
        pen,
        [
            Column("序号", align="center"),
            Column("问题编号"),
            Column("乡镇/村"),
            Column("户主"),
            Column("问题"),
            Column("整改时限", align="center"),
            Column("逾期天数", align="center"),
            Column("责任人"),
        ],
        size=9,
        header_size=9,
        pad=2.5,
    )
    rows = [
        (
            i,
            c.number,
            f"{c.township}{c.village}",
            c.head_name,
            f"{c.subcategory}：{c.description}",
            f"{c.deadline:%Y-%m-%d}",
            c.days,
            c.responsible_person,
        )
        for i, c in enumerate(cases, 1)
    ]
    table.fit(width, rows, [c.number for c in cases])
    blocks.append(table.header_block)
    for case, row in zip(cases, rows, strict=True):
        pen.fonts.context = case.number
        blocks.append(table.row(row))
    return paginate(blocks, LAYOUT.frame_height + 0.01)


def letter_footer(doc, page: Page, number: int, total: int) -> None:
    """ "— 1 —" per GB/T 9704, plus the report line every printout carries, small, in the margin."""
    pen = doc.pen
    y = LAYOUT.bottom - 7 * mm - PAGE_NO * 0.8
    text = f"— {number} —"
    if number % 2:
        pen.draw(LAYOUT.pagesize[0] - LAYOUT.right - PAGE_NO, y, text, PAGE_NO, "song", "right")
    else:
        pen.draw(LAYOUT.left + PAGE_NO, y, text, PAGE_NO, "song")
    pen.draw(
        LAYOUT.left, 10 * mm, f"第 {number} 页 共 {total} 页    " + doc.info.footer_left(), 6.5, "song", color=GREY
    )
    pen.draw(LAYOUT.left, 10 * mm - 8, doc.info.footer_audit(), 6, "song", color=GREY)
