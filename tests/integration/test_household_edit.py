"""Households as a living register (issue 15 item 2): edits of a household, its members and its
dated tags through the services — validated as on entry, audited with {field: [before, after]},
stamped so `verify` holds every row to the log, and refused in Chinese to roles that may not edit."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from sqlalchemy import select

from ledger import ids
from ledger.dto import CaseFilter
from ledger.errors import ConflictError, PermissionDenied, ValidationError
from ledger.models import AuditEvent
from ledger.verify import verify_ledger
from tests.world import fresh_id_number


def last_event(lg):
    with lg.reading() as s:
        e = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        return e.action, e.entity, e.entity_id, json.loads(e.payload)


def test_update_fields_is_audited_with_before_and_after(world):
    w, lg = world, world.ledger
    h = w.household(kind="脱贫户", phone="13800001234")
    west = next(v for v in lg.catalog.villages(w.township_id) if v.name == "西关村")
    head = lg.audit.head()
    after = lg.households.update(
        w.clerk,
        h.id,
        {"head_name": " 王建民 ", "phone": "13912345678", "group_name": "三组", "size": 4, "village_id": west.id},
        expected=h,
    )
    assert (after.head_name, after.phone, after.group_name, after.size, after.village_id) == (
        "王建民", "13912345678", "三组", 4, west.id,
    )  # fmt: skip
    assert lg.audit.head()[0] == head[0] + 1  # one event
    action, entity, entity_id, payload = last_event(lg)
    assert (action, entity, entity_id) == ("household.update", "household", h.id)
    changes = payload["changes"]
    assert changes["head_name"] == ["王建国", "王建民"]
    assert changes["size"] == [3, 4]
    assert changes["village_id"] == [w.village_id, west.id]
    assert changes["phone"] == [ids.mask_phone("13800001234"), ids.mask_phone("13912345678")]
    assert "13912345678" not in json.dumps(payload)
    assert "stamps" in payload
    # the household's 变更历史 shows each field by its Chinese name
    history = lg.households.history(h.id)
    assert [e.action for e in history] == ["新建农户档案", "修改农户档案"]
    rows = {label: (old, new) for label, old, new in history[-1].changes}
    assert rows["户主姓名"] == ("王建国", "王建民")
    assert rows["所在村"] == ("东关村", "西关村")
    assert verify_ledger(lg).ok


def test_update_validates_as_create_and_keeps_nothing(world):
    w, lg = world, world.ledger
    h = w.household()
    head = lg.audit.head()
    with pytest.raises(ValidationError) as err:
        lg.households.update(w.clerk, h.id, {"head_name": "  ", "phone": "12ab", "size": 0, "kind": "富裕户"})
    text = "；".join(err.value.problems)
    for expected in ("户主姓名不能为空", "联系电话格式不正确", "家庭人口至少为1", "户类型应为"):
        assert expected in text
    with pytest.raises(ValidationError, match="最多50个字"):
        lg.households.update(w.clerk, h.id, {"head_name": "王" * 51})
    with pytest.raises(ValidationError, match="不能修改的农户字段"):
        lg.households.update(w.clerk, h.id, {"head_id_number": fresh_id_number()})
    assert lg.audit.head() == head
    assert lg.households.get(h.id) == h


def test_stale_edit_is_refused(world):
    w, lg = world, world.ledger
    h = w.household()
    lg.households.update(w.coordinator, h.id, {"size": 5}, expected=h)
    with pytest.raises(ConflictError, match="已被其他人修改"):
        lg.households.update(w.clerk, h.id, {"size": 6}, expected=h)
    assert lg.households.get(h.id).size == 5


def test_kind_change_adds_the_implied_tag_and_keeps_the_old(world):
    w, lg = world, world.ledger
    h = w.household(kind="脱贫户")
    assert [t.label for t in lg.households.tags(h.id)] == ["脱贫户"]
    lg.households.update(w.clerk, h.id, {"kind": "边缘易致贫户"})
    tags = lg.households.tags(h.id)
    assert [t.label for t in tags] == ["脱贫户", "监测对象（边缘易致贫户）"]
    assert tags[1].start_date == lg.today() and tags[1].active
    _a, _e, _i, payload = last_event(lg)
    assert payload["changes"]["kind"] == ["脱贫户", "边缘易致贫户"]
    assert payload["tags_added"] == ["监测对象（边缘易致贫户）"]
    # a synonym is the kind it means; holding the tag already adds nothing
    after = lg.households.update(w.clerk, h.id, {"kind": "监测户"})
    assert after.kind == "监测对象"
    assert len(lg.households.tags(h.id)) == 2
    assert verify_ledger(lg).ok


def test_create_accepts_kind_synonyms(world):
    h = world.household(kind="监测户")
    assert h.kind == "监测对象"
    assert [t.tag for t in world.ledger.households.tags(h.id)] == ["监测对象"]


def test_members_add_update_remove(world):
    w, lg = world, world.ledger
    h = w.household()
    child = fresh_id_number("20150301")
    m = lg.households.add_member(w.coordinator, h.id, "王小明", child, "子", "听力残疾")
    assert m.id and m.health == "听力残疾"
    action, entity, entity_id, payload = last_event(lg)
    assert (action, entity, entity_id) == ("member.add", "household", h.id)
    assert payload["changes"]["id_number"] == ["", ids.mask(child)]
    assert child not in json.dumps(payload, ensure_ascii=False)
    assert "听力残疾" not in json.dumps(payload, ensure_ascii=False)  # health never written to the log
    # the clerk lacks the health right: may not touch it, and sees it blank
    with pytest.raises(ValidationError, match="健康"):
        lg.households.update_member(w.clerk, m.id, {"health": ""})
    lg.households.update_member(w.clerk, m.id, {"relation": "长子", "name": "王晓明"})
    _a, _e, _i, payload = last_event(lg)
    assert payload["changes"] == {"name": ["王小明", "王晓明"], "relation": ["子", "长子"]}
    views = lg.households.members(h.id, viewer=w.coordinator)
    assert [(v.name, v.relation, v.health) for v in views] == [("王晓明", "长子", "听力残疾")]
    # bad input: every problem named, nothing written
    head = lg.audit.head()
    with pytest.raises(ValidationError) as err:
        lg.households.add_member(w.clerk, h.id, "", child[:17] + ("0" if child[17] != "0" else "1"), "女")
    assert any("校验位" in p for p in err.value.problems) and "家庭成员姓名不能为空" in err.value.problems
    with pytest.raises(ValidationError, match="已是本户成员王晓明"):
        lg.households.add_member(w.clerk, h.id, "王某", child, "女")
    with pytest.raises(ValidationError, match="户主本人"):
        lg.households.add_member(w.clerk, h.id, "王某", h.head_id_number, "女")
    assert lg.audit.head() == head
    lg.households.remove_member(w.clerk, m.id, "户口迁出")
    action, _e, _i, payload = last_event(lg)
    assert action == "member.remove" and payload["reason"] == "户口迁出"
    assert lg.households.members(h.id) == []
    assert [e.action for e in lg.households.history(h.id)][-3:] == ["添加家庭成员", "修改家庭成员", "移除家庭成员"]
    assert verify_ledger(lg).ok


def test_member_named_by_a_case_is_not_removed(world):
    w, lg = world, world.ledger
    h = w.household()
    m = lg.households.add_member(w.clerk, h.id, "王小红", fresh_id_number("20140505"), "女")
    case = w.register("edu.dropout", household=h, member_id=m.id)
    with pytest.raises(ValidationError, match=case.number):
        lg.households.remove_member(w.clerk, m.id)


def test_tags_add_and_end(world):
    w, lg = world, world.ledger
    h = w.household(kind="一般农户")
    start = lg.today() - dt.timedelta(days=30)
    t = lg.households.add_tag(w.clerk, h.id, "监测对象", "突发严重困难户", ["因灾", "因病"], start, "7月洪灾房屋受损")
    assert t.risk_types == ("因病", "因灾") and t.active and t.label == "监测对象（突发严重困难户）"
    action, _e, _i, payload = last_event(lg)
    assert action == "household.tags"
    assert payload["changes"]["start_date"] == [None, start.isoformat()]
    assert payload["changes"]["risk_type"] == [None, "因病、因灾"]
    with pytest.raises(ValidationError, match="同一标签不能同时有两个"):
        lg.households.add_tag(w.clerk, h.id, "监测对象", "边缘易致贫户")
    with pytest.raises(ValidationError, match="不能早于识别日期"):
        lg.households.end_tag(w.clerk, t.id, start - dt.timedelta(days=1), "风险消除")
    with pytest.raises(ValidationError, match="理由"):
        lg.households.end_tag(w.clerk, t.id, lg.today(), " ")
    ended = lg.households.end_tag(w.clerk, t.id, lg.today(), "风险消除")
    assert ended.end_date == lg.today() and not ended.active and ended.note.endswith("风险消除")
    with pytest.raises(ValidationError, match="已于"):
        lg.households.end_tag(w.clerk, t.id, lg.today(), "风险消除")
    # after the risk is gone the household may be identified again
    again = lg.households.add_tag(w.clerk, h.id, "监测对象", "边缘易致贫户", ["因学"], lg.today())
    assert again.active
    history = lg.households.history(h.id)
    assert history[-2].action == "修改农户标签" and "风险消除" in history[-2].detail
    assert verify_ledger(lg).ok


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("富裕户", "", ()), "标签应为"),
        (("监测对象", "集中供养", ()), "的类型应为"),
        (("脱贫户", "集中供养", ()), "没有类型之分"),
        (("低保户", "", ("因病",)), "只有监测对象填写风险类型"),
        (("监测对象", "脱贫不稳定户", ("因懒",)), "不在可选范围内"),
    ],
)
def test_tag_vocabulary(world, args, message):
    h = world.household()
    with pytest.raises(ValidationError, match=message):
        world.ledger.households.add_tag(world.clerk, h.id, *args)


def test_tag_dates(world):
    w, lg = world, world.ledger
    h = w.household()
    with pytest.raises(ValidationError, match="不能晚于今天"):
        lg.households.add_tag(w.clerk, h.id, "低保户", start_date=lg.today() + dt.timedelta(days=1))
    t = lg.households.add_tag(w.clerk, h.id, "低保户", start_date=lg.today())
    with pytest.raises(ValidationError, match="不能晚于今天"):
        lg.households.end_tag(w.clerk, t.id, lg.today() + dt.timedelta(days=1), "退出")


def test_roles_that_may_not_edit_are_refused(world):
    w, lg = world, world.ledger
    h = w.household()
    far_village = lg.catalog.villages(w.other_township_id)[0]
    far = w.household(village_id=far_village.id)
    head = lg.audit.head()
    for actor in (w.officer, w.approver, w.auditor, w.viewer, w.admin):
        with pytest.raises(PermissionDenied, match="只有录入员、县级统筹或本乡镇的核验员"):
            lg.households.update(actor, h.id, {"size": 9})
        with pytest.raises(PermissionDenied):
            lg.households.add_tag(actor, h.id, "低保户")
    # the 城关镇 verifier edits 城关镇 households only, and may not move one out of the township
    lg.households.update(w.verifier, h.id, {"size": 9})
    with pytest.raises(PermissionDenied, match="本乡镇"):
        lg.households.update(w.verifier, far.id, {"size": 9})
    with pytest.raises(PermissionDenied, match="其他乡镇"):
        lg.households.update(w.verifier, h.id, {"village_id": far_village.id})
    assert lg.audit.head()[0] == head[0] + 1


def test_sql_edit_of_a_tag_is_caught_by_verify(world, tmp_path):
    w, lg = world, world.ledger
    h = w.household(kind="脱贫户")
    t = lg.households.add_tag(w.clerk, h.id, "监测对象", "边缘易致贫户", ["因病"], lg.today())
    assert verify_ledger(lg).ok
    path = lg.engine.url.database
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("UPDATE household_tags SET end_date = '2026-01-01' WHERE id = ?", (t.id,))
    finally:
        con.close()
    report = verify_ledger(lg, remember=False)
    assert not report.ok
    detail = "；".join([d for _n, ok, d in report.checks if not ok] + report.details)
    assert f"农户标签（表 household_tags 第 {t.id} 行）" in detail and "被直接改动" in detail


def test_case_import_takes_kind_synonyms(world, tmp_path):
    lg = world.ledger
    lines = ["乡镇,村,户主姓名,身份证号,户类型,问题类别,问题子类,问题描述,发现时间"]
    for name, kind in (("钱一", "监测户"), ("钱二", "低保边缘户"), ("钱三", "一般户")):
        lines.append(
            f"城关镇,东关村,{name},{fresh_id_number('19800101')},{kind},饮水安全,水质不达标,水质浑浊,2026-11-01"
        )
    (tmp_path / "synonyms.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    plan = lg.imports.prepare(lg.imports.read(tmp_path / "synonyms.csv"), world.clerk)
    assert [o.status for o in plan.outcomes] == ["new"] * 3, plan.outcomes
    assert [r["household"]["kind"] for r in plan.new_rows] == ["监测对象", "低保边缘家庭", "一般农户"]


@pytest.mark.parametrize("term", ["欧阳振华", "振华", "华"])
def test_a_renamed_head_is_found_under_the_new_name_and_not_the_old(world, term):
    """The quick-search indexes hold the head's name (ledger/search.py): renaming the head in the
    household's own window re-indexes its cases, for terms of any length."""
    w, lg = world, world.ledger
    h = w.household()
    case = w.register(household=h)
    old = h.head_name  # 王建国
    lg.households.update(w.clerk, h.id, {"head_name": "欧阳振华"})
    found = {r.id for r in lg.queries.page(CaseFilter(search=term), limit=500)}
    assert case.id in found
    assert case.id not in {r.id for r in lg.queries.page(CaseFilter(search=old), limit=500)}


def test_a_renamed_member_is_found_under_the_new_name(world):
    w, lg = world, world.ledger
    h = w.household()
    member = lg.households.add_member(w.clerk, h.id, "王小明", fresh_id_number(), "子女")
    case = w.register(household=h, member_id=member.id, subcategory="edu.dropout")
    lg.households.update_member(w.clerk, member.id, {"name": "王晓明"})
    for term in ("王晓明", "晓明", "晓"):
        assert case.id in {r.id for r in lg.queries.page(CaseFilter(search=term), limit=500)}, term
    assert case.id not in {r.id for r in lg.queries.page(CaseFilter(search="小明"), limit=500)}
