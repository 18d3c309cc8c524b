"""Village figures (ledger/services/villages.py): every village of the county and one township's
villages, against a baseline computing the same figures with the indexes bypassed.

    python bench/villages.py [--cases 100000] [--keep DIR]

The baseline is a plain COUNT over the same rows (SQLite's NOT INDEXED: a scan of the cases table),
grouped by village and state — the part of the figures any query must at least count.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import Figure, emit
from ledger import open_ledger
from ledger.demo import generate


def best_of(fn, repeat: int = 5) -> float:
    """Median of `repeat` warm runs, in milliseconds."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def run(n: int, workdir: Path) -> None:
    db = workdir / f"villages-{n}.db"
    lg = open_ledger(db, key_dir=workdir / "keys")
    if not lg.catalog.townships() or lg.queries.dashboard().total == 0:
        started = time.perf_counter()
        generate(lg, n, seed=7)
        print(f"示例台账生成 {n:,} 个问题：{time.perf_counter() - started:.1f} s")
    township = lg.catalog.townships()[4]
    villages = lg.catalog.villages()
    rows = lg.villages.figures()
    cleared = sum(1 for r in rows if r.cleared)
    print(f"{len(villages)} 个村，{sum(r.total for r in rows):,} 个问题，已清零 {cleared} 个村")
    county_ms = best_of(lambda: lg.villages.figures())
    town_ms = best_of(lambda: lg.villages.figures(township.id))
    town_ids = ",".join(str(v.id) for v in lg.catalog.villages(township.id))
    raw = sqlite3.connect(db)

    def plain_county() -> None:
        raw.execute("SELECT village_id, state, count(*) FROM cases NOT INDEXED GROUP BY 1, 2").fetchall()

    def plain_town() -> None:
        raw.execute(
            f"SELECT village_id, state, count(*) FROM cases NOT INDEXED WHERE village_id IN ({town_ids}) GROUP BY 1, 2"
        ).fetchall()

    def indexed_count() -> None:
        raw.execute("SELECT count(*) FROM cases").fetchall()

    county_plain = best_of(plain_county, 3)
    town_plain = best_of(plain_town, 3)
    count_all = best_of(indexed_count, 3)
    raw.close()
    lg.close()
    print(
        f"全县各村统计（{len(villages)} 个村）：{county_ms:.1f} ms；"
        f"朴素 COUNT（全表扫描按村、状态分组）{county_plain:.1f} ms"
    )
    print(
        f"一个乡镇各村统计（{township.name}，{len(lg.catalog.villages(township.id))} 个村）：{town_ms:.1f} ms；"
        f"朴素 COUNT {town_plain:.1f} ms"
    )
    print(f"参考：SELECT count(*) FROM cases {count_all:.1f} ms")
    emit(
        [
            Figure("villages", "全县各村统计", county_ms, "ms", county_plain, "朴素 COUNT 全表扫描"),
            Figure("villages", "一个乡镇各村统计", town_ms, "ms", town_plain, "朴素 COUNT 全表扫描"),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the generated ledger in this folder")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-villages-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        run(args.cases, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
