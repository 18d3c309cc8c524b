"""Users, roles and sign-in. Passwords are Argon2id hashes (argon2-cffi); five failures lock an
account for 15 minutes; the message never reveals whether a user name exists."""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from ledger.dto import Actor
from ledger.errors import NotFound, PermissionDenied, ValidationError
from ledger.models import User, UserRole
from ledger.workflow import ROLE_NAMES

MAX_FAILURES = 5
LOCK_MINUTES = 15
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters

SIGN_IN_FAILED = "用户名或密码错误"


def password_problems(username: str, password: str) -> list[str]:
    problems = []
    if len(password) < 8:
        problems.append("密码至少8位")
    classes = sum(
        any(test(c) for c in password) for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    if classes < 3:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    if username and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    return problems


class UserService:
    def __init__(self, ledger):
        self._ledger = ledger

    @staticmethod
    def _actor(s, user: User) -> Actor:
        roles = frozenset(s.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
        return Actor(user.id, user.username, user.display_name, roles, user.department_id, user.township_id)

    def listing(self) -> list[tuple[Actor, bool]]:
        """Every account with whether it is active (accounts are disabled, never deleted)."""
        with self._ledger.reading() as s:
            return [(self._actor(s, u), u.active) for u in s.scalars(select(User).order_by(User.id))]

    def count(self) -> int:
        with self._ledger.reading() as s:
            return s.scalar(select(func.count()).select_from(User)) or 0

    def create(
        self,
        actor: Actor | None,
        username: str,
        display_name: str,
        password: str | None,
        roles: list[str],
        *,
        department_id: int | None = None,
        township_id: int | None = None,
    ) -> Actor:
        """Create an account. Only a 系统管理员 may, except the very first account of a new ledger,
        which must be an administrator (there is no default password)."""
        problems = []
        unknown = [r for r in roles if r not in ROLE_NAMES]
        if unknown:
            problems.append(f"未知角色：{'、'.join(unknown)}")
        if not roles:
            problems.append("至少选择一个角色")
        if not username.strip() or not display_name.strip():
            problems.append("用户名和姓名不能为空")
        if password is not None:
            problems += password_problems(username, password)
        if "dept_officer" in roles and department_id is None:
            problems.append("责任单位经办人须指定所属单位")
        if "verifier" in roles and township_id is None:
            problems.append("乡镇核验员须指定所属乡镇")
        if problems:
            raise ValidationError(problems)
        with self._ledger.unit_of_work() as s:
            first = (s.scalar(select(func.count()).select_from(User)) or 0) == 0
            if first and "admin" not in roles:
                raise ValidationError("新台账的第一个账号必须是系统管理员")
            if not first and (actor is None or "admin" not in actor.roles):
                raise PermissionDenied("只有系统管理员可以创建账号")
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise ValidationError(f"用户名“{username}”已存在")
            user = User(
                username=username,
                display_name=display_name,
                password_hash=_hasher.hash(password) if password is not None else None,
                department_id=department_id,
                township_id=township_id,
                active=True,
                failed_logins=0,
                created_at=self._ledger.clock(),
            )
            s.add(user)
            s.flush()
            s.add_all(UserRole(user_id=user.id, role=r) for r in roles)
            self._ledger.record(
                s,
                actor,
                "user.create",
                "user",
                user.id,
                {"username": username, "display_name": display_name, "roles": sorted(roles)},
            )
            s.flush()
            return self._actor(s, user)

    def actor(self, username: str) -> Actor:
        """The account as an Actor without a password check (command line, tests, demo)."""
        with self._ledger.reading() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None or not user.active:
                raise NotFound(f"没有可用的账号“{username}”")
            return self._actor(s, user)

    def authenticate(self, username: str, password: str) -> Actor:
        now = self._ledger.clock()
        with self._ledger.unit_of_work() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None or not user.active:
                _hasher.hash(password)  # same work either way: no timing hint that the name exists
                self._ledger.record(s, None, "login.fail", "user", None, {"username": username})
                outcome: Actor | str = SIGN_IN_FAILED
            elif user.locked_until and user.locked_until > now:
                self._ledger.record(s, None, "login.locked", "user", user.id, {})
                outcome = f"账号已被锁定，请于 {user.locked_until:%H:%M} 后再试或联系系统管理员"
            elif self._check(user, password):
                user.failed_logins, user.locked_until = 0, None
                self._ledger.record(s, self._actor(s, user), "login", "user", user.id, {})
                outcome = self._actor(s, user)
            else:
                user.failed_logins += 1
                payload = {"failures": user.failed_logins}
                if user.failed_logins >= MAX_FAILURES:
                    user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                    user.failed_logins = 0
                    payload["locked_until"] = user.locked_until.isoformat(timespec="seconds")
                    self._ledger.record(s, None, "user.lockout", "user", user.id, payload)
                else:
                    self._ledger.record(s, None, "login.fail", "user", user.id, payload)
                outcome = SIGN_IN_FAILED
        if isinstance(outcome, str):
            raise PermissionDenied(outcome)
        return outcome

    def confirm_password(self, actor: Actor, password: str | None) -> None:
        """Re-ask the password before a sign-off. Accounts without a password cannot sign."""
        with self._ledger.reading() as s:
            user = s.get(User, actor.id)
            if user is None or not user.active:
                raise PermissionDenied("账号不可用")
            if not self._check(user, password or ""):
                raise PermissionDenied("签批须再次输入本人密码，密码不正确")

    @staticmethod
    def _check(user: User, password: str) -> bool:
        if not user.password_hash:
            return False
        try:
            return _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def name_of(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        with self._ledger.reading() as s:
            user = s.get(User, user_id)
        return user.display_name if user else f"#{user_id}"


def hash_password(password: str) -> str:
    """Argon2id hash (used by the demo generator to create its documented demo accounts)."""
    return _hasher.hash(password)
