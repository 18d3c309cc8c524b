"""Before the main window: a new county ledger with its townships and first administrator, the
demo ledger generated in the background, sign-in, and the list of recent ledgers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from ledger import open_ledger
from ledger.paths import data_dir
from tests.gui.guithread import settled
from tests.world import PASSWORD
from ui.admin_page import UserDialog
from ui.app import make_demo, sign_in
from ui.start import LoginDialog, NewLedgerDialog, StartDialog, recent_ledgers, remember_ledger


def test_new_ledger_form_names_every_problem_then_accepts(qtbot, tmp_path):
    dialog = NewLedgerDialog()
    qtbot.addWidget(dialog)
    dialog.path.setText("")
    dialog.submit()
    text = dialog.message.text()
    assert "请填写县（市、区）名称" in text and "6位数字" in text and "请选择台账文件的位置" in text
    dialog.county.setText("示例县")
    dialog.code.setText("990101")
    dialog.path.setText(str(tmp_path / "新台账.db"))
    dialog.regions.setPlainText("城关镇：东关村、东关村")
    dialog.submit()
    assert "重复的村名" in dialog.message.text() and dialog.result() == 0
    listing = tmp_path / "乡镇清单.txt"
    listing.write_bytes("城关镇：东关村、西关村\n河西乡：河西村\n".encode("gb18030"))
    dialog.load_list(listing)
    dialog.submit()
    assert dialog.result() == 1
    assert [name for _c, name, _p in dialog.rows] == ["城关镇", "东关村", "西关村", "河西乡", "河西村"]


def test_a_new_ledger_starts_with_its_first_administrator(qtbot, tmp_path):
    lg = open_ledger(tmp_path / "新台账.db", county_name="示例县", county_code="990101")
    lg.pending_regions = [("990101001000", "城关镇", None), ("990101001001", "东关村", "990101001000")]

    def fill_first_admin():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, UserDialog) and widget.isVisible():
                widget.username.setText("zhangsan")
                widget.display.setText("张三")
                widget.password.setText("weak")
                widget.password2.setText("weak")
                widget.submit()
                assert "至少8位" in widget.message.text() or "8" in widget.message.text()
                widget.password.setText(PASSWORD)
                widget.password2.setText(PASSWORD)
                widget.submit()

    timer = QTimer()
    timer.timeout.connect(fill_first_admin)
    timer.start(20)
    actor = sign_in(lg, "")
    timer.stop()
    assert actor is not None and actor.roles == frozenset({"admin"})
    assert [t.name for t in lg.catalog.townships()] == ["城关镇"]
    assert [v.name for v in lg.catalog.villages()] == ["东关村"]
    lg.close()


def test_sign_in_refuses_a_wrong_password_without_saying_which_part(qtbot, world):
    dialog = LoginDialog(world.ledger)
    qtbot.addWidget(dialog)
    dialog.username.setText("luru")
    dialog.password.setText("wrong")
    dialog.submit()
    settled(qtbot)  # the password is checked on the operations thread
    wrong_password = dialog.message.text()
    dialog.username.setText("nobody")
    dialog.password.setText("wrong")
    dialog.submit()
    settled(qtbot)  # the password is checked on the operations thread
    assert dialog.message.text() == wrong_password and dialog.actor is None
    dialog.username.setText("luru")
    dialog.password.setText(PASSWORD)
    dialog.submit()
    settled(qtbot)  # the password is checked on the operations thread
    assert dialog.actor is not None and dialog.actor.username == "luru"


def test_the_demo_ledger_is_generated_in_the_background(qtbot, tmp_path):
    target = tmp_path / "示例台账.db"
    assert make_demo(target)
    lg = open_ledger(target, create=False)
    try:
        assert lg.queries.count() == 2000
        assert lg.users.authenticate("tongchou", "Demo#2026").roles == frozenset({"coordinator"})
    finally:
        lg.close()


def test_recent_ledgers_are_remembered_most_recent_first(qtbot, tmp_path):
    for name in ("甲.db", "乙.db", "甲.db"):
        (tmp_path / name).write_bytes(b"")
        remember_ledger(str(tmp_path / name))
    assert recent_ledgers() == [str(tmp_path / "甲.db"), str(tmp_path / "乙.db")]
    (tmp_path / "乙.db").unlink()
    start = StartDialog()
    qtbot.addWidget(start)
    assert start.recent.count() == 2
    assert "文件已不存在" in start.recent.item(1).text()
    assert Path(data_dir()).exists()


def test_the_main_window_opens_with_the_collector_on_and_checks_the_chain_a_moment_later(qtbot, world):
    """main.py's window command keeps the cyclic collector off while the start-up imports; the main
    window turns it on again with the start-up's objects frozen out of its walks, and the audit chain
    check waits until the window has painted instead of taking the CPU from its first paint."""
    import gc

    from ui import app as application

    gc.disable()
    try:
        window = application.open_main_window(world.ledger, world.coordinator)
        qtbot.addWidget(window)
        assert gc.isenabled() and gc.get_freeze_count() > 0
        assert window._chain_job is None  # not yet: the first paint and reads come first
        qtbot.waitUntil(lambda: window._chain_job is not None, timeout=application.CHAIN_CHECK_DELAY_MS + 3000)
        qtbot.waitUntil(lambda: window.chain_label.text().startswith("审计链：完整"), timeout=10_000)
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_window_closed_before_its_chain_check_starts_none(qtbot, world):
    from ui.context import AppContext
    from ui.main_window import MainWindow

    window = MainWindow(AppContext(world.ledger, world.coordinator))
    qtbot.addWidget(window)
    window.show()
    window.check_chain_later(200)
    window.close()
    qtbot.wait(400)
    assert window._chain_job is None


def test_a_ledger_is_opened_off_the_gui_thread_with_a_line_when_it_takes_a_while(qtbot, world):
    """Opening (an upgrade takes a verified backup first: minutes for a large ledger) runs on the
    operations lane while the GUI thread answers; after half a second a line says what is happening;
    the sign-in's county name and whether there are accounts come with it; a refusal is raised as
    it was."""
    import threading
    import time

    from PySide6.QtWidgets import QProgressDialog

    from ledger.errors import StorageError
    from ui import app as application

    threads, seen = [], []

    def slow_open():
        threads.append(threading.get_ident())
        time.sleep(1.0)
        world.ledger.catalog.invalidate()  # as a ledger just opened: nothing of its catalog read yet
        return world.ledger

    def look() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
        seen.extend(w.labelText() for w in shown)
        for note in shown:  # Esc and the close button do not take it away: the upgrade goes on
            qtbot.keyClick(note, Qt.Key.Key_Escape)
            note.close()
            seen.append(note.isVisible())

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(100)
    try:
        opened = application.open_off_thread(slow_open)
    finally:
        timer.stop()
    assert threads and threads[0] != threading.get_ident()
    assert opened.ledger is world.ledger and opened.county == world.ledger.meta("county_name") and opened.has_accounts
    assert all(name in world.ledger.catalog.__dict__ for name in world.ledger.catalog.CACHED)  # read there, too
    assert seen and seen[0] == application.OPENING_TEXT and True in seen and False not in seen
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]

    seen.clear()

    def refused():
        raise StorageError("无法打开或新建台账文件")

    with pytest.raises(StorageError, match="无法打开或新建台账文件"):
        application.open_off_thread(refused)
    assert not seen  # a quick answer shows no line


def test_the_window_command_turns_the_collector_back_on_whichever_way_the_start_ends(monkeypatch):
    import gc

    from ui import app as application
    from ui.cli.program import cmd_gui

    seen = []

    def refused(db):
        seen.append(gc.isenabled())
        raise RuntimeError("台账打不开")

    monkeypatch.setattr(application, "run", refused)
    with pytest.raises(RuntimeError):
        cmd_gui(type("Args", (), {"db": None})())
    assert seen == [False] and gc.isenabled()
