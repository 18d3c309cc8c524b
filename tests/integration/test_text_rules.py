"""Free-text limits and control characters (issue 13 item 6 f, e): one table in ledger/textrules.py,
applied by the services and row by row by the Excel/CSV import; quick search strips NUL."""

from __future__ import annotations

import pytest

from ledger import textrules
from ledger.dto import CaseFilter
from ledger.errors import ValidationError
from tests.world import fresh_id_number


def test_the_limits_table():
    limits = {f: (r.limit, r.multiline) for f, r in textrules.RULES.items()}
    assert limits == {
        "head_name": (50, False),
        "member_name": (50, False),
        "responsible_person": (50, False),
        "signer_name": (50, False),
        "description": (2000, True),
        "measures": (2000, True),
        "progress": (2000, True),
        "remarks": (1000, True),
        "opinion": (1000, True),
        "reason": (1000, True),
    }


def test_register_refuses_too_long_and_control_characters_naming_the_field(world):
    with pytest.raises(ValidationError, match="“问题描述”最多2000个字，现为2001个字"):
        world.register(description="裂" * 2001)
    with pytest.raises(ValidationError, match="“备注”最多1000个字"):
        world.register(remarks="备" * 1001)
    with pytest.raises(ValidationError, match="“问题描述”含有不可见的控制字符"):
        world.register(description="墙体\x00开裂")
    # the limits themselves, and newlines and tabs in long text, are fine
    case = world.register(description="裂" * 1999 + "\n", remarks="第一行\n\t第二行")
    assert len(case.description) == 1999  # stripped, not cut


def test_update_act_progress_and_signer_are_checked(world):
    lg = world.ledger
    case = world.register()
    with pytest.raises(ValidationError, match="“整改措施”最多2000个字"):
        lg.cases.update(world.clerk, case.id, case.version, {"measures": "措" * 2001})
    with pytest.raises(ValidationError, match="“责任人”含有换行、制表符或不可见的控制字符"):
        lg.cases.update(world.clerk, case.id, case.version, {"responsible_person": "李\t卫东"})
    with pytest.raises(ValidationError, match="“责任人”最多50个字"):
        lg.cases.update(world.clerk, case.id, case.version, {"responsible_person": "李" * 51})
    case = world.walk(case, "assigned")
    with pytest.raises(ValidationError, match="“责任人”"):
        lg.cases.act(world.officer, case.id, "accept", expected_version=case.version,
                     inputs={"responsible_person": "李\x1b卫东"})  # fmt: skip
    case = world.walk(case, "in_progress")
    with pytest.raises(ValidationError, match="“进度内容”最多2000个字"):
        lg.cases.add_progress(world.officer, case.id, world.clock.now.date(), "进" * 2001)
    with pytest.raises(ValidationError, match="“进度内容”含有不可见的控制字符"):
        lg.cases.add_progress(world.officer, case.id, world.clock.now.date(), "已完成\x00")
    case = world.walk(case, "pending_verification")
    with pytest.raises(ValidationError, match="“意见”最多1000个字"):
        lg.cases.act(world.verifier, case.id, "verify", expected_version=case.version,
                     inputs={"opinion": "同" * 1001}, password="Zg#2026pw")  # fmt: skip
    with pytest.raises(ValidationError, match="“签字人姓名”最多50个字"):
        lg.cases.act(world.verifier, case.id, "verify", expected_version=case.version,
                     inputs={"opinion": "同意"}, password="Zg#2026pw", on_behalf_of="王" * 51)  # fmt: skip
    assert lg.cases.get(case.id).state == "pending_verification"


def test_households_create_checks_head_and_member_names(world):
    with pytest.raises(ValidationError, match="“户主姓名”最多50个字"):
        world.household(head_name="王" * 51)
    with pytest.raises(ValidationError, match="“家庭成员姓名”含有换行"):
        world.household(members=[("王\n小明", "", "子")])
    assert world.household(head_name="王" * 50).head_name == "王" * 50


def test_import_refuses_the_row_with_the_reason_and_cuts_nothing(world, tmp_path):
    lg = world.ledger
    good, long_, ctrl = (fresh_id_number("19800101") for _ in range(3))
    text = (
        "乡镇,村,户主姓名,身份证号,户类型,问题类别,问题子类,问题描述,发现时间\r\n"
        f"城关镇,东关村,郑十,{good},脱贫户,饮水安全,水质不达标,水质浑浊,2026-11-01\r\n"
        f"城关镇,东关村,钱七,{long_},脱贫户,饮水安全,水质不达标,{'浑' * 2001},2026-11-01\r\n"
        f"城关镇,东关村,孙\x07八,{ctrl},脱贫户,饮水安全,水质不达标,水质浑浊,2026-11-01\r\n"
    )
    path = tmp_path / "导入.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    plan = lg.imports.prepare(lg.imports.read(path), world.clerk)
    outcomes = {o.row: (o.status, "；".join(o.reasons)) for o in plan.outcomes}
    assert outcomes[2][0] == "new"
    assert outcomes[3][0] == "invalid" and "“问题描述”最多2000个字，现为2001个字" in outcomes[3][1]
    assert outcomes[4][0] == "invalid" and "“户主姓名”含有" in outcomes[4][1]
    result = lg.imports.commit(plan, world.clerk)
    assert result.created == 1


def test_quick_search_with_nul_neither_crashes_nor_matches_everything(any_world):
    lg = any_world.ledger
    any_world.register(household=any_world.household(head_name="王建国"), description="房屋墙体开裂")
    for term in ("\x00", "墙体\x00开裂", "王\x00", "\x00\x00\x00"):
        lg.queries.count(CaseFilter(search=term))
        lg.queries.page(CaseFilter(search=term))
        lg.queries.household_count(term)
    assert lg.queries.count(CaseFilter(search="墙体开裂\x00")) == 1
    assert lg.queries.household_count("王建\x00") == 1
