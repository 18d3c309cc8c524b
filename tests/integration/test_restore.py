"""Restore checks the backup whole before touching anything (issue 13 item 4): a tampered backup
whose manifest was recomputed, a backup of another ledger, one older than this PC has seen, one whose
key is missing — each refused with the target untouched; a restore killed at any moment leaves a
ledger that opens and verifies."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Demo#2026"


def cli(env: dict, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, input=password + "\n"
    )


def environment(folder: Path) -> dict:
    return {**os.environ, "ZGTZ_DATA_DIR": str(folder / "data"), "ZGTZ_KEY_DIR": str(folder / "keys")}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """A demo ledger and a backup of it, made once; each test works on a copy of the folder."""
    folder = tmp_path_factory.mktemp("restore")
    env = environment(folder)
    assert cli(env, "demo", "--db", str(folder / "台账.db"), "--cases", "300").returncode == 0
    done = cli(env, "backup", "--db", str(folder / "台账.db"), "-o", str(folder / "备份" / "b.db"),
               "--user", "admin", "--password-stdin")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture
def place(made, tmp_path) -> tuple[Path, dict]:
    shutil.copytree(made, tmp_path / "w")
    return tmp_path / "w", environment(tmp_path / "w")


def restore(env: dict, backup: Path, target: Path, *flags: str, password: str = PASSWORD):
    return cli(env, "restore", str(backup), "--db", str(target), "--user", "admin", "--password-stdin", *flags,
               password=password)  # fmt: skip


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_fresh_backup_restores_and_verifies(place):
    folder, env = place
    done = restore(env, folder / "备份" / "b.db", folder / "台账.db")
    assert done.returncode == 0, done.stderr
    assert cli(env, "verify", "--db", str(folder / "台账.db")).returncode == 0


def test_a_tampered_backup_with_a_recomputed_manifest_is_refused(place):
    folder, env = place
    backup, target = folder / "备份" / "b.db", folder / "台账.db"
    con = sqlite3.connect(backup)
    con.execute("UPDATE cases SET description = '已整改' WHERE id = 5")
    con.commit()
    con.close()
    manifest_file = backup.with_name(backup.name + ".manifest.json")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["sha256"] = digest(backup)  # what an insider would do next
    manifest_file.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    before = digest(target)
    done = restore(env, backup, target)
    assert done.returncode == 2 and "备份未通过校验" in done.stderr and "被直接改动" in done.stderr
    assert digest(target) == before and not list(folder.glob("台账.恢复前-*"))


def test_a_wrong_password_or_a_non_administrator_is_refused(place):
    folder, env = place
    before = digest(folder / "台账.db")
    assert restore(env, folder / "备份" / "b.db", folder / "台账.db", password="nope").returncode == 2
    other = cli(env, "restore", str(folder / "备份" / "b.db"), "--db", str(folder / "台账.db"), "--user", "luru",
                "--password-stdin")  # fmt: skip
    assert other.returncode == 2 and "系统管理员" in other.stderr
    assert digest(folder / "台账.db") == before


def test_a_backup_of_another_ledger_needs_replace_ledger(place, tmp_path):
    folder, env = place
    other = tmp_path / "另一个.db"
    assert cli(env, "demo", "--db", str(other), "--cases", "50", "--seed", "9").returncode == 0
    target = folder / "台账.db"
    before = digest(target)
    refused = restore(env, folder / "备份" / "b.db", other)
    assert refused.returncode == 2 and "--replace-ledger" in refused.stderr and "示例县的台账" in refused.stderr
    done = restore(env, folder / "备份" / "b.db", other, "--replace-ledger")
    assert done.returncode == 0, done.stderr
    assert "被替换的是示例县的台账" in done.stdout and list(tmp_path.glob("另一个.恢复前-*.db"))
    assert digest(target) == before


def test_a_backup_older_than_this_pc_has_seen_needs_older(place):
    folder, env = place
    target = folder / "台账.db"
    later = cli(env, "backup", "--db", str(target), "-o", str(folder / "备份" / "c.db"), "--user", "admin",
                "--password-stdin")  # fmt: skip
    assert later.returncode == 0  # the ledger moved on after b.db
    refused = restore(env, folder / "备份" / "b.db", target)
    assert refused.returncode == 2 and "--older" in refused.stderr
    done = restore(env, folder / "备份" / "b.db", target, "--older")
    assert done.returncode == 0, done.stderr
    assert cli(env, "verify", "--db", str(target)).returncode == 0  # this PC now knows the older head


def test_without_the_key_restore_says_so_before_touching_anything(place):
    folder, env = place
    for key in (folder / "keys").glob("*.key"):
        key.rename(key.with_suffix(".moved"))
    before = digest(folder / "台账.db")
    done = restore(env, folder / "备份" / "b.db", folder / "台账.db")
    assert done.returncode == 2 and "审计密钥" in done.stderr and "只读" in done.stderr
    assert digest(folder / "台账.db") == before


@pytest.mark.slow
def test_a_restore_killed_at_any_moment_leaves_a_ledger_that_opens_and_verifies(place):
    folder, env = place
    target = folder / "台账.db"
    rng = random.Random(13)
    for _ in range(10):
        proc = subprocess.Popen(
            [sys.executable, "main.py", "restore", str(folder / "备份" / "b.db"), "--db", str(target),
             "--user", "admin", "--password-stdin"],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert proc.stdin is not None
        proc.stdin.write(PASSWORD.encode() + b"\n")
        proc.stdin.close()
        time.sleep(rng.uniform(0.3, 2.5))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        checked = cli(env, "verify", "--db", str(target))
        assert checked.returncode == 0, checked.stdout + checked.stderr
