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
