"""The Qt runtime we ship: the PySide6 pin, the None-refcount regression, the start window."""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtWidgets import QLabel


def test_pyside6_version_is_not_the_leaking_one():
    """PySide6 6.12.0 on Python 3.11 loses a reference to None per void Qt call (ENGINEERING.md)."""
    assert not (PySide6.__version__.startswith("6.12.0") and sys.version_info[:2] == (3, 11))


def test_void_qt_calls_do_not_leak_references_to_none(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(2000):
        label.setText(f"第{i}行")
    after = sys.getrefcount(None)
    # A leaking build loses exactly one reference per call (−2000); allow noise from the interpreter.
    assert after - before > -100


def test_start_window_opens_a_ledger_and_says_what_is_missing(qtbot, world, monkeypatch):
    from ui.app import PendingWindow, ledger_status

    monkeypatch.setenv("ZGTZ_KEY_DIR", str(world.ledger.key_dir))
    world.register()
    window = PendingWindow(ledger_status(str(world.ledger.engine.url.database)))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    text = window.centralWidget().findChild(QLabel).text()
    assert "共 1 个问题" in text
    assert "审计日志完整" in text
    assert "图形界面正在开发中" in text
    assert window.windowTitle() == "整改台账"


def test_start_window_never_creates_a_ledger(tmp_path):
    from ledger.paths import default_ledger_path
    from ui.app import ledger_status

    assert ledger_status(None) == "本机尚未创建台账。"
    assert not default_ledger_path().exists()
