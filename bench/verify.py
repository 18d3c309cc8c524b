"""`verify` with record hashes against a bare `PRAGMA integrity_check`, in one run (issue 13).

    python bench/verify.py [--cases N] [--db PATH] [--full]

baseline  PRAGMA integrity_check of the same file, on a fresh connection (SQLite reading every page)
ours      ledger.verify.verify_ledger as `main.py verify` runs it: quick_check (integrity_check with
          --full), foreign keys, guards, the audit chain, the heads outside the database, every
          record against its stamp, the dashboard counters and every evidence file
Goal: ≤ 60 s at 1,000,000 cases on this machine. Without --db a demo ledger of N cases is generated
first (not timed), in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.figures import Figure, emit  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", help="an existing demo ledger (its key in the usual key folder)")
    parser.add_argument("--full", action="store_true", help="verify --full: integrity_check, not quick_check")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="zgtz-bench-verify-"))
    os.environ.setdefault("ZGTZ_DATA_DIR", str(folder / "data"))
    from ledger import open_ledger
    from ledger.demo import generate
    from ledger.verify import verify_ledger

    if args.db:
        db = Path(args.db)
    else:
        db = folder / "台账.db"
        started = time.perf_counter()
        lg = open_ledger(db)
        generate(lg, args.cases, seed=1)
        lg.close()
        print(f"generated {args.cases:,} cases in {time.perf_counter() - started:.0f} s")
    con = sqlite3.connect(db)
    started = time.perf_counter()
    result = con.execute("PRAGMA integrity_check").fetchall()
    baseline = time.perf_counter() - started
    con.close()
    assert result == [("ok",)], result
    lg = open_ledger(db, create=False)
    try:
        with lg.reading() as s:
            from sqlalchemy import func, select

            from ledger.models import Case, RecordStamp

            cases = s.scalar(select(func.count()).select_from(Case)) or 0
            stamps = s.scalar(select(func.count()).select_from(RecordStamp)) or 0
        started = time.perf_counter()
        report = verify_ledger(lg, full=args.full)
        ours = time.perf_counter() - started
    finally:
        lg.close()
    assert report.ok, report.checks
    size = db.stat().st_size / 1e6
    print(f"ledger {db.name}: {cases:,} cases, {stamps:,} record stamps, {size:,.0f} MB")
    print(f"PRAGMA integrity_check  {baseline:8.1f} s")
    label = "verify --full" if args.full else "verify"
    print(f"{label:24}{ours:8.1f} s   ratio {ours / baseline:.2f}   goal ≤ 60 s at 1,000,000 cases")
    goal = "≤ 60 s（100万件）" if cases >= 1_000_000 else ""
    emit([Figure("verify", f"校验 {cases:,} 件", ours, "s", baseline, "integrity_check", goal,
                 ours <= 60 if goal else None)])  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
