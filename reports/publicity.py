"""The printed 公示 notice posted in the village (A4 portrait): 东关村拟销号问题公示.

A title, the paragraph saying what is posted and for how long, the list of households and problems
as the public may see them (head's name partly masked, ID number masked, ID and mobile numbers in
the text masked), how to object (the contact and phone of the 公示 settings), the issuer (the
village committee) and the date. Never unmasked: a notice is posted in public. Written to
`<name>.part`, recorded as a `report.print` event, renamed into place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm

from ledger import ids
from ledger.dto import Actor
from ledger.errors import StorageError
from ledger.opening import os_reason, replace_file
from ledger.services.outputs import Output
from ledger.services.publicity import BatchView, ItemView, cn
from reports.fonts import FontSet
from reports.pdf import (
    PORTRAIT,
    WORD_BREAKS,
    Block,
    Column,
    Document,
    Line,
    ReportInfo,
    Spacer,
    Table,
    paginate,
    paragraph,
)

if TYPE_CHECKING:
    from ledger.facade import Ledger

COLUMNS = (
    ("序号", "center", WORD_BREAKS),
    ("村民小组", "center", WORD_BREAKS),
    ("户主", "center", WORD_BREAKS),
    ("身份证号", "center", WORD_BREAKS),
    ("问题类别", "left", WORD_BREAKS),
    ("情况说明", "left", None),
)


@dataclass(frozen=True)
class NoticeResult:
    path: Path
    pages: int
    items: int
    missing: list[str]


def title_of(batch: BatchView) -> str:
    return f"{batch.village}{batch.kind_name}公示"


def issuer_of(batch: BatchView) -> str:
    return f"{batch.village}村民委员会" if not batch.village.endswith("村民委员会") else batch.village


def render_notice(
    lg: Ledger, batch: BatchView, out: str | Path, actor: Actor | None, fonts: FontSet | None = None
) -> NoticeResult:
    lg.refuse_if_read_only()
    actor = lg.output_actor(actor, personal=True)
    fonts = fonts or FontSet.discover()
    fonts.missing.where.clear()
    fonts.record = True
    county = lg.meta("county_name")
    settings = lg.publicity.settings()
    seq, head = lg.audit.head()
    info = ReportInfo(
        unit=issuer_of(batch),
        author=actor.display_name if actor else "命令行",
        printed_at=lg.clock(),
        audit_seq=seq,
        audit_hash=head,
        masked=True,
    )
    target = Path(out)
    doc = Document(target, fonts, info, title_of(batch), PORTRAIT)
    try:
        pages = _pages(doc, batch, settings.contact or f"{batch.township}人民政府", settings.phone)
        doc.render(pages)
        try:
            doc.canvas.save()
        except OSError as err:
            raise StorageError(f"无法写入 {target}：{os_reason(err)}") from err
        lg.outputs.record(
            actor, doc.temporary, target.name,
            Output("report.print", "report",
                   {"kind": "publicity", "title": title_of(batch), "batch": batch.id, "items": len(batch.items),
                    "pages": len(pages), "unmasked": False, "county": county}),
        )  # fmt: skip
        replace_file(doc.temporary, target)
    except BaseException:
        doc.discard()
        raise
    return NoticeResult(target, len(pages), len(batch.items), fonts.missing.describe())


def _cells(n: int, batch: BatchView, item: ItemView) -> list[str]:
    text = ids.mask_free_text(item.description).replace(item.head_name, ids.mask_name(item.head_name))
    if batch.kind == "close":
        text = f"{text}（已整改到位，经乡镇核验通过）"
    return [
        str(n),
        item.group_name or "—",
        ids.mask_name(item.head_name),
        ids.mask(item.head_id_number) or "—",
        item.problem,
        text,
    ]


def _pages(doc: Document, batch: BatchView, contact: str, phone: str) -> list[list[Block]]:
    pen = doc.pen
    width = doc.layout.frame_width
    table = Table(
        pen,
        [
            Column(label, align=align, breaks=breaks, min_width=0 if breaks is None else pen.width(label, 10, "hei"))
            for label, align, breaks in (
                (("监测类型" if batch.kind == "risk" and name == "问题类别" else name), align, breaks)
                for name, align, breaks in COLUMNS
            )
        ],
        size=10,
        header_size=10,
        pad=2,
    )
    rows = [_cells(n, batch, item) for n, item in enumerate(batch.items, 1)]
    table.fit(width, rows or [[""] * len(COLUMNS)])
    households = len({i.household_id for i in batch.items if i.household_id is not None})
    period = f"{cn(batch.start_date)}至{cn(batch.end_date)}（共{batch.days}天）"
    if batch.kind == "close":
        intro = (
            f"根据防止返贫动态监测和帮扶工作要求，经入户核实和乡镇核验，本村以下{households}户的"
            f"{len(batch.items)}个问题已整改到位，拟予销号。为接受群众监督，现予公示。"
        )
    else:
        intro = (
            f"根据防止返贫动态监测和帮扶工作要求，经入户核实和民主评议，本村以下{households}户监测对象"
            "收入稳定、风险已经消除，拟标注风险消除。为接受群众监督，现予公示。"
        )
    blocks: list[Block] = [Line(title_of(batch), 20, "title", leading=40, align="center"), Spacer(2 * mm)]
    blocks += paragraph(pen, intro, width, 12, leading=22, first_indent=24)
    blocks += paragraph(pen, f"公示期：{period}。", width, 12, leading=22, first_indent=24)
    blocks += [Spacer(3 * mm), table.header_block]
    blocks += [table.row(values) for values in rows]
    blocks.append(Spacer(4 * mm))
    how = (
        f"公示期间，如对上述情况有异议，请以书面、电话或当面方式向{contact}反映"
        + (f"，联系电话：{phone}" if phone else "")
        + "。反映情况应实事求是，署名或留下联系方式的，我们将及时核实并反馈处理结果。"
    )
    blocks += paragraph(pen, how, width, 12, leading=22, first_indent=24)
    if batch.note:
        blocks += paragraph(pen, f"说明：{batch.note}", width, 12, leading=22, first_indent=24)
    blocks += [
        Spacer(12 * mm),
        Line(issuer_of(batch), 12, "song", leading=22, align="right", keep_with_next=True),
        Line(cn(batch.start_date), 12, "song", leading=22, align="right"),
    ]
    blocks[-3].keep_with_next = True
    return paginate(blocks, doc.layout.frame_height)
