"""督办函: a letter to a department about its overdue cases, in the 信函格式 of GB/T 9704-2012
(党政机关公文格式), the format for a 函:

- A4, text block 156 × 225 mm at 28 mm from the left and 37 mm from the top, 22 lines × 28
  characters, 正文 in 3号 (16 pt) 仿宋, 一级标题 in 3号黑体, the title in 2号 (22 pt) 小标宋.
- 发文机关标志 (the issuing office, red 小标宋) centred on the text block, its upper edge 30 mm from
  the top of the sheet; 4 mm under it a red double line (thick above, thin below), and 20 mm above
  the foot of the sheet a red double line (thin above, thick below), both 170 mm long, centred on
  the text block (10.1).
- 发文字号 at the right edge of the text block under the first double line, 7/8 of a 3号
  character's height below it; the title two lines further down.
- 主送 flush left after one blank line; 附件说明 one line under the text, two characters in; the
  发文机关署名 above the 成文日期 (右空四字, or centred under a longer 署名 that keeps two characters
  from the right edge), with room above them for the seal, which is pressed by hand (nothing is
  drawn there); the 附注 (联系人、联系电话) in brackets on the line after the date.
- The 附件 on pages of its own after the letter: "附件" in 3号黑体 on the first line, its title
  centred on the third, then the list.
- 版记 at the foot of the text block of the last page: 抄送 in 4号仿宋, one character in on either
  side, later lines aligned with the first organ. 10.1 says the 信函格式's 版记 has no 印发机关和
  印发日期 and no rules, so there are none; and no page number on the first page.
- Page numbers "— 2 —" in 4号 half-width 宋体, 7 mm under the text block, odd pages right and even
  pages left, one character in. Nothing else in the margins: no software footer on a 公文.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm

from ledger.dto import OverdueCase
from reports.pdf import (
    NO_LINE_END,
    NO_LINE_START,
    Block,
    Column,
    Drawing,
    Layout,
    Line,
    Page,
    PageBreak,
    Pen,
    Spacer,
    Table,
    cn_date,
    paginate,
)

LAYOUT = Layout(left=28 * mm, right=(210 - 28 - 156) * mm, top=37 * mm, bottom=(297 - 37 - 225) * mm)
PAGE_HEIGHT = LAYOUT.pagesize[1]
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
PITCH = 225 * mm / LINES_PER_PAGE  # line pitch of the grid
CHAR = 156 * mm / CHARS_PER_LINE  # character pitch of the grid
BODY = 16.0  # 3号
TITLE = 22.0  # 2号
SMALL = 14.0  # 4号: page numbers, 版记
PAGE_NO = SMALL
RED_INK = Color(0.85, 0.05, 0.05)
CAP = 0.86  # a CJK glyph's top above its baseline, in ems (its foot is CAP - 1 below)
OVER_DAYS = 30  # "逾期30天以上" counts the cases at 30 days or more


@dataclass(frozen=True)
class LetterParts:
    """What one 督办函 says."""

    department: str
    cases: Sequence[OverdueCase]
    issuer: str  # 发文机关 (标志 and 署名)
    number_text: str  # 发文字号, e.g. 示例整改督〔2026〕3号
    today: dt.date  # 成文日期
    reply_by: dt.date
    contact: str
    phone: str  # "" prints a blank for the clerk to fill in
    cc: str  # 抄送 organs, ending with 。


@dataclass(frozen=True)
class PageMark:
    """How a sheet of the letters is finished: its page number ("— 2 —") or none."""

    number: int | None = None
    first: bool = False  # a letter's first page: the lower red double line, no number


def _cells(text: str) -> float:
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def _tokens(text: str) -> list[str]:
    """Characters, with runs of ASCII letters and digits (dates, counts, numbers) kept whole."""
    out: list[str] = []
    for ch in text:
        if ch.isascii() and ch.isalnum() and out and out[-1].isascii() and out[-1][-1:].isalnum():
            out[-1] += ch
        else:
            out.append(ch)
    return out


def grid_wrap(text: str, chars: float, rest_chars: float | None = None) -> list[str]:
    """Break text into lines of at most `chars` grid cells (`rest_chars` for the lines after the
    first; a half-width character takes half a cell). Numbers stay whole, no line starts with
    closing punctuation and none ends with an opening one."""
    lines: list[str] = []
    current: list[str] = []
    used, limit = 0.0, chars
    for token in _tokens(text):
        cell = _cells(token)
        if used + cell > limit + 1e-6 and current:
            carried: list[str] = []
            if token in NO_LINE_START and len(current) > 1:  # take the last character along
                carried = [current.pop()]
            while len(current) > 1 and current[-1] in NO_LINE_END:
                carried.insert(0, current.pop())
            lines.append("".join(current))
            current, used = carried, sum(_cells(t) for t in carried)
            limit = chars if rest_chars is None else rest_chars
        current.append(token)
        used += cell
    if current:
        lines.append("".join(current))
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
        keep_with_next: bool = False,
        pitch: float = CHAR,
    ):
        self.text, self.indent, self.role, self.size, self.align, self.right = (
            text,
            indent_chars,
            role,
            size,
            align,
            right_chars,
        )
        self.pitch = pitch
        self.height = PITCH
        self.keep_with_next = keep_with_next

    def draw(self, page: Page, x: float, top: float, width: float) -> None:
        baseline = top - PITCH + (PITCH - self.size) / 2 + self.size * 0.18
        cells = _cells(self.text)
        if self.align == "right":
            start = x + width - (cells + self.right) * self.pitch
        elif self.align == "center":
            start = x + (width - cells * self.pitch) / 2
        else:
            start = x + self.indent * self.pitch
        page.pen.draw_spaced(start, baseline, self.text, self.size, self.pitch, self.role)


def paragraph(text: str, first_indent: int = 2, role: str = "fang") -> list[GridLine]:
    lines = grid_wrap(text, CHARS_PER_LINE - first_indent, CHARS_PER_LINE)
    return [GridLine(line, first_indent if i == 0 else 0, role) for i, line in enumerate(lines)]


TITLE_CHARS = 440 / TITLE  # characters of 2号 on a 156 mm line


def balanced(parts: Sequence[str], chars: float) -> list[str]:
    """Lines of at most `chars` characters made of whole parts (words), greedily; a part longer
    than a line is wrapped on its own lines."""
    lines: list[str] = []
    current = ""
    for part in parts:
        if current and _cells(current + part) > chars:
            lines.append(current)
            current = ""
        if _cells(current + part) > chars:
            pieces = grid_wrap(current + part, chars)
            lines += pieces[:-1]
            current = pieces[-1]
        else:
            current += part
    if current:
        lines.append(current)
    return lines


def title_lines(department: str) -> list[str]:
    """The title on one line, or broken between its words: the department stays whole."""
    return balanced(["关于督促加快", department, "逾期问题整改的函"], TITLE_CHARS)


def over_days(cases: Sequence[OverdueCase], days: int = OVER_DAYS) -> int:
    """Cases overdue `days` days or more ("30天以上" includes the 30th day)."""
    return sum(1 for c in cases if c.days >= days)


def _double_line(page: Page, y: float, thick_above: bool) -> None:
    """A red double line 170 mm long centred on the text block; y is its upper edge."""
    canvas = page.canvas
    centre = LAYOUT.left + LAYOUT.frame_width / 2
    x0, x1 = centre - 85 * mm, centre + 85 * mm
    thick, thin, gap = 2.0, 0.6, 1.2
    canvas.setStrokeColor(RED_INK)
    first, second = (thick, thin) if thick_above else (thin, thick)
    canvas.setLineWidth(first)
    canvas.line(x0, y - first / 2, x1, y - first / 2)
    canvas.setLineWidth(second)
    canvas.line(x0, y - first - gap - second / 2, x1, y - first - gap - second / 2)
    canvas.setStrokeColor(black)


MASTHEAD = 28.0  # 发文机关标志: red 小标宋, larger than the 2号 title


def masthead_fit(pen: Pen, issuer: str) -> tuple[float, float]:
    """(size, horizontal scale) of the 发文机关标志: 28 pt, its characters narrowed (as mastheads
    are) down to 75 % to keep a long office name inside the 156 mm text block, smaller only
    beyond that."""
    natural = pen.width(issuer, MASTHEAD, "title") or 1.0
    room = LAYOUT.frame_width * 0.98
    scale = min(1.0, room / natural)
    if scale >= 0.75:
        return MASTHEAD, scale
    return MASTHEAD * scale / 0.75, 0.75


def draw_masthead(pen: Pen, centre: float, baseline: float, issuer: str) -> None:
    size, scale = masthead_fit(pen, issuer)
    pen.draw(centre, baseline, issuer, size, "title", "center", RED_INK, hscale=scale)


def letter_blocks(pen: Pen, parts: LetterParts) -> list[list[Block]]:
    """The pages of one letter: first page with the masthead, the letter, the 附件, the 版记."""
    width = LAYOUT.frame_width
    size, _ = masthead_fit(pen, parts.issuer)
    block_top = PAGE_HEIGHT - LAYOUT.top
    head_base = PAGE_HEIGHT - 30 * mm - CAP * size  # upper edge of the 标志 30 mm from the top
    rule_top = head_base - (1 - CAP) * size - 4 * mm  # 4 mm under the 标志
    rule_bottom = rule_top - 3.8
    number_base = rule_bottom - 7 / 8 * BODY - CAP * BODY  # its top 7/8 of a 3号 character below
    # the grid line holding the 发文字号 ends where its characters' line box ends
    number_line_bottom = number_base - (PITCH - BODY) / 2 - BODY * 0.18
    head_height = block_top - number_line_bottom

    def masthead(page: Page, x: float, top: float, w: float) -> None:
        draw_masthead(page.pen, x + w / 2, head_base, parts.issuer)
        _double_line(page, rule_top, thick_above=True)
        page.pen.draw(x + w, number_base, parts.number_text, BODY, "fang", "right")

    cases = parts.cases
    blocks: list[Block] = [Drawing(head_height, masthead), GridLine(""), GridLine("")]
    for line in title_lines(parts.department):
        blocks.append(Line(line, TITLE, "title", leading=PITCH, align="center"))
    blocks.append(GridLine(""))
    blocks += [GridLine(line) for line in grid_wrap(f"{parts.department}：", CHARS_PER_LINE)]
    over = over_days(cases)
    longest = max((c.days for c in cases), default=0)
    share = (
        f"其中逾期{OVER_DAYS}天以上{over}个，最长逾期{longest}天"
        if over
        else f"逾期均未满{OVER_DAYS}天，最长逾期{longest}天"
    )
    blocks += paragraph(
        f"截至{cn_date(parts.today)}，你单位牵头负责的“两不愁三保障”及饮水安全问题中，"
        f"有{len(cases)}个已超过整改时限仍未销号，{share}（详见附件）。"
        "为确保问题按期整改到位，现将有关事项函告如下："
    )
    sections = [
        (
            "一、逐户落实整改",
            "请你单位对照附件清单，逐户逐项落实整改措施，"
            f"于{cn_date(parts.reply_by)}前完成整改，并将佐证材料提交所在乡镇核验。",
        ),
        (
            "二、说明未能按期完成的原因",
            "确因客观原因无法按期完成的，请于"
            f"{cn_date(parts.reply_by)}前书面说明原因、整改计划和完成时限，报我办备案。",
        ),
    ]
    blank = sum(1 for c in cases if not c.person_in_charge.strip())
    if blank:
        sections.append(
            (
                "三、明确整改责任人",
                f"附件中有{blank}个问题未填写责任人（标为“未填”），请逐一明确到人，并在台账中补录。",
            )
        )
    for heading, text in sections:
        blocks.append(GridLine(heading, 2, "hei", keep_with_next=True))
        blocks += paragraph(text)
    closing: list[Block] = [*paragraph("特此函告。"), GridLine("")]
    closing += [
        GridLine(line, 2 if i == 0 else 5)
        for i, line in enumerate(balanced(["附件：", parts.department, "逾期问题清单"], CHARS_PER_LINE - 2))
    ]
    closing += [GridLine(""), GridLine("")]  # room for the seal, pressed over the 署名 and the date
    date = cn_date(parts.today)
    if (_cells(parts.issuer) - _cells(date)) / 2 <= 4:  # the 署名 centred over the date, 右空四字
        date_right = 4.0
        name_right = 4 + (_cells(date) - _cells(parts.issuer)) / 2
    else:  # a longer 署名 keeps two characters from the edge and the date is centred under it
        name_right = 2.0
        date_right = 2 + (_cells(parts.issuer) - _cells(date)) / 2
    closing.append(GridLine(parts.issuer, align="right", right_chars=name_right))
    closing.append(GridLine(date, align="right", right_chars=date_right))
    phone = parts.phone or "＿" * 8
    closing += paragraph(f"（联系人：{parts.contact}，联系电话：{phone}）")
    for block in closing[:-1]:  # 不得出现空白印章页: the last words of the text go with the seal
        block.keep_with_next = True
    blocks += closing

    # 附件 on pages of its own
    blocks.append(PageBreak())
    blocks.append(GridLine("附件", 0, "hei"))
    blocks.append(GridLine(""))
    for line in balanced([parts.department, "逾期问题清单"], TITLE_CHARS):
        blocks.append(Line(line, TITLE, "title", leading=PITCH, align="center"))
    blocks.append(Spacer(PITCH / 2))
    blocks += attachment_table(pen, cases, width)
    pages = paginate(blocks, LAYOUT.frame_height + 0.01)

    # 版记 at the foot of the last page's text block
    cc_blocks = copy_to(parts.cc)
    need = sum(b.height for b in cc_blocks)
    used = sum(b.height for b in pages[-1])
    if LAYOUT.frame_height - used >= need:
        pages[-1] += [Spacer(LAYOUT.frame_height - used - need), *cc_blocks]
    else:
        pages.append([Spacer(LAYOUT.frame_height - need), *cc_blocks])
    return pages


def copy_to(cc: str) -> list[Block]:
    """抄送 in 4号仿宋, one character in from either side; later lines start under the first organ,
    broken between organs (at 、) where it can be."""
    label = "抄送："
    room = (LAYOUT.frame_width - 2 * SMALL) / SMALL - len(label)  # characters after the colon
    lines = balanced(_organs(cc), room)  # an organ longer than a line is wrapped on its own
    return [
        GridLine((label if i == 0 else "") + line, 1 if i == 0 else 1 + len(label), size=SMALL, pitch=SMALL)
        for i, line in enumerate(lines)
    ]


def _organs(cc: str) -> list[str]:
    """ "甲、乙，丙。" as ["甲、", "乙，", "丙。"]: the pieces a 抄送 line may break between."""
    out, current = [], ""
    for ch in cc:
        current += ch
        if ch in "、，；。":
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def attachment_table(pen: Pen, cases: Sequence[OverdueCase], width: float) -> list[Block]:
    """The list of overdue cases: a blank 责任人 prints as 未填; numbers, names, places and the
    问题子类 (first line of the 问题 cell) are never broken: the type is made smaller (9 pt, down
    to 8 pt) until they all fit."""
    rows = [
        (
            i,
            c.number,
            c.township,
            c.village,
            c.head_name,
            f"{c.subcategory}\n{c.description}",
            f"{c.deadline:%Y-%m-%d}",
            c.days,
            c.person_in_charge.strip() or "未填",
        )
        for i, c in enumerate(cases, 1)
    ]
    labels = ("序号", "问题编号", "乡镇", "村", "户主", "问题", "整改时限", "逾期天数", "责任人")
    whole_columns = (1, 2, 3, 4, 5, 6, 8)  # columns whose text (first line) is kept whole
    pad = 2.0
    size = 9.0
    for size in (9.0, 8.5, 8.0):

        def widest(index: int, size: float = size) -> float:
            texts = (str(r[index]).split("\n")[0] for r in rows)
            return max((pen.width(t, size, "song") for t in texts), default=0.0)

        mins = {i: widest(i) for i in whole_columns}
        narrow = sum(pen.width(labels[i][:2], size, "hei") for i in (0, 7))  # 序号, 逾期天数 (headers wrap)
        if sum(mins.values()) + narrow + len(labels) * (2 * pad + 0.5) <= width:
            break
    columns = [
        Column(label, align="center" if i in (0, 6, 7) else "left", min_width=mins.get(i, 0.0))
        for i, label in enumerate(labels)
    ]
    table = Table(pen, columns, size=size, header_size=size, pad=pad)
    sample = [tuple(str(v).replace("\n", "") for v in row) for row in rows]  # a line break is no character
    table.fit(width, sample, [c.number for c in cases])
    blocks: list[Block] = [table.header_block]
    for case, row in zip(cases, rows, strict=True):
        pen.fonts.context = case.number
        blocks.append(table.row(row))
    return blocks


def finish_page(pen: Pen, page: Page, mark: PageMark) -> None:
    """The lower red double line of a letter's first page, or the page number of a later one."""
    if mark.first:
        _double_line(page, 20 * mm + 3.8, thick_above=False)
    if mark.number is None:
        return
    text = f"— {mark.number} —"
    top = LAYOUT.bottom - 7 * mm  # 一字线上距版心下边缘 7 mm
    baseline = top - CAP * PAGE_NO
    if mark.number % 2:
        pen.draw(LAYOUT.pagesize[0] - LAYOUT.right - PAGE_NO, baseline, text, PAGE_NO, "song", "right")
    else:
        pen.draw(LAYOUT.left + PAGE_NO, baseline, text, PAGE_NO, "song")


def marks_for(pages: list[list[Block]]) -> list[PageMark]:
    """A letter's pages: none numbered on the first, 2, 3... after it."""
    return [PageMark(first=True)] + [PageMark(number=n) for n in range(2, len(pages) + 1)]
