"""Opening an up-to-date ledger reads the schema version without Alembic (ledger/migrate.py
quick_head): the head it reads from the revision files is Alembic's own, a chain it cannot read
plainly falls back to Alembic, and a ledger behind or ahead still takes the full path."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import StorageError
from ledger.migrate import alembic_config, head_revision, quick_head
from ledger.paths import migrations_path

ROOT = Path(__file__).resolve().parents[2]


def test_the_quick_head_is_alembics_head():
    assert quick_head() == head_revision(alembic_config())


def _copy_scripts(tmp_path: Path) -> Path:
    scripts = tmp_path / "migrations"
    shutil.copytree(migrations_path(), scripts, ignore=shutil.ignore_patterns("__pycache__"))
    return scripts


def test_a_chain_it_cannot_read_plainly_gives_no_quick_head(tmp_path):
    scripts = _copy_scripts(tmp_path)
    head = quick_head(scripts)
    # a second revision on the same parent: two heads
    (scripts / "versions" / "9001_branch.py").write_text(
        f'revision = "9001"\ndown_revision = "{head}"\n', encoding="utf-8"
    )
    (scripts / "versions" / "9002_branch.py").write_text(
        f'revision = "9002"\ndown_revision = "{head}"\n', encoding="utf-8"
    )
    assert quick_head(scripts) is None
    # a merge revision (a tuple of parents) is not a plain line either
    (scripts / "versions" / "9002_branch.py").unlink()
    (scripts / "versions" / "9003_merge.py").write_text(
        f'revision = "9003"\ndown_revision = ("9001", "{head}")\n', encoding="utf-8"
    )
    assert quick_head(scripts) is None


def test_an_up_to_date_ledger_opens_without_importing_alembic(world):
    db = Path(world.ledger.address)
    world.ledger.close()
    probe = (
        "import sys; from ledger import open_ledger; "
        f"lg = open_ledger({str(db)!r}, create=False); lg.close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_ledger_ahead_of_the_program_is_still_refused(world):
    from ledger import open_ledger

    db = Path(world.ledger.address)
    world.ledger.close()
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="更新版本的程序"):
        open_ledger(db, create=False)
