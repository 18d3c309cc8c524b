"""The window over a ledger whose audit key file is missing: a warning banner says why it is
read-only, cases can be opened and read, and every write, print and export shows the same reason."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from ledger import open_ledger
from tests.gui.guithread import settled
from tests.world import CHEAP_HASHER
from ui.case_dialog import CaseDialog
from ui.main_window import PAGES, MainWindow
from ui.start import LoginDialog


@pytest.fixture
def keyless(world, tmp_path):
    w = world
    w.extra["open"] = w.register()
    w.extra["closed"] = w.walk(w.register("water.access"), "closed")
    key = w.ledger.key_dir / f"{w.ledger.uuid}.key"
    w.ledger.close()
    shutil.move(key, tmp_path / "别处的密钥")
    lg = open_ledger(
        tmp_path / "台账.db",
        create=False,
        key_dir=tmp_path / "keys",
        evidence_dir=tmp_path / "evidence",
        clock=w.clock,
        password_hasher=CHEAP_HASHER,
    )
    w.use(lg)
    assert lg.read_only_reason is not None
    return w


def test_an_ordinary_window_has_no_banner(qtbot, world, ctx_of):
    window = MainWindow(ctx_of(world.coordinator))
    qtbot.addWidget(window)
    window.show()
    assert not window.read_only_banner.isVisible()


def test_sign_in_works_read_only(qtbot, keyless):
    dialog = LoginDialog(keyless.ledger)
    qtbot.addWidget(dialog)
    dialog.username.setText("tongchou")
    dialog.password.setText("wrong")
    dialog.submit()
    settled(qtbot)  # the password is checked on the operations thread
    assert dialog.actor is None and "用户名或密码错误" in dialog.message.text()
    dialog.password.setText("Zg#2026pw")
    dialog.submit()
    settled(qtbot)  # the password is checked on the operations thread
    assert dialog.actor is not None and dialog.actor.username == "tongchou"


def test_the_window_shows_the_banner_and_every_action_says_why(qtbot, keyless, ctx_of, tmp_path, answer_boxes):
    reason = keyless.ledger.read_only_reason
    window = MainWindow(ctx_of(keyless.coordinator))
    qtbot.addWidget(window)
    window.show()
    banner = window.read_only_banner
    assert banner.isVisible() and reason in banner.text() and "只读" in banner.text()
    assert banner.geometry().top() < window.stack.mapTo(window, window.stack.rect().topLeft()).y()

    job = window.check_chain()  # on the background lane (ui/ops.py)
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    qtbot.waitUntil(lambda: "缺少审计密钥" in window.chain_label.text(), timeout=5000)

    window.nav.setCurrentRow(PAGES.index("问题台账"))
    settled(qtbot)  # the list is read on the operations thread
    page = window.ledger_page
    assert page.model.rowCount() == 2  # reading works
    page.view.selectAll()
    page.export_selection(str(tmp_path / "所选.csv"))
    qtbot.waitUntil(lambda: any(reason in text for text in answer_boxes), timeout=5000)
    assert not (tmp_path / "所选.csv").exists()

    answer_boxes.clear()
    window.nav.setCurrentRow(PAGES.index("报表中心"))
    window.reports.target.setText(str(tmp_path / "周报.pdf"))
    assert window.reports.make_report() is False
    qtbot.waitUntil(lambda: any(reason in text for text in answer_boxes), timeout=5000)
    assert not (tmp_path / "周报.pdf").exists()

    def opened(case_id: int) -> CaseDialog:
        window.open_case(case_id)  # read on the operations thread, the window follows
        qtbot.waitUntil(lambda: case_id in window.case_windows, timeout=10_000)
        return window.case_windows[case_id]

    closed = opened(keyless.extra["closed"].id)
    assert [row[-1] for row in closed.signoffs.rows] == ["无法核对（缺少审计密钥）"] * 2
    dialog = opened(keyless.extra["open"].id)
    dialog.editors.widgets["remarks"].setPlainText("补充情况")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert reason in dialog.basic_message.text()
    assert keyless.ledger.cases.get(keyless.extra["open"].id).remarks == ""


def test_a_damaged_audit_log_is_said_in_the_status_bar_not_a_crash(qtbot, world, ctx_of):
    """The start-up chain check meets a damaged page of the audit log: the status bar says the file
    is damaged and sends the clerk to the backup; the crash dialog is for our own bugs."""
    from pathlib import Path

    from tests.integration.test_verify_quick import _damage_root_page

    for _ in range(3):
        world.register("house.c")
    window = MainWindow(ctx_of(world.coordinator))
    qtbot.addWidget(window)
    window.show()
    settled(qtbot)
    _damage_root_page(Path(str(world.ledger.engine.url.database)), "audit_events")
    job = window.check_chain()
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    text = window.chain_label.toolTip()  # the whole message; the label itself is cut to fit the status bar
    assert text.startswith("审计链：无法校验（数据库文件已损坏，其余记录未能校验"), text
    assert "请从备份恢复" in text and window.chain_label.text().startswith("审计链：无法校验（数据库文件已损坏")
    assert "d93025" in window.chain_label.styleSheet()
    assert window.chain_label.fontMetrics().horizontalAdvance(window.chain_label.text()) <= 420


def test_an_edited_audit_event_is_named_in_the_status_bar(qtbot, world, ctx_of):
    """The user guide's claim: an event changed with a database tool shows 审计链：异常！ in red with
    the event's number, from the window's own check."""
    import sqlite3

    for _ in range(3):
        world.register("house.c")
    with sqlite3.connect(str(world.ledger.engine.url.database), isolation_level=None) as con:
        con.execute("DROP TRIGGER audit_events_no_update")  # an insider with a SQL tool
        con.execute("UPDATE audit_events SET actor_name = '某人' WHERE seq = 3")
    window = MainWindow(ctx_of(world.coordinator))
    qtbot.addWidget(window)
    window.show()
    job = window.check_chain()
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    text = window.chain_label.toolTip()
    assert text.startswith("审计链：异常！审计日志第 3 号事件的内容被改动"), text
    assert window.chain_label.text().startswith("审计链：异常！审计日志第 3 号事件")
    assert "d93025" in window.chain_label.styleSheet()
