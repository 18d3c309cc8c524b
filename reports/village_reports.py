"""Reports by village (村): the 村级台账 of every village of a township in one run — one PDF with a
section per village (each starting on a new page under its own title, its pages counted in the
footer) or one file per village into a folder — and the grouping of the 周报 by village (the
villages of each township under it). Each village's section is the ordinary ledger report
(reports/ledger_report.py) of that village's cases."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from reportlab.lib.units import mm

from ledger.dto import GroupFigures, WeeklyFigures
from ledger.errors import StorageError, ValidationError
from ledger.opening import os_reason
from ledger.services.villages import VillageFigures
from reports import ledger_report
from reports.pdf import Block, Document, Line, Page, Spacer, cn_date, paginate

if TYPE_CHECKING:
    from ledger.dto import Actor, CaseFilter
    from ledger.facade import Ledger
    from reports.kinds import ReportRequest, ReportResult
    from reports.render import Built, _Builder

NEEDS_TOWNSHIP = "村级台账须选择乡镇：每个村一节（或一个文件），请在“乡镇”中选定一个乡镇"


def ledger_title(county: str, township: str, village: str, tag: str = "") -> str:
    return f"{county}{township}{village}“两不愁三保障”及饮水安全问题整改台账{tag}"


def village_list(lg: Ledger, f: CaseFilter) -> list[VillageFigures]:
    """The villages the batch prints: those of the filter's township (or its one village) the
    printing account may see, with their 清零状态."""
    if f.township_id is None:
        raise ValidationError(NEEDS_TOWNSHIP)
    rows = lg.villages.figures(f.township_id, visible_to=f.visible_to)
    if f.village_id is not None:
        rows = [r for r in rows if r.village_id == f.village_id]
    if not rows:
        raise ValidationError("所选乡镇没有可打印的村")
    return rows


def ledger_sections(builder: _Builder, doc: Document, title_tag: str = "") -> Built:
    """The batch 村级台账 as one document: (pages, cases, footer) for reports/render.py."""
    lg, request = builder.lg, builder.request
    layout = ledger_report.layout_for(request.paper)
    signature = ledger_report.Signature(
        unit=builder.info.unit,
        author=builder.info.author,
        reviewer=request.reviewer.strip(),
        date=cn_date(builder.info.printed_at.date()),
    )
    township = lg.catalog.region(request.filter.township_id).name if request.filter.township_id else ""
    pages: list[list[Block]] = []
    owners: list[tuple[str, int, int]] = []  # per page: (village, page within it, its pages)
    count = 0
    for v in village_list(lg, request.filter):
        title = ledger_title(builder.county, township, v.name, title_tag)
        ids = lg.reporting.case_ids(replace(request.filter, village_id=v.village_id), order="household")
        if ids:
            lines = list(lg.reporting.ledger_lines(ids, unmask=request.unmask))
            section = ledger_report.ledger_pages(doc.pen, lines, title, signature, request.profile, request.paper)
            count += len(lines)
        else:
            section = _empty_section(title, v, layout.frame_height)
        owners += [(v.name, i, len(section)) for i in range(1, len(section) + 1)]
        pages += section

    def footer(page: Page, number: int, total: int) -> None:
        doc.standard_footer(page, number, total)
        village, own, own_total = owners[number - 1]
        y = max(layout.bottom - 6 * mm - 9, 8.6 * mm) + 8.5 + 11  # just above the footer's rule
        doc.pen.draw(layout.pagesize[0] / 2, y, f"{village} 第 {own} 页 共 {own_total} 页", 8, "song", "center")

    return pages, count, footer


def _empty_section(title: str, v: VillageFigures, height: float) -> list[list[Block]]:
    what = "本村从未发现问题" if not v.ever_had_cases else "本村无符合条件的问题"
    blocks: list[Block] = [
        Line(title, 16, "title", leading=30, align="center"),
        Spacer(30),
        Line(what, 18, "hei", leading=36, align="center"),
        Line(f"清零状态：{v.status}", 12, "song", leading=26, align="center"),
    ]
    return paginate(blocks, height)


def safe_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "", text)


def render_village_files(
    lg: Ledger,
    request: ReportRequest,
    folder: str | Path,
    actor: Actor | None,
    *,
    progress: Callable[[int, int], None] | None = None,
    **kw: Any,
) -> list[ReportResult]:
    """One 村级台账 PDF per village of the request's township into `folder` (created if missing),
    each rendered and audited as its own report. Returns the ReportResults in village order."""
    from reports.render import render_report

    lg.refuse_if_read_only()
    who = lg.output_actor(actor, personal=True)
    f = replace(request.filter, visible_to=who) if who is not None else request.filter
    villages = village_list(lg, f)
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StorageError(f"无法创建文件夹 {target}：{os_reason(err)}") from err
    township = lg.catalog.region(cast(int, f.township_id)).name  # village_list refused a filter without one
    results = []
    for i, v in enumerate(villages, 1):
        one = replace(request, kind="ledger", by_village=False, filter=replace(request.filter, village_id=v.village_id))
        out = target / f"{safe_name(township)}{safe_name(v.name)}村级台账.pdf"
        results.append(render_report(lg, one, out, actor, **kw))
        if progress is not None:
            progress(i, len(villages))
    return results


def weekly_groups(lg: Ledger, w: WeeklyFigures) -> list[tuple[GroupFigures, list[GroupFigures]]]:
    """The villages of each township of the 周报 (townships in their ranking), each township's
    villages ranked among themselves by closure rate."""
    cat = lg.catalog
    out = []
    for town in w.by_township:
        mine = [g for g in w.by_village if g.place_id is not None and cat.region(g.place_id).parent_id == town.place_id]
        out.append((town, [replace(g, rank=rank) for rank, g in enumerate(mine, 1)]))
    return out


def run_split(lg: Ledger, request: ReportRequest, folder: str, actor: Actor | None) -> int:
    """`main.py report ledger --by-village --split -o 文件夹`: one file per village, said line by line."""
    if request.kind != "ledger":
        raise ValidationError("--split（每村一个文件）只用于村级台账：main.py report ledger --by-village --split")
    results = render_village_files(lg, request, folder, actor)
    for r in results:
        print(f"已生成村级台账：{r.path}（{r.pages} 页，{r.cases} 个问题）")
    print(f"共 {len(results)} 个村，{sum(r.cases for r in results)} 个问题，保存在 {Path(folder)}")
    return 0
