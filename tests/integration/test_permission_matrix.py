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
