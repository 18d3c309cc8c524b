"""Demo ledgers of 2,000 and 20,000 cases for the paper tests (issue 14), made once per test session
in their own folder with their own key, on a fixed clock so every run prints the same pages.

    def test_x(demo_ledger):            # fixture in tests/conftest.py, parametrised 2,000 / 20,000
        lg, actor = demo_ledger.open()   # signed in as tongchou (县级统筹)
        ...
        lg.close()

Reports print audit events into these shared ledgers: a test must not assert on counts of events
or on serial numbers here (use the `world` fixture for that).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ledger import open_ledger
from ledger.demo import DEMO_PASSWORD, generate
from ledger.dto import Actor
from ledger.facade import Ledger
from tests.world import CHEAP_HASHER, FakeClock

DEMO_NOW = dt.datetime(2026, 11, 25, 10, 0, 0)  # a Wednesday: the last full week is 11-16 .. 11-22
STATE_WORDS = {"已登记", "已交办", "整改中", "待核验", "待审批", "已销号", "已作废", "待交办", "逾期", "临期"}


@dataclass
class DemoLedger:
    cases: int
    folder: Path
    clock: FakeClock = field(default_factory=lambda: FakeClock(DEMO_NOW))

    @property
    def path(self) -> Path:
        return self.folder / "示例台账.db"

    def _open(self) -> Ledger:
        return open_ledger(
            self.path,
            key_dir=self.folder / "keys",
            evidence_dir=self.folder / "佐证材料",
            backup_dir=self.folder / "备份",
            clock=self.clock,
            password_hasher=CHEAP_HASHER,
        )

    def open(self, username: str = "tongchou") -> tuple[Ledger, Actor]:
        lg = self._open()
        return lg, lg.users.authenticate(username, DEMO_PASSWORD)

    def terms(self) -> set[str]:
        """Whole words of this ledger a page must never break: names, places, departments, states."""
        db = sqlite3.connect(self.path)
        try:
            words = {r[0] for r in db.execute("SELECT head_name FROM households")}
            words |= {r[0] for r in db.execute("SELECT name FROM members")}
            words |= {r[0] for r in db.execute("SELECT name FROM regions")}
            words |= {r[0] for r in db.execute("SELECT name FROM departments")}
            words |= {r[0] for r in db.execute("SELECT name FROM subcategories")}
            words |= {r[0] for r in db.execute("SELECT name FROM categories")}
        finally:
            db.close()
        return {w for w in words if w} | STATE_WORDS


_made: dict[int, DemoLedger] = {}
# Under pytest-xdist (tests/conftest.py sets it): a folder shared by the workers, where the first
# worker to need a demo ledger makes it once and every worker copies it into a folder of its own.
SHARED: Path | None = None


def _generate(folder: Path, cases: int) -> None:
    lg = DemoLedger(cases, folder)._open()
    try:
        generate(lg, cases, seed=7)
    finally:
        lg.close()


def _from_shared(shared: Path, cases: int, folder: Path) -> None:
    master, done = shared / f"demo{cases}", shared / f"demo{cases}.done"
    try:
        master.mkdir(parents=True)  # atomic: this worker makes it
    except FileExistsError:
        deadline = time.monotonic() + 900
        while not done.exists():  # another worker is making it
            if time.monotonic() > deadline:
                raise TimeoutError(f"demo ledger of {cases} cases not made by another worker") from None
            time.sleep(0.2)
    else:
        _generate(master, cases)
        done.touch()
    shutil.copytree(master, folder, dirs_exist_ok=True)


def demo(cases: int) -> DemoLedger:
    """The session's demo ledger of `cases` cases (made on first use)."""
    if cases not in _made:
        folder = Path(tempfile.mkdtemp(prefix=f"zgtz-demo{cases}-"))
        if SHARED is None:
            _generate(folder, cases)
        else:
            _from_shared(SHARED, cases, folder)
        _made[cases] = DemoLedger(cases, folder)
    return _made[cases]


def cleanup() -> None:
    for made in _made.values():
        shutil.rmtree(made.folder, ignore_errors=True)
    _made.clear()
