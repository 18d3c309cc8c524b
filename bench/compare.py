"""部门比对 against its baseline, in one run.

    python bench/compare.py [--people N] [--cases C] [--keep DIR]

Goal (issue 15): a roster of 20,000 people compares in ≤ 5 s on this machine.
  baseline  CalamineWorkbook.from_path(...).get_sheet_by_name(...).to_python() of the roster
  ours      `lg.compare.run(actor, roster, "医保")`: the file checks and read (ledger/sheets.py),
            the header, every row's ID number validated and normalised, people matched by ID
            (else name + village), the 医保 rule over the 脱贫户/监测对象 households, the run and its
            findings written with the audit event in one transaction
The roster is the demo ledger's own people (ledger.demo.generate): N of them, 3 % of the tagged
households' members left out (candidates), 2 % of rows without an ID (name + village), 1 % with
a 15-digit ID and 1 % in full-width digits; written once with openpyxl before either clock starts.
A second run of the same roster (every finding known: the rerun path) is timed too.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.figures import Figure, emit  # noqa: E402


def prepare(folder: Path, people: int, cases: int):
    import openpyxl
    from sqlalchemy import func, select

    from ledger import open_ledger
    from ledger.demo import generate
    from ledger.models import Household, Member, Region

    lg = open_ledger(folder / "比对.db")
    generate(lg, cases=cases, seed=1)
    with lg.reading() as s:
        places = {r.id: r.name for r in s.scalars(select(Region))}
        everyone = [
            (name, number, h_town, h_village)
            for name, number, h_town, h_village in s.execute(
                select(Household.head_name, Household.head_id_number, Household.township_id, Household.village_id)
            )
        ] + [
            (m_name, number or "", town, village)
            for m_name, number, town, village in s.execute(
                select(Member.name, Member.id_number, Household.township_id, Household.village_id).join(
                    Household, Household.id == Member.household_id
                )
            )
        ]
        total = s.scalar(select(func.count(Member.id))) or 0
    rng = random.Random(15)
    rng.shuffle(everyone)
    chosen = everyone[: int(people / 0.97)]
    kept = [p for p in chosen if rng.random() >= 0.03][:people]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("参保名单")
    sheet.append(["2026年城乡居民基本医疗保险参保名单"])
    sheet.append(["序号", "姓名", "身份证号码", "乡镇", "村", "参保状态"])
    for n, (name, number, town, village) in enumerate(kept, 1):
        roll = rng.random()
        if roll < 0.02:
            number = ""
        elif roll < 0.03 and number[6:8] == "19":
            number = number[:6] + number[8:17]
        elif roll < 0.04:
            number = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
        sheet.append([n, name, number, places[town], places[village], "正常"])
    book.save(folder / "医保参保名单.xlsx")
    lg.close()
    return len(kept), len(everyone), total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=12_000, help="demo cases (the ledger's households follow)")
    parser.add_argument("--keep", help="keep the ledger and roster in this folder")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="zgtz-compare-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows, ledger_people, _ = prepare(folder, args.people, args.cases)
    print(f"准备：台账 {ledger_people:,} 人，名单 {rows:,} 行（{time.perf_counter() - started:.1f} 秒）")

    from python_calamine import CalamineWorkbook

    roster = folder / "医保参保名单.xlsx"
    t0 = time.perf_counter()
    with CalamineWorkbook.from_path(str(roster)) as book:
        book.get_sheet_by_name("参保名单").to_python()
    baseline = time.perf_counter() - t0

    from ledger import open_ledger

    lg = open_ledger(folder / "比对.db", create=False)
    actor = lg.users.authenticate("tongchou", "Demo#2026")
    t0 = time.perf_counter()
    result = lg.compare.run(actor, roster, "医保")
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = lg.compare.run(actor, roster, "医保")
    rerun = time.perf_counter() - t0
    lg.close()
    s = result.run.summary
    print(
        f"比对：按身份证号匹配 {s['matched_id']:,} 行，按姓名+村 {s['matched_name']:,} 行，"
        f"未匹配 {s['unmatched']:,} 行，候选 {len(result.findings):,} 条；"
        f"重跑：新增 {len(again.new)}，无变化 {again.unchanged:,}，消失 {len(again.gone)}"
    )
    print(f"{'':12}{'用时':>10}{'比值':>8}")
    print(f"{'calamine':12}{baseline:>9.2f}s{'':>8}")
    print(f"{'比对':12}{ours:>9.2f}s{ours / baseline:>7.1f}×   目标 ≤ 5 s：{'达到' if ours <= 5 else '未达到'}")
    print(f"{'重跑':12}{rerun:>9.2f}s{rerun / baseline:>7.1f}×")
    emit(
        [
            Figure("compare", f"比对 {rows:,} 人名单（医保）", ours, "s", baseline, "python-calamine 读取", "≤ 5 s",
                   ours <= 5),
            Figure("compare", f"重跑同一名单 {rows:,} 人", rerun, "s", baseline, "python-calamine 读取", "≤ 5 s",
                   rerun <= 5),
        ]
    )  # fmt: skip


if __name__ == "__main__":
    main()
