"""A killed first start never leaves a ledger file that cannot open (issue 13 item 4): `demo` killed
at ten random moments, and `init` killed once, leave either no file under the ledger's name or a
whole ledger that verifies; the next run to the same name then succeeds."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def environment(tmp_path: Path) -> dict:
    return {**os.environ, "ZGTZ_DATA_DIR": str(tmp_path / "data"), "ZGTZ_KEY_DIR": str(tmp_path / "keys")}


def verify(db: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", "verify", "--db", str(db)], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip


@pytest.mark.slow
def test_demo_killed_at_random_moments(tmp_path):
    env = environment(tmp_path)
    db = tmp_path / "示例.db"
    rng = random.Random(7)
    for _ in range(10):
        proc = subprocess.Popen([sys.executable, "main.py", "demo", "--db", str(db), "--cases", "3000"], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.05, 3.0))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if db.exists():  # then the run finished: a whole ledger, every case of it
            checked = verify(db, env)
            assert checked.returncode == 0, checked.stdout + checked.stderr
            con = sqlite3.connect(db)
            assert con.execute("SELECT count(*) FROM cases").fetchone() == (3000,)
            con.close()
            for part in tmp_path.glob(db.name + "*"):
                part.unlink()
    again = subprocess.run([sys.executable, "main.py", "demo", "--db", str(db), "--cases", "50"], cwd=ROOT, env=env,
                           capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert verify(db, env).returncode == 0
    assert not list(tmp_path.glob(".示例.db.creating-*"))  # leftovers of the killed runs are gone


@pytest.mark.slow
def test_init_killed_at_random_moments(tmp_path):
    env = environment(tmp_path)
    db = tmp_path / "新台账.db"
    command = [sys.executable, "main.py", "init", "--db", str(db), "--county", "某县", "--code", "990101"]
    rng = random.Random(11)
    for _ in range(5):
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        assert proc.stdin is not None
        proc.stdin.write(b"Office#2026x\n")
        proc.stdin.close()
        time.sleep(rng.uniform(0.3, 1.5))  # the schema, the catalog, the first administrator…
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if db.exists():
            assert verify(db, env).returncode == 0
            for part in tmp_path.glob(db.name + "*"):
                part.unlink()
    done = subprocess.run(command, cwd=ROOT, env=env, input="Office#2026x\n", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert verify(db, env).returncode == 0 and not list(tmp_path.glob(".新台账.db.creating-*"))


def test_a_stale_wal_of_an_earlier_file_of_that_name_is_not_applied_to_the_new_ledger(tmp_path):
    """A ledger deleted by hand can leave its -wal beside it; SQLite would replay it into a new file of
    the same name (corrupting it). The new ledger is renamed in only after such leftovers are gone."""
    env = environment(tmp_path)
    db = tmp_path / "示例.db"
    (tmp_path / "示例.db-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)  # a WAL header's magic
    done = subprocess.run([sys.executable, "main.py", "demo", "--db", str(db), "--cases", "30"], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert verify(db, env).returncode == 0
