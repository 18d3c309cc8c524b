"""`verify` with record hashes: worker processes against one process, in one run (issues 13, 18).

    python bench/verify.py [--cases N] [--db PATH] [--full] [--workers N] [--no-one-process]

bare      PRAGMA quick_check (integrity_check with --full) of the same file alone, on a fresh
          connection: SQLite reading every page, the floor of the file check inside verify
ours      ledger.verify.verify_ledger as `main.py verify` runs it: the file check and foreign keys on
          a thread, guards, the audit chain, the heads outside the database, the dashboard counters
          and the evidence files in this process, and every record against its stamp in worker
          processes (ledger/record_workers.py; --workers N to force N, the default lets the size
          and the cores decide)
baseline  the same verify with the record checks in this process (workers=0), as before issue 18
Each line gives wall time and CPU time: of this process (all its threads), and of the worker
processes (POSIX getrusage of the children, once they are joined). CPU time is what a busy machine
inflates least. Goal: ≤ 60 s at 1,000,000 cases on this machine. Without --db a demo ledger of N
cases is generated first (not timed), in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.figures import Figure, emit  # noqa: E402


def children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows: not counted
        return 0.0
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(run: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """(result, wall s, CPU s of this process, CPU s of the children joined meanwhile)."""
    wall, cpu, kids = time.perf_counter(), time.process_time(), children_cpu()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu, children_cpu() - kids


def line(label: str, wall: float, cpu: float, kids: float | None = None) -> str:
    workers = f" + workers {kids:6.1f} s" if kids is not None else ""
    return f"{label:34}{wall:8.1f} s   CPU: this process {cpu:6.1f} s{workers}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", help="an existing demo ledger (its key in the usual key folder)")
    parser.add_argument("--full", action="store_true", help="verify --full: integrity_check, not quick_check")
    parser.add_argument("--workers", type=int, help="worker processes for the records (default: automatic)")
    parser.add_argument("--no-one-process", action="store_true", help="skip the one-process baseline")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="zgtz-bench-verify-"))
    os.environ.setdefault("ZGTZ_DATA_DIR", str(folder / "data"))
    from ledger import open_ledger, record_workers
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
    lg = open_ledger(db, create=False)  # upgraded first if its schema is older (not timed)
    pragma = "integrity_check" if args.full else "quick_check"

    def bare() -> list[tuple[str]]:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return con.execute(f"PRAGMA {pragma}").fetchall()
        finally:
            con.close()

    try:
        with lg.reading() as s:
            from sqlalchemy import func, select

            from ledger.models import Case, RecordStamp

            cases = s.scalar(select(func.count()).select_from(Case)) or 0
            stamps = s.scalar(select(func.count()).select_from(RecordStamp)) or 0
        result, bare_wall, bare_cpu, _ = timed(bare)
        assert result == [("ok",)], result
        report, ours, ours_cpu, ours_kids = timed(lambda: verify_ledger(lg, full=args.full, workers=args.workers))
        assert report.ok, report.checks
        one = None
        if not args.no_one_process:
            single, one, one_cpu, _ = timed(lambda: verify_ledger(lg, full=args.full, workers=0))
            assert single.ok and single.checks == report.checks, (single.checks, report.checks)
    finally:
        lg.close()
    size = db.stat().st_size / 1e6
    cores = record_workers.available_cores()
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"ledger {db.name}: {cases:,} cases, {stamps:,} record stamps, {size:,.0f} MB; {cores} cores{load}")
    print(line(f"PRAGMA {pragma} alone", bare_wall, bare_cpu))
    label = "verify --full" if args.full else "verify"
    print(line(f"{label} (record checks in workers)", ours, ours_cpu, ours_kids))
    if one is not None:
        print(line(f"{label} (one process)", one, one_cpu) + f"   ours/one process {ours / one:.2f}")
    print("goal ≤ 60 s at 1,000,000 cases")
    goal = "≤ 60 s（100万件）" if cases >= 1_000_000 else ""
    emit([Figure("verify", f"校验 {cases:,} 件", ours, "s", one, "单进程校验" if one else "", goal,
                 ours <= 60 if goal else None)])  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
