"""A bug in a slot (issue 13 item 6 k): a non-blocking dialog with a reference number, and the
traceback under that number in the data folder's log, with nothing personal in it."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from tests.leakscan import leaks
from tests.world import fresh_id_number
from ui import crash


@pytest.mark.qt_no_exception_capture  # our hook, not pytest-qt's, must see the exception
def test_a_bug_in_a_slot_shows_a_reference_and_logs_the_traceback_without_personal_data(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ZGTZ_DATA_DIR", str(tmp_path / "数据"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    handler = crash.install()
    assert sys.excepthook is handler
    number = fresh_id_number("19770707")

    def broken_slot() -> None:
        try:
            {}["户主"]
        except KeyError as err:
            raise RuntimeError(f"户主王建国 身份证号 {number} 电话 13912345678 保存失败") from err

    button = QPushButton("保存")
    qtbot.addWidget(button)
    button.clicked.connect(broken_slot)
    button.click()  # PySide6 hands the slot's exception to sys.excepthook

    assert len(handler.references) == 1
    ref = handler.references[0]
    log = tmp_path / "数据" / crash.LOG_NAME
    text = log.read_text(encoding="utf-8")
    assert f"参考编号 {ref}" in text
    assert "Traceback (most recent call last)" in text and "broken_slot" in text
    assert "RuntimeError" in text and "KeyError" in text and "direct cause" in text
    assert number not in text and "13912345678" not in text and "王建国" not in text and not leaks(text)

    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == crash.DIALOG_NAME]
    assert len(boxes) == 1 and isinstance(boxes[0], QMessageBox) and boxes[0].isVisible()
    assert ref in boxes[0].text() and str(log) in boxes[0].text()
    assert number not in boxes[0].text()
    boxes[0].accept()
    assert handler.dialogs == []


def test_keyboard_interrupt_goes_to_the_previous_hook(tmp_path):
    seen = []
    handler = crash.CrashHandler(tmp_path, lambda kind, exc, tb: seen.append(kind))
    handler(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert seen == [KeyboardInterrupt] and not (tmp_path / crash.LOG_NAME).exists()
