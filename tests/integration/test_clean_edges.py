"""The command line at its edges (issue 13 item 6 a–d, i): each gives a Chinese message and exit
code 2, never a traceback, and a file that is not ours is left byte for byte as it was."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import ledger.db
import ledger.opening
import main
from ledger import StorageError, open_ledger
from tests.world import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict | None = None, password: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
        input=password + "\n",
    )  # fmt: skip


def assert_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def _snapshot(path: Path) -> tuple[bytes, int, list[str]]:
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


@pytest.mark.parametrize("revision", ["ae1027a6acf", "0001"])
def test_another_programs_alembic_database_is_refused_untouched(tmp_path, revision):
    """A random app's SQLite database that happens to use Alembic (even with a revision id that
    looks like ours, but without the ledger's meta table) is refused before any engine opens it."""
    target = tmp_path / "other-app.db"
    con = sqlite3.connect(target)
    con.executescript(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);"
        f"INSERT INTO alembic_version VALUES ('{revision}');"
        "CREATE TABLE meta (id INTEGER PRIMARY KEY, payload TEXT);"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT);"
        "INSERT INTO orders (item) VALUES ('widget');"
    )
    con.commit()
    con.close()
    before = _snapshot(target)
    with pytest.raises(StorageError, match="不是整改台账数据库"):
        open_ledger(target)
    for command in (["verify", "--db", str(target)], ["demo", "--db", str(target)]):
        assert_refused(cli(*command))
    result = cli("verify", "--db", str(target))
    assert_refused(result, "不是整改台账数据库", "不会改动")
    assert _snapshot(target) == before  # same bytes, same mtime, no -wal/-shm beside it
    assert sqlite3.connect(target).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_ledger_from_a_newer_program_is_refused_before_it_is_touched(world, tmp_path):
    path = Path(world.ledger.engine.url.database)
    world.ledger.close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    before = path.read_bytes()
    result = cli("verify", "--db", str(path))
    assert_refused(result, "更新版本的程序")
    assert path.read_bytes() == before


def test_an_unreachable_postgresql_server_is_explained_without_the_password():
    result = cli("verify", "--db", "postgresql+psycopg://zgtz:Geheim-2026@127.0.0.1:1/x")
    assert_refused(result, "无法连接数据库服务器 127.0.0.1:1")
    assert "Geheim-2026" not in result.stderr + result.stdout


def test_names_too_long_for_the_file_system(world, tmp_path):
    long_name = "台" * 100 + ".db"  # 300 bytes in UTF-8: over every file system's 255
    assert_refused(cli("verify", "--db", str(tmp_path / long_name)), "文件名或路径太长")
    assert_refused(cli("demo", "--db", str(tmp_path / long_name), "--cases", "1"), "文件名或路径太长")
    path = world.ledger.engine.url.database
    world.ledger.close()
    env = {**os.environ, "ZGTZ_KEY_DIR": str(tmp_path / "keys")}  # the world's key
    signed = ["--user", "admin", "--password-stdin"]
    for command in (
        ["export", "--db", path, "-o", str(tmp_path / ("表" * 100 + ".xlsx")), *signed],
        ["report", "weekly", "--db", path, "-o", str(tmp_path / ("表" * 100 + ".pdf"))],
        ["backup", "--db", path, "-o", str(tmp_path / ("备" * 100 + ".db")), *signed],
    ):
        assert_refused(cli(*command, env=env, password=PASSWORD), "太长")


def test_a_read_only_ledger_is_called_read_only_never_damaged(world, monkeypatch, capsys):
    """Tests run as root, for whom permissions do not apply: the permission check is replaced (as
    the file system would answer a clerk) and the verdict read back through main.main()."""
    path = world.ledger.engine.url.database
    world.ledger.close()
    monkeypatch.setattr(ledger.opening, "_writable", lambda _path: False)
    for command in (["verify", "--db", path], ["report", "weekly", "--db", path, "-o", path + ".pdf"]):
        assert main.main(command) == 2
        err = capsys.readouterr().err
        assert "台账文件或所在文件夹是只读的" in err and "损坏" not in err


def test_a_write_refused_by_sqlite_as_read_only_is_explained(world, monkeypatch, capsys, tmp_path):
    """SQLite itself refuses the write (query_only: the 'attempt to write a readonly database' error
    a read-only file gives): verify still works, a report (which writes its audit event) is refused
    with the read-only sentence."""
    path = world.ledger.engine.url.database
    world.ledger.close()
    monkeypatch.setenv("ZGTZ_KEY_DIR", str(tmp_path / "keys"))  # the world's audit key
    monkeypatch.setattr(ledger.db, "SQLITE_PRAGMAS", (*ledger.db.SQLITE_PRAGMAS, ("query_only", "ON")))
    assert main.main(["verify", "--db", path]) == 0, capsys.readouterr()
    capsys.readouterr()
    assert main.main(["report", "weekly", "--db", path, "-o", str(tmp_path / "周报.pdf")]) == 2
    err = capsys.readouterr().err
    assert "台账文件或所在文件夹是只读的" in err and "损坏" not in err
    assert not (tmp_path / "周报.pdf").exists()


def test_a_new_ledger_in_a_read_only_folder(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "只读"
    folder.mkdir()
    monkeypatch.setattr(ledger.opening.os, "access", lambda _path, _mode: False)
    assert main.main(["demo", "--db", str(folder / "台账.db"), "--cases", "1"]) == 2
    assert "只读" in capsys.readouterr().err
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("count", ["-5", "many"])
def test_demo_refuses_a_negative_or_non_numeric_count(tmp_path, count):
    result = cli("demo", "--db", str(tmp_path / "示例.db"), "--cases", count)
    assert_refused(result, "不小于 0 的整数")
    assert not (tmp_path / "示例.db").exists()
