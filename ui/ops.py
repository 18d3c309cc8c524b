"""The window's database work off the GUI thread: one long-lived worker thread runs the operations
one at a time, in the order asked, and hands each result (or error) back on the GUI thread.

    ops().run(work, done, failed, owner=self)

`work()` runs on the worker thread and must not touch widgets; `done(result)` / `failed(error)` run on
the GUI thread, and not at all when `owner` (the widget that asked) has been deleted meanwhile. One
thread, not one per call: the ledger's writes from the window stay in order, and an operation asked
while another runs waits its turn instead of racing it. (The idea of Anki's CollectionOp/QueryOp;
long jobs with a progress dialog and a cancel button still use ui/tasks.py.)

`StallMeter` measures what the operations are for: the longest time the event loop stood still;
`next_turn` splits the GUI thread's own work into turns the event loop can answer between.
"""

from __future__ import annotations

import atexit
import itertools
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot


class _Worker(QObject):
    finished = Signal(int, object, object)  # (operation, result, error)

    @Slot(int, object)
    def run(self, number: int, work: Callable[[], Any]) -> None:
        try:
            result = work()
        except BaseException as err:  # handed to the GUI thread: a bug still reaches the crash dialog there
            self.finished.emit(number, None, err)
        else:
            self.finished.emit(number, result, None)


class Ops(QObject):
    _asked = Signal(int, object)

    def __init__(self) -> None:
        super().__init__()
        self._numbers = itertools.count(1)
        self._waiting: dict[int, tuple[Callable[[Any], None], Callable[[BaseException], None] | None, Any]] = {}
        self._thread = QThread()
        self._thread.setObjectName("ledger-ops")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._asked.connect(self._worker.run, Qt.ConnectionType.QueuedConnection)
        self._worker.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self._thread.start()

    def run(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
    ) -> int:
        """Queue `work` on the worker thread; `done` or `failed` follow on the GUI thread."""
        number = next(self._numbers)
        self._waiting[number] = (done, failed, owner)
        self._asked.emit(number, work)
        return number

    @property
    def pending(self) -> int:
        """Operations asked and not yet answered on the GUI thread."""
        return len(self._waiting)

    def _finished(self, number: int, result: Any, error: BaseException | None) -> None:
        # Each result in a turn of the event loop of its own (next_turn): results arriving while the
        # GUI thread works (the ledger page's first rows, then its count, after an approval) were
        # otherwise handed over in one pass with what they cause (a repaint of the ledger's table,
        # ~25 ms of CPU at 100,000 cases, each): two repaints in one stall.
        next_turn(self, lambda: self._deliver(number, result, error))

    def _deliver(self, number: int, result: Any, error: BaseException | None) -> None:
        done, failed, owner = self._waiting.pop(number)
        if owner is not None and not shiboken6.isValid(owner):
            return  # the window that asked is gone
        if error is None:
            done(result)
        elif failed is not None:
            failed(error)
        else:
            raise error

    def stop(self) -> None:
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()


_ops: Ops | None = None


def ops() -> Ops:
    """The application's one operations thread (started on first use, stopped at exit)."""
    global _ops
    if _ops is None:
        _ops = Ops()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_ops.stop)
        atexit.register(_ops.stop)
    return _ops


def next_turn(owner: QObject, work: Callable[[], object]) -> None:
    """`work` in a later turn of the event loop, after the input and timers already due (not at all
    when `owner` is gone). Not QTimer.singleShot(0, …): PySide6 6 posts that as an event, and Qt
    delivers the events posted while it delivers events in the same pass, before any timer or input,
    so a chain of them is one stall (two 20 ms pieces stood the loop still 40 ms that way, 21 ms with
    this). A 1 ms timer is a turn of its own."""
    QTimer.singleShot(1, owner, work)


class StallMeter(QObject):
    """The longest gap between ticks of a 2 ms timer: how long the event loop could not paint or
    answer the clerk. `with StallMeter() as meter: ...; meter.longest_ms`. `longest_cpu_ms` is the
    most CPU the GUI thread itself spent between two ticks (time.thread_time): on a loaded machine a
    gap also holds the time other processes had the CPU, this one only the window's own work."""

    def __init__(self, interval_ms: int = 2) -> None:
        super().__init__()
        self.longest_ms = 0.0
        self.longest_cpu_ms = 0.0
        self._last = 0.0
        self._last_cpu = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.longest_ms = max(self.longest_ms, (now - self._last) * 1000)
        self.longest_cpu_ms = max(self.longest_cpu_ms, (cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu

    def start(self) -> None:
        self.longest_ms = self.longest_cpu_ms = 0.0
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._timer.start()

    def stop(self) -> float:
        self._tick()
        self._timer.stop()
        return self.longest_ms

    def __enter__(self) -> StallMeter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
