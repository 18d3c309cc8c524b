"""Every benchmark of the project in one run, one table.

    python bench/run.py [--cases N] [--write-doc] [--keep DIR] [--steps core,gui,...]

Runs bench/core.py, bench/gui.py, bench/stall.py, bench/verify.py, bench/reports.py and bench/excel.py one
after another, each in its own process on its own generated data (N cases; 100,000 by default,
1,000,000 on request; the printed ledger is measured on min(N, 10,000) lines and the Excel
import/export on min(N, 100,000) rows, the sizes their goals name), gathers the figures they emit
(bench/figures.py) and prints each with its baseline measured in the same run, the ratio
ours/baseline, the goal and whether it is met.
With --write-doc the table replaces the "bench/run.py" section of docs/performance.md, with the
machine it was measured on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.figures import Figure  # noqa: E402

SECTION = "## All figures — `python bench/run.py`"


def marks(cases: int) -> tuple[str, str]:
    """One table per case count in docs/performance.md, each replaced by the next run of that size."""
    return f"<!-- bench/run.py {cases}: begin -->", f"<!-- bench/run.py {cases}: end -->"


def machine() -> str:
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"，内存 {pages / 2**30:.0f} GB"
    except (ValueError, OSError, AttributeError):
        pass
    return (
        f"{platform.system()} {platform.release()}，{os.cpu_count()} 核{memory}，Python {platform.python_version()}，"
        f"SQLite {sqlite3.sqlite_version}"
    )


def run_all(cases: int, work: Path, only: set[str] | None = None) -> tuple[list[Figure], list[str]]:
    out = work / "figures.jsonl"
    core_dir = work / "core"
    env = {
        **os.environ,
        "ZGTZ_BENCH_JSON": str(out),
        "ZGTZ_DATA_DIR": str(work / "data"),
        "ZGTZ_KEY_DIR": str(core_dir / "keys"),  # core.py's ledger, reopened by gui.py
    }
    steps = [
        ("core", ["bench/core.py", "--cases", str(cases), "--keep", str(core_dir)]),
        # the window is measured on core's ledger, so its process holds the window, not a generation
        ("gui", ["bench/gui.py", "--db", str(core_dir / f"bench-{cases}.db")]),
        ("stall", ["bench/stall.py", "--db", str(core_dir / f"bench-{cases}.db")]),
        ("verify", ["bench/verify.py", "--db", str(core_dir / f"bench-{cases}.db")]),
        ("reports", ["bench/reports.py", "--cases", str(min(cases, 10_000)), "--keep", str(work / "reports")]),
        ("excel", ["bench/excel.py", "--rows", str(min(cases, 100_000)), "--keep", str(work / "excel")]),
    ]
    failures = []
    for name, args in steps:
        if only is not None and name not in only:
            continue
        started = time.perf_counter()
        print(f"运行 {name} …", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            failures.append(
                f"{name}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}"
            )
        print(f"  {name} 用时 {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    figures = (
        [Figure(**json.loads(line)) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    )
    return figures, failures


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    return f"{value:,.0f} {unit}"


def table(figures: list[Figure]) -> list[str]:
    lines = ["| 基准 | 项目 | 本程序 | 基线 | 本程序/基线 | 目标 | 达成 |", "|---|---|---:|---|---:|---|---|"]
    for f in figures:
        baseline = f"{fmt(f.baseline, f.unit)}（{f.baseline_name}）" if f.baseline is not None else "—"
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else "—"
        met = "—" if f.met is None else ("✓" if f.met else "✗")
        lines.append(
            f"| {f.bench} | {f.name} | {fmt(f.ours, f.unit)} | {baseline} | {ratio} | {f.goal or '—'} | {met} |"
        )
    return lines


STEPS = ("core", "gui", "stall", "verify", "reports", "excel")


def step_notes(old: list[str], header: str, only: set[str], present: set[str]) -> list[str]:
    """When and where each step's rows were measured: one line for each step with rows in the table
    (`present`), the steps of this run (`only`) with `header`, the others as the table said before
    (a table a full run wrote names one date and machine for all its steps)."""
    measured = {m[1]: m[2] for line in old if (m := re.match(r"- (\w+)：(.*)", line)) and m[1] in STEPS}
    if not measured:
        first = next((line for line in old if line.startswith("测得于")), None)
        if first is not None:
            measured = {step: re.sub(r"（仅重测.*$", "", first) for step in STEPS}
    measured.update({step: header for step in only})
    shown = [s for s in STEPS if s in measured and s in present]
    return ["各步的测量（同一台账，各步分别运行）：", "", *(f"- {s}：{measured[s]}" for s in shown)]


def write_doc(lines: list[str], cases: int, only: set[str] | None = None) -> None:
    """The run's table in place of the last one of its size; with `only` (--steps), the rows of the
    other steps are kept from the table there, and the note says which steps this run measured."""
    doc = ROOT / "docs" / "performance.md"
    text = doc.read_text(encoding="utf-8")
    begin, end = marks(cases)
    if only is not None and begin in text:
        old = text.split(begin, 1)[1].split(end, 1)[0].strip().splitlines()
        kept = [row for row in old if row.startswith("| ") and row.split("|")[1].strip() in set(STEPS) - only]
        new = [row for row in lines if row.startswith("| ") and row.split("|")[1].strip() in only]
        rows = sorted(kept + new, key=lambda row: STEPS.index(row.split("|")[1].strip()))
        present = {row.split("|")[1].strip() for row in rows}
        lines = [*step_notes(old, lines[0], only, present), "", *lines[2:4], *rows]
    block = "\n".join([begin, *lines, end])
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    elif SECTION in text:
        text = text.rstrip() + "\n\n" + block + "\n"
    else:
        text = text.rstrip() + f"\n\n{SECTION}\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--write-doc", action="store_true", help="write the table into docs/performance.md")
    parser.add_argument(
        "--keep",
        type=Path,
        help="work in this folder and keep it; a ledger left there by an earlier run (core/bench-N.db with "
        "core/keys) is measured again instead of generated (1,000,000 cases take minutes to generate)",
    )
    parser.add_argument(
        "--steps",
        help="only these steps, comma-separated (core,gui,stall,verify,reports,excel): the printed ledger and "
        "the Excel figures are of 10,000 and 100,000 rows whatever --cases says",
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="zgtz-bench-all-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "figures.jsonl").unlink(missing_ok=True)
    reused = (work / "core" / f"bench-{args.cases}.db").exists()
    figures, failures = run_all(args.cases, work, set(args.steps.split(",")) if args.steps else None)
    kept = "（台账沿用先前一次运行生成的，未重新生成）" if reused else ""
    lines = [f"测得于 {dt.date.today()}：{machine()}；{args.cases:,} 个问题{kept}。", "", *table(figures)]
    print("\n".join(lines))
    for failure in failures:
        print(f"失败：{failure}", file=sys.stderr)
    if args.write_doc:
        write_doc(lines, args.cases, set(args.steps.split(",")) if args.steps else None)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
