"""比对结果: the printed candidate list of a 部门比对 run, per village (A4 landscape).

Each village opens with a shaded heading line ("城关镇 东关村（共 3 条）"); rows give the rule, the
household head, the member, the masked ID number, the roster row, how the person was matched (a
name-only match says 弱: check it is the same person), the problem it would register, the
description and the finding's state. The last page carries the 合计 line and the 核实人/审核人
lines. Written to `<name>.part`, recorded as a `report.print` event, renamed into place."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.colors import Color
from reportlab.lib.units import mm

from ledger import ids
from ledger.access import check_unmask
from ledger.compare.views import FindingView, RunView
from ledger.dto import Actor
from ledger.errors import StorageError
from ledger.opening import os_reason, replace_file
from ledger.services.outputs import Output
from reports.fonts import FontSet
from reports.pdf import (
    LANDSCAPE,
    WORD_BREAKS,
    Block,
    Column,
    Document,
    Line,
    ReportInfo,
    Spacer,
    Stack,
    Table,
    cn_date,
    paginate,
)
from reports.render import default_unit

if TYPE_CHECKING:
    from ledger.facade import Ledger

COLUMNS = (
    ("序号", "center", WORD_BREAKS),
    ("比对规则", "left", WORD_BREAKS),
    ("户主", "left", WORD_BREAKS),
    ("成员", "left", WORD_BREAKS),
    ("身份证号", "center", WORD_BREAKS),
    ("名单行", "center", WORD_BREAKS),
    ("匹配方式", "center", WORD_BREAKS),
    ("拟登记问题", "left", " "),
    ("情况说明", "left", None),
    ("状态", "center", WORD_BREAKS),
)
BAND_FILL = Color(0.88, 0.88, 0.88)
WEAK_FILL = Color(1.0, 0.95, 0.8)


@dataclass(frozen=True)
class CompareReportResult:
    path: Path
    pages: int
    findings: int
    missing: list[str]
    seconds: float


def _cells(n: int, f: FindingView, unmask: bool) -> list[str]:
    return [
        str(n),
        f.rule,
        f.head_name or "（村级）",
        f.member_name,
        f.id_number if unmask else ids.mask(f.id_number),
        str(f.roster_row) if f.roster_row is not None else "—",
        f.match_name,
        f.subcategory_name,
        f.description if unmask else ids.mask_free_text(f.description),
        f.state_name,
    ]


def render_compare(
    lg: Ledger,
    run: RunView,
    findings: Sequence[FindingView],
    out: str | Path,
    actor: Actor | None,
    *,
    unmask: bool = False,
    reason: str = "",
    fonts: FontSet | None = None,
) -> CompareReportResult:
    started = time.perf_counter()
    lg.refuse_if_read_only()
    actor = lg.output_actor(actor, personal=True)
    if unmask:
        check_unmask(actor, reason, "打印")
    fonts = fonts or FontSet.discover()
    fonts.missing.where.clear()
    fonts.record = True
    county = lg.meta("county_name")
    seq, head = lg.audit.head()
    info = ReportInfo(
        unit=default_unit(county),
        author=actor.display_name if actor else "命令行",
        printed_at=lg.clock(),
        audit_seq=seq,
        audit_hash=head,
        masked=not unmask,
    )
    target = Path(out)
    doc = Document(target, fonts, info, f"{county}部门比对结果", LANDSCAPE)
    try:
        pages = _pages(doc, run, findings, info, unmask)
        doc.render(pages)
        try:
            doc.canvas.save()
        except OSError as err:
            raise StorageError(f"无法写入 {target}：{os_reason(err)}") from err
        lg.outputs.record(
            actor, doc.temporary, target.name,
            Output("report.print", "report",
                   {"kind": "compare", "title": "部门比对结果", "run": run.id, "findings": len(findings),
                    "pages": len(pages), "unmasked": unmask, "reason": reason.strip() if unmask else ""}),
        )  # fmt: skip
        replace_file(doc.temporary, target)
    except BaseException:
        doc.discard()
        raise
    return CompareReportResult(
        target, len(pages), len(findings), fonts.missing.describe(), time.perf_counter() - started
    )


def _pages(
    doc: Document, run: RunView, findings: Sequence[FindingView], info: ReportInfo, unmask: bool
) -> list[list[Block]]:
    pen = doc.pen
    layout = doc.layout
    width = layout.frame_width
    ordered = sorted(findings, key=lambda f: (f.township, f.village, f.head_name, f.member_name, f.rule))
    table = Table(
        pen,
        [
            Column(label, align=align, breaks=breaks, min_width=0 if breaks is None else pen.width(label, 8, "hei"))
            for label, align, breaks in COLUMNS
        ],
        size=8,
        header_size=8,
        pad=1.6,
    )
    rows = [_cells(n, f, unmask) for n, f in enumerate(ordered, 1)]
    table.fit(width, rows or [[""] * len(COLUMNS)])
    table.words = frozenset(
        w for f in ordered for w in (f.village, f.head_name, f.member_name, f.township) if len(w) > 1
    )
    title = f"部门比对结果（{run.kind}）"
    blocks: list[Block] = [Line(title, 16, "title", leading=28, align="center")]
    summary = run.summary
    meta = (
        f"名单：{run.file_name}    {run.batch}    比对日期：{cn_date(run.run_at.date())}    比对人：{run.run_by}    "
        f"名单 {run.rows:,} 行，按身份证号匹配 {summary.get('matched_id', 0):,} 行，"
        f"按姓名+村匹配 {summary.get('matched_name', 0):,} 行，未匹配 {summary.get('unmatched', 0):,} 行"
    )
    for part in pen.wrap(meta, width, 9, "song", "    "):
        blocks.append(Line(part, 9, "song", leading=15))
    blocks += [Spacer(1.5 * mm), table.header_block]
    if not ordered:
        blocks.append(table.band("本次比对没有候选问题", None, False))
        return paginate(blocks, layout.frame_height)
    counts = Counter((f.township, f.village) for f in ordered)
    current: tuple[str, str] | None = None
    header: Block = table.header_block
    for f, values in zip(ordered, rows, strict=True):
        key = (f.township, f.village)
        if key != current:
            band = table.band(f"{f.township} {f.village}（共 {counts[key]} 条）", BAND_FILL, True, 8.5)
            band.keep_with_next = True
            blocks.append(band)
            header = Stack([table.header_block, table.band(f"{f.township} {f.village}（续）", BAND_FILL, True, 8.5)])
            current = key
        row = table.row(values, fill=WEAK_FILL if f.weak else None)
        row.header = header
        blocks.append(row)
    blocks[-1].keep_with_next = True
    rules = Counter(f.rule for f in ordered)
    states = Counter(f.state_name for f in ordered)
    total = (
        f"合计：{len(ordered)} 条，涉及 {len(counts)} 个村；"
        + "、".join(f"{r} {n} 条" for r, n in rules.items())
        + "；"
        + "、".join(f"{s} {n} 条" for s, n in states.items())
        + "。底色标出的行按姓名和村匹配，须核实是否同一人。"
    )
    band = table.band(total, BAND_FILL, True, 8.5)
    band.header = header
    band.keep_with_next = True
    blocks.append(band)
    blocks.append(Spacer(8 * mm))
    blocks.append(
        Line(
            f"核实人：______________    审核人：______________    日期：{cn_date(info.printed_at.date())}",
            10, "song", leading=18,
        )
    )  # fmt: skip
    return paginate(blocks, layout.frame_height)
