"""Village-level problems (村级问题: no household) and problems naming a family member (涉及成员)
across the product (issue 15, item 3): registered through the service, refused at the wrong level,
listed, counted, searched and sorted; printed in the ledger under their village, in the 销号审批表,
the timetable, the 周报 and the 督办函; written to the handoff workbook (read back with calamine)
and imported from a workbook; the fill-in round trip of a village's case."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from ledger.dto import CaseFilter
from ledger.errors import ValidationError
from reports.excel import ExportRequest, export_fillin, export_workbook
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from tests import pdfcheck
from tests.world import World, fresh_id_number

CHILD_ID = fresh_id_number("20140302")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def village_case(w: World, subcategory: str = "water.pipes", village_id: int | None = None, **kw):
    args = {
        "household_id": None,
        "village_id": village_id or w.village_id,
        "subcategory": subcategory,
        "description": "村东主管网老化，年久漏水",
        "source": "干部走访排查",
        "found_date": w.clock.now.date(),
    }
    return w.ledger.cases.register(w.clerk, **(args | kw)).case


@pytest.fixture
def mixed(world: World) -> World:
    """东关村: a village-level 管网 problem, 张三's household with a problem about his son 张小明,
    and 王建国's ordinary one; 西关村: a village-level 村卫生室 problem."""
    lg = world.ledger
    zhang = world.household(
        head_name="张三", members=[("李桂兰", fresh_id_number("19750101"), "配偶"), ("张小明", CHILD_ID, "子")]
    )
    child = next(m for m in lg.households.members(zhang.id) if m.name == "张小明")
    west = next(v for v in lg.catalog.villages(world.township_id) if v.name == "西关村")
    world.extra.update(
        zhang=zhang,
        west=west.id,
        pipes=village_case(world),
        dropout=world.register("edu.dropout", household=zhang, member_id=child.id, description="初二辍学在家"),
        house=world.register("house.c", description="后墙开裂"),
        clinic=village_case(world, "med.clinic", west.id, description="村卫生室无合格村医"),
    )
    return world


def test_the_catalog_says_each_subcategorys_level(world):
    subs = world.ledger.catalog.subcategories
    assert subs["med.clinic"].level == "village" and subs["water.pipes"].level == "village"
    assert {subs[c].level for c in ("water.quantity", "water.quality", "water.access", "water.reliability")} == {"both"}
    assert subs["house.c"].level == "household" and subs["edu.dropout"].level == "household"
    assert subs["water.quality"].for_villages and subs["water.quality"].for_households
    assert not subs["med.clinic"].for_households and not subs["house.c"].for_villages


def test_register_refuses_the_wrong_level(world):
    lg = world.ledger
    household = world.household()
    with pytest.raises(ValidationError, match="是村级问题，不能登记在某一农户名下"):
        world.register("med.clinic", household=household)
    with pytest.raises(ValidationError, match="是农户问题，不能作为村级问题登记"):
        village_case(world, "house.c")
    with pytest.raises(ValidationError, match="村级问题不能指定家庭成员"):
        village_case(world, member_id=1)
    other = world.household(members=[("外人", fresh_id_number("19900101"), "子")])
    stranger = lg.households.members(other.id)[0]
    with pytest.raises(ValidationError, match="所选家庭成员不属于该农户"):
        world.register("edu.dropout", household=household, member_id=stranger.id)
    # a water problem may be either
    assert village_case(world, "water.quality").village_level
    assert not world.register("water.quality", household=household).village_level
    assert lg.audit.verify().ok


def test_views_subjects_and_the_audit(mixed):
    lg = mixed.ledger
    pipes, dropout, clinic = (lg.cases.get(mixed.extra[k].id) for k in ("pipes", "dropout", "clinic"))
    assert pipes.household is None and pipes.village_name == "东关村" and pipes.subject == "村级（东关村）"
    assert clinic.subject == "村级（西关村）" and clinic.township_id == mixed.township_id
    assert dropout.member_name == "张小明" and dropout.subject == "张三（张小明）"
    assert lg.audit.verify().ok


def test_lists_counts_search_and_sorting(mixed):
    lg = mixed.ledger
    x = mixed.extra
    assert lg.queries.count() == 4 and lg.queries.dashboard().total == 4
    assert lg.queries.count(CaseFilter(village_id=mixed.village_id)) == 3
    assert lg.queries.count(CaseFilter(category="water")) == 1  # the case_counts table has it
    for sort in ("deadline", "found_date", "number", "state"):
        for descending in (False, True):
            rows = lg.queries.page(sort=sort, descending=descending)
            assert {r.number for r in rows} == {c.number for c in x.values() if hasattr(c, "number")}
    rows = {r.number: r for r in lg.queries.page()}
    pipes = rows[x["pipes"].number]
    assert pipes.head_name == "村级" and pipes.village_level and pipes.head_id_masked == ""
    assert pipes.village_name == "东关村"
    assert rows[x["dropout"].number].head_name == "张三（张小明）"
    assert rows[x["dropout"].number].member_name == "张小明"
    assert rows[x["house"].number].head_name == "王建国"

    def found(term: str) -> set[str]:
        numbers = {r.number for r in lg.queries.page(CaseFilter(search=term))}
        assert lg.queries.count(CaseFilter(search=term)) == len(numbers)
        return numbers

    assert found("东关村") == {x["pipes"].number}  # 3+ characters: the trigram index
    assert found("西关") == {x["clinic"].number}  # 1–2 characters: names
    assert found("村卫生室") == {x["clinic"].number}  # the description
    assert found("张小明") == {x["dropout"].number}  # the member named
    assert found("张三") == {x["dropout"].number}
    assert found(CHILD_ID) == {x["dropout"].number}  # a member's ID finds the household's problems
    # households are listed as before: a village's problem is no household's
    assert lg.queries.household_count() == 2


def _render(lg, kind: str, out, actor, **kw):
    return render_report(lg, ReportRequest(kind, **kw), out, actor, fonts=FontSet.shipped_only())


def test_the_printed_ledger_puts_a_village_problem_under_its_village(mixed, tmp_path):
    lg = mixed.ledger
    out = tmp_path / "台账.pdf"
    result = _render(lg, "ledger", out, mixed.coordinator)
    assert result.cases == 4
    assert not pdfcheck.check(out, {"村级问题", "张小明", "东关村", "西关村"})
    text = squeeze(pdfcheck.text_of(pdfcheck.read(out)))
    east, west = text.index("东关村（共3个问题，涉及2户，村级问题1个）"), text.index("西关村（共1个问题，村级问题1个）")
    village_rows = [m.start() for m in re.finditer("（村级问题）", text)]
    assert len(village_rows) == 2
    assert east < village_rows[0] < west < village_rows[1]  # each under its own village
    assert "张三（张小明）" in text  # the brief profile names the member in the 户主 cell
    assert "合计：共4个问题，涉及2户，村级问题2个" in text
    assert "共4个问题，涉及2户，村级问题2个" in text[: text.index("东关村（")]  # the title block says so too

    full = tmp_path / "完整台账.pdf"
    _render(lg, "ledger", full, mixed.coordinator, profile="full", paper="A3")
    boxes = pdfcheck.read(full)
    assert not pdfcheck.check(full, {"张小明"})
    heading = [w.text for w in boxes[0].words if w.text in ("涉及成员", "问题层级")]
    assert heading == ["涉及成员"]  # the 户主 cell says 村级问题; the member has a column
    assert "（村级问题）" in squeeze(pdfcheck.text_of(boxes))


def test_closure_form_timetable_weekly_and_letter(mixed, tmp_path):
    lg = mixed.ledger
    x = mixed.extra
    pipes = mixed.walk(lg.cases.get(x["pipes"].id), "pending_approval")
    out = tmp_path / "销号审批表.pdf"
    _render(lg, "closure", out, mixed.coordinator, case_number=pipes.number)
    text = squeeze(pdfcheck.text_of(pdfcheck.read(out)))
    assert "问题层级村级问题" in text and "东关村" in text
    assert "户主姓名" not in text and "户类型" not in text
    assert not pdfcheck.check(out)

    dropout = mixed.walk(lg.cases.get(x["dropout"].id), "pending_approval")
    out = tmp_path / "销号审批表2.pdf"
    _render(lg, "closure", out, mixed.coordinator, case_number=dropout.number)
    assert "户主姓名张三（张小明）" in squeeze(pdfcheck.text_of(pdfcheck.read(out)))

    out = tmp_path / "一户一档.pdf"
    _render(lg, "household", out, mixed.coordinator, household_id=x["zhang"].id)
    assert "涉及成员张小明" in squeeze(pdfcheck.text_of(pdfcheck.read(out)))

    ids = lg.reporting.case_ids(CaseFilter(include_void=False))
    labels = {bar.number: bar.label for bar in lg.reporting.timetable(ids)}
    assert labels[pipes.number] == "东关村 （村级问题） 老旧管网/设施"
    out = tmp_path / "时间表.pdf"
    _render(lg, "timetable", out, mixed.coordinator)
    assert "（村级问题）" in squeeze(pdfcheck.text_of(pdfcheck.read(out)))

    today = lg.today()
    weekly = lg.reporting.weekly(CaseFilter(include_void=False), today - dt.timedelta(days=6), today)
    assert weekly.total.found == 4
    assert {g.name: g.found for g in weekly.by_category}["饮水安全"] == 1

    # overdue: the 督办函 of the lead department lists the village's problem
    clinic = mixed.walk(lg.cases.get(x["clinic"].id), "in_progress")
    mixed.clock.advance(days=200)
    overdue = {c.number: c for c in lg.reporting.overdue(mixed.zjj_id)}
    assert overdue[clinic.number].head_name == "（村级问题）"
    out = tmp_path / "督办函.pdf"
    _render(lg, "letter", out, mixed.coordinator, filter=CaseFilter(department_id=mixed.zjj_id, include_void=False))
    text = squeeze(pdfcheck.text_of(pdfcheck.read(out)))
    assert clinic.number in text and "（村级问题）" in text
    assert lg.audit.verify().ok


def test_the_handoff_workbook_says_level_and_member(mixed, tmp_path):
    lg = mixed.ledger
    out = tmp_path / "上报台账.xlsx"
    export_workbook(lg, ExportRequest(), out, mixed.coordinator)
    with CalamineWorkbook.from_path(str(out)) as book:
        rows = book.get_sheet_by_name("问题台账").to_python()
    header = rows[3]
    assert header[header.index("家庭人口") + 1 : header.index("家庭人口") + 3] == ["问题层级", "涉及成员"]
    assert rows[2][header.index("户主姓名")] == "农户信息"
    merged = {str(r) for r in openpyxl.load_workbook(out)["问题台账"].merged_cells.ranges}
    assert "G3:M3" in merged  # the 农户信息 group heading spans 问题层级 and 涉及成员 too
    col = {name: header.index(name) for name in ("问题编号", "户主姓名", "户主身份证号", "村", "问题层级", "涉及成员")}
    by_number = {r[col["问题编号"]]: r for r in rows[4:]}
    pipes = by_number[mixed.extra["pipes"].number]
    assert pipes[col["问题层级"]] == "村级" and pipes[col["村"]] == "东关村"
    assert pipes[col["户主姓名"]] == "" and pipes[col["户主身份证号"]] == ""
    dropout = by_number[mixed.extra["dropout"].number]
    assert dropout[col["问题层级"]] == "户级" and dropout[col["涉及成员"]] == "张小明"
    assert dropout[col["户主姓名"]] == "张三"
    assert by_number[mixed.extra["house"].number][col["涉及成员"]] == ""

    # read back by the import: every row known, nothing to change
    plan = lg.imports.prepare(lg.imports.read(out), mixed.coordinator)
    assert plan.counts["unchanged"] == 4, [(o.row, o.reasons) for o in plan.outcomes]


HEADER = ["乡镇", "村", "户主姓名", "身份证号", "户类型", "问题类别", "问题子类", "涉及成员", "问题描述", "发现时间"]


def _workbook(path, rows):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    for cell in ws["D"]:
        cell.number_format = "@"
    book.save(path)
    return path


def test_import_village_rows_and_members(mixed, tmp_path):
    lg = mixed.ledger
    zhang = mixed.extra["zhang"]
    day = "2026-11-01"

    def village(name: str, category: str, sub: str, description: str, member: str = "") -> list:
        return ["城关镇", name, "", "", "", category, sub, member, description, day]

    def of_zhang(category: str, sub: str, member: str, description: str) -> list:
        return ["城关镇", "东关村", "张三", zhang.head_id_number, "脱贫户", category, sub, member, description, day]

    path = _workbook(
        tmp_path / "村级.xlsx",
        [
            village("西关村", "饮水安全", "老旧管网/设施", "西关村管网漏损严重"),  # 2: new
            village("东关村", "饮水安全", "水质不达标", "水源地浊度超标"),  # 3: new
            of_zhang("义务教育", "辍学/控辍保学", "张小明", "辍学"),  # 4: open already
            of_zhang("基本医疗", "家庭医生未签约", "李桂兰", "未签约"),  # 5: by name
            of_zhang("基本医疗", "未参保", CHILD_ID, "未参保"),  # 6: by ID number
            of_zhang("基本医疗", "大病/慢病政策未落实", "张大宝", "未救助"),  # 7: no such member
            of_zhang("基本医疗", "村卫生室/村医空白点", "", "无村医"),  # 8: a village's kind
            village("东关村", "住房安全", "危房C级（修缮加固）", "房屋开裂"),  # 9: a household's kind
            village("东关村", "饮水安全", "老旧管网/设施", "又报一次"),  # 10: already open
            village("西关村", "饮水安全", "老旧管网/设施", "管网", member="张小明"),  # 11
        ],
    )
    plan = lg.imports.prepare(lg.imports.read(path), mixed.clerk)
    by_row = {o.row: o for o in plan.outcomes}
    assert {r: o.status for r, o in by_row.items()} == {
        2: "new", 3: "new", 4: "duplicate", 5: "new", 6: "new",
        7: "invalid", 8: "invalid", 9: "invalid", 10: "duplicate", 11: "invalid",
    }  # fmt: skip
    assert "该户没有名为“张大宝”的家庭成员" in by_row[7].reasons[0]
    assert "是村级问题，不能登记在某一农户名下" in " ".join(by_row[8].reasons)
    assert "按村级问题处理" in " ".join(by_row[9].reasons) and "请填写户主姓名和身份证号" in " ".join(by_row[9].reasons)
    assert mixed.extra["pipes"].number in by_row[10].reasons[0]
    assert "村级问题不能指定涉及成员" in " ".join(by_row[11].reasons)

    result = lg.imports.commit(plan, mixed.clerk)
    assert result.households == 0
    made = [lg.cases.get(lg.reporting.case_id_of(n)) for n in _numbers(result)]
    by_desc = {c.description: c for c in made}
    assert by_desc["西关村管网漏损严重"].household is None and by_desc["西关村管网漏损严重"].village_name == "西关村"
    assert by_desc["水源地浊度超标"].subject == "村级（东关村）"
    assert by_desc["未签约"].member_name == "李桂兰"
    assert by_desc["未参保"].member_name == "张小明"
    assert lg.queries.count(CaseFilter(search="西关村")) == 2  # the imported one is in the search index
    assert lg.audit.verify().ok


def _numbers(result) -> list[str]:
    prefix, first = result.first_number.rsplit("-", 1)
    last = int(result.last_number.rsplit("-", 1)[1])
    return [f"{prefix}-{n:06d}" for n in range(int(first), last + 1)]


def test_fill_in_round_trip_of_a_village_problem(mixed, tmp_path):
    lg = mixed.ledger
    pipes = mixed.walk(lg.cases.get(mixed.extra["pipes"].id), "in_progress")
    out = tmp_path / "填报表.xlsx"
    export_fillin(lg, mixed.zjj_id, out, mixed.officer)
    book = openpyxl.load_workbook(out)
    ws = book["待填报问题"]
    header = [c.value for c in ws[3]]
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    r = rows[pipes.number]
    assert ws.cell(row=r, column=header.index("户主姓名") + 1).value == "（村级问题）"
    ws.cell(row=r, column=header.index("本次进度") + 1).value = "已更换主管网300米"
    book.save(out)
    plan = lg.imports.prepare(lg.imports.read(out), mixed.officer)
    outcome = next(o for o in plan.outcomes if o.case_number == pipes.number)
    assert outcome.status == "updated", outcome.reasons
    lg.imports.commit(plan, mixed.officer)
    assert [p.text for p in lg.cases.get(pipes.id).progress] == ["已更换主管网300米"]
    assert lg.audit.verify().ok
