"""统计年度 dashboard figures: the unscoped dashboard (case_counts), a year scope (case_counts by
found year, revision 0012) and a custom range (the cases table on its found_date index).

    python bench/years.py [--cases 100000]

Run from an older checkout (no ledger/scope.py) it prints the unscoped figure only: the "before".

Measured 2026-11-28 on this project's shared 2-core machine, 100,000 demo cases, fastest of 25:
  unscoped dashboard   before (7d461b3) 30.2 / 41.4 / 29.3 ms   after 29.4 / 29.4 ms (the same SQL)
  2026年度（含结转）    39.7–66.0 ms (74,617 cases)      2025年度（含结转） 19.5–22.8 ms (20,344)
  自定义区间 2026-01-01..06-30   105–119 ms (24,801; groups the cases table, not the counters)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger import open_ledger
from ledger.demo import generate


def best_of(fn, repeat: int = 25) -> float:
    """The fastest of `repeat` warm runs, in ms: on a machine shared with other work the minimum is
    the figure that repeats (medians moved by ±40 % between runs here)."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    n = parser.parse_args().cases
    with tempfile.TemporaryDirectory() as tmp:
        lg = open_ledger(Path(tmp) / "bench.db", key_dir=Path(tmp) / "keys")
        generate(lg, n, seed=7)
        print(f"dashboard, all years, {n:,} cases: {best_of(lambda: lg.queries.dashboard()):.1f} ms")
        try:
            from ledger.scope import Scope
        except ImportError:
            lg.close()
            return
        year = lg.today().year
        for scope in (
            Scope(year=year),
            Scope(year=year - 1),
            Scope(start=dt.date(year, 1, 1), end=dt.date(year, 6, 30)),
        ):
            total = lg.queries.dashboard(scope=scope).total
            ms = best_of(lambda scope=scope: lg.queries.dashboard(scope=scope))
            print(f"dashboard, {scope.label}, {n:,} cases: {ms:.1f} ms ({total:,} cases in scope)")
        lg.close()


if __name__ == "__main__":
    main()
