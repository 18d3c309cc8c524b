"""Workbooks of 部门比对: the candidate list of a run (比对结果.xlsx) and the roster the county owes a
department (应报名单). Written by reports/xlsx.py to `<name>.part`, hashed, recorded in the audit
log (compare.results / compare.export, with the reason when full ID numbers were written), then
renamed into place. ID numbers are masked unless the user holds the right and typed a reason."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ledger import ids
from ledger.access import check_unmask
from ledger.compare.views import FindingView, OwedRoster, RunView
from ledger.dto import Actor
from reports.excel import CELL, DATE_CELL, HEAD, INFO, _finish
from reports.kinds import ExportResult
from reports.pdf import cn_date
from reports.xlsx import Style, Value, Workbook

if TYPE_CHECKING:
    from ledger.facade import Ledger

FINDING_COLUMNS = (
    ("序号", 6),
    ("比对规则", 14),
    ("乡镇", 10),
    ("村", 10),
    ("户主", 9),
    ("成员", 9),
    ("身份证号", 20),
    ("名单行号", 8),
    ("匹配方式", 13),
    ("拟登记问题", 16),
    ("情况说明", 48),
    ("状态", 8),
    ("问题编号", 19),
    ("排除原因", 20),
)
WEAK = Style(border=True, wrap=True, fill="FFE699")


def finding_cells(f: FindingView, unmask: bool) -> list[Value]:
    number = f.id_number if unmask else ids.mask(f.id_number)
    text = f.description if unmask else ids.mask_free_text(f.description)
    return [
        f.rule,
        f.township,
        f.village,
        f.head_name or "（村级）",
        f.member_name,
        number,
        f.roster_row if f.roster_row is not None else "",
        f.match_name,
        f.subcategory_name,
        text,
        f.state_name,
        f.case_number,
        f.reason if unmask else ids.mask_free_text(f.reason),
    ]


def write_findings(
    lg: Ledger,
    run: RunView,
    findings: Sequence[FindingView],
    out: str | Path,
    actor: Actor | None,
    *,
    unmask: bool = False,
    reason: str = "",
) -> ExportResult:
    """One sheet of candidates (rule, 乡镇, 村, 户主, 成员, ID, roster row, match, state); weak
    matches shaded; a second sheet with the run's figures and the roster rows matching nobody."""
    started = time.perf_counter()
    lg.refuse_if_read_only()
    actor = lg.output_actor(actor, personal=True)
    if unmask:
        check_unmask(actor, reason)
    book = Workbook(out, full_numbers=unmask)
    try:
        sheet = book.add_sheet("比对结果")
        width = len(FINDING_COLUMNS)
        sheet.columns([w for _, w in FINDING_COLUMNS], [CELL] * width)
        sheet.freeze_rows = 3
        sheet.landscape = True
        sheet.append(
            [f"部门比对结果：{run.file_name}（{run.kind}，{run.batch}）"], [Style(bold=True, size=14)], height=24
        )
        sheet.merge(1, 0, 1, width - 1)
        s = run.summary
        said = (
            f"比对日期：{cn_date(run.run_at.date())}    比对人：{run.run_by}    名单 {run.rows:,} 行，"
            f"按身份证号匹配 {s.get('matched_id', 0):,} 行，"
            f"按姓名+村匹配 {s.get('matched_name', 0):,} 行（弱，须核实），"
            f"未匹配 {s.get('unmatched', 0):,} 行；候选 {len(findings):,} 条，其中新增 {s.get('new', 0):,} 条、"
            f"已消失 {s.get('gone', 0):,} 条。"
            + ("身份证号已隐去中间位。" if not unmask else "含完整身份证号，注意保密。")
        )
        sheet.append([said], [INFO])
        sheet.merge(2, 0, 2, width - 1)
        sheet.append([name for name, _ in FINDING_COLUMNS], [HEAD] * width, height=24)
        sheet.autofilter = (3, 0, 3 + len(findings), width - 1)
        for n, f in enumerate(findings, 1):
            sheet.append([n, *finding_cells(f, unmask)], [WEAK if f.weak else CELL] * width)
        sheet.close()
        other = book.add_sheet("未匹配的名单行")
        other.columns([10, 60], [CELL, CELL])
        other.append(["名单行号", "原因"], [HEAD, HEAD])
        for row, why in s.get("unmatched_rows", []):
            other.append([row, why])
        for warning in s.get("warnings", []):
            other.append(["提示", warning])
        other.close()
        digest = _finish(
            lg, book, actor, "compare.results",
            {"run": run.id, "kind": run.kind, "rows": len(findings), "unmasked": unmask,
             "reason": reason.strip() if unmask else ""},
        )  # fmt: skip
    except BaseException:
        book.abort()
        raise
    return ExportResult(Path(out), len(findings), time.perf_counter() - started, digest)


OWED_COLUMNS = (
    ("序号", 6),
    ("乡镇", 10),
    ("村", 10),
    ("户主", 9),
    ("姓名", 9),
    ("与户主关系", 9),
    ("身份证号", 20),
    ("户类型", 22),
    ("识别日期", 12),
)


def write_owed(
    lg: Ledger,
    actor: Actor,
    kind: str,
    since: dt.date,
    out: str | Path,
    *,
    unmask: bool = False,
    reason: str = "",
) -> ExportResult:
    """The roster the county owes the department of `kind` (lg.compare.owed_roster), as a workbook."""
    started = time.perf_counter()
    lg.refuse_if_read_only()
    roster: OwedRoster = lg.compare.owed_roster(actor, kind, since)
    actor = lg.output_actor(actor, personal=True)
    if unmask:
        check_unmask(actor, reason)
    book = Workbook(out, full_numbers=unmask)
    try:
        sheet = book.add_sheet("应报名单")
        width = len(OWED_COLUMNS)
        sheet.columns([w for _, w in OWED_COLUMNS], [CELL] * width)
        sheet.freeze_rows = 3
        sheet.append([roster.title], [Style(bold=True, size=14)], height=24)
        sheet.merge(1, 0, 1, width - 1)
        sheet.append(
            [f"{cn_date(since)}以来识别，共 {len(roster.rows):,} 人。制表：{lg.meta('county_name')}    "
             f"日期：{cn_date(lg.today())}"],
            [INFO],
        )  # fmt: skip
        sheet.merge(2, 0, 2, width - 1)
        sheet.append([name for name, _ in OWED_COLUMNS], [HEAD] * width, height=24)
        for n, r in enumerate(roster.rows, 1):
            number = r.id_number if unmask else ids.mask(r.id_number)
            sheet.append(
                [n, r.township, r.village, r.head_name, r.name, r.relation, number, r.tag, r.since],
                [CELL] * (width - 1) + [DATE_CELL],
            )
        sheet.close()
        digest = _finish(
            lg, book, actor, "compare.export",
            {"kind": kind, "since": since.isoformat(), "rows": len(roster.rows), "unmasked": unmask,
             "reason": reason.strip() if unmask else ""},
        )  # fmt: skip
    except BaseException:
        book.abort()
        raise
    return ExportResult(Path(out), len(roster.rows), time.perf_counter() - started, digest)
