"""Exported workbooks read back with openpyxl and python-calamine (neither is our writer): ID numbers
and phones are text, no cell is a formula, IDs are masked unless unmasked by right and reason
(audited with the file's hash); the statistics sheet equals the dashboard; the department fill-in
workbook round-trips, with a case changed since the export reported as a conflict."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from ledger.dto import LEDGER_COLUMNS, CaseFilter
from ledger.errors import PermissionDenied, ValidationError
from ledger.models import AuditEvent, ProgressNote
from reports.excel import ExportRequest, export_fillin, export_workbook

FULL_ID = re.compile(r"\d{17}[\dX]")


def _events(lg, action):
    with lg.reading() as s:
        return [json.loads(e.payload) for e in s.scalars(select(AuditEvent).where(AuditEvent.action == action))]


@pytest.fixture
def ledger_with_cases(world):
    cases = [world.register("house.c") for _ in range(3)]
    world.walk(cases[0], "in_progress")
    hostile = world.register("water.quantity", description='=HYPERLINK("http://example.invalid","点此")')
    world.ledger.cases.update(world.clerk, hostile.id, hostile.version, {"remarks": "@SUM(1,2)"})
    return world


def test_handoff_workbook_is_safe_and_complete(ledger_with_cases, tmp_path):
    world = ledger_with_cases
    lg = world.ledger
    out = tmp_path / "上报台账.xlsx"
    result = export_workbook(lg, ExportRequest(), out, world.coordinator)
    assert result.rows == 4

    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["问题台账", "统计"]
    ws = book["问题台账"]
    assert ws["A1"].value == "示例县两不愁三保障及饮水安全问题整改台账"
    assert ws["A2"].value.startswith("填报单位：") and "填报人：统筹员老周" in [c.value for c in ws[2]]
    assert [c.value for c in ws[4]] == [label for label, _ in LEDGER_COLUMNS]
    assert ws.freeze_panes == "C5" and ws.auto_filter.ref == "A4:AG8"  # 33 columns with 整改资金 (0018)
    validated = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    assert set(validated) == {"Z5:Z8", "N5:N8"}  # 整改进度 and 问题类别
    formulas = [c.coordinate for row in book.worksheets for r in row.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []
    id_col, phone_col = 8, 9  # H, I
    for r in range(5, 9):
        for col in (id_col, phone_col):
            cell = ws.cell(row=r, column=col)
            assert cell.data_type == "s" and cell.number_format == "@"
            assert "*" in cell.value and not FULL_ID.search(cell.value)
    hostile = next(r for r in ws.iter_rows(min_row=5) if r[15].value.startswith("=HYPERLINK"))
    assert hostile[15].data_type == "s" and hostile[15].quotePrefix  # text, and stays text when edited
    assert hostile[-1].value == "@SUM(1,2)" and hostile[-1].quotePrefix  # 备注, the last column

    with CalamineWorkbook.from_path(str(out)) as cal:
        rows = cal.get_sheet_by_name("问题台账").to_python()
        stats = cal.get_sheet_by_name("统计").to_python()
    numbers = {r[1] for r in rows[4:]}
    with lg.reading() as s:
        from ledger.models import Case

        assert numbers == set(s.scalars(select(Case.number)))
    assert isinstance(rows[4][17], dt.date)  # 发现时间 is a real date cell
    text = json.dumps(rows, ensure_ascii=False, default=str)
    assert not FULL_ID.search(text)
    total = next(r for r in stats if r[0] == "合计")
    dashboard = lg.queries.dashboard()
    assert int(total[1]) == dashboard.total

    event = _events(lg, "export.excel")[-1]
    assert event["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert event["rows"] == 4 and event["unmasked"] is False
    assert not (tmp_path / "上报台账.xlsx.part").exists()


def test_unmasking_needs_the_right_and_a_reason(ledger_with_cases, tmp_path):
    world = ledger_with_cases
    lg = world.ledger
    request = ExportRequest(unmask=True, reason="")
    with pytest.raises(PermissionDenied):
        export_workbook(lg, ExportRequest(unmask=True, reason="市级核查需要"), tmp_path / "a.xlsx", world.clerk)
    with pytest.raises(ValidationError, match="用途"):
        export_workbook(lg, request, tmp_path / "b.xlsx", world.coordinator)
    assert not list(tmp_path.glob("*.xlsx*"))
    out = tmp_path / "完整.xlsx"
    export_workbook(lg, ExportRequest(unmask=True, reason="市级核查需要"), out, world.coordinator)
    with CalamineWorkbook.from_path(str(out)) as cal:
        rows = cal.get_sheet_by_name("问题台账").to_python()
    assert all(FULL_ID.fullmatch(r[7]) for r in rows[4:])
    event = _events(lg, "export.excel")[-1]
    assert event["unmasked"] is True and event["reason"] == "市级核查需要"


def test_statistics_template_has_only_the_figures(ledger_with_cases, tmp_path):
    lg = ledger_with_cases.ledger
    out = tmp_path / "统计.xlsx"
    export_workbook(lg, ExportRequest(template="statistics", filter=CaseFilter(include_void=False)), out, None)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["统计"]
    titles = [r[0].value for r in book["统计"].iter_rows() if r[0].value and r[0].value[1:2] == "、"]
    assert titles == ["一、总体情况", "二、分类别", "三、分乡镇（按销号率排名）", "四、分责任单位（按销号率排名）"]
    weekly = lg.reporting.weekly(CaseFilter(include_void=False))
    township_rows = {
        r[0].value: r for r in book["统计"].iter_rows() if r[0].value in {g.name for g in weekly.by_township}
    }
    for g in weekly.by_township:
        assert township_rows[g.name][1].value == g.found
        assert township_rows[g.name][11].value == g.rank


def test_department_fillin_round_trip_with_a_conflict(world, tmp_path):
    lg = world.ledger
    working = world.walk(world.register("house.c"), "in_progress")
    changed = world.walk(world.register("house.d"), "in_progress")
    world.walk(world.register("house.disaster"), "assigned")
    out = tmp_path / "住建局填报表.xlsx"
    result = export_fillin(lg, world.zjj_id, out, world.officer)
    assert result.rows == 3

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["填写说明", "待填报问题"]
    ws = book["待填报问题"]
    assert ws.protection.sheet is True
    header = [c.value for c in ws[3]]
    assert header[-2:] == ["问题ID", "版本号"]
    assert ws.column_dimensions["N"].hidden and ws.column_dimensions["O"].hidden
    columns = {name: i + 1 for i, name in enumerate(header)}
    first = ws.cell(row=4, column=1)
    assert first.protection.locked is True  # key columns locked
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    for name in ("整改措施", "本次进度", "进度日期", "完成时间"):  # 整改中: all four open (per state: test_fillin_rows)
        assert ws.cell(row=rows[working.number], column=columns[name]).protection.locked is False

    today = lg.today()
    r = rows[working.number]
    ws.cell(row=r, column=columns["整改措施"]).value = "加固墙体，更换屋面"
    ws.cell(row=r, column=columns["本次进度"]).value = "已完成墙体加固"
    ws.cell(row=r, column=columns["完成时间"]).value = today.strftime("%Y年%m月%d日")
    r2 = rows[changed.number]
    ws.cell(row=r2, column=columns["整改措施"]).value = "拆除重建"
    book.save(out)
    # meanwhile someone edits the second case in the ledger
    lg.cases.update(world.officer, changed.id, lg.cases.get(changed.id).version, {"responsible_person": "张工"})

    plan = lg.imports.prepare(lg.imports.read(out), world.officer)
    assert plan.mode == "fillin"
    outcomes = {o.case_number: o for o in plan.outcomes}
    assert outcomes[working.number].status == "updated"
    assert outcomes[changed.number].status == "conflict" and "重新导出" in outcomes[changed.number].reasons[0]
    assert plan.counts["unchanged"] == 1
    lg.imports.commit(plan, world.officer)
    after = lg.cases.get(working.id)
    assert after.measures == "加固墙体，更换屋面" and after.completion_date == today
    assert [p.text for p in after.progress] == ["已完成墙体加固"]
    assert lg.cases.get(changed.id).measures != "拆除重建"
    # another department's officer cannot feed this workbook in
    with pytest.raises(PermissionDenied):
        lg.imports.prepare(lg.imports.read(out), world.viewer)
    other = lg.imports.prepare(lg.imports.read(out), world.other_officer)
    assert {o.status for o in other.outcomes} == {"invalid"}
    with lg.reading() as s:
        assert s.scalar(select(ProgressNote.text).where(ProgressNote.case_id == working.id)) == "已完成墙体加固"
