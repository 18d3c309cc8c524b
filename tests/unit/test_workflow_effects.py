"""The effects of the workflow's actions as data (resources/seed/workflow.json "effects") and the one
pure function that applies them (ledger.workflow.apply_transition); CaseService.act, the Excel
import and the demo generator leave the same fields for the same transitions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import openpyxl
import pytest
from sqlalchemy import select

from ledger import open_ledger
from ledger.models import Case, CaseAction
from ledger.seed import load_catalog
from ledger.workflow import (
    ACTION_WRITES,
    OPEN_STATES,
    ROLE_NAMES,
    SCOPED_ROLES,
    SEED_RULES,
    STATE_NAMES,
    WorkflowRules,
    _declared,
    apply_transition,
    effective_inputs,
    load_seed,
    rules_from_seed,
)
from tests.world import PASSWORD, FakeClock, fresh_id_number

RULES = SEED_RULES
TODAY = dt.date(2026, 11, 23)
DEADLINE = dt.date(2026, 12, 31)
# The fields the actions touch, as a new case has them (plus what the rules read: state, category).
FIELDS = (
    "state",
    "lead_department_id",
    "assisting_departments",
    "deadline",
    "assigned_date",
    "responsible_person",
    "measures",
    "completion_date",
    "closed_date",
    "closed_on_time",
    "void_reason",
    "duplicate_of_id",
)


def new_case(**values: object) -> dict[str, object]:
    case: dict[str, object] = {
        "category": "house",
        "subcategory": "house.c",
        "state": "registered",
        "lead_department_id": None,
        "assisting_departments": "",
        "deadline": None,
        "assigned_date": None,
        "responsible_person": "",
        "measures": "",
        "completion_date": None,
        "closed_date": None,
        "closed_on_time": None,
        "void_reason": "",
        "duplicate_of_id": None,
    }
    case.update(values)
    return case


# -- the data -------------------------------------------------------------------------------------------


def test_states_and_roles_are_the_seeds_and_the_old_names_are_read_only_views_of_them():
    seed = load_seed()
    assert dict(STATE_NAMES) == {s["code"]: s["name"] for s in seed["states"]}
    assert dict(ROLE_NAMES) == {r["code"]: r["name"] for r in seed["roles"]}
    assert frozenset(s["code"] for s in seed["states"] if s["open"]) == OPEN_STATES
    assert RULES.state_names == STATE_NAMES and RULES.role_names == ROLE_NAMES and RULES.open_states == OPEN_STATES
    with pytest.raises(TypeError):
        STATE_NAMES["new"] = "新"  # type: ignore[index]
    with pytest.raises(TypeError):
        ROLE_NAMES["new"] = "新"  # type: ignore[index]


def test_scopes_and_written_inputs_are_derived_from_the_data():
    assert dict(SCOPED_ROLES) == {"dept_officer": "department", "verifier": "township"}
    assert dict(ACTION_WRITES) == {
        "assign": ("lead_department_id", "deadline", "assisting_departments"),
        "accept": ("responsible_person",),
        "submit": ("measures", "completion_date"),
        "void": ("duplicate_of_id",),
    }
    writers = {code for code, role in RULES.roles.items() if role.writes_material}
    assert writers == {"clerk", "coordinator", "dept_officer", "verifier"}


def test_every_action_has_its_effects_declared():
    assert set(RULES.effects) == set(RULES.actions)


def test_rules_read_from_the_database_take_states_roles_and_effects_from_the_seed():
    """CatalogService.rules builds WorkflowRules from the mirrored tables only: the rest defaults."""
    rules = WorkflowRules(actions=RULES.actions, transitions=RULES.transitions, requirements=(), editable={},
                          edit_roles=frozenset())  # fmt: skip
    assert rules.states == RULES.states and rules.roles == RULES.roles and rules.effects == RULES.effects


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        ({"writes": ["measures"], "sets_now": ["closed_date"]}, "unknown effects of submit: sets_now"),
        ({"computes": ["overdue"]}, "computes an unknown field: overdue"),
        ({"note": "comment"}, "neither reason nor opinion"),
        ({"writes": "measures"}, "not a list of field names"),
    ],
)
def test_a_mistaken_effect_in_the_seed_is_refused_at_load(effects, message):
    seed = json.loads(json.dumps(load_seed()))
    seed["effects"]["submit"] = effects
    with pytest.raises(ValueError, match=message):
        _declared(seed)
    with pytest.raises(ValueError, match=message):
        rules_from_seed(seed)


# -- apply_transition: every action's effects --------------------------------------------------------------


def changes(case: Mapping[str, object], action: str, inputs: Mapping[str, object] | None = None, **kw) -> dict:
    result = apply_transition(RULES, case, action, inputs or {}, kw.pop("today", TODAY), **kw)
    assert result.action == action and result.from_state == case["state"]
    assert result.to_state == result.changes.get("state", case["state"])
    return dict(result.changes)


def test_register_only_sets_the_state():
    result = apply_transition(RULES, new_case(state=None), "register", {}, TODAY)
    assert (result.from_state, result.to_state, dict(result.changes)) == (None, "registered", {"state": "registered"})


def test_assign_writes_the_unit_and_deadline_and_dates_the_assignment():
    inputs = {"lead_department_id": 4, "deadline": DEADLINE, "assisting_departments": "水利局"}
    got = changes(new_case(), "assign", inputs)
    assert got == {
        "lead_department_id": 4,
        "deadline": DEADLINE,
        "assisting_departments": "水利局",
        "state": "assigned",
        "assigned_date": TODAY,
    }
    assert list(got) == ["lead_department_id", "deadline", "assisting_departments", "state", "assigned_date"]


def _one_subcategory_per_deadline_class() -> list[tuple[str, str, int]]:
    found: dict[str, tuple[str, str, int]] = {}
    for category in load_catalog()["categories"]:
        for sub in category["subcategories"]:
            found.setdefault(sub["deadline_class"], (sub["deadline_class"], sub["code"], sub["default_days"]))
    return sorted(found.values())


@pytest.mark.parametrize(("deadline_class", "subcategory", "days"), _one_subcategory_per_deadline_class())
def test_assign_without_a_deadline_takes_its_deadline_classs_default(deadline_class, subcategory, days):
    case = new_case(subcategory=subcategory)
    got = changes(case, "assign", {"lead_department_id": 4, "deadline": ""}, default_days=days)
    assert got["deadline"] == TODAY + dt.timedelta(days=days)
    inputs = effective_inputs(RULES, case, "assign", {"lead_department_id": 4}, TODAY, days)
    assert inputs["deadline"] == got["deadline"]


def test_assign_keeps_a_proposed_deadline_and_unnamed_fields():
    case = new_case(deadline=DEADLINE, assisting_departments="民政局")
    got = changes(case, "assign", {"lead_department_id": 4, "assisting_departments": ""}, default_days=7)
    assert got == {"lead_department_id": 4, "state": "assigned", "assigned_date": TODAY}


def test_assign_without_default_days_leaves_the_deadline_to_the_required_inputs_check():
    result = apply_transition(RULES, new_case(), "assign", {"lead_department_id": 4}, TODAY)
    assert result.inputs["deadline"] is None and "deadline" not in result.changes


def test_accept_writes_the_responsible_person():
    got = changes(new_case(state="assigned"), "accept", {"responsible_person": "李卫东"})
    assert got == {"responsible_person": "李卫东", "state": "in_progress"}


def test_submit_writes_measures_and_completion_date():
    got = changes(new_case(state="in_progress"), "submit", {"measures": "加固墙体", "completion_date": TODAY})
    assert got == {"measures": "加固墙体", "completion_date": TODAY, "state": "pending_verification"}


def test_verify_only_moves_the_state_and_keeps_its_opinion_as_the_note():
    result = apply_transition(RULES, new_case(state="pending_verification"), "verify", {"opinion": "整改到位"}, TODAY)
    assert dict(result.changes) == {"state": "pending_approval"} and result.note == "整改到位"
    assert RULES.effects_of("verify").note == "opinion"


@pytest.mark.parametrize(
    ("deadline", "on_time"),
    [(DEADLINE, True), (TODAY, True), (TODAY - dt.timedelta(days=1), False), (None, True)],
    ids=["before", "due-today", "late", "no-deadline"],
)
def test_approve_closes_today_on_time_or_late(deadline, on_time):
    got = changes(new_case(state="pending_approval", deadline=deadline), "approve", {"opinion": "同意销号"})
    assert got == {"state": "closed", "closed_date": TODAY, "closed_on_time": on_time}


@pytest.mark.parametrize("state", ["pending_verification", "pending_approval"])
def test_return_sends_back_to_work_and_keeps_the_fields(state):
    case = new_case(state=state, measures="加固墙体", completion_date=TODAY)
    result = apply_transition(RULES, case, "return", {"reason": "照片不清"}, TODAY)
    assert dict(result.changes) == {"state": "in_progress"} and result.note == "照片不清"
    assert RULES.effects_of("return").note == "reason"


def test_reopen_clears_the_close_out():
    case = new_case(state="closed", closed_date=TODAY, closed_on_time=True, deadline=DEADLINE)
    got = changes(case, "reopen", {"reason": "复查发现反弹"})
    assert got == {"state": "in_progress", "closed_date": None, "closed_on_time": None}


@pytest.mark.parametrize("state", sorted(OPEN_STATES))
def test_void_records_the_reason_and_the_duplicate(state):
    got = changes(new_case(state=state), "void", {"reason": "重复登记", "duplicate_of_id": 7})
    assert got == {"duplicate_of_id": 7, "state": "void", "void_reason": "重复登记"}
    assert RULES.effects_of("void").case_refs == ("duplicate_of_id",)


def test_a_blank_text_field_stays_blank_text():
    case = new_case(state="assigned")
    assert changes(case, "accept", {"responsible_person": None}) == {"state": "in_progress"}


def test_no_transition_from_the_state_is_an_error():
    with pytest.raises(ValueError, match="no transition 'approve' from 'registered'"):
        apply_transition(RULES, new_case(), "approve", {}, TODAY)
    with pytest.raises(ValueError):
        apply_transition(RULES, new_case(), "assign", {"deadline": DEADLINE}, TODAY, roles={"clerk"})
    assert apply_transition(RULES, new_case(), "assign", {}, TODAY, roles={"coordinator"}).to_state == "assigned"


def test_the_case_values_are_not_changed():
    case = new_case(state="pending_approval", deadline=DEADLINE)
    before = dict(case)
    apply_transition(RULES, case, "approve", {}, TODAY)
    assert case == before


# -- one function, three writers -------------------------------------------------------------------------


def replay(
    start: Mapping[str, object], steps: list[tuple[str, Mapping[str, object], dt.date]], default_days: int
) -> dict[str, object]:
    values = dict(start)
    for action, inputs, day in steps:
        values.update(apply_transition(RULES, values, action, inputs, day, default_days=default_days).changes)
    return values


def fields_of(case: object) -> dict[str, object]:
    return {f: getattr(case, f) for f in FIELDS}


def test_act_leaves_the_fields_apply_transition_gives(world):
    cases, today = world.ledger.cases, world.clock.now.date()
    days = world.ledger.catalog.subcategory("house.c").default_days
    registered = world.register()
    start = {**fields_of(registered), "category": registered.category}
    closed = world.walk(registered, "closed")
    expected = replay(
        start,
        [
            ("assign", {"lead_department_id": world.zjj_id}, today),
            ("accept", {"responsible_person": "李卫东"}, today),
            ("submit", {"measures": "加固墙体", "completion_date": today}, today),
            ("verify", {"opinion": "经现场核验，整改到位"}, today),
            ("approve", {"opinion": "同意销号"}, today),
        ],
        days,
    )
    assert fields_of(closed) == {f: expected[f] for f in FIELDS}

    reopened = cases.act(
        world.approver, closed.id, "reopen", expected_version=closed.version, inputs={"reason": "复查发现反弹"},
        password=PASSWORD,
    ).case  # fmt: skip
    expected = replay(expected, [("reopen", {"reason": "复查发现反弹"}, today)], days)
    assert fields_of(reopened) == {f: expected[f] for f in FIELDS}

    other = world.register(subcategory="water.quality")
    voided = cases.act(
        world.coordinator,
        other.id,
        "void",
        expected_version=other.version,
        inputs={"reason": "重复登记", "duplicate_of_id": registered.id},
    ).case
    expected = replay(
        {**fields_of(other), "category": other.category},
        [("void", {"reason": "重复登记", "duplicate_of_id": registered.id}, today)],
        60,
    )
    assert fields_of(voided) == {f: expected[f] for f in FIELDS}


def _import_row(today: dt.date, deadline: dt.date | None) -> list[object]:
    return ["城关镇", "东关村", "李春梅", fresh_id_number("19650304"), "脱贫户", "住房安全", "危房C级", "墙体开裂",
            today - dt.timedelta(days=30), "住建局", deadline]  # fmt: skip


@pytest.mark.parametrize("with_deadline", [False, True], ids=["default-deadline", "file-deadline"])
def test_the_import_and_act_leave_the_same_fields_for_register_and_assign(world, tmp_path, with_deadline):
    lg, today = world.ledger, world.clock.now.date()
    deadline = today + dt.timedelta(days=45) if with_deadline else None
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["乡镇", "村", "户主姓名", "身份证号", "户类型", "问题类别", "问题细类", "问题描述", "发现时间",
                  "牵头单位", "整改时限"])  # fmt: skip
    sheet.append(_import_row(today, deadline))
    book.save(tmp_path / "排查.xlsx")
    plan = lg.imports.prepare(lg.imports.read(tmp_path / "排查.xlsx"), world.coordinator)
    lg.imports.commit(plan, world.coordinator)
    with lg.reading() as s:
        imported = s.scalars(select(Case).order_by(Case.id.desc())).first()
        assert imported is not None
        steps = [(a.action, a.from_state, a.to_state) for a in s.scalars(select(CaseAction).where(
            CaseAction.case_id == imported.id).order_by(CaseAction.id))]  # fmt: skip

    registered = world.register(found_date=today - dt.timedelta(days=30))
    inputs: dict[str, object] = {"lead_department_id": world.zjj_id}
    if deadline:
        inputs["deadline"] = deadline
    acted = lg.cases.act(world.coordinator, registered.id, "assign", expected_version=registered.version,
                         inputs=inputs).case  # fmt: skip
    assert imported.lead_department_id == acted.lead_department_id == world.zjj_id
    assert fields_of(imported) == fields_of(acted)
    assert imported.version == acted.version == 2
    assert steps == [("register", None, "registered"), ("assign", "registered", "assigned")]
    days = lg.catalog.subcategory("house.c").default_days
    expected = replay(new_case(state=None), [("register", {}, today), ("assign", inputs, today)], days)
    assert fields_of(imported) == {f: expected[f] for f in FIELDS}


def test_the_demo_cases_have_the_fields_their_actions_give(tmp_path):
    """Each demo case replayed through apply_transition, action by action on the days its action
    rows carry, with the inputs its stored fields show, comes out as stored."""
    root = tmp_path
    lg = open_ledger(root / "示例.db", key_dir=root / "keys", evidence_dir=root / "evidence", clock=FakeClock(),
                     backup_dir=root / "backups")  # fmt: skip
    try:
        from ledger.demo import generate

        generate(lg, cases=150, seed=11)
        with lg.reading() as s:
            cases = list(s.scalars(select(Case).order_by(Case.id)))
            taken: dict[int, list[CaseAction]] = {}
            for a in s.scalars(select(CaseAction).order_by(CaseAction.id)):
                taken.setdefault(a.case_id, []).append(a)
        seen_states = set()
        for case in cases:
            stored = fields_of(case)
            inputs = {
                "register": {},
                "assign": {"lead_department_id": case.lead_department_id},
                "accept": {"responsible_person": case.responsible_person},
                "submit": {"measures": case.measures, "completion_date": case.completion_date},
                "verify": {},
                "approve": {},
                "void": {"reason": case.void_reason},
            }
            steps = [(a.action, inputs[a.action], a.at.date()) for a in taken[case.id]]
            days = lg.catalog.subcategory(case.subcategory).default_days
            expected = replay(new_case(state=None, category=case.category), steps, days)
            assert stored == {f: expected[f] for f in FIELDS}, case.number
            assert case.version == len(steps)
            seen_states.add(case.state)
        assert {"registered", "assigned", "in_progress", "closed", "void"} <= seen_states
    finally:
        lg.close()
