"""Checking the records against their stamps (issue 13): every stamp against the audit event that
declared it, every record as it is now against its latest stamp, and the names of what fails (case
number, account name, table and row). The records, their content and their keyed hashes are declared
in ledger/records.py; ledger/record_workers.py runs these same checks in worker processes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import AuditEvent, Case
from ledger.records import (
    HASH_HEX,
    KINDS,
    Source,
    _merkle_root_of,
    _raw,
    _table,
    current,
    merkle_root,
    record_hash,
)


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
