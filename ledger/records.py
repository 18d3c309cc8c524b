"""The records people sign, print or rely on, and their keyed content hashes (issue 13).

The audit chain (ledger/audit.py) proves its own events; this module binds the *records* to it.
Each record kind below declares, in one place, the content that counts: a case with every field of
the ledger, a sign-off, a progress note, an evidence row, a household, a member, a user account with
its roles, rights, scope and active flag, and the workflow tables as one record. Every event that
creates or changes such records stores, for each, the HMAC of its content after the change as a row
of `record_stamps` (append-only), and declares in its own chained payload the Merkle root and count
of those stamps. `verify_records` then checks that
  - every stamp belongs to an event that declared it (roots recomputed), and every declared stamp
    is there, so stamps cannot be forged, altered or removed without the key;
  - every record as it is now hashes to its latest stamp: a record edited, inserted or deleted with
    a SQL tool is named (case number, account name, table and row).

The declarations (`KINDS`) are meant to grow into the single case schema: columns, labels, DTOs
and exports can later be derived from the same list of fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from json import encoder as _json_encoder
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ledger import schema
from ledger.models import (
    AuditEvent,
    Case,
    CompareFinding,
    CompareRun,
    DispatchBulletin,
    DispatchSubmission,
    Evidence,
    Household,
    HouseholdTag,
    Member,
    ProgressNote,
    PublicityBatch,
    PublicityItem,
    PublicityObjection,
    Serial,
    SignOff,
    SupervisionLetter,
    User,
    UserRole,
    WorkflowAction,
    WorkflowFieldRule,
    WorkflowRequirement,
    WorkflowTransition,
    YearArchive,
)

HASH_HEX = 32  # 128 bits of HMAC-SHA256: ample against forgery, half the storage of the full digest
DELETED = "deleted"  # the content of a record that was removed on purpose (a tombstone stamp)
WORKFLOW_ID = 1  # the workflow tables are one record
_CHUNK = 500  # ids per IN (...) when loading scattered records
_FANOUT = 64  # children per node of the stamps' Merkle tree


def _table(model: type) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RecordKind:
    code: str  # stored in record_stamps.kind and used in event payloads
    label: str  # how verify names the kind to a person
    model: type | None  # the table of a one-row record; None for composite records
    fields: tuple[str, ...] = ()  # the signed content, in this order
    name_column: str | None = None  # what names a record in messages (case number, user name)
    # Columns added after records of this kind were first stamped: they follow `fields` in the
    # content only up to the last one that is set (not NULL), so every stamp written before the
    # column existed stays valid while the column is unset, and setting it is a change like any other.
    added: tuple[str, ...] = ()


PHOTO_COLUMNS = ("taken_at", "gps_lat", "gps_lon")  # 0016: set for photos with EXIF only
# 涉及成员 (0008), then the case columns ledger/schema.py declares as added later (整改资金, 0018).
CASE_ADDED = ("member_id", *schema.added_case_columns())


def _columns(model: type, leave_out: Sequence[str] = ()) -> tuple[str, ...]:
    return tuple(c.name for c in _table(model).columns if c.name not in leave_out)


KINDS: dict[str, RecordKind] = {
    k.code: k
    for k in (
        # A case: every column, so no field of the ledger can change without an event.
        RecordKind("case", "问题", Case, _columns(Case, CASE_ADDED), "number", added=CASE_ADDED),
        RecordKind("signoff", "签批记录", SignOff, _columns(SignOff)),
        RecordKind("progress", "整改进度", ProgressNote, _columns(ProgressNote)),
        RecordKind("evidence", "佐证材料", Evidence, _columns(Evidence, PHOTO_COLUMNS), added=PHOTO_COLUMNS),
        RecordKind("household", "农户", Household, _columns(Household, ("code",)), "head_name", added=("code",)),
        RecordKind("tag", "农户标签", HouseholdTag, _columns(HouseholdTag)),
        RecordKind("member", "家庭成员", Member, _columns(Member)),
        # An account without its sign-in counters (failed_logins, locked_until move on every
        # attempt; they are audited as login events), plus its roles from user_roles.
        RecordKind("user", "账号", User, _columns(User, ("failed_logins", "locked_until")), "username"),
        RecordKind("workflow", "流程规则", None),
        # A number the office issued (督办函 文号, 周报 期数): never reused, so never silently changed.
        RecordKind("serial", "文号", Serial, _columns(Serial), "subject"),
        # A roster comparison and what it found: a finding dismissed or registered is a decision.
        RecordKind("comparison", "比对批次", CompareRun, _columns(CompareRun), "file_name"),
        RecordKind("finding", "比对结果", CompareFinding, _columns(CompareFinding), "key"),
        # A 公示, what it lists and the objections received with their handling (0011).
        RecordKind("publicity", "公示", PublicityBatch, _columns(PublicityBatch)),
        RecordKind("pub_item", "公示对象", PublicityItem, _columns(PublicityItem)),
        RecordKind("objection", "公示异议", PublicityObjection, _columns(PublicityObjection)),
        # 调度: a unit's report for a period, and an issued 通报 with the figures it printed (0009).
        RecordKind("submission", "调度报送", DispatchSubmission, _columns(DispatchSubmission)),
        RecordKind("bulletin", "调度通报", DispatchBulletin, _columns(DispatchBulletin)),
        # An issued 督办函 and its tracking (issued → replied → closed): each step is a decision.
        RecordKind("letter", "督办函", SupervisionLetter, _columns(SupervisionLetter), "number_text"),
        # 年终归档 (ledger/archive.py): a sealed year, its manifest's hash and the chain head then.
        RecordKind("archive", "年度归档", YearArchive, _columns(YearArchive), "folder"),
    )
}

# ORM classes whose changes touch a record: (kind, how to find the record's id from the object).
_TOUCHED_BY: dict[type, tuple[str, Callable[[object], int]]] = {
    Case: ("case", lambda o: o.id),  # type: ignore[attr-defined]
    SignOff: ("signoff", lambda o: o.id),  # type: ignore[attr-defined]
    ProgressNote: ("progress", lambda o: o.id),  # type: ignore[attr-defined]
    Evidence: ("evidence", lambda o: o.id),  # type: ignore[attr-defined]
    Household: ("household", lambda o: o.id),  # type: ignore[attr-defined]
    Member: ("member", lambda o: o.id),  # type: ignore[attr-defined]
    User: ("user", lambda o: o.id),  # type: ignore[attr-defined]
    UserRole: ("user", lambda o: o.user_id),  # type: ignore[attr-defined]
    WorkflowAction: ("workflow", lambda o: WORKFLOW_ID),
    WorkflowTransition: ("workflow", lambda o: WORKFLOW_ID),
    WorkflowRequirement: ("workflow", lambda o: WORKFLOW_ID),
    WorkflowFieldRule: ("workflow", lambda o: WORKFLOW_ID),
    Serial: ("serial", lambda o: o.id),  # type: ignore[attr-defined]
    HouseholdTag: ("tag", lambda o: o.id),  # type: ignore[attr-defined]
    CompareRun: ("comparison", lambda o: o.id),  # type: ignore[attr-defined]
    CompareFinding: ("finding", lambda o: o.id),  # type: ignore[attr-defined]
    PublicityBatch: ("publicity", lambda o: o.id),  # type: ignore[attr-defined]
    PublicityItem: ("pub_item", lambda o: o.id),  # type: ignore[attr-defined]
    PublicityObjection: ("objection", lambda o: o.id),  # type: ignore[attr-defined]
    DispatchSubmission: ("submission", lambda o: o.id),  # type: ignore[attr-defined]
    DispatchBulletin: ("bulletin", lambda o: o.id),  # type: ignore[attr-defined]
    SupervisionLetter: ("letter", lambda o: o.id),  # type: ignore[attr-defined]
    YearArchive: ("archive", lambda o: o.id),  # type: ignore[attr-defined]
}
WORKFLOW_MODELS = (WorkflowAction, WorkflowTransition, WorkflowRequirement, WorkflowFieldRule)


# -- canonical content and its keyed hash -----------------------------------------------------------
def _iso(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not part of a record's content: {type(value).__name__}")


# Each kind's fields are in a fixed order, so a JSON array is unambiguous (a date column and a text
# column holding the same characters sit at different positions). Values are the driver's own (no
# SQLAlchemy type processing, which cost a third of a verify): SQLite gives the stored text of dates,
# PostgreSQL date objects, written as ISO text. Stamping and verifying read the same way, so each
# database agrees with itself. json's C encoder, made once, instead of JSONEncoder.encode (which
# builds it again for every record).
_make_c_encoder = getattr(_json_encoder, "c_make_encoder", None)  # CPython's, not in the type stubs
if _make_c_encoder is not None:
    _c_encode = _make_c_encoder(None, _iso, _json_encoder.encode_basestring, None, ":", ",", False, False, True)

    def _encode(values: Sequence[object]) -> str:
        return "".join(_c_encode(values, 0))
else:  # pragma: no cover - CPython always has the C encoder
    _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_iso).encode  # type: ignore[assignment]


def record_hash(key: bytes, kind: str, record_id: int, values: Sequence[object] | None) -> str:
    """HMAC-SHA256 of a record's canonical content; `values` None is a deleted record."""
    body = DELETED if values is None else _encode(values)
    message = f"{kind}#{record_id}|{body}".encode()
    return hmac.digest(key, message, "sha256").hex()[:HASH_HEX]


def _merkle_root_of(key: bytes, digests: bytes, count: int) -> str:
    """merkle_root of `count` leaves given as their digests' bytes back to back, in sorted order:
    the first level hashes slices of the bytes as they are (no object per leaf)."""
    width = len(digests) // count if count else 0
    level = [digests] if count <= 1 else []
    if count > 1:
        step = width * _FANOUT
        level = [hashlib.sha256(digests[i : i + step]).digest() for i in range(0, len(digests), step)]
    while len(level) > 1:
        level = [hashlib.sha256(b"".join(level[i : i + _FANOUT])).digest() for i in range(0, len(level), _FANOUT)]
    return hmac.digest(key, level[0] if level else b"", "sha256").hex()


def merkle_root(key: bytes, leaves: Iterable[tuple[str, int, str]]) -> str:
    """Keyed root over (kind, id, hash) leaves in their sorted order. Each leaf is the record's own
    keyed hash (which already names its kind and id); nodes hash up to _FANOUT children with SHA-256
    (a wide tree: a million leaves take ~16,000 hashes, not two million), and the top is keyed
    with HMAC so it cannot be recomputed without the key."""
    level = [bytes.fromhex(h) for _k, _i, h in sorted(leaves)]
    while len(level) > 1:
        level = [hashlib.sha256(b"".join(level[i : i + _FANOUT])).digest() for i in range(0, len(level), _FANOUT)]
    return hmac.digest(key, level[0] if level else b"", "sha256").hex()


# -- loading the current content of records ------------------------------------------------------------
# What the record checks read through: the ledger's session, or, in a worker process of a parallel
# verify (ledger/record_workers.py), a plain read-only sqlite3 connection of its own.
Source = Session | sqlite3.Connection


def _raw(s: Source, sql: str) -> Iterator[tuple[Any, ...]]:
    """Rows of `sql` straight from the driver's cursor, streamed: no SQLAlchemy result processing
    (per-row wrapping and type conversion were most of a verify's time, bench/verify.py). On
    PostgreSQL a named (server-side) cursor keeps memory flat over a million rows."""
    cursor: Any
    if isinstance(s, sqlite3.Connection):
        cursor = s.cursor()
    else:
        dbapi = s.connection().connection.dbapi_connection
        assert dbapi is not None
        if s.get_bind().dialect.name == "postgresql":
            cursor = dbapi.cursor(name=f"zgtz_records_{id(sql):x}")
            cursor.itersize = 5000  # psycopg named cursor
        else:
            cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(5000):
            yield from rows
    finally:
        cursor.close()


def _simple_rows(s: Source, kind: RecordKind, ids: Sequence[int] | None) -> Iterator[tuple[int, list[Any]]]:
    """(id, values) in id order; values are the driver's own (SQLite: stored text for dates)."""
    assert kind.model is not None
    table = _table(kind.model).name
    columns = ", ".join(kind.fields + kind.added)  # names from our own declarations, never from input
    at = kind.fields.index("id")
    base = len(kind.fields)
    for condition in _id_conditions(ids):
        for row in _raw(s, f"SELECT {columns} FROM {table}{condition} ORDER BY id"):
            values = list(row)
            while len(values) > base and values[-1] is None:
                values.pop()
            yield row[at], values


def _id_conditions(ids: Sequence[int] | None) -> Iterator[str]:
    """WHERE clauses covering `ids` (integers, inlined): one BETWEEN for a dense run (a bulk insert),
    IN lists otherwise; no clause for every record."""
    if ids is None:
        yield ""
        return
    ordered = sorted({int(i) for i in ids})
    if ordered and ordered[-1] - ordered[0] + 1 == len(ordered):
        yield f" WHERE id BETWEEN {ordered[0]} AND {ordered[-1]}"
        return
    for i in range(0, len(ordered), _CHUNK):
        yield f" WHERE id IN ({', '.join(map(str, ordered[i : i + _CHUNK]))})"


def _user_rows(s: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, list[Any]]]:
    roles: dict[int, list[str]] = defaultdict(list)
    role_query = select(UserRole.user_id, UserRole.role).order_by(UserRole.user_id, UserRole.role)
    if ids is not None:
        role_query = role_query.where(UserRole.user_id.in_(sorted(set(ids))))
    for user_id, role in s.execute(role_query):
        roles[user_id].append(role)
    for record_id, values in _simple_rows(s, KINDS["user"], ids):
        yield record_id, [*values, roles.get(record_id, [])]


def _workflow_rows(s: Session, ids: Sequence[int] | None) -> Iterator[tuple[int, list[Any]]]:
    if ids is not None and WORKFLOW_ID not in ids:
        return
    content: list[object] = []
    for model in WORKFLOW_MODELS:
        table = _table(model)
        rows = s.execute(select(*table.columns)).all()
        content.append(sorted(json.dumps(list(r), default=str, ensure_ascii=False) for r in rows))
    yield WORKFLOW_ID, content


def current(s: Source, kind: str, ids: Sequence[int] | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(id, content values) of the records of `kind` now, by id; all of them when `ids` is None.
    (A plain connection reads the one-table kinds only.)"""
    if kind == "user":
        assert isinstance(s, Session)
        return _user_rows(s, ids)
    if kind == "workflow":
        assert isinstance(s, Session)
        return _workflow_rows(s, ids)
    return _simple_rows(s, KINDS[kind], ids)


# -- what a unit of work touched ------------------------------------------------------------------------
TOUCHED = "zgtz_touched_records"


def touched(session: Session) -> dict[str, set[int]]:
    return cast(dict[str, set[int]], session.info.setdefault(TOUCHED, defaultdict(set)))


def touch(session: Session, kind: str, ids: Iterable[int]) -> None:
    """Mark records written without the ORM (bulk inserts) for the next event's stamps."""
    touched(session)[kind].update(ids)


def collect_after_flush(session: Session, _flush_context: object) -> None:
    """SQLAlchemy after_flush hook: every ORM object of a record kind that was added, changed or
    deleted marks its record. (In after_flush the new/dirty/deleted sets still hold the flushed
    objects, and their ids are assigned.)"""
    marks = touched(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        entry = _TOUCHED_BY.get(type(obj))
        if entry is not None:
            kind, record_id = entry
            marks[kind].add(record_id(obj))


@dataclass
class Stamps:
    rows: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, record id, hash), sorted

    @property
    def count(self) -> int:
        return len(self.rows)

    def declaration(self, key: bytes) -> dict[str, object]:
        """What the event's payload says of its stamps: their count, root and, when few, themselves."""
        out: dict[str, object] = {"n": len(self.rows), "root": merkle_root(key, self.rows)}
        if len(self.rows) <= 8:
            out["records"] = {f"{kind}:{record_id}": digest for kind, record_id, digest in self.rows}
        return out


def compute_stamps(session: Session, key: bytes) -> Stamps:
    """The keyed hashes of every record touched since the last event, as they are now (the session
    is flushed first). Records that no longer exist get a tombstone. Streamed: a bulk import's
    hundred thousand records are hashed as they are read, never held."""
    session.flush()
    marks: dict[str, set[int]] = session.info.pop(TOUCHED, None) or {}
    stamps = Stamps()
    add = stamps.rows.append
    for kind in sorted(marks):
        wanted = sorted(marks[kind])
        if not wanted:
            continue
        found = current(session, kind, wanted)  # in id order, like `wanted`
        row = next(found, None)
        for record_id in wanted:
            while row is not None and row[0] < record_id:
                row = next(found, None)
            if row is not None and row[0] == record_id:
                add((kind, record_id, record_hash(key, kind, record_id, row[1])))
            else:  # gone: a tombstone
                add((kind, record_id, record_hash(key, kind, record_id, None)))
    return stamps


def write_stamps(session: Session, seq: int, stamps: Stamps) -> None:
    """One executemany of plain tuples through the driver (SQLAlchemy's per-row parameter handling
    doubled the cost of stamping a bulk import)."""
    if not stamps.rows:
        return
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO record_stamps (kind, record_id, seq, hash) VALUES ({mark}, {mark}, {mark}, {mark})",
        [(kind, record_id, seq, digest) for kind, record_id, digest in stamps.rows],
    )


def pending(session: Session) -> bool:
    """Whether records were changed since the last event (a unit of work must not end so)."""
    marks: dict[str, set[int]] | None = session.info.get(TOUCHED)
    return marks is not None and any(marks.values())


# -- verification ----------------------------------------------------------------------------------------
@dataclass
class RecordReport:
    ok: bool = True
    records: int = 0
    stamps: int = 0
    problems: list[str] = field(default_factory=list)
    total_problems: int = 0
    rechecked: int = 0  # records whose fast (SQLite-encoded) hash differed, hashed again the exact way


KEPT = 50  # problems named in the report; the rest are counted

# A problem as a check finds it, before it is named: (code, kind, record id or event seq, declared
# count, found count). Naming a record costs queries, and a worker process of a parallel verify has
# no session to name it with, so the checks only note this much and verify names the first KEPT.
Finding = tuple[str, str, int, int, int]
_WHAT = {
    "unstamped": "没有任何审计事件记录它（被直接写入数据库）",
    "changed": "内容与审计日志记录的不一致（被直接改动）",
    "gone": "审计日志记录了它，但它已不在数据库中（被直接删除）",
}


@dataclass
class Findings:
    """What the checks of one range found, in the order verify reports it: the first KEPT problems
    and how many there were, and separately the events whose stamps are all gone (reported after
    every other stamp problem, by seq). Plain data: a worker process sends it back pickled, and the
    findings of consecutive ranges merged in range order read as one pass over everything."""

    records: int = 0
    stamps: int = 0
    rechecked: int = 0
    total: int = 0
    first: list[Finding] = field(default_factory=list)
    missing_total: int = 0
    missing: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.total += 1
        if len(self.first) < KEPT:
            self.first.append(finding)

    def add_missing(self, seq: int) -> None:
        self.missing_total += 1
        if len(self.missing) < KEPT:
            self.missing.append(("missing", "", seq, 0, 0))

    def merge(self, later: Findings) -> None:
        """Append the findings of the range that follows this one."""
        self.records += later.records
        self.stamps += later.stamps
        self.rechecked += later.rechecked
        self.total += later.total
        self.first = (self.first + later.first)[:KEPT]
        self.missing_total += later.missing_total
        self.missing = (self.missing + later.missing)[:KEPT]


def _range_sql(column: str, lo: int | None, hi: int | None) -> str:
    """AND conditions for lo <= column < hi (integers, inlined); None is open-ended."""
    return (f" AND {column} >= {int(lo)}" if lo is not None else "") + (
        f" AND {column} < {int(hi)}" if hi is not None else ""
    )


def _declarations(s: Source, lo: int | None = None, hi: int | None = None) -> dict[int, tuple[str, int]]:
    """seq -> (root, count) of every event (lo <= seq < hi) that declared stamps, from the chained
    payloads."""
    out = {}
    where = f"payload LIKE '%\"stamps\"%'{_range_sql('seq', lo, hi)}"
    for seq, payload in _raw(s, f"SELECT seq, payload FROM audit_events WHERE {where}"):
        declared = json.loads(payload).get("stamps")
        if isinstance(declared, dict) and "root" in declared:
            out[seq] = (str(declared["root"]), int(declared.get("n", -1)))
    return out


def _label(s: Session, kind: str, record_id: int) -> str:
    spec = KINDS[kind]
    if kind == "case":
        number = _case_number(s, record_id)
        if number is None:
            return f"问题（表 cases 第 {record_id} 行，编号已无从查考）"
        if s.scalar(select(Case.id).where(Case.id == record_id)) is None:
            return f"问题 {number}（表 cases 第 {record_id} 行）"
        return f"问题 {number}"
    if kind in _CASE_PARTS:
        case_id = _owning_case(s, kind, record_id)
        number = _case_number(s, case_id) if case_id is not None else None
        table_name = _table(spec.model).name if spec.model is not None else kind
        where = f"表 {table_name} 第 {record_id} 行"
        if number is not None:
            return f"问题 {number} 的{spec.label}（{where}）"
        return f"{spec.label}（{where}，所属问题已无从查考）"
    if spec.model is not None and spec.name_column:
        table = _table(spec.model)
        name = s.scalar(select(table.c[spec.name_column]).where(table.c.id == record_id))
        if name is not None:
            if kind == "user":
                return f"账号“{name}”"
            return f"{spec.label}“{name}”（第 {record_id} 行）"
    if kind == "workflow":
        return "流程规则表（workflow_*）"
    table_name = _table(spec.model).name if spec.model is not None else kind
    return f"{spec.label}（表 {table_name} 第 {record_id} 行）"


# Records that belong to one case: verify names that case's number with them.
_CASE_PARTS = ("signoff", "progress", "evidence")


def _owning_case(s: Session, kind: str, record_id: int) -> int | None:
    """The case a sign-off, progress note or evidence row belongs to: from the row, or, when the row
    is gone, from the audit event that wrote it (its entity and id, or a payload naming it)."""
    model = KINDS[kind].model
    assert model is not None
    table = _table(model)
    case_id = s.scalar(select(table.c.case_id).where(table.c.id == record_id))
    if case_id is not None:
        return int(case_id)
    found = s.scalar(
        select(AuditEvent.case_id)
        .where(AuditEvent.entity == kind, AuditEvent.entity_id == record_id, AuditEvent.case_id.is_not(None))
        .order_by(AuditEvent.seq)
        .limit(1)
    )
    return int(found) if found is not None else None


def _case_number(s: Session, case_id: int) -> str | None:
    """A case's number: from its row, or, when the row is gone, from the events that recorded it."""
    number = s.scalar(select(Case.number).where(Case.id == case_id))
    if number is not None:
        return str(number)
    query = (
        select(AuditEvent.payload)
        .where(AuditEvent.case_id == case_id, AuditEvent.payload.contains('"number"'))
        .order_by(AuditEvent.seq)
        .limit(5)
    )
    for payload in s.scalars(query):
        try:
            data = json.loads(payload)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("number"), str):
            return cast(str, data["number"])
    return None


def verify_records(
    s: Session,
    key: bytes,
    progress: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RecordReport:
    """Every stamp against the event that declared it, then every record against its latest stamp,
    in this process (ledger/record_workers.py spreads the same checks over worker processes)."""
    say = progress or (lambda _m: None)
    sqlite = s.get_bind().dialect.name == "sqlite"
    # 1. Stamps against the events that declared them.
    say("核对记录指纹与审计事件…")
    stamps = check_stamp_groups(s, key, sqlite)
    found = Findings()
    if not (cancelled and cancelled()):
        # 2. Every record now against its latest stamp.
        for kind in KINDS:
            say(f"核对{KINDS[kind].label}…")
            if not check_kind(s, key, kind, sqlite, found, cancelled=cancelled):
                break
    return named_report(s, stamps, found)


def named_report(s: Session, stamps: Findings, found: Findings) -> RecordReport:
    """The report of the stamp groups' and the records' findings, the first KEPT problems named."""
    report = RecordReport(records=found.records, stamps=stamps.stamps, rechecked=found.rechecked)
    report.total_problems = stamps.total + stamps.missing_total + found.total
    report.ok = report.total_problems == 0
    report.problems = [_describe(s, f) for f in (stamps.first + stamps.missing + found.first)[:KEPT]]
    return report


def _describe(s: Session, finding: Finding) -> str:
    code, kind, number, declared, count = finding
    if code == "undeclared":
        return f"记录指纹表中有第 {number} 号事件未声明的指纹（被直接插入）"
    if code == "altered":
        return f"第 {number} 号审计事件的记录指纹被删除、改动或添加（应有 {declared} 条，现有 {count} 条）"
    if code == "missing":
        return f"第 {number} 号审计事件的记录指纹全部缺失（被删除）"
    return _named(s, kind, number, _WHAT[code])


def check_stamp_groups(s: Source, key: bytes, sqlite: bool, lo: int | None = None, hi: int | None = None) -> Findings:
    """The stamps of the events lo <= seq < hi (all when None) against those events' declarations:
    a group no event declared, one whose count or root differs, a declared group that is gone."""
    out = Findings()
    declared = _declarations(s, lo, hi)
    found: set[int] = set()
    for seq, count, hashes_to in _stamp_groups(s, key, lo, hi) if sqlite else _stamp_groups_exact(s, key, lo, hi):
        found.add(seq)
        out.stamps += count
        expected = declared.get(seq)
        if expected is None:
            out.add(("undeclared", "", seq, 0, 0))
        elif expected[1] != count or not hashes_to(expected[0]):
            out.add(("altered", "", seq, expected[1], count))
    for seq in sorted(set(declared) - found):
        out.add_missing(seq)
    return out


def check_kind(
    s: Source,
    key: bytes,
    kind: str,
    sqlite: bool,
    out: Findings,
    lo: int | None = None,
    hi: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> bool:
    """Every record of `kind` with lo <= id < hi (all when None) against its latest stamp, and every
    stamped record of that range that is gone; False when cancelled half way. Ranges are for the
    one-table kinds of a SQLite ledger (record_workers.py); both streams are ordered by id."""
    assert kind.isidentifier()  # inlined below: our own constant
    where = _range_sql("record_id", lo, hi)
    stamp_sql = f"SELECT record_id, hash FROM record_stamps WHERE kind = '{kind}'{where} ORDER BY record_id, seq"
    stamps = _latest_per_record(_raw(s, stamp_sql))
    messages = _content_messages(s, kind, lo, hi) if sqlite else None
    if messages is None:
        assert lo is None and hi is None and isinstance(s, Session), "ranges are for SQLite's one-table kinds"
    rows: Iterable[tuple[int, Any]] = messages if messages is not None else current(s, kind)
    keyed = _keyed_hash(key)
    pending_stamp = next(stamps, None)
    for record_id, content in rows:
        out.records += 1
        # stamps of records that are gone come first
        while pending_stamp is not None and pending_stamp[0] < record_id:
            _gone(out, key, kind, *pending_stamp)
            pending_stamp = next(stamps, None)
        if pending_stamp is None or pending_stamp[0] != record_id:
            out.add(("unstamped", kind, record_id, 0, 0))
        else:
            if messages is None:
                same = hmac.compare_digest(pending_stamp[1], record_hash(key, kind, record_id, content))
            else:  # the message as SQLite wrote it; when it differs, the way the stamp was made decides
                same = content is not None and hmac.compare_digest(pending_stamp[1], keyed(content))
                if not same:
                    out.rechecked += 1
                    same = hmac.compare_digest(pending_stamp[1], _exact_hash(s, key, kind, record_id))
            if not same:
                out.add(("changed", kind, record_id, 0, 0))
            pending_stamp = next(stamps, None)
        if cancelled and out.records % 10000 == 0 and cancelled():
            return False
    while pending_stamp is not None:
        _gone(out, key, kind, *pending_stamp)
        pending_stamp = next(stamps, None)
    return True


def _stamp_groups_exact(
    s: Source, key: bytes, lo: int | None = None, hi: int | None = None
) -> Iterator[tuple[int, int, Callable[[str], bool]]]:
    """(seq, number of stamps, whether they hash to a root) of each event's stamps, row by row."""
    group_seq: int | None = None
    group: list[tuple[str, int, str]] = []
    query = f"SELECT seq, kind, record_id, hash FROM record_stamps WHERE 1 = 1{_range_sql('seq', lo, hi)} ORDER BY seq"
    for seq, kind, record_id, hash_ in _raw(s, query):
        if seq != group_seq:
            if group_seq is not None:
                yield group_seq, len(group), partial(_has_root, key, group)
            group_seq, group = seq, []
        group.append((kind, record_id, hash_))
    if group_seq is not None:
        yield group_seq, len(group), partial(_has_root, key, group)


def _has_root(key: bytes, leaves: list[tuple[str, int, str]], root: str) -> bool:
    return hmac.compare_digest(root, merkle_root(key, leaves))


def _stamp_groups(
    s: Source, key: bytes, lo: int | None = None, hi: int | None = None
) -> Iterator[tuple[int, int, Callable[[str], bool]]]:
    """SQLite: the same, one row per event: SQLite joins the event's hashes in the order of the primary
    key (seq, kind, record_id), which is merkle_root's sorted order, so Python never sees a stamp
    on its own. When a group's hashes are not all of the usual width, or do not give the declared
    root this way (SQLite does not promise the order inside group_concat), the root is computed the
    exact way, from the rows, before anything is reported."""
    query = (
        "SELECT seq, count(*), min(length(hash)) = max(length(hash)) AND max(length(hash)) = "
        f"{HASH_HEX}, group_concat(hash, '') FROM (SELECT seq, hash FROM record_stamps "
        f"WHERE 1 = 1{_range_sql('seq', lo, hi)} ORDER BY seq, kind, record_id) GROUP BY seq ORDER BY seq"
    )
    for seq, count, usual, joined in _raw(s, query):
        yield seq, count, partial(_group_has_root, s, key, seq, count, joined if usual else None)


def _group_has_root(s: Source, key: bytes, seq: int, count: int, joined: str | None, root: str) -> bool:
    if joined is not None:
        try:
            if hmac.compare_digest(root, _merkle_root_of(key, bytes.fromhex(joined), count)):
                return True
        except ValueError:  # not hex: the exact way below says what it is
            pass
    rows = _raw(s, f"SELECT kind, record_id, hash FROM record_stamps WHERE seq = {int(seq)}")
    return hmac.compare_digest(root, merkle_root(key, list(rows)))


def _content_messages(
    s: Source, kind: str, lo: int | None = None, hi: int | None = None
) -> Iterator[tuple[int, bytes | None]] | None:
    """SQLite, one-table kinds: (id, the bytes record_hash signs) of every record (lo <= id < hi), by id, with the
    content encoded by SQLite's json_array instead of Python's json (a row of ~30 columns costs
    Python one value instead of thirty). For text, integers and NULL both write the same compact
    JSON, and both are JSON encoders, so equal bytes mean equal values. A REAL in a column made to
    hold one (json_array writes floats to 15 digits only, Python to the last bit) gives None and the
    record is hashed the exact way, as is any record whose message does not match its stamp."""
    spec = KINDS[kind]
    if spec.model is None or kind == "user":
        return None
    table = _table(spec.model).name
    columns = spec.fields + spec.added
    declared = {str(r[1]): str(r[2]).upper() for r in _raw(s, f"PRAGMA table_info({table})")}
    odd = " OR ".join(f"typeof({c}) = 'real'" for c in columns if _may_hold_real(declared.get(c, "")))
    # the added columns follow up to the last one set, as in _simple_rows
    contents = [f"json_array({', '.join(spec.fields + spec.added[:n])})" for n in range(len(spec.added) + 1)]
    content = contents[0]
    if spec.added:
        whens = " ".join(
            f"WHEN {spec.added[n - 1]} IS NOT NULL THEN {contents[n]}" for n in range(len(spec.added), 0, -1)
        )
        content = f"CASE {whens} ELSE {contents[0]} END"
    message = f"CAST('{kind}#' || id || '|' || {content} AS BLOB)"
    if odd:
        message = f"CASE WHEN {odd} THEN NULL ELSE {message} END"
    query = f"SELECT id, {message} FROM {table} WHERE 1 = 1{_range_sql('id', lo, hi)} ORDER BY id"
    return cast(Iterator[tuple[int, "bytes | None"]], _raw(s, query))


def _keyed_hash(key: bytes) -> Callable[[bytes], str]:
    """hmac.digest(key, message, "sha256").hex()[:HASH_HEX], the same bytes (RFC 2104 spelled out),
    from the key's inner and outer SHA-256 states made once: copying them costs less than
    hmac.digest, which sets the key up again for every message (1.8 against 4.1 µs here)."""
    if len(key) > 64:  # SHA-256's block
        key = hashlib.sha256(key).digest()
    padded = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def keyed(message: bytes) -> str:
        h = inner.copy()
        h.update(message)
        o = outer.copy()
        o.update(h.digest())
        return o.hexdigest()[:HASH_HEX]

    return keyed


def _may_hold_real(declared_type: str) -> bool:
    """Whether a column of this declared type keeps a REAL the application wrote (SQLite's type
    affinity: REAL, NUMERIC/DECIMAL, or none). Elsewhere a REAL could only come from an edit, and
    json_array writes a REAL with a decimal point or an exponent, as the stamped content never
    writes an integer, a text or NULL: such a record differs from its stamp and is hashed again."""
    if "INT" in declared_type or any(t in declared_type for t in ("CHAR", "CLOB", "TEXT")):
        return False
    return declared_type == "" or any(t in declared_type for t in ("BLOB", "REAL", "FLOA", "DOUB", "NUM", "DEC"))


def _exact_hash(s: Source, key: bytes, kind: str, record_id: int) -> str:
    """record_hash of one record as it is now, read and encoded as when it was stamped."""
    for found_id, values in current(s, kind, [record_id]):
        if found_id == record_id:
            return record_hash(key, kind, record_id, values)
    return record_hash(key, kind, record_id, None)


def _latest_per_record(rows: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(record_id, hash) rows ordered by record and seq -> the last hash of each record."""
    last: tuple[int, str] | None = None
    for record_id, hash_ in rows:
        if last is not None and last[0] != record_id:
            yield last
        last = (record_id, hash_)
    if last is not None:
        yield last


def _named(s: Session, kind: str, record_id: int, what: str) -> str:
    return f"{_label(s, kind, record_id)}：{what}"


def _gone(out: Findings, key: bytes, kind: str, record_id: int, stamp: str) -> None:
    if stamp != record_hash(key, kind, record_id, None):  # a tombstone: removed on purpose
        out.add(("gone", kind, record_id, 0, 0))


# -- bulk writes --------------------------------------------------------------------------------------------
def high_water(session: Session, kinds: Iterable[str]) -> dict[str, int]:
    """The largest id of each one-table kind now: rows a bulk insert adds lie above it (writers are
    serialised, so nobody else takes ids in between)."""
    out = {}
    for kind in kinds:
        model = KINDS[kind].model
        assert model is not None
        table = _table(model)
        out[kind] = session.scalar(select(func.max(table.c.id))) or 0
    return out


def touch_since(session: Session, before: dict[str, int]) -> None:
    """Mark every row added above the high-water marks `before` for the next event's stamps."""
    for kind, (now, mark) in ((k, (v, before[k])) for k, v in high_water(session, before).items()):
        if now > mark:
            touch(session, kind, range(mark + 1, now + 1))
