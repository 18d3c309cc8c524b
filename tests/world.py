"""A small, fully set-up ledger for tests: one township with two villages, the usual accounts
(one per role, with passwords), and helpers that make households and walk cases forward."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy.engine import make_url

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


def _open(where: str | Path, tmp: Path, clock: FakeClock) -> Ledger:
    """The ledger at `where` with its keys, evidence and backups under `tmp`, hashing cheaply."""
    return open_ledger(
        where,
        key_dir=tmp / "keys",
        evidence_dir=tmp / "evidence",
        clock=clock,
        backup_dir=tmp / "backups",
        password_hasher=CHEAP_HASHER,
    )


def _reopened(made: World, where: str | Path, tmp: Path, clock: FakeClock, extra: dict) -> World:
    """`made`'s World on its copy at `where`: every account signed in anew there."""
    world = dataclasses.replace(made, clock=clock, extra=extra)
    world.use(_open(where, tmp, clock))
    return world


def build_world(url_or_path: str | Path, tmp: Path, clock: FakeClock | None = None) -> World:
    clock = clock or FakeClock()
    lg = _open(url_or_path, tmp, clock)
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


# -- one migrated, seeded ledger per test session and database kind, copied for each test -------------
# build_world migrates a new database, seeds the catalog and creates ten accounts: ~0.35 s on SQLite,
# 1–3 s on the PostgreSQL test server. A test that takes the `world` (or `any_world`) fixture gets a copy
# of one such ledger built at the first use — its file, or on PostgreSQL a database created with the
# built one as its TEMPLATE, and its key folder, so the chain, the key and the remembered head are the
# same — opened anew with the test's own clock: ~0.03 s on SQLite, ~0.1 s on PostgreSQL.
_TEMPLATES: dict[str, tuple[Path, World, str | Path]] = {}  # kind → (folder, world, its file or url)


def _template(kind: str, target: Callable[[Path], str | Path]) -> tuple[Path, World, str | Path]:
    if kind not in _TEMPLATES:
        root = Path(tempfile.mkdtemp(prefix="zgtz-world-"))
        where = target(root)
        made = build_world(where, root)
        made.ledger.close()  # no connection left: PostgreSQL copies only a database nobody is connected to
        _TEMPLATES[kind] = (root, made, where)
    return _TEMPLATES[kind]


def copied_world(tmp: Path, clock: FakeClock) -> World:
    """The same World build_world(tmp / "台账.db", tmp, clock) gives, from the session's template.
    A clock set before the template's last event (a test that starts its clock in the past) gets a
    ledger built for it instead, so time never runs backwards in the audit chain."""

    def copy(root: Path, template: str | Path) -> Path:
        shutil.copy2(template, tmp / "台账.db")
        return tmp / "台账.db"

    return _copied("sqlite", lambda root: root / "台账.db", copy, tmp, clock)


def copied_pg_world(tmp: Path, clock: FakeClock, new_database: Callable[[str | None], str]) -> World:
    """copied_world on the PostgreSQL test server: `new_database(template)` creates an empty database,
    or (given the name of one) a copy of it, and returns its URL."""

    def copy(root: Path, template: str | Path) -> str:
        return new_database(make_url(str(template)).database)

    return _copied("postgresql", lambda root: new_database(None), copy, tmp, clock)


def _copied(
    kind: str,
    target: Callable[[Path], str | Path],
    copy: Callable[[Path, str | Path], str | Path],
    tmp: Path,
    clock: FakeClock,
) -> World:
    root, made, template = _template(kind, target)
    if clock.now < made.clock.now and clock.now != FakeClock().now:
        return build_world(target(tmp), tmp, clock)
    clock.now = max(clock.now, made.clock.now)
    where = copy(root, template)
    shutil.copytree(root / "keys", tmp / "keys")
    return _reopened(made, where, tmp, clock, {})


def remove_template() -> None:
    for root in [t[0] for t in _TEMPLATES.values()] + [p[0] for p in _PREPARED.values()]:
        shutil.rmtree(root, ignore_errors=True)
    _TEMPLATES.clear()
    _PREPARED.clear()


# -- a world with a test file's own cases, prepared once per session and copied for each test --------
# A fixture that walks a dozen cases through the workflow (evidence, sign-offs) costs ~1 s a test; as
# `prepared(...)` it runs once, on a copy of the template, and each test gets a copy of the result:
# the database, the keys, the evidence files, the clock where the preparation left it, and what the
# preparation returned (DTOs, frozen).
_PREPARED: dict[str, tuple[Path, World, object]] = {}


def prepared(
    name: str,
    tmp: Path,
    clock: FakeClock,
    prepare: Callable[[World], object],
    new_database: Callable[[str | None], str] | None = None,
) -> tuple[World, object]:
    """copied_world (copied_pg_world given `new_database`), then `prepare(world)` — done once per
    session under `name`, copied for each test. Returns the test's own World and what `prepare`
    returned. A test whose clock is set before the prepared ledger's last event gets its own
    preparation, so time never runs backwards."""

    def fresh(folder: Path, at: FakeClock) -> World:
        return copied_world(folder, at) if new_database is None else copied_pg_world(folder, at, new_database)

    if name not in _PREPARED:
        root = Path(tempfile.mkdtemp(prefix="zgtz-prepared-"))
        made = fresh(root, FakeClock())
        value = prepare(made)
        made.ledger.close()  # nothing left connected: PostgreSQL copies only an unused database
        _PREPARED[name] = (root, made, value)
    root, made, value = _PREPARED[name]
    if clock.now < made.clock.now and clock.now != FakeClock().now:
        world = fresh(tmp, clock)
        return world, prepare(world)
    clock.now = max(clock.now, made.clock.now)
    for part in ("keys", "evidence"):
        if (root / part).is_dir():
            shutil.copytree(root / part, tmp / part)
    if new_database is None:
        where: str | Path = tmp / "台账.db"
        shutil.copy2(root / "台账.db", where)
    else:
        where = new_database(made.ledger.engine.url.database)
    return _reopened(made, where, tmp, clock, dict(made.extra)), value
