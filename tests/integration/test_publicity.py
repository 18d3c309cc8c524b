"""公示 before 审批销号 and 风险消除: the gate in the real workflow, objections, settings, the signed
records against SQL edits, and the printed notice read back (masked)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from ledger.errors import PermissionDenied, ValidationError
from ledger.verify import verify_ledger
from tests.world import PASSWORD


def approve(w, case):
    case = w.ledger.cases.get(case.id)
    return w.ledger.cases.act(
        w.approver, case.id, "approve", expected_version=case.version, inputs={"opinion": "同意销号"}, password=PASSWORD
    ).case


def house_needs_publicity(w, days=5):
    w.ledger.publicity.update_settings(w.coordinator, category_days={"house": days})


def verified(w, **kw):
    return w.walk(w.register("house.c", **kw), "pending_approval")


def test_categories_without_publicity_are_unaffected(world):
    w = world
    house_needs_publicity(w)
    water = w.walk(w.register("water.quantity"), "pending_approval")
    assert w.ledger.publicity.case_state(water.id) == ""
    assert approve(w, water).state == "closed"


def test_the_gate_before_during_objection_and_after(any_world):
    w, lg = any_world, any_world.ledger
    house_needs_publicity(w, 5)
    case = verified(w)
    assert lg.publicity.case_state(case.id) == "须公示5天，尚未公示"
    with pytest.raises(ValidationError, match=r"住房安全.*公示5天.*尚未公示"):
        approve(w, case)
    assert [c.case_id for c in lg.publicity.candidates(w.coordinator, case.village_id)] == [case.id]
    batch = lg.publicity.start(w.verifier, case.village_id, [case.id])
    assert (batch.days, batch.start_date, batch.end_date) == (5, lg.today(), lg.today() + dt.timedelta(days=4))
    assert lg.publicity.candidates(w.coordinator, case.village_id) == []
    assert lg.publicity.case_state(case.id).startswith("公示中")
    head = lg.audit.head()
    with pytest.raises(ValidationError, match=r"公示期满（.*）后才能审批销号"):
        approve(w, case)
    assert lg.audit.head() == head and lg.cases.get(case.id).state == "pending_approval"
    w.clock.advance(days=2)
    item = batch.items[0]
    objection = lg.publicity.object(w.verifier, item.id, lg.today(), "张某", "该户房屋仍有裂缝")
    w.clock.advance(days=3)  # the period is over, the objection still open
    with pytest.raises(ValidationError, match="异议有 1 条尚未处理完毕"):
        approve(w, case)
    assert "异议 1 条待处理" in lg.publicity.case_state(case.id)
    with pytest.raises(ValidationError, match="至少4个字"):
        lg.publicity.resolve(w.coordinator, objection.id, "好")
    done = lg.publicity.resolve(w.coordinator, objection.id, "经入户核实，裂缝为旧痕，已加固")
    assert done.resolved_date == lg.today() and done.resolved_by == w.coordinator.display_name
    with pytest.raises(ValidationError, match=r"已于.*处理完毕"):
        lg.publicity.resolve(w.coordinator, objection.id, "再次处理一下")
    assert approve(w, case).state == "closed"
    assert lg.publicity.batches(w.coordinator)[0].state_name(lg.today()) == "已期满"
    assert verify_ledger(lg).ok


def test_a_publicity_before_a_return_does_not_count(world):
    w, lg = world, world.ledger
    house_needs_publicity(w, 3)
    case = verified(w)
    lg.publicity.start(w.coordinator, case.village_id, [case.id])
    w.clock.advance(days=4)
    case = lg.cases.act(w.approver, case.id, "return", expected_version=lg.cases.get(case.id).version,
                        inputs={"reason": "照片不清"}, password=PASSWORD).case  # fmt: skip
    case = w.walk(case, "pending_approval")
    with pytest.raises(ValidationError, match="尚未公示"):
        approve(w, case)


def test_start_refuses_bad_input(world):
    w, lg = world, world.ledger
    house_needs_publicity(w, 5)
    case = verified(w)
    early = w.register("house.c")
    water = w.walk(w.register("water.quantity"), "pending_approval")
    pub = lg.publicity
    with pytest.raises(ValidationError, match="尚未经乡镇核验通过"):
        pub.start(w.coordinator, case.village_id, [early.id])
    with pytest.raises(ValidationError, match="不能早于今天"):
        pub.start(w.coordinator, case.village_id, [case.id], start_date=lg.today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="不能少于5天"):
        pub.start(w.coordinator, case.village_id, [case.id], days=3)
    with pytest.raises(ValidationError, match="1至30天"):
        pub.start(w.coordinator, case.village_id, [case.id], days=99)
    with pytest.raises(ValidationError, match="请至少选择"):
        pub.start(w.coordinator, case.village_id, [])
    with pytest.raises(ValidationError, match="无需公示"):
        pub.start(w.coordinator, case.village_id, [water.id])
    far_village = lg.catalog.villages(w.other_township_id)[0].id
    with pytest.raises(ValidationError, match="不属于"):
        pub.start(w.coordinator, far_village, [case.id])
    for who in (w.clerk, w.officer, w.approver, w.viewer, w.admin, w.auditor):
        with pytest.raises(PermissionDenied):
            pub.start(who, case.village_id, [case.id])
    far_verifier = w.account("hx9", "河西乡核验员", ["verifier"], township_id=w.other_township_id)
    with pytest.raises(PermissionDenied, match="本乡镇"):
        pub.start(far_verifier, case.village_id, [case.id])
    batch = pub.start(w.coordinator, case.village_id, [case.id], days=7, note="村委会公告栏")
    with pytest.raises(ValidationError, match="已在公示中"):
        pub.start(w.coordinator, case.village_id, [case.id])
    item = batch.items[0]
    with pytest.raises(ValidationError, match="异议内容"):
        pub.object(w.coordinator, item.id, lg.today(), "李四", "  ")
    with pytest.raises(ValidationError, match="之间"):
        pub.object(w.coordinator, item.id, lg.today() - dt.timedelta(days=1), "李四", "有意见")
    with pytest.raises(PermissionDenied):
        pub.object(far_verifier, item.id, lg.today(), "李四", "有意见")
    assert pub.object(w.coordinator, item.id, lg.today(), "", "有意见").raised_by == "匿名"


def test_settings_validate_and_are_audited(world):
    w, lg = world, world.ledger
    pub = lg.publicity
    with pytest.raises(ValidationError, match="1至30天"):
        pub.update_settings(w.coordinator, category_days={"house": 0})
    with pytest.raises(ValidationError, match="没有问题类别"):
        pub.update_settings(w.coordinator, category_days={"nope": 5})
    with pytest.raises(ValidationError, match="联系电话"):
        pub.update_settings(w.coordinator, phone="abc")
    with pytest.raises(PermissionDenied):
        pub.update_settings(w.clerk, category_days={"house": 5})
    s = pub.update_settings(w.admin, category_days={"house": 7}, risk_days=5, contact="村委会", phone="0000-1234567")
    assert (s.category_days["house"], s.risk_days, s.contact, s.phone) == (7, 5, "村委会", "0000-1234567")
    s = pub.update_settings(w.coordinator, category_days={"house": None}, risk_days=None)
    assert (s.category_days["house"], s.risk_days) == (None, None)
    assert lg.audit.head()[0] > 0 and verify_ledger(lg).ok


def test_risk_elimination_gate(world, tmp_path):
    w, lg = world, world.ledger
    h = w.household(kind="脱贫户")
    t = lg.households.add_tag(w.clerk, h.id, "监测对象", "边缘易致贫户", ["因病"], lg.today())
    other = lg.households.add_tag(
        w.clerk, w.household(kind="脱贫户").id, "监测对象", "边缘易致贫户", ["因灾"], lg.today()
    )
    with pytest.raises(ValidationError, match="未设置风险消除前公示"):
        lg.publicity.start_risk(w.coordinator, w.village_id, [t.id])
    lg.publicity.update_settings(w.coordinator, risk_days=5)
    with pytest.raises(ValidationError, match=r"风险消除前须在村内公示5天.*尚未公示"):
        lg.households.end_tag(w.clerk, t.id, lg.today(), "收入稳定")
    assert {i.household_id for i in lg.publicity.monitored(w.coordinator, w.village_id)} >= {h.id}
    batch = lg.publicity.start_risk(w.verifier, w.village_id, [t.id])
    assert batch.kind_name == "拟风险消除监测对象" and batch.items[0].problem.startswith("监测对象")
    from reports.publicity import render_notice
    from tests import pdfcheck

    render_notice(lg, batch, tmp_path / "风险消除公示.pdf", w.verifier)
    text = pdfcheck.text_of(pdfcheck.read(tmp_path / "风险消除公示.pdf")).replace(" ", "").replace("\n", "")
    assert "拟风险消除监测对象公示" in text and "监测类型" in text and "王*国" in text and "王建国" not in text
    with pytest.raises(ValidationError, match=r"公示期满.*后才能风险消除"):
        lg.households.end_tag(w.clerk, t.id, lg.today(), "收入稳定")
    o = lg.publicity.object(w.verifier, batch.items[0].id, lg.today(), "王五", "家中仍有重病人")
    w.clock.advance(days=5)
    with pytest.raises(ValidationError, match="尚未处理完毕"):
        lg.households.end_tag(w.clerk, t.id, lg.today(), "收入稳定")
    lg.publicity.resolve(w.verifier, o.id, "经核实已参加大病保险，风险已消除")
    assert lg.households.end_tag(w.clerk, t.id, lg.today(), "收入稳定").end_date == lg.today()
    lg.publicity.update_settings(w.coordinator, risk_days=None)  # off: no 公示 asked
    assert lg.households.end_tag(w.clerk, other.id, lg.today(), "收入稳定").end_date == lg.today()
    assert verify_ledger(lg).ok


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("UPDATE publicity_batches SET days = 1", "公示（表 publicity_batches 第"),
        (
            "UPDATE publicity_objections SET resolved_date = '2026-11-24', handling = '已处理'",
            "公示异议（表 publicity_objections 第",
        ),
        ("DELETE FROM publicity_objections", "公示异议（表 publicity_objections 第"),
        ("UPDATE publicity_items SET case_id = NULL", "公示对象（表 publicity_items 第"),
    ],
)
def test_sql_edits_of_publicity_records_are_named(world, statement, named):
    w, lg = world, world.ledger
    house_needs_publicity(w, 5)
    case = verified(w)
    batch = lg.publicity.start(w.coordinator, case.village_id, [case.id])
    lg.publicity.object(w.coordinator, batch.items[0].id, lg.today(), "张某", "有异议")
    assert verify_ledger(lg).ok
    con = sqlite3.connect(lg.engine.url.database, isolation_level=None)
    try:
        con.execute(statement)
    finally:
        con.close()
    report = verify_ledger(lg, remember=False)
    assert not report.ok
    detail = "；".join([d for _n, ok, d in report.checks if not ok] + report.details)
    assert named in detail


def test_the_printed_notice_is_masked_and_complete(world, tmp_path):
    from reports.publicity import render_notice
    from tests import pdfcheck
    from tests.leakscan import leaks

    w, lg = world, world.ledger
    house_needs_publicity(w, 7)
    lg.publicity.update_settings(w.coordinator, contact="城关镇东关村村委会", phone="0000-7654321")
    h = w.household(head_name="欧阳建国", group_name="三组", phone="13912345678")
    case = verified(w, household=h, description="欧阳建国家东墙开裂，联系电话13912345678")
    batch = lg.publicity.start(w.coordinator, case.village_id, [case.id], note="张贴于村委会公告栏")
    head = lg.audit.head()
    out = tmp_path / "公示.pdf"
    result = render_notice(lg, batch, out, w.coordinator)
    assert result.pages == 1 and result.items == 1 and not result.missing
    assert lg.audit.head()[0] == head[0] + 1
    pages = pdfcheck.read(out)
    text = pdfcheck.text_of(pages).replace(" ", "").replace("\n", "")
    village = batch.village
    assert f"{village}拟销号问题公示" in text
    assert "公示期：2026年11月23日至2026年11月29日（共7天）" in text
    assert "欧**国" in text and "欧阳建国" not in text
    assert ids_masked(h.head_id_number) in text and h.head_id_number not in text
    assert "0000-7654321" in text and "城关镇东关村村委会" in text
    assert "139****5678" in text and not leaks(pdfcheck.text_of(pages))
    assert f"{village}村民委员会" in text and lg.catalog.subcategory("house.c").name in text
    assert "东墙开裂" in text and "张贴于村委会公告栏" in text
    problems = pdfcheck.check(out, terms={"公示期", "村民委员会"}, margin_mm=8)
    assert not problems, problems


def ids_masked(number: str) -> str:
    from ledger import ids

    return ids.mask(number)
