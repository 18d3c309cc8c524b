"""Accounts: no default password, Argon2id hashes, lockout after five failures, password policy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger import PermissionDenied, ValidationError
from ledger.models import AuditEvent, User
from ledger.services.users import SIGN_IN_FAILED, PasswordPolicy, password_problems
from tests.world import PASSWORD


def test_a_new_ledger_has_no_accounts_and_the_first_must_be_an_administrator(tmp_path, clock):
    from ledger import open_ledger

    lg = open_ledger(tmp_path / "新台账.db", key_dir=tmp_path / "keys", clock=clock)
    try:
        assert lg.users.count() == 0
        with pytest.raises(ValidationError, match="第一个账号必须是系统管理员"):
            lg.users.create(None, "luru", "录入员", PASSWORD, ["clerk"])
        lg.users.create(None, "admin", "管理员", PASSWORD, ["admin"])
        admin = lg.users.authenticate("admin", PASSWORD)
        with pytest.raises(PermissionDenied, match="只有系统管理员"):
            lg.users.create(None, "luru", "录入员", PASSWORD, ["clerk"])
        assert lg.users.create(admin, "luru", "录入员", PASSWORD, ["clerk"]).roles == {"clerk"}
    finally:
        lg.close()


def test_passwords_are_stored_as_argon2id(world):
    with world.ledger.reading() as s:
        hashes = list(s.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)


@pytest.mark.parametrize(
    ("password", "problem"),
    [("Ab1!", "至少8位"), ("abcdefgh", "至少三类"), ("Xluru#2026", "不能包含用户名")],
)
def test_password_policy(password, problem):
    assert any(problem in p for p in password_problems("luru", password))


def test_five_failures_lock_the_account_for_fifteen_minutes(world):
    users = world.ledger.users
    seen, _ = world.ledger.audit.head()
    for _ in range(5):
        with pytest.raises(PermissionDenied, match=f"^{SIGN_IN_FAILED}$"):
            users.authenticate("luru", "wrong-password")
    with pytest.raises(PermissionDenied, match=f"^{SIGN_IN_FAILED}$"):
        users.authenticate("luru", PASSWORD)  # even the right password
    world.clock.advance(minutes=14)
    with pytest.raises(PermissionDenied, match=f"^{SIGN_IN_FAILED}$"):
        users.authenticate("luru", PASSWORD)
    world.clock.advance(minutes=2)
    assert users.authenticate("luru", PASSWORD).username == "luru"
    luru = world.clerk.id
    with world.ledger.reading() as s:
        actions = list(
            s.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.action.like("login%") | (AuditEvent.action == "user.lockout"),
                    AuditEvent.entity_id == luru,
                    AuditEvent.seq > seen,
                )
            )
        )
    assert actions == ["login.fail"] * 4 + ["user.lockout", "login.locked", "login.locked", "login"]


def test_an_unknown_name_gets_the_same_message(world):
    with pytest.raises(PermissionDenied) as unknown:
        world.ledger.users.authenticate("nobody", PASSWORD)
    assert str(unknown.value) == SIGN_IN_FAILED and "锁定" in SIGN_IN_FAILED


def test_a_successful_sign_in_resets_the_failure_count(world):
    users = world.ledger.users
    for _ in range(4):
        with pytest.raises(PermissionDenied):
            users.authenticate("luru", "wrong-password")
    users.authenticate("luru", PASSWORD)
    for _ in range(4):
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            users.authenticate("luru", "wrong-password")
    assert users.authenticate("luru", PASSWORD).username == "luru"


ADMIN_CALLS = {
    "create": lambda lg, actor, w: lg.users.create(actor, "xin", "新账号", "New#2026ab", ["viewer"]),
    "disable": lambda lg, actor, w: lg.users.set_active(actor, w.viewer.id, False),
    "unlock": lambda lg, actor, w: lg.users.unlock(actor, w.viewer.id),
    "roles": lambda lg, actor, w: lg.users.set_roles(actor, w.viewer.id, ["viewer", "auditor"]),
    "reset": lambda lg, actor, w: lg.users.reset_password(actor, w.viewer.id, "Reset#2026x"),
    "policy": lambda lg, actor, w: lg.users.set_policy(actor, PasswordPolicy(10, 3)),
}


@pytest.mark.parametrize("call", sorted(ADMIN_CALLS))
def test_only_the_administrator_manages_accounts_and_settings(world, call):
    """Every role but 系统管理员 is refused (and nothing is written); then the administrator may."""
    lg = world.ledger
    head = lg.audit.head()
    for role, actor in world.all_actors.items():
        if role != "admin":
            with pytest.raises(PermissionDenied, match="只有系统管理员"):
                ADMIN_CALLS[call](lg, actor, world)
    assert lg.audit.head() == head
    ADMIN_CALLS[call](lg, world.admin, world)
    assert lg.audit.head()[0] == head[0] + 1


def test_a_disabled_account_cannot_sign_in_and_keeps_its_name_in_history(world):
    lg = world.ledger
    case = world.register()
    lg.users.set_active(world.admin, world.clerk.id, False)
    with pytest.raises(PermissionDenied, match=f"^{SIGN_IN_FAILED}$"):
        lg.users.authenticate("luru", PASSWORD)
    assert lg.cases.history(case.id)[0].actor_name == world.clerk.display_name
    assert [a.username for a, active in lg.users.listing() if not active] == ["luru"]
    lg.users.set_active(world.admin, world.clerk.id, True)
    assert lg.users.authenticate("luru", PASSWORD).username == "luru"
    with pytest.raises(ValidationError, match="不能停用自己"):
        lg.users.set_active(world.admin, world.admin.id, False)
    with pytest.raises(ValidationError, match="最后一个"):
        lg.users.set_roles(world.admin, world.admin.id, ["viewer"])


def test_unlock_reset_and_change_password_are_audited(world):
    lg = world.ledger
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            lg.users.authenticate("ck1", "wrong")
    lg.users.unlock(world.admin, world.viewer.id)
    assert lg.users.authenticate("ck1", PASSWORD).username == "ck1"
    with pytest.raises(ValidationError, match="不能包含用户名"):
        lg.users.reset_password(world.admin, world.viewer.id, "Xck1#20261")
    lg.users.reset_password(world.admin, world.viewer.id, "Reset#2026x")
    with pytest.raises(PermissionDenied, match="密码不正确"):
        lg.users.change_password(world.viewer, "wrong", "Mine#2026yy")
    lg.users.change_password(world.viewer, "Reset#2026x", "Mine#2026yy")
    assert lg.users.authenticate("ck1", "Mine#2026yy").username == "ck1"
    with lg.reading() as s:
        actions = [a for a in s.scalars(select(AuditEvent.action)) if a.startswith("user.")]
    assert actions[-4:] == ["user.lockout", "user.unlock", "user.password_reset", "user.password_change"]


def test_the_password_policy_is_a_setting(world):
    lg = world.ledger
    lg.users.set_policy(world.admin, PasswordPolicy(min_length=12, min_classes=4))
    with pytest.raises(ValidationError, match="至少12位"):
        lg.users.create(world.admin, "chang", "长密码", "Short#2026", ["viewer"])
    with pytest.raises(ValidationError, match="至少四类"):
        lg.users.create(world.admin, "chang", "长密码", "longpassword2026", ["viewer"])
    lg.users.create(world.admin, "chang", "长密码", "Long#Pass2026", ["viewer"])
    with pytest.raises(ValidationError, match="8"):
        lg.users.set_policy(world.admin, PasswordPolicy(min_length=6))
