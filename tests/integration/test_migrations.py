"""Migrations: no drift between models and revisions, all-or-nothing upgrades, a verified backup
before any upgrade, and refusal of databases newer than the program."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from ledger import StorageError, open_ledger
from ledger.db import create_ledger_engine
from ledger.migrate import alembic_config, current_revision, ensure_schema, head_revision
from ledger.paths import migrations_path
from ledger.services.backup import backup_before_upgrade, read_manifest, verify_backup

FAILING = '''"""adds a table and a column, then fails"""
import sqlalchemy as sa
from alembic import op

revision = "extra"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("half_column", sa.Text))
    raise RuntimeError("simulated failure half way through a migration")


def downgrade():
    pass
'''

HARMLESS = '''"""adds a table"""
import sqlalchemy as sa
from alembic import op

revision = "extra"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("later_feature", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("later_feature")
'''


HEAD = head_revision(alembic_config())


def migrations_with(tmp_path: Path, extra: str) -> Path:
    """The shipped migrations plus one more revision ("extra") on top of their head."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrations_path(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / "zz_extra.py").write_text(extra.replace("{head}", HEAD), encoding="utf-8")
    return copy


def test_models_and_revisions_do_not_drift(any_world):
    engine = any_world.ledger.engine
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)  # raises when autogenerate would write a new revision


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_migration_failing_half_way_leaves_the_schema_unchanged(backend, tmp_path, request, world):
    target = world.ledger.engine.url if backend == "sqlite" else None
    if backend == "postgresql":
        from tests.world import build_world

        target = build_world(request.getfixturevalue("pg_url"), tmp_path / "pg").ledger.engine.url
    engine = create_ledger_engine(target.render_as_string(hide_password=False))
    with pytest.raises(RuntimeError, match="simulated failure"):
        ensure_schema(engine, script_location=migrations_with(tmp_path, FAILING), before_upgrade=lambda st: None)
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        columns = [c["name"] for c in inspect(conn).get_columns("households")]
        assert current_revision(conn) == HEAD
    assert "half_done" not in tables
    assert "half_column" not in columns
    assert "households" in tables
    engine.dispose()


def test_an_upgrade_takes_a_verified_backup_first(world, tmp_path):
    db = Path(world.ledger.engine.url.database)
    world.register()
    world.ledger.close()
    engine = create_ledger_engine(db)
    backups = tmp_path / "升级备份"
    seen_during_backup = {}

    def hook(status):
        backup_before_upgrade(engine, status, backups)
        seen_during_backup["files"] = sorted(p.name for p in backups.iterdir())

    status = ensure_schema(engine, script_location=migrations_with(tmp_path, HARMLESS), before_upgrade=hook)
    assert (status.current, status.head) == (HEAD, "extra")
    backup = next(backups.glob("*.db"))
    assert seen_during_backup["files"] == sorted([backup.name, backup.name + ".manifest.json"])
    manifest = verify_backup(backup)
    assert manifest.schema_revision == HEAD
    assert manifest.counts["cases"] == 1
    assert read_manifest(backup).audit_head_hash == manifest.audit_head_hash
    with sqlite3.connect(backup) as con:
        assert con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'later_feature'").fetchone() == (0,)
    with engine.connect() as conn:
        assert current_revision(conn) == "extra"
        assert "later_feature" in inspect(conn).get_table_names()
    engine.dispose()


def test_no_upgrade_when_the_backup_fails(world, tmp_path):
    db = Path(world.ledger.engine.url.database)
    world.ledger.close()
    engine = create_ledger_engine(db)

    def failing_backup(status):
        raise StorageError("备份盘已满")

    with pytest.raises(StorageError, match="备份盘已满"):
        ensure_schema(engine, script_location=migrations_with(tmp_path, HARMLESS), before_upgrade=failing_backup)
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
    engine.dispose()


def test_open_ledger_backs_up_before_upgrading(world, tmp_path, monkeypatch):
    """The real start-up path: open_ledger() with a newer program (one more revision)."""
    db = Path(world.ledger.engine.url.database)
    world.ledger.close()
    newer = migrations_with(tmp_path, HARMLESS)
    monkeypatch.setattr("ledger.migrate.migrations_path", lambda: newer)
    lg = open_ledger(db, key_dir=tmp_path / "keys", backup_dir=tmp_path / "自动备份")
    try:
        backup = next((tmp_path / "自动备份").glob(f"*升级前-{HEAD}-*.db"))
        assert verify_backup(backup).schema_revision == HEAD
        assert lg.audit.verify().ok
    finally:
        lg.close()


def test_a_ledger_newer_than_the_program_is_refused(world):
    db = Path(world.ledger.engine.url.database)
    world.ledger.close()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(StorageError, match="更新版本的程序"):
        open_ledger(db)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_sqlite_file_that_is_not_a_ledger_is_left_alone(tmp_path):
    other = tmp_path / "别的程序.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        con.execute("INSERT INTO notes (body) VALUES ('hello')")
    before = hashlib.sha256(other.read_bytes()).hexdigest()
    with pytest.raises(StorageError, match="不是整改台账数据库"):
        open_ledger(other)
    assert hashlib.sha256(other.read_bytes()).hexdigest() == before


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path):
    junk = tmp_path / "照片.db"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    before = junk.read_bytes()
    with pytest.raises(StorageError, match="不是有效的数据库文件"):
        open_ledger(junk)
    assert junk.read_bytes() == before
