"""The records people sign, print or rely on, and their keyed content hashes (issue 13).

The audit chain (ledger/audit.py) proves its own events; this module binds the *records* to it.
Each record kind below declares, in one place, the content that counts: a case with every field of
the ledger, a sign-off, a progress note, an evidence row, a household, a member, a user account with
its roles, rights, scope and active flag, and the workflow tables as one record. Every event that
creates or changes such records stores, for each, the HMAC of its content after the change as a row
of `record_stamps` (append-only), and declares in its own chained payload the Merkle root and count
of those stamps. `verify_records` (ledger/record_checks.py) then checks that
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
from json import encoder as _json_encoder
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ledger import schema
from ledger.models import (
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
