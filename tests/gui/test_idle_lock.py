"""Idle lock with an injected clock: after 15 minutes without input every window is hidden behind
a password prompt; unlocking with the user's password brings them back with unsaved input intact."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from ledger.models import AuditEvent
from tests.gui.guithread import settled
from tests.world import PASSWORD
from ui.main_window import MainWindow


def test_idle_lock_hides_everything_and_keeps_unsaved_input(qtbot, world, ctx_of):
    case = world.register()
    window = MainWindow(ctx_of(world.clerk))
    qtbot.addWidget(window)
    window.show()
    assert window.open_case(case.id) is None  # read on the operations thread, the window follows
    qtbot.waitUntil(lambda: case.id in window.case_windows, timeout=10_000)
    dialog = window.case_windows[case.id]
    remarks = dialog.editors.widgets["remarks"]
    remarks.setPlainText("还没保存的备注")
    idle = window.idle

    world.clock.advance(minutes=10)
    # The user is working: the idle time starts again. Through the window system, as a real key press
    # comes (ui/idle.py watches the windows, where input arrives before any widget sees it).
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Shift)
    world.clock.advance(minutes=14)
    assert idle.check() is False and window.isVisible()
    world.clock.advance(minutes=2)
    assert idle.check() is True
    assert not window.isVisible() and not dialog.isVisible() and idle.dialog is not None
    assert idle.dialog.isVisible()

    lock = idle.dialog
    lock.password.setText("wrong-password")
    lock.submit()  # checked on the operations thread
    settled(qtbot)
    assert "用户名或密码错误" in lock.message.text()
    assert idle.dialog is lock and not window.isVisible()
    lock.reject()  # Esc does not unlock
    assert idle.dialog is lock
    lock.password.setText(PASSWORD)
    lock.submit()
    settled(qtbot)
    assert idle.dialog is None and window.isVisible() and dialog.isVisible()
    assert remarks.toPlainText() == "还没保存的备注"

    with world.ledger.reading() as s:
        events = [(e.action, json.loads(e.payload)) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    actions = [a for a, _ in events]
    assert actions[-3:] == ["session.lock", "login.fail", "login"]
    assert events[-3][1] == {"idle_minutes": 15}


def test_the_lock_waits_for_a_long_job_and_comes_after_it(qtbot, world, ctx_of):
    """A long job's progress dialog is up when the idle time runs out (a year's archive, a full check
    of a large ledger): the lock waits — hiding the dialog would end it with the work still running
    and leave the window hidden after unlocking — and comes once the job is done."""
    import threading

    from PySide6.QtCore import QTimer

    from ui.tasks import run_with_progress

    window = MainWindow(ctx_of(world.clerk))
    qtbot.addWidget(window)
    window.show()
    idle, release, seen = window.idle, threading.Event(), {}

    def during() -> None:  # inside the progress dialog's modal loop
        if "checked" in seen:
            return
        world.clock.advance(minutes=20)
        seen["checked"] = idle.check()
        release.set()

    timer = QTimer()
    timer.timeout.connect(during)
    timer.start(100)
    try:
        ok, result = run_with_progress(window, "年终归档", "正在归档…", lambda _p, _c: release.wait(10) and "归档完成")
    finally:
        timer.stop()
        release.set()
    assert seen["checked"] is False and (ok, result) == (True, "归档完成") and window.isVisible()
    assert idle.check() is True and not window.isVisible()  # the job is done: now it locks
    idle.unlocked()  # (as the password would) so no lock dialog is left over for the next test
    assert window.isVisible() and idle.dialog is None
