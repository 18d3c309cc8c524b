"""到期提醒清单: the cases of a unit (a township, a lead department, the county) due within the days
the rules give (ledger/escalation.py), soonest first, on A4 landscape: title, unit and date, a table,
and the rule that made the list. Laid out here; rendered and audited by reports/render.py."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.services.reminders import ReminderCase
from reports.pdf import LANDSCAPE, WORD_BREAKS, Block, Column, Line, Pen, Spacer, Table, cn_date, paginate

LABELS = ("序号", "问题编号", "乡镇", "村", "户主", "问题子类", "牵头单位", "整改时限", "剩余天数", "状态", "责任人")


def days_text(days_left: int) -> str:
    return "今日到期" if days_left == 0 else f"{days_left}天"


def reminder_pages(
    pen: Pen,
    cases: Sequence[ReminderCase],
    *,
    title: str,
    subtitle: str,
    rule: str,
) -> list[list[Block]]:
    width = LANDSCAPE.frame_width
    blocks: list[Block] = [
        Line(title, 16, "title", leading=28, align="center"),
        Line(subtitle, 10, "song", leading=20, align="center"),
        Spacer(4),
    ]
    columns = [
        Column(label, align="center" if i in (0, 7, 8) else "left", breaks=None if i == 5 else WORD_BREAKS)
        for i, label in enumerate(LABELS)
    ]
    table = Table(pen, columns, size=9.0, header_size=9.0, pad=2.5)
    rows = [
        (
            i,
            c.number,
            c.township,
            c.village,
            c.head_name,
            c.subcategory,
            c.department or "未交办",
            f"{c.deadline:%Y-%m-%d}",
            days_text(c.days_left),
            c.state,
            c.person_in_charge.strip() or "未填",
        )
        for i, c in enumerate(cases, 1)
    ]
    table.fit(width, rows, [c.number for c in cases])
    blocks.append(table.header_block)
    for case, row in zip(cases, rows, strict=True):
        pen.fonts.context = case.number
        blocks.append(table.row(row))
    blocks += [Spacer(8), Line(rule, 9, "song", leading=16)]
    return paginate(blocks, LANDSCAPE.frame_height)


def subtitle_for(unit: str, printed: object, count: int) -> str:
    return f"单位：{unit}    打印日期：{cn_date(printed)}    共 {count} 个问题即将到期"  # type: ignore[arg-type]
