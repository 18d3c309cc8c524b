"""A demo ledger for the fictitious 示例县 (code 990101): ~15 townships, ~200 villages, documented
demo accounts, and N synthetic cases spread over categories, departments, states, dates and lights,
with progress notes, evidence images and sign-offs. Deterministic for a given seed.

Everything here is invented: names are drawn from common characters, ID numbers use the fictitious
county code 990101 with valid check characters, phone numbers use the reserved-looking 1380000xxxx
range. Rows are written with bulk inserts in chunks (one transaction and one audit event per chunk),
so a million cases take minutes, not hours.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update

from ledger import records, schema
from ledger.dto import Actor
from ledger.facade import Ledger
from ledger.ids import with_check_digit
from ledger.models import (
    Base,
    Case,
    CaseAction,
    Evidence,
    Household,
    HouseholdTag,
    Member,
    Meta,
    ProgressNote,
    SignOff,
    User,
    UserRole,
)
from ledger.photos import photo_minimums
from ledger.search import index_cases
from ledger.services.signoff_hash import content_hash
from ledger.services.users import hash_password
from ledger.tags import tags_for_kind
from ledger.workflow import apply_transition

DEMO_PASSWORD = "Demo#2026"

TOWNSHIPS = [
    "城关镇",
    "东山镇",
    "西河镇",
    "南坪乡",
    "北岭乡",
    "柳林镇",
    "杏花乡",
    "石门镇",
    "青龙乡",
    "白马镇",
    "清泉乡",
    "红旗乡",
    "龙湾镇",
    "桃园乡",
    "松树乡",
]
VILLAGE_FIRST = "东西南北上下前后大小新老高李王张刘杨赵周吴孙马朱胡郭何林"
VILLAGE_SECOND = "庄沟坪湾峪河家寨洼岭坡营堡桥店"
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "建国军华明伟芳秀英兰桂花玉珍春梅海涛强磊洋勇艳娟红霞丽平刚杰志福贵宝山林生德成荣富有喜"
RELATIONS = ["配偶", "子", "女", "孙子", "孙女", "父亲", "母亲"]
HEALTH = ["慢性病（高血压）", "慢性病（糖尿病）", "肢体残疾（二级）", "视力残疾（三级）", "大病（尿毒症）"]

DESCRIPTIONS = {
    "food": ["冬季衣被不足", "口粮储备不足，存在断粮风险"],
    "edu": ["适龄子女未按时入学", "应享受的教育资助未发放", "残疾子女送教上门次数不足", "寄宿生生活补助未落实"],
    "med": ["家庭成员未参加城乡居民医保", "慢病患者未签约家庭医生", "大病专项救治政策未落实", "住院未享受先诊疗后付费"],
    "house": [
        "房屋墙体开裂，经鉴定为C级危房",
        "房屋主体结构严重受损，鉴定为D级危房",
        "屋面漏雨，梁柱受损",
        "因暴雨导致房屋部分坍塌",
    ],
    "water": ["自来水入户后时常停水", "水质浑浊，检测不达标", "取水往返超过20分钟", "管网老化漏水严重"],
    "other": ["家庭无稳定收入来源", "符合条件未纳入低保"],
}
MEASURES = {
    "food": "民政部门发放临时救助金和冬季衣被",
    "edu": "教育部门落实资助政策，劝返入学并跟踪",
    "med": "医保、卫健部门代缴参保费并完成家庭医生签约",
    "house": "实施危房改造，加固墙体、更换屋面",
    "water": "水利部门维修管网，增设蓄水设施",
    "other": "人社部门推荐公益性岗位，民政部门纳入兜底保障",
}


@dataclass(frozen=True)
class DemoSummary:
    cases: int
    households: int
    townships: int
    villages: int
    seconds: float


def _png(rgb: tuple[int, int, int], size: int = 48) -> bytes:
    """A small solid-colour PNG, written by hand so the core needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


PERSON = schema.PERSON_IN_CHARGE.stored or ""  # 责任人, the input of 接收
AMOUNTS = tuple(c for c in schema.PLAIN if c.kind == "amount")  # 整改资金


def _amount(reached: int, category: str, cid: int) -> int | None:
    """整改资金 of a demo case: for a finished house or water problem, from the case id (so the draws
    of the generator stay as they were)."""
    return 3000 + (cid * 7919 % 55) * 500 if reached >= 3 and category in ("house", "water") else None


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
    return rng.choice(SURNAMES) + given


def create_regions_and_users(lg: Ledger, rng: random.Random) -> dict[str, Any]:
    """Townships, villages and the documented demo accounts."""
    lg.users.create(None, "admin", "系统管理员", DEMO_PASSWORD, ["admin"])
    admin = lg.users.authenticate("admin", DEMO_PASSWORD)
    rows: list[tuple[str, str, str | None]] = []
    village_names: set[str] = set()
    for t, town in enumerate(TOWNSHIPS, start=1):
        town_code = f"990101{t:03d}000"
        rows.append((town_code, town, None))
        for v in range(1, 12 + (t % 4) + 1):
            while True:
                name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + "村"
                if name not in village_names:
                    village_names.add(name)
                    break
            rows.append((f"990101{t:03d}{v:03d}", name, town_code))
    lg.catalog.add_regions(admin, rows)
    pw = hash_password(DEMO_PASSWORD)  # one hash for all demo accounts: hashing each would add seconds
    now = lg.clock()
    accounts: list[tuple[str, str, list[str], int | None, int | None, str]] = [
        ("luru", "录入员", ["clerk"], None, None, ""),
        ("tongchou", "县级统筹员", ["coordinator"], None, None, "health,unmask"),
        ("shenpi", "县审批人", ["approver"], None, None, "unmask"),
        ("shenji", "审计员", ["auditor"], None, None, ""),
        ("chakan", "查看员", ["viewer"], None, None, ""),
        ("yiren", "一人办公室", ["clerk", "coordinator", "approver"], None, None, "health,unmask"),
    ]
    for dept in lg.catalog.departments.values():
        health = "health" if dept.code in ("wjw", "cl", "ybj") else ""  # 卫健委、残联、医保局 need it
        accounts.append((f"dw_{dept.code}", f"{dept.name}经办人", ["dept_officer"], dept.id, None, health))
    for i, township in enumerate(lg.catalog.townships(), start=1):
        accounts.append((f"hy{i:02d}", f"{township.name}核验员", ["verifier"], None, township.id, ""))
    with lg.unit_of_work() as s:
        for username, display, roles, dept_id, town_id, rights in accounts:
            user = User(
                username=username,
                display_name=display,
                password_hash=pw,
                department_id=dept_id,
                township_id=town_id,
                active=True,
                failed_logins=0,
                created_at=now,
                rights=rights,
            )
            s.add(user)
            s.flush()
            s.add_all(UserRole(user_id=user.id, role=r) for r in roles)
        lg.record(s, admin, "demo.users", "user", None, {"accounts": [a[0] for a in accounts]})
    with lg.reading() as s:
        users = {u.username: u.id for u in s.scalars(select(User))}
    return {"admin": admin, "users": users}


STATE_MIX = (
    ("closed", 62),
    ("in_progress", 14),
    ("pending_verification", 5),
    ("pending_approval", 3),
    ("assigned", 6),
    ("registered", 5),
    ("void", 5),
)


def _state_and_age(rng: random.Random, default_days: int) -> tuple[str, int]:
    """A state from the county-wide mix, and an age (days since found) that fits it: most open
    cases are inside their deadline, about one in seven is overdue."""
    state = rng.choices([s for s, _ in STATE_MIX], [w for _, w in STATE_MIX])[0]
    if state == "registered":
        return state, rng.randint(0, 6)
    if state in ("closed", "void"):
        return state, int(rng.triangular(default_days // 3, 730, default_days))
    if rng.random() < 0.85:
        return state, rng.randint(0, max(1, default_days - 2))
    return state, rng.randint(default_days + 6, default_days + 150)


STEPS = ["registered", "assigned", "in_progress", "pending_verification", "pending_approval", "closed"]
PROGRESS_TEXTS = ["已入户核实情况", "已制定整改方案", "施工进行中", "材料已采购到位"]
CATEGORY_WEIGHTS = {"house": 30, "water": 22, "med": 20, "edu": 14, "other": 8, "food": 6}
VOID_REASON = "经核实为重复登记"
# The demo's 户类型 and their weights (fixed, so a seed gives the same ledger whatever the catalog adds).
DEMO_KINDS = ("脱贫户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "低保户", "特困供养", "一般农户")
RISK_TYPES = ("因病", "因病", "因残", "因学", "因灾", "因意外事故", "因务工就业不稳", "其他")


@dataclass
class _Rows:
    """One chunk of generated rows, table by table, in foreign-key order."""

    households: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    signoffs: list[dict[str, Any]] = field(default_factory=list)

    def by_table(self) -> list[tuple[Table, list[dict[str, Any]]]]:
        order: list[tuple[type[Base], list[dict[str, Any]]]] = [
            (Household, self.households),
            (Member, self.members),
            (HouseholdTag, self.tags),
            (Case, self.cases),
            (CaseAction, self.actions),
            (ProgressNote, self.progress),
            (Evidence, self.evidence),
            (SignOff, self.signoffs),
        ]
        return [(cast(Table, model.__table__), rows) for model, rows in order]


# What one chunk of generated cases adds, stamped by its demo.generate event.
BULK_KINDS = ("household", "member", "tag", "case", "progress", "evidence", "signoff")


class _Generator:
    """Makes the rows of one synthetic case at a time (and of its household when it is new)."""

    def __init__(self, lg: Ledger, rng: random.Random, users: dict[str, int], seed: int = 1):
        cat = lg.catalog
        self.rng = rng
        self.people = random.Random(f"demo-members-{seed}")  # members beyond the first two, ID numbers
        self.key = lg.key
        self.today = lg.today()
        self.county = lg.meta("county_code")
        self.household_kinds = DEMO_KINDS
        self.tagging = random.Random(f"demo-tags-{seed}")  # tag dates and risk types: their own stream
        self.sources = lg.cases.sources
        self.evidence_names = cat.evidence_kind_names
        self.rules = cat.rules
        self.villages = cat.villages()
        self.subs = list(cat.subcategories.values())
        self.sub_weights = [CATEGORY_WEIGHTS[x.category] for x in self.subs]
        self.dept_by_code = {d.code: d.id for d in cat.departments.values()}
        self.officer_of = {d.id: users[f"dw_{d.code}"] for d in cat.departments.values()}
        self.department_ids = list(self.officer_of)
        self.verifier_of = {t.id: users[f"hy{i:02d}"] for i, t in enumerate(cat.townships(), start=1)}
        self.clerk, self.coordinator, self.approver = users["luru"], users["tongchou"], users["shenpi"]
        with lg.reading() as s:
            self.display = dict(s.execute(select(User.id, User.display_name)).all())
            self.next_household = (s.scalar(select(func.max(Household.id))) or 0) + 1
            self.next_case = (s.scalar(select(func.max(Case.id))) or 0) + 1
        # A small pool of evidence images, stored once (content-addressed), referenced by many cases.
        self.pool: dict[str, list[tuple[str, int]]] = {}
        for k, kind in enumerate(self.evidence_names):
            blobs = [
                lg.evidence_store.put_bytes(_png((40 * k % 256, 90 + 50 * v, 160)), f"{kind}.png") for v in range(3)
            ]
            self.pool[kind] = [(b.sha256, b.size) for b in blobs]
        self.used_ids: set[str] = set()
        self.reusable: list[tuple[int, int, int]] = []  # households that may get a second case

    def member_id(self, head_id: str, head_born: dt.date, relation: str) -> str:
        """An ID number for a member: born plausibly for the relation to the head (never after
        today), the sex digit matching it, unique in the demo county."""
        people = self.people
        years = {"配偶": (-6, 6), "子": (20, 35), "女": (20, 35), "孙子": (42, 60), "孙女": (42, 60)}
        low, high = years.get(relation, (-35, -20))  # 父亲, 母亲
        born = head_born + dt.timedelta(days=people.randint(low * 365, high * 365))
        born = min(born, self.today - dt.timedelta(days=people.randint(30, 700)))
        male = relation in ("子", "孙子", "父亲") or (relation == "配偶" and int(head_id[16]) % 2 == 0)
        while True:
            serial = people.randrange(500) * 2 + (1 if male else 0)
            number = with_check_digit(f"{self.county}{born:%Y%m%d}{serial:03d}")
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
            born += dt.timedelta(days=1)

    def at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(9, self.rng.randint(0, 59)))

    def household(self, rows: _Rows, now: dt.datetime) -> tuple[int, int, int]:
        """(household id, township id, village id): an earlier household or a new one."""
        rng = self.rng
        if self.reusable and rng.random() < 0.35:
            return self.reusable.pop(rng.randrange(len(self.reusable)))
        village = rng.choice(self.villages)
        hid, township_id = self.next_household, int(village.parent_id or 0)
        self.next_household += 1
        while True:
            born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 60))
            number = with_check_digit(f"{self.county}{born:%Y%m%d}{rng.randrange(1000):03d}")
            if number not in self.used_ids:
                self.used_ids.add(number)
                break
        size = rng.randint(1, 6)
        rows.households.append(
            {
                "id": hid,
                "township_id": township_id,
                "village_id": village.id,
                "group_name": f"{rng.randint(1, 8)}组",
                "head_name": _name(rng),
                "head_id_number": number,
                "phone": f"1380000{rng.randrange(10000):04d}",
                "kind": rng.choices(self.household_kinds, [40, 8, 8, 3, 15, 6, 20])[0],
                "size": size,
                "created_at": now,
            }
        )
        # Every one of the `size` people is listed (the head is the household row, the others are
        # member rows) with an ID number. The first two members come from the main stream as they
        # always did, so the cases that follow stay the same for a seed; the rest and every
        # member's ID number come from a stream of their own.
        for k in range(size - 1):
            source = rng if k < 2 else self.people
            name = _name(source)
            relation = source.choice(RELATIONS)
            health = source.choice(HEALTH) if source.random() < 0.15 else ""
            rows.members.append(
                {
                    "household_id": hid,
                    "name": name,
                    "id_number": self.member_id(number, born, relation),
                    "relation": relation,
                    "health": health,
                }
            )
        self.tag(rows, hid, rows.households[-1]["kind"])
        if len(self.reusable) < 5000:
            self.reusable.append((hid, township_id, village.id))
        return hid, township_id, village.id

    def tag(self, rows: _Rows, hid: int, kind: str) -> None:
        """The tags the kind implies, dated; a 监测对象 with a risk type, some of them 风险消除 already;
        a few 脱贫户 also 低保户."""
        draw = self.tagging
        for tag, subtype in tags_for_kind(kind):
            start = self.today - dt.timedelta(days=draw.randint(60, 1500))
            risk, end = "", None
            if tag == "监测对象":
                risk = draw.choice(RISK_TYPES)
                if draw.random() < 0.2:
                    end = min(self.today, start + dt.timedelta(days=draw.randint(90, 500)))
            rows.tags.append(
                {"household_id": hid, "tag": tag, "subtype": subtype, "risk_type": risk,
                 "start_date": start, "end_date": end, "note": ""}
            )  # fmt: skip
        if kind == "脱贫户" and draw.random() < 0.15:
            start = self.today - dt.timedelta(days=draw.randint(30, 900))
            rows.tags.append(
                {"household_id": hid, "tag": "低保户", "subtype": "", "risk_type": "",
                 "start_date": start, "end_date": None, "note": ""}
            )  # fmt: skip

    def case(self, rows: _Rows, now: dt.datetime) -> None:
        """One case, with the actions, progress notes, evidence and sign-offs its state implies."""
        rng, today = self.rng, self.today
        hid, township_id, village_id = self.household(rows, now)
        sub = rng.choices(self.subs, self.sub_weights)[0]
        state, age = _state_and_age(rng, sub.default_days)
        found = today - dt.timedelta(days=age)
        voided = state == "void"
        reached = STEPS.index(rng.choice(STEPS[:3]) if voided else state)
        cid = self.next_case
        self.next_case += 1
        lead = self.dept_by_code.get(sub.lead_department_code or "")
        if rng.random() >= 0.9 or lead is None:
            lead = rng.choice(self.department_ids)
        assigned = min(found + dt.timedelta(days=rng.randint(0, 5)), today)
        span = max(1, min((today - assigned).days, int(sub.default_days * 1.3)))
        completion = min(assigned + dt.timedelta(days=rng.randint(1, span)), today) if reached >= 3 else None
        closed = min(completion + dt.timedelta(days=rng.randint(1, 12)), today) if completion and reached >= 5 else None
        description = rng.choice(DESCRIPTIONS[sub.category])
        source = rng.choices(self.sources, [50, 15, 20, 10, 5])[0]
        person = _name(rng) if reached >= 2 else ""
        officer, verifier = self.officer_of.get(lead, self.coordinator), self.verifier_of[township_id]
        # The actions up to its state, each on its day: the state and the fields they leave
        # (ledger.workflow.apply_transition; 交办 without a deadline gives the subcategory's default).
        steps: list[tuple[str, dict[str, object], int, dt.date | None]] = [
            ("register", {}, self.clerk, found),
            ("assign", {"lead_department_id": lead}, self.coordinator, assigned),
            ("accept", {PERSON: person}, officer, assigned),
            ("submit", {"measures": MEASURES[sub.category], "completion_date": completion}, officer, completion),
            ("verify", {}, verifier, completion),
            ("approve", {}, self.approver, closed),
        ]
        del steps[reached + 1 :]
        if voided:
            steps.append(("void", {"reason": VOID_REASON}, self.coordinator, today))
        values: dict[str, object] = {
            "category": sub.category,
            "subcategory": sub.code,
            "description": description,
            "source": source,
            "found_date": found,
            "state": None,
            "lead_department_id": None,
            "assisting_departments": "",
            "measures": "",
            **{c.stored or c.code: schema.blank(c) for c in schema.PLAIN},
            "deadline_class": sub.deadline_class,
            "deadline": None,
            "assigned_date": None,
            "completion_date": None,
            "closed_date": None,
            "closed_on_time": None,
            "void_reason": "",
            "duplicate_of_id": None,
            "remarks": "",
        }
        taken = []
        for action, inputs, actor_id, day in steps:
            moved = apply_transition(self.rules, values, action, inputs, day or today, default_days=sub.default_days)
            values.update(moved.changes)
            taken.append((moved, actor_id, day))
        values.update({c.stored or c.code: _amount(reached, sub.category, cid) for c in AMOUNTS})
        case = {
            "id": cid,
            "number": f"{self.county}-{found.year}-{cid:06d}",
            "household_id": None if sub.level == "village" else hid,  # 村卫生室, 管网: the village's problem
            "township_id": township_id,
            "village_id": village_id,
            **values,
            "created_by": self.clerk,
            "created_at": self.at(found),
            "updated_at": self.at(closed or completion or assigned),
            "version": len(steps),  # one per action taken
        }
        rows.cases.append(case)
        for moved, actor_id, day in taken:
            rows.actions.append(
                {
                    "case_id": cid,
                    "action": moved.action,
                    "from_state": moved.from_state,
                    "to_state": moved.to_state,
                    "actor_id": actor_id,
                    "at": self.at(day or today),
                    "reason": moved.note,
                }
            )
        if reached >= 2:
            for k in range(rng.randint(1, 2)):
                day = min(assigned + dt.timedelta(days=7 * (k + 1)), today)
                rows.progress.append(
                    {
                        "case_id": cid,
                        "note_date": day,
                        "author_id": officer,
                        "created_at": self.at(day),
                        "text": rng.choice(PROGRESS_TEXTS),
                    }
                )
        hashes = []
        if completion and reached >= 3:
            least = photo_minimums().get(sub.code, {})
            for kind in [k for k in sub.required_evidence for _ in range(least.get(k, 1))]:
                sha, size = rng.choice(self.pool[kind])
                hashes.append(sha)
                rows.evidence.append(
                    {
                        "case_id": cid,
                        "kind": kind,
                        "sha256": sha,
                        "size": size,
                        "mime": "image/png",
                        "original_name": f"{self.evidence_names[kind]}.png",
                        "added_by": officer,
                        "added_at": self.at(completion),
                    }
                )
        signed = content_hash(self.key, case, hashes) if reached >= 4 else ""
        for action, meaning, role, signer, day, opinion in (
            ("verify", "核验", "乡镇核验员", verifier, completion, "经现场核验，整改到位"),
            ("approve", "审批", "县级审批", self.approver, closed, "同意销号"),
        )[: max(0, reached - 3)]:
            rows.signoffs.append(
                {
                    "case_id": cid,
                    "action": action,
                    "meaning": meaning,
                    "signer_name": self.display[signer],
                    "signer_role": role,
                    "signer_user_id": signer,
                    "recorded_by_id": signer,
                    "on_behalf": False,
                    "form_evidence_id": None,
                    "opinion": opinion,
                    "signed_at": self.at(day or today),
                    "content_hash": signed,
                }
            )


def generate(
    lg: Ledger,
    cases: int = 2000,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk: int = 20000,
) -> DemoSummary:
    """Fill a new ledger with the demo county and `cases` synthetic cases, `chunk` per transaction
    (each with one audit event naming the seed, the case range and a hash of what was written)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    setup = create_regions_and_users(lg, rng)
    admin: Actor = setup["admin"]
    maker = _Generator(lg, rng, setup["users"], seed)
    done = 0
    while done < cases and not (cancelled and cancelled()):
        n = min(chunk, cases - done)
        rows = _Rows()
        now = lg.clock()
        for _ in range(n):
            maker.case(rows, now)
        with lg.unit_of_work() as s:
            before = records.high_water(s, BULK_KINDS)
            for table, table_rows in rows.by_table():
                if table_rows:  # Core executemany: the ORM's bulk path costs twice as much here.
                    s.connection().execute(insert(table), table_rows)
            index_cases(s, rows.cases[0]["id"], rows.cases[-1]["id"])
            s.execute(update(Meta).where(Meta.key == "case_seq").values(value=str(maker.next_case - 1)))
            written = repr([(c["id"], c["number"], c["state"]) for c in rows.cases]).encode()
            payload = {
                "seed": seed,
                "first_case": rows.cases[0]["id"],
                "last_case": rows.cases[-1]["id"],
                "cases": n,
                "households": len(rows.households),
                "sha256": hashlib.sha256(written).hexdigest(),
            }
            records.touch_since(s, before)
            lg.record(s, admin, "demo.generate", "case", None, payload)
        done += n
        if progress:
            progress(done, cases)
    return DemoSummary(
        done, maker.next_household - 1, len(lg.catalog.townships()), len(maker.villages), time.perf_counter() - started
    )


IMPORT_HEADER = ("序号", "乡镇", "村", "组", "户主姓名", "身份证号", "联系电话", "户类型", "家庭人口", "问题类别",
                 "问题子类", "问题描述", "发现方式", "发现时间", "备注")  # fmt: skip


def township_rows(lg: Ledger, n: int, seed: int = 7) -> list[list[object]]:
    """Rows of a township's problem workbook (IMPORT_HEADER) for the demo county: new households
    with valid synthetic ID numbers, some with a second problem, dates typed in several ways."""
    rng = random.Random(seed)
    cat = lg.catalog
    villages = cat.villages()
    subs = [s for s in cat.subcategories.values() if s.for_households]  # a household's row of a township
    county = lg.meta("county_code")
    today = lg.today()
    rows: list[list[object]] = []
    used: set[str] = set()
    people: list[tuple[Any, ...]] = []
    problems: dict[str, set[str]] = {}
    for i in range(1, n + 1):
        if people and rng.random() < 0.2:
            person = people.pop(rng.randrange(len(people)))
        else:
            village = rng.choice(villages)
            while True:
                born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 60))
                number = with_check_digit(f"{county}{born:%Y%m%d}{rng.randrange(1000):03d}")
                if number not in used:
                    used.add(number)
                    break
            person = (cat.region(int(village.parent_id or 0)).name, village.name, f"{rng.randint(1, 8)}组",
                      _name(rng), number, f"1380000{rng.randrange(10000):04d}",
                      rng.choice(("脱贫户", "低保户", "一般农户", "边缘易致贫户")), rng.randint(1, 6))  # fmt: skip
            people.append(person)
        taken = problems.setdefault(person[4], set())
        sub = rng.choice([s for s in subs if s.code not in taken])
        taken.add(sub.code)
        found = today - dt.timedelta(days=rng.randint(1, 300))
        date = rng.choice((found.isoformat(), f"{found:%Y.%m.%d}", f"{found.year}年{found.month}月{found.day}日"))
        rows.append([i, *person, sub.category_name, sub.name, rng.choice(DESCRIPTIONS[sub.category]),
                     rng.choice(("干部走访排查", "农户自主申报", "部门筛查预警")), date, ""])  # fmt: skip
    return rows
