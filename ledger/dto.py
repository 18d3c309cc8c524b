"""Frozen values the ledger hands to ui/ and reports/ (never ORM objects)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from ledger import schema
from ledger.scope import Scope
from ledger.workflow import TALLY_OF_STATE


@dataclass(frozen=True)
class Actor:
    """The acting user, passed explicitly to every service call."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    department_id: int | None = None
    township_id: int | None = None
    rights: frozenset[str] = frozenset()  # granted by the administrator: RIGHTS in ledger/access.py
    # The signed-in handle issued by UserService.authenticate. Services re-read roles, rights, scope
    # and the active flag from the database on every call (Ledger.authority); an Actor built by a
    # caller carries no handle the ledger issued and is refused.
    session: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class RegionView:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


@dataclass(frozen=True)
class DepartmentView:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class SubcategoryView:
    code: str
    category: str
    category_name: str
    name: str
    deadline_class: str
    deadline_class_name: str
    default_days: int
    lead_department_code: str | None
    required_evidence: tuple[str, ...]
    standard: str
    # who the problem may belong to (catalog.json "level"): household | village | both
    level: str = "household"

    @property
    def for_households(self) -> bool:
        return self.level in ("household", "both")

    @property
    def for_villages(self) -> bool:
        return self.level in ("village", "both")


@dataclass(frozen=True)
class HouseholdView:
    id: int
    township_id: int
    village_id: int
    group_name: str
    head_name: str
    head_id_number: str
    phone: str
    kind: str
    size: int


@dataclass(frozen=True)
class MemberView:
    name: str
    id_number: str  # full; callers mask it for display
    relation: str
    health: str  # "" unless the viewer holds the 'health' right
    id: int = 0  # the member's row (to edit or remove it)


@dataclass(frozen=True)
class TagView:
    """A dated tag of a household (ledger/tags.py): 监测对象（边缘易致贫户） 因病、因学 from 识别日期."""

    id: int
    household_id: int
    tag: str
    subtype: str
    risk_types: tuple[str, ...]
    start_date: dt.date | None  # 识别日期 (None: from before the ledger recorded it)
    end_date: dt.date | None  # 风险消除/退出日期 (exclusive); None while it holds
    note: str
    active: bool  # holds today
    label: str  # 监测对象（边缘易致贫户）


@dataclass(frozen=True)
class TagCount:
    """How many households hold a tag today, and their cases (已作废 left out) and open cases."""

    tag: str
    households: int
    cases: int
    open_cases: int


@dataclass(frozen=True)
class EvidenceView:
    id: int
    case_id: int
    kind: str
    kind_name: str
    sha256: str
    size: int
    mime: str
    original_name: str
    added_by: str
    added_at: dt.datetime
    taken_at: dt.datetime | None = None  # a photo's EXIF capture time (ledger/photos.py)
    gps_lat: float | None = None
    gps_lon: float | None = None

    @property
    def photo_caption(self) -> str:
        """拍摄于 … 北纬… 东经…, or 无拍摄信息 (a photo without EXIF); "" for other files."""
        from ledger.photos import PHOTO_KINDS, caption

        return caption(self.taken_at, self.gps_lat, self.gps_lon) if self.kind in PHOTO_KINDS else ""


@dataclass(frozen=True)
class SignOffView:
    id: int
    meaning: str
    signer_name: str
    signer_role: str
    on_behalf: bool
    recorded_by: str
    opinion: str
    signed_at: dt.datetime
    content_hash: str
    changed_since: bool | None  # 签批后已变更: the case content no longer matches what was signed;
    # None: cannot be checked (the ledger is read-only, its audit key is missing)


@dataclass(frozen=True)
class ProgressView:
    id: int
    note_date: dt.date
    text: str
    author: str


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    at: str
    actor_name: str
    action: str
    changes: tuple[tuple[str, object, object], ...]  # (field, old, new)
    detail: str


class PlainValues:
    """The plain columns of a case (ledger/schema.py PLAIN) ride in `values` and read as attributes
    (`line.<code>`), so adding such a column changes no DTO."""

    values: Mapping[str, object]

    def __getattr__(self, name: str) -> object:
        values = self.__dict__.get("values")  # absent while copy/pickle rebuild the object
        if values is not None and name in values:
            return values[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    @property
    def person_in_charge(self) -> str:
        """责任人 (schema.PERSON_IN_CHARGE), "" when nobody is named yet."""
        return str(self.values.get(schema.PERSON_IN_CHARGE.stored or "", "") or "")


@dataclass(frozen=True)
class CaseView(PlainValues):
    id: int
    number: str
    version: int
    state: str
    state_name: str
    household: HouseholdView | None  # None: a village-level problem (村级问题)
    township_name: str
    village_name: str
    township_id: int
    village_id: int
    category: str
    category_name: str
    subcategory: str
    subcategory_name: str
    description: str
    source: str
    found_date: dt.date
    lead_department_id: int | None
    lead_department_name: str
    assisting_departments: str
    measures: str
    deadline_class: str
    deadline: dt.date | None
    assigned_date: dt.date | None
    completion_date: dt.date | None
    closed_date: dt.date | None
    closed_on_time: bool | None
    void_reason: str
    duplicate_of_id: int | None
    remarks: str
    light: str | None
    content_hash: str
    evidence: tuple[EvidenceView, ...] = ()
    signoffs: tuple[SignOffView, ...] = ()
    progress: tuple[ProgressView, ...] = ()
    member_id: int | None = None  # the family member the problem concerns, when named
    member_name: str = ""
    values: Mapping[str, object] = field(default_factory=dict, hash=False)  # the plain columns, as kept

    @property
    def village_level(self) -> bool:
        return self.household is None

    @property
    def subject(self) -> str:
        """Who the problem is about, as a list shows it: 户主 (and the member), or 村级（村名）."""
        if self.household is None:
            return f"村级（{self.village_name}）"
        if self.member_name and self.member_name != self.household.head_name:
            return f"{self.household.head_name}（{self.member_name}）"
        return self.household.head_name


@dataclass(frozen=True)
class Change:
    """What a mutation changed, so a GUI can refresh just that (Anki's OpChanges, in small)."""

    case_ids: tuple[int, ...] = ()
    households: bool = False
    counts: bool = False
    audit_seq: int | None = None


@dataclass(frozen=True)
class CaseResult:
    case: CaseView
    change: Change


@dataclass(frozen=True)
class CaseFilter:
    township_id: int | None = None
    village_id: int | None = None
    category: str | None = None
    subcategory: str | None = None
    department_id: int | None = None
    states: tuple[str, ...] = ()
    light: str | None = None
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    closed_from: dt.date | None = None
    household_id: int | None = None
    tag: str | None = None  # only households holding this tag today (ledger.tags.holds); 村级问题 never
    tag_subtype: str = ""  # ...of this 监测类型 / 供养方式
    search: str = ""  # quick search: case number, head's name, words of the description, or a full ID number
    tasks_of: Actor | None = None  # only cases awaiting a main-path action of this user (待我处理)
    include_void: bool = True  # False: leave 已作废 out (the dashboard's 累计发现 and its tiles)
    visible_to: Actor | None = None  # only the cases this user may see (ledger/access.py)
    scope: Scope | None = None  # 统计年度 or 自定义区间 (ledger/scope.py); None = 全部年度


@dataclass(frozen=True)
class CaseRow:
    id: int
    number: str
    state: str
    township_name: str
    village_name: str
    head_name: str
    head_id_masked: str
    subcategory_name: str
    department_name: str
    deadline: dt.date | None
    light: str | None
    found_date: dt.date
    village_level: bool = False  # a village's problem: head_name is 村级, no ID
    member_name: str = ""  # the family member the problem concerns, when named


@dataclass(frozen=True)
class HouseholdRow:
    id: int
    township_name: str
    village_name: str
    head_name: str
    head_id_masked: str
    kind: str
    size: int
    open_cases: int
    all_cases: int
    tags: str = ""  # the tags held today: 脱贫户、监测对象（边缘易致贫户）


@dataclass(frozen=True)
class DashboardCounts:
    """The 工作台's figures. `total` (累计发现) is the sum of `tally`, the five groups of
    ledger.workflow.TALLY (待交办, 整改中, 待核验, 待审批, 已销号) that the 周报 and the 统计表 count too;
    `overdue` follows ledger.workflow.is_overdue; `within_deadline` are the cases whose 时限 runs
    and is not past (整改时限内)."""

    total: int
    by_state: dict[str, int]
    by_state_department: dict[tuple[str, int], int]
    by_township_state: dict[tuple[int, str], int]
    overdue: int
    due_soon: int
    new_this_week: int
    closed_this_week: int
    closure_rate: float = field(default=0.0)
    by_category_state: dict[tuple[str, str], int] = field(default_factory=dict)
    tally: dict[str, int] = field(default_factory=dict)  # TALLY key -> count
    within_deadline: int = 0
    overdue_by_township: dict[int, int] = field(default_factory=dict)
    scope: str = "全部年度"  # what the figures count (ledger/scope.py label)


@dataclass(frozen=True)
class LedgerLine(PlainValues):
    """One case in the canonical columns of the printed and exported ledger (PRODUCT.md, Excel)."""

    case_id: int
    seq: int
    number: str
    county: str
    township: str
    village: str
    group: str
    head_name: str
    head_id: str  # masked unless the reader was allowed and gave a reason
    phone: str
    household_kind: str
    household_size: int | str  # "" for a village-level problem
    category: str
    subcategory: str
    description: str
    source: str
    found_date: str
    lead_department: str
    assisting_departments: str
    measures: str
    deadline_class: str
    deadline: str
    state: str
    completion_date: str
    verification: str  # 乡镇核验人 时间 意见
    approval: str  # 县审批人 时间 意见
    closed_date: str
    evidence_count: int
    light: str
    remarks: str
    household_id: int = 0  # which household (the printed ledger keeps a household's cases together); 0: a village's
    level: str = "户级"  # 问题层级: 户级 or 村级 (a village's own problem: no 户主, no ID)
    member: str = ""  # 涉及成员: the family member the problem concerns, when named
    values: Mapping[str, object] = field(default_factory=dict, hash=False)  # plain columns; "" for none

    @property
    def village_level(self) -> bool:
        return self.level == "村级"

    @property
    def subject(self) -> str:
        """户主 as a one-column list shows it: （村级问题）, or 户主（成员） when a member is named."""
        if self.village_level:
            return VILLAGE_LEVEL_HEAD
        if self.member and self.member != self.head_name:
            return f"{self.head_name}（{self.member}）"
        return self.head_name


VILLAGE_LEVEL_HEAD = "（村级问题）"  # the 户主 cell of a village's own problem in printed lists


# (heading, LedgerLine attribute): the canonical column order of PRODUCT.md (ledger/schema.py).
LEDGER_COLUMNS: tuple[tuple[str, str], ...] = schema.ledger_columns()


@dataclass
class GroupFigures:
    """The 周报's (and the 统计表's) figures for one category, township or department, or the total.
    The state columns are the five groups of ledger.workflow.TALLY: they add up to `found`."""

    name: str
    found: int = 0  # 累计发现 (void cases excluded)
    new_week: int = 0  # found within the 统计周期
    closed_week: int = 0  # closed within the 统计周期
    unassigned: int = 0  # 待交办 (已登记)
    working: int = 0  # 整改中 (已交办 + 整改中)
    pending_verification: int = 0
    pending_approval: int = 0
    closed: int = 0
    overdue: int = 0  # ledger.workflow.is_overdue as of the period's end
    new_overdue: int = 0  # became overdue within the period
    due_soon: int = 0
    rank: int = 0  # 0: not ranked (the total, categories, the 未交办 line)
    light: str | None = None  # red | yellow | green by ledger.workflow.GroupLightPolicy; None: no light
    place_id: int | None = None  # the township's or village's region id (the 周报 grouped by village)

    def add(
        self, state: str, n: int, new: int, closed_week: int, overdue: int, new_overdue: int, due_soon: int
    ) -> None:
        key = TALLY_OF_STATE.get(state)
        if key is None:  # void: in no count
            return
        self.found += n
        self.new_week += new
        self.closed_week += closed_week
        self.overdue += overdue
        self.new_overdue += new_overdue
        self.due_soon += due_soon
        setattr(self, key, getattr(self, key) + n)

    @property
    def rate(self) -> float:
        """销号率 = 已销号 ÷ 累计发现."""
        return self.closed / self.found if self.found else 0.0

    @property
    def overdue_share(self) -> float:
        """逾期占比 = 逾期 ÷ 累计发现."""
        return self.overdue / self.found if self.found else 0.0


@dataclass(frozen=True)
class WeeklyFigures:
    """The 周报's figures for a 统计周期 [period_start, period_end], as of the end of period_end
    (cases found later are not counted; states are those the cases had then)."""

    today: dt.date  # the day printed
    period_start: dt.date
    period_end: dt.date
    total: GroupFigures
    by_category: list[GroupFigures]
    by_township: list[GroupFigures]  # ranked by closure rate, then overdue share
    by_department: list[GroupFigures]  # lead departments, ranked; the 未交办 cases are not here
    unassigned: GroupFigures  # the 待交办 cases, shown as their own line under the departments
    light_rule: str  # GroupLightPolicy.describe()
    by_village: list[GroupFigures] = field(default_factory=list)  # ranked; for one township's report
    issue: int | None = None  # 第N期, given by the renderer (ledger/services/serials.py)

    @property
    def as_of(self) -> dt.date:
        return self.period_end

    @property
    def week_start(self) -> dt.date:
        return self.period_start


@dataclass(frozen=True)
class TimetableBar:
    case_id: int
    number: str
    label: str
    township: str
    department: str
    state: str
    start: dt.date
    deadline: dt.date | None
    closed: dt.date | None
    overdue: bool
    milestones: tuple[tuple[str, dt.date], ...]  # (核验/审批, date)


@dataclass(frozen=True)
class OverdueCase(PlainValues):
    case_id: int
    number: str
    township: str
    village: str
    head_name: str
    subcategory: str
    description: str
    deadline: dt.date
    days: int
    state: str
    values: Mapping[str, object] = field(default_factory=dict, hash=False)  # the plain columns, as kept
