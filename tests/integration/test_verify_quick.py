"""`verify` without --full checks the SQLite file with quick_check (issue 18): it says so in the
report, and a damaged page is still found."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ledger.verify import verify_ledger


def _checks(report) -> dict[str, tuple[bool, str]]:
    return {name: (ok, detail) for name, ok, detail in report.checks}


def _damage_root_page(db: Path, name: str) -> None:
    """Overwrite the page-type byte of the b-tree `name` (a table or index) in the file itself."""
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (root,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        (page_size,) = con.execute("PRAGMA page_size").fetchone()
    with open(db, "r+b") as f:
        f.seek((root - 1) * page_size + (100 if root == 1 else 0))
        f.write(b"\x00")


def test_the_quick_check_says_what_it_checked(world):
    for _ in range(3):
        world.register("house.c")
    report = verify_ledger(world.ledger, remember=False, outside_heads=False, full=False)
    ok, detail = _checks(report)["数据库完整性"]
    assert ok and detail.startswith("正常（快速检查") and "verify --full" in detail, detail
    assert report.ok, report.checks
    full = verify_ledger(world.ledger, remember=False, outside_heads=False)
    assert _checks(full)["数据库完整性"] == (True, "正常")


def test_a_damaged_page_is_found_by_the_quick_check(world):
    for _ in range(3):
        world.register("house.c")
    db = Path(str(world.ledger.engine.url.database))
    index = "ix_cases_closed_date"  # a b-tree verify's own queries do not read
    root = _root(db, index)
    _damage_root_page(db, index)
    for full in (False, True):
        report = verify_ledger(world.ledger, remember=False, outside_heads=False, full=full)
        ok, detail = _checks(report)["数据库完整性"]
        assert not ok and not report.ok, (full, detail)
        assert f"Page {root}" in detail or "malformed" in detail, detail  # either way, a ✗


def _root(db: Path, name: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return int(con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0])


def test_a_damaged_table_is_a_finding_not_a_crash(world):
    """A damaged page under the records themselves: verify reads what it can and says the file is
    damaged, with worker processes and without, instead of stopping on SQLite's exception."""
    for _ in range(3):
        world.register("house.c")
    db = Path(str(world.ledger.engine.url.database))
    _damage_root_page(db, "cases")
    for workers in (0, 2):
        report = verify_ledger(world.ledger, remember=False, outside_heads=False, full=False, workers=workers)
        assert not report.ok
        checks = _checks(report)
        assert not checks["数据库完整性"][0], checks
        assert checks["审计日志和记录"][1].startswith("数据库文件已损坏，其余记录未能校验"), checks


def test_only_a_damaged_file_sends_the_clerk_to_the_backup():
    """A lock that outlasted its wait, a dropped server connection or a disk that failed to answer is
    not damage: restoring a backup for it would lose the work since the backup."""
    from ledger.opening import read_failure

    damaged = read_failure(sqlite3.DatabaseError("database disk image is malformed"))
    assert damaged.startswith("数据库文件已损坏") and "请从备份恢复" in damaged
    for reason in ("database is locked", "disk I/O error"):  # a lock; a USB stick pulled, a failing disk
        failed = read_failure(sqlite3.OperationalError(reason))
        assert failed.startswith("读取数据库时出错") and "后重试" in failed and "备份" not in failed
