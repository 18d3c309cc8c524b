"""SQLAlchemy models. These stay inside ledger/: services hand frozen dataclasses to ui/ and reports/.

Indexes are designed for the queries the ledger view and the dashboard run (see bench/core.py):
filtered pages sort by deadline inside (township | department | state), and the dashboard reads
the trigger-maintained `case_counts` table instead of scanning cases.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """Ledger-wide settings: uuid, county name and code, light warning days."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Region(Base):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))  # county | township | village
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DeadlineClass(Base):
    __tablename__ = "deadline_classes"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    default_days: Mapped[int] = mapped_column(Integer)


class EvidenceKind(Base):
    __tablename__ = "evidence_kinds"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))


class Category(Base):
    __tablename__ = "categories"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    publicity_days: Mapped[int | None] = mapped_column(Integer)  # 公示 days before 审批销号; None: no 公示 (0011)


class Subcategory(Base):
    __tablename__ = "subcategories"
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    name: Mapped[str] = mapped_column(String(64))
    deadline_class: Mapped[str] = mapped_column(ForeignKey("deadline_classes.code"))
    default_days: Mapped[int] = mapped_column(Integer)
    lead_department_code: Mapped[str | None] = mapped_column(String(32))
    required_evidence: Mapped[str] = mapped_column(String(255), default="")  # comma-separated kinds
    standard: Mapped[str] = mapped_column(Text, default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Household(Base):
    __tablename__ = "households"
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(32), default="")
    head_name: Mapped[str] = mapped_column(String(64), index=True)
    head_id_number: Mapped[str] = mapped_column(String(18), unique=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    kind: Mapped[str] = mapped_column(String(16))  # 户类型 shown in lists; the dated tags say more (0008)
    size: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # 户编号 of the national monitoring system, when known (0008): a roster import matches on it first.
    code: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("uq_households_code", "code", unique=True),)


class HouseholdTag(Base):
    """A dated tag of a household (0008): 脱贫户; 监测对象 with its 监测类型 (subtype) and 风险类型;
    低保户; 低保边缘家庭; 特困供养 (subtype 集中/分散). A tag is active from `start_date` (识别日期) until
    `end_date` (风险消除/退出日期, None while it holds). The vocabulary is catalog data
    (resources/seed/catalog.json "household_tags"); a household may hold several tags at once."""

    __tablename__ = "household_tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    tag: Mapped[str] = mapped_column(String(16))
    subtype: Mapped[str] = mapped_column(String(16), default="")
    risk_type: Mapped[str] = mapped_column(String(64), default="")  # 、-separated 风险类型
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_household_tags_holding", "tag", "household_id", "start_date", "end_date"),)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18), default="")
    relation: Mapped[str] = mapped_column(String(16), default="")
    health: Mapped[str] = mapped_column(String(64), default="", server_default="")  # 健康/残疾状况 (0003)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    rights: Mapped[str] = mapped_column(String(64), default="", server_default="")  # e.g. "unmask,health" (0003)


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class WorkflowAction(Base):
    __tablename__ = "workflow_actions"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    signoff: Mapped[str | None] = mapped_column(String(16))
    needs_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    not_actor_of: Mapped[str | None] = mapped_column(String(32))


class WorkflowTransition(Base):
    __tablename__ = "workflow_transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(ForeignKey("workflow_actions.code"))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))


class WorkflowRequirement(Base):
    __tablename__ = "workflow_requirements"
    action: Mapped[str] = mapped_column(ForeignKey("workflow_actions.code"), primary_key=True)
    field: Mapped[str] = mapped_column(String(48), primary_key=True)
    label: Mapped[str] = mapped_column(String(32))


class WorkflowFieldRule(Base):
    """A field that may be edited while a case is in a state (absent: locked)."""

    __tablename__ = "workflow_field_rules"
    state: Mapped[str] = mapped_column(String(32), primary_key=True)
    field: Mapped[str] = mapped_column(String(48), primary_key=True)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # None for a village-level problem (村卫生室空白点, a village's 管网): it belongs to village_id (0008).
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    subcategory: Mapped[str] = mapped_column(ForeignKey("subcategories.code"))
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    found_date: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(24))
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assisting_departments: Mapped[str] = mapped_column(String(255), default="")
    responsible_person: Mapped[str] = mapped_column(String(64), default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    deadline_class: Mapped[str] = mapped_column(ForeignKey("deadline_classes.code"))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    assigned_date: Mapped[dt.date | None] = mapped_column(Date)
    completion_date: Mapped[dt.date | None] = mapped_column(Date)
    closed_date: Mapped[dt.date | None] = mapped_column(Date)
    closed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    remarks: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The family member a household problem concerns (the child out of school), when named (0008).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    # 整改资金 in whole 元, when the department states it (0018; a plain column of ledger/schema.py).
    funds: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        # covering the overdue count by township (0014): state, deadline, then what overdue_sql reads;
        # and the deadline class the 到期提醒 windows depend on (0017)
        Index(
            "ix_cases_state_deadline",
            *("state", "deadline", "township_id", "completion_date", "lead_department_id", "deadline_class"),
        ),
        Index("ix_cases_township_state_deadline", "township_id", "state", "deadline"),
        Index("ix_cases_village_state_deadline", "village_id", "state", "deadline"),
        Index("ix_cases_dept_state_deadline", "lead_department_id", "state", "deadline"),
        Index("ix_cases_subcategory_state_deadline", "subcategory", "state", "deadline"),
        Index("ix_cases_found_date", "found_date"),
        Index("ix_cases_closed_date", "closed_date"),
        Index("ix_cases_deadline", "deadline"),  # the ledger view's deadline sort with no filter (0002)
        # the ledger view's default order (newest number first) within a township or department (0002)
        Index("ix_cases_township_number", "township_id", "number"),
        Index("ix_cases_dept_number", "lead_department_id", "number"),
        # a household's cases, with their state: the 工作台's tag counts join every tagged household to
        # its cases and read only the state, from this index alone (0019; 0.22 → 0.13 s of CPU at 100,000)
        Index("ix_cases_household_state", "household_id", "state"),
    )


class CaseCount(Base):
    """Cases per (township, department, subcategory, state), kept by database triggers so the
    dashboard never scans the cases table. department_id 0 means 未交办."""

    __tablename__ = "case_counts"
    # the dashboard's three margins, each summed in index order (revision 0017)
    __table_args__ = (
        Index("ix_case_counts_state_department", "state", "department_id", "n"),
        Index("ix_case_counts_township_state", "township_id", "state", "n"),
        Index("ix_case_counts_subcategory_state", "subcategory", "state", "n"),
    )
    township_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subcategory: Mapped[str] = mapped_column(String(48), primary_key=True)
    state: Mapped[str] = mapped_column(String(24), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseYearCount(Base):
    """case_counts by found year as well (统计年度, ledger/scope.py; revision 0012), kept by their own
    triggers, so a year-scoped dashboard is a small grouped read and the unscoped one reads the
    smaller case_counts as before."""

    __tablename__ = "case_year_counts"
    township_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subcategory: Mapped[str] = mapped_column(String(48), primary_key=True)
    state: Mapped[str] = mapped_column(String(24), primary_key=True)
    found_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseAction(Base):
    """One row per workflow action taken on a case (who did what, when, and why)."""

    __tablename__ = "case_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class ProgressNote(Base):
    __tablename__ = "progress_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    note_date: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Evidence(Base):
    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(ForeignKey("evidence_kinds.code"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(32))
    original_name: Mapped[str] = mapped_column(String(255))  # for display only, never a path
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # A photo's capture time and GPS position from its EXIF (0016), None when the file has none.
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)


class SignOff(Base):
    __tablename__ = "signoffs"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    meaning: Mapped[str] = mapped_column(String(16))  # 核验 / 审批 / 退回 / 回退
    signer_name: Mapped[str] = mapped_column(String(64))
    signer_role: Mapped[str] = mapped_column(String(32))
    signer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)  # 代录
    form_evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    opinion: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    content_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """Append-only (triggers refuse UPDATE and DELETE) and HMAC-chained; see ledger/audit.py."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row holding the chain head; locking it serialises appends on PostgreSQL."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class RecordStamp(Base):
    """The keyed hash of a record after the event `seq` changed it (ledger/records.py). Append-only.
    Clustered by event (SQLite: WITHOUT ROWID) so verify reads the stamps of each event in one
    sequential pass; the covering index answers "the stamps of this record" without the table."""

    __tablename__ = "record_stamps"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_record_stamps_record", "kind", "record_id", "seq", "hash"),
        {"sqlite_with_rowid": False},
    )


class Serial(Base):
    """A number the office has issued: a 督办函's 发文字号 (series "letter:<代字>") or a weekly report's
    期数 (series "weekly"), one row per number, never changed or removed (ledger/services/serials.py).
    `subject` names what the number was given to (the department and date of a letter, the period of
    a weekly report), so a reprint of the same weekly report keeps its number."""

    __tablename__ = "serials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("series", "year", "number", name="uq_serials_number"),
        Index("ix_serials_subject", "series", "subject"),
    )


class CompareRun(Base):
    """One 比对 of a department roster (医保参保名单, 学籍, 危房鉴定, 供水) against the households (0008).
    `summary` is JSON: rows read, people matched by ID and by name only, findings per rule, new/gone."""

    __tablename__ = "compare_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # 医保 | 学籍 | 危房 | 供水
    file_name: Mapped[str] = mapped_column(String(255))  # for display only, never a path
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    run_at: Mapped[dt.datetime] = mapped_column(DateTime)
    run_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class CompareFinding(Base):
    """A candidate problem a 比对 found (0008). `key` names what it is about (rule and household,
    member or village) so a rerun of the roster finds the same row again: it keeps its state (a
    dismissal survives reruns), and a finding the new roster no longer supports is marked gone.
    state: open (待核实) | registered (已登记, case_id set) | dismissed (已排除, reason set) | gone (已消失)."""

    __tablename__ = "compare_findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(120))
    first_run_id: Mapped[int] = mapped_column(ForeignKey("compare_runs.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("compare_runs.id"), index=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    subcategory: Mapped[str] = mapped_column(ForeignKey("subcategories.code"))
    description: Mapped[str] = mapped_column(Text)
    weak_match: Mapped[bool] = mapped_column(Boolean, default=False)  # matched by name + village only
    roster_row: Mapped[str] = mapped_column(Text, default="")  # JSON: row number and cells of the roster row
    state: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("kind", "key", name="uq_compare_findings_key"),)


# -- 公示 before 审批销号 and 风险消除 (0011, ledger/services/publicity.py) ------------------------------------
class PublicityBatch(Base):
    """A 公示 posted in one village: kind "close" (拟销号问题) or "risk" (拟风险消除的监测对象), from
    `start_date` for `days` days (the last day is start_date + days - 1)."""

    __tablename__ = "publicity_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # close | risk
    township_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PublicityItem(Base):
    """A case (kind close) or a household's 监测对象 tag (kind risk) on a 公示."""

    __tablename__ = "publicity_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("publicity_batches.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("household_tags.id"))


class PublicityObjection(Base):
    """An objection received during a 公示 against one item, and its handling (resolved when set)."""

    __tablename__ = "publicity_objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("publicity_items.id"), index=True)
    received_date: Mapped[dt.date] = mapped_column(Date)
    raised_by: Mapped[str] = mapped_column(String(64))  # who objected (a villager may stay anonymous: 匿名)
    content: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    handling: Mapped[str] = mapped_column(Text, default="")
    resolved_date: Mapped[dt.date | None] = mapped_column(Date)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# -- 调度 and 通报 (0009) ---------------------------------------------------------------------------------
class DispatchSubmission(Base):
    """A township's or department's report for one 调度期 (ledger/services/dispatch.py): recorded when
    its 填报表 is imported or a user of the unit confirms 本期进度. `period_end` is the cut-off that
    ends the period; submitted after it = 迟报. One row per unit and period (the first report counts)."""

    __tablename__ = "dispatch_submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_end: Mapped[dt.datetime] = mapped_column(DateTime)
    unit_kind: Mapped[str] = mapped_column(String(16))  # township | department
    unit_id: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    via: Mapped[str] = mapped_column(String(16))  # import | confirm | behalf
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("period_end", "unit_kind", "unit_id", name="uq_dispatch_submissions_unit"),)


class DispatchBulletin(Base):
    """An issued 通报 (第N期): its number (also a row of `serials`) and the figures it printed (JSON), so
    a reprint shows the same and the next 通报 compares with what was issued."""

    __tablename__ = "dispatch_bulletins"
    id: Mapped[int] = mapped_column(primary_key=True)
    period_end: Mapped[dt.datetime] = mapped_column(DateTime, unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    figures: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(String(64))


class SupervisionLetter(Base):
    """An issued 督办函 and its tracking (0010): written with the report.print event that claims its
    发文字号 (reports/render.py), then the department's 书面说明 (a scanned reply in the evidence
    store, by hash) and the coordinator's closing. `case_ids` lists the cases it names as ",3,17,"
    (found with LIKE ',17,'); state: issued | replied | closed (ledger/escalation.py)."""

    __tablename__ = "supervision_letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    number_text: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    case_ids: Mapped[str] = mapped_column(Text)
    case_numbers: Mapped[str] = mapped_column(Text)  # 、-separated, as printed
    issued_date: Mapped[dt.date] = mapped_column(Date)
    reply_due: Mapped[dt.date] = mapped_column(Date)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16))
    reply_date: Mapped[dt.date | None] = mapped_column(Date)
    reply_sha256: Mapped[str | None] = mapped_column(String(64))
    reply_name: Mapped[str] = mapped_column(String(255), default="")  # for display only, never a path
    reply_mime: Mapped[str] = mapped_column(String(32), default="")
    reply_size: Mapped[int | None] = mapped_column(Integer)
    replied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_date: Mapped[dt.date | None] = mapped_column(Date)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")  # the coordinator's words when closing

    __table_args__ = (UniqueConstraint("series", "year", "number", name="uq_supervision_letters_number"),)


class YearArchive(Base):
    """A sealed 统计年度 (年终归档, revision 0012): the archive folder's manifest hash and the audit
    chain head when it was sealed. A signed record (ledger/records.py); one row per year, never changed."""

    __tablename__ = "year_archives"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    folder: Mapped[str] = mapped_column(String(255))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    cases: Mapped[int] = mapped_column(Integer)  # cases the year's scope holds
    sealed_cases: Mapped[int] = mapped_column(Integer)  # closed cases made read-only
    audit_seq: Mapped[int] = mapped_column(Integer)
    audit_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    sealed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
