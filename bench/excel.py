"""Excel import and export against their baselines, side by side in one run.

    python bench/excel.py [--rows N] [--keep DIR]

Import (goal, issue 18: at most 1.3× the physical limit):
  baseline  the physical limit (step_floor): a bare python-calamine read of the workbook plus one
            executemany per table of the rows our import wrote (households, members, cases, both
            search indexes) into the same schema with its indexes; no checks, no audit
  ours      `ImportService.read` (zip, entity and size checks, formula scan, calamine) + `prepare`
            (header, mapping, every row validated and matched against the ledger) + `commit`
            (households, cases, actions, search index and the audit event in one transaction)
  The workbook is a township's sheet of N new problems (ledger/demo.py `township_rows`), written
  once before either clock starts; the ledger is the demo county with no cases yet.
  Both also report CPU time (process_time): on a shared machine wall time swings with the load.
  stamps    a step ours must take and the floor leaves out, measured alone: the keyed record stamps
            (issue 13) of the rows the import wrote, read back and hashed; (floor + stamps) / floor
            is the least ratio an import keeping them can reach, with no checks at all

Export (goal, issue 18: at most 0.6× XlsxWriter's constant_memory mode writing the same rows):
  baseline  XlsxWriter, constant_memory, the same canonical rows (fetched before its clock starts)
            with text cells for IDs and phones, date cells and a header
  ours      `reports.excel.export_workbook`, the whole handoff workbook: query the ledger, write
            the 问题台账 sheet with styles, validation and autofilter, the statistics sheet, hash
            the file and record the audit event
Each step runs in a fresh process, so its peak memory (ru_maxrss) is its own (goal: ≤ 500 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.figures import Figure, emit  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_prepare(folder: Path, rows: int) -> dict:
    """Two ledgers (an empty demo county for the import, one with `rows` cases for the export)
    and the township workbook."""
    from ledger import open_ledger
    from ledger.demo import IMPORT_HEADER, generate, township_rows
    from reports.xlsx import Workbook

    started = time.perf_counter()
    lg = open_ledger(folder / "导入.db")
    generate(lg, cases=0, seed=1)
    with Workbook(folder / "乡镇台账.xlsx") as book:
        sheet = book.add_sheet("排查台账")
        sheet.append(["示例县城关镇等乡镇问题排查台账"])
        sheet.append(list(IMPORT_HEADER))
        for row in township_rows(lg, rows):
            sheet.append(row)
    lg.close()
    shutil.copyfile(folder / "导入.db", folder / "底线.db")  # the floor's ledger, as before the import
    lg = open_ledger(folder / "导出.db")
    generate(lg, cases=rows, seed=1)
    lg.close()
    return {"seconds": time.perf_counter() - started}


def step_calamine(folder: Path) -> dict:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    with CalamineWorkbook.from_path(str(folder / "乡镇台账.xlsx")) as book:
        data = book.get_sheet_by_name("排查台账").to_python()
    return {"seconds": time.perf_counter() - started, "rows": len(data), "peak_mb": _peak_mb()}


FLOOR_TABLES = ("households", "members", "cases", "case_search", "case_search_grams")


def step_floor(folder: Path) -> dict:
    """The physical limit of an import on this machine: python-calamine reading the workbook, then
    the rows our import wrote (households, members, cases and both quick-search indexes, read back
    from its ledger before the clock starts) put with one executemany per table into a copy of the
    ledger as it was before the import: the same schema, every index. No checks, no matching, no
    actions, stamps or audit, and the counter triggers dropped (the import adds the counts with one
    GROUP BY at the end; the floor leaves them out)."""
    import sqlite3

    from python_calamine import CalamineWorkbook

    done = sqlite3.connect(folder / "导入.db")
    before = sqlite3.connect(folder / "底线.db", isolation_level=None)
    known = {t: done.execute(f"SELECT max(rowid) FROM {t}").fetchone()[0] or 0 for t in FLOOR_TABLES}
    baseline = {t: before.execute(f"SELECT max(rowid) FROM {t}").fetchone()[0] or 0 for t in FLOOR_TABLES}
    rows = {}
    for table in FLOOR_TABLES:
        columns = [r[1] for r in done.execute(f"PRAGMA table_info({table})")] or ["body"]
        names = ["rowid", *columns] if table.startswith("case_search") else columns
        rows[table] = (
            names,
            done.execute(
                f"SELECT {', '.join(names)} FROM {table} WHERE rowid > ? AND rowid <= ?",
                (baseline[table], known[table]),
            ).fetchall(),
        )
    done.close()
    for trigger in ("cases_count_insert", "cases_year_count_insert"):
        before.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    before.execute("PRAGMA foreign_keys = ON")  # as the program's connections have it
    cpu = time.process_time()
    started = time.perf_counter()
    with CalamineWorkbook.from_path(str(folder / "乡镇台账.xlsx")) as book:
        book.get_sheet_by_name("排查台账").to_python()
    read = time.perf_counter()
    before.execute("BEGIN")
    for table, (names, values) in rows.items():
        marks = ", ".join("?" * len(names))
        before.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", values)
    before.execute("COMMIT")
    written = time.perf_counter()
    cpu = time.process_time() - cpu
    before.close()
    return {
        "seconds": written - started,
        "cpu": cpu,
        "read": read - started,
        "write": written - read,
        "rows": {t: len(v) for t, (_n, v) in rows.items()},
        "peak_mb": _peak_mb(),
    }


def step_import(folder: Path) -> dict:
    from ledger import open_ledger

    lg = open_ledger(folder / "导入.db", create=False)
    actor = lg.users.authenticate("luru", "Demo#2026")
    cpu = time.process_time()
    started = time.perf_counter()
    table = lg.imports.read(folder / "乡镇台账.xlsx")
    read = time.perf_counter()
    plan = lg.imports.prepare(table, actor)
    prepared = time.perf_counter()
    result = lg.imports.commit(plan, actor)
    done = time.perf_counter()
    cpu = time.process_time() - cpu
    lg.close()
    return {
        "seconds": done - started,
        "cpu": cpu,
        "read": read - started,
        "validate": prepared - read,
        "commit": done - prepared,
        "created": result.created,
        "counts": plan.counts,
        "peak_mb": _peak_mb(),
    }


def step_stamps(folder: Path) -> dict:
    """A step the import must take and the floor leaves out, measured alone: the keyed record
    stamps (issue 13) of every household, tag and case the import wrote, read back and hashed as
    its import.commit event does (records.compute_stamps), in a read-only transaction. Writing them
    (one executemany) is left out: this is a lower bound."""
    from sqlalchemy import text

    from ledger import open_ledger, records

    lg = open_ledger(folder / "导入.db", create=False)
    with lg.reading() as s:
        seq = s.execute(text("SELECT max(seq) FROM audit_events WHERE action = 'import.commit'")).scalar_one()
        stored = s.execute(text("SELECT kind, record_id, hash FROM record_stamps WHERE seq = :q"), {"q": seq}).all()
        for kind in {k for k, _i, _h in stored}:
            records.touch(s, kind, [i for k, i, _h in stored if k == kind])
        started, cpu = time.perf_counter(), time.process_time()
        stamps = records.compute_stamps(s, lg.key)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    lg.close()
    assert sorted(stamps.rows) == sorted(tuple(r) for r in stored)  # the same stamps the import wrote
    # and the file's checks before calamine parses it (ledger/sheets.py): its SHA-256 (the audit
    # event names the file by it) and the one streamed pass over the sheet's XML (limits, formulas)
    import zipfile

    from ledger.sheets import _scan_sheet, file_sha256

    path = folder / "乡镇台账.xlsx"
    started, checks_cpu = time.perf_counter(), time.process_time()
    file_sha256(path)
    with zipfile.ZipFile(path) as zf:
        _scan_sheet(zf, "xl/worksheets/sheet1.xml", path, None)
    checks, checks_cpu = time.perf_counter() - started, time.process_time() - checks_cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": len(stored),
        "checks": checks,
        "checks_cpu": checks_cpu,
        "peak_mb": _peak_mb(),
    }


def step_xlsxwriter(folder: Path) -> dict:
    import datetime as dt

    import xlsxwriter

    from ledger import open_ledger
    from ledger.dto import LEDGER_COLUMNS, CaseFilter

    lg = open_ledger(folder / "导出.db", create=False)
    fields = [f for _label, f in LEDGER_COLUMNS]
    lines = list(lg.reporting.ledger_lines(lg.reporting.case_ids(CaseFilter(include_void=False))))
    lg.close()
    dates = {"found_date", "deadline", "completion_date", "closed_date"}
    started = time.perf_counter()
    book = xlsxwriter.Workbook(str(folder / "基线.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet("问题台账")
    text = book.add_format({"num_format": "@", "border": 1})
    date = book.add_format({"num_format": "yyyy-mm-dd", "border": 1})
    cell = book.add_format({"border": 1, "text_wrap": True})
    sheet.write_row(0, 0, [label for label, _f in LEDGER_COLUMNS])
    for r, line in enumerate(lines, 1):
        for c, f in enumerate(fields):
            value = getattr(line, f)
            if f in dates:
                if value:
                    sheet.write_datetime(r, c, dt.datetime.fromisoformat(value), date)
            elif f in ("number", "head_id", "phone"):
                sheet.write_string(r, c, value, text)
            elif isinstance(value, int):
                sheet.write_number(r, c, value, cell)
            elif value:
                sheet.write_string(r, c, value, cell)
    book.close()
    return {"seconds": time.perf_counter() - started, "rows": len(lines), "peak_mb": _peak_mb()}


def step_export(folder: Path) -> dict:
    from ledger import open_ledger
    from reports.excel import ExportRequest, export_workbook

    lg = open_ledger(folder / "导出.db", create=False)
    actor = lg.users.authenticate("tongchou", "Demo#2026")
    started = time.perf_counter()
    result = export_workbook(lg, ExportRequest(), folder / "上报台账.xlsx", actor)
    elapsed = time.perf_counter() - started
    lg.close()
    size = (folder / "上报台账.xlsx").stat().st_size
    return {"seconds": elapsed, "rows": result.rows, "bytes": size, "peak_mb": _peak_mb()}


STEPS = {
    "prepare": step_prepare,
    "calamine": step_calamine,
    "import": step_import,
    "floor": step_floor,
    "stamps": step_stamps,
    "xlsxwriter": step_xlsxwriter,
    "export": step_export,
}


def run_step(name: str, folder: Path, *extra: str) -> dict:
    env = {**os.environ, "ZGTZ_DATA_DIR": str(folder / "data"), "ZGTZ_KEY_DIR": str(folder / "keys")}
    out = subprocess.run(
        [sys.executable, __file__, "--step", name, "--dir", str(folder), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", help="keep the ledgers and workbooks in this folder")
    parser.add_argument("--step", choices=list(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        kwargs = {"rows": args.rows} if args.step == "prepare" else {}
        print(json.dumps(STEPS[args.step](Path(args.dir), **kwargs), ensure_ascii=False))
        return
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="zgtz-excel-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"准备 {args.rows:,} 行的乡镇台账和 {args.rows:,} 个问题的台账……", flush=True)
    prep = run_step("prepare", folder, "--rows", str(args.rows))
    print(f"  用时 {prep['seconds']:.1f} s；文件 {(folder / '乡镇台账.xlsx').stat().st_size / 1e6:.1f} MB")
    base = run_step("calamine", folder)
    imp = run_step("import", folder)
    stamps = run_step("stamps", folder)
    floor = run_step("floor", folder)
    xw = run_step("xlsxwriter", folder)
    exp = run_step("export", folder)
    print()
    print(f"{'figure':<46}{'ours':>10}{'baseline':>10}{'ratio':>8}  goal")
    print(
        f"{'import ' + format(args.rows, ',') + ' rows (read+validate+commit), s':<46}"
        f"{imp['seconds']:>10.2f}{floor['seconds']:>10.2f}{imp['seconds'] / floor['seconds']:>8.2f}  ≤ 1.30"
    )
    print(f"{'  floor: calamine read, s':<46}{'':>10}{floor['read']:>10.2f}")
    print(f"{'  floor: executemany of the same rows, s':<46}{'':>10}{floor['write']:>10.2f}  {floor['rows']}")
    ratio = imp["cpu"] / floor["cpu"]
    print(f"{'  CPU time (process_time), s':<46}{imp['cpu']:>10.2f}{floor['cpu']:>10.2f}{ratio:>8.2f}")
    least = (floor["seconds"] + stamps["seconds"]) / floor["seconds"]  # with no checks at all
    print(
        f"{'  record stamps alone (must exist), s':<46}{stamps['seconds']:>10.2f}{'':>10}{least:>8.2f}"
        f"  (floor + stamps) / floor; CPU {stamps['cpu']:.2f} s"
    )
    print(
        f"{'  file checks alone (must exist), s':<46}{stamps['checks']:>10.2f}{'':>10}"
        f"{(floor['seconds'] + stamps['seconds'] + stamps['checks']) / floor['seconds']:>8.2f}"
        f"  (floor + stamps + checks) / floor; CPU {stamps['checks_cpu']:.2f} s"
    )
    print(f"{'  of which read (checks + calamine), s':<46}{imp['read']:>10.2f}")
    print(f"{'  of which validate, s':<46}{imp['validate']:>10.2f}")
    print(f"{'  of which commit, s':<46}{imp['commit']:>10.2f}")
    print(
        f"{'export ' + format(exp['rows'], ',') + ' cases (handoff workbook), s':<46}"
        f"{exp['seconds']:>10.2f}{xw['seconds']:>10.2f}{exp['seconds'] / xw['seconds']:>8.2f}  ≤ 0.60"
    )
    print(f"{'peak memory import / calamine, MB':<46}{imp['peak_mb']:>10.0f}{base['peak_mb']:>10.0f}{'':>8}  ≤ 500")
    print(f"{'peak memory export / xlsxwriter, MB':<46}{exp['peak_mb']:>10.0f}{xw['peak_mb']:>10.0f}{'':>8}  ≤ 500")
    print(f"rows imported: {imp['created']:,} {imp['counts']}; export file {exp['bytes'] / 1e6:.1f} MB")
    print(f"files in {folder}")
    emit(
        [
            Figure("excel", f"导入 {args.rows:,} 行（读取+校验+写入）", imp["seconds"], "s", floor["seconds"],
                   "物理极限：calamine 读取 + 同样的行 executemany 写入", "比值 ≤ 1.3",
                   imp["seconds"] <= 1.3 * floor["seconds"]),
            Figure("excel", f"导出 {exp['rows']:,} 个问题（上报台账）", exp["seconds"], "s", xw["seconds"],
                   "XlsxWriter constant_memory", "比值 ≤ 0.6", exp["seconds"] <= 0.6 * xw["seconds"]),
            Figure("excel", "导入峰值内存", imp["peak_mb"], "MB", base["peak_mb"], "python-calamine 只读",
                   "≤ 500 MB", imp["peak_mb"] <= 500),
            Figure("excel", "导出峰值内存", exp["peak_mb"], "MB", xw["peak_mb"], "XlsxWriter constant_memory",
                   "≤ 500 MB", exp["peak_mb"] <= 500),
        ]
    )  # fmt: skip


if __name__ == "__main__":
    main()
