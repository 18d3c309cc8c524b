"""The desktop application: choose a ledger, sign in, open the main window."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from ledger import LedgerError, StorageError, open_ledger
from ledger.dto import Actor
from ledger.facade import Ledger
from ledger.paths import resource_path
from ui import crash
from ui.common import message
from ui.context import AppContext
from ui.ops import ops
from ui.start import DEMO_FILE, LoginDialog, NewLedgerDialog, StartDialog, remember_ledger
from ui.tasks import JobDialog, run_with_progress

if TYPE_CHECKING:
    from ui.main_window import MainWindow

DEMO_CASES = 2000


def make_demo(path: Path) -> bool:
    """Generate the demo ledger off the GUI thread (its own connection), with progress and cancel."""
    from ledger.creating import creating
    from ledger.demo import generate

    def work(progress, cancelled):
        with creating(path) as building:  # cancelled or killed: no half-made demo ledger remains
            lg = open_ledger(building)
            try:
                summary = generate(lg, DEMO_CASES, progress=progress, cancelled=cancelled, chunk=200)
            finally:
                lg.close()
            if cancelled():
                raise _Cancelled
        return summary

    ok, _summary = run_with_progress(None, "生成示例台账", "正在生成虚构的示例县台账…", work)
    return ok and path.exists()


class _Cancelled(LedgerError):
    """The demo generation was cancelled: its temporary file is removed, nothing is renamed."""


def choose_ledger() -> tuple[Opened, str] | None:
    """The start dialog's choice as an open ledger and a sign-in hint."""
    start = StartDialog()
    if start.exec() != QDialog.DialogCode.Accepted or start.choice is None:
        return None
    kind, value = start.choice
    if kind == "new":
        assert isinstance(value, NewLedgerDialog)
        where, county, code = value.path.text().strip(), value.county.text().strip(), value.code.text().strip()
        opened = open_off_thread(lambda: open_ledger(where, county_name=county, county_code=code))
        opened.ledger.pending_regions = value.rows  # type: ignore[attr-defined] # added once the first admin exists
        return opened, ""
    if kind == "server":
        assert isinstance(value, str)
        address = value
        return open_off_thread(lambda: open_ledger(address, create=False)), ""
    path = Path(str(value))
    if kind == "demo" and not path.exists() and not make_demo(path):
        return None
    hint = "示例账号：admin、luru、tongchou、dw_zjj、hy01、shenpi 等，密码均为 Demo#2026" if kind == "demo" else ""
    return open_off_thread(lambda: open_ledger(path, create=False)), hint


@dataclass(frozen=True)
class Opened:
    """A ledger opened on the operations lane, with what the sign-in shows first."""

    ledger: Ledger
    county: str
    has_accounts: bool


OPENING_SHOWN_AFTER_MS = 500
OPENING_TEXT = "正在打开台账…（需要升级的台账先做一份校验过的备份，较大的台账需要几分钟，请勿关闭）"


def open_off_thread(open_: Callable[[], Ledger]) -> Opened:
    """`open_()` on the operations lane, the GUI thread waiting in an event loop of its own. Opening a
    ledger that needs an upgrade first takes a verified backup of it (110 s for the 3.3 GB ledger of
    1,000,000 cases, seconds for a county's), and on the GUI thread nothing was painted meanwhile:
    Windows marks such a window 未响应 after five seconds, and a clerk who ends it then ends the
    upgrade half way. A line saying what is happening shows after half a second (a quick open shows
    nothing); no other window is open meanwhile — the start dialog has closed and the sign-in is not
    yet shown — so nothing can be clicked twice. Raises what opening raised."""
    loop = QEventLoop()

    def work(_progress: object, _cancelled: object) -> Opened:
        lg = open_()
        try:
            lg.catalog.load()  # read here once, not by the pages' first combo box on the GUI thread
            return Opened(lg, lg.meta("county_name", ""), lg.users.count() > 0)
        except BaseException:
            lg.close()
            raise

    job = ops().start(work, lambda _answer: loop.quit(), lambda _error: loop.quit())  # the answer: on the Job
    # The long job's own dialog, with nothing to cancel: Esc and the close button do not take it away
    # (a clerk left with no window during a two-minute upgrade would start the program again).
    note = JobDialog(None, "整改台账", OPENING_TEXT, job, cancellable=False)
    note.setMinimumWidth(480)

    def still_opening() -> None:
        if job.running:
            note.show()

    QTimer.singleShot(OPENING_SHOWN_AFTER_MS, note, still_opening)
    if job.running:
        loop.exec()
    note.finish()
    note.deleteLater()
    if job.running:  # the loop was ended from outside (the session ending): no ledger to go on with
        job.cancel()
        raise StorageError("程序正在退出，台账未打开")
    if job.error is not None:
        raise job.error
    return cast(Opened, job.result)


def sign_in(lg: Ledger, hint: str, *, county: str | None = None, has_accounts: bool | None = None) -> Actor | None:
    """The first administrator of a new ledger, or the sign-in. `county` and `has_accounts` as read
    with the opening (open_off_thread); read here when not given."""
    if not (lg.users.count() > 0 if has_accounts is None else has_accounts):
        from ui.admin_page import UserDialog  # a new ledger's first account only

        first = UserDialog(lg, None)
        if first.exec() != QDialog.DialogCode.Accepted or first.created is None:
            return None
        actor = first.created
        rows = getattr(lg, "pending_regions", None)
        if rows:
            lg.catalog.add_regions(actor, rows)
        return actor
    login = LoginDialog(lg, hint, county=county)
    return login.actor if login.exec() == QDialog.DialogCode.Accepted else None


def run(db: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("整改台账")
    app.setWindowIcon(QIcon(str(resource_path("整改台账.ico"))))
    crash.install()  # a bug shows a reference number; its traceback goes to the data folder's log
    try:
        if db is not None:
            opened = open_off_thread(lambda: open_ledger(db, create=False))
            hint = "示例账号密码均为 Demo#2026" if Path(db).name == DEMO_FILE else ""
        else:
            chosen = choose_ledger()
            if chosen is None:
                return 0
            opened, hint = chosen
    except LedgerError as err:
        message(None, "无法打开台账", str(err), QMessageBox.Icon.Critical)
        return 2
    lg = opened.ledger
    remember_ledger(lg.address)  # the file's path, or the server's address without its password
    actor = sign_in(lg, hint, county=opened.county, has_accounts=opened.has_accounts)
    if actor is None:
        lg.close()
        return 0
    window = open_main_window(lg, actor)  # held: a top-level window with no Python reference is deleted
    code = app.exec()
    window.deleteLater()
    lg.close()
    from ui.case_reads import clear_viewer_copies  # imported with the first case window, not at start-up

    clear_viewer_copies()
    return code


CHAIN_CHECK_DELAY_MS = 1500


def open_main_window(lg: Ledger, actor: Actor) -> MainWindow:
    """The main window, shown; bench/gui.py times the start-up through here.

    The audit chain check starts a moment later (CHAIN_CHECK_DELAY_MS): on its background lane it
    still takes the CPU and the interpreter's lock in turns with the window, and at 1,000,000 cases
    it walks millions of events, so started at once it slowed the first paint and the first pages'
    reads the clerk is waiting for. Then the start-up's objects are frozen out of the cyclic
    collector (gc.freeze) and the collector is turned back on: `main.py`'s window command keeps it
    off while the start-up imports (ui/cli/program.py cmd_gui), and afterwards each full collection
    would walk those ~130,000 long-lived objects again: 58 ms the window stood still, measured at
    100,000 cases, against 0.1 ms once they are frozen."""
    from ui.main_window import MainWindow  # after the start and sign-in dialogs, which show without it

    window = MainWindow(AppContext(lg, actor))
    window.show()
    window.check_chain_later(CHAIN_CHECK_DELAY_MS)
    gc.freeze()
    gc.enable()
    return window
