"""The department fill-in workbook opens exactly the cells a case's state lets the department fill,
says so in 填写说明, and the import keeps every allowed part of a row: a touched locked field is
ignored with a note, the progress typed beside it is still recorded (issue 15, item 1)."""

from __future__ import annotations

import datetime as dt

import openpyxl
from python_calamine import CalamineWorkbook

from ledger.workflow import STATE_NAMES
from reports.excel import export_fillin, write_errors

OPEN_FILL = "FFF2CC"
# What a department may fill per state, from the workflow's field rules (resources/seed/workflow.json):
# progress always while the case is open; 整改措施 / 完成时间 only where the state lets them be edited.
EXPECTED_OPEN = {
    "已交办": {"本次进度", "进度日期"},
    "整改中": {"整改措施", "本次进度", "进度日期", "完成时间"},
    "待核验": {"本次进度", "进度日期"},
}


def _export(world, tmp_path):
    lg = world.ledger
    cases = {
        "assigned": world.walk(world.register("house.c"), "assigned"),
        "in_progress": world.walk(world.register("house.d"), "in_progress"),
        "pending_verification": world.walk(world.register("house.disaster"), "pending_verification"),
    }
    out = tmp_path / "住建局填报表.xlsx"
    assert export_fillin(lg, world.zjj_id, out, world.officer).rows == 3
    return cases, out


def test_locked_fields_touched_keep_the_progress_with_a_note(world, tmp_path):
    lg = world.ledger
    cases, out = _export(world, tmp_path)
    book = openpyxl.load_workbook(out)
    ws = book["待填报问题"]
    columns = {c.value: c.column for c in ws[3]}
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    today = lg.today()
    # the clerk writes progress on every row and, as they would, 整改措施 on the 已交办 row too
    a = rows[cases["assigned"].number]
    ws.cell(row=a, column=columns["整改措施"]).value = "先行排查，制定加固方案"
    ws.cell(row=a, column=columns["本次进度"]).value = "已入户核实"
    b = rows[cases["in_progress"].number]
    ws.cell(row=b, column=columns["整改措施"]).value = "拆除重建"
    ws.cell(row=b, column=columns["本次进度"]).value = "地基已完成"
    ws.cell(row=b, column=columns["整改时限"]).value = today + dt.timedelta(days=90)  # a locked cell
    c = rows[cases["pending_verification"].number]
    ws.cell(row=c, column=columns["本次进度"]).value = "已提交核验材料"
    ws.cell(row=c, column=columns["整改措施"]).value = "补充：已更换门窗"
    book.save(out)

    plan = lg.imports.prepare(lg.imports.read(out), world.officer)
    outcomes = {o.case_number: o for o in plan.outcomes}
    assert {o.status for o in outcomes.values()} == {"updated"}, [(o.status, o.reasons) for o in plan.outcomes]
    oa, ob, oc = (outcomes[cases[k].number] for k in ("assigned", "in_progress", "pending_verification"))
    assert any(f"第{a}行" in n and "整改措施" in n and "已忽略" in n for n in oa.notes), oa.notes
    assert any(f"第{b}行" in n and "整改时限" in n and "已忽略" in n for n in ob.notes), ob.notes
    assert any(f"第{c}行" in n and "整改措施" in n and "已忽略" in n for n in oc.notes), oc.notes
    assert any("本次进度照常导入" in n for n in oa.notes)

    errors = tmp_path / "错误清单.xlsx"
    write_errors(lg, plan, errors, world.officer)
    sheet = openpyxl.load_workbook(errors).active
    assert "3 行部分内容被忽略" in sheet["A1"].value and "无需重填" in sheet["A2"].value
    listed = {r[0]: r[1] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert set(listed) == {a, b, c}
    assert "整改措施" in listed[a] and "整改时限" in listed[b] and "整改措施" in listed[c]

    deadline_before = lg.cases.get(cases["in_progress"].id).deadline
    measures_before = lg.cases.get(cases["pending_verification"].id).measures
    lg.imports.commit(plan, world.officer)
    after = {k: lg.cases.get(v.id) for k, v in cases.items()}
    assert [p.text for p in after["assigned"].progress] == ["已入户核实"]
    assert [p.text for p in after["in_progress"].progress][-1] == "地基已完成"
    assert [p.text for p in after["pending_verification"].progress][-1] == "已提交核验材料"
    assert not after["assigned"].measures
    assert after["in_progress"].measures == "拆除重建"
    assert after["in_progress"].deadline == deadline_before
    assert after["pending_verification"].measures == measures_before


def test_a_row_with_nothing_acceptable_is_refused(world, tmp_path):
    lg = world.ledger
    cases, out = _export(world, tmp_path)
    book = openpyxl.load_workbook(out)
    ws = book["待填报问题"]
    columns = {c.value: c.column for c in ws[3]}
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    ws.cell(row=rows[cases["assigned"].number], column=columns["整改措施"]).value = "只填了不能填的"
    book.save(out)
    plan = lg.imports.prepare(lg.imports.read(out), world.officer)
    outcome = next(o for o in plan.outcomes if o.case_number == cases["assigned"].number)
    assert outcome.status == "invalid" and "整改措施" in "；".join(outcome.reasons)
    assert not plan.updates and not plan.notes


def test_locking_follows_each_rows_state_and_the_guide_says_so(world, tmp_path):
    _cases, out = _export(world, tmp_path)
    ws = openpyxl.load_workbook(out)["待填报问题"]
    header = [c.value for c in ws[3]]
    seen = set()
    for r in range(4, ws.max_row + 1):
        state = ws.cell(row=r, column=header.index("当前状态") + 1).value
        seen.add(state)
        for col, name in enumerate(header, 1):
            if name in ("问题ID", "版本号"):
                continue
            cell = ws.cell(row=r, column=col)
            is_open = name in EXPECTED_OPEN[state] or name == "可填项"
            if name == "可填项":
                assert cell.protection.locked is True
                assert cell.value == "、".join(n for n in header if n in EXPECTED_OPEN[state])
                continue
            assert cell.protection.locked is (not is_open), (state, name)
            colour = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
            assert (colour is not None and colour.endswith(OPEN_FILL)) is is_open, (state, name, colour)
    assert seen == set(EXPECTED_OPEN)
    guide = " ".join(
        str(v) for row in CalamineWorkbook.from_path(str(out)).get_sheet_by_name("填写说明").to_python() for v in row
    )
    assert f"{STATE_NAMES['assigned']}的问题：可填本次进度、进度日期" in guide
    assert f"{STATE_NAMES['in_progress']}的问题：可填整改措施、本次进度、进度日期、完成时间" in guide
    assert "已销号的问题：全部锁定" in guide
