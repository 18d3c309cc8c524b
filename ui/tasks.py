"""A long job behind a modal progress dialog with a cancel button: the work runs on the operations
lane (ui/ops.py `ops().start`) in order with the window's other operations, a 100 ms timer reads its
progress into the dialog, and the result or the error comes back on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QProgressBar, QProgressDialog, QPushButton, QWidget

from ledger.errors import LedgerError
from ui.common import show_error
from ui.ops import Cancelled, Job, Progress, ops

POLL_MS = 100
QUEUED = "等待其他操作完成…"
CANCELLING = "正在取消，请稍候…"


class JobDialog(QProgressDialog):
    """The progress of one Job. Cancel (the button, Esc, the window's close button) asks the job to
    stop and says so; the dialog itself closes only when the job has been delivered (`finish`)."""

    def __init__(self, parent: QWidget | None, title: str, label: str, job: Job, *, cancellable: bool = True):
        super().__init__(label, "取消", 0, 0, parent)
        self.setWindowTitle(title)
        # The whole application, not just its window: the job holds the one operations lane, so a
        # case window's 保存 clicked meanwhile would wait behind it without a word.
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.cancellable = cancellable
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.job = job
        self._label = label
        self._finished = False
        # Our own bar, set directly: QProgressDialog.setValue on a modal dialog calls processEvents()
        # from inside the timer's slot, the re-entry this dialog is here to avoid.
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.setBar(self.bar)
        self.cancel_button = QPushButton("取消")
        self.setCancelButton(self.cancel_button)  # in place of the dialog's own; its click emits `canceled`
        if not cancellable:
            self.cancel_button.hide()
        # QProgressDialog answers its own `canceled` with cancel(), which hides it and ends exec():
        # the work would still be running behind a window that had gone.
        self.canceled.disconnect(self.cancel)
        self.canceled.connect(self.ask_cancel)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def poll(self) -> None:
        """Read the job's progress into the dialog (on the timer; no signal per step of the work)."""
        done, total = self.job.counts
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if self.job.cancelled:
            text = CANCELLING
        elif not self.job.started:
            text = QUEUED  # the lane is busy with another operation; this one is next in line
        else:
            text = self._label
        if self.labelText() != text:
            self.setLabelText(text)

    def ask_cancel(self) -> None:
        if self._finished or not self.cancellable:
            return
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.poll()

    def finish(self) -> None:
        """The job has been delivered: stop polling, close, end exec()."""
        self._finished = True
        self.timer.stop()
        self.done(0)

    def done(self, result: int) -> None:
        if self._finished:
            super().done(result)
        else:  # reject() (Esc) and a close both come here: cancel, stay open until the work returns
            self.ask_cancel()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._finished:
            super().closeEvent(event)
        else:
            event.ignore()
            self.ask_cancel()


def run_with_progress(
    parent: QWidget | None,
    title: str,
    label: str,
    work: Callable[[Progress, Cancelled], Any],
    *,
    cancellable: bool = True,
) -> tuple[bool, Any]:
    """Run `work(progress, cancelled)` on the operations lane behind a modal progress dialog; the GUI
    keeps painting meanwhile. A cancel asks the work to stop and the dialog stays until it has.
    Returns (ok, result): ok is False after an error (shown) or when the work stopped because it was
    asked to; a cancel the work never looked at changes nothing. Work that must run to its end once
    begun (an import's commit, a year's archive) passes `cancellable=False`: no cancel button, and Esc
    and the close button do nothing — a 取消 that could not cancel would only mislead the clerk."""
    dialog: JobDialog | None = None

    def finished(_answer: object) -> None:  # the answer itself is kept on the Job
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.finish()

    # No owner: the answer must reach this function even if the parent went meanwhile.
    job = ops().start(work, finished, finished)
    dialog = JobDialog(parent, title, label, job, cancellable=cancellable)
    if job.running:  # delivered in the event loop only, so always, unless something spun one already
        dialog.exec()
    if shiboken6.isValid(dialog):
        dialog.deleteLater()
    if job.running:  # the dialog went first (deleted with its parent, the application quitting)
        job.cancel()  # nobody waits for the answer now: stop the work at its next look
        return False, None
    error = job.error
    if error is not None and job.stopped and isinstance(error, LedgerError):
        return False, None  # the work stopped because it was asked to
    if error is not None:
        if isinstance(error, LedgerError):
            show_error(parent, error)
            return False, None
        raise error
    return not job.stopped, job.result
