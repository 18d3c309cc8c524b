"""A page's refresh reads on the operations thread (ui/ops.py), the newest request winning.

    self.reads = Latest(self)
    self.reads.run(lambda: plain_dtos_from(ledger), self._fill, self._failed)

`work` runs on the operations thread and returns plain values (DTOs, tuples); `done` fills the
widgets on the GUI thread. A page asks again when a filter changes or a Change arrives while an
earlier read is still under way: the earlier answer is dropped when it comes back, as WindowedModel
drops an old generation's blocks, so a slow read never paints over a newer one.

`reload_model` is WindowedModel.reload with its first block read there too: the page keeps its old
rows until the new ones arrive, then the model resets at once to them (and counts on, as before).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from ui.models import WindowedModel
from ui.ops import ops


class Latest:
    """One stream of reads for one owner (a page, a panel, a model): only the newest is answered."""

    def __init__(self, owner: QObject) -> None:
        # Weakly: the page holds its Latest, and a cycle page ↔ Latest would leave a page nobody holds
        # to Python's cycle collector, which may run on the operations thread and would destroy the
        # widget (its timers) there — a crash seen in the tests with pages built and dropped.
        self._owner = weakref.ref(owner)
        self.generation = 0
        self.waiting = 0  # reads asked and not answered yet (a test or a caption may want to know)

    @property
    def busy(self) -> bool:
        return self.waiting > 0

    def drop(self) -> None:
        """Forget the reads under way: their answers are dropped (the page shows something else now)."""
        self.generation += 1

    def run(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.generation += 1
        generation = self.generation
        self.waiting += 1

        def answered(result: Any) -> None:
            self.waiting -= 1
            if generation == self.generation:
                done(result)

        def refused(error: BaseException) -> None:
            self.waiting -= 1
            if generation != self.generation:
                return
            if failed is None:
                raise error  # a bug: to the crash dialog, as ops() does with no `failed`
            failed(error)

        owner = self._owner()
        if owner is None:
            return
        ops().run(work, answered, refused, owner=owner)


def reload_model(
    latest: Latest,
    model: WindowedModel,
    then: Callable[[], None] | None = None,
    failed: Callable[[BaseException], None] | None = None,
    known: int | None = None,
) -> None:
    """Re-read `model`'s first block (its filter and sort as they stand) on the operations thread,
    then reset the model to it and call `then`. The rows shown stay until then, read as they were
    (WindowedModel._shown): the new reader takes over with its first block, and not at all when that
    is refused. `known`: the row count, when it cannot have changed (a new sort of the same rows), so
    it is not counted again."""
    read, size = model._reader(), model.BLOCK  # the new filter and sort, taken here on the GUI thread

    def arrived(first: list) -> None:
        model.beginResetModel()
        model._restart(read, first, known)  # WindowedModel's own reset: a new generation, the count on the ops thread
        model.endResetModel()
        if then is not None:
            then()

    model.superseded()
    latest.run(lambda: read(0, size), arrived, failed)


class ReadWhenShown(QWidget):
    """A page that reads only while the clerk can see it: a Change while it is hidden marks it stale
    (an approval in a case window stood still ~230 ms of CPU for the 工作台 behind it re-reading), and
    a stale page reads once when shown again, in the next turn of the event loop (after
    MainWindow.show_page's own refresh). Subclasses define `refresh()` and set `_stale`."""

    _stale = False

    def refresh(self) -> None:
        raise NotImplementedError

    def _changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._refresh_if_stale)

    def _refresh_if_stale(self) -> None:
        if self._stale and self.isVisible():
            self.refresh()
