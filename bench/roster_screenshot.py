"""The 导入农户名册 tab's screenshot (docs/screenshots/导入农户名册.png): a demo county, a roster of 80
people imported once, then a changed roster previewed — a new member, a 风险消除, a kind change, an
error row — as the clerk sees it before confirming.

    QT_QPA_PLATFORM=offscreen python bench/roster_screenshot.py [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zgtz-roster-shot-"))
    os.environ["ZGTZ_DATA_DIR"] = str(work / "data")
    from PySide6.QtWidgets import QApplication
    from python_calamine import CalamineWorkbook

    app = QApplication.instance() or QApplication([])
    from bench.household_import import write_roster
    from ledger import open_ledger
    from ledger.demo import generate
    from ledger.ids import with_check_digit
    from reports.xlsx import Workbook
    from ui.context import AppContext
    from ui.main_window import PAGES, MainWindow

    lg = open_ledger(work / "示例台账.db", clock=lambda: dt.datetime(2026, 11, 25, 9, 0))
    generate(lg, 0, seed=3)
    actor = lg.users.authenticate("tongchou", "Demo#2026")
    write_roster(lg, work / "名册一.xlsx", 80)
    service = lg.household_import
    service.commit(service.prepare(service.read(work / "名册一.xlsx"), actor), actor)
    with CalamineWorkbook.from_path(str(work / "名册一.xlsx")) as book:
        rows = book.get_sheet_by_index(0).to_python()
    body = rows[2:]
    # a new member in the first household, a 风险消除 and a kind change further down, one wrong row
    first = list(body[0])
    body.insert(1, [*first[:5], "王小宝", with_check_digit("99010120240101001"), "孙子", *first[8:]])
    for r in body:
        if r[8] in ("边缘易致贫户", "脱贫不稳定户") and not r[11]:
            r[11] = "2026年10月1日"
            break
    for r in body:
        if r[8] == "脱贫户" and r[7] == "户主":
            code = r[0]
            for other in body:
                if other[0] == code:
                    other[8], other[9], other[10] = "突发严重困难户", "因意外事故", "2026-9-1"
            break
    body[-1][2] = "北关村"
    with Workbook(work / "名册二.xlsx") as out_book:
        sheet = out_book.add_sheet("监测对象")
        for r in rows[:2] + body:
            sheet.append(["" if v is None else v for v in r])
    ctx = AppContext(lg, actor)
    window = MainWindow(ctx)
    window.resize(1366, 768)
    window.show()
    window.nav.setCurrentRow(PAGES.index("导入导出"))
    window.exchange.tabs.setCurrentWidget(window.exchange.roster)
    window.exchange.roster.path.setText(str(work / "名册二.xlsx"))
    window.exchange.roster.preview()
    for _ in range(5):
        app.processEvents()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out / "导入农户名册.png"))
    window.close()
    lg.close()
    print(f"截图已保存到 {out / '导入农户名册.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
