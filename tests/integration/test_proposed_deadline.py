"""A 录入员's import keeps the file's 整改时限 as the proposed deadline (拟定时限) that 交办 starts from
(issue 15 item 1): stored on the 待交办 case, shown and printed as 拟2026-10-10, never overdue and
never lit, taken by 交办 when the coordinator gives no other date."""

from __future__ import annotations

import datetime as dt

import openpyxl
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from ledger.dto import CaseFilter
from ledger.workflow import deadline_text, is_overdue, light
from reports.excel import ExportRequest, export_workbook
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from tests import pdfcheck
from tests.world import fresh_id_number

HEADER = [
    "乡镇",
    "村",
    "户主姓名",
    "身份证号",
    "户类型",
    "问题类别",
    "问题细类",
    "问题描述",
    "发现时间",
    "牵头单位",
    "整改时限",
]


def _workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_a_clerks_import_keeps_the_files_deadline_as_proposed(world, tmp_path):
    lg = world.ledger
    today = world.clock.now.date()
    past, future = today - dt.timedelta(days=20), today + dt.timedelta(days=40)
    path = _workbook(
        tmp_path / "排查.xlsx",
        [
            ["城关镇", "东关村", "李春梅", fresh_id_number("19650304"), "脱贫户", "住房安全", "危房C级",
             "墙体开裂", today - dt.timedelta(days=30), "住建局", past],
            ["城关镇", "东关村", "王五", fresh_id_number("19710101"), "低保户", "基本医疗", "未参保",
             "未参加城乡居民医保", today - dt.timedelta(days=3), "", future],
            ["城关镇", "西关村", "赵六", fresh_id_number("19720101"), "低保户", "基本医疗", "未参保",
             "未参保", today - dt.timedelta(days=3), "", None],
        ],
    )  # fmt: skip
    plan = lg.imports.prepare(lg.imports.read(path), world.clerk)
    notes = [" ".join(o.notes) for o in plan.outcomes if o.status == "new"]
    assert len(notes) == 3
    assert f"整改时限 {past.isoformat()} 记为拟定时限" in notes[0]
    assert f"整改时限 {future.isoformat()} 记为拟定时限" in notes[1]
    assert "拟定时限" not in notes[2]
    lg.imports.commit(plan, world.clerk)

    rows = lg.queries.page(CaseFilter(states=("registered",)))
    by_name = {r.head_name: r for r in rows}
    assert by_name["李春梅"].deadline == past and by_name["王五"].deadline == future
    assert by_name["赵六"].deadline is None
    # a proposed deadline runs no clock: past it, still neither overdue nor lit
    assert not is_overdue("registered", past, None, today)
    assert light("registered", past, today) is None
    assert lg.queries.count(CaseFilter(light="red")) == 0
    assert lg.queries.count(CaseFilter(light="yellow")) == 0
    assert deadline_text("registered", past.isoformat()) == f"拟{past.isoformat()}"
    assert deadline_text("assigned", past.isoformat()) == past.isoformat()

    # the handoff workbook: still a date cell, shown as 拟…
    out = tmp_path / "上报.xlsx"
    export_workbook(lg, ExportRequest(), out, world.coordinator)
    with CalamineWorkbook.from_path(str(out)) as book:
        sheet = book.get_sheet_by_name("问题台账").to_python()
    header = sheet[3]
    col = header.index("整改时限")
    values = {r[header.index("户主姓名")]: r[col] for r in sheet[4:] if r[0] != ""}
    assert values["李春梅"] == past and values["王五"] == future
    ws = load_workbook(out)["问题台账"]
    formats = {ws.cell(r, header.index("户主姓名") + 1).value: ws.cell(r, col + 1).number_format for r in range(5, 8)}
    assert formats["李春梅"] == '"拟"yyyy-mm-dd'

    # the printed ledger says 拟
    pdf = tmp_path / "台账.pdf"
    render_report(
        lg, ReportRequest("ledger", filter=CaseFilter()), pdf, world.coordinator, fonts=FontSet.shipped_only()
    )
    text = "".join(pdfcheck.text_of(pdfcheck.read(pdf)).split())
    assert f"拟{past.isoformat()}" in text and f"拟{future.isoformat()}" in text

    # 交办 without a date takes the proposed one
    case_id = by_name["王五"].id
    case = lg.cases.get(case_id)
    department = next(d.id for d in lg.catalog.departments.values() if d.code == "ybj")
    result = lg.cases.act(
        world.coordinator, case_id, "assign", expected_version=case.version, inputs={"lead_department_id": department}
    )
    assert result.case.state == "assigned" and result.case.deadline == future
    assert lg.audit.verify().ok
