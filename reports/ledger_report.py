"""问题整改台账: the weekly printed ledger on A4 or A3 landscape, in one of two column profiles.

- 周报简表 ("brief", the default): the fourteen columns a weekly meeting reads (PRODUCT.md's
  canonical columns less the contact, verification and bookkeeping ones);
- 完整 ("full"): the canonical columns (涉及成员 among them; 问题层级 is said by the 户主 cell).

A village's own problem (村级问题: 村卫生室空白点, a village's 管网) prints among its village's rows,
before the households, with （村级问题） in the 户主 cell and no ID; it is counted apart from the
households ("东关村（共 5 个问题，涉及 3 户，村级问题 1 个）").

Columns whose value is the same on every row (县; 乡镇 when one township is printed; 牵头单位 when
one department...) are said once in the title block instead of taking width; columns empty on every
row are left out (the title block names them). Rows run by township, village and household: each
village opens with a shaded heading line ("西关村（共 23 个问题，涉及 9 户）", repeated as "（续）"
under the column headings of a page it continues on) and a household's cases sit together. Names,
places, departments, states, dates and ID numbers wrap only between words (Column.breaks); the
last page carries the 合计 line and the 填报人/审核人/负责人/单位（盖章）/日期 block.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from reportlab.lib.colors import Color
from reportlab.lib.units import mm

from ledger import schema
from ledger.dto import LEDGER_COLUMNS, VILLAGE_LEVEL_HEAD, LedgerLine
from ledger.errors import ValidationError
from ledger.workflow import PROPOSED_PREFIX, STATE_NAMES
from reports.pdf import (
    A3_LANDSCAPE,
    LANDSCAPE,
    LIGHT_COLORS,
    WORD_BREAKS,
    Block,
    Column,
    Drawing,
    Layout,
    Line,
    Page,
    Pen,
    Spacer,
    Stack,
    Table,
    paginate,
)

PROFILES = {"brief": "周报简表", "full": "完整"}
PAPERS: dict[str, Layout] = {"A4": LANDSCAPE, "A3": A3_LANDSCAPE}

# 周报简表: (heading, LedgerLine attribute). 乡镇 and 村 head each village's group of rows.
BRIEF_COLUMNS: tuple[tuple[str, str], ...] = (
    ("序号", "seq"),
    ("户主", "head_name"),
    ("身份证号", "head_id"),
    ("问题类别", "category"),
    ("问题子类", "subcategory"),
    ("问题描述", "description"),
    ("牵头单位", "lead_department"),
    ("整改措施", "measures"),
    ("整改时限", "deadline"),
    ("整改进度", "state"),
    ("完成时间", "completion_date"),
    ("销号时间", "closed_date"),
    ("灯", "light"),
)

# Columns whose values are short codes, numbers or dates: centred.
CENTERED = {
    "seq",
    "household_size",
    "found_date",
    "deadline",
    "completion_date",
    "closed_date",
    "evidence_count",
    "light",
    "state",
    "deadline_class",
}
# Free text: may wrap between any two characters (keeping the punctuation rules).
FREE_TEXT = {"description", "measures", "remarks", "verification", "approval"}
# Category names carry "、" and subcategory names "/" inside ("不愁吃、不愁穿", "寄宿/营养改善未落实"):
# they break only at spaces, i.e. never.
BREAKS = {"category": " ", "subcategory": " ", **{c.code: " " for c in schema.COLUMNS if c.kind == "amount"}}
# Said once in the title block when every row has the same value.
HOISTABLE = (
    "county",
    "township",
    "village",
    "lead_department",
    "category",
    "subcategory",
    "state",
    "light",
    "deadline_class",
    "source",
)
ALWAYS_KEPT = {"seq", "head_name"}  # never dropped, even if constant
STATE_ORDER = ("已登记", "已交办", "整改中", "待核验", "待审批", "已销号", "已作废")
LIGHT_ORDER = ("红灯", "黄灯", "绿灯")
HOUSEHOLD_FILL = Color(0.965, 0.965, 0.965)  # every other household, faintly: a household reads as one
BAND_FILL = Color(0.88, 0.88, 0.88)


@dataclass(frozen=True)
class Sizes:
    body: float
    header: float
    band: float
    title: float
    meta: float
    pad: float = 1.8


SIZES = {
    ("brief", "A4"): Sizes(7.5, 7.5, 8.0, 15, 9),
    ("brief", "A3"): Sizes(10, 10, 10.5, 20, 11),
    ("full", "A4"): Sizes(6, 6, 7.0, 15, 9, pad=1.2),  # 30 columns on A4: tight (A3 is the paper for it)
    ("full", "A3"): Sizes(7, 7, 7.5, 20, 10.5),
}


def check_request(profile: str, paper: str) -> None:
    """Refuse an unknown profile or paper size with a message the clerk understands."""
    if profile not in PROFILES:
        raise ValidationError(
            f"没有“{profile}”这种台账格式，可选：" + "、".join(f"{k}（{v}）" for k, v in PROFILES.items())
        )
    if paper not in PAPERS:
        raise ValidationError(f"纸张只能是 A4 或 A3（横向），不能是“{paper}”")


def layout_for(paper: str) -> Layout:
    return PAPERS[paper]


@dataclass(frozen=True)
class Signature:
    """Who prints and signs: 填报人 (the printing account), 审核人 (blank line when not given)."""

    unit: str
    author: str
    reviewer: str
    date: str  # 2026年11月28日


def ledger_pages(
    pen: Pen,
    lines: list[LedgerLine],
    title: str,
    signature: Signature,
    profile: str = "brief",
    paper: str = "A4",
) -> list[list[Block]]:
    check_request(profile, paper)
    layout = layout_for(paper)
    sizes = SIZES[(profile, paper)]
    spec = BRIEF_COLUMNS if profile == "brief" else LEDGER_COLUMNS

    # Columns said once in the title block, or left out because every row is empty.
    hoisted: list[tuple[str, str]] = []
    hoisted_attrs: set[str] = set()
    labels = {attr: label for label, attr in LEDGER_COLUMNS}
    for attr in HOISTABLE:
        distinct = {getattr(line, attr) for line in lines}
        if len(distinct) == 1 and (attr == "county" or len(lines) > 1):
            value = distinct.pop()
            if value not in ("", None):
                hoisted.append((labels[attr], str(value)))
                hoisted_attrs.add(attr)
    by_village = "village" not in hoisted_attrs
    shown: list[tuple[str, str]] = []
    empty: list[str] = []
    for label, attr in spec:
        if attr == "level":
            continue  # a village's own problem says so in its 户主 cell: （村级问题）
        if attr in hoisted_attrs and attr not in ALWAYS_KEPT:
            continue
        if attr in ("township", "village") and by_village:
            continue  # the village heading lines name them
        if attr not in ALWAYS_KEPT and all(getattr(line, attr) in ("", None) for line in lines):
            empty.append(label)
            continue
        shown.append((label, attr))

    columns = [
        Column(
            label,
            align="right" if attr in AMOUNTS else "center" if attr in CENTERED else "left",
            breaks=None if attr in FREE_TEXT else BREAKS.get(attr, WORD_BREAKS),
            # an amount's heading on two lines: 整改资金 / （元）
            min_width=pen.width(AMOUNTS[attr].name, sizes.header, "hei") + 2 * sizes.pad if attr in AMOUNTS else 0.0,
        )
        for label, attr in shown
    ]
    attrs = [attr for _, attr in shown]
    table = Table(pen, columns, size=sizes.body, header_size=sizes.header, pad=sizes.pad, leading=1.22)
    table.words = _words(lines)
    if "light" in attrs:
        table.colors[attrs.index("light")] = LIGHT_COLORS.get
    getters = [_cell(a, profile) for a in attrs]
    rows = [[get(line) for get in getters] for line in lines]
    if "deadline" in attrs:  # a 待交办 case's deadline is only proposed: 拟2026-12-31
        at = attrs.index("deadline")
        for cells, line in zip(rows, lines, strict=True):
            if line.state == STATE_NAMES["registered"] and cells[at]:
                cells[at] = f"{PROPOSED_PREFIX}{cells[at]}"
    table.fit(layout.frame_width, rows, [line.number for line in lines])

    width = layout.frame_width
    households = len({_home(line) for line in lines} - {None})
    blocks: list[Block] = [Line(title, sizes.title, "title", leading=sizes.title * 1.7, align="center")]
    village_problems = sum(1 for line in lines if line.village_level)
    meta = f"填报单位：{signature.unit}    填报日期：{signature.date}    共 {len(lines)} 个问题，涉及 {households} 户"
    meta += f"，村级问题 {village_problems} 个" if village_problems else ""
    blocks += _title_lines(pen, meta, width, sizes.meta)
    scope = "    ".join(f"{label}：{value}" for label, value in hoisted)
    if empty:
        scope += "    （" + "、".join(empty) + "各行均无内容，未列出）"
    blocks += _title_lines(pen, scope, width, sizes.meta)
    blocks += [Spacer(1.5 * mm), table.header_block]

    def group_key(line: LedgerLine) -> tuple[str, str]:
        return (line.township, line.village) if by_village else ("", "")

    counts: Counter[tuple[str, str]] = Counter(group_key(line) for line in lines)
    homes: dict[tuple[str, str], set[object]] = {}
    own: Counter[tuple[str, str]] = Counter()  # the village's own problems (村级问题)
    for line in lines:
        homes.setdefault(group_key(line), set()).add(_home(line))
        own[group_key(line)] += line.village_level
    current: tuple[str, str] | None = None
    header: Block = table.header_block
    household: object = None
    shade = False
    for line, values in zip(lines, rows, strict=True):
        key = group_key(line)
        if by_village and key != current:
            place = key[1] if "township" in hoisted_attrs else f"{key[0]} {key[1]}"
            parts = [f"共 {counts[key]} 个问题"]
            if homes[key] - {None}:
                parts.append(f"涉及 {len(homes[key] - {None})} 户")
            if own[key]:
                parts.append(f"村级问题 {own[key]} 个")
            heading = f"{place}（{'，'.join(parts)}）"
            band = table.band(heading, BAND_FILL, True, sizes.band)
            band.keep_with_next = True  # never a heading alone at the foot of a page
            blocks.append(band)
            header = Stack([table.header_block, table.band(f"{place}（续）", BAND_FILL, True, sizes.band)])
            shade = False
            household = None
        current = key
        this_household = _home(line) or ("村级", line.case_id)
        if this_household != household:
            shade = not shade if household is not None else False
            household = this_household
        pen.fonts.context = line.number  # names the case if one of its characters is in no font
        row = table.row(values, fill=HOUSEHOLD_FILL if shade else None)
        row.header = header
        blocks.append(row)

    blocks[-1].keep_with_next = True  # the last page has rows above its 合计 line
    total = table.band(_total_text(lines, households), BAND_FILL, True, sizes.band)
    total.header = header
    total.keep_with_next = True  # the 合计 line and the signatures end the last page together
    blocks.append(total)
    blocks.append(_signature_block(signature, sizes.meta + 1))
    return paginate(blocks, layout.frame_height)


def _home(line: LedgerLine) -> object:
    """The household a line belongs to; None for a village's own problem (counted apart)."""
    return None if line.village_level else line.household_id or line.head_id


def _cell(attr: str, profile: str) -> Callable[[LedgerLine], object]:
    """A line's value in a column. 户主 of a village's own problem reads （村级问题）; the brief
    profile (no 涉及成员 column) names the member beside the head: 张三（张小明）. One function
    per column, chosen once: 10,000 lines of 30 columns are 300,000 cells."""
    if attr == "head_name":
        if profile == "brief":
            return attrgetter("subject")
        return lambda line: line.head_name or VILLAGE_LEVEL_HEAD
    if attr in AMOUNTS:
        column = AMOUNTS[attr]
        return lambda line: schema.show(column, getattr(line, attr) or None)  # 23,500
    return attrgetter(attr)


AMOUNTS = {c.code: c for c in schema.COLUMNS if c.kind == "amount"}


def _words(lines: list[LedgerLine]) -> frozenset[str]:
    """Names and terms of these rows that free text (问题描述, 整改措施...) must not break."""
    words: set[str] = set(STATE_ORDER) | set(LIGHT_ORDER) | {"同意销号", "整改到位", "同意"}
    for line in lines:
        words.update(
            (line.township, line.village, line.head_name, line.member, line.lead_department, line.category,
             line.subcategory)
        )  # fmt: skip
        words.update(line.assisting_departments.replace("，", "、").split("、"))
        words.add(line.person_in_charge)
    return frozenset(w for w in words if len(w) > 1)


def _title_lines(pen: Pen, text: str, width: float, size: float) -> list[Block]:
    if not text:
        return []
    return [Line(part, size, "song", leading=size * 1.6) for part in pen.wrap(text, width, size, "song", "    ")]


def _total_text(lines: list[LedgerLine], households: int) -> str:
    states = Counter(line.state for line in lines)
    order = [s for s in STATE_ORDER if s in states] + sorted(s for s in states if s not in STATE_ORDER)
    own = sum(1 for line in lines if line.village_level)
    text = f"合计：共 {len(lines)} 个问题，涉及 {households} 户" + (f"，村级问题 {own} 个" if own else "")
    text += "；其中" + "、".join(f"{s} {states[s]} 个" for s in order)
    lights = Counter(line.light for line in lines if line.light)
    if lights:
        text += "；" + "、".join(f"{name} {lights[name]} 个" for name in LIGHT_ORDER if lights[name])
    return text + "。"


def _signature_block(sig: Signature, size: float) -> Block:
    """填报人 / 审核人 / 负责人 / 单位（盖章） / 日期 in one row, room below for hand and seal."""
    items: list[tuple[str, str]] = [
        ("填报人：", sig.author),
        ("审核人：", sig.reviewer),
        ("负责人：", ""),
        ("单位（盖章）：", ""),
        ("日期：", sig.date),
    ]
    height = 26 * mm

    def draw(page: Page, x: float, top: float, width: float) -> None:
        baseline = top - 10 * mm
        slot = width / len(items)
        pen = page.pen
        canvas = page.canvas
        canvas.setLineWidth(0.5)
        for index, (label, value) in enumerate(items):
            sx = x + index * slot
            pen.draw(sx, baseline, label, size, "hei")
            start = sx + pen.width(label, size, "hei") + 1
            end = sx + slot - 6 * mm
            if value:
                pen.draw(start + 1, baseline, value, size, "song")
            else:
                canvas.line(start, baseline - 2, end, baseline - 2)

    return Drawing(height, draw)
