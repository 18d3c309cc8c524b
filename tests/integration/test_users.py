"""Accounts: no default password, Argon2id hashes, lockout after five failures, password policy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger import PermissionDenied, ValidationError
from ledger.models import AuditEvent, User
from ledger.services.users import password_problems
from tests.world import PASSWORD


def test_a_new_ledger_has_no_accounts_and_the_first_must_be_an_administrator(tmp_path, clock):
    from ledger import open_ledger

    lg = open_ledger(tmp_path / "新台账.db", key_dir=tmp_path / "keys", clock=clock)
    try:
        assert lg.users.count() == 0
        with pytest.raises(ValidationError, match="第一个账号必须是系统管理员"):
            lg.users.create(None, "luru", "录入员", PASSWORD, ["clerk"])
        admin = lg.users.create(None, "admin", "管理员", PASSWORD, ["admin"])
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
    for _ in range(5):
        with pytest.raises(PermissionDenied, match=r"^用户名或密码错误$"):
            users.authenticate("luru", "wrong-password")
    with pytest.raises(PermissionDenied, match="已被锁定"):
        users.authenticate("luru", PASSWORD)  # even the right password
    world.clock.advance(minutes=14)
    with pytest.raises(PermissionDenied, match="已被锁定"):
        users.authenticate("luru", PASSWORD)
    world.clock.advance(minutes=2)
    assert users.authenticate("luru", PASSWORD).username == "luru"
    with world.ledger.reading() as s:
        actions = list(
            s.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.action.like("login%") | (AuditEvent.action == "user.lockout")
                )
            )
        )
    assert actions == ["login.fail"] * 4 + ["user.lockout", "login.locked", "login.locked", "login"]


def test_an_unknown_name_gets_the_same_message(world):
    with pytest.raises(PermissionDenied, match=r"^用户名或密码错误$"):
        world.ledger.users.authenticate("nobody", PASSWORD)


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
