"""`verify` names the case a tampered record belongs to by its case number, never by an internal id
alone: a case row, a progress note, and a case deleted with its notes (issue 15, item 1)."""

from __future__ import annotations

import datetime as dt

from ledger.verify import verify_ledger


def _all_text(report) -> str:
    return "\n".join([d for _n, _ok, d in report.checks] + report.details)


def _raw(lg, *statements: str) -> None:
    with lg.engine.begin() as con:
        for statement in statements:
            con.exec_driver_sql(statement)


def test_a_changed_progress_note_names_its_case_number(world):
    lg = world.ledger
    case = world.register("house.c")
    world.walk(case, "assigned")
    lg.cases.add_progress(world.officer, case.id, dt.date(2026, 11, 23), "已联系施工队")
    _raw(lg, f"UPDATE progress_notes SET text = '已完工' WHERE case_id = {case.id}")
    report = verify_ledger(lg, remember=False, outside_heads=False)
    assert not report.ok
    text = _all_text(report)
    assert f"问题 {case.number}" in text and "整改进度" in text, text


def test_a_deleted_case_and_its_notes_are_named_by_case_number(world):
    lg = world.ledger
    case = world.register("house.c")
    world.walk(case, "assigned")
    lg.cases.add_progress(world.officer, case.id, dt.date(2026, 11, 23), "已联系施工队")
    _raw(
        lg,
        "PRAGMA foreign_keys = OFF",
        f"DELETE FROM progress_notes WHERE case_id = {case.id}",
        f"DELETE FROM case_actions WHERE case_id = {case.id}",
        f"DELETE FROM cases WHERE id = {case.id}",
    )
    report = verify_ledger(lg, remember=False, outside_heads=False)
    assert not report.ok
    lines = [line for line in _all_text(report).splitlines() if "被直接删除" in line]
    joined = "\n".join(lines)
    assert any(f"问题 {case.number}" in x and "整改进度" in x for x in lines), joined
    assert any(x.startswith(f"问题 {case.number}") for x in lines), joined
