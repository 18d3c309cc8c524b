"""Opening ledgers from the command line, on SQLite files and on a PostgreSQL server URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ledger import StorageError, open_ledger

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_opening_a_missing_file_without_create_refuses_and_creates_nothing(tmp_path):
    target = tmp_path / "没有的台账.db"
    with pytest.raises(StorageError, match="找不到台账文件"):
        open_ledger(target, create=False)
    assert not target.exists()


@pytest.mark.postgres
def test_an_empty_server_database_is_not_silently_turned_into_a_ledger(pg_url):
    with pytest.raises(StorageError, match="还没有台账"):
        open_ledger(pg_url, create=False)
    result = cli("verify", "--db", pg_url)
    assert result.returncode == 2
    assert "还没有台账" in result.stderr


@pytest.mark.postgres
def test_demo_and_verify_against_a_postgresql_url(pg_url):
    made = cli("demo", "--db", pg_url, "--cases", "120", "--seed", "3")
    assert made.returncode == 0, made.stderr
    assert "120 个问题" in made.stdout
    checked = cli("verify", "--db", pg_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "✓ 审计日志" in checked.stdout
    assert "校验通过" in checked.stdout
    lg = open_ledger(pg_url, create=False)
    try:
        assert lg.queries.count() == 120
        assert lg.queries.dashboard().total == 120 - lg.queries.dashboard().by_state.get("void", 0)
    finally:
        lg.close()


def test_demo_refuses_to_overwrite_an_existing_file(tmp_path):
    target = tmp_path / "已有.db"
    target.write_bytes(b"keep me")
    result = cli("demo", "--db", str(target), "--cases", "10")
    assert result.returncode == 2
    assert "已存在" in result.stderr
    assert target.read_bytes() == b"keep me"


def test_a_sqlite_file_on_a_unc_path_is_refused_with_the_server_mode_hint():
    result = cli("verify", "--db", "\\\\server\\share\\台账.db")
    assert result.returncode == 2
    assert "网络" in result.stderr and "服务器模式" in result.stderr


def test_smoke_test_creates_then_reopens_a_ledger_in_the_data_folder(tmp_path):
    """`main.py --smoke-test --data-dir DIR` (issue 7): the same check the frozen build runs."""
    import os

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZGTZ_")}
    for attempt in ("新建", "再次打开"):
        done = subprocess.run(
            [sys.executable, "main.py", "--smoke-test", "--data-dir", str(tmp_path / "数据")],
            cwd=root, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, (attempt, done.stdout, done.stderr)
        assert "自检通过" in done.stdout and done.stdout.count("✓") == 6 and "✗" not in done.stdout
    assert (tmp_path / "数据" / "台账.db").exists() and list((tmp_path / "数据" / "keys").glob("*.key"))
