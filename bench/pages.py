"""翻页卡顿: what showing each page, and a change refreshing the pages, cost the GUI thread — the pages'
reads on the operations thread (ui/reads.py) against the same pages reading on the GUI thread.

    python bench/pages.py [--db EXISTING.db | --cases N] [--rounds R]

One window over a demo ledger, signed in as 县级统筹. For each page in turn (nav.setCurrentRow), and
then for a Change notified while the 工作台 is shown, it measures until every answer is shown:
  stall  the longest gap between ticks of a 2 ms timer (ui/ops.py StallMeter): the window stood still
  cpu    the GUI thread's own CPU time (time.thread_time on the GUI thread), whatever else the machine ran
Baseline, in the same process and window: ui/reads.py's ops() swapped for one that runs each read at
once on the calling thread — the pages exactly as they read before (the windowed models' counts and
later blocks stay on the operations thread in both, as they already were). The two alternate round
by round (baseline first); each figure is the median over the rounds. Runs offscreen unless a display
is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.figures import Figure, emit  # noqa: E402
from bench.stall import pause  # noqa: E402

PASSWORD = "Demo#2026"


class Inline:
    """ops() as the pages had it before: the read runs at once, on the GUI thread."""

    def run(self, work: Callable[[], Any], done: Callable[[Any], None], failed=None, owner=None) -> int:
        try:
            result = work()
        except Exception as err:
            if failed is None:
                raise
            failed(err)
        else:
            done(result)
        return 0


def measure(action: Callable[[], None]) -> tuple[float, float, float]:
    """(longest stall ms, GUI-thread CPU ms, wall ms) from `action` until the operations thread has
    nothing waiting and the answers are shown."""
    from PySide6.QtCore import QCoreApplication

    from ui.ops import StallMeter, ops

    meter = StallMeter()
    meter.start()
    pause(20)
    wall, cpu = time.perf_counter(), time.thread_time()
    action()
    deadline = time.perf_counter() + 120
    quiet = 0
    while quiet < 3 and time.perf_counter() < deadline:
        QCoreApplication.processEvents()
        quiet = 0 if ops().pending else quiet + 1
        time.sleep(0.001)
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    pause(50)
    return meter.stop(), cpu * 1000, wall * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="an existing demo ledger (read only: nothing is changed)")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zgtz-bench-pages-"))
    os.environ.setdefault("ZGTZ_DATA_DIR", str(work / "data"))
    from PySide6.QtWidgets import QApplication

    from bench.core import demo_ledger
    from ledger import open_ledger
    from ledger.dto import Change

    db = demo_ledger(Path(args.db) if args.db else work / f"pages-{args.cases}.db", args.cases)
    _app = QApplication.instance() or QApplication([])  # kept alive for the run
    import ui.reads
    from ui.context import AppContext
    from ui.main_window import PAGES, MainWindow
    from ui.ops import ops

    lg = open_ledger(db, create=False)
    ctx = AppContext(lg, lg.users.authenticate("tongchou", PASSWORD))
    window = MainWindow(ctx)
    window.resize(1366, 768)
    window.show()
    measure(lambda: None)  # start-up's reads answered
    cases = lg.queries.page(_open(), limit=1)
    change = Change((cases[0].id,) if cases else (), households=True, counts=True)

    steps: list[tuple[str, Callable[[], None]]] = []
    for row, name in enumerate(PAGES):
        steps.append((f"打开“{name}”", lambda row=row: window.nav.setCurrentRow(row)))
    steps.append(("工作台上的一次变更（Change）", lambda: window.ctx.notify(change)))
    steps.insert(len(PAGES), ("回到“工作台”", lambda: window.nav.setCurrentRow(0)))

    idle = [measure(lambda: None) for _ in range(5)]  # the meter's own: nothing asked, nothing read
    results: dict[str, dict[str, list[tuple[float, float, float]]]] = {"before": {}, "ours": {}}
    process = time.process_time(), time.perf_counter()
    for _round in range(args.rounds):
        for mode in ("before", "ours"):
            ui.reads.ops = (lambda: Inline()) if mode == "before" else ops  # type: ignore[assignment]
            window.nav.setCurrentRow(PAGES.index("系统管理"))
            measure(lambda: None)
            for name, step in steps:
                results[mode].setdefault(name, []).append(measure(step))
    ui.reads.ops = ops
    process_cpu, process_wall = time.process_time() - process[0], time.perf_counter() - process[1]
    window.close()
    lg.close()

    def median(mode: str, name: str, i: int) -> float:
        return statistics.median(r[i] for r in results[mode][name])

    print(f"台账：{db}（{args.cases:,} 个问题），{args.rounds} 轮，取中位数；负载：{os.getloadavg()[0]:.2f}")
    print(f"{'':<28}{'最长卡顿 ms':>22}{'GUI线程CPU ms':>22}{'墙钟 ms':>20}")
    print(f"{'':<28}{'之前':>11}{'现在':>11}{'之前':>11}{'现在':>11}{'之前':>10}{'现在':>10}")
    print(f"{'（空转：什么也不做）':<28}" + "".join(f"{statistics.median(m[i] for m in idle):22.1f}" for i in range(3)))
    figures = []
    for name, _step in steps:
        row = [median(mode, name, i) for i in range(3) for mode in ("before", "ours")]
        print(f"{name:<28}" + "".join(f"{v:11.1f}" if i < 4 else f"{v:10.1f}" for i, v in enumerate(row)))
        before = "页面在GUI线程读库"
        figures.append(Figure("gui", f"翻页卡顿：{name}", row[1], "ms", row[0], before, "≤ 50 ms", row[1] <= 50))
        figures.append(Figure("gui", f"翻页GUI线程CPU：{name}", row[3], "ms", row[2], before))
    worst = [max(median(mode, name, 0) for name, _s in steps) for mode in ("before", "ours")]
    total_cpu = [sum(median(mode, name, 1) for name, _s in steps) for mode in ("before", "ours")]
    print(f"最长卡顿：之前 {worst[0]:.1f} ms，现在 {worst[1]:.1f} ms（比值 {worst[1] / worst[0]:.2f}）")
    ratio = total_cpu[1] / total_cpu[0]
    print(f"GUI线程CPU合计：之前 {total_cpu[0]:.1f} ms，现在 {total_cpu[1]:.1f} ms（比值 {ratio:.2f}）")
    print(f"整个测量：进程CPU {process_cpu:.1f} s，墙钟 {process_wall:.1f} s")
    emit(figures)
    return 0


def _open():
    from ledger import CaseFilter
    from ledger.workflow import OPEN_STATES

    return CaseFilter(states=tuple(sorted(OPEN_STATES)))


if __name__ == "__main__":
    sys.exit(main())
