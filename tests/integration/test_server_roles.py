"""Server mode's application role (resources/server/roles.sql, docs/deploy-lan.md): every PC works
through it, and it cannot change, remove or truncate an audit event, nor alter the schema."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ledger import PermissionDenied, open_ledger
from tests.world import PASSWORD, build_world

ROLES_SQL = Path(__file__).resolve().parents[2] / "resources" / "server" / "roles.sql"


@pytest.mark.postgres
def test_the_application_role_works_but_cannot_touch_the_audit_log(pg_url, tmp_path, clock):
    world = build_world(pg_url, tmp_path, clock)
    world.ledger.close()
    owner = make_url(pg_url)
    connect = {"host": owner.host, "port": owner.port, "dbname": owner.database}
    with psycopg.connect(user=owner.username, password=owner.password, autocommit=True, **connect) as con:
        con.execute(ROLES_SQL.read_text(encoding="utf-8"))
        con.execute("ALTER ROLE zgtz_app PASSWORD 'App#2026role'")
    app_url = owner.set(username="zgtz_app", password="App#2026role").render_as_string(hide_password=False)

    lg = open_ledger(app_url, create=False, key_dir=tmp_path / "keys", evidence_dir=tmp_path / "evidence")
    try:
        world.use(lg)
        clerk = lg.users.authenticate("luru", PASSWORD)
        case = world.walk(world.register(), "closed")  # registration, evidence, sign-offs: all as zgtz_app
        assert case.state == "closed" and clerk.username == "luru"
        assert lg.audit.verify().ok
    finally:
        lg.close()

    with psycopg.connect(user="zgtz_app", password="App#2026role", autocommit=True, **connect) as con:
        for statement in (
            "UPDATE audit_events SET actor_name = '改过'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
            "DROP TRIGGER audit_events_no_change ON audit_events",
            "ALTER TABLE cases ADD COLUMN x int",
            "UPDATE alembic_version SET version_num = 'x'",
        ):
            with pytest.raises(psycopg.Error) as refused:
                con.execute(statement)
            assert refused.value.sqlstate in ("42501",), (statement, refused.value)
    lg = open_ledger(pg_url, create=False, key_dir=tmp_path / "keys", evidence_dir=tmp_path / "evidence")
    try:
        assert lg.audit.verify().ok
        with lg.reading() as s:
            assert s.execute(text("SELECT count(*) FROM audit_events WHERE actor_name = '改过'")).scalar() == 0
    finally:
        lg.close()


@pytest.mark.postgres
def test_init_creates_a_server_ledger_with_its_first_administrator(pg_url, tmp_path):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "ZGTZ_DATA_DIR": str(tmp_path / "data"), "ZGTZ_KEY_DIR": str(tmp_path / "keys")}
    args = [sys.executable, "main.py", "init", "--db", pg_url, "--county", "示例县", "--code", "990101"]
    done = subprocess.run(args, cwd=root, env=env, input="Office#2026x\n", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "已新建台账" in done.stdout and "Office#2026x" not in done.stdout + done.stderr
    again = subprocess.run(args, cwd=root, env=env, input="Office#2026x\n", capture_output=True, text=True)
    assert again.returncode == 2 and "已有台账" in again.stderr
    verify = subprocess.run(
        [sys.executable, "main.py", "verify", "--db", pg_url], cwd=root, env=env, capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    lg = open_ledger(pg_url, create=False, key_dir=tmp_path / "keys")
    try:
        assert lg.users.authenticate("admin", "Office#2026x").roles == {"admin"}
    finally:
        lg.close()


@pytest.mark.postgres
def test_a_shared_evidence_folder_serves_every_pc(pg_url, tmp_path, clock):
    """PC 1 adds evidence, the administrator points the server ledger at the office's shared folder
    (PC 1's files are copied there), PC 2 — with its own data folder — reads every file."""
    from tests.world import PNG

    world = build_world(pg_url, tmp_path / "pc1", clock)
    lg1 = world.ledger
    case = world.register()
    evidence = lg1.cases.add_evidence(world.clerk, case.id, PNG + b"before", "photo_before", "整改前.png")
    with pytest.raises(PermissionDenied):
        lg1.set_evidence_location(world.clerk, tmp_path / "share")
    lg1.set_evidence_location(world.admin, tmp_path / "share")
    later = lg1.cases.add_evidence(world.clerk, case.id, PNG + b"during", "photo_during", "整改中.png")
    lg1.close()
    lg2 = open_ledger(pg_url, create=False, key_dir=tmp_path / "pc1" / "keys")  # no evidence_dir: PC 2's own default
    try:
        assert lg2.evidence_store.root == tmp_path / "share"
        assert lg2.cases.evidence_bytes(evidence.id) == PNG + b"before"
        assert lg2.cases.evidence_bytes(later.id) == PNG + b"during"
    finally:
        lg2.close()


# -- issue 13 item 5: no change of a record without its audit event (revision 0006) -----------------


@pytest.fixture(scope="module")
def served(pg_server, tmp_path_factory):
    """A server ledger with a closed case (evidence, sign-offs, actions, a progress note) and an open
    case assigned to 县住建局, and the application role of roles.sql; the owner's ledger is closed."""
    from tests.conftest import new_pg_database
    from tests.world import FakeClock

    pg_url = new_pg_database(pg_server)
    tmp = tmp_path_factory.mktemp("served")
    world = build_world(pg_url, tmp, FakeClock())
    closed = world.walk(world.register(), "in_progress")
    world.ledger.cases.add_progress(world.officer, closed.id, world.clock.now.date(), "已加固一面墙")
    closed = world.walk(world.ledger.cases.get(closed.id), "closed")
    assigned = world.walk(world.register(), "assigned")
    world.ledger.close()
    owner = make_url(pg_url)
    connect = {"host": owner.host, "port": owner.port, "dbname": owner.database}
    with psycopg.connect(user=owner.username, password=owner.password, autocommit=True, **connect) as con:
        con.execute(ROLES_SQL.read_text(encoding="utf-8"))
        con.execute("ALTER ROLE zgtz_app PASSWORD 'App#2026role'")
    app_url = owner.set(username="zgtz_app", password="App#2026role").render_as_string(hide_password=False)
    return {
        "world": world,
        "tmp": tmp,
        "owner": owner,
        "connect": connect,
        "app_url": app_url,
        "ids": {"closed": closed.id, "open": assigned.id, "slj": world.slj_id, "zjj": world.zjj_id},
    }


def app_connection(served) -> psycopg.Connection:
    """The application role's own connection, as a SQL tool on an office PC would open it."""
    return psycopg.connect(user="zgtz_app", password="App#2026role", **served["connect"])


DIRECT_EDITS = {
    "case description": ["UPDATE cases SET description = '改过的描述' WHERE id = %(closed)s"],
    "case closed by hand": ["UPDATE cases SET state = 'closed', closed_date = current_date WHERE id = %(open)s"],
    "case moved to another department": ["UPDATE cases SET lead_department_id = %(slj)s WHERE id = %(open)s"],
    "case's sign-offs deleted": ["DELETE FROM signoffs WHERE case_id = %(closed)s"],
    "case's actions deleted": ["DELETE FROM case_actions WHERE case_id = %(closed)s"],
    "case's evidence deleted": [
        "DELETE FROM evidence WHERE case_id = %(closed)s AND id NOT IN "
        "(SELECT form_evidence_id FROM signoffs WHERE form_evidence_id IS NOT NULL)"
    ],
    "case deleted with everything": [
        "DELETE FROM signoffs WHERE case_id = %(closed)s",
        "DELETE FROM progress_notes WHERE case_id = %(closed)s",
        "DELETE FROM case_actions WHERE case_id = %(closed)s",
        "DELETE FROM evidence WHERE case_id = %(closed)s",
        "DELETE FROM cases WHERE id = %(closed)s",
    ],
    "sign-off opinion": ["UPDATE signoffs SET opinion = '不同意' WHERE case_id = %(closed)s"],
    "progress note": ["UPDATE progress_notes SET text = '未整改' WHERE case_id = %(closed)s"],
    "household head": [
        "UPDATE households SET head_name = '改名' WHERE id = (SELECT household_id FROM cases WHERE id = %(open)s)"
    ],
    "member added": [
        "INSERT INTO members (household_id, name, id_number, relation, health) "
        "SELECT household_id, '冒名', '', '子女', '' FROM cases WHERE id = %(open)s"
    ],
    "approver role granted to the viewer": [
        "INSERT INTO user_roles (user_id, role) SELECT id, 'approver' FROM users WHERE username = 'ck1'"
    ],
    "transition for the viewer": [
        "INSERT INTO workflow_transitions (action, from_state, to_state, role) "
        "VALUES ('approve', 'pending_approval', 'closed', 'viewer')"
    ],
    "evidence no longer needed": ["UPDATE workflow_actions SET needs_evidence = false"],
    "requirements dropped": ["DELETE FROM workflow_requirements"],
    "closed cases editable": ["INSERT INTO workflow_field_rules (state, field) VALUES ('closed', 'description')"],
    "account disabled": ["UPDATE users SET active = false WHERE username = 'sp1'"],
    "rights granted": ["UPDATE users SET rights = 'unmask,health' WHERE username = 'ck1'"],
    "administrator's password replaced": [
        "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'ck1') "
        "WHERE username = 'admin'"
    ],
    "record stamp": [
        "INSERT INTO record_stamps (kind, record_id, seq, hash) VALUES ('case', %(closed)s, 999999, repeat('0', 64))"
    ],
    # the head moved by hand, without an event row at the new seq
    "edit plus audit head moved": [
        "UPDATE cases SET description = '改过的描述' WHERE id = %(closed)s",
        "UPDATE audit_head SET seq = seq + 1, hash = repeat('f', 64) WHERE id = 1",
    ],
    # the head rewritten in place, still pointing at an event of an earlier transaction
    "edit plus audit head rewritten": [
        "UPDATE cases SET description = '改过的描述' WHERE id = %(closed)s",
        "UPDATE audit_head SET hash = hash WHERE id = 1",
    ],
    "audit head alone": ["UPDATE audit_head SET seq = seq + 1 WHERE id = 1"],
}


@pytest.mark.postgres
@pytest.mark.parametrize("edit", list(DIRECT_EDITS))
def test_a_direct_edit_without_an_audit_event_is_refused(served, edit):
    """The application role may run each statement (it holds the privileges the program needs), but
    the transaction cannot commit: no audit event was appended in it."""
    with app_connection(served) as con:
        touched = [con.execute(sql, served["ids"]).rowcount for sql in DIRECT_EDITS[edit]]
        assert touched[-1] > 0, f"{edit}: the statement changed nothing, so the test proves nothing"
        with pytest.raises(psycopg.Error) as refused:
            con.commit()
    assert refused.value.sqlstate == "42501", (edit, refused.value)
    assert "被拒绝" in str(refused.value) and "审计事件" in str(refused.value), (edit, refused.value)


@pytest.mark.postgres
def test_nobody_can_empty_a_guarded_table_or_switch_the_triggers_off(served):
    owner = served["owner"]
    with psycopg.connect(user=owner.username, password=owner.password, autocommit=True, **served["connect"]) as con:
        for table in ("cases", "signoffs", "users", "user_roles", "workflow_transitions", "audit_head"):
            with pytest.raises(psycopg.Error, match=r"清空 \S+ 被拒绝"):
                con.execute(f"TRUNCATE {table} CASCADE")  # even the owner
    with app_connection(served) as con:
        con.autocommit = True
        for statement in (
            "TRUNCATE cases CASCADE",
            "SET session_replication_role = replica",
            "ALTER TABLE cases DISABLE TRIGGER cases_needs_audit_event",
            "DROP TRIGGER users_needs_audit_event ON users",
        ):
            with pytest.raises(psycopg.Error) as refused:
                con.execute(statement)
            assert refused.value.sqlstate == "42501", (statement, refused.value)


@pytest.mark.postgres
def test_the_program_still_writes_through_the_application_role(served):
    """Registration, assignment and a progress note as zgtz_app: each with its event, so they commit."""
    world, tmp = served["world"], served["tmp"]
    lg = open_ledger(served["app_url"], create=False, key_dir=tmp / "keys", evidence_dir=tmp / "evidence")
    try:
        world.use(lg)
        case = world.walk(world.register(description="应用账号登记的问题"), "assigned")
        lg.cases.add_progress(world.officer, case.id, world.clock.now.date(), "已联系施工队")
        case = lg.cases.get(case.id)
        assert case.state == "assigned" and case.lead_department_id == world.zjj_id
        assert case.description == "应用账号登记的问题"
        closed = lg.cases.get(served["ids"]["closed"])
        assert closed.state == "closed" and closed.description == "房屋墙体开裂"  # every refusal rolled back
        assert lg.audit.verify().ok
    finally:
        lg.close()


@pytest.mark.postgres
def test_a_forged_event_lets_the_edit_commit_but_verify_names_it(served):
    """The guard asks for an event row, not a valid one: someone without the audit key can append
    a row, but the HMAC chain then breaks at exactly that event, so the edit is never silent. (Last in
    the module: it leaves the shared ledger's chain broken.)"""
    tmp = served["tmp"]
    with app_connection(served) as con:
        seq = con.execute("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE").fetchone()[0] + 1
        con.execute("UPDATE cases SET description = '改过的描述' WHERE id = %(closed)s", served["ids"])
        con.execute(
            "INSERT INTO audit_events (seq, at, actor_id, actor_name, action, entity, entity_id, case_id, payload,"
            " prev_hash, hash) SELECT %s, '2026-11-23T09:00:00', NULL, '系统', 'case.update', 'case', NULL, NULL,"
            " '{}', hash, repeat('0', 64) FROM audit_head WHERE id = 1",
            (seq,),
        )
        con.execute("UPDATE audit_head SET seq = %s, hash = repeat('0', 64) WHERE id = 1", (seq,))
        con.commit()
    lg = open_ledger(served["app_url"], create=False, key_dir=tmp / "keys", evidence_dir=tmp / "evidence")
    try:
        report = lg.audit.verify()
        assert not report.ok and report.first_broken_seq == seq
    finally:
        lg.close()
