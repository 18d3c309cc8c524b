"""部门比对 (issue 15 item 4): department rosters the tests write themselves (openpyxl workbooks and
a GB18030 CSV), one per roster kind, compared with households made through the services. The
candidates equal a set worked out by hand: a 15-digit ID, a full-width ID, a name-only (weak)
match, children one day either side of the school-age bounds, a village-level water failure."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from ledger.errors import PermissionDenied, ValidationError
from ledger.ids import with_check_digit
from tests import pdfcheck
from tests.world import PASSWORD

TODAY = dt.date(2026, 11, 23)  # the world's clock


def pid(birth: str, seq: int) -> str:
    return with_check_digit(f"990101{birth}{seq:03d}")


def wide(text: str) -> str:
    """Full-width digits, as some department systems export them."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


@pytest.fixture
def people(world):
    """Four households (hand-computed expectations below refer to these names)."""
    lg = world.ledger
    villages = {v.name: v.id for v in lg.catalog.villages(world.township_id)}
    ids = {
        "张大山": pid("19700101", 11), "李秀英": pid("19720305", 12), "张小明": pid("20160510", 13),
        "张小军": pid("20201122", 14), "张小红": pid("20201124", 15),
        "王五": pid("19800202", 21), "王丽": pid("20140601", 22),
        "赵六": pid("19750707", 31), "赵小兵": pid("20101124", 32), "赵小兰": pid("20101122", 33),
        "孙七": pid("19600808", 41),
    }  # fmt: skip
    a = world.household(
        village_id=villages["东关村"], head_name="张大山", head_id_number=ids["张大山"], kind="脱贫户", size=5,
        members=[("李秀英", ids["李秀英"], "配偶"), ("张小明", ids["张小明"], "子"),
                 ("张小军", ids["张小军"], "子"), ("张小红", ids["张小红"], "女")],
    )  # fmt: skip
    b = world.household(
        village_id=villages["西关村"], head_name="王五", head_id_number=ids["王五"], kind="边缘易致贫户", size=4,
        members=[("王芳", "", "配偶"), ("王强", "", "子"), ("王丽", ids["王丽"], "女")],
    )  # fmt: skip
    c = world.household(
        village_id=villages["东关村"], head_name="赵六", head_id_number=ids["赵六"], kind="一般农户", size=3,
        members=[("赵小兵", ids["赵小兵"], "子"), ("赵小兰", ids["赵小兰"], "女")],
    )  # fmt: skip
    d = world.household(
        village_id=villages["西关村"], head_name="孙七", head_id_number=ids["孙七"], kind="低保户", size=1
    )
    date_tags(lg, b.id, dt.date(2026, 3, 5))
    world.register("house.c", household=b, description="墙体开裂")  # 王五户 already has a 住房安全 case
    members = {}
    for h in (a, b, c, d):
        with lg.reading() as s:
            from sqlalchemy import select

            from ledger.models import Member

            for m in s.scalars(select(Member).where(Member.household_id == h.id)):
                members[m.name] = m.id
    return {"ids": ids, "h": {"张大山": a.id, "王五": b.id, "赵六": c.id, "孙七": d.id}, "m": members,
            "v": villages}  # fmt: skip


def date_tags(lg, household_id, start):
    """识别日期 of a household's tags (the tag editor is another part of issue 15): one audited change."""
    from sqlalchemy import update

    from ledger import records
    from ledger.models import HouseholdTag

    with lg.unit_of_work() as s:
        tag_ids = list(
            s.scalars(
                update(HouseholdTag)
                .where(HouseholdTag.household_id == household_id)
                .values(start_date=start)
                .returning(HouseholdTag.id)
            )
        )
        records.touch(s, "tag", tag_ids)
        lg.record(s, None, "household.tags", "household", household_id, {"start_date": start.isoformat()})


def write_xlsx(path, rows, title=None, merged=()):
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    for ref in merged:
        sheet.merge_cells(ref)
    book.save(path)
    return path


def found(result):
    return {(f.rule, f.key, f.weak) for f in result.findings}


def medical_rows(ids, *, without=()):
    rows = [
        ["序号", "姓名", "身份证号码", "乡镇", "村", "参保状态"],
        [1, "张大山", ids["张大山"][:6] + ids["张大山"][8:17], "城关镇", "东关村", "正常"],  # 15-digit
        [2, "李秀英", wide(ids["李秀英"]), "城关镇", "东关村", "正常"],  # full-width
        [3, "张小军", ids["张小军"], "城关镇", "东关村", "停保"],
        [4, "张小红", ids["张小红"], "城关镇", "东关村", "正常"],
        [5, "王五", ids["王五"], "城关镇", "西关村", "正常"],
        [6, "王 芳", "", "城关镇", "西关村", "正常"],  # name only, insured
        [7, "王强", "", "城关镇", "西关关", "正常"],  # a village the ledger does not have: no match
        [8, "王强", "", "", "西关村", "未参保"],  # name only, not insured: a weak candidate
        [9, "王丽", ids["王丽"], "城关镇", "西关村", "正常"],
        [10, "外县人", pid("19900101", 99), "城关镇", "东关村", "正常"],  # nobody of the ledger
    ]
    return [r for r in rows if r[1] not in without]


def test_medical_roster(world, people, tmp_path):
    lg, ids, m = world.ledger, people["ids"], people["m"]
    path = write_xlsx(tmp_path / "医保参保名单.xlsx", medical_rows(ids), title="2026年城乡居民医保参保名单")
    result = lg.compare.run(world.coordinator, path, "医保")
    # 脱贫户 张大山户 and 监测对象 王五户 only (赵六 一般农户, 孙七 低保户 are not the rule's)
    assert found(result) == {
        ("未参保", f"未参保:m{m['张小明']}", False),  # not on the list
        ("未参保", f"未参保:m{m['张小军']}", False),  # on it as 停保
        ("未参保", f"未参保:m{m['王强']}", True),  # 未参保, matched by name + village only
    }
    by_key = {f.key: f for f in result.findings}
    assert by_key[f"未参保:m{m['张小军']}"].roster_row == 5
    assert by_key[f"未参保:m{m['张小明']}"].roster_row is None
    assert by_key[f"未参保:m{m['王强']}"].match_name == "姓名+村（弱）"
    assert {f.state for f in result.findings} == {"open"} and len(result.new) == 3 and not result.gone
    summary = result.run.summary
    assert (summary["matched_id"], summary["matched_name"], summary["unmatched"]) == (6, 2, 2)
    notes = dict(result.notes)
    assert "15位身份证号已转换为18位" in notes[3] and "全角" in notes[4] and "空格" in notes[8]
    assert [row for row, _ in result.unmatched] == [9, 12]
    assert lg.audit.verify().ok


def test_school_roster_csv_gb18030_and_age_bounds(world, people, tmp_path):
    lg, ids, m = world.ledger, people["ids"], people["m"]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["学生姓名", "学生身份证号", "乡镇", "村", "就读学校", "学籍状态"])
    writer.writerow(["张小明", wide(ids["张小明"]), "城关镇", "东关村", "东关小学", "辍学"])
    writer.writerow(["赵小兵", ids["赵小兵"], "城关镇", "东关村", "", "送教上门"])  # exempt
    writer.writerow(["王丽", "", "城关镇", "西关村", "西关小学", "辍学"])  # name only
    path = tmp_path / "学籍名单.csv"
    path.write_bytes(text.getvalue().encode("gb18030"))
    result = lg.compare.run(world.coordinator, path, "学籍")
    # ages on 2026-11-23: 张小明 10, 张小军 6 since yesterday (in), 张小红 6 tomorrow (out),
    # 赵小兵 16 tomorrow (15: in, but exempt), 赵小兰 16 since yesterday (out), 王丽 12
    assert found(result) == {
        ("适龄未在学", f"适龄未在学:m{m['张小明']}", False),
        ("适龄未在学", f"适龄未在学:m{m['张小军']}", False),
        ("适龄未在学", f"适龄未在学:m{m['王丽']}", True),
    }
    assert any("没有身份证号" in w for w in result.warnings)  # 王芳, 王强


def test_housing_roster(world, people, tmp_path):
    lg, ids, h = world.ledger, people["ids"], people["h"]
    rows = [
        ["户主姓名", "户主身份证号", "乡镇", "村", "鉴定等级"],
        ["张大山", ids["张大山"][:6] + ids["张大山"][8:17], "城关镇", "东关村", "C级"],
        ["王五", ids["王五"], "城关镇", "西关村", "D级"],  # has a 住房安全 case already
        ["赵六", ids["赵六"], "城关镇", "东关村", "B级"],
        ["孙七", "", "城关镇", "西关村", "D级危房"],  # name only
    ]
    path = write_xlsx(tmp_path / "危房鉴定结果.xlsx", rows, title="农村危房鉴定结果")
    result = lg.compare.run(world.coordinator, path, "危房")
    assert found(result) == {
        ("危房C级", f"危房C级:h{h['张大山']}", False),
        ("危房D级", f"危房D级:h{h['孙七']}", True),
    }
    assert {f.subcategory for f in result.findings} == {"house.c", "house.d"}


def water_roster(tmp_path, name="供水检测结果.xlsx", east_quality="不达标"):
    rows = [
        ["乡镇", "村", "达标情况", None, None, None],
        [None, None, "水量", "水质", "用水方便程度", "供水保证率"],
        ["城关镇", "东关村", "达标", east_quality, "达标", "95%"],
        ["城关镇", "西关村", "达标", "达标", "达标", 0.85],
        ["河西乡", "河西村", "达标", "达标", "达标", "98%"],
        ["城关镇", "北关村", "不达标", "达标", "达标", "95%"],  # no such village
    ]
    return write_xlsx(tmp_path / name, rows, merged=("A1:A2", "B1:B2", "C1:F1"))


def test_water_roster_by_village_registers_village_cases(world, people, tmp_path):
    lg, v = world.ledger, people["v"]
    result = lg.compare.run(world.coordinator, water_roster(tmp_path), "供水")
    assert found(result) == {
        ("水质不达标", f"水质不达标:v{v['东关村']}", False),
        ("供水保证率低", f"供水保证率低:v{v['西关村']}", False),
    }
    assert [row for row, _ in result.unmatched] == [6]
    registered = lg.compare.register(world.coordinator, [f.id for f in result.findings])
    assert len(registered.cases) == 2
    for finding_id, case_id, _ in registered.cases:
        case = lg.cases.get(case_id)
        f = next(x for x in result.findings if x.id == finding_id)
        assert case.household is None and case.village_id == f.village_id and case.village_level
        assert case.source == "部门筛查预警" and case.subcategory == f.subcategory
        assert case.remarks.startswith(f"部门比对 第{result.run.id}批 供水检测结果.xlsx 第")
    assert {f.state for f in lg.compare.findings(result.run.id)} == {"registered"}
    assert lg.audit.verify().ok


def test_register_rerun_and_dismissals(world, people, tmp_path):
    lg, ids, m = world.ledger, people["ids"], people["m"]
    first = lg.compare.run(world.coordinator, write_xlsx(tmp_path / "医保1.xlsx", medical_rows(ids)), "医保")
    keys = {f.key: f for f in first.findings}
    xiaojun, qiang, xiaoming = (keys[f"未参保:m{m[n]}"] for n in ("张小军", "王强", "张小明"))
    with pytest.raises(ValidationError, match="原因"):
        lg.compare.dismiss(world.coordinator, [qiang.id], " ")
    assert lg.compare.dismiss(world.coordinator, [qiang.id], "已在务工地参保，见参保凭证") == 1
    done = lg.compare.register(world.coordinator, [xiaojun.id])
    ((_, case_id, number),) = done.cases
    case = lg.cases.get(case_id)
    assert (case.household.id, case.member_id, case.member_name) == (people["h"]["张大山"], m["张小军"], "张小军")
    assert case.source == "部门筛查预警" and case.subcategory == "med.insure"
    assert case.remarks == f"部门比对 第{first.run.id}批 医保1.xlsx 第4行"
    with pytest.raises(ValidationError, match="已登记"):
        lg.compare.register(world.coordinator, [xiaojun.id])

    # the second roster: 张小明 now insured, 李秀英 missing from it
    rows = medical_rows(ids, without=("李秀英",))
    rows.insert(1, [0, "张小明", ids["张小明"], "城关镇", "东关村", "正常"])
    second = lg.compare.run(world.coordinator, write_xlsx(tmp_path / "医保2.xlsx", rows), "医保")
    assert [f.key for f in second.new] == [f"未参保:m{m['李秀英']}"]
    assert [f.key for f in second.gone] == [xiaoming.key] and second.gone[0].state == "gone"
    assert second.unchanged == 2
    states = {f.key: (f.state, f.case_number, f.reason) for f in second.findings}
    assert states[qiang.key] == ("dismissed", "", "已在务工地参保，见参保凭证")  # survives the rerun
    assert states[xiaojun.key] == ("registered", number, "")
    third = lg.compare.run(world.coordinator, write_xlsx(tmp_path / "医保3.xlsx", rows), "医保")
    assert (len(third.new), len(third.gone), third.unchanged) == (0, 0, 3)
    assert lg.compare.findings(kind="医保", states=["gone"])[0].key == xiaoming.key
    assert lg.audit.verify().ok


def test_roles_and_bad_files(world, people, tmp_path):
    lg = world.ledger
    path = water_roster(tmp_path)
    for who in (world.clerk, world.officer, world.viewer):
        with pytest.raises(PermissionDenied, match="只有县级统筹"):
            lg.compare.run(who, path, "供水")
    with pytest.raises(ValidationError, match="比对名单类型应为"):
        lg.compare.run(world.coordinator, path, "社保")
    with pytest.raises(ValidationError, match="不像危房鉴定结果"):
        lg.compare.run(world.coordinator, path, "危房")
    (tmp_path / "旧.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(ValidationError, match="另存为"):
        lg.compare.run(world.coordinator, tmp_path / "旧.xls", "医保")
    result = lg.compare.run(world.coordinator, path, "供水")
    with pytest.raises(PermissionDenied):
        lg.compare.dismiss(world.clerk, [result.findings[0].id], "已核实无问题")
    with pytest.raises(PermissionDenied):
        lg.compare.findings(result.run.id, viewer=world.officer)


def test_owed_roster_workbook(world, people, tmp_path):
    from reports.compare_output import write_owed

    lg = world.ledger
    out = tmp_path / "应报医保名单.xlsx"
    written = write_owed(lg, world.coordinator, "医保", dt.date(2026, 1, 1), out)
    with CalamineWorkbook.from_path(str(out)) as book:
        rows = book.get_sheet_by_name("应报名单").to_python()
    names = [r[4] for r in rows[3:]]
    assert names == ["王五", "王芳", "王强", "王丽"] and written.rows == 4  # the 监测对象 household, whole
    assert not re.search(r"\d{17}[\dX]", repr(rows))


def test_cli_compare_with_out(world, people, tmp_path, monkeypatch, capsys):
    import main

    db = str(world.ledger.engine.url.database)
    path = write_xlsx(tmp_path / "医保参保名单.xlsx", medical_rows(people["ids"]))
    out, pdf = tmp_path / "比对结果.xlsx", tmp_path / "比对结果.pdf"
    monkeypatch.setenv("ZGTZ_KEY_DIR", str(tmp_path / "keys"))  # the world's audit key
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    command = ["compare", str(path), "--db", db, "--kind", "医保", "--user", "tongchou", "--password-stdin"]
    code = main.main([*command, "--out", str(out), "--pdf", str(pdf)])
    printed, errors = capsys.readouterr()
    assert code == 0, errors
    assert "未参保：3 条" in printed and "张小明" in printed
    with CalamineWorkbook.from_path(str(out)) as book:
        rows = book.get_sheet_by_name("比对结果").to_python()
    header = rows[2]
    assert header[:9] == ["序号", "比对规则", "乡镇", "村", "户主", "成员", "身份证号", "名单行号", "匹配方式"]
    body = [dict(zip(header, r, strict=False)) for r in rows[3:]]
    assert sorted(r["成员"] for r in body) == ["张小军", "张小明", "王强"]
    assert {r["匹配方式"] for r in body} == {"身份证号", "名单中无此人", "姓名+村（弱）"}
    assert all("*" in r["身份证号"] for r in body if r["身份证号"])
    assert not re.search(r"\d{17}[\dX]", repr(rows))
    pages = pdfcheck.read(pdf)
    text = re.sub(r"\s+", "", pdfcheck.text_of(pages))
    assert not pdfcheck.check(pdf, terms={"张小明", "张小军", "王强", "待核实", "未参保", "姓名+村（弱）"})
    assert "部门比对结果（医保）" in text and "城关镇东关村（共2条）" in text and "城关镇西关村（共1条）" in text
    assert "张小明" in text and "姓名+村（弱）" in text and not re.search(r"\\d{17}[\\dX]", text)


def test_cli_register_and_refusals(world, people, tmp_path, monkeypatch, capsys):
    import main

    db = str(world.ledger.engine.url.database)
    monkeypatch.setenv("ZGTZ_KEY_DIR", str(tmp_path / "keys"))
    command = ["compare", str(water_roster(tmp_path)), "--db", db, "--user", "tongchou", "--password-stdin"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main.main([*command, "--kind", "社保"]) == 2
    assert "比对名单类型应为：医保、学籍、危房、供水" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main.main([*command, "--kind", "供水", "--register"]) == 0
    printed = capsys.readouterr().out
    assert "水质不达标：1 条" in printed and "供水保证率低：1 条" in printed and "已登记问题 2 个" in printed
    made = world.ledger.compare.findings(kind="供水", states=["registered"])  # the world's file, read again
    assert sorted((f.rule, f.case_number != "") for f in made) == [("供水保证率低", True), ("水质不达标", True)]
    for f in made:
        case = world.ledger.cases.get(world.ledger.compare.findings(finding_ids=[f.id])[0].case_id)
        assert (case.source, case.household, case.village_id) == ("部门筛查预警", None, f.village_id)


def test_cli_writes_the_roster_owed_to_the_department(world, people, tmp_path, monkeypatch, capsys):
    import main

    db = str(world.ledger.engine.url.database)
    monkeypatch.setenv("ZGTZ_KEY_DIR", str(tmp_path / "keys"))
    out = tmp_path / "应报医保名单.xlsx"
    command = ["compare", "--db", db, "--kind", "医保", "--user", "tongchou", "--password-stdin"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main.main([*command, "--owed-since", "2026年1月1日"]) == 2  # no --out
    assert "--out" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main.main(command) == 2  # neither a roster nor --owed-since
    assert "部门名单文件" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main.main([*command, "--owed-since", "2026-1-1", "--out", str(out)]) == 0
    assert "（4 人）" in capsys.readouterr().out
    with CalamineWorkbook.from_path(str(out)) as book:
        rows = book.get_sheet_by_name("应报名单").to_python()
    assert [r[4] for r in rows[3:]] == ["王五", "王芳", "王强", "王丽"]
