"""Users, roles and sign-in. Passwords are Argon2id hashes (argon2-cffi); five failures lock an
account for 15 minutes; the message never reveals whether a user name exists."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.access import RIGHTS
from ledger.dto import Actor
from ledger.errors import NotFound, PermissionDenied, ValidationError
from ledger.models import Meta, User, UserRole
from ledger.workflow import ROLE_NAMES

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from ledger.facade import Ledger

MAX_FAILURES = 5
LOCK_MINUTES = 15


@functools.cache
def _default_hasher() -> PasswordHasher:
    """Argon2id with the library's recommended parameters. argon2 is imported with the first
    password hashed or checked, not with the ledger: the start dialog shows before it (issue 18)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


# One message for an unknown name, a wrong password and a locked account alike: none of them tells
# a stranger that the name exists (the account's owner, sure of the password, can tell it is locked).
SIGN_IN_FAILED = f"用户名或密码错误。连续输错 {MAX_FAILURES} 次，账号将被锁定 {LOCK_MINUTES} 分钟。"


@dataclass(frozen=True)
class PasswordPolicy:
    """Kept in the ledger's settings (meta keys password_min_length, password_min_classes)."""

    min_length: int = 8
    min_classes: int = 3  # of: lower case, upper case, digits, symbols


def password_problems(username: str, password: str, policy: PasswordPolicy = PasswordPolicy()) -> list[str]:
    problems = []
    if len(password) < policy.min_length:
        problems.append(f"密码至少{policy.min_length}位")
    classes = sum(
        any(test(c) for c in password) for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    if classes < policy.min_classes:
        problems.append(f"密码须包含大写字母、小写字母、数字、符号中的至少{'一二三四'[policy.min_classes - 1]}类")
    if username and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    return problems


def _role_problems(roles: list[str], department_id: int | None, township_id: int | None) -> list[str]:
    """What is wrong with a set of roles and the department or township they are scoped to."""
    problems = []
    unknown = [r for r in roles if r not in ROLE_NAMES]
    if unknown:
        problems.append(f"未知角色：{'、'.join(unknown)}")
    if not roles:
        problems.append("至少选择一个角色")
    if "dept_officer" in roles and department_id is None:
        problems.append("责任单位经办人须指定所属单位")
    if "verifier" in roles and township_id is None:
        problems.append("乡镇核验员须指定所属乡镇")
    return problems


class UserService:
    def __init__(self, ledger: Ledger, hasher: PasswordHasher | None = None) -> None:
        self._ledger = ledger
        # New hashes use these parameters; verification follows each stored hash's own. Tests pass
        # cheap ones (tests/world.py) so a test ledger's ten accounts cost milliseconds, not seconds.
        self._given_hasher = hasher

    @property
    def _hasher(self) -> PasswordHasher:
        return self._given_hasher or _default_hasher()

    @staticmethod
    def _actor(s: Session, user: User) -> Actor:
        roles = frozenset(s.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
        rights = frozenset(r for r in (user.rights or "").split(",") if r)
        return Actor(user.id, user.username, user.display_name, roles, user.department_id, user.township_id, rights)

    def listing(self) -> list[tuple[Actor, bool]]:
        """Every account with whether it is active (accounts are disabled, never deleted)."""
        with self._ledger.reading() as s:
            return [(self._actor(s, u), u.active) for u in s.scalars(select(User).order_by(User.id))]

    def locked(self) -> dict[int, dt.datetime]:
        """Accounts locked now (after repeated failed sign-ins), with when the lock ends."""
        now = self._ledger.clock()
        with self._ledger.reading() as s:
            rows = s.execute(select(User.id, User.locked_until).where(User.locked_until > now)).all()
            return {user_id: cast(dt.datetime, until) for user_id, until in rows}  # not NULL: compared above

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
        rights: tuple[str, ...] = (),
    ) -> Actor:
        """Create an account. Only a 系统管理员 may, except the very first account of a new ledger,
        which must be an administrator (there is no default password)."""
        problems = _role_problems(roles, department_id, township_id)
        unknown = [r for r in rights if r not in RIGHTS]
        if unknown:
            problems.append(f"未知权限：{'、'.join(unknown)}")
        if not username.strip() or not display_name.strip():
            problems.append("用户名和姓名不能为空")
        if password is not None:
            problems += password_problems(username, password, self.policy())
        if problems:
            raise ValidationError(problems)
        with self._ledger.unit_of_work() as s:
            first = (s.scalar(select(func.count()).select_from(User)) or 0) == 0
            if first and "admin" not in roles:
                raise ValidationError("新台账的第一个账号必须是系统管理员")
            if not first:
                if actor is None:
                    raise PermissionDenied("只有系统管理员可以创建账号")
                actor = self._ledger.authority(s, actor)
                if "admin" not in actor.roles:
                    raise PermissionDenied("只有系统管理员可以创建账号")
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise ValidationError(f"用户名“{username}”已存在")
            user = User(
                username=username,
                display_name=display_name,
                password_hash=self._hasher.hash(password) if password is not None else None,
                department_id=department_id,
                township_id=township_id,
                active=True,
                failed_logins=0,
                created_at=self._ledger.clock(),
                rights=",".join(sorted(set(rights))),
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
                {"username": username, "display_name": display_name, "roles": sorted(roles), "rights": sorted(rights)},
            )
            s.flush()
            return self._actor(s, user)

    def authenticate(self, username: str, password: str) -> Actor:
        now = self._ledger.clock()
        if self._ledger.read_only_reason is not None:
            return self._authenticate_read_only(username, password, now)
        with self._ledger.unit_of_work() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None or not user.active:
                self._hasher.hash(password)  # same work either way: no timing hint that the name exists
                self._ledger.record(s, None, "login.fail", "user", None, {"username": username})
                outcome: Actor | str = SIGN_IN_FAILED
            elif user.locked_until and user.locked_until > now:
                self._hasher.hash(password)
                self._ledger.record(s, None, "login.locked", "user", user.id, {})
                outcome = SIGN_IN_FAILED
            elif self._check(user, password):
                user.failed_logins, user.locked_until = 0, None
                self._ledger.record(s, self._actor(s, user), "login", "user", user.id, {})
                outcome = replace(self._actor(s, user), session=self._ledger.issue(user.id))
            else:
                self._count_failure(s, user, now, "login.fail")
                outcome = SIGN_IN_FAILED
        if isinstance(outcome, str):
            raise PermissionDenied(outcome)
        return outcome

    def _authenticate_read_only(self, username: str, password: str, now: dt.datetime) -> Actor:
        """Sign-in while the ledger is read-only (its audit key is missing, Ledger.read_only_reason):
        the password is checked as always and an account locked now stays locked, but nothing is
        written. So there is no login event, and a wrong password cannot be counted towards the
        lockout: counting it is a write, and every write needs an audit event signed with the key.
        Guessing is then slowed only by Argon2; the user gets to see, not to change anything."""
        with self._ledger.reading() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None or not user.active or (user.locked_until and user.locked_until > now):
                self._hasher.hash(password)  # same work either way, as in authenticate
                raise PermissionDenied(SIGN_IN_FAILED)
            if not self._check(user, password):
                raise PermissionDenied(SIGN_IN_FAILED)
            return replace(self._actor(s, user), session=self._ledger.issue(user.id))

    def _count_failure(self, s: Session, user: User, now: dt.datetime, action: str) -> None:
        """One more wrong password (at sign-in or at a re-check): audited; the fifth locks the account."""
        user.failed_logins += 1
        payload: dict[str, Any] = {"failures": user.failed_logins}
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            payload["locked_until"] = user.locked_until.isoformat(timespec="seconds")
            self._ledger.record(s, None, "user.lockout", "user", user.id, payload)
        else:
            self._ledger.record(s, None, action, "user", user.id, payload)

    def sign_out(self, actor: Actor | None) -> None:
        """The handle stops working at once (the window's 退出登录, the command line's end)."""
        self._ledger.revoke(actor)

    def session_locked(self, actor: Actor, idle_minutes: int) -> None:
        """The window locked itself after `idle_minutes` without input (audited; not on a read-only
        ledger, where the lock still locks)."""
        if self._ledger.read_only_reason is not None:
            return
        with self._ledger.unit_of_work() as s:
            self._ledger.record(s, actor, "session.lock", "user", actor.id, {"idle_minutes": idle_minutes})

    def confirm_password(self, actor: Actor, password: str | None, purpose: str = "签批") -> None:
        """Re-ask the signed-in user's password (a sign-off, full numbers, a command-line write).
        A wrong password counts towards the lockout like a failed sign-in and is audited."""
        now = self._ledger.clock()
        with self._ledger.unit_of_work() as s:
            self._ledger.authority(s, actor)
            user = s.get_one(User, actor.id)
            if self._check(user, password or ""):
                if user.failed_logins:
                    user.failed_logins = 0
                    self._ledger.record(s, actor, "password.confirm", "user", user.id, {"purpose": purpose})
                return
            self._count_failure(s, user, now, "password.recheck_fail")
        raise PermissionDenied(f"{purpose}须再次输入本人密码，密码不正确（连续输错 {MAX_FAILURES} 次账号将被锁定）")

    @staticmethod
    def _check(user: User, password: str) -> bool:
        if not user.password_hash:
            return False
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return _default_hasher().verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    # -- the password policy --------------------------------------------------------------------------
    def policy(self) -> PasswordPolicy:
        return PasswordPolicy(
            int(self._ledger.meta("password_min_length", "8")), int(self._ledger.meta("password_min_classes", "3"))
        )

    def set_policy(self, actor: Actor, policy: PasswordPolicy) -> None:
        self._require_admin(self._ledger.current_actor(actor))
        if not 8 <= policy.min_length <= 64 or not 1 <= policy.min_classes <= 4:
            raise ValidationError("密码长度应为 8–64 位，字符类别数应为 1–4 类（等保二级要求至少 8 位）")
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            self._require_admin(actor)
            for key, value in (
                ("password_min_length", policy.min_length),
                ("password_min_classes", policy.min_classes),
            ):
                row = s.get(Meta, key)
                if row is None:
                    s.add(Meta(key=key, value=str(value)))
                else:
                    row.value = str(value)
            self._ledger.record(s, actor, "settings.password_policy", "meta", None, policy.__dict__)

    # -- administration (系统管理员 only; accounts are disabled, never deleted) ---------------------------
    @staticmethod
    def _require_admin(actor: Actor | None) -> None:
        if actor is None or "admin" not in actor.roles:
            raise PermissionDenied("只有系统管理员可以管理账号和设置")

    def _target(self, s: Session, actor: Actor | None, user_id: int) -> User:
        self._require_admin(self._ledger.authority(s, actor))
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("没有这个账号")
        return user

    def set_active(self, actor: Actor, user_id: int, active: bool) -> None:
        """Disable (or enable again) an account. Its name stays on everything it did."""
        with self._ledger.unit_of_work() as s:
            user = self._target(s, actor, user_id)
            if not active and user.id == actor.id:
                raise ValidationError("不能停用自己正在使用的账号")
            if not active and "admin" in self._actor(s, user).roles and self._active_admins(s) <= 1:
                raise ValidationError("这是最后一个可用的系统管理员账号，不能停用")
            if user.active == active:
                return
            user.active = active
            self._ledger.record(s, actor, "user.enable" if active else "user.disable", "user", user.id,
                                {"username": user.username})  # fmt: skip

    def _active_admins(self, s: Session) -> int:
        return s.scalar(
            select(func.count()).select_from(User).join(UserRole, UserRole.user_id == User.id)
            .where(User.active, UserRole.role == "admin")
        ) or 0  # fmt: skip

    def unlock(self, actor: Actor, user_id: int) -> None:
        with self._ledger.unit_of_work() as s:
            user = self._target(s, actor, user_id)
            user.locked_until, user.failed_logins = None, 0
            self._ledger.record(s, actor, "user.unlock", "user", user.id, {"username": user.username})

    def set_roles(
        self, actor: Actor, user_id: int, roles: list[str], *, department_id: int | None = None,
        township_id: int | None = None,
    ) -> Actor:  # fmt: skip
        problems = _role_problems(roles, department_id, township_id)
        if problems:
            raise ValidationError(problems)
        with self._ledger.unit_of_work() as s:
            user = self._target(s, actor, user_id)
            before = self._actor(s, user)
            if "admin" in before.roles and "admin" not in roles and self._active_admins(s) <= 1:
                raise ValidationError("这是最后一个系统管理员账号，不能去掉其系统管理员角色")
            for row in s.scalars(select(UserRole).where(UserRole.user_id == user.id)):
                s.delete(row)
            s.flush()
            s.add_all(UserRole(user_id=user.id, role=r) for r in sorted(set(roles)))
            user.department_id, user.township_id = department_id, township_id
            s.flush()
            self._ledger.record(
                s, actor, "user.roles", "user", user.id,
                {"username": user.username, "roles": [sorted(before.roles), sorted(set(roles))],
                 "department_id": department_id, "township_id": township_id},
            )  # fmt: skip
            return self._actor(s, user)

    def set_rights(self, actor: Actor, user_id: int, rights: list[str]) -> Actor:
        """Grant or withdraw rights (RIGHTS in ledger/access.py); audited with before and after."""
        unknown = [r for r in rights if r not in RIGHTS]
        if unknown:
            raise ValidationError(f"未知权限：{'、'.join(unknown)}")
        with self._ledger.unit_of_work() as s:
            user = self._target(s, actor, user_id)
            before = sorted(r for r in (user.rights or "").split(",") if r)
            user.rights = ",".join(sorted(set(rights)))
            s.flush()
            self._ledger.record(
                s, actor, "user.rights", "user", user.id,
                {"username": user.username, "rights": [before, sorted(set(rights))]},
            )  # fmt: skip
            return self._actor(s, user)

    def reset_password(self, actor: Actor, user_id: int, new_password: str) -> None:
        with self._ledger.reading() as s:
            self._target(s, actor, user_id)
            username = s.get_one(User, user_id).username
        problems = password_problems(username, new_password, self.policy())
        if problems:
            raise ValidationError(problems)
        hashed = self._hasher.hash(new_password)
        with self._ledger.unit_of_work() as s:
            user = self._target(s, actor, user_id)
            user.password_hash, user.locked_until, user.failed_logins = hashed, None, 0
            self._ledger.record(s, actor, "user.password_reset", "user", user.id, {"username": user.username})

    def change_password(self, actor: Actor, old_password: str, new_password: str) -> None:
        """A user's own password: the old one first, the policy for the new one."""
        self.confirm_password(actor, old_password, "修改密码")
        problems = password_problems(actor.username, new_password, self.policy())
        if problems:
            raise ValidationError(problems)
        hashed = self._hasher.hash(new_password)
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            user = s.get_one(User, actor.id)
            user.password_hash = hashed
            self._ledger.record(s, actor, "user.password_change", "user", user.id, {})

    def name_of(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        with self._ledger.reading() as s:
            user = s.get(User, user_id)
        return user.display_name if user else f"#{user_id}"


def hash_password(password: str) -> str:
    """Argon2id hash (used by the demo generator to create its documented demo accounts)."""
    return _default_hasher().hash(password)
