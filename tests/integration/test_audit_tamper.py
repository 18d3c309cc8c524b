"""The audit log is append-only and chained: a hand-edited, deleted, reordered, inserted or
truncated event is detected and the first broken event is named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from ledger import StorageError
from ledger.audit import load_key
from tests.world import prepared


def _busy(world) -> None:
    for i in range(3):
        case = world.register(description=f"第{i}户房屋开裂")
        world.walk(case, "closed" if i == 0 else "in_progress")
    report = world.ledger.audit.verify()
    assert report.ok and report.count >= 30


@pytest.fixture
def busy(tmp_path, clock):
    """A ledger with a few dozen events: cases registered, walked, edited (made once a session,
    copied for each test)."""
    world, _ = prepared("test_audit_tamper.busy", tmp_path, clock, _busy)
    yield world
    world.ledger.close()


def raw(world) -> sqlite3.Connection:
    con = sqlite3.connect(world.ledger.engine.url.database, isolation_level=None)
    return con


def unprotect(con: sqlite3.Connection) -> None:
    con.execute("DROP TRIGGER audit_events_no_update")
    con.execute("DROP TRIGGER audit_events_no_delete")


def test_the_database_refuses_update_and_delete_of_events(busy):
    con = raw(busy)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit_events SET actor_name = '某人' WHERE seq = 3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit_events WHERE seq = 3")
    con.close()


def test_the_database_refuses_them_through_sqlalchemy_too(any_world):
    with any_world.ledger.engine.connect() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("DELETE FROM audit_events WHERE seq = 1"))


def test_an_edited_event_is_named(busy):
    con = raw(busy)
    unprotect(con)
    con.execute(
        "UPDATE audit_events SET payload = replace(payload, '加固墙体', '未整改') WHERE seq = "
        "(SELECT min(seq) FROM audit_events WHERE action = 'case.submit')"
    )
    seq = con.execute("SELECT min(seq) FROM audit_events WHERE action = 'case.submit'").fetchone()[0]
    con.close()
    report = busy.ledger.audit.verify()
    assert not report.ok
    assert report.first_broken_seq == seq
    assert f"第 {seq} 号事件的内容被改动" in report.problem


def test_a_deleted_event_is_named(busy):
    con = raw(busy)
    unprotect(con)
    con.execute("DELETE FROM audit_events WHERE seq = 12")
    con.close()
    report = busy.ledger.audit.verify()
    assert (report.ok, report.first_broken_seq) == (False, 12)
    assert "第 12 号事件缺失" in report.problem


def test_two_swapped_events_are_named(busy):
    con = raw(busy)
    unprotect(con)
    cols = "at, actor_id, actor_name, action, entity, entity_id, case_id, payload, prev_hash, hash"
    a = con.execute(f"SELECT {cols} FROM audit_events WHERE seq = 20").fetchone()
    b = con.execute(f"SELECT {cols} FROM audit_events WHERE seq = 21").fetchone()
    setter = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
    con.execute(f"UPDATE audit_events SET {setter} WHERE seq = 20", b)
    con.execute(f"UPDATE audit_events SET {setter} WHERE seq = 21", a)
    con.close()
    report = busy.ledger.audit.verify()
    assert (report.ok, report.first_broken_seq) == (False, 20)
    assert "不衔接" in report.problem


def test_a_forged_event_in_the_chain_is_named(busy):
    """Someone without the key appends a plausible event and moves the head to it."""
    con = raw(busy)
    head_seq, head_hash = con.execute("SELECT seq, hash FROM audit_head").fetchone()
    con.execute(
        "INSERT INTO audit_events (seq, at, actor_id, actor_name, action, entity, entity_id, case_id,"
        " payload, prev_hash, hash)"
        " VALUES (?, '2026-11-23T10:00:00', 1, '系统管理员', 'case.approve', 'case', 1, 1, '{}', ?, ?)",
        (head_seq + 1, head_hash, "f" * 64),
    )
    con.execute("UPDATE audit_head SET seq = ?, hash = ?", (head_seq + 1, "f" * 64))
    con.close()
    report = busy.ledger.audit.verify()
    assert (report.ok, report.first_broken_seq) == (False, head_seq + 1)


def test_a_truncated_tail_is_detected(busy):
    con = raw(busy)
    unprotect(con)
    last = con.execute("SELECT max(seq) FROM audit_events").fetchone()[0]
    con.execute("DELETE FROM audit_events WHERE seq > ?", (last - 3,))
    con.close()
    report = busy.ledger.audit.verify()
    assert (report.ok, report.first_broken_seq) == (False, last - 2)
    assert "截断" in report.problem


def test_the_key_lives_outside_the_database(busy):
    key = load_key(busy.ledger.key_dir, busy.ledger.uuid)
    data = Path(busy.ledger.engine.url.database).read_bytes()
    assert key not in data and key.hex().encode() not in data


def test_a_missing_key_is_explained(busy):
    (busy.ledger.key_dir / f"{busy.ledger.uuid}.key").unlink()
    busy.ledger._key = None  # forget the cached key, as a fresh start of the program would
    with pytest.raises(StorageError, match="找不到本台账的审计密钥文件"):
        busy.ledger.audit.verify()


def test_every_kind_of_change_writes_its_event(world):
    case = world.register()
    world.walk(case, "closed")
    with world.ledger.engine.connect() as conn:
        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_events ORDER BY seq"))]
    expected = [
        "case.register",
        "case.assign",
        "case.accept",
        "evidence.add",
        "case.submit",
        "case.verify",
        "case.approve",
    ]
    tail = [a for a in actions if a.startswith(("case.", "evidence."))]
    assert tail == expected[:3] + ["evidence.add"] * 2 + expected[3:]
    assert actions[0] == "ledger.create" and "user.create" in actions and "household.create" in actions
