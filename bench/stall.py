"""卡顿: the longest time the window's event loop stood still (a GUI-thread stall) during a case action,
adding a 20 MB evidence file, and a deep scroll of the ledger.

    python bench/stall.py [--db EXISTING.db | --cases N] [--rounds 4]

A timer asks the event loop for a tick every 2 ms (ui/ops.py StallMeter); the longest gap between
two ticks while an action runs, until its result is shown, is the stall the clerk sees (the window
neither paints nor answers). Each action is driven as the clerk drives it, through the real widgets,
each step in its own turn of the event loop (a clerk's clicks are a second apart, not one event):
  approve    as 县审批人, in the 问题台账 page filtered to 待审批: select a row, Enter (the case is
             read on the operations thread, the window built when it arrives), 审批销号…, opinion,
             password, 确定, until the window shows the closed case
  evidence   as the department's officer: open an 整改中 case the same way (MainWindow.open_case),
             add a 20 MB PDF
  scroll     the 问题台账 page: jump to the last row, then to the middle
  photos     as the officer: open a case with 4 phone photos (12 megapixels, JPEG) until their
             thumbnails, made on the operations thread, are shown; baseline: the same with the
             photos decoded by QImage.fromData (as before), which holds Python's lock meanwhile
Baselines, in the same run: the timer with nothing to do (its own jitter on this machine), and the
approval along the old route (the case window reading its case on the GUI thread as it is built,
`CaseDialog(ctx, case_id)`), alternated with ours round by round on other 待审批 cases; each figure
is the worst of the rounds. The first case window of the run (Qt's one-time costs) is measured apart.
Beside each stall: the GUI thread's own CPU time in it (ui/ops.py StallMeter.longest_cpu_ms), the
figure that does not grow when other processes share the CPU. Goal (issue 18): ≤ 50 ms. Runs
offscreen unless a display is set.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.figures import Figure, emit  # noqa: E402

PASSWORD = "Demo#2026"


Step = tuple[Callable[[], None], Callable[[], bool]]


class Stall(NamedTuple):
    wall: float  # ms: the longest gap between ticks
    cpu: float  # ms: the most CPU the GUI thread spent between two ticks (the gap less other processes' turns)


def longest_stall(action: Callable[[], None], settled: Callable[[], bool] = lambda: True) -> Stall:
    """The longest gap between ticks of a 2 ms timer (ui/ops.py StallMeter) from just before
    `action` until `settled()` and 100 ms more (what the result queued runs inside the measure)."""
    return longest_stall_of([(action, settled)])


def longest_stall_of(steps: list[Step]) -> Stall:
    """The same over steps, each run in its own turn of the event loop once the one before settled."""
    from PySide6.QtCore import QCoreApplication

    from ui.ops import StallMeter

    meter = StallMeter()
    meter.start()
    for action, settled in steps:
        pause(20)
        action()
        deadline = time.perf_counter() + 60
        while not settled() and time.perf_counter() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.001)
        if not settled():
            raise SystemExit(f"60 秒内没有完成：{getattr(action, '__qualname__', action)}")
    pause(100)
    meter.stop()
    return Stall(meter.longest_ms, meter.longest_cpu_ms)


def worst_of(stalls: list[Stall]) -> Stall:
    return Stall(max(s.wall for s in stalls), max(s.cpu for s in stalls))


def pause(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def chain_checked(window, limit_s: float = 120) -> None:
    """Wait until the window's start-up chain check (ui/app.py: 1.5 s after it shows) has run: on its
    background lane it takes the CPU in turns with the window, and these figures are of the clerk's
    actions, not of the start."""
    deadline = time.perf_counter() + limit_s
    while (window._chain_job is None or window._chain_job.running) and time.perf_counter() < deadline:
        pause(50)


PHOTOS = 4


def camera_photos(folder: Path, n: int) -> list[Path]:
    """`n` JPEG files of 4000 × 3000 pixels (a phone camera's 12 megapixels), ~0.8 MB each, of
    coloured blocks; one picture, each file made distinct by a byte after its end-of-image mark."""
    import random

    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(4000, 3000, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    rng = random.Random(7)
    for _ in range(3000):
        colour = QColor(rng.randrange(256), rng.randrange(256), rng.randrange(256))
        painter.fillRect(rng.randrange(4000), rng.randrange(3000), 200, 200, colour)
    painter.end()
    first = folder / "照片.jpg"
    image.save(str(first), "JPG", 90)
    data = first.read_bytes()
    paths = []
    for i in range(n):
        path = folder / f"整改后照片{i + 1}.jpg"
        path.write_bytes(data + bytes([i]))
        paths.append(path)
    return paths


def thumbnails_from_data(lg: object, evidence_ids: list[int]) -> Callable[[], dict[int, object]]:
    """The baseline: ui/case_reads.py thumbnails as it was, decoding with QImage.fromData."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    from ledger.errors import LedgerError

    def work() -> dict[int, object]:
        made: dict[int, object] = {}
        for evidence_id in evidence_ids:
            try:
                image = QImage.fromData(lg.cases.evidence_bytes(evidence_id))  # type: ignore[attr-defined]
            except LedgerError:
                made[evidence_id] = None
                continue
            if not image.isNull():
                smooth = Qt.TransformationMode.SmoothTransformation
                image = image.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio, smooth)
            made[evidence_id] = image
        return made

    return work


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="an existing demo ledger (changed: cases are approved, a file added)")
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=4, help="approvals along each route")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zgtz-bench-stall-"))
    os.environ.setdefault("ZGTZ_DATA_DIR", str(work / "data"))
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bench.core import demo_ledger
    from ledger import CaseFilter, open_ledger

    db = demo_ledger(Path(args.db) if args.db else work / f"stall-{args.cases}.db", args.cases)
    app = QApplication.instance() or QApplication([])
    from ui.app import open_main_window
    from ui.case_action import ActionDialog
    from ui.case_dialog import CaseDialog
    from ui.context import AppContext
    from ui.main_window import PAGES

    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    pending = [r[0] for r in raw.execute("SELECT id FROM cases WHERE state = 'pending_approval' ORDER BY id")]
    working = raw.execute(
        "SELECT c.id, u.username FROM cases c JOIN users u ON u.department_id = c.lead_department_id "
        "WHERE c.state = 'in_progress' ORDER BY c.id DESC LIMIT 1"
    ).fetchone()
    photographed = raw.execute(  # another case of the same department without large files, for the photos
        "SELECT c.id FROM cases c JOIN users u ON u.department_id = c.lead_department_id "
        "WHERE c.state = 'in_progress' AND u.username = ? AND c.id != ? "
        "AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.case_id = c.id AND e.size > 100000) "
        "ORDER BY c.id DESC LIMIT 1",
        (working[1], working[0]),
    ).fetchone()[0]
    raw.close()
    if len(pending) < 2 * args.rounds + 1:
        raise SystemExit(f"台账中待审批的问题不足 {2 * args.rounds + 1} 个")
    lg = open_ledger(db, create=False)
    figures: dict[str, Stall] = {}
    used: set[int] = set()
    kept: list[object] = []

    idle = statistics.median(longest_stall(lambda: None).wall for _ in range(5))

    approver = AppContext(lg, lg.users.authenticate("shenpi", PASSWORD))
    # The window as the application opens it (ui/app.py): the start-up's objects frozen out of the
    # cyclic collector's walks, the chain check a moment later.
    app_window = open_main_window(lg, approver.actor)
    chain_checked(app_window)
    app_window.resize(1366, 768)
    app_window.open_ledger_with(CaseFilter(states=("pending_approval",)), "待审批")
    page = app_window.ledger_page

    def approving(dialog: Callable[[], CaseDialog | None]) -> list[Step]:
        """审批销号…, the opinion and the password, 确定: the steps after the case window is open."""
        forms: list[ActionDialog] = []

        def sign() -> None:
            window = dialog()
            assert window is not None
            window.action_buttons["approve"].click()
            assert window.action_dialog is not None
            forms.append(window.action_dialog)

        def confirm() -> None:
            forms[0].editors.widgets["opinion"].setPlainText("同意销号")  # type: ignore[union-attr]
            forms[0].password.setText(PASSWORD)
            forms[0].buttons.buttons()[0].click()

        def closed() -> bool:
            window = dialog()
            return not forms[0].busy and window is not None and window.case.state == "closed"

        return [(sign, lambda: bool(forms)), (confirm, closed)]

    def app_route(approve: bool = True) -> Stall:
        """Enter on a 待审批 row of the ledger page: MainWindow.open_case reads on the operations thread."""
        deadline = time.perf_counter() + 30
        rows: list[int] = []
        while not rows and time.perf_counter() < deadline:  # the page re-reads after each approval
            app.processEvents()
            rows = [
                i
                for i in range(min(page.model.rowCount(), 50))
                if (r := page.model.row(i)) is not None and r.state == "pending_approval" and r.id not in used
            ]
        row = rows[0]
        case_id = page.model.row(row).id  # type: ignore[union-attr]
        used.add(case_id)

        def enter() -> None:
            # The row of the case now: the page may have read its rows again since they were looked at
            # (after the previous approval, its count, the 督办函 of the change), and Enter on another
            # row opens another case — the window this step waits for would never come.
            at = next(
                (i for i in range(min(page.model.rowCount(), 50)) if (r := page.model.row(i)) and r.id == case_id), row
            )
            page.view.setFocus()
            page.view.setCurrentIndex(page.model.index(at, 0))
            QTest.keyClick(page.view, Qt.Key.Key_Return)

        opened = lambda: app_window.case_windows.get(case_id)  # noqa: E731
        shown = lambda: (w := opened()) is not None and w.isVisible()  # noqa: E731
        try:
            ms = longest_stall_of([(enter, shown), *(approving(opened) if approve else [])])
        except SystemExit:
            windows, reading = sorted(app_window.case_windows), app_window.cases_opening
            print(f"问题 {case_id}：已打开的问题窗口 {windows}，正在读取 {reading}")
            raise
        opened().close()  # type: ignore[union-attr]
        return ms

    def old_route() -> Stall:
        """The case window built with its reads on the GUI thread, as the application did before."""
        case_id = next(c for c in pending if c not in used)
        used.add(case_id)
        made: list[CaseDialog] = []

        def build() -> None:
            dialog = CaseDialog(approver, case_id)
            kept.append(dialog)
            made.append(dialog)
            dialog.show()

        ms = longest_stall_of([(build, lambda: True), *approving(lambda: made[0] if made else None)])
        made[0].close()
        return ms

    while not page.model.exact or page.model.rowCount() == 0:  # the count arrives from the operations thread
        app.processEvents()
    pause(1000)  # the main window's own start (its first paints, the tag count) is not the approval
    # The first case window of the process pays Qt's one-time costs (the widget classes, the fonts'
    # Chinese glyphs) and, before, the SQL statements' first compilation: measured apart, then the
    # routes alternate which goes first so that neither has the other's leftovers.
    figures["首次打开问题窗口（本进程第一个）"] = app_route(approve=False)
    ours: list[Stall] = []
    old: list[Stall] = []
    for i in range(args.rounds):
        if i % 2:
            old.append(old_route())
            ours.append(app_route())
        else:
            ours.append(app_route())
            old.append(old_route())
    app_window.close()
    for name, stalls in (("应用路径", ours), ("旧路径", old)):
        print(f"审批销号各轮（{name}）：" + "、".join(f"{m.wall:.1f} ms（CPU {m.cpu:.1f}）" for m in stalls))
    approve_name = "审批销号（台账中回车打开、签字、确定）"
    figures[approve_name] = worst_of(ours)
    old_approval = worst_of(old)

    officer_window = open_main_window(lg, lg.users.authenticate(working[1], PASSWORD))
    officer_window.resize(1366, 768)
    pause(300)
    big = work / "整改方案.pdf"
    big.write_bytes(b"%PDF-1.4\n" + os.urandom(20 * 2**20 - 64) + b"\n%%EOF\n")
    evidence_window = lambda: officer_window.case_windows.get(working[0])  # noqa: E731

    def add_evidence() -> None:
        evidence_window().add_files([str(big)], "other")  # type: ignore[union-attr]

    figures["添加 20 MB 佐证材料（打开问题窗口、添加）"] = longest_stall_of(
        [
            (lambda: officer_window.open_case(working[0]), lambda: evidence_window() is not None),
            (add_evidence, lambda: not evidence_window().evidence_busy),  # type: ignore[union-attr]
        ]
    )
    added = evidence_window().evidence_detail.text()  # type: ignore[union-attr]
    if not added.startswith("已添加 1 个文件"):
        raise SystemExit(f"佐证材料没有加上：{added}")

    # A case with PHOTOS phone photos (12 megapixels, JPEG): their thumbnails are made on the
    # operations thread as the window opens. Baseline: the same with the photos decoded by
    # QImage.fromData, as ui/case_reads.py did (it holds Python's lock for the whole decode).
    for photo in camera_photos(work, PHOTOS):
        lg.cases.add_evidence(officer_window.ctx.actor, photographed, photo, "photo_after")
    photo_window = lambda: officer_window.case_windows.get(photographed)  # noqa: E731
    import ui.case_dialog as case_dialog_module

    def open_photos(decode: Callable[..., object]) -> Stall:
        case_dialog_module.thumbnails = decode  # type: ignore[assignment]
        try:
            return longest_stall_of(
                [
                    (
                        lambda: officer_window.open_case(photographed),
                        lambda: (w := photo_window()) is not None and not w.thumbnails_pending,
                    )
                ]
            )
        finally:
            case_dialog_module.thumbnails = thumbnails
            photo_window().close()  # type: ignore[union-attr]

    from ui.case_reads import thumbnails

    photo_ours: list[Stall] = []
    photo_old: list[Stall] = []
    for i in range(2):
        for route in ((thumbnails, photo_ours), (thumbnails_from_data, photo_old))[:: 1 if i % 2 == 0 else -1]:
            route[1].append(open_photos(route[0]))
    photos_name = f"打开带 {PHOTOS} 张照片的问题（缩略图）"
    figures[photos_name] = worst_of(photo_ours)
    old_photos = worst_of(photo_old)
    officer_window.close()

    window = open_main_window(lg, lg.users.authenticate("tongchou", PASSWORD))
    chain_checked(window)
    window.resize(1366, 768)
    window.nav.setCurrentRow(PAGES.index("问题台账"))
    app.processEvents()
    while not window.ledger_page.model.exact:  # the count arrives from the operations thread
        app.processEvents()
    bar = window.ledger_page.view.verticalScrollBar()

    def scroll() -> None:
        bar.setValue(bar.maximum())
        app.processEvents()
        bar.setValue(bar.maximum() // 2)

    figures["台账深度滚动（到末行、再到中部）"] = longest_stall(scroll)
    for widget in kept:
        widget.close()  # type: ignore[attr-defined]
    window.close()
    lg.close()
    worst = max(f.wall for f in figures.values())
    print(f"台账：{db}  空转计时器最长间隔 {idle:.1f} ms  本进程 CPU 用时 {time.process_time():.1f} s")
    print(f"{'':<30} {'最长卡顿':>8}    {'其中 GUI 线程 CPU':>8}")
    rows = [*figures.items(), ("审批销号·旧路径（GUI 线程读取，对照）", old_approval)]
    rows.append(("照片·旧缩略图（QImage.fromData，对照）", old_photos))
    for name, f in rows:
        print(f"{name:<30} {f.wall:8.1f} ms {f.cpu:8.1f} ms")
    ratio = figures[approve_name].wall / old_approval.wall, figures[approve_name].cpu / old_approval.cpu
    print(f"审批销号 应用路径 / 旧路径：卡顿 {ratio[0]:.2f}，GUI 线程 CPU {ratio[1]:.2f}")
    print(f"最长卡顿 {worst:.1f} ms（目标 ≤ 50 ms）")
    out = []
    for name, f in figures.items():
        base = (
            (old_approval, "GUI 线程读取的旧路径")
            if name == approve_name
            else (old_photos, "QImage.fromData 解码的旧缩略图")
            if name == photos_name
            else (None, "")
        )
        out.append(
            Figure(
                "gui",
                f"卡顿：{name}",
                f.wall,
                "ms",
                base[0].wall if base[0] else idle,
                base[1] or "空转计时器",
                "≤ 50 ms",
                f.wall <= 50,
            )
        )
        out.append(
            Figure("gui", f"卡顿中 GUI 线程 CPU：{name}", f.cpu, "ms", base[0].cpu if base[0] else None, base[1])
        )
    emit(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
