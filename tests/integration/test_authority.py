"""Authority is re-proved at every call (issue 13 item 3): a signed-in handle is issued by
authenticate; every service re-reads the account's active flag, roles, rights and scope inside its
unit of work. Identity objects built or altered by the caller, and handles whose account changed
after sign-in, are refused with nothing written."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ledger import Actor, PermissionDenied, WorkflowError
from ledger.dto import CaseFilter
from ledger.models import AuditEvent, User
from reports.excel import ExportRequest, export_workbook
from reports.render import ReportRequest, render_report
from tests.world import PASSWORD, PNG

ROOT = Path(__file__).resolve().parents[2]


def event_count(w) -> int:
    with w.ledger.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def calls(w, case, tmp_path):
    """Every service entry that acts for a user, as (name, call(actor))."""
    lg = w.ledger
    hh = case.household.id
    return [
        ("register", lambda a: lg.cases.register(a, household_id=hh, subcategory="house.c", description="漏雨",
                                                 source="干部走访排查", found_date=w.clock.now.date())),
        ("update", lambda a: lg.cases.update(a, case.id, case.version, {"description": "改过"})),
        ("assign", lambda a: lg.cases.act(a, case.id, "assign", expected_version=case.version,
                                          inputs={"lead_department_id": w.zjj_id})),
        ("progress", lambda a: lg.cases.add_progress(a, case.id, w.clock.now.date(), "进度")),
        ("evidence", lambda a: lg.cases.add_evidence(a, case.id, PNG, "photo_before", "前.png")),
        ("household", lambda a: w.ledger.households.create(a, village_id=w.village_id, head_name="赵六",
                                                           head_id_number=case.household.head_id_number,
                                                           kind="脱贫户")),
        ("reveal", lambda a: lg.households.reveal(a, hh, "核对参保信息")),
        ("create account", lambda a: lg.users.create(a, "xin", "新账号", "New#2026ab", ["approver"])),
        ("set roles", lambda a: lg.users.set_roles(a, w.viewer.id, ["approver"])),
        ("set rights", lambda a: lg.users.set_rights(a, w.viewer.id, ["unmask"])),
        ("regions", lambda a: lg.catalog.add_regions(a, [("990101003000", "新乡", None)])),
        ("case read", lambda a: lg.cases.get(case.id, viewer=a)),
        ("ledger page", lambda a: lg.queries.page(CaseFilter(visible_to=a))),
        ("report", lambda a: render_report(lg, ReportRequest(kind="ledger"), tmp_path / "台账.pdf", a)),
        ("export", lambda a: export_workbook(lg, ExportRequest(), tmp_path / "导出.xlsx", a)),
    ]  # fmt: skip


@pytest.fixture
def setup(world, tmp_path):
    case = world.register()
    return world, case, calls(world, case, tmp_path)


def forged_administrator(w) -> Actor:
    """What a caller could build: the real administrator's id and every role and right."""
    roles = frozenset({"admin", "clerk", "coordinator", "approver", "dept_officer", "verifier"})
    return Actor(w.admin.id, "admin", "系统管理员", roles, w.zjj_id, w.township_id, frozenset({"unmask", "health"}))


@pytest.mark.parametrize("index", range(15))
def test_a_caller_built_actor_is_refused_by_every_service(setup, index):
    w, _case, entries = setup
    name, call = entries[index]
    before = event_count(w)
    with pytest.raises(PermissionDenied, match="未登录或登录已失效"):
        call(forged_administrator(w))
    assert event_count(w) == before, name


@pytest.mark.parametrize("index", range(15))
def test_roles_or_rights_added_to_a_real_handle_do_not_count(setup, index):
    """dataclasses.replace keeps the viewer's handle; the service reads the viewer's own roles."""
    w, _case, entries = setup
    name, call = entries[index]
    inflated = dataclasses.replace(
        w.viewer, roles=forged_administrator(w).roles, rights=frozenset({"unmask"}),
        department_id=w.zjj_id, township_id=w.township_id,
    )  # fmt: skip
    before = event_count(w)
    if name in ("case read", "ledger page", "report", "export"):  # reads a 查看 account may do: as 查看
        result = call(inflated)
        assert result is not None
        return
    with pytest.raises((PermissionDenied, WorkflowError)):  # refused by role, as the 查看 it is
        call(inflated)
    assert event_count(w) == before, name


def test_an_id_of_another_account_under_a_real_handle_is_refused(world):
    swapped = dataclasses.replace(world.viewer, id=world.admin.id, roles=frozenset({"admin"}))
    with pytest.raises(PermissionDenied, match="未登录或登录已失效"):
        world.ledger.users.set_roles(swapped, world.viewer.id, ["approver"])


def test_an_unknown_account_id_is_refused(world):
    ghost = dataclasses.replace(world.clerk, id=9999)
    case = world.register()
    with pytest.raises(PermissionDenied):
        world.ledger.cases.update(ghost, case.id, case.version, {"description": "幽灵"})


def test_roles_revoked_after_sign_in_take_effect_at_the_next_call(world):
    case = world.walk(world.register(), "pending_approval")
    world.ledger.users.set_roles(world.admin, world.approver.id, ["viewer"])
    with pytest.raises(WorkflowError, match="无权"):
        world.ledger.cases.act(world.approver, case.id, "approve", expected_version=case.version,
                               inputs={"opinion": "同意"}, password=PASSWORD)  # fmt: skip
    assert world.ledger.cases.get(case.id).state == "pending_approval"


def test_a_disabled_account_is_refused_at_the_next_call(world):
    case = world.register()
    world.ledger.users.set_active(world.admin, world.clerk.id, False)
    with pytest.raises(PermissionDenied, match="停用"):
        world.ledger.cases.update(world.clerk, case.id, case.version, {"description": "停用后"})


def test_a_changed_scope_takes_effect_at_the_next_call(world):
    case = world.walk(world.register(), "assigned")  # 县住建局's case
    world.ledger.users.set_roles(world.admin, world.officer.id, ["dept_officer"], department_id=world.slj_id)
    with pytest.raises(PermissionDenied):
        world.ledger.cases.act(world.officer, case.id, "accept", expected_version=case.version,
                               inputs={"responsible_person": "某人"})  # fmt: skip
    assert world.ledger.queries.count(CaseFilter(visible_to=world.officer)) == 0


def test_a_revoked_unmask_right_stops_reveal(world):
    household = world.household()
    world.ledger.users.set_rights(world.admin, world.coordinator.id, [])
    with pytest.raises(PermissionDenied, match="查看完整号码"):
        world.ledger.households.reveal(world.coordinator, household.id, "核对参保信息")


def test_signing_out_ends_the_handle(world):
    world.ledger.users.sign_out(world.clerk)
    with pytest.raises(PermissionDenied, match="未登录或登录已失效"):
        world.household()


def test_five_wrong_recheck_passwords_lock_the_account_with_events(world):
    case = world.walk(world.register(), "pending_approval")
    lg = world.ledger
    for _ in range(5):
        with pytest.raises(PermissionDenied, match="密码不正确"):
            lg.cases.act(world.approver, case.id, "approve", expected_version=case.version,
                         inputs={"opinion": "同意"}, password="wrong")  # fmt: skip
    with lg.reading() as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == world.approver.id,
                                                                  AuditEvent.action != "login")))  # fmt: skip
        locked = s.get_one(User, world.approver.id).locked_until
    assert actions[-5:] == ["password.recheck_fail"] * 4 + ["user.lockout"] and locked is not None
    with pytest.raises(PermissionDenied, match="锁定"):  # the right password no longer helps
        lg.cases.act(world.approver, case.id, "approve", expected_version=case.version,
                     inputs={"opinion": "同意"}, password=PASSWORD)  # fmt: skip
    assert lg.cases.get(case.id).state == "pending_approval"


# -- the command line ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    env = {**os.environ, "ZGTZ_DATA_DIR": str(folder / "data"), "ZGTZ_KEY_DIR": str(folder / "keys")}
    done = subprocess.run([sys.executable, "main.py", "demo", "--db", str(folder / "示例.db"), "--cases", "60"],
                          cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    backup = subprocess.run(
        [sys.executable, "main.py", "backup", "--db", str(folder / "示例.db"), "-o", str(folder / "b.db"),
         "--user", "admin", "--password-stdin"], cwd=ROOT, env=env, capture_output=True, text=True,
        input="Demo#2026\n",
    )  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    return folder, env


def test_every_writing_command_refuses_without_a_password(demo):
    folder, env = demo
    db = str(folder / "示例.db")
    book = folder / "导入.csv"
    book.write_text("户主姓名,身份证号\n", encoding="utf-8")
    commands = [
        ["import", str(book), "--db", db, "--user", "luru"],
        ["config", "--db", db, "--user", "admin", "--evidence-dir", str(folder / "共享")],
        ["config", "--db", db, "--user", "tongchou", "--letter-code", "示整改督"],
        ["backup", "--db", db, "-o", str(folder / "无密码.db"), "--user", "admin"],
        ["restore", str(folder / "b.db"), "--db", db, "--user", "admin"],
        ["report", "ledger", "--db", db, "-o", str(folder / "无密码.pdf"), "--user", "tongchou"],
        ["export", "--db", db, "-o", str(folder / "无密码.xlsx"), "--user", "tongchou"],
        ["verify", "--db", db, "--repair-guards", "--user", "admin"],
        ["report", "ledger", "--db", db, "-o", str(folder / "无账号.pdf")],
        ["export", "--db", db, "-o", str(folder / "无账号.xlsx")],
        ["backup", "--db", db, "-o", str(folder / "无账号.db")],
    ]
    before = (folder / "示例.db").stat().st_mtime_ns
    for command in commands:
        done = subprocess.run([sys.executable, "main.py", *command], cwd=ROOT, env=env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)  # fmt: skip
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        assert "密码" in done.stderr or "--user" in done.stderr, (command, done.stderr)
    assert (folder / "示例.db").stat().st_mtime_ns == before
    assert not any((folder / name).exists() for name in ("无密码.db", "无密码.pdf", "无密码.xlsx", "无账号.pdf"))
