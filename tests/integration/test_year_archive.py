"""年终归档 (ledger/archive.py, reports/archive.py): sealing a finished year writes a backup, the
year's printed ledger and a manifest; the folder verifies, a changed or added file is named, the
manifest is bound to the ledger's signed record; the year's closed cases refuse every change while
its open (结转) cases and later years' cases still work; a raw-SQL edit of the record is named."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.archive import sealed
from ledger.errors import PermissionDenied, ValidationError, WorkflowError
from ledger.scope import Scope
from ledger.verify import verify_ledger
from reports.archive import MANIFEST, archive_year, verify_archive
from tests.pdfcheck import read, text_of
from tests.world import PASSWORD, PNG

ROOT = Path(__file__).resolve().parents[2]


def at(w, day: dt.date) -> None:
    w.clock.now = dt.datetime.combine(day, dt.time(9))


@pytest.fixture
def year_2025(world):
    """2025: one case closed in 2025, one still open, one found in 2025 and closed in 2026."""
    w = world
    db = Path(str(w.ledger.engine.url.database))  # the app keeps evidence in 佐证材料/ beside the file
    (db.parent / "佐证材料").symlink_to(w.ledger.evidence_store.root, target_is_directory=True)
    at(w, dt.date(2025, 4, 1))
    closed = w.walk(w.register(), "closed")
    still_open = w.walk(w.register(), "in_progress")
    later = w.walk(w.register(), "pending_approval")
    at(w, dt.date(2026, 1, 20))
    later = w.walk(w.ledger.cases.get(later.id), "closed")
    return w, {"closed": closed, "open": still_open, "later": later}


def test_archive_writes_files_and_verifies(year_2025, tmp_path):
    w, _ = year_2025
    lg = w.ledger
    done = archive_year(lg, w.coordinator, 2025, tmp_path / "归档")
    folder = tmp_path / "归档" / "2025年度归档"
    assert done.folder == folder
    names = {p.name for p in folder.iterdir()}
    assert {"2025年度整改台账.pdf", "2025年度归档备份.db", MANIFEST} <= names
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    listed = {f["name"] for f in manifest["files"]}
    assert {"2025年度整改台账.pdf", "2025年度归档备份.db", "2025年度归档备份.db.manifest.json"} <= listed
    assert manifest["counts"]["统计范围问题数"] == lg.queries.dashboard(scope=Scope(year=2025)).total == 3
    assert manifest["counts"]["当年销号（封存）"] == 1 and done.sealed.sealed_cases == 1
    assert manifest["printed_cases"] == 3
    assert "2025年度·含结转" in "".join(text_of(read(folder / "2025年度整改台账.pdf", 1, 1)).split())
    assert (manifest["audit_head_seq"], manifest["audit_head_hash"]) == (done.sealed.audit_seq, done.sealed.audit_hash)
    assert verify_archive(lg, folder) == (2025, [])
    assert verify_ledger(lg).ok

    with open(folder / "2025年度整改台账.pdf", "ab") as fh:
        fh.write(b"%% changed")
    (folder / "说明.txt").write_text("后加的文件", encoding="utf-8")
    year, problems = verify_archive(lg, folder)
    assert year == 2025
    assert "文件已被改动：2025年度整改台账.pdf（SHA-256 与归档清单不符）" in problems
    assert "归档清单中没有的文件：说明.txt" in problems
    assert len(problems) == 2

    # a manifest rewritten to match the changed files no longer matches the ledger's record
    for entry in manifest["files"]:
        if entry["name"] == "2025年度整改台账.pdf":
            entry["size"] = (folder / entry["name"]).stat().st_size
            import hashlib

            entry["sha256"] = hashlib.sha256((folder / entry["name"]).read_bytes()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    (folder / "说明.txt").unlink()
    _, problems = verify_archive(lg, folder)
    assert problems == ["归档清单已被改动：与台账中2025年度归档记录的 SHA-256 不符"]


def test_sealed_closed_cases_are_read_only(year_2025, tmp_path):
    w, cases = year_2025
    lg = w.ledger
    archive_year(lg, w.coordinator, 2025, tmp_path)
    closed = lg.cases.get(cases["closed"].id)
    head = lg.audit.head()
    refusals = (
        lambda: lg.cases.act(
            w.approver,
            closed.id,
            "reopen",
            expected_version=closed.version,
            inputs={"reason": "复核发现问题"},
            password=PASSWORD,
        ),
        lambda: lg.cases.update(w.clerk, closed.id, closed.version, {"description": "改写"}),
        lambda: lg.cases.add_evidence(w.officer, closed.id, PNG + b"x", "photo_after"),
        lambda: lg.cases.add_progress(w.officer, closed.id, lg.today(), "补记"),
    )
    for attempt in refusals:
        with pytest.raises(WorkflowError, match=f"问题 {closed.number} 已于2025年度销号并随年终归档封存"):
            attempt()
    assert lg.audit.head() == head  # nothing written
    # the open (结转) case of 2025 still works, and so does a 2025 case closed in 2026
    still_open = lg.cases.get(cases["open"].id)
    lg.cases.add_progress(w.officer, still_open.id, lg.today(), "继续整改")
    later = lg.cases.get(cases["later"].id)
    reopened = lg.cases.act(w.approver, later.id, "reopen", expected_version=later.version,
                            inputs={"reason": "复核发现问题"}, password=PASSWORD)  # fmt: skip
    assert reopened.case.state != "closed"


def test_who_and_which_year(year_2025, tmp_path):
    w, _ = year_2025
    lg = w.ledger
    for actor in (w.clerk, w.approver, w.officer, w.verifier, w.auditor, w.viewer):
        with pytest.raises(PermissionDenied, match="只有县级统筹或系统管理员可以进行年终归档"):
            archive_year(lg, actor, 2025, tmp_path / "x")
    with pytest.raises(ValidationError, match="2026年度尚未结束，不能归档"):
        archive_year(lg, w.coordinator, 2026, tmp_path / "x")
    archive_year(lg, w.admin, 2025, tmp_path / "a")
    with pytest.raises(ValidationError, match="2025年度已于2026-01-20归档（归档不能撤销，也不能重复）"):
        archive_year(lg, w.coordinator, 2025, tmp_path / "b")
    (tmp_path / "c" / "2024年度归档").mkdir(parents=True)
    (tmp_path / "c" / "2024年度归档" / "旧文件.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValidationError, match="归档文件夹已存在且不为空"):
        archive_year(lg, w.coordinator, 2024, tmp_path / "c")
    with pytest.raises(ValidationError, match="没有归档清单"):
        verify_archive(lg, tmp_path / "c" / "2024年度归档")


def test_a_raw_sql_edit_of_the_seal_is_named(year_2025, tmp_path):
    w, _ = year_2025
    lg = w.ledger
    archive_year(lg, w.coordinator, 2025, tmp_path)
    assert verify_ledger(lg).ok
    db = Path(str(lg.engine.url.database))
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("UPDATE year_archives SET sealed_cases = 0 WHERE year = 2025")
    finally:
        con.close()
    report = verify_ledger(lg, remember=False)
    assert not report.ok
    text = " ".join(detail for _, ok, detail in report.checks if not ok) + " ".join(report.details)
    assert "年度归档" in text, text
    # and deleting the seal to unlock the year's cases is named too
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("DELETE FROM year_archives")
    finally:
        con.close()
    assert sealed(lg, 2025) is None
    report = verify_ledger(lg, remember=False)
    text = " ".join(detail for _, ok, detail in report.checks if not ok) + " ".join(report.details)
    assert "年度归档" in text, text


def test_cli_archive_and_verify(year_2025, tmp_path):
    w, _ = year_2025
    db = Path(str(w.ledger.engine.url.database))
    w.ledger.close()
    env = {**os.environ, "ZGTZ_DATA_DIR": str(tmp_path / "data"), "ZGTZ_KEY_DIR": str(tmp_path / "keys")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "main.py"), "archive", "--db", str(db), *args],
                              capture_output=True, text=True, env=env, cwd=ROOT, input=PASSWORD + "\n")  # fmt: skip

    done = run("--year", "2025", "--out", str(tmp_path / "out"), "--user", "tongchou", "--password-stdin")
    assert done.returncode == 0, done.stderr
    assert "已归档2025年度" in done.stdout and "统计范围问题数：3" in done.stdout
    folder = tmp_path / "out" / "2025年度归档"
    ok = run("--verify", str(folder))
    assert ok.returncode == 0 and "2025年度归档完好" in ok.stdout, ok.stderr
    (folder / "2025年度归档备份.db").write_bytes(b"not a ledger")
    bad = run("--verify", str(folder))
    assert bad.returncode == 1 and "文件已被改动：2025年度归档备份.db" in bad.stdout
    again = run("--year", "明年", "--user", "tongchou", "--password-stdin")
    assert again.returncode == 2 and "统计年度应为四位年份" in again.stderr and "Traceback" not in again.stderr
