"""A small, fully set-up ledger for tests: one township with two villages, the usual accounts
(one per role, with passwords), and helpers that make households and walk cases forward."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher

from ledger import Actor, Ledger, open_ledger
from ledger.ids import with_check_digit
from ledger.photos import photo_minimums

PASSWORD = "Zg#2026pw"
# Test ledgers hash their accounts' passwords with the cheapest Argon2id parameters: sign-in then
# costs microseconds. The application's own hasher keeps argon2-cffi's recommended parameters.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


class FakeClock:
    """An injectable clock; tests move it explicitly."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 11, 23, 9, 0, 0)):
        self.now = start

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(milliseconds=1)
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += dt.timedelta(**kwargs)


_id_counter = itertools.count(1)


def fresh_id_number(birth: str = "19700101") -> str:
    """A synthetic resident ID (fictitious county 990101) with a valid check character."""
    return with_check_digit(f"990101{birth}{next(_id_counter) % 1000:03d}")


@dataclass
class World:
    ledger: Ledger
    clock: FakeClock
    admin: Actor
    clerk: Actor
    coordinator: Actor
    officer: Actor  # 责任单位经办人 of 县住建局
    other_officer: Actor  # 责任单位经办人 of 县水利局
    verifier: Actor  # 乡镇核验员 of 城关镇
    verifier2: Actor  # a second verifier of 城关镇
    approver: Actor
    auditor: Actor
    viewer: Actor
    township_id: int
    other_township_id: int
    village_id: int
    zjj_id: int
    slj_id: int
    extra: dict = field(default_factory=dict)

    @property
    def all_actors(self) -> dict[str, Actor]:
        return {
            "admin": self.admin,
            "clerk": self.clerk,
            "coordinator": self.coordinator,
            "dept_officer": self.officer,
            "verifier": self.verifier,
            "approver": self.approver,
            "auditor": self.auditor,
            "viewer": self.viewer,
        }

    def use(self, ledger: Ledger) -> None:
        """Work on `ledger` (the same database opened again): every account signs in there anew,
        since a handle is only good with the Ledger that issued it."""
        self.ledger = ledger
        for name, value in list(vars(self).items()):
            if isinstance(value, Actor):
                setattr(self, name, ledger.users.authenticate(value.username, PASSWORD))

    def account(self, username: str, display_name: str, roles: list[str], **kw) -> Actor:
        """A new account made by the administrator, signed in (the handle services accept)."""
        password = kw.pop("password", PASSWORD)
        self.ledger.users.create(self.admin, username, display_name, password, roles, **kw)
        return self.ledger.users.authenticate(username, password)

    def household(self, **kw):
        args = {
            "village_id": self.village_id,
            "head_name": "王建国",
            "head_id_number": fresh_id_number(),
            "kind": "脱贫户",
            "size": 3,
            "phone": "13800001234",
        }
        args.update(kw)
        return self.ledger.households.create(self.clerk, **args)

    def register(self, subcategory: str = "house.c", **kw):
        household = kw.pop("household", None) or self.household()
        args = {
            "household_id": household.id,
            "subcategory": subcategory,
            "description": "房屋墙体开裂",
            "source": "干部走访排查",
            "found_date": self.clock.now.date(),
        }
        args.update(kw)
        return self.ledger.cases.register(self.clerk, **args).case

    def walk(self, case, to: str):
        """Move a case forward along the happy path until it reaches state `to`."""
        cases = self.ledger.cases
        steps = ["registered", "assigned", "in_progress", "pending_verification", "pending_approval", "closed"]
        today = self.clock.now.date()
        while case.state != to:
            if steps.index(case.state) >= steps.index(to):
                raise AssertionError(f"cannot walk from {case.state} to {to}")
            if case.state == "registered":
                case = cases.act(
                    self.coordinator,
                    case.id,
                    "assign",
                    expected_version=case.version,
                    inputs={"lead_department_id": self.zjj_id},
                ).case
            elif case.state == "assigned":
                case = cases.act(
                    self.officer,
                    case.id,
                    "accept",
                    expected_version=case.version,
                    inputs={"responsible_person": "李卫东"},
                ).case
            elif case.state == "in_progress":
                sub = self.ledger.catalog.subcategory(case.subcategory)
                least = photo_minimums().get(case.subcategory, {})
                for kind in sub.required_evidence:
                    for n in range(least.get(kind, 1)):  # as many photos as the subcategory asks for
                        content = PNG + kind.encode() + (b"-%d" % n if n else b"")
                        cases.add_evidence(self.officer, case.id, content, kind, f"{kind}.png")
                case = cases.act(
                    self.officer,
                    case.id,
                    "submit",
                    expected_version=cases.get(case.id).version,
                    inputs={"measures": "加固墙体", "completion_date": today},
                ).case
            elif case.state == "pending_verification":
                case = cases.act(
                    self.verifier,
                    case.id,
                    "verify",
                    expected_version=case.version,
                    inputs={"opinion": "经现场核验，整改到位"},
                    password=PASSWORD,
                ).case
            elif case.state == "pending_approval":
                case = cases.act(
                    self.approver,
                    case.id,
                    "approve",
                    expected_version=case.version,
                    inputs={"opinion": "同意销号"},
                    password=PASSWORD,
                ).case
        return case


def build_world(url_or_path: str | Path, tmp: Path, clock: FakeClock | None = None) -> World:
    clock = clock or FakeClock()
    lg = open_ledger(
        url_or_path,
        key_dir=tmp / "keys",
        evidence_dir=tmp / "evidence",
        clock=clock,
        backup_dir=tmp / "backups",
        password_hasher=CHEAP_HASHER,
    )
    lg.users.create(None, "admin", "系统管理员", PASSWORD, ["admin"])
    admin = lg.users.authenticate("admin", PASSWORD)
    lg.catalog.add_regions(
        admin,
        [
            ("990101001000", "城关镇", None),
            ("990101001001", "东关村", "990101001000"),
            ("990101001002", "西关村", "990101001000"),
            ("990101002000", "河西乡", None),
            ("990101002001", "河西村", "990101002000"),
        ],
    )
    towns = {r.name: r.id for r in lg.catalog.townships()}
    village = next(v for v in lg.catalog.villages(towns["城关镇"]) if v.name == "东关村")
    zjj = lg.catalog.department_by_code("zjj").id
    slj = lg.catalog.department_by_code("slj").id

    def user(name, display, roles, **kw):
        lg.users.create(admin, name, display, PASSWORD, roles, **kw)
        return lg.users.authenticate(name, PASSWORD)

    return World(
        ledger=lg,
        clock=clock,
        admin=admin,
        clerk=user("luru", "录入员小刘", ["clerk"]),
        coordinator=user("tongchou", "统筹员老周", ["coordinator"], rights=("unmask", "health")),
        officer=user("zjj1", "住建局经办人", ["dept_officer"], department_id=zjj),
        other_officer=user("slj1", "水利局经办人", ["dept_officer"], department_id=slj),
        verifier=user("hy1", "城关镇核验员", ["verifier"], township_id=towns["城关镇"]),
        verifier2=user("hy2", "城关镇核验员二", ["verifier"], township_id=towns["城关镇"]),
        approver=user("sp1", "县审批人", ["approver"], rights=("unmask",)),
        auditor=user("sj1", "审计员", ["auditor"]),
        viewer=user("ck1", "查看员", ["viewer"]),
        township_id=towns["城关镇"],
        other_township_id=towns["河西乡"],
        village_id=village.id,
        zjj_id=zjj,
        slj_id=slj,
    )


# -- one migrated, seeded ledger per test session, copied for each test ----------------------------
# build_world migrates a new file, seeds the catalog and creates ten accounts: ~0.35 s. A test that
# takes the `world` fixture gets a copy of one such ledger built at the first use (its file and its
# key folder, so the chain, the key and the remembered head are the same), opened anew with the
# test's own clock: ~0.03 s.
_TEMPLATE: tuple[Path, World] | None = None
_TEMPLATE_FILES = ("台账.db", "keys")


def _template() -> tuple[Path, World]:
    global _TEMPLATE
    if _TEMPLATE is None:
        root = Path(tempfile.mkdtemp(prefix="zgtz-world-"))
        made = build_world(root / "台账.db", root)
        made.ledger.close()
        _TEMPLATE = (root, made)
    return _TEMPLATE


def copied_world(tmp: Path, clock: FakeClock) -> World:
    """The same World build_world(tmp / "台账.db", tmp, clock) gives, from the session's template.
    A clock set before the template's last event (a test that starts its clock in the past) gets a
    ledger built for it instead, so time never runs backwards in the audit chain."""
    root, made = _template()
    if clock.now < made.clock.now and clock.now != FakeClock().now:
        return build_world(tmp / "台账.db", tmp, clock)
    clock.now = max(clock.now, made.clock.now)
    shutil.copy2(root / "台账.db", tmp / "台账.db")
    shutil.copytree(root / "keys", tmp / "keys")
    lg = open_ledger(
        tmp / "台账.db",
        key_dir=tmp / "keys",
        evidence_dir=tmp / "evidence",
        clock=clock,
        backup_dir=tmp / "backups",
        password_hasher=CHEAP_HASHER,
    )
    world = dataclasses.replace(made, clock=clock, extra={})
    world.use(lg)
    return world


def remove_template() -> None:
    global _TEMPLATE
    if _TEMPLATE is not None:
        shutil.rmtree(_TEMPLATE[0], ignore_errors=True)
        _TEMPLATE = None
