"""Excel import on generated messy township workbooks (written with openpyxl, as Excel or WPS would
write them), read by our reader, with the exact outcome of every row asserted; commit all or
nothing, audited with the file's hash, a second import of the same file recognised."""

from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from ledger.dto import CaseFilter
from ledger.errors import ConflictError, PermissionDenied, ValidationError
from ledger.models import AuditEvent, Case, Household
from reports.excel import write_errors
from tests.world import fresh_id_number

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def messy_workbook(path, rows, *, formula_row: int | None = None):
    """A township's sheet: a title, a 填报单位 line, a two-row header whose group cells are merged
    across and whose single cells are merged down, then the data rows as given."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "排查台账"
    ws["A1"] = "示例县城关镇两不愁三保障问题排查整改台账"
    ws.merge_cells("A1:K1")
    ws["A2"] = "填报单位（盖章）：城关镇人民政府        填报日期：2026年11月20日"
    upper = [
        "序 号",
        "乡镇",
        "村",
        "户主信息",
        "",
        "",
        "问题类别",
        "问题细类",
        "问题描述（必填）",
        "发现时间",
        "牵头单位",
    ]
    lower = ["", "", "", "姓名", "身份证号码", "户类型", "", "", "", "", ""]
    ws.append(upper)
    ws.append(lower)
    for col in "ABCGHIJK":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("D3:F3")
    for row in rows:
        ws.append(row)
    if formula_row is not None:
        ws.cell(row=formula_row, column=9).value = '=B5&"漏雨"'
    wb.save(path)
    return path


def row(n, township, village, name, id_number, kind, category, sub, text, found, dept=""):
    return [n, township, village, name, id_number, kind, category, sub, text, found, dept]


@pytest.fixture
def township_file(world, tmp_path):
    existing = world.household(head_name="赵有田")
    open_case = world.register("house.c", household=existing)
    first = fresh_id_number("19650304")
    bad_check = first[:-1] + ("0" if first[-1] != "0" else "1")
    rows = [
        # 5: new household, full-width digits in the ID, a text date in 年月日
        row(1, "城关镇", "东关村", "李 春 梅", first.translate(FULL_WIDTH), "脱贫户", "住房安全", "危房C级",
            "墙体开裂，屋面漏雨", "2026年10月15日"),
        # 6: the same household, another problem, a dotted date, the lead department without 县
        row(2, "城关", "东关", "李春梅", first, "脱贫户", "饮水安全", "水量不足", "时常停水", "2026.10.16", "水利局"),
        [None] * 11,  # 7: blank
        # 8: an ID number Excel stored as a number (its last digits are gone)
        row(3, "城关镇", "东关村", "张三", 990101196001011230.0, "脱贫户", "住房安全", "危房C级（修缮加固）",
            "墙体开裂", "2026-10-01"),
        # 9: a township the ledger does not have
        row(4, "城光镇", "东关村", "李四", fresh_id_number("19700101"), "低保户", "住房安全", "危房D级（拆除重建）",
            "主体结构受损", "2026/10/02"),
        # 10: a formula in the description (set below)
        row(5, "城关镇", "西关村", "王五", fresh_id_number("19710101"), "低保户", "基本医疗", "未参保",
            "placeholder", "2026-10-03"),
        # 11: the same household and problem as row 5
        row(6, "城关镇", "东关村", "李春梅", first, "脱贫户", "住房安全", "危房C级（修缮加固）", "重复", "2026-10-15"),
        # 12: a wrong check character
        row(7, "城关镇", "东关村", "钱六", bad_check, "脱贫户", "义务教育", "资助未落实", "资助未发放", "2026-10-04"),
        # 13: an open case of the same household and subcategory is already in the ledger
        row(8, "城关镇", "东关村", "赵有田", existing.head_id_number, "脱贫户", "住房安全", "危房C级（修缮加固）",
            "墙体开裂", "2026-10-05"),
        # 14: a serial-number date, full-width spaces around the name
        row(9, "河西乡", "河西村", "\u3000孙七\u3000", fresh_id_number("19800101"), "一般农户", "不愁吃、不愁穿", "",
            "冬季衣被不足", 46300),
        # 15: no description
        row(10, "城关镇", "东关村", "周八", fresh_id_number("19810101"), "脱贫户", "住房安全", "因灾受损", "",
            "2026-10-06"),
        # 16: a date that is no date, an unknown household kind
        row(11, "城关镇", "东关村", "吴九", fresh_id_number("19820101"), "贫困户", "住房安全", "因灾受损", "漏雨",
            "2026-13-45"),
        ["合计", "", "", "", "", "", "", "", "", "", ""],  # 17: a total line
    ]  # fmt: skip
    path = messy_workbook(tmp_path / "城关镇排查台账.xlsx", rows, formula_row=10)
    return path, {"first": first, "open_case": open_case, "existing": existing}


def test_messy_workbook_every_row_outcome(world, township_file):
    lg = world.ledger
    path, data = township_file
    table = lg.imports.read(path)
    plan = lg.imports.prepare(table, world.coordinator)
    assert plan.layout.header_rows == (2, 3)
    assert plan.layout.title.startswith("示例县城关镇")
    mapped = {plan.layout.labels[c]: f for c, f in plan.mapping.items()}
    assert mapped["姓名"] == "head_name" and mapped["身份证号码"] == "head_id" and mapped["户类型"] == "household_kind"
    assert (
        mapped["问题细类"] == "subcategory" and mapped["问题描述（必填）"] == "description" and mapped["序 号"] == "seq"
    )
    outcomes = {o.row: (o.status, "；".join(o.reasons)) for o in plan.outcomes}
    assert sorted(outcomes) == [5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    assert outcomes[5][0] == "new" and outcomes[6][0] == "new" and outcomes[14][0] == "new"
    assert outcomes[8][0] == "invalid" and "存成了数字" in outcomes[8][1] and "15 位" in outcomes[8][1]
    assert outcomes[9][0] == "invalid" and "城光镇" in outcomes[9][1] and "城关镇" in outcomes[9][1]
    assert outcomes[10][0] == "invalid" and "公式" in outcomes[10][1]
    assert outcomes[11] == ("duplicate", "与本表第 5 行是同一户的同一类问题")
    assert outcomes[12][0] == "invalid" and "校验位" in outcomes[12][1]
    assert outcomes[13][0] == "duplicate" and data["open_case"].number in outcomes[13][1]
    assert outcomes[15][0] == "invalid" and "不能为空" in outcomes[15][1]
    assert outcomes[16][0] == "invalid" and "不是有效日期" in outcomes[16][1] and "贫困户" in outcomes[16][1]
    assert plan.counts == {"new": 3, "updated": 0, "unchanged": 0, "duplicate": 2, "invalid": 6, "conflict": 0}

    cases_before = _count(lg, Case)
    households_before = _count(lg, Household)
    result = lg.imports.commit(plan, world.coordinator)
    assert (result.created, result.households) == (3, 2)
    assert _count(lg, Case) == cases_before + 3
    assert _count(lg, Household) == households_before + 2
    new = lg.households.find_by_id_number(data["first"])
    assert new is not None and new.head_name == "李春梅" and new.kind == "脱贫户"
    with lg.reading() as s:
        rows = s.execute(select(Case).where(Case.household_id == new.id).order_by(Case.id)).scalars().all()
        assert [(c.subcategory, c.found_date, c.state) for c in rows] == [
            ("house.c", dt.date(2026, 10, 15), "registered"),
            ("water.quantity", dt.date(2026, 10, 16), "assigned"),  # 县级统筹 imports a lead department as 交办
        ]
        assert rows[1].lead_department_id == world.slj_id and rows[1].deadline is not None
        sun = s.scalar(select(Household).where(Household.head_name == "孙七"))
        assert sun is not None
        food = s.scalar(select(Case).where(Case.household_id == sun.id))
        assert food.subcategory == "food.basic"  # the category's only subcategory
        assert food.found_date == dt.date(1899, 12, 30) + dt.timedelta(days=46300)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "import.commit"))
        payload = json.loads(event.payload)
    assert payload["sha256"] == table.sha256 and payload["created"] == 3 and payload["file"] == path.name
    assert lg.audit.verify().ok

    again = lg.imports.prepare(lg.imports.read(path), world.coordinator)
    assert "已于" in again.already and again.writes == 0
    assert lg.imports.commit(again, world.coordinator).created == 0
    assert _count(lg, Case) == cases_before + 3


def test_error_workbook_has_the_refused_rows_with_reasons(world, township_file, tmp_path):
    lg = world.ledger
    path, _data = township_file
    plan = lg.imports.prepare(lg.imports.read(path), world.clerk)
    out = write_errors(lg, plan, tmp_path / "错误清单.xlsx", world.clerk)
    with CalamineWorkbook.from_path(str(out.path)) as book:
        rows = book.get_sheet_by_name("错误清单").to_python()
    header = rows[2]
    assert header[:2] == ["原行号", "错误原因"] and "身份证号码" in header
    body = rows[3:]
    # 5 and 14 were taken, with their conversions to check (full-width ID; full-width spaces)
    assert [int(r[0]) for r in body] == [5, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    reasons = {int(r[0]): r[1] for r in body}
    assert "存成了数字" in reasons[8] and "公式" in reasons[10]
    assert "全角" in reasons[5] and "空格" in reasons[14]
    assert "共 8 行未导入" in rows[0][0] and "2 行有自动转换" in rows[0][0]
    text = json.dumps(rows, ensure_ascii=False, default=str)
    assert not re.search(r"\d{17}[\dX]", text), "full ID numbers in the error list"
    assert lg.audit.verify().ok


def test_commit_refuses_when_the_ledger_changed_in_between(world, township_file):
    lg = world.ledger
    path, data = township_file
    plan = lg.imports.prepare(lg.imports.read(path), world.clerk)
    # someone registers the first row's problem meanwhile: the preview no longer holds
    household = world.household(head_name="李春梅", head_id_number=data["first"])
    world.register("house.c", household=household)
    before = _count(lg, Case)
    with pytest.raises(ConflictError, match="重新预览"):
        lg.imports.commit(plan, world.clerk)
    assert _count(lg, Case) == before


def test_import_needs_a_writing_role(world, township_file):
    path, _ = township_file
    with pytest.raises(PermissionDenied):
        world.ledger.imports.prepare(world.ledger.imports.read(path), world.viewer)


def test_rows_with_case_numbers_update_editable_fields_only(world, tmp_path):
    lg = world.ledger
    registered = world.register("house.c", description="墙体开裂")
    closed = world.walk(world.register("house.d", description="主体受损"), "closed")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["问题编号", "户主姓名", "问题描述", "备注", "整改措施"])
    ws.append([registered.number, "王建国", "墙体开裂，已出现裂缝", "第二次排查", ""])
    ws.append([closed.number, "王建国", "主体受损", "", "改为拆除重建"])
    ws.append(["990101-2026-999999", "王建国", "不存在", "", ""])
    wb.save(tmp_path / "更新.xlsx")
    plan = lg.imports.prepare(lg.imports.read(tmp_path / "更新.xlsx"), world.clerk)
    outcomes = {o.row: (o.status, "；".join(o.reasons)) for o in plan.outcomes}
    assert outcomes[2][0] == "updated"
    assert outcomes[3] == ("invalid", "“已销号”状态下不能修改：整改措施")
    assert outcomes[4][0] == "invalid" and "不在本台账中" in outcomes[4][1]
    lg.imports.commit(plan, world.clerk)
    after = lg.cases.get(registered.id)
    assert (after.description, after.remarks) == ("墙体开裂，已出现裂缝", "第二次排查")
    assert after.version == registered.version + 1
    history = lg.cases.history(registered.id)
    assert any("墙体开裂，已出现裂缝" in json.dumps(h.__dict__, ensure_ascii=False, default=str) for h in history)


def test_csv_in_gb18030_and_utf8_with_bom(world, tmp_path):
    lg = world.ledger
    id_number = fresh_id_number("19900101")
    text = (
        "乡镇,村,户主姓名,身份证号,户类型,问题类别,问题子类,问题描述,发现时间\r\n"
        f"城关镇,东关村,郑十,{id_number},脱贫户,饮水安全,水质不达标,水质浑浊,2026-11-01\r\n"
    )
    for name, encoding in (("gbk.csv", "gb18030"), ("bom.csv", "utf-8-sig")):
        (tmp_path / name).write_bytes(text.encode(encoding))
        plan = lg.imports.prepare(lg.imports.read(tmp_path / name), world.clerk)
        assert [o.status for o in plan.outcomes] == ["new"], plan.outcomes
        assert plan.new_rows[0]["household"]["head_name"] == "郑十"


def test_headerless_sheet_is_refused_with_advice(world, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["甲", "乙", "丙"])
    wb.save(tmp_path / "无表头.xlsx")
    with pytest.raises(ValidationError, match="找不到表头"):
        world.ledger.imports.prepare(world.ledger.imports.read(tmp_path / "无表头.xlsx"), world.clerk)


def _count(lg, model) -> int:
    with lg.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


KILL_IMPORT = """
import sys
from ledger import open_ledger
from ledger.demo import IMPORT_HEADER, generate, township_rows
from reports.xlsx import Workbook
lg = open_ledger(sys.argv[1])
generate(lg, cases=10, seed=3)
with Workbook(sys.argv[2]) as book:
    sheet = book.add_sheet("排查台账")
    sheet.append(list(IMPORT_HEADER))
    for row in township_rows(lg, int(sys.argv[3])):
        sheet.append(row)
lg.close()
"""


# The command line's sign-in leaves its own "login" event: counted apart from what the import writes.
TABLES = ("cases", "households", "case_actions", "audit_events WHERE action NOT LIKE 'login%'")


@pytest.mark.slow
def test_a_process_killed_during_the_commit_leaves_nothing_of_the_import(tmp_path):
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    from ledger.demo import DEMO_PASSWORD

    root = Path(__file__).resolve().parents[2]
    db, book = tmp_path / "台账.db", tmp_path / "乡镇台账.xlsx"
    env = {**os.environ, "ZGTZ_DATA_DIR": str(tmp_path / "data"), "ZGTZ_KEY_DIR": str(tmp_path / "keys")}
    subprocess.run([sys.executable, "-c", KILL_IMPORT, str(db), str(book), "40000"], cwd=root, env=env, check=True)
    with sqlite3.connect(db) as con:
        before = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES]
    proc = subprocess.Popen(
        [sys.executable, "main.py", "import", str(book), "--db", str(db), "--user", "luru", "--password-stdin"],
        cwd=root, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, stdin=subprocess.PIPE,
    )  # fmt: skip
    proc.stdin.write(DEMO_PASSWORD.encode() + b"\n")
    proc.stdin.close()
    seen = b""
    while b"\xe5\x86\x99\xe5\x85\xa5\xe9\x97\xae\xe9\xa2\x98" not in seen:  # "写入问题": inside the transaction
        chunk = proc.stderr.read1(4096)
        assert chunk, f"the import ended before writing: {seen.decode(errors='replace')}"
        seen += chunk
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        after = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES]
        assert after == before
    # and the same file then imports whole
    done = subprocess.run(
        [sys.executable, "main.py", "import", str(book), "--db", str(db), "--user", "luru", "--password-stdin"],
        cwd=root, env=env, capture_output=True, text=True, input=DEMO_PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "新增问题 40,000 个" in done.stdout


def test_import_then_ordinary_work_on_both_databases(any_world, tmp_path):
    """The bulk path with explicit ids (and PostgreSQL's sequences moved past them), then a
    household and a case created the ordinary way, and an export read back."""
    world = any_world
    lg = world.ledger
    ids = [fresh_id_number("19880101") for _ in range(3)]
    lines = ["乡镇,村,户主姓名,身份证号,户类型,问题类别,问题子类,问题描述,发现时间,牵头单位"]
    for n, id_number in enumerate(ids):
        lines.append(f"城关镇,东关村,测试户{n},{id_number},脱贫户,饮水安全,水量不足,时常停水,2026-11-0{n + 1},县水利局")
    (tmp_path / "导入.csv").write_text("\r\n".join(lines), encoding="utf-8-sig")
    plan = lg.imports.prepare(lg.imports.read(tmp_path / "导入.csv"), world.coordinator)
    result = lg.imports.commit(plan, world.coordinator)
    assert (result.created, result.households) == (3, 3)
    later = world.register("house.c")  # the ordinary path still finds free ids
    assert later.number > result.last_number
    assigned = [lg.cases.get(c) for c in lg.reporting.case_ids(CaseFilter(states=("assigned",)))]
    assert {c.household.head_id_number for c in assigned} == set(ids)
    assert {c.lead_department_id for c in assigned} == {world.slj_id}
    history = lg.cases.history(assigned[0].id)
    assert [(h.action, h.detail) for h in history] == [("Excel导入登记", "导入.csv")]
    assert lg.audit.verify().ok


def test_a_large_import_keeps_the_dashboard_counts_exact(world, tmp_path):
    """Over 1,000 rows the counts are added in one GROUP BY (the per-row trigger is set aside inside
    the transaction): the dashboard must equal a full count, and the trigger must be back."""
    from ledger.demo import IMPORT_HEADER, township_rows
    from reports.xlsx import Workbook

    lg = world.ledger
    lg.catalog.add_regions(world.admin, [("990101001003", "南关村", "990101001000")])
    with Workbook(tmp_path / "大.xlsx", full_numbers=True) as book:  # a township's input, IDs whole
        sheet = book.add_sheet("排查台账")
        sheet.append(list(IMPORT_HEADER))
        for row in township_rows(lg, 1500):
            sheet.append(row)
    plan = lg.imports.prepare(lg.imports.read(tmp_path / "大.xlsx"), world.clerk)
    assert plan.counts["new"] == 1500, plan.refused[:3]
    lg.imports.commit(plan, world.clerk)
    world.register("house.c")  # an ordinary registration afterwards is counted by the trigger again
    with lg.reading() as s:
        by_state = dict(s.execute(select(Case.state, func.count()).group_by(Case.state)).all())
    dashboard = lg.queries.dashboard()
    assert dashboard.total == sum(by_state.values()) == 1501
    assert dashboard.by_state["registered"] == by_state["registered"]


def test_a_corrected_mapping_is_remembered_for_the_layout(world, tmp_path):
    lg = world.ledger
    header = ["乡镇", "村", "户主", "证件", "户类型", "问题类别", "问题子类", "情况说明", "排查时间"]

    def sheet(name, id_number):
        wb = openpyxl.Workbook()
        wb.active.append(header)
        wb.active.append(
            ["城关镇", "东关村", "冯一", id_number, "脱贫户", "住房安全", "因灾受损", "漏雨", "2026-11-01"]
        )
        wb.save(tmp_path / name)
        return tmp_path / name

    first = lg.imports.read(sheet("一.xlsx", fresh_id_number()))
    layout = lg.imports.layout(first)
    assert 3 not in layout.mapping and 7 not in layout.mapping  # 证件 and 情况说明 are not known names
    mapping = {**layout.mapping, 3: "head_id", 7: "description"}
    plan = lg.imports.prepare(first, world.clerk, mapping)
    assert [o.status for o in plan.outcomes] == ["new"]
    lg.imports.commit(plan, world.clerk)
    again = lg.imports.prepare(lg.imports.read(sheet("二.xlsx", fresh_id_number())), world.clerk)
    assert again.mapping[3] == "head_id" and again.mapping[7] == "description"
    assert [o.status for o in again.outcomes] == ["new"]


def test_error_list_shows_a_serial_date_as_a_date(world, tmp_path):
    """A refused row whose 发现时间 is a day number (an unformatted date cell) comes back in the
    error list as the date it is, not as 45352.0."""
    lg = world.ledger
    rows = [
        row(1, "城关镇", "东关村", "周八", fresh_id_number("19810101"), "脱贫户", "住房安全", "因灾受损", "", 45352),
    ]
    path = messy_workbook(tmp_path / "日期.xlsx", rows)
    plan = lg.imports.prepare(lg.imports.read(path), world.clerk)
    out = write_errors(lg, plan, tmp_path / "错误清单.xlsx", world.clerk)
    with CalamineWorkbook.from_path(str(out.path)) as book:
        sheet = book.get_sheet_by_name("错误清单").to_python()
    header, body = sheet[2], sheet[3]
    found = body[header.index("发现时间")]
    assert found == dt.date(2024, 3, 1), found


def _stretch_cell(path, short: str, long: str) -> None:
    """openpyxl cuts a string at Excel's 32,767 characters when it writes, so the over-long cell is
    put into the saved package by hand, as another program might write it."""
    import zipfile

    parts = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            parts[info.filename] = zf.read(info.filename)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data.replace(short.encode(), long.encode()))


def test_an_over_long_cell_is_refused_with_its_row_and_column_never_cut(world, tmp_path):
    lg = world.ledger
    long_text = "墙" * 40_000
    header = "乡镇,村,户主姓名,身份证号,户类型,问题类别,问题子类,问题描述,发现时间\r\n"
    line = f"城关镇,东关村,郑十,{fresh_id_number('19900101')},脱贫户,饮水安全,水质不达标,{{}},2026-11-01\r\n"
    csv_path = tmp_path / "长.csv"
    csv_path.write_bytes((header + line.format("水质浑浊") + line.format(long_text)).encode("gb18030"))

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header.strip().split(","))
    ws.append(line.strip().format("水质浑浊").split(","))
    ws.append(line.strip().format("PLACEHOLDER").split(","))
    xlsx_path = tmp_path / "长.xlsx"
    wb.save(xlsx_path)
    _stretch_cell(xlsx_path, "PLACEHOLDER", long_text)

    for path in (csv_path, xlsx_path):
        table = lg.imports.read(path)
        assert len(table.rows[2][7]) == 40_000, "the reader cut the cell"
        plan = lg.imports.prepare(table, world.clerk)
        refused = {o.row: o.reasons for o in plan.outcomes if o.status == "invalid"}
        assert refused == {3: ["第3行“问题描述”超过32767个字符，未导入"]}, refused
        out = write_errors(lg, plan, tmp_path / f"错误清单{path.suffix}.xlsx", world.clerk)
        with CalamineWorkbook.from_path(str(out.path)) as book:
            sheet = book.get_sheet_by_name("错误清单").to_python()
        assert sheet[3][1] == "第3行“问题描述”超过32767个字符，未导入"
        assert "已截断，全文共40000字" in sheet[3][2 + 7]  # marked where it had to be shortened


def test_every_automatic_conversion_is_a_row_note_and_a_part_name_matches(world, tmp_path):
    """A 15-digit ID, full-width characters, spaces trimmed and a subcategory given by one part of its
    name (辍学 for 辍学/控辍保学) are taken, each with a note in the preview and the error list."""
    lg = world.ledger
    old = fresh_id_number("19650304")
    legacy = old[:6] + old[8:17]  # the same person's 15-digit number
    wide = fresh_id_number("19700101")
    rows = [
        row(1, "城关镇", "东关村", "李春梅", legacy, "脱贫户", "义务教育", "辍学", "孩子未入学", "2026-10-15"),
        row(2, "城关镇", "东关村", "王五", wide.translate(FULL_WIDTH), "脱贫户", "住房安全", "危房C级", "漏雨",
            "2026-10-16"),
        row(3, "城关镇", "东关村", "  孙七 ", fresh_id_number("19800101"), "脱贫户", "住房安全", "危房C级", "漏雨",
            "2026-10-17"),
        row(4, "城关镇", "东关村", "周八", fresh_id_number("19810101"), "脱贫户", "住房安全", "危房C级", "",
            "2026-10-18"),
    ]  # fmt: skip
    path = messy_workbook(tmp_path / "转换.xlsx", rows)
    plan = lg.imports.prepare(lg.imports.read(path), world.clerk)
    by_row = {o.row: o for o in plan.outcomes}
    assert [by_row[r].status for r in (5, 6, 7, 8)] == ["new", "new", "new", "invalid"]
    notes = {r: "；".join(by_row[r].notes) for r in (5, 6, 7)}
    assert "15位身份证号已按国家标准转为18位" in notes[5], notes
    assert "“辍学”按“辍学/控辍保学”登记" in notes[5], notes
    assert "全角" in notes[6], notes
    assert "空格" in notes[7], notes
    assert plan.new_rows[0]["household"]["head_id_number"] == old
    out = write_errors(lg, plan, tmp_path / "错误清单.xlsx", world.clerk)
    with CalamineWorkbook.from_path(str(out.path)) as book:
        sheet = book.get_sheet_by_name("错误清单").to_python()
    listed = {int(r[0]): r[1] for r in sheet[3:]}
    assert set(listed) == {5, 6, 7, 8}, listed
    assert "15位身份证号" in listed[5] and "全角" in listed[6] and "空格" in listed[7]


def test_an_ambiguous_part_of_a_name_is_refused_with_the_candidates():
    from ledger.tabular import Matcher

    matcher = Matcher({"辍学/控辍保学": "a", "辍学/失学": "b", "寄宿/营养改善未落实": "c"})
    assert matcher.find("营养改善未落实") == "c" and matcher.by_part("营养改善未落实") == "寄宿/营养改善未落实"
    assert matcher.find("辍学") is None
    assert "辍学/控辍保学、辍学/失学" in matcher.explain("问题子类", "辍学")
