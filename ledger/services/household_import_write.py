"""The write half of the roster import (ledger/services/household_import.py): new households with
their members and tags as bulk inserts, changed households, members and tags as one executemany
per table, every row stamped by the one `household.import` event — inside the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from ledger import records
from ledger.dto import Actor
from ledger.models import Case, Household, HouseholdTag, Member
from ledger.search import index_cases
from ledger.services.import_write import _bulk_insert, _next_id, _sync_sequence

if TYPE_CHECKING:
    from ledger.facade import Ledger
    from ledger.services.household_import import HouseholdImportPlan, HouseholdImportResult


def write_roster(lg: Ledger, s: Session, plan: HouseholdImportPlan, actor: Actor) -> HouseholdImportResult:
    from ledger.services.household_import import HouseholdImportResult

    now = lg.clock()
    before = records.high_water(s, ("household", "member", "tag"))
    household_table = cast(Table, Household.__table__)
    member_table = cast(Table, Member.__table__)
    tag_table = cast(Table, HouseholdTag.__table__)
    # new households, then their members and tags (which refer to them)
    members: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    if plan.new_households:
        rows = []
        for hid, entry in enumerate(plan.new_households, _next_id(s, Household)):
            rows.append({**entry["household"], "id": hid, "created_at": now})
            members += [{**m, "household_id": hid} for m in entry["members"]]
            tags += [{**t, "household_id": hid} for t in entry["tags"]]
        _bulk_insert(s, household_table, rows)
        _sync_sequence(s, Household)
    members += plan.member_inserts
    tags += plan.tag_inserts
    if members:
        _bulk_insert(s, member_table, members)
    if tags:
        _bulk_insert(s, tag_table, tags)
    # changes: one executemany per table and set of columns
    renamed = [u["id"] for u in plan.household_updates if "head_name" in u["changes"]]
    _update_rows(s, household_table, plan.household_updates)
    _update_rows(s, member_table, plan.member_updates)
    _update_rows(s, tag_table, plan.tag_updates)
    records.touch(s, "household", [u["id"] for u in plan.household_updates])
    records.touch(s, "member", [u["id"] for u in plan.member_updates])
    records.touch(s, "tag", [u["id"] for u in plan.tag_updates])
    records.touch_since(s, before)
    for hid in renamed:  # the quick-search rows hold the head's name
        for case_id in s.scalars(select(Case.id).where(Case.household_id == hid)):
            index_cases(s, case_id, case_id)
    counts = plan.counts
    result = {
        "households_created": len(plan.new_households),
        "households_updated": counts["updated"],
        "members_added": len(members),
        "members_updated": len(plan.member_updates),
        "tags_added": len(tags),
        "tags_ended": counts["tags_ended"],
        "tags_updated": counts["tags_changed"],
    }
    event = lg.record(
        s,
        actor,
        "household.import",
        "import",
        None,
        {
            "file": plan.file_name,
            "sha256": plan.sha256,
            "sheet": plan.sheet,
            "rows": len(plan.rows),
            "households": len(plan.households),
            "counts": {k: counts[k] for k in ("new", "updated", "unchanged", "invalid")},
            **result,
        },
    )
    return HouseholdImportResult(**result, audit_seq=event.seq)


def _update_rows(s: Session, table: Table, updates: list[dict[str, Any]]) -> None:
    """UPDATE … WHERE id = ? for each change, grouped by the set of changed columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for u in updates:
        columns = tuple(sorted(u["changes"]))
        groups.setdefault(columns, []).append({"_id": u["id"], **{f"_{c}": v for c, v in u["changes"].items()}})
    for columns, params in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(f"_{c}", type_=table.c[c].type) for c in columns})
        )
        s.connection().execute(statement, params)
