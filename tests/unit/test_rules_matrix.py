"""Every (from state, action, role) combination of the workflow, allowed or refused, checked
against an independent transcription of PRODUCT.md's lifecycle table."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from ledger.workflow import (
    OPEN_STATES,
    CaseFacts,
    LightPolicy,
    check_action,
    editable_problems,
    light,
    load_seed,
    rules_from_seed,
)

RULES = rules_from_seed(load_seed())
STATES = [None, "registered", "assigned", "in_progress", "pending_verification", "pending_approval", "closed", "void"]
ROLES = ["admin", "clerk", "coordinator", "dept_officer", "verifier", "approver", "auditor", "viewer"]
ACTIONS = ["register", "assign", "accept", "submit", "verify", "approve", "return", "reopen", "void"]

# PRODUCT.md, "The case lifecycle", written out by hand: (action, from) -> (to, roles).
LIFECYCLE = {
    ("register", None): ("registered", {"clerk", "coordinator"}),
    ("assign", "registered"): ("assigned", {"coordinator"}),
    ("accept", "assigned"): ("in_progress", {"dept_officer"}),
    ("submit", "in_progress"): ("pending_verification", {"dept_officer"}),
    ("verify", "pending_verification"): ("pending_approval", {"verifier"}),
    ("approve", "pending_approval"): ("closed", {"approver"}),
    ("return", "pending_verification"): ("in_progress", {"verifier"}),
    ("return", "pending_approval"): ("in_progress", {"approver"}),
    ("reopen", "closed"): ("in_progress", {"approver"}),
    **{
        ("void", s): ("void", {"coordinator"})
        for s in ("registered", "assigned", "in_progress", "pending_verification", "pending_approval")
    },
}

COMPLETE_INPUTS = {
    "household_id": 1,
    "subcategory": "house.c",
    "description": "房屋开裂",
    "source": "干部走访排查",
    "found_date": dt.date(2026, 11, 1),
    "lead_department_id": 4,
    "deadline": dt.date(2026, 12, 31),
    "responsible_person": "李卫东",
    "measures": "加固",
    "completion_date": dt.date(2026, 11, 20),
    "opinion": "同意",
    "reason": "材料不全",
}
EVIDENCE = frozenset({"photo_before", "photo_after", "acceptance"})


@pytest.mark.parametrize(("state", "action", "role"), list(itertools.product(STATES, ACTIONS, ROLES)))
def test_every_state_action_role_combination(state, action, role):
    facts = CaseFacts(state, "house", EVIDENCE, EVIDENCE, {"submit": 99})
    target, problems = check_action(RULES, facts, action, [role], actor_id=1, inputs=COMPLETE_INPUTS)
    expected = LIFECYCLE.get((action, state))
    if expected is not None and role in expected[1]:
        assert (target, problems) == (expected[0], [])
    else:
        assert target is None
        assert len(problems) == 1
        assert ("无权" in problems[0]) if expected else ("不能" in problems[0])


def test_the_table_has_no_transition_the_product_does_not_name():
    product = {(a, f, to, r) for (a, f), (to, roles) in LIFECYCLE.items() for r in roles}
    table = {(t.action, t.from_state, t.to_state, t.role) for t in RULES.transitions}
    assert table == product


@pytest.mark.parametrize(
    ("action", "state", "role", "missing", "label"),
    [
        ("register", None, "clerk", "description", "问题描述"),
        ("register", None, "clerk", "found_date", "发现时间"),
        ("assign", "registered", "coordinator", "lead_department_id", "牵头单位"),
        ("assign", "registered", "coordinator", "deadline", "整改时限"),
        ("accept", "assigned", "dept_officer", "responsible_person", "责任人"),
        ("submit", "in_progress", "dept_officer", "measures", "整改措施"),
        ("submit", "in_progress", "dept_officer", "completion_date", "完成时间"),
        ("verify", "pending_verification", "verifier", "opinion", "核验意见"),
        ("approve", "pending_approval", "approver", "opinion", "审批意见"),
        ("return", "pending_verification", "verifier", "reason", "退回原因"),
        ("return", "pending_approval", "approver", "reason", "退回原因"),
        ("reopen", "closed", "approver", "reason", "回退原因"),
        ("void", "in_progress", "coordinator", "reason", "作废原因"),
    ],
)
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_required_fields_are_named_when_missing_or_blank(action, state, role, missing, label, blank):
    inputs = {**COMPLETE_INPUTS, missing: blank}
    target, problems = check_action(RULES, CaseFacts(state, "house", EVIDENCE, EVIDENCE), action, [role], 1, inputs)
    assert target is not None
    assert any(label in p for p in problems), problems


def test_submission_needs_the_evidence_kinds_of_the_subcategory():
    names = {"photo_before": "整改前照片", "photo_after": "整改后照片", "acceptance": "验收单"}
    facts = CaseFacts("in_progress", "house", EVIDENCE, frozenset({"photo_before"}))
    _, problems = check_action(RULES, facts, "submit", ["dept_officer"], 1, COMPLETE_INPUTS, names)
    assert problems == ["缺少佐证材料：验收单、整改后照片"]


def test_the_verifier_may_not_be_the_submitter():
    facts = CaseFacts("pending_verification", "house", EVIDENCE, EVIDENCE, {"submit": 7})
    _, problems = check_action(RULES, facts, "verify", ["verifier", "dept_officer"], 7, COMPLETE_INPUTS)
    assert problems == ["核验通过不能由提交核验人本人办理，请由其他人员操作"]
    _, problems = check_action(RULES, facts, "verify", ["verifier"], 8, COMPLETE_INPUTS)
    assert problems == []


def test_unknown_action_is_refused():
    target, problems = check_action(RULES, CaseFacts("registered", "house"), "delete", ["admin"], 1, {})
    assert target is None and problems == ["未知的操作：delete"]


def test_open_states_are_the_five_before_close():
    assert {"registered", "assigned", "in_progress", "pending_verification", "pending_approval"} == OPEN_STATES


TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("state", "deadline", "expected"),
    [
        ("in_progress", TODAY - dt.timedelta(days=1), "red"),
        ("in_progress", TODAY, "yellow"),
        ("in_progress", TODAY + dt.timedelta(days=3), "yellow"),
        ("in_progress", TODAY + dt.timedelta(days=4), "green"),
        ("assigned", TODAY + dt.timedelta(days=30), "green"),
        ("pending_approval", TODAY - dt.timedelta(days=90), "red"),
        ("registered", None, None),
        ("closed", TODAY - dt.timedelta(days=10), None),
        ("void", TODAY - dt.timedelta(days=10), None),
    ],
)
def test_lights(state, deadline, expected):
    assert light(state, deadline, TODAY) == expected


def test_light_warning_days_are_configurable():
    assert light("in_progress", TODAY + dt.timedelta(days=5), TODAY, LightPolicy(warn_days=7)) == "yellow"


def test_field_rules_per_state():
    assert editable_problems(RULES, "in_progress", ["dept_officer"], ["measures"]) == []
    assert editable_problems(RULES, "closed", ["clerk"], ["measures"]) == ["“已销号”状态下不能修改：整改措施"]
    assert editable_problems(RULES, "registered", ["viewer"], ["description"]) == ["您的角色无权修改问题内容"]
