"""Engines for SQLite (default, one file) and PostgreSQL (server mode), configured as the
engineering guide asks: pragmas on every SQLite connection, and real transactions around DDL and
savepoints (SQLAlchemy's pysqlite recipe: the driver never BEGINs on its own; we do)."""

from __future__ import annotations

import ntpath
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from ledger.errors import StorageError

SQLITE_PRAGMAS = (
    ("journal_mode", "WAL"),
    ("synchronous", "FULL"),
    ("foreign_keys", "ON"),
    ("busy_timeout", "10000"),
    ("trusted_schema", "OFF"),
    ("secure_delete", "ON"),
    # 8 MB page cache per connection. The window holds three or four (its own, the operations
    # thread's, the dashboard's counts), each filling its cache: at 32 MB the window's peak at
    # 100,000 cases was 211 MB, at 8 MB 169 MB, with the same CPU time for every bench/gui.py figure
    # (the pages come back from the OS's file cache; issue 18).
    ("cache_size", "-8192"),
)

NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "afs", "davfs"}

NETWORK_PATH_MESSAGE = (
    "台账文件位于网络共享位置（{path}）。SQLite 数据库放在网络盘上会损坏数据，"
    "请把台账保存在本机，或由管理员配置“服务器模式”（PostgreSQL）供多台电脑共用。"
)


def to_url(url_or_path: str | os.PathLike[str]) -> URL:
    """A SQLAlchemy URL from either a URL string or a plain file path."""
    text = os.fspath(url_or_path)
    if _is_unc(text):
        return URL.create("sqlite+pysqlite", database=text)  # kept as typed, to be refused by name
    if "://" in text:
        return make_url(text)
    return URL.create("sqlite+pysqlite", database=str(Path(text).expanduser().absolute()))


_EXTENDED = "\\\\?\\"  # \\?\ : Windows' extended-length prefix


def _is_unc(text: str) -> bool:
    r"""A network path by its form: \\server\share, //server/share, \\?\UNC\server\share. The
    extended-length form of a local drive (\\?\C:\...) is not one."""
    if text.startswith(_EXTENDED):
        return text[len(_EXTENDED) :].upper().startswith("UNC\\")
    return text.startswith("\\\\") or (text.startswith("//") and not text.startswith("///"))


DRIVE_REMOTE = 4  # GetDriveTypeW: a mapped network drive


def _get_drive_type(root: str) -> int:
    import ctypes  # Windows only

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def _windows_drive_is_remote(path: str, get_drive_type: Callable[[str], int] = _get_drive_type) -> bool:
    r"""Whether a Windows path lies on a mapped network drive (Z:\ mapped to \\server\share). Uses
    ntpath, so the same code is tested on any system with the Windows call replaced."""
    if path.startswith(_EXTENDED):
        path = path[len(_EXTENDED) :]
    drive = ntpath.splitdrive(path)[0]
    if not drive or not drive.endswith(":"):
        return False
    return get_drive_type(drive + "\\") == DRIVE_REMOTE


def _linux_fs_type(path: Path) -> str | None:
    """File-system type of the mount holding `path`, from /proc/mounts (longest prefix wins)."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    best, best_type = "", None
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) > len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def refuse_network_path(
    path: str, *, windows: bool = sys.platform == "win32", get_drive_type: Callable[[str], int] | None = None
) -> None:
    """Raise StorageError when a SQLite file would live on a network share."""
    if _is_unc(path):
        raise StorageError(NETWORK_PATH_MESSAGE.format(path=path))
    if windows:
        if _windows_drive_is_remote(path, get_drive_type or _get_drive_type):
            raise StorageError(NETWORK_PATH_MESSAGE.format(path=path))
        return
    existing = Path(path)
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if _linux_fs_type(existing) in NETWORK_FILESYSTEMS:
        raise StorageError(NETWORK_PATH_MESSAGE.format(path=path))


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:":
        refuse_network_path(database)
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=False, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:  # pragma: no branch - trivial
        dbapi_connection.isolation_level = None  # the driver must not BEGIN by itself
        cursor = dbapi_connection.cursor()
        for name, value in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {name}={value}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front so a read-then-write never fails half way with
        # SQLITE_BUSY; readers use a plain deferred BEGIN.
        immediate = conn.get_execution_options().get("zgtz_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def create_ledger_engine(url_or_path: str | os.PathLike[str]) -> Engine:
    url = to_url(url_or_path)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if url.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED", hide_parameters=True)
    raise StorageError(f"不支持的数据库类型：{url.get_backend_name()}（只支持 SQLite 文件或 PostgreSQL 服务器）")


def without_password(url: URL | str) -> str:
    """The address with no password in it, neither after the user name nor as a `password=` query
    parameter: the only form of a database URL that may be shown, logged or written to settings.
    (URL.set(password=None) silently keeps the password; render_as_string(hide_password=True) still
    prints a query parameter.)"""
    url = make_url(url) if isinstance(url, str) else url
    query = {k: v for k, v in url.query.items() if k.lower() != "password"}
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, query)
    return bare.render_as_string(hide_password=False)


def describe(engine: Engine) -> str:
    """Where the ledger lives, for messages and the status bar (never shows a password)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"本地文件 {url.database}"
    return f"服务器 {url.host}:{url.port or 5432}/{url.database}"


def server_url(host: str, port: int, database: str, user: str, password: str, sslmode: str = "require") -> str:
    """The address of a ledger on a PostgreSQL server as the window builds it from its fields (with
    the password: kept in memory only, never written anywhere)."""
    url = URL.create(
        "postgresql+psycopg",
        username=user,
        password=password,
        host=host,
        port=port,
        database=database,
        query={"sslmode": sslmode, "connect_timeout": "10", "application_name": "zgtz"},
    )
    return url.render_as_string(hide_password=False)


def server_fields(address: str) -> dict[str, str | int]:
    """The fields of a remembered server address (host, port, database, user, sslmode) for the
    window's 连接台账服务器 form."""
    url = make_url(address)
    return {
        "host": url.host or "",
        "port": url.port or 5432,
        "database": url.database or "",
        "user": url.username or "",
        "sslmode": str(url.query.get("sslmode", "require")),
    }
