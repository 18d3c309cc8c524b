"""Household roster import at county scale (issue 15: a 20,000-person roster in seconds).

    python bench/household_import.py [--people N] [--keep DIR]

A roster of N people (households of 1–6 with 户编号, 监测类型, 风险类型, 识别时间) in the demo county's
villages is written once; then, timed: `HouseholdImportService.read` + `prepare` (a preview: every
row checked, every household matched against the ledger) and `commit` into a ledger with no
households from the roster yet; then the same file again (preview: every household 无变化).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["户编号", "乡镇", "村", "组", "户主姓名", "姓名", "证件号码", "与户主关系", "监测类型", "风险类型",
          "识别时间", "风险消除时间", "健康状况", "联系电话", "家庭人口数"]  # fmt: skip
KINDS = ["脱贫户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "低保户", "一般农户"]
RISKS = ["因病", "因学", "因残", "因灾", "因意外事故", "因务工就业不稳"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国春梅大山小丽志强秀英明华文军红霞玉兰海燕"


def write_roster(lg, path: Path, people: int) -> int:
    from ledger.ids import with_check_digit
    from reports.xlsx import Workbook

    rng = random.Random(15)
    villages = [(lg.catalog.region(v.parent_id).name, v.name) for v in lg.catalog.villages()]
    written, households = 0, 0
    with Workbook(path) as book:
        sheet = book.add_sheet("监测对象")
        sheet.append(["示例县防止返贫监测对象家庭成员信息"])
        sheet.append(HEADER)
        while written < people:
            households += 1
            town, village = rng.choice(villages)
            size = min(rng.randint(1, 6), people - written)
            kind = rng.choice(KINDS)
            risk = "、".join(rng.sample(RISKS, rng.randint(1, 2))) if kind in KINDS[1:4] else ""
            start = f"2025-{rng.randint(1, 12)}-{rng.randint(1, 28)}"
            head = ""
            for k in range(size):
                written += 1
                born = dt.date(1940, 1, 1) + dt.timedelta(days=written)  # one person a day: unique numbers
                number = with_check_digit(f"990101{born:%Y%m%d}{rng.randrange(1000):03d}")
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                head = head or name
                sheet.append([f"HH{households:06d}", town, village, f"{rng.randint(1, 8)}组", head, name, number,
                              "户主" if k == 0 else rng.choice(["配偶", "子", "女", "孙子"]), kind, risk, start, "",
                              "", "13800001234" if k == 0 else "", size])  # fmt: skip
    return households


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--keep", help="keep the ledger and roster in this folder")
    args = parser.parse_args()
    from ledger import open_ledger
    from ledger.demo import generate

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="roster-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    lg = open_ledger(folder / "名册.db", clock=lambda: dt.datetime(2026, 11, 25, 9, 0))
    generate(lg, cases=0, seed=1)
    households = write_roster(lg, folder / "名册.xlsx", args.people)
    actor = lg.users.authenticate("tongchou", "Demo#2026")
    service = lg.household_import
    try:
        started = time.perf_counter()
        plan = service.prepare(service.read(folder / "名册.xlsx"), actor)
        preview = time.perf_counter() - started
        assert not plan.invalid, plan.invalid[:3]
        started = time.perf_counter()
        result = service.commit(plan, actor)
        commit = time.perf_counter() - started
        started = time.perf_counter()
        again = service.prepare(service.read(folder / "名册.xlsx"), actor)
        second = time.perf_counter() - started
        assert again.writes == 0 and again.counts["unchanged"] == households
    finally:
        lg.close()
    print(f"roster: {args.people:,} people in {households:,} households")
    print(f"  read + preview  {preview:6.2f} s")
    print(f"  commit          {commit:6.2f} s  ({result.households_created:,} households, "
          f"{result.members_added:,} members, {result.tags_added:,} tags)")  # fmt: skip
    print(f"  total           {preview + commit:6.2f} s")
    print(f"  same file again {second:6.2f} s  (preview: all 无变化)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
