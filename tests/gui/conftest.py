"""GUI fixtures: real widgets (offscreen) over a real SQLite ledger, one context per signed-in user."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ui.context import AppContext


@pytest.fixture
def ctx_of(world):
    contexts: dict[int, AppContext] = {}

    def make(actor) -> AppContext:
        if actor.id not in contexts:
            contexts[actor.id] = AppContext(world.ledger, actor)
        return contexts[actor.id]

    return make


@pytest.fixture
def answer_boxes(qtbot):
    """Close every message box that opens (recording its text), as a user clicking OK would."""
    seen: list[str] = []

    def close_boxes() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                seen.append(widget.text())
                widget.accept()

    timer = QTimer()
    timer.timeout.connect(close_boxes)
    timer.start(20)
    yield seen
    timer.stop()
