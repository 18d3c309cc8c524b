"""Ledger core figures: demo generation speed, file size, dashboard counts and a filtered page.

    python bench/core.py [--cases 100000 1000000] [--keep DIR]

Each query figure is printed beside a baseline measured in the same run on the same file: the
same result computed the naive way (GROUP BY over the cases table; the page read with the indexes
bypassed via SQLite's NOT INDEXED), and the ratio between them. Goals (issue 2, at 1M cases on
this project's 2-core machine): counts ≤ 200 ms, page ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import Figure, emit
from ledger import CaseFilter, open_ledger
from ledger.demo import generate
from ledger.tags import vocabulary
from ledger.workflow import OPEN_STATES


def demo_ledger(db: Path, cases: int) -> Path:
    """`db`, generated as the demo county with `cases` cases when it does not exist yet."""
    if not db.exists():
        lg = open_ledger(db)
        print(f"生成 {cases:,} 个示例问题…", file=sys.stderr)
        generate(lg, cases, seed=7)
        lg.close()
    return db


def best_of(fn, repeat: int = 5) -> float:
    """Median of `repeat` warm runs, in milliseconds."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def run(n: int, workdir: Path) -> list[tuple[str, str, str, str]]:
    db = workdir / f"bench-{n}.db"
    reused = db.exists()  # a ledger kept by an earlier run (--keep): measured as it is, not generated again
    lg = open_ledger(db, key_dir=workdir / "keys")
    started = time.perf_counter()
    summary = None if reused else generate(lg, n, seed=7)
    gen_s = time.perf_counter() - started
    size_mb = os.path.getsize(db) / 1e6
    today = lg.today()
    township = lg.catalog.townships()[4].id
    flt = CaseFilter(township_id=township, states=("in_progress",))

    dash_ms = best_of(lambda: lg.queries.dashboard())

    def count_tags() -> None:  # counted, not the figures kept from the last count (nothing changed here)
        lg.households._tag_counts_last = None
        lg.households.tag_counts()

    tags_ms = best_of(count_tags)
    page_ms = best_of(lambda: lg.queries.page(flt, sort="deadline", limit=100))
    last_page_ms = best_of(
        lambda: lg.queries.page(
            CaseFilter(states=("closed",)),
            sort="deadline",
            offset=lg.queries.count(CaseFilter(states=("closed",))) - 100,
        )
    )

    raw = sqlite3.connect(db)

    def naive_counts():
        raw.execute("SELECT state, lead_department_id, count(*) FROM cases NOT INDEXED GROUP BY 1, 2").fetchall()
        raw.execute("SELECT township_id, state, count(*) FROM cases NOT INDEXED GROUP BY 1, 2").fetchall()
        open_states = "('assigned','in_progress','pending_verification','pending_approval')"
        raw.execute(
            f"SELECT count(*) FROM cases NOT INDEXED WHERE state IN {open_states} AND deadline < ?", (today,)
        ).fetchall()

    def naive_page():
        raw.execute(
            "SELECT c.id FROM cases AS c NOT INDEXED JOIN households h ON h.id = c.household_id "
            "WHERE c.township_id = ? AND c.state = 'in_progress' ORDER BY c.deadline, c.id LIMIT 100",
            (township,),
        ).fetchall()

    def naive_tags():  # the same figures one tag at a time, through the ledger's tag filter
        for tag in vocabulary():
            lg.queries.count(CaseFilter(tag=tag, include_void=False))
            lg.queries.count(CaseFilter(tag=tag, include_void=False, states=tuple(OPEN_STATES)))

    naive_counts_ms = best_of(naive_counts, 3)
    naive_tags_ms = best_of(naive_tags, 3)
    naive_page_ms = best_of(naive_page, 3)
    raw.close()
    lg.close()
    generated = (
        [] if summary is None else [Figure("core", f"示例台账生成（{n:,} 个问题）", summary.cases / gen_s, "问题/秒")]
    )
    emit(
        [
            *generated,
            Figure("core", f"台账文件大小（{n:,} 个问题）", size_mb, "MB"),
            Figure("core", "工作台统计", dash_ms, "ms", naive_counts_ms, "朴素 GROUP BY", "≤ 50 ms", dash_ms <= 50),
            Figure(
                "core",
                "工作台农户标签统计",
                tags_ms,
                "ms",
                naive_tags_ms,
                "逐个标签筛选计数",
                "≤ 200 ms",
                tags_ms <= 200,
            ),
            Figure("core", "筛选排序首页 100 行", page_ms, "ms", naive_page_ms, "不走索引", "≤ 20 ms", page_ms <= 20),
        ]
    )
    label = f"{n:,}"
    return [
        (
            label,
            "示例台账生成",
            "沿用已生成的台账"
            if summary is None
            else f"{gen_s:.1f} s（{summary.cases / gen_s:,.0f} 问题/秒，含农户、进度、材料、签批）",
            "—",
        ),
        (label, "文件大小", f"{size_mb:,.0f} MB", "—"),
        (
            label,
            "工作台统计（状态×单位、乡镇、逾期、本周）",
            f"{dash_ms:.1f} ms",
            f"朴素 GROUP BY {naive_counts_ms:.0f} ms，快 {naive_counts_ms / dash_ms:.0f}×；目标 ≤ 200 ms",
        ),
        (
            label,
            "工作台农户标签统计（每个标签的户数、问题数、未销号数）",
            f"{tags_ms:.1f} ms",
            f"逐个标签筛选计数 {naive_tags_ms:.0f} ms，快 {naive_tags_ms / tags_ms:.1f}×；目标 ≤ 200 ms",
        ),
        (
            label,
            "筛选排序首页 100 行（乡镇+状态，按时限）",
            f"{page_ms:.2f} ms",
            f"不走索引 {naive_page_ms:.0f} ms，快 {naive_page_ms / page_ms:.0f}×；目标 ≤ 20 ms",
        ),
        (label, "已销号末页 100 行（OFFSET 分页）", f"{last_page_ms:.1f} ms", "窗口模型改用主键列表"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, nargs="+", default=[100_000])
    parser.add_argument("--keep", type=Path, help="keep the generated ledgers in this folder")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="zgtz-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ZGTZ_DATA_DIR", str(workdir / "data"))
    rows = []
    try:
        for n in args.cases:
            rows += run(n, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"# 台账核心基准（{dt.date.today()}，{os.cpu_count()} 核，SQLite {sqlite3.sqlite_version}）")
    print("| 问题数 | 项目 | 结果 | 对照 |")
    print("|---:|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
