"""问题整改台账: the weekly printed ledger, landscape A4, the canonical columns of PRODUCT.md."""

from __future__ import annotations

from reportlab.lib.units import mm

from ledger.dto import LEDGER_COLUMNS, LedgerLine
from reports.pdf import LANDSCAPE, LIGHT_COLORS, Block, Column, Line, Pen, Spacer, Table, paginate

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
BODY_SIZE = 6.5


def ledger_pages(pen: Pen, lines: list[LedgerLine], title: str, subtitle: str) -> list[list[Block]]:
    columns = [Column(label, align="center" if attr in CENTERED else "left") for label, attr in LEDGER_COLUMNS]
    attrs = [attr for _, attr in LEDGER_COLUMNS]
    table = Table(pen, columns, size=BODY_SIZE, header_size=6.5, pad=1.6, leading=1.22)
    light_index = attrs.index("light")
    table.colors[light_index] = LIGHT_COLORS.get
    rows = [[getattr(line, a) for a in attrs] for line in lines]
    table.fit(LANDSCAPE.frame_width, rows, [line.number for line in lines])
    blocks: list[Block] = [
        Line(title, 15, "title", leading=24, align="center"),
        Line(subtitle, 8, "song", leading=14),
        Spacer(2 * mm),
        table.header_block,
    ]
    for line, values in zip(lines, rows, strict=True):
        pen.fonts.context = line.number  # names the case if one of its characters is in no font
        blocks.append(table.row(values))
    return paginate(blocks, LANDSCAPE.frame_height)
