"""The case workflow through the real services, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ledger import ConflictError, NotFound, PermissionDenied, ValidationError, WorkflowError
from ledger.models import AuditEvent, Case
from tests.world import PASSWORD, PNG


def events(w, action: str | None = None) -> int:
    with w.ledger.reading() as s:
        q = select(func.count()).select_from(AuditEvent)
        if action:
            q = q.where(AuditEvent.action == action)
        return s.scalar(q)


def test_a_case_walks_from_registration_to_close_out(any_world):
    w = any_world
    case = w.walk(w.register(), "closed")
    view = w.ledger.cases.get(case.id)
    assert view.state == "closed" and view.state_name == "已销号"
    assert view.closed_date == w.clock.now.date() and view.closed_on_time is True
    assert [(s.meaning, s.signer_name, s.signer_role, s.opinion) for s in view.signoffs] == [
        ("核验", "城关镇核验员", "乡镇核验员", "经现场核验，整改到位"),
        ("审批", "县审批人", "县级审批", "同意销号"),
    ]
    assert all(len(s.content_hash) == 64 and not s.changed_since for s in view.signoffs)
    assert view.signoffs[-1].content_hash == view.content_hash
    history = [h.action for h in w.ledger.cases.history(case.id)]
    assert history == [
        "登记",
        "交办",
        "接收",
        "添加佐证材料",
        "添加佐证材料",
        "添加佐证材料",
        "提交核验",
        "核验通过",
        "审批销号",
    ]
    assign = next(h for h in w.ledger.cases.history(case.id) if h.action == "交办")
    assert ("整改进度", "已登记", "已交办") in assign.changes
    assert ("牵头单位", None, "县住建局") in assign.changes  # the unit by its name, not its id
    assert w.ledger.audit.verify().ok


def test_assignment_defaults_the_deadline_from_the_subcategory(world):
    case = world.register(subcategory="water.quality")  # 阶段整改, 60 days
    assigned = world.ledger.cases.act(
        world.coordinator, case.id, "assign", expected_version=case.version, inputs={"lead_department_id": world.slj_id}
    ).case
    assert assigned.deadline == world.clock.now.date() + dt.timedelta(days=60)
    assert assigned.light == "green"


def test_submission_is_refused_without_the_required_evidence(any_world):
    w = any_world
    case = w.walk(w.register(subcategory="house.d"), "in_progress")
    w.ledger.cases.add_evidence(w.officer, case.id, PNG, "photo_before", "前.png")
    with pytest.raises(ValidationError) as err:
        w.ledger.cases.act(
            w.officer,
            case.id,
            "submit",
            expected_version=case.version,
            inputs={"measures": "拆除重建", "completion_date": w.clock.now.date()},
        )
    assert err.value.problems == ["缺少佐证材料：验收单、鉴定书、整改后照片"]
    assert w.ledger.cases.get(case.id).state == "in_progress"


def test_required_fields_are_listed_together(world):
    case = world.walk(world.register(), "in_progress")
    with pytest.raises(ValidationError) as err:
        world.ledger.cases.act(world.officer, case.id, "submit", expected_version=case.version, inputs={})
    assert "提交核验须填写整改措施" in err.value.problems
    assert "提交核验须填写完成时间" in err.value.problems


def test_the_verifier_may_not_be_the_submitter(world):
    both = world.account(
        "shuangzhi",
        "兼职人员",
        ["dept_officer", "verifier"],
        department_id=world.zjj_id,
        township_id=world.township_id,
    )
    case = world.walk(world.register(), "in_progress")
    for kind in ("photo_before", "photo_after", "acceptance"):
        world.ledger.cases.add_evidence(both, case.id, PNG + kind.encode(), kind)
    case = world.ledger.cases.act(
        both,
        case.id,
        "submit",
        expected_version=case.version,
        inputs={"measures": "加固", "completion_date": world.clock.now.date()},
    ).case
    with pytest.raises(ValidationError, match="不能由提交核验人本人办理"):
        world.ledger.cases.act(
            both, case.id, "verify", expected_version=case.version, inputs={"opinion": "同意"}, password=PASSWORD
        )
    assert world.walk(case, "pending_approval").state == "pending_approval"


@pytest.mark.parametrize(("state", "actor"), [("pending_verification", "verifier"), ("pending_approval", "approver")])
def test_return_needs_a_reason_and_writes_a_return_signoff(any_world, state, actor):
    w = any_world
    case = w.walk(w.register(), state)
    who = getattr(w, actor)
    with pytest.raises(ValidationError, match="退回须填写退回原因"):
        w.ledger.cases.act(
            who, case.id, "return", expected_version=case.version, inputs={"reason": " "}, password=PASSWORD
        )
    back = w.ledger.cases.act(
        who, case.id, "return", expected_version=case.version, inputs={"reason": "照片不清晰"}, password=PASSWORD
    ).case
    assert back.state == "in_progress"
    view = w.ledger.cases.get(case.id)
    assert (view.signoffs[-1].meaning, view.signoffs[-1].opinion) == ("退回", "照片不清晰")
    again = w.ledger.cases.act(
        w.officer, case.id, "submit", expected_version=back.version, inputs={"completion_date": w.clock.now.date()}
    ).case
    assert again.state == "pending_verification"


def test_reopen_keeps_the_old_signoffs_and_marks_them_changed_after_an_edit(any_world):
    w = any_world
    case = w.walk(w.register(), "closed")
    with pytest.raises(ValidationError, match="回退原因"):
        w.ledger.cases.act(w.approver, case.id, "reopen", expected_version=case.version, password=PASSWORD)
    reopened = w.ledger.cases.act(
        w.approver,
        case.id,
        "reopen",
        expected_version=case.version,
        inputs={"reason": "回访发现房屋再次开裂"},
        password=PASSWORD,
    ).case
    assert (reopened.state, reopened.closed_date, reopened.closed_on_time) == ("in_progress", None, None)
    edited = w.ledger.cases.update(w.officer, case.id, reopened.version, {"measures": "二次加固"}).case
    meanings = [(s.meaning, s.changed_since) for s in w.ledger.cases.get(edited.id).signoffs]
    assert meanings == [("核验", True), ("审批", True), ("回退", True)]


def test_void_needs_a_reason_keeps_the_row_and_checks_the_duplicate(any_world):
    w = any_world
    original = w.register()
    duplicate = w.register(household=w.ledger.households.get(original.household.id))
    with pytest.raises(ValidationError, match="作废原因"):
        w.ledger.cases.act(w.coordinator, duplicate.id, "void", expected_version=duplicate.version)
    with pytest.raises(ValidationError, match="另一条已登记的问题"):
        w.ledger.cases.act(
            w.coordinator,
            duplicate.id,
            "void",
            expected_version=duplicate.version,
            inputs={"reason": "重复登记", "duplicate_of_id": duplicate.id},
        )
    voided = w.ledger.cases.act(
        w.coordinator,
        duplicate.id,
        "void",
        expected_version=duplicate.version,
        inputs={"reason": "重复登记", "duplicate_of_id": original.id},
    ).case
    assert (voided.state, voided.void_reason, voided.duplicate_of_id) == ("void", "重复登记", original.id)
    with w.ledger.reading() as s:
        assert s.get(Case, duplicate.id) is not None
    with pytest.raises(WorkflowError, match="已作废"):
        w.ledger.cases.act(
            w.coordinator,
            duplicate.id,
            "assign",
            expected_version=voided.version,
            inputs={"lead_department_id": w.zjj_id},
        )


def test_a_wrong_password_on_a_signoff_changes_nothing_and_is_audited(any_world):
    w = any_world
    case = w.walk(w.register(), "pending_verification")
    seq, _ = w.ledger.audit.head()
    with pytest.raises(PermissionDenied, match="密码不正确"):
        w.ledger.cases.act(
            w.verifier, case.id, "verify", expected_version=case.version, inputs={"opinion": "同意"}, password="wrong"
        )
    after = w.ledger.cases.get(case.id)
    assert (after.state, after.version, after.signoffs) == ("pending_verification", case.version, ())
    with w.ledger.reading() as s:  # only the failed re-check itself, counted towards the lockout
        events = s.execute(select(AuditEvent.action, AuditEvent.entity_id).where(AuditEvent.seq > seq)).all()
    assert events == [("password.recheck_fail", w.verifier.id)]


def test_a_signoff_recorded_on_behalf_needs_the_scanned_form(any_world):
    w = any_world
    case = w.walk(w.register(), "pending_approval")
    with pytest.raises(ValidationError, match="签字表"):
        w.ledger.cases.act(
            w.approver,
            case.id,
            "approve",
            expected_version=case.version,
            inputs={"opinion": "同意"},
            password=PASSWORD,
            on_behalf_of="张局长",
        )
    form = w.ledger.cases.add_evidence(w.clerk, case.id, PNG + b"form", "signed_form", "审批表扫描件.png")
    closed = w.ledger.cases.act(
        w.approver,
        case.id,
        "approve",
        expected_version=case.version,
        inputs={"opinion": "同意销号"},
        password=PASSWORD,
        on_behalf_of="张局长",
        form_evidence_id=form.id,
    ).case
    signoff = w.ledger.cases.get(closed.id).signoffs[-1]
    assert (signoff.signer_name, signoff.on_behalf, signoff.recorded_by) == ("张局长", True, "县审批人")


def test_scope_limits_department_officers_and_township_verifiers(any_world):
    w = any_world
    case = w.walk(w.register(), "assigned")
    with pytest.raises(PermissionDenied, match="不属于您所在的单位"):
        w.ledger.cases.act(
            w.other_officer, case.id, "accept", expected_version=case.version, inputs={"responsible_person": "某人"}
        )
    other_verifier = w.account("hx1", "河西乡核验员", ["verifier"], township_id=w.other_township_id)
    case = w.walk(case, "pending_verification")
    with pytest.raises(PermissionDenied):
        w.ledger.cases.act(
            other_verifier,
            case.id,
            "verify",
            expected_version=case.version,
            inputs={"opinion": "同意"},
            password=PASSWORD,
        )
    assert w.ledger.cases.available_actions(other_verifier, w.ledger.cases.get(case.id)) == []
    assert w.ledger.cases.available_actions(w.verifier, w.ledger.cases.get(case.id)) == ["verify", "return"]


def test_roles_without_rights_are_refused(world):
    case = world.register()
    for actor in (world.viewer, world.auditor, world.admin):
        with pytest.raises(WorkflowError, match="无权"):
            world.ledger.cases.act(
                actor, case.id, "assign", expected_version=case.version, inputs={"lead_department_id": world.zjj_id}
            )
        with pytest.raises(WorkflowError):
            world.ledger.cases.update(actor, case.id, case.version, {"description": "改"})
    with pytest.raises(WorkflowError, match="无权"):
        world.ledger.cases.register(
            world.viewer,
            household_id=case.household.id,
            subcategory="house.c",
            description="x",
            source="干部走访排查",
            found_date=world.clock.now.date(),
        )


def test_locked_fields_cannot_be_edited(world):
    case = world.walk(world.register(), "pending_verification")
    with pytest.raises(WorkflowError, match="不能修改：整改措施"):
        world.ledger.cases.update(world.officer, case.id, case.version, {"measures": "改写"})


def test_bad_input_gets_chinese_reasons(world):
    household = world.household()
    with pytest.raises(ValidationError) as err:
        world.ledger.cases.register(
            world.clerk,
            household_id=household.id,
            subcategory="house.zzz",
            description="",
            source="道听途说",
            found_date=world.clock.now.date() + dt.timedelta(days=3),
        )
    assert set(err.value.problems) >= {"登记须填写问题描述", "发现时间不能晚于今天", "没有这个问题子类：house.zzz"}
    assert any("发现方式应为" in p for p in err.value.problems)
    with pytest.raises(ValidationError, match="身份证号"):
        world.household(head_id_number="990101198001011230")
    with pytest.raises(NotFound):
        world.ledger.cases.get(999999)


def test_dashboard_counts_follow_every_transition(any_world):
    w = any_world
    states = ["registered", "assigned", "in_progress", "pending_verification", "pending_approval", "closed"]
    for target in [*states, "closed", "in_progress"]:
        w.walk(w.register(), target)
    voided = w.register()
    w.ledger.cases.act(w.coordinator, voided.id, "void", expected_version=voided.version, inputs={"reason": "误录"})
    counts = w.ledger.queries.dashboard()
    with w.ledger.reading() as s:
        truth = dict(s.execute(select(Case.state, func.count()).group_by(Case.state)).all())
    assert counts.by_state == truth
    assert counts.total == 8 and counts.closure_rate == pytest.approx(2 / 8)
    by_dept = {k: v for k, v in counts.by_state_department.items() if k[0] == "closed"}
    assert by_dept == {("closed", w.zjj_id): 2}


def test_a_racing_second_session_gets_a_conflict(world):
    case = world.register()
    a = world.ledger.cases.get(case.id)
    b = world.ledger.cases.get(case.id)
    world.ledger.cases.act(
        world.coordinator, a.id, "assign", expected_version=a.version, inputs={"lead_department_id": world.zjj_id}
    )
    with pytest.raises(ConflictError):
        world.ledger.cases.act(world.coordinator, b.id, "void", expected_version=b.version, inputs={"reason": "x"})
    assert events(world, "case.void") == 0


def test_a_role_without_the_right_is_told_so_before_any_password_question(world):
    case = world.walk(world.register(), "pending_approval")
    with pytest.raises(WorkflowError, match="无权审批销号"):
        world.ledger.cases.act(
            world.viewer, case.id, "approve", expected_version=case.version, inputs={"opinion": "同意"}, password=None
        )
