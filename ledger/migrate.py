"""Schema migrations at start-up: create, upgrade (after a verified backup), or refuse.

The whole upgrade runs in ONE transaction on a connection we own; with the SQLite recipe in
ledger/db.py that makes DDL transactional, so a migration failing half way leaves the schema as it
was (tested in tests/integration/test_migrations.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from ledger.errors import StorageError
from ledger.paths import migrations_path

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (about 190 ms of imports) and the revision scripts it loads are needed only when the schema
# is behind. Opening an up-to-date ledger — every start of the window and of each command — reads the
# head from the revision files' `revision = "…"` lines and the current one with one SELECT.
_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(?:None|['\"]([^'\"]+)['\"])\s*$", re.M)


def quick_head(script_location: Path | None = None) -> str | None:
    """The head revision read from the revision files without Alembic; None when the files do not
    form one plain chain (a merge, a branch, a line this reader does not understand)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((script_location or migrations_path()).joinpath("versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(found) != 1 or len(down) != 1:
            return None
        revisions.add(found[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _stored_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no such table: a new or foreign database, the full check decides
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def alembic_config(script_location: Path | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or migrations_path()))
    return cfg


def head_revision(cfg: Config) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None, "migrations folder has no revisions"
    return head


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str
    empty: bool  # no tables at all: a new ledger

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def status(engine: Engine, cfg: Config) -> SchemaStatus:
    with engine.connect() as conn:
        current = current_revision(conn)
        empty = not inspect(conn).get_table_names()
    head = head_revision(cfg)
    if current is not None and not _known(cfg, current):
        raise StorageError(
            f"此台账由更新版本的程序创建（数据库版本 {current}），当前程序只支持到版本 {head}。"
            "为避免损坏数据，程序不会打开它，请安装新版程序后再打开。"
        )
    if current is None and not empty:
        raise StorageError("此文件不是整改台账数据库（缺少版本信息），程序不会改动它。请选择正确的台账文件。")
    return SchemaStatus(current, head, empty)


def _known(cfg: Config, revision: str) -> bool:
    from alembic.script import ScriptDirectory

    try:
        return ScriptDirectory.from_config(cfg).get_revision(revision) is not None
    except Exception:  # alembic raises several types for an unknown id
        return False


def upgrade(engine: Engine, cfg: Config, target: str = "head") -> None:
    """Run every pending revision in one transaction (all or nothing)."""
    from alembic import command

    _migrate(engine, cfg, command.upgrade, target)


def downgrade(engine: Engine, cfg: Config, target: str) -> None:
    """Back to `target`, in one transaction (tests build older ledgers so)."""
    from alembic import command

    _migrate(engine, cfg, command.downgrade, target)


def _migrate(engine: Engine, cfg: Config, step: Callable[[Config, str], None], target: str) -> None:
    """On SQLite, foreign keys are off for the migration's connection while it runs, as SQLite's own
    procedure for rebuilding a table asks (a DROP TABLE of a referenced table would otherwise count
    its children as violations), and checked as a whole before the commit: a revision that leaves a
    dangling reference fails and changes nothing."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if sqlite:
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")  # outside a transaction: the driver never BEGINs itself
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg, target)
                if sqlite:
                    dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if dangling:
                        raise StorageError(
                            f"数据库升级后有 {len(dangling)} 处引用找不到对应记录，升级已撤销，台账未改动。"
                        )
        finally:
            cfg.attributes.pop("connection", None)
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def ensure_schema(
    engine: Engine,
    *,
    before_upgrade: Callable[[SchemaStatus], None] | None = None,
    script_location: Path | None = None,
    allow_create: bool = True,
) -> SchemaStatus:
    """Bring the database to the head revision. `before_upgrade` runs (and must succeed) before an
    existing ledger is upgraded: the caller takes its verified backup there."""
    head = quick_head(script_location)
    if head is not None and _stored_revision(engine) == head:
        return SchemaStatus(head, head, empty=False)
    cfg = alembic_config(script_location)
    st = status(engine, cfg)
    if st.empty and not allow_create:
        raise StorageError("该数据库中还没有台账。请先新建台账，或检查数据库地址是否正确。")
    if st.up_to_date:
        return st
    if not st.empty and before_upgrade is not None:
        before_upgrade(st)
    upgrade(engine, cfg)
    return st
