"""The write half of an Excel import (ledger/services/imports.py): households, cases, their actions,
the search index, updates, progress notes and the audit events of a checked plan — inside the
caller's one transaction. Bulk rows go in with one executemany per table."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Boolean, Date, DateTime, Table, func, insert, select, text
from sqlalchemy.orm import Session

from ledger import records, schema
from ledger.archive import refuse_if_sealed
from ledger.dto import Actor
from ledger.errors import ConflictError
from ledger.models import Base, Case, CaseAction, Household, HouseholdTag, Meta, ProgressNote
from ledger.search import index_cases
from ledger.services.import_plan import ImportPlan, ImportResult
from ledger.tags import tags_for_kind
from ledger.workflow import apply_transition

if TYPE_CHECKING:
    from ledger.facade import Ledger

WRITE_CHUNK = 10_000


PLAIN_BLANKS = {c.stored or c.code: schema.blank(c) for c in schema.PLAIN}  # a new case's plain columns


def write_plan(
    lg: Ledger, s: Session, plan: ImportPlan, actor: Actor, progress: Callable[[int, int], None] | None
) -> ImportResult:
    """Everything a checked plan writes, inside the caller's transaction (ImportService.commit)."""
    now = lg.clock()
    today = now.date()
    rules = lg.catalog.rules
    subcategories = lg.catalog.subcategories
    before = records.high_water(s, ("household", "tag", "case"))
    household_table = cast(Table, Household.__table__)
    case_table = cast(Table, Case.__table__)
    # households first: the cases refer to them
    new_households: dict[str, int] = {}
    pending = []
    for row in plan.new_rows:
        h = row["household"]
        if h is not None and h["head_id_number"] not in new_households:
            new_households[h["head_id_number"]] = -1
            pending.append({**h, "created_at": now})
    if pending:
        first_id = _next_id(s, Household)
        for hid, h in enumerate(pending, first_id):
            h["id"] = new_households[h["head_id_number"]] = hid
        _bulk_insert(s, household_table, pending)
        _sync_sequence(s, Household)
        tags = [
            {"household_id": h["id"], "tag": tag, "subtype": subtype, "risk_type": "", "start_date": None,
             "end_date": None, "note": ""}
            for h in pending
            for tag, subtype in tags_for_kind(h["kind"])
        ]  # fmt: skip
        if tags:
            _bulk_insert(s, cast(Table, HouseholdTag.__table__), tags)
        del tags
    household_count = len(pending)
    pending.clear()  # written: not kept through the cases and the stamps (the import's peak memory)
    if progress:
        progress(0, len(plan.new_rows))
    counter = s.execute(select(Meta).where(Meta.key == "case_seq").with_for_update()).scalar_one()
    county = s.execute(select(Meta.value).where(Meta.key == "county_code")).scalar_one()
    seq = int(counter.value)
    next_case = _next_id(s, Case)
    total = len(plan.new_rows)
    digest = hashlib.sha256()
    counting = _CountsAfterwards(s, next_case) if total >= 1000 else None
    for start in range(0, total, WRITE_CHUNK):  # chunks keep memory flat; still one transaction
        cases, actions = [], []
        for row in plan.new_rows[start : start + WRITE_CHUNK]:
            seq += 1
            h = row["household"]
            owner: int | None = row["household_id"] or (new_households[h["head_id_number"]] if h else None)
            township_id, village_id = row["place"] if h is None else (h["township_id"], h["village_id"])
            # a new case, registered and (when the row names its 牵头单位 and the user may) handed over,
            # its state and fields as the workflow's actions leave them (ledger.workflow.apply_transition)
            values: dict[str, object] = {
                **row["case"],
                "state": None,
                "lead_department_id": None,
                "deadline": row.get("proposed_deadline"),  # 拟定时限 while 待交办
                "assigned_date": None,
                "completion_date": None,
                "closed_date": None,
                "closed_on_time": None,
                **PLAIN_BLANKS,
                "measures": "",
                "void_reason": "",
                "duplicate_of_id": None,
            }
            steps: list[tuple[str, dict[str, Any]]] = [("register", {})]
            if row["assign"]:
                steps.append(("assign", row["assign"]))
            default_days = subcategories[row["case"]["subcategory"]].default_days
            for action, inputs in steps:
                moved = apply_transition(rules, values, action, inputs, today, default_days=default_days)
                values.update(moved.changes)
                actions.append(
                    {"case_id": next_case, "action": action, "from_state": moved.from_state,
                     "to_state": moved.to_state, "actor_id": actor.id, "at": now, "reason": "Excel导入"}
                )  # fmt: skip
            case = {
                **values,
                "id": next_case,
                "number": f"{county}-{now.year}-{seq:06d}",
                "household_id": owner,  # None: a village's own problem
                "township_id": township_id,
                "village_id": village_id,
                "created_by": actor.id,
                "created_at": now,
                "updated_at": now,
                "version": len(steps),  # one per action taken
            }
            cases.append(case)
            digest.update(f"{case['number']},{owner},{case['subcategory']};".encode())
            next_case += 1
        _bulk_insert(s, case_table, cases)
        _bulk_insert(s, cast(Table, CaseAction.__table__), actions)
        if progress:
            progress(start + len(cases), total)
        cases.clear()  # written: the last chunk is not kept through the stamps
        actions.clear()
    new_households.clear()  # the cases are written: nothing of them kept through the stamps
    counter.value = str(seq)
    if counting is not None:
        counting.finish(next_case - 1)
    first_number = last_number = ""
    if total:
        _sync_sequence(s, Case)
        index_cases(s, next_case - total, next_case - 1)
        first_number = f"{county}-{now.year}-{seq - total + 1:06d}"
        last_number = f"{county}-{now.year}-{seq:06d}"
    updated = 0
    for u in plan.updates:
        target = s.get(Case, u["case_id"])
        if target is None or target.version != u["version"]:
            raise ConflictError("预览之后台账已有变化，请重新预览后再确认导入。")
        refuse_if_sealed(s, target)  # 年终归档 (ledger/archive.py)
        diff = {}
        for name, new in u["changes"].items():
            diff[name] = [getattr(target, name), new]
            setattr(target, name, new)
        target.updated_at = now
        s.flush()
        if "description" in diff:
            index_cases(s, target.id, target.id)
        lg.record(
            s,
            actor,
            "target.update",
            "case",
            target.id,
            {"changes": diff, "import": plan.sha256, "row": u["row"]},
            case_id=target.id,
        )
        updated += 1
    for n in plan.notes:
        note = ProgressNote(
            case_id=n["case_id"], note_date=n["date"], text=n["text"], author_id=actor.id, created_at=now
        )
        s.add(note)
        s.flush()
        lg.record(
            s,
            actor,
            "case.progress",
            "progress",
            note.id,
            {"date": n["date"], "text": n["text"], "import": plan.sha256, "row": n["row"]},
            case_id=n["case_id"],
        )
    records.touch_since(s, before)  # the new households and cases: stamped by the import.commit event
    event = lg.record(
        s,
        actor,
        "import.commit",
        "import",
        None,
        {
            "file": plan.file_name,
            "sha256": plan.sha256,
            "sheet": plan.sheet,
            "mode": plan.mode,
            "counts": plan.counts,
            "created": total,
            "households": household_count,
            "updated": updated,
            "notes": len(plan.notes),
            "first_case": next_case - total if total else None,
            "last_case": next_case - 1 if total else None,
            "first_number": first_number,
            "last_number": last_number,
            "rows_sha256": digest.hexdigest(),
        },
    )
    return ImportResult(total, updated, household_count, len(plan.notes), first_number, last_number, event.seq)


def _sqlite_value(value: object) -> object:
    """What SQLAlchemy's SQLite types store (DateTime with microseconds, Date as ISO, Boolean as 0/1)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond:06d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _bulk_insert(s: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany. On SQLite the rows go to the driver as tuples of stored values: SQLAlchemy's
    per-row parameter processing took a third of an import's commit (bench/excel.py)."""
    if not rows:
        return
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    names = [c.name for c in table.columns if c.name in rows[0]]
    columns = []
    for name in names:
        values = [r[name] for r in rows]
        if isinstance(table.c[name].type, Date | DateTime | Boolean):
            convert = functools.lru_cache(maxsize=4096)(_sqlite_value)  # dates repeat: convert each once
            values = [None if v is None else convert(v) for v in values]
        columns.append(values)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


class _CountsAfterwards:
    """On SQLite, the per-row trigger that keeps `case_counts` costs half a bulk insert (47 µs a
    row, bench/excel.py). Inside the import's transaction the trigger is dropped, the counts of the
    new id range are added with one GROUP BY, and the trigger is created again from its own stored
    SQL: DDL is transactional here, so a failure or a crash restores the trigger with the rest."""

    def __init__(self, s: Session, first_id: int):
        self.s, self.first_id = s, first_id
        self.sql = None
        self.year_sql = None  # the 统计年度 counters' trigger (revision 0012), the same way
        if s.get_bind().dialect.name == "sqlite":
            self.sql = s.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                                {"n": "cases_count_insert"})  # fmt: skip
            if self.sql:
                s.execute(text("DROP TRIGGER cases_count_insert"))
            self.year_sql = s.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                                     {"n": "cases_year_count_insert"})  # fmt: skip
            if self.year_sql:
                s.execute(text("DROP TRIGGER cases_year_count_insert"))

    def finish(self, last_id: int) -> None:
        if self.year_sql:
            self.s.execute(
                text(
                    "INSERT INTO case_year_counts (township_id, department_id, subcategory, state, found_year, n) "
                    "SELECT township_id, COALESCE(lead_department_id, 0), subcategory, state, "
                    "CAST(substr(found_date, 1, 4) AS INTEGER), count(*) FROM cases "
                    "WHERE id BETWEEN :first AND :last GROUP BY 1, 2, 3, 4, 5 "
                    "ON CONFLICT (township_id, department_id, subcategory, state, found_year) "
                    "DO UPDATE SET n = n + excluded.n"
                ),
                {"first": self.first_id, "last": last_id},
            )
            self.s.execute(text(self.year_sql))
        if not self.sql:
            return
        self.s.execute(
            text(
                "INSERT INTO case_counts (township_id, department_id, subcategory, state, n) "
                "SELECT township_id, COALESCE(lead_department_id, 0), subcategory, state, count(*) FROM cases "
                "WHERE id BETWEEN :first AND :last GROUP BY 1, 2, 3, 4 "
                "ON CONFLICT (township_id, department_id, subcategory, state) DO UPDATE SET n = n + excluded.n"
            ),
            {"first": self.first_id, "last": last_id},
        )
        self.s.execute(text(self.sql))


def _next_id(s: Session, model: type[Base]) -> int:
    """Explicit ids let one executemany insert all rows (RETURNING would insert them one by one on
    SQLite). Writers are serialised (BEGIN IMMEDIATE; the audit head lock on PostgreSQL), so no one
    else takes these ids; PostgreSQL's sequence is moved past them."""
    table = model.__table__
    return (s.scalar(select(func.max(table.c.id))) or 0) + 1


def _sync_sequence(s: Session, model: type[Base]) -> None:
    if s.get_bind().dialect.name == "postgresql":
        name = cast(Table, model.__table__).name
        s.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
