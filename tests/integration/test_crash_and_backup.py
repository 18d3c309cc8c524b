"""Crash safety, backups and restores through the command line, `verify`, and the demo ledger."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger import StorageError, open_ledger
from ledger.demo import DEMO_PASSWORD, generate
from ledger.ids import validate_id
from ledger.migrate import alembic_config, head_revision
from ledger.workflow import light

ROOT = Path(__file__).resolve().parents[2]

BULK_WRITER = """
import pathlib, sys
from ledger import StorageError, open_ledger
from ledger.demo import DEMO_PASSWORD, generate
lg = open_ledger(sys.argv[1], key_dir=pathlib.Path(sys.argv[2]))
print("ready", flush=True)
generate(lg, cases=60000, seed=1, chunk=60000)  # one transaction for all rows
"""


def cli(*args: str, env: dict | None = None, password: str = "Demo#2026") -> subprocess.CompletedProcess:
    """The command line; a command given --user --password-stdin reads `password` (the demo's)."""
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
        input=password + "\n",
    )  # fmt: skip


@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_bulk_write_leaves_nothing_of_it(tmp_path):
    db = tmp_path / "崩溃.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", BULK_WRITER, str(db), str(tmp_path / "keys")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    wal = db.with_name(db.name + "-wal")
    deadline = time.monotonic() + 120
    while (not wal.exists() or wal.stat().st_size < 8_000_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert wal.exists() and wal.stat().st_size >= 8_000_000, "the writer never got going"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("SELECT count(*) FROM cases").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM households").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM case_counts WHERE n > 0").fetchone() == (0,)
    lg = open_ledger(db, key_dir=tmp_path / "keys")
    try:
        assert lg.audit.verify().ok
    finally:
        lg.close()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "ZGTZ_DATA_DIR": str(folder / "data"), "ZGTZ_KEY_DIR": str(folder / "keys")}
    result = cli("demo", "--db", str(folder / "示例.db"), "--cases", "300", env=env)
    assert result.returncode == 0, result.stderr
    return folder / "示例.db", env


def test_verify_passes_on_a_fresh_demo(demo_db):
    db, env = demo_db
    result = cli("verify", "--db", str(db), env=env)
    assert result.returncode == 0
    assert "校验通过" in result.stdout
    for check in ("数据库完整性", "外键一致性", "审计日志", "佐证材料"):
        assert f"✓ {check}" in result.stdout


def test_backup_and_restore_round_trip(demo_db, tmp_path):
    db, env = demo_db
    backup = tmp_path / "备份" / "示例-备份.db"
    made = cli("backup", "--db", str(db), "-o", str(backup), "--user", "admin", "--password-stdin", env=env)
    assert made.returncode == 0, made.stderr
    manifest = json.loads(backup.with_name(backup.name + ".manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["cases"] == 300
    assert len(manifest["sha256"]) == 64 and manifest["schema_revision"] == head_revision(alembic_config())
    assert manifest["audit_head_seq"] >= 1 and len(manifest["audit_head_hash"]) == 64
    assert (backup.parent / "佐证材料").is_dir()

    target = tmp_path / "别处" / "恢复.db"
    target.parent.mkdir()
    restored = cli("restore", str(backup), "--db", str(target), "--user", "admin", "--password-stdin", env=env)
    assert restored.returncode == 0, restored.stderr
    checked = cli("verify", "--db", str(target), env=env)
    assert checked.returncode == 0, checked.stdout
    with sqlite3.connect(target) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone() == (300,)
        assert con.execute("SELECT action FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone() == (
            "ledger.restore",
        )

    # the restored ledger has moved on (sign-in, the restore event): the same backup is now older
    again = cli("restore", str(backup), "--db", str(target), "--user", "admin", "--password-stdin", "--older", env=env)
    assert again.returncode == 0, again.stderr
    kept = list(target.parent.glob("恢复.恢复前-*.db"))
    assert len(kept) == 1 and "恢复前的台账已另存为" in again.stdout


def test_a_tampered_backup_is_not_restored(demo_db, tmp_path):
    db, env = demo_db
    backup = tmp_path / "备份.db"
    made = cli("backup", "--db", str(db), "-o", str(backup), "--user", "admin", "--password-stdin", env=env)
    assert made.returncode == 0
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.write_bytes(bytes(data))
    target = tmp_path / "目标.db"
    result = cli("restore", str(backup), "--db", str(target), "--user", "admin", "--password-stdin", env=env)
    assert result.returncode == 2
    assert "哈希不符" in result.stderr
    assert not target.exists()


def test_verify_names_a_changed_evidence_file_and_an_edited_event(tmp_path):
    env = {**os.environ, "ZGTZ_DATA_DIR": str(tmp_path / "data"), "ZGTZ_KEY_DIR": str(tmp_path / "keys")}
    db = tmp_path / "示例.db"
    assert cli("demo", "--db", str(db), "--cases", "60", env=env).returncode == 0
    blob = next(p for p in (tmp_path / "佐证材料").rglob("*") if p.is_file())
    blob.write_bytes(blob.read_bytes() + b"x")
    with sqlite3.connect(db) as con:
        con.execute("DROP TRIGGER audit_events_no_update")
        con.execute("UPDATE audit_events SET actor_name = '冒名' WHERE seq = 2")
    result = cli("verify", "--db", str(db), env=env)
    assert result.returncode == 1
    assert "✗ 审计日志：审计日志第 2 号事件的内容被改动" in result.stdout
    assert "✗ 佐证材料" in result.stdout and blob.name[:12] in result.stdout
    assert "校验未通过" in result.stdout


def snapshot(lg) -> list[tuple]:
    with lg.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT c.number, c.state, c.subcategory, c.deadline, h.head_name, h.head_id_number"
            " FROM cases c LEFT JOIN households h ON h.id = c.household_id ORDER BY c.id"  # village-level: no household
        ).fetchall()


def test_the_demo_is_deterministic_realistic_and_synthetic(tmp_path, clock):
    ledgers = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        lg = open_ledger(tmp_path / f"{name}.db", key_dir=tmp_path / "keys", clock=clock)
        generate(lg, cases=1500, seed=seed)
        ledgers.append(lg)
    a, b, c = (snapshot(lg) for lg in ledgers)
    assert a == b
    assert a != c
    today = clock.now.date()
    assert {row[1] for row in a} == {
        "registered",
        "assigned",
        "in_progress",
        "pending_verification",
        "pending_approval",
        "closed",
        "void",
    }
    assert {row[2].split(".")[0] for row in a} == {"food", "edu", "med", "house", "water", "other"}
    lights = {light(row[1], dt_or_none(row[3]), today) for row in a}
    assert {"red", "yellow", "green", None} <= lights
    assert 0 < sum(1 for row in a if row[5] is None) < len(a) / 5  # some village-level problems, most of households
    for row in (r for r in a if r[5] is not None):
        assert validate_id(row[5], today=today) == row[5]
        assert row[5].startswith("990101")  # the fictitious county
    counts = ledgers[0].queries.dashboard(today)
    assert counts.total == sum(1 for row in a if row[1] != "void")
    for lg in ledgers:
        assert lg.audit.verify().ok
        lg.close()


def dt_or_none(value):
    import datetime as dt

    return dt.date.fromisoformat(value) if value else None


def test_a_cancelled_backup_leaves_nothing_behind(tmp_path, clock):
    lg = open_ledger(tmp_path / "台账.db", key_dir=tmp_path / "keys", clock=clock)
    generate(lg, cases=400, seed=2)
    admin = lg.users.authenticate("admin", DEMO_PASSWORD)
    seen = []
    dest = tmp_path / "备份" / "取消.db"
    try:
        with pytest.raises(StorageError, match="备份已取消"):
            lg.backup.backup(
                admin, dest, progress=lambda done, total: seen.append(done), cancelled=lambda: len(seen) >= 1
            )
        assert seen and not dest.exists()
        assert list(dest.parent.iterdir()) == []
        manifest = lg.backup.backup(admin, dest, progress=lambda done, total: seen.append((done, total)))
        assert seen[-1][0] == seen[-1][1] and manifest.counts["cases"] == 400
    finally:
        lg.close()


SIGNER = """
import pathlib, sys
from ledger import open_ledger
from ledger.demo import DEMO_PASSWORD
lg = open_ledger(sys.argv[1], key_dir=pathlib.Path(sys.argv[2]))
actor = lg.users.authenticate("shenpi", DEMO_PASSWORD)
from ledger import CaseFilter
ids = [r.id for r in lg.queries.page(CaseFilter(states=("pending_approval",)), sort="id", limit=1000)]
print("ready", len(ids), flush=True)
for case_id in ids:
    case = lg.cases.get(case_id)
    lg.cases.act(actor, case_id, "approve", expected_version=case.version, inputs={"opinion": "同意销号"},
                 password=DEMO_PASSWORD)
    print("signed", case_id, flush=True)
"""


@pytest.mark.slow
def test_sigkill_during_sign_offs_leaves_each_one_whole_or_absent(tmp_path):
    db = tmp_path / "签批.db"
    lg = open_ledger(db, key_dir=tmp_path / "keys")
    generate(lg, cases=1500, seed=4)
    lg.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", SIGNER, str(db), str(tmp_path / "keys")], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().startswith("ready")
    for _ in range(5):  # let a few sign-offs land, then kill in the middle of the next ones
        assert proc.stdout.readline().startswith("signed")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = con.execute(
            "SELECT c.id, c.state, c.closed_date IS NOT NULL,"
            " (SELECT count(*) FROM signoffs s WHERE s.case_id = c.id AND s.meaning = '审批'),"
            " (SELECT count(*) FROM case_actions a WHERE a.case_id = c.id AND a.action = 'approve'),"
            " (SELECT count(*) FROM audit_events e WHERE e.case_id = c.id AND e.action = 'case.approve')"
            " FROM cases c WHERE c.state IN ('pending_approval', 'closed')"
        ).fetchall()
        signed_now = [r for r in rows if r[5] == 1]
        assert len(signed_now) >= 5
        for case_id, state, has_closed_date, signoffs, actions, events in rows:
            if events:  # approved by the killed process: every part of it is there
                assert (state, has_closed_date, signoffs, actions, events) == ("closed", 1, 1, 1, 1), case_id
            elif state == "pending_approval":  # untouched: no part of an approval
                assert (has_closed_date, signoffs, actions) == (0, 0, 0), case_id
        counts = dict(con.execute("SELECT state, sum(n) FROM case_counts GROUP BY state HAVING sum(n) > 0"))
        truth = dict(con.execute("SELECT state, count(*) FROM cases GROUP BY state"))
        assert counts == truth
    lg = open_ledger(db, key_dir=tmp_path / "keys")
    try:
        assert lg.audit.verify().ok
    finally:
        lg.close()
