"""The window's database work off the GUI thread: a long-lived worker thread (a lane) runs the
operations one at a time, in the order asked, and hands each result (or error) back on the GUI thread.

    ops().run(work, done, failed, owner=self)
    job = ops().start(work, done, failed, owner=self)      # work(progress, cancelled): a long job

`work()` runs on the worker thread and must not touch widgets; `done(result)` / `failed(error)` run on
the GUI thread, and not at all when `owner` (the widget that asked) has been deleted meanwhile. One
thread, not one per call: the ledger's writes from the window stay in order, and an operation asked
while another runs waits its turn instead of racing it. (The idea of Anki's CollectionOp/QueryOp.)

A long job (`start`) is the same operation with a `Job` handle: its work gets `progress(done, total)`,
which only stores the two numbers (an import of 100,000 rows posts no 100,000 events; whoever shows
them reads `job.counts` on a timer), and `cancelled()`, true once `job.cancel()`
was called. ui/tasks.py run_with_progress puts a modal progress dialog over one.

Two lanes. Everything the clerk starts — a page's reads, a button's write, a modal job with its
progress dialog — goes through `ops()`, the one serialized lane, in the order asked. `background()` is
a second lane, the same kind of thread (`ledger-background`), for the read-only figures the window
works out on its own: the audit chain check at start-up, the 工作台's 农户标签 count, a township's
village figures. Those take seconds on a large ledger (the chain check reads and hashes every audit
event; the tag count is ~0.6 s at 1,000,000 cases, docs/performance.md), and on the one lane the
ledger page's first rows, or a clerk's save, would wait behind them. Nothing that writes goes on the
background lane, so the order of the ledger's writes is still the one lane's. Both lanes are stopped
at exit (the jobs not yet answered asked to cancel, the work under way waited for).

`StallMeter` measures what the operations are for: the longest time the event loop stood still;
`next_turn` splits the GUI thread's own work into turns the event loop can answer between.
"""

from __future__ import annotations

import atexit
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class Job:
    """A long operation asked with `Ops.start`. The worker reports `progress(done, total)`, which only
    stores the two numbers (no signal per step); the GUI reads `counts` when it likes, on a timer.
    `cancel()` asks the work to stop at its next look at `cancelled()`.

    `started`: the worker has begun it (until then it waits behind the lane's other operations);
    `running`: from `start` until `done` or `failed` was delivered on the GUI thread (or would have
    been: the owner was gone), with `result` and `error` kept on the Job. `stopped`: the work looked
    at `cancelled()` after a cancel and was told to stop — a cancel the work never looked at (it had
    passed its last look, or it has none) changed nothing, and its result stands."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._counts = (0, 0)  # one tuple, so a reader never sees a done of one step and a total of another
        self.started = False
        self.running = True
        self.stopped = False
        self.result: Any = None  # the work's answer, or
        self.error: BaseException | None = None  # what it raised: set when `running` turns False

    def _cancelled(self) -> bool:
        if self._cancel.is_set():
            self.stopped = True
            return True
        return False

    def progress(self, done: int, total: int) -> None:
        """Called by the work, on the worker thread."""
        self._counts = (int(done), int(total))

    @property
    def counts(self) -> tuple[int, int]:
        """(done, total) as last reported, read together."""
        return self._counts

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _run(self, work: Callable[[Progress, Cancelled], Any]) -> Any:
        self.started = True
        return work(self.progress, self._cancelled)


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


_Waiting = tuple[Callable[[Any], None], Callable[[BaseException], None] | None, Any, Job | None]


class Ops(QObject):
    """One lane: a long-lived worker thread that runs what it is asked, one at a time, in order."""

    _asked = Signal(int, object)

    def __init__(self, name: str = "ledger-ops") -> None:
        super().__init__()
        self._numbers = itertools.count(1)
        self._waiting: dict[int, _Waiting] = {}
        self._thread = QThread()
        self._thread.setObjectName(name)
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
        return self._ask(work, (done, failed, owner, None))

    def start(
        self,
        work: Callable[[Progress, Cancelled], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
    ) -> Job:
        """Queue the long job `work(progress, cancelled)` in order with the other operations; `done` or
        `failed` follow on the GUI thread as with `run`. The Job reports its progress and cancels it."""
        job = Job()
        self._ask(lambda: job._run(work), (done, failed, owner, job))
        return job

    def _ask(self, work: Callable[[], Any], waiting: _Waiting) -> int:
        number = next(self._numbers)
        self._waiting[number] = waiting
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
        if number not in self._waiting:
            return  # the lane's own quit (stop)
        done, failed, owner, job = self._waiting.pop(number)
        if job is not None:
            job.result, job.error, job.running = result, error, False
        if owner is not None and not shiboken6.isValid(owner):
            return  # the window that asked is gone
        if error is None:
            done(result)
        elif failed is not None:
            failed(error)
        else:
            raise error

    def stop(self) -> None:
        """At exit: ask every job not yet answered to cancel, then let the lane run what was asked
        before this (a save clicked just before the window closed is written, not dropped) and end.
        The quit is queued behind them: QThread.quit() itself would end the thread's loop after the
        operation under way, and what waited behind it would never run."""
        for *_callbacks, job in self._waiting.values():
            if job is not None:
                job.cancel()
        if self._thread.isRunning():
            thread = self._thread
            self._asked.emit(0, thread.quit)  # number 0: nobody waits for its answer
            thread.wait()


_lanes: dict[str, Ops] = {}


def _lane(name: str) -> Ops:
    lane = _lanes.get(name)
    if lane is None:
        lane = _lanes[name] = Ops(name)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(lane.stop)
        atexit.register(lane.stop)
    return lane


def ops() -> Ops:
    """The application's one serialized operations lane, for everything the clerk asks (started on
    first use, stopped at exit)."""
    return _lane("ledger-ops")


def background() -> Ops:
    """The second lane, for read-only figures the window works out on its own (the module's docstring
    says which, and why they are not on `ops()`); the same API, started and stopped the same way."""
    return _lane("ledger-background")


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
