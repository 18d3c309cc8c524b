"""Screenshots of the desktop window for docs/screenshots/, from a freshly generated demo ledger.

    python bench/screenshots.py [--out docs/screenshots] [--cases 2000]

Runs offscreen (or on the display in $DISPLAY, e.g. Xvfb) and grabs the dashboard, the ledger view,
a case's detail, the new-case form, an Excel import preview, 报表中心, 系统管理 and the server
connection dialog at 1366×768 (the most common county office screen).
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--only-households", action="store_true", help="只截农户档案页和修改农户档案窗口")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zgtz-shots-"))
    os.environ["ZGTZ_DATA_DIR"] = str(work / "data")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from ledger import CaseFilter, open_ledger
    from ledger.demo import generate
    from ui.context import AppContext
    from ui.main_window import PAGES, MainWindow

    lg = open_ledger(work / "示例台账.db")
    generate(lg, args.cases, seed=3)
    ctx = AppContext(lg, lg.users.authenticate("tongchou", "Demo#2026"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def settle() -> None:  # until the pages' reads on the operations thread are in (ui/ops.py)
        from ui.ops import ops

        for _ in range(5):
            app.processEvents()
        while ops().pending:
            app.processEvents()

    window = MainWindow(ctx)
    window.resize(1366, 768)
    window.show()
    households(window, lg, out, settle)
    if args.only_households:
        window.close()
        lg.close()
        return 0
    window.nav.setCurrentRow(PAGES.index("工作台"))
    settle()
    window.grab().save(str(out / "工作台.png"))
    window.nav.setCurrentRow(PAGES.index("问题台账"))
    window.ledger_page.state.setCurrentIndex(window.ledger_page.state.findData("__open__"))
    settle()
    window.grab().save(str(out / "问题台账.png"))
    rows = lg.queries.page(CaseFilter(states=("pending_approval",)), limit=1)
    window.open_case(rows[0].id)  # read on the operations thread, the window follows
    while rows[0].id not in window.case_windows:
        app.processEvents()
    dialog = window.case_windows[rows[0].id]
    dialog.resize(1100, 720)
    dialog.tabs.setCurrentIndex(3)  # 签批记录
    settle()
    dialog.grab().save(str(out / "问题详情-签批记录.png"))
    dialog.tabs.setCurrentIndex(0)
    settle()
    dialog.grab().save(str(out / "问题详情-基本信息.png"))
    dialog.close()
    form = window.new_case()
    assert form is not None
    existing = lg.queries.page(CaseFilter(), limit=1)[0]
    form.id_number.setText(lg.households.get(lg.cases.get(existing.id).household.id).head_id_number)
    form.select_subcategory(lg.cases.get(existing.id).subcategory)
    settle()
    form.grab().save(str(out / "新增问题.png"))
    form.reject()
    from ledger.demo import IMPORT_HEADER, township_rows
    from reports.xlsx import Workbook

    rows = township_rows(lg, 40, seed=5)
    rows[3][5] = rows[3][5][:-1] + ("0" if rows[3][5][-1] != "0" else "1")  # a wrong check character
    rows[7][2] = "北关村"  # a village the county does not have
    rows[9][13] = "2026年13月1日"  # no such date
    with Workbook(work / "乡镇排查台账.xlsx") as book:
        sheet = book.add_sheet("排查台账")
        sheet.append(["示例县乡镇问题排查台账"])
        sheet.append(list(IMPORT_HEADER))
        for row in rows:
            sheet.append(row)
    window.nav.setCurrentRow(PAGES.index("导入导出"))
    window.exchange.importer.path.setText(str(work / "乡镇排查台账.xlsx"))
    window.exchange.importer.preview()
    settle()
    window.grab().save(str(out / "导入预览.png"))
    window.nav.setCurrentRow(PAGES.index("报表中心"))
    settle()
    window.grab().save(str(out / "报表中心.png"))
    window.nav.setCurrentRow(PAGES.index("系统管理"))
    settle()
    window.grab().save(str(out / "系统管理.png"))
    from ui.server_dialog import ServerDialog

    server = ServerDialog("postgresql+psycopg://zgtz_app@192.168.1.10:5432/zgtz?sslmode=require")
    server.show()
    settle()
    server.grab().save(str(out / "连接服务器.png"))
    server.close()
    window.close()
    lg.close()
    print(f"截图已保存到 {out}")
    return 0


def households(window, lg, out: Path, settle) -> None:
    """农户档案 filtered to 监测对象, and 修改农户档案 of a household with members and several tags."""
    from ui.main_window import PAGES

    window.nav.setCurrentRow(PAGES.index("农户档案"))
    page = window.households
    page.tag.setCurrentIndex(page.tag.findData("监测对象"))
    settle()
    best = max(
        range(min(page.model.rowCount(), 100)),
        key=lambda r: (page.model.row(r).tags.count("、"), page.model.row(r).size),
    )
    page.view.selectRow(best)
    settle()
    window.grab().save(str(out / "农户档案.png"))
    import datetime as dt

    actor, chosen = window.ctx.actor, page.household_id
    hs = lg.households
    hs.update(actor, chosen, {"group_name": "三组", "phone": "13912345678"}, note="入户核实")
    if not any(t.tag == "低保户" for t in hs.tags(chosen)):
        since = lg.today() - dt.timedelta(days=90)
        hs.add_tag(actor, chosen, "低保户", start_date=since, note="民政局2026年第三季度名单")
    hs.add_member(actor, chosen, "罗小川", "", "孙子")
    shown: list = []
    page.edit(before_show=shown.append)
    dialog = shown[0]
    dialog.resize(1180, 720)
    dialog.show()
    settle()
    dialog.grab().save(str(out / "修改农户档案.png"))
    dialog.close()


if __name__ == "__main__":
    sys.exit(main())
