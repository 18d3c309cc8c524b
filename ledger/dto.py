"""Frozen values the ledger hands to ui/ and reports/ (never ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """The acting user, passed explicitly to every service call."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    department_id: int | None = None
    township_id: int | None = None


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
    changed_since: bool  # 签批后已变更: the case content no longer matches what was signed


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


@dataclass(frozen=True)
class CaseView:
    id: int
    number: str
    version: int
    state: str
    state_name: str
    household: HouseholdView
    township_name: str
    village_name: str
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
    responsible_person: str
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
    search: str = ""  # quick search: case number, head's name, words of the description, or a full ID number
    tasks_of: Actor | None = None  # only cases awaiting a main-path action of this user (待我处理)
    include_void: bool = True  # False: leave 已作废 out (the dashboard's 累计发现 and its tiles)


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


@dataclass(frozen=True)
class DashboardCounts:
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
