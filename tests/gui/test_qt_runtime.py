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


def test_start_window_opens_a_ledger_and_says_what_is_missing(qtbot, world):
    from ui.app import PendingWindow

    window = PendingWindow(world.ledger.location, world.ledger.queries.dashboard().total, "完整")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    text = window.centralWidget().findChild(QLabel).text()
    assert "图形界面正在开发中" in text
    assert "main.py demo" in text
    assert window.windowTitle() == "整改台账"
