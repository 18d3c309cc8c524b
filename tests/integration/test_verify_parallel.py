"""`verify` with the record checks in worker processes (issue 18, ledger/record_workers.py): the same
report as one process, an insider's SQL edit found in the first and in the last id range, and a
worker that cannot read the ledger reported as a failed check, not passed over.

The demo ledger is small, so the ranges are cut 40 ids wide (record_workers.RANGE, 50,000 in use)
to give every large kind several ranges; the workers are real spawned processes reading the file."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from ledger import record_workers
from ledger.demo import DEMO_PASSWORD, generate
from ledger.verify import verify_ledger
from tests.insider import one, sql
from tests.paper import DemoLedger

CASES = 400


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("parallel")
    lg = DemoLedger(CASES, folder)._open()
    try:
        generate(lg, CASES, seed=11)
    finally:
        lg.close()
    return folder


@pytest.fixture
def demo(pristine, tmp_path, monkeypatch) -> DemoLedger:
    monkeypatch.setattr(record_workers, "RANGE", 40)
    shutil.copytree(pristine, tmp_path / "copy")
    return DemoLedger(CASES, tmp_path / "copy")


def both(demo: DemoLedger):
    """The report of one process and of two worker processes, on the same ledger."""
    lg = demo._open()
    try:
        single = verify_ledger(lg, remember=False, outside_heads=False, full=False, workers=0)
        parallel = verify_ledger(lg, remember=False, outside_heads=False, full=False, workers=2)
    finally:
        lg.close()
    return single, parallel


def checks(report) -> dict[str, tuple[bool, str]]:
    return {name: (ok, detail) for name, ok, detail in report.checks}


def case_ranges(demo: DemoLedger) -> list[tuple[int | None, int | None]]:
    lg = demo._open()
    try:
        with lg.reading() as s:
            tasks, _spanned = record_workers.plan(s)
    finally:
        lg.close()
    return [(lo, hi) for what, kind, lo, hi in tasks if what == "records" and kind == "case"]


def test_the_untouched_ledger_gives_the_same_report_both_ways(demo):
    single, parallel = both(demo)
    assert single.ok and parallel.ok, parallel.checks
    assert parallel.checks == single.checks and parallel.details == single.details
    ok, detail = checks(parallel)["记录与审计日志对应"]
    assert ok and "条记录均与审计日志一致" in detail


def test_edits_in_the_first_and_the_last_range_are_named_as_one_process_names_them(demo):
    db = demo.path
    ranges = case_ranges(demo)
    first_id, last_id = one(db, "SELECT min(id), max(id) FROM cases")
    assert len(ranges) >= 3 and ranges[0][0] is None and ranges[-1][1] is None
    assert ranges[0][1] is not None and first_id < ranges[0][1]  # in the first range
    assert ranges[-1][0] is not None and last_id >= ranges[-1][0]  # in the last range
    first_number = one(db, f"SELECT number FROM cases WHERE id = {first_id}")[0]
    last_number = one(db, f"SELECT number FROM cases WHERE id = {last_id}")[0]
    member = one(db, "SELECT max(id) FROM members")[0]
    sql(
        db,
        f"UPDATE cases SET description = '已整改到位' WHERE id = {first_id}",
        f"UPDATE cases SET state = 'closed', closed_date = '2026-11-01' WHERE id = {last_id}",
        "PRAGMA foreign_keys = OFF",
        f"DELETE FROM members WHERE id = {member}",  # the last member: a stamp with no row
    )
    single, parallel = both(demo)
    assert not parallel.ok
    assert parallel.checks == single.checks and parallel.details == single.details
    ok, detail = checks(parallel)["记录与审计日志对应"]
    text = "\n".join([detail, *parallel.details])
    assert not ok and "共 3 处" in detail, text
    assert f"问题 {first_number}：内容与审计日志记录的不一致（被直接改动）" in text
    assert f"问题 {last_number}：内容与审计日志记录的不一致（被直接改动）" in text
    assert f"第 {member} 行" in text and "被直接删除" in text


def test_a_row_inserted_beyond_the_last_id_is_found(demo):
    db = demo.path
    last_id = one(db, "SELECT max(id) FROM cases")[0]
    with sqlite3.connect(db) as con:
        columns = [r[1] for r in con.execute("PRAGMA table_info(cases)")]
    copied = ", ".join(
        f"{last_id + 100000}" if c == "id" else "number || '-X'" if c == "number" else c for c in columns
    )
    sql(db, "PRAGMA foreign_keys = OFF", f"INSERT INTO cases SELECT {copied} FROM cases WHERE id = {last_id}")
    single, parallel = both(demo)
    assert parallel.checks == single.checks and parallel.details == single.details
    ok, detail = checks(parallel)["记录与审计日志对应"]
    assert not ok and "被直接写入数据库" in detail, detail


def test_a_worker_that_cannot_open_the_ledger_is_a_failed_check(demo, tmp_path):
    lg = demo._open()
    try:
        with lg.reading() as s:
            job = record_workers.start(s, str(tmp_path / "不存在" / "台账.db"), lg.key, workers=2)
            assert job is not None
            report = job.finish(s, lambda _m: None)
    finally:
        lg.close()
    assert not report.ok
    assert report.problems[0].startswith("记录校验未能完成：校验进程出错"), report.problems
    assert "unable to open database file" in report.problems[0]


def test_a_damaged_page_only_a_worker_reads_is_reported_not_raised(demo):
    db = demo.path
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = [r[0] for r in con.execute("SELECT pageno FROM dbstat WHERE name = 'signoffs' AND pagetype = 'leaf'")]
        (page_size,) = con.execute("PRAGMA page_size").fetchone()
    assert len(pages) >= 3
    with open(db, "r+b") as f:  # a leaf in the middle: not the first or last row verify's own queries read
        f.seek((pages[len(pages) // 2] - 1) * page_size)
        f.write(b"\x00")
    lg = demo._open()
    try:
        report = verify_ledger(lg, remember=False, outside_heads=False, full=False, workers=2)
    finally:
        lg.close()
    found = checks(report)
    assert not found["数据库完整性"][0]
    ok, detail = found["记录与审计日志对应"]
    assert not ok and "校验进程出错" in detail and "malformed" in detail, detail


def test_a_write_while_the_workers_run_gives_one_state(demo):
    """An application write after the workers started (before or after their snapshot): the report
    describes one state of the ledger, so it passes."""
    lg = demo._open()
    try:
        actor = lg.users.authenticate("luru", DEMO_PASSWORD)
        case_id, version = one(demo.path, "SELECT id, version FROM cases WHERE state = 'registered' ORDER BY id")
        with lg.reading() as s:
            before = one(demo.path, "SELECT count(*) FROM cases")[0]
            job = record_workers.start(s, str(demo.path), lg.key, workers=2)
            assert job is not None
            lg.cases.update(actor, case_id, version, {"remarks": "补充说明"})
            report = job.finish(s, lambda _m: None)
    finally:
        lg.close()
    assert report.ok, report.problems
    assert report.records >= before


def test_a_cancelled_verify_returns_without_waiting_for_the_workers(demo):
    lg = demo._open()
    asked = []

    def cancelled() -> bool:
        asked.append(True)
        return len(asked) > 1  # the chain's first question goes on; every later one cancels

    try:
        report = verify_ledger(lg, cancelled=cancelled, remember=False, outside_heads=False, full=False, workers=2)
    finally:
        lg.close()
    assert not report.ok
    assert checks(report)["审计日志"] == (False, "校验已取消")
