"""Before a ledger is opened, and when opening fails (issue 13 item 6 a–d): what the user is told.

- An existing SQLite file is looked at read-only before our engine touches it (switching to WAL
  already rewrites its header): it must be empty, or carry exactly one revision in alembic_version
  and the `meta` table with the ledger's identity (ledger_uuid). Another program's database that happens to use
  Alembic is refused, byte for byte unchanged.
- A read-only ledger file or folder is named as such, never as "damaged".
- An unreachable or refusing PostgreSQL server is explained without the connection URL (which can
  carry a password).
- OSError from the file system (name too long, no permission, disk full…) becomes a Chinese sentence.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from ledger.errors import StorageError

FOREIGN = "此文件不是整改台账数据库（{why}），程序不会改动它。请选择正确的台账文件。"
READ_ONLY = (
    "台账文件或所在文件夹是只读的（{path}）。打开台账需要写入（审计日志、打印和导出记录），"
    "请把台账复制到可写的文件夹，或请管理员检查文件和文件夹的权限。"
)


def _writable(path: Path) -> bool:
    """Whether we may write the file and create its -wal/-shm companions beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def check_sqlite_file(path: Path) -> None:
    """Raise StorageError unless `path` is absent, empty, or one of our ledgers we may write."""
    if not path.exists() or path.stat().st_size == 0:
        if not path.exists() and path.parent.exists() and not os.access(path.parent, os.W_OK):
            raise StorageError(READ_ONLY.format(path=path.parent))
        return
    if not _writable(path):
        raise StorageError(READ_ONLY.format(path=path))
    try:
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revisions, identity = _ledger_marks(con, tables)
        finally:
            con.close()
    except sqlite3.OperationalError:  # cannot open: locked by another program, permissions
        raise StorageError(
            f"无法打开台账文件 {path.name}。请检查文件是否被其他程序占用，以及文件和所在文件夹的权限。"
        ) from None
    except sqlite3.DatabaseError:
        raise StorageError(f"{path.name} 不是有效的数据库文件，可能已损坏或不是台账文件。") from None
    if not tables:
        return
    if "alembic_version" not in tables:
        raise StorageError(FOREIGN.format(why="缺少版本信息"))
    if len(revisions) != 1 or identity is None:
        raise StorageError(FOREIGN.format(why="版本信息或台账标识不属于本程序"))
    # A ledger's identity with a revision this program does not know is a ledger of a newer
    # program: ledger/migrate.py status() refuses it before anything is written.


def _ledger_marks(con: sqlite3.Connection, tables: set[str]) -> tuple[list[str], str | None]:
    """(revisions in alembic_version, the ledger's uuid in meta); empty/None where absent or of
    another program's shape."""
    revisions: list[str] = []
    identity = None
    try:
        if "alembic_version" in tables:
            revisions = [str(r[0]) for r in con.execute("SELECT version_num FROM alembic_version")]
        if "meta" in tables:
            row = con.execute("SELECT value FROM meta WHERE key = 'ledger_uuid'").fetchone()
            identity = str(row[0]) if row and row[0] else None
    except sqlite3.OperationalError as err:
        if "no such column" not in str(err):
            raise
    return revisions, identity


def explain_open_error(err: DBAPIError, url: URL) -> Exception:
    """A database error while opening, as the user can act on it; anything else stays as it is."""
    if url.get_backend_name() == "postgresql":
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        state = getattr(err.orig, "sqlstate", None)
        if state in ("28P01", "28000"):
            return StorageError(f"数据库服务器 {where} 拒绝了登录：用户名或密码不对，或本机无权连接。请核对后重试。")
        if state == "3D000":
            return StorageError(f"数据库服务器 {where} 上没有名为 {url.database} 的数据库，请核对数据库地址。")
        if state is None or state.startswith("08"):
            return StorageError(
                f"无法连接数据库服务器 {where}：服务器未启动、地址或端口不对，或网络、防火墙阻断了连接。"
                "请检查数据库地址，或联系管理员。"
            )
        return err
    text = str(err.orig).lower()
    database = Path(url.database or "")
    if (
        "readonly" in text
        or "read-only" in text
        or ("unable to open" in text and database.name and not _writable(database))
    ):
        return StorageError(READ_ONLY.format(path=database))
    if "unable to open" in text:
        return StorageError(f"无法打开或新建台账文件 {database}。请检查文件夹是否存在、名称是否过长以及权限。")
    return err


_OS_REASONS = {
    errno.ENAMETOOLONG: "文件名或路径太长（文件名最多约 255 字节，即约 85 个汉字），请换一个短一些的名称或文件夹",
    errno.EACCES: "没有权限（文件或所在文件夹不允许本程序读写）",
    errno.EPERM: "没有权限（文件或所在文件夹不允许本程序读写）",
    errno.EROFS: "所在磁盘或文件夹是只读的",
    errno.ENOSPC: "磁盘空间已满",
    errno.ENOENT: "文件或文件夹不存在",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "这是一个文件夹，请给出文件名",
    errno.EINVAL: "文件名中有系统不允许的字符",
}


def _short(name: object) -> str:
    text = os.fsdecode(name) if isinstance(name, str | bytes | os.PathLike) else str(name)
    return text if len(text) <= 60 else f"{text[:28]}…{text[-28:]}（共{len(text)}个字符）"


def os_reason(err: OSError) -> str:
    """Why a file operation failed, in Chinese (the system's own words only when unmapped)."""
    return _OS_REASONS.get(err.errno or 0) or f"系统错误：{err.strerror or err}"


def explain_os_error(err: OSError) -> str:
    """A file-system error as one Chinese sentence (no traceback, the path shortened)."""
    reason = os_reason(err)
    if err.filename is not None:
        return f"无法访问 {_short(err.filename)}：{reason}。"
    return f"文件操作失败：{reason}。"


IN_USE = "文件正被其他程序打开，请关闭后重试"


def replace_file(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Move a finished temporary file over its target (atomic on one volume). Windows refuses to
    replace a file another program holds open — a PDF in the reader, a workbook in Excel or WPS, a
    ledger in a second window — with PermissionError: that becomes one Chinese sentence, and the
    target is left exactly as it was (the caller removes its temporary file)."""
    try:
        os.replace(source, target)
    except PermissionError as err:
        raise StorageError(f"无法写入 {Path(target).name}：{IN_USE}（原文件未改动）。") from err
    except OSError as err:
        raise StorageError(f"无法写入 {target}：{os_reason(err)}") from err


# Windows' classic path limit (MAX_PATH, 260 with the terminating NUL): most programs — Explorer,
# Excel, WPS, the PDF readers a clerk uses — cannot open a longer path even where Python could write
# it. We keep every file we write under it and say so in Chinese, rather than write a file nobody can
# open. (The extended form \\?\ is used by nobody in the office; we do not produce it.)
WINDOWS = sys.platform == "win32"
MAX_PATH = 259
EVIDENCE_TAIL = len("\\ab\\" + "0" * 64 + ".jpeg")  # what the evidence store adds to its folder


def check_path_length(path: str | os.PathLike[str], extra: int = 0) -> None:
    """Refuse a path (plus `extra` characters the program will add below it) longer than Windows'
    limit. Applies on Windows; tests switch `WINDOWS` on."""
    if not WINDOWS:
        return
    text = os.path.abspath(os.fspath(path))
    if text.startswith("\\\\?\\"):
        return
    if len(text) + extra > MAX_PATH:
        raise StorageError(
            f"路径太长（{len(text) + extra} 个字符，Windows 最多 {MAX_PATH} 个）：{text[:40]}…"
            "请换一个层级较浅、名称较短的文件夹或文件名。"
        )


def read_failure(exc: BaseException) -> str:
    """A database error met while reading every record (verify, the window's chain check), as the
    clerk can act on it: a damaged file says so and sends them to the backup; anything else (a lock,
    a dropped connection) asks them to try again."""
    reason = str(exc.orig if isinstance(exc, DBAPIError) else exc)
    if any(word in reason for word in ("malformed", "not a database")):
        return f"数据库文件已损坏，其余记录未能校验（{reason}）；请从备份恢复后再校验"
    # a lock that outlasted its wait, a server connection that dropped, a disk or USB stick that
    # failed to answer (SQLite's "disk I/O error"): restoring a backup would lose the work since it
    # for nothing
    return (
        f"读取数据库时出错，其余记录未能校验（{reason}）；请检查台账所在的磁盘、U盘或网络后重试，仍不成功请联系管理员"
    )
