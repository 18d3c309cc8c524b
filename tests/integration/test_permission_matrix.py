"""Every (role, workflow action, scope) through the service: for each account and each case — in
every state, inside and outside the account's department or township — the actions offered are
exactly those PRODUCT.md's lifecycle gives that role in scope, and every other action is refused
by `act` without writing anything."""

from __future__ import annotations

from functools import partial

import pytest

from ledger.errors import LedgerError
from tests.world import PASSWORD, PNG

# PRODUCT.md, "The case lifecycle": state → action → the role that may take it.
LIFECYCLE = {
    "registered": {"assign": "coordinator", "void": "coordinator"},
    "assigned": {"accept": "dept_officer", "void": "coordinator"},
    "in_progress": {"submit": "dept_officer", "void": "coordinator"},
    "pending_verification": {"verify": "verifier", "return": "verifier", "void": "coordinator"},
    "pending_approval": {"approve": "approver", "return": "approver", "void": "coordinator"},
    "closed": {"reopen": "approver"},
}
ACTIONS = ("assign", "accept", "submit", "verify", "approve", "return", "reopen", "void")
STEPS = ("registered", "assigned", "in_progress", "pending_verification", "pending_approval", "closed")


def walk(w, village_id, verifier, to):
    """A case led by 住建局 in the given village, moved to `to` by the accounts in scope."""
    lg, cases = w.ledger, w.ledger.cases
    case = w.register("house.c", household=w.household(village_id=village_id))
    while case.state != to:
        state = case.state
        if state == "registered":
            r = cases.act(w.coordinator, case.id, "assign", expected_version=case.version,
                          inputs={"lead_department_id": w.zjj_id})  # fmt: skip
        elif state == "assigned":
            r = cases.act(w.officer, case.id, "accept", expected_version=case.version,
                          inputs={"responsible_person": "李工"})  # fmt: skip
        elif state == "in_progress":
            for kind in lg.catalog.subcategory(case.subcategory).required_evidence:
                cases.add_evidence(w.officer, case.id, PNG + kind.encode() + str(case.id).encode(), kind)
            r = cases.act(w.officer, case.id, "submit", expected_version=cases.get(case.id).version,
                          inputs={"measures": "加固", "completion_date": lg.today()})  # fmt: skip
        elif state == "pending_verification":
            r = cases.act(verifier, case.id, "verify", expected_version=case.version,
                          inputs={"opinion": "核验通过"}, password=PASSWORD)  # fmt: skip
        else:
            r = cases.act(w.approver, case.id, "approve", expected_version=case.version,
                          inputs={"opinion": "同意"}, password=PASSWORD)  # fmt: skip
        case = r.case
    return case


INPUTS = {
    "assign": {"lead_department_id": None},
    "accept": {"responsible_person": "王工"},
    "submit": {"measures": "修缮", "completion_date": None},
    "verify": {"opinion": "同意"},
    "approve": {"opinion": "同意"},
    "return": {"reason": "材料不全"},
    "reopen": {"reason": "返贫风险"},
    "void": {"reason": "重复登记"},
}


def test_every_role_action_and_scope(world):
    w = world
    lg = w.ledger
    far_village = lg.catalog.villages(w.other_township_id)[0].id
    far_verifier = w.account("hy9", "河西乡核验员", ["verifier"], township_id=w.other_township_id)
    cases = [
        (state, scope, walk(w, village, verifier, state))
        for scope, village, verifier in (("城关镇", w.village_id, w.verifier), ("河西乡", far_village, far_verifier))
        for state in STEPS
    ]
    actors = {
        "admin": w.admin, "clerk": w.clerk, "coordinator": w.coordinator, "officer(住建局)": w.officer,
        "officer(水利局)": w.other_officer, "verifier(城关镇)": w.verifier, "approver": w.approver,
        "auditor": w.auditor, "viewer": w.viewer,
    }  # fmt: skip
    INPUTS["assign"]["lead_department_id"] = w.zjj_id
    INPUTS["submit"]["completion_date"] = lg.today()
    checked = 0
    for state, township, case in cases:
        for label, actor in actors.items():
            expected = set()
            for action, role in LIFECYCLE[state].items():
                if role not in actor.roles:
                    continue
                if role == "dept_officer" and actor.department_id != case.lead_department_id:
                    continue
                if role == "verifier" and actor.township_id != case.household.township_id:
                    continue
                expected.add(action)
            view = lg.cases.get(case.id)
            assert set(lg.cases.available_actions(actor, view)) == expected, (state, township, label)
            head = lg.audit.head()
            for action in ACTIONS:
                if action in expected:
                    continue
                with pytest.raises(LedgerError):
                    lg.cases.act(actor, case.id, action, expected_version=view.version,
                                 inputs=dict(INPUTS[action]), password=PASSWORD)  # fmt: skip
                checked += 1
            assert lg.audit.head() == head and lg.cases.get(case.id).version == view.version
    assert checked > 700


# Household register edits (issue 15): role → whether it may edit a household of 城关镇 / of 河西乡.
HOUSEHOLD_EDITS = {
    "admin": (False, False),
    "clerk": (True, True),
    "coordinator": (True, True),
    "officer(住建局)": (False, False),
    "verifier(城关镇)": (True, False),
    "approver": (False, False),
    "auditor": (False, False),
    "viewer": (False, False),
}


def test_household_edits_by_role_and_township(world):
    w, lg = world, world.ledger
    far_village = lg.catalog.villages(w.other_township_id)[0].id
    actors = {
        "admin": w.admin, "clerk": w.clerk, "coordinator": w.coordinator, "officer(住建局)": w.officer,
        "verifier(城关镇)": w.verifier, "approver": w.approver, "auditor": w.auditor, "viewer": w.viewer,
    }  # fmt: skip
    hs = lg.households
    for label, actor in actors.items():
        for township, village in enumerate((w.village_id, far_village)):
            h = w.household(village_id=village, kind="一般农户")
            m = hs.add_member(w.clerk, h.id, "王小军", "", "子")
            t = hs.add_tag(w.clerk, h.id, "低保户")
            allowed = HOUSEHOLD_EDITS[label][township]
            edits = (
                partial(hs.update, actor, h.id, {"size": 7}),
                partial(hs.add_member, actor, h.id, "王小兰", "", "女"),
                partial(hs.update_member, actor, m.id, {"relation": "长子"}),
                partial(hs.add_tag, actor, h.id, "脱贫户"),
                partial(hs.end_tag, actor, t.id, lg.today(), "退出"),
                partial(hs.remove_member, actor, m.id),
            )
            for edit in edits:
                head = lg.audit.head()
                if allowed:
                    edit()
                    assert lg.audit.head()[0] == head[0] + 1, label
                else:
                    with pytest.raises(LedgerError) as err:
                        edit()
                    assert "农户档案" in str(err.value), label
                    assert lg.audit.head() == head, label
            assert hs.may_edit(lg.current_actor(actor), h.township_id) == allowed, label


# Per-village figures (ledger/services/villages.py) and the batch 村级台账: which villages each role sees
# (城关镇: 东关村, 西关村; 河西乡: 河西村), None where refused (no case data for that role).
VILLAGE_SIGHT = {
    "admin": None, "clerk": ["东关村", "西关村", "河西村"], "coordinator": ["东关村", "西关村", "河西村"],
    "officer(住建局)": ["东关村"], "verifier(城关镇)": ["东关村", "西关村"], "approver": ["东关村", "西关村", "河西村"],
    "auditor": None, "viewer": ["东关村", "西关村", "河西村"],
}  # fmt: skip


def test_village_figures_by_role(world):
    w, lg = world, world.ledger
    w.walk(w.register("house.c"), "assigned")  # led by 住建局, in 东关村
    actors = {
        "admin": w.admin, "clerk": w.clerk, "coordinator": w.coordinator, "officer(住建局)": w.officer,
        "verifier(城关镇)": w.verifier, "approver": w.approver, "auditor": w.auditor, "viewer": w.viewer,
    }  # fmt: skip
    for label, actor in actors.items():
        head = lg.audit.head()
        if VILLAGE_SIGHT[label] is None:
            with pytest.raises(LedgerError, match="不能查看问题数据"):
                lg.villages.figures(visible_to=actor)
        else:
            assert [f.name for f in lg.villages.figures(visible_to=actor)] == VILLAGE_SIGHT[label], label
        assert lg.audit.head() == head, label  # a read writes nothing


# 公示 (publicity): role → whether it may start a 公示 / record an objection / resolve it in 城关镇 and in
# 河西乡, and whether it may change the 公示 settings.
PUBLICITY = {
    "admin": ((False, False), True),
    "clerk": ((False, False), False),
    "coordinator": ((True, True), True),
    "officer(住建局)": ((False, False), False),
    "verifier(城关镇)": ((True, False), False),
    "approver": ((False, False), False),
    "auditor": ((False, False), False),
    "viewer": ((False, False), False),
}


def test_publicity_by_role_and_township(world):
    w, lg = world, world.ledger
    pub = lg.publicity
    pub.update_settings(w.coordinator, category_days={"house": 5})
    far_village = lg.catalog.villages(w.other_township_id)[0].id
    far_verifier = w.account("hx8", "河西乡核验员", ["verifier"], township_id=w.other_township_id)
    actors = {
        "admin": w.admin, "clerk": w.clerk, "coordinator": w.coordinator, "officer(住建局)": w.officer,
        "verifier(城关镇)": w.verifier, "approver": w.approver, "auditor": w.auditor, "viewer": w.viewer,
    }  # fmt: skip
    for label, actor in actors.items():
        (here, there), settings = PUBLICITY[label]
        for allowed, village, verifier in ((here, w.village_id, w.verifier), (there, far_village, far_verifier)):
            case = walk(w, village, verifier, "pending_approval")
            own = pub.start(w.coordinator, village, [case.id])  # an objection and its handling need a 公示
            other = walk(w, village, verifier, "pending_approval")
            o = pub.object(w.coordinator, own.items[0].id, lg.today(), "村民", "有异议")
            steps = (
                partial(pub.start, actor, village, [other.id]),
                partial(pub.object, actor, own.items[0].id, lg.today(), "村民乙", "另有异议"),
                partial(pub.resolve, actor, o.id, "经核实，情况属实已处理"),
            )
            for step in steps:
                head = lg.audit.head()
                if allowed:
                    step()
                    assert lg.audit.head()[0] == head[0] + 1, label
                else:
                    with pytest.raises(LedgerError):
                        step()
                    assert lg.audit.head() == head, label
            assert pub.may_run(lg.current_actor(actor), lg.catalog.region(village).parent_id) == allowed, label
        head = lg.audit.head()
        if settings:
            pub.update_settings(actor, contact=f"{label}设", phone="0000-1")
            assert lg.audit.head()[0] == head[0] + 1
        else:
            with pytest.raises(LedgerError):
                pub.update_settings(actor, contact="某某", phone="0000-1")
            assert lg.audit.head() == head


# 调度 and 通报 (dispatch): role → (确认本期进度 for its own unit, for another unit, set the cut-off, issue a 通报).
# "Own unit" is 城关镇 for the verifier and 住建局 for the officer; county roles have none (the
# coordinator records on a unit's behalf).
DISPATCH = {
    "admin": (None, False, True, False),
    "clerk": (None, False, False, True),
    "coordinator": (None, True, True, True),
    "officer(住建局)": (True, False, False, False),
    "verifier(城关镇)": (True, False, False, False),
    "approver": (None, False, False, False),
    "auditor": (None, False, False, False),
    "viewer": (None, False, False, False),
}


def test_dispatch_actions_by_role(world, tmp_path):
    import datetime as dt

    from ledger.services.dispatch import Period
    from reports.bulletin import render_bulletin

    w, lg = world, world.ledger
    far_village = lg.catalog.villages(w.other_township_id)[0].id
    walk(w, w.village_id, w.verifier, "assigned")  # 城关镇 and 住建局 have cases
    walk(w, far_village, w.verifier, "registered")  # 河西乡 too
    actors = {
        "admin": w.admin, "clerk": w.clerk, "coordinator": w.coordinator, "officer(住建局)": w.officer,
        "verifier(城关镇)": w.verifier, "approver": w.approver, "auditor": w.auditor, "viewer": w.viewer,
    }  # fmt: skip
    own_unit = {"officer(住建局)": ("department", w.zjj_id), "verifier(城关镇)": ("township", w.township_id)}
    end = lg.dispatch.current_period().end
    for label, actor in actors.items():
        own, other, settings, issue = DISPATCH[label]
        lg.clock.now = end - dt.timedelta(days=5)  # a fresh period for each account, past the late window
        end = lg.dispatch.current_period().end
        attempts = [("township", w.other_township_id, other)]
        if own is not None:
            attempts.append((*own_unit[label], own))
        for kind, unit, allowed in attempts:
            head = lg.audit.head()
            if allowed:
                assert lg.dispatch.confirm(actor, kind, unit).status == "已报", label
            else:
                with pytest.raises(LedgerError):
                    lg.dispatch.confirm(actor, kind, unit)
                assert lg.audit.head() == head, label
        head = lg.audit.head()
        if settings:
            lg.dispatch.set_cutoff(actor, 3, "17:00")
        else:
            with pytest.raises(LedgerError):
                lg.dispatch.set_cutoff(actor, 3, "17:00")
            assert lg.audit.head() == head, label
        lg.clock.now = end + dt.timedelta(hours=1)
        head = lg.audit.head()
        if issue:
            assert render_bulletin(lg, tmp_path / f"{label}.pdf", actor, period=Period(end)).number >= 1
        else:
            with pytest.raises(LedgerError):
                render_bulletin(lg, tmp_path / f"{label}.pdf", actor, period=Period(end))
            assert lg.audit.head() == head and not (tmp_path / f"{label}.pdf").exists(), label
        end = end + dt.timedelta(days=7)


# escalation: 督办函 tracking — issuing (printing with a number), recording the reply and closing are the
# 县级统筹员's; 到期提醒 lists each account's own unit; the department sees its own letters only.
LETTER_MAY = {"coordinator"}


def test_letter_tracking_and_reminders_by_role(world, tmp_path):
    import datetime as dt

    from ledger.dto import CaseFilter
    from ledger.errors import PermissionDenied
    from reports.fonts import FontSet
    from reports.render import ReportRequest, render_report

    w, lg = world, world.ledger
    case = w.register("house.c", found_date=lg.today() - dt.timedelta(days=100))
    lg.cases.act(w.coordinator, case.id, "assign", expected_version=case.version,
                 inputs={"lead_department_id": w.zjj_id, "deadline": lg.today() - dt.timedelta(days=5)})  # fmt: skip
    soon = w.register("house.c", found_date=lg.today())
    lg.cases.act(w.coordinator, soon.id, "assign", expected_version=soon.version,
                 inputs={"lead_department_id": w.zjj_id, "deadline": lg.today() + dt.timedelta(days=2)})  # fmt: skip
    scan = tmp_path / "复函.png"
    scan.write_bytes(PNG)
    reminders = {"admin": 0, "clerk": 1, "coordinator": 1, "dept_officer": 1, "verifier": 1, "approver": 1,
                 "auditor": 0, "viewer": 1}  # fmt: skip
    sees_letters = {"clerk", "coordinator", "approver", "viewer", "dept_officer"}
    for role, actor in w.all_actors.items():
        assert len(lg.reminders.for_actor(actor).cases) == reminders[role], role
        head = lg.audit.head()
        issue = partial(
            render_report, lg, ReportRequest("letter", filter=CaseFilter(department_id=w.zjj_id, include_void=False)),
            tmp_path / f"{role}.pdf", actor, fonts=FontSet.shipped_only(),
        )  # fmt: skip
        if role in LETTER_MAY:
            issue()
            letter = lg.letters.listing(actor)[-1]
            lg.letters.record_reply(actor, letter.id, scan)
            lg.letters.close(actor, letter.id)
            assert lg.audit.head()[0] == head[0] + 3, role
            continue
        with pytest.raises(PermissionDenied):
            issue()
        assert lg.audit.head() == head, role
    [letter] = lg.letters.listing(w.coordinator)
    for role, actor in {**w.all_actors, "other_officer": w.other_officer}.items():
        seen = [v.id for v in lg.letters.listing(actor)]
        assert seen == ([letter.id] if role in sees_letters else []), role
        if role in LETTER_MAY:
            continue
        head = lg.audit.head()
        for step in (
            partial(lg.letters.record_reply, actor, letter.id, scan),
            partial(lg.letters.close, actor, letter.id),
        ):
            with pytest.raises(PermissionDenied, match="只有县级统筹员"):
                step()
        assert lg.audit.head() == head, role


# 年终归档 (ledger/archive.py): only 县级统筹 and 系统管理员 seal a year; nobody unseals.
YEAR_SEAL = {"admin": True, "clerk": False, "coordinator": True, "dept_officer": False, "verifier": False,
             "approver": False, "auditor": False, "viewer": False}  # fmt: skip


def test_year_seal_by_role(world, tmp_path):
    from ledger.archive import check_may_seal

    assert set(YEAR_SEAL) == set(world.all_actors)
    for name, actor in world.all_actors.items():
        if YEAR_SEAL[name]:
            assert check_may_seal(world.ledger, actor, 2025).id == actor.id, name
        else:
            with pytest.raises(LedgerError, match="只有县级统筹或系统管理员可以进行年终归档"):
                check_may_seal(world.ledger, actor, 2025)
