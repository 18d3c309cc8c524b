"""The village pictures of the docs: the 工作台's drill-down into a township's villages
(docs/screenshots/工作台-各村整改情况.png), the 周报 grouped by village and a page of the batch 村级台账
(docs/reports/, PDF and PNG of the page shown), on a demo county.

    QT_QPA_PLATFORM=offscreen python bench/village_screens.py [--cases 800]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def png(pdf: Path, page: int, out: Path) -> None:
    """Page `page` of the PDF as out (pdftoppm -r 60)."""
    stem = out.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
        check=True,
    )


def page_with(pdf: Path, text: str) -> int:
    """The first page whose text holds `text`."""
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    return next(i for i, p in enumerate(pages, 1) if text in "".join(p.split()))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=800)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zgtz-village-shots-"))
    os.environ["ZGTZ_DATA_DIR"] = str(work / "data")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from ledger import CaseFilter, open_ledger
    from ledger.demo import generate
    from reports.render import ReportRequest, render_report
    from ui.context import AppContext
    from ui.main_window import MainWindow

    lg = open_ledger(work / "示例台账.db", clock=lambda: dt.datetime(2026, 11, 25, 9, 0))
    generate(lg, args.cases, seed=3)
    actor = lg.users.authenticate("tongchou", "Demo#2026")
    window = MainWindow(AppContext(lg, actor))
    window.resize(1366, 768)
    window.show()
    dash = window.dashboard
    dash.refresh()
    while dash.reads.busy:  # the figures are read on the operations thread
        app.processEvents()
    dash.drill_township(0)
    drill = dash.drill
    assert drill is not None
    while drill.job.running:  # the figures are counted on the background lane
        app.processEvents()
    for _ in range(5):
        app.processEvents()
    shots = ROOT / "docs" / "screenshots"
    drill.grab().save(str(shots / "工作台-各村整改情况.png"))
    township = drill.township
    drill.close()

    reports = ROOT / "docs" / "reports"
    weekly = reports / "整改进度周报-分村.pdf"
    render_report(lg, ReportRequest("weekly", by_village=True), weekly, actor)
    png(weekly, page_with(weekly, "六、分村情况"), reports / "整改进度周报-分村.png")
    town = next(t.id for t in lg.catalog.townships() if t.name == township)
    batch = reports / "村级台账-分村.pdf"
    request = ReportRequest("ledger", filter=CaseFilter(township_id=town, include_void=False), by_village=True)
    render_report(lg, request, batch, actor)
    png(batch, 2, reports / "村级台账-分村.png")
    window.close()
    lg.close()
    print(f"{shots / '工作台-各村整改情况.png'}\n{weekly}\n{batch}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
