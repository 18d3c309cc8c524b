"""Long work off the GUI thread: a worker thread, a progress dialog with a cancel button, and the
result or the error handed back on the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ledger.errors import LedgerError
from ui.common import show_error

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class _Worker(QObject):
    progressed = Signal(int, int)
    finished = Signal(object, object)  # (result, error)

    def __init__(self, work: Callable[[Progress, Cancelled], Any], cancel_flag: threading.Event):
        super().__init__()
        self._work = work
        self._cancel = cancel_flag

    def run(self) -> None:
        try:
            result = self._work(self.progressed.emit, self._cancel.is_set)
        except Exception as err:  # handed to the GUI thread, shown there
            self.finished.emit(None, err)
        else:
            self.finished.emit(result, None)


class Task(QObject):
    """One background job. `done(result)` on success, `failed(error)` otherwise; `cancel()` asks the
    work to stop at its next check of `cancelled()`."""

    done = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)  # re-emitted on the GUI thread

    def __init__(self, work: Callable[[Progress, Cancelled], Any], parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self._thread = QThread()
        self._worker = _Worker(work, self._cancel)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._finish, Qt.ConnectionType.QueuedConnection)
        # Signal to signal: the worker emits on its thread, this object (on the GUI thread) re-emits
        # there, so plain Python callables connected to it never run on the worker thread.
        self._worker.progressed.connect(self.progressed)
        self.running = False

    def start(self) -> None:
        self.running = True
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self) -> None:
        """Block until the work has returned (after cancel(), on shutdown)."""
        self._thread.quit()
        self._thread.wait()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _finish(self, result: Any, error: Exception | None) -> None:
        self._thread.quit()
        self._thread.wait()
        self.running = False
        if error is None:
            self.done.emit(result)
        else:
            self.failed.emit(error)


def run_with_progress(
    parent: QWidget | None,
    title: str,
    label: str,
    work: Callable[[Progress, Cancelled], Any],
) -> tuple[bool, Any]:
    """Run `work(progress, cancelled)` in a worker thread behind a modal progress dialog with a
    cancel button. The GUI keeps painting meanwhile. Returns (ok, result); errors are shown."""
    dialog = QProgressDialog(label, "取消", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    task = Task(work)
    outcome: dict[str, Any] = {}

    def progressed(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))

    def finished(result: Any = None, error: Exception | None = None) -> None:
        outcome.update(result=result, error=error)
        dialog.reset()
        dialog.done(0)

    task.progressed.connect(progressed)
    task.done.connect(lambda result: finished(result))
    task.failed.connect(lambda error: finished(error=error))
    dialog.canceled.connect(task.cancel)
    task.start()
    if task.running:
        dialog.exec()
    while task.running:  # the user cancelled: wait for the work to notice, keep painting
        QThread.msleep(20)
        QCoreApplication.processEvents()
    error = outcome.get("error")
    if error is not None and task.cancelled and isinstance(error, LedgerError):
        return False, None  # the work stopped because it was asked to
    if error is not None:
        if isinstance(error, LedgerError):
            show_error(parent, error)
            return False, None
        raise error
    return not task.cancelled, outcome.get("result")
