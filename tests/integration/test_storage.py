"""Storage as the engineering guide asks: pragmas, real savepoints, network paths, optimistic
locking on SQLite and PostgreSQL, and two processes racing on one PostgreSQL server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import ledger.db
from ledger import ConflictError, StorageError, open_ledger
from ledger.models import AuditEvent, Meta, SignOff

ROOT = Path(__file__).resolve().parents[2]


def test_pragmas_read_back_from_the_real_engine(world):
    engine = world.ledger.engine
    engine.dispose()  # a brand-new connection, not one the fixture configured earlier
    with engine.connect() as conn:
        read = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in (
                "journal_mode",
                "synchronous",
                "foreign_keys",
                "busy_timeout",
                "trusted_schema",
                "secure_delete",
            )
        }
    assert read == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 10000,
        "trusted_schema": 0,
        "secure_delete": 1,
    }


def test_a_rolled_back_savepoint_really_rolls_back(world):
    engine = world.ledger.engine
    with Session(engine) as s, s.begin():
        s.add(Meta(key="outer", value="1"))
        nested = s.begin_nested()
        s.add(Meta(key="inner", value="2"))
        s.flush()
        nested.rollback()
    with Session(engine) as s:
        keys = set(s.scalars(select(Meta.key).where(Meta.key.in_(["outer", "inner"]))))
    assert keys == {"outer"}


@pytest.mark.parametrize("path", ["\\\\server\\share\\台账.db", "//server/share/台账.db"])
def test_unc_paths_are_refused(path):
    with pytest.raises(StorageError, match="网络共享"):
        open_ledger(path)


def test_a_file_on_a_network_file_system_is_refused(tmp_path, monkeypatch):
    # The mount table is the environment; pretend the folder is a CIFS mount.
    monkeypatch.setattr(ledger.db, "_linux_fs_type", lambda path: "cifs")
    with pytest.raises(StorageError, match="服务器模式"):
        open_ledger(tmp_path / "台账.db")
    assert not (tmp_path / "台账.db").exists()


def test_a_stale_save_is_a_conflict_and_overwrites_nothing(any_world):
    w = any_world
    case = w.register()
    first = w.ledger.cases.update(w.clerk, case.id, case.version, {"description": "甲写的描述"})
    events_before = w.ledger.audit.head()
    with pytest.raises(ConflictError, match="已被其他人修改"):
        w.ledger.cases.update(w.clerk, case.id, case.version, {"description": "乙写的描述"})
    with pytest.raises(ConflictError):
        w.ledger.cases.act(
            w.coordinator, case.id, "assign", expected_version=case.version, inputs={"lead_department_id": w.zjj_id}
        )
    stored = w.ledger.cases.get(case.id)
    assert (stored.description, stored.version, stored.state) == ("甲写的描述", first.case.version, "registered")
    assert w.ledger.audit.head() == events_before


def test_two_sessions_flushing_the_same_case_give_one_conflict(any_world):
    """Below the service's own version check: the UPDATE itself is conditional on the version
    (PostgreSQL), and SQLite refuses a writer whose read snapshot is stale."""
    from ledger.models import Case

    w = any_world
    case = w.register()
    with Session(w.ledger.engine) as a, Session(w.ledger.engine) as b:
        ca, cb = a.get(Case, case.id), b.get(Case, case.id)
        ca.description = "甲"
        # with its audit event, as the services write (PostgreSQL refuses a change without one: 0006)
        w.ledger.record(a, w.clerk, "case.update", "case", case.id, {"description": "甲"})
        a.commit()
        cb.description = "乙"
        with pytest.raises(Exception, match=r"(?i)stale|expected to update|database is locked"):
            b.commit()
    assert w.ledger.cases.get(case.id).description == "甲"


APPROVER = textwrap.dedent("""
    import sys, time, pathlib
    from ledger import open_ledger, ConflictError
    url, key_dir, evidence_dir, case_id, version, go = sys.argv[1:7]
    lg = open_ledger(url, key_dir=pathlib.Path(key_dir), evidence_dir=pathlib.Path(evidence_dir))
    actor = lg.users.authenticate("sp1", "Zg#2026pw")
    while not pathlib.Path(go).exists():
        time.sleep(0.005)
    try:
        lg.cases.act(actor, int(case_id), "approve", expected_version=int(version),
                     inputs={"opinion": "同意销号"}, password="Zg#2026pw")
        print("OK")
    except ConflictError as err:
        print("CONFLICT", err)
""")


@pytest.mark.postgres
def test_two_processes_approving_at_once_give_exactly_one_signoff(pg_url, tmp_path, clock):
    from tests.world import build_world

    w = build_world(pg_url, tmp_path, clock)
    case = w.walk(w.register(), "pending_approval")
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                APPROVER,
                pg_url,
                str(tmp_path / "keys"),
                str(tmp_path / "evidence"),
                str(case.id),
                str(case.version),
                str(go),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(2.0)  # both children have opened the ledger and wait for the signal
    go.touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    results = sorted(out.split()[0] for out, _ in outputs if out)
    assert results == ["CONFLICT", "OK"], outputs
    with Session(w.ledger.engine) as s:
        assert (
            s.scalar(
                select(func.count()).select_from(SignOff).where(SignOff.case_id == case.id, SignOff.meaning == "审批")
            )
            == 1
        )
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.case_id == case.id, AuditEvent.action == "case.approve")
            )
            == 1
        )
    assert w.ledger.cases.get(case.id).state == "closed"
    assert w.ledger.audit.verify().ok
    w.ledger.close()


@pytest.mark.postgres
def test_a_connection_killed_mid_transaction_loses_nothing_confirmed(pg_url, tmp_path, clock):
    """The server kills a session while its transaction is open: nothing of it is written, what
    was committed before stays, and the next save goes through."""
    from tests.world import build_world

    w = build_world(pg_url, tmp_path, clock)
    case = w.register()
    saved = w.ledger.cases.update(w.clerk, case.id, case.version, {"description": "已确认的修改"}).case
    head = w.ledger.audit.head()
    with pytest.raises(Exception, match=r"(?i)terminat|closed|connection"), w.ledger.unit_of_work() as s:
        s.execute(text("UPDATE cases SET description = '未确认' WHERE id = :id"), {"id": case.id})
        pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
        with w.ledger.engine.connect() as killer:
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            killer.commit()
        s.execute(text("SELECT 1"))
    assert w.ledger.cases.get(case.id).description == "已确认的修改"
    assert w.ledger.audit.head() == head
    again = w.ledger.cases.update(w.clerk, case.id, saved.version, {"description": "重连后的修改"})
    assert again.case.description == "重连后的修改"
    assert w.ledger.audit.verify().ok
    w.ledger.close()


def test_a_ledger_locked_by_another_program_is_explained_and_nothing_is_lost(world, monkeypatch):
    """Another program holds the write lock past busy_timeout: a Chinese message, nothing written."""
    import sqlite3

    case = world.register()
    # Wait 0.2 s instead of the real 10 s before giving up, to keep the test quick.
    short = tuple((k, "200" if k == "busy_timeout" else v) for k, v in ledger.db.SQLITE_PRAGMAS)
    monkeypatch.setattr(ledger.db, "SQLITE_PRAGMAS", short)
    world.ledger.engine.dispose()
    blocker = sqlite3.connect(world.ledger.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ConflictError, match="正被其他窗口或程序占用"):
            world.ledger.cases.update(world.clerk, case.id, case.version, {"description": "改不了"})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert world.ledger.cases.get(case.id).description == "房屋墙体开裂"


EDITOR = textwrap.dedent("""
    import sys, time, pathlib
    from ledger import open_ledger, ConflictError
    url, key_dir, evidence_dir, case_id, version, go, text = sys.argv[1:8]
    lg = open_ledger(url, key_dir=pathlib.Path(key_dir), evidence_dir=pathlib.Path(evidence_dir))
    actor = lg.users.authenticate("luru", "Zg#2026pw")
    while not pathlib.Path(go).exists():
        time.sleep(0.005)
    try:
        lg.cases.update(actor, int(case_id), int(version), {"description": text})
        print("OK", text)
    except ConflictError as err:
        print("CONFLICT", err)
""")


@pytest.mark.postgres
def test_two_processes_editing_one_case_give_one_save_and_one_conflict(pg_url, tmp_path, clock):
    """Two PCs opened the same case at the same version and both save: one edit lands, the other
    is told the case was changed — never a silent overwrite."""
    from tests.world import build_world

    w = build_world(pg_url, tmp_path, clock)
    case = w.register()
    go = tmp_path / "go"
    args = [pg_url, str(tmp_path / "keys"), str(tmp_path / "evidence"), str(case.id), str(case.version), str(go)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", EDITOR, *args, text],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for text in ("甲电脑的修改", "乙电脑的修改")
    ]
    time.sleep(2.0)  # both have opened the ledger and wait
    go.touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    lines = sorted(out.strip() for out, _ in outputs)
    assert [line.split()[0] for line in lines] == ["CONFLICT", "OK"], outputs
    winner = next(line.split()[1] for line in lines if line.startswith("OK"))
    stored = w.ledger.cases.get(case.id)
    assert stored.description == winner and stored.version == case.version + 1
    with Session(w.ledger.engine) as s:
        updates = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.case_id == case.id, AuditEvent.action == "case.update")
        )
    assert updates == 1 and w.ledger.audit.verify().ok
    w.ledger.close()
