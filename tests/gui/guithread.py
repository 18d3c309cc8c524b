"""Which SQL statements ran on the GUI thread: the window's database work belongs on the operations
thread (ui/ops.py), and a page that reads on the GUI thread stalls the window for as long as the query
takes (~0.2 s for the 工作台's figures at 20,000 cases, more on a server across the county's network).

    with GuiThreadSql(ledger.engine) as sql:
        sql.page = "工作台"
        ...
    assert not sql.statements, sql.report()
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class GuiThreadSql:
    engine: Engine
    page: str = ""  # what the test is doing, recorded with each statement
    statements: list[tuple[str, str]] = field(default_factory=list)  # (page, SQL)
    recording: bool = False

    def _seen(self, _conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
        if self.recording and threading.current_thread() is threading.main_thread():
            self.statements.append((self.page, " ".join(statement.split())[:200]))

    def __enter__(self) -> GuiThreadSql:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        self.recording = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.recording = False
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def pages(self) -> list[str]:
        """The pages (or steps) that ran SQL on the GUI thread, in order, once each."""
        return list(dict.fromkeys(page for page, _sql in self.statements))

    def report(self) -> str:
        lines = [f"{len(self.statements)} statement(s) on the GUI thread:"]
        for page in self.pages():
            mine = [sql for p, sql in self.statements if p == page]
            lines.append(f"  {page}: {len(mine)}")
            lines += [f"    {sql}" for sql in dict.fromkeys(mine)]
        return "\n".join(lines)


def settled(qtbot, timeout: int = 20_000) -> None:
    """Wait until both lanes of ui/ops.py (the operations lane and the background lane) have answered
    everything asked of them, three looks in a row (an answer may ask for more: a model's count after
    its first block, the 工作台's tag count after its figures)."""
    from ui.ops import background, ops

    quiet = 0

    def idle() -> bool:
        nonlocal quiet
        busy = bool(ops().pending or background().pending)
        quiet = 0 if busy else quiet + 1
        return quiet >= 3

    qtbot.waitUntil(idle, timeout=timeout)


def refused_once(monkeypatch, owner: object, name: str) -> list:
    """`owner.name` (a ledger service's read) refuses its first call as a lost server connection
    would, then answers as before; the list returned collects each call's `offset`."""
    from ledger.errors import StorageError

    real, calls = getattr(owner, name), []

    def once_refused(*args, **kwargs):
        calls.append(kwargs.get("offset"))
        if len(calls) == 1:
            raise StorageError("无法连接台账服务器")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, once_refused)
    return calls
