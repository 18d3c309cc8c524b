"""The record checks of `verify` over worker processes (issue 18): a SQLite ledger's stamps and
records cut into ranges, each range checked by ledger/record_checks.py's own functions in a worker process
on a read-only connection of its own, the findings merged back in range order, so the report names
the same records, in the same order and words, as the one-process pass.

Why processes: the record checks are Python (an HMAC per record and the merge of two id-ordered
streams, ~6 µs a record) and hold the GIL; at 1,000,000 cases they are ~45 s of CPU of the 69 s a
one-process verify takes, on one core (bench/verify.py, 2026-11-29). In workers they took 57.0 s of
CPU in all (two processes, each ~0.8 s of it importing the ledger package), while this process
spent 23.7 s on the file check (its own thread), the chain, the counters and the evidence files.
The workers are started with the spawn context, the only one Windows has (a frozen build needs
multiprocessing.freeze_support(), main.py), so what runs here is what runs there.

PostgreSQL keeps the one-process pass: its records are read through the server, which does the
reading on its own cores already, and a worker would need a connection string with the password.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from ledger import record_checks, records

# Records (ids spanned, all kinds) from which the checks go to worker processes. Starting two workers
# cost 2.5 s of CPU here (the interpreter and the ledger package imported again in each) and 7.8 s
# of wall on the busy machine: about what one process takes for 250,000 records (~6 µs each).
PARALLEL_MIN = 250_000
RANGE = 50_000  # ids per task: ~0.3 s of work, so the last task leaves no core idle for long
MAX_RANGES = 256  # per kind: a stray huge id (an insider's insert) must not make millions of tasks
MAX_WORKERS = 4

# ("stamps" | "records" | "here", kind, lo, hi): lo <= seq or id < hi; "here" is done in this process
Task = tuple[str, str, int | None, int | None]
Head = tuple[int, str] | None  # the audit head a worker's snapshot shows


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Windows, macOS
        return os.cpu_count() or 1


def plan(s: Session) -> tuple[list[Task], int]:
    """The ranges of a SQLite ledger and the number of records they span. The stamp groups are cut by
    event seq, each kind by id, in records.KINDS order; the first range of each is open below and the
    last open above, so stamps of records that are gone, wherever their ids, are in some range.
    `user` and `workflow` (a few rows, read through the ORM) are checked in the calling process, in
    their place."""
    tasks: list[Task] = []
    spanned = 0
    (top,) = next(records._raw(s, "SELECT max(seq) FROM record_stamps"), (None,))
    tasks += _cut("stamps", "", 1, int(top or 0), max(1, int(top or 0) // 8 + 1))
    for kind, spec in records.KINDS.items():
        if kind in ("user", "workflow") or spec.model is None:
            tasks.append(("here", kind, None, None))
            continue
        table = records._table(spec.model).name
        # Two subqueries, each answered from the ends of the table's b-tree; `SELECT min(id), max(id)`
        # scans the smallest covering index instead (100 ms at 1,000,000 cases, and it read an index a
        # damaged page could break before the integrity check had said so).
        low, high = next(
            records._raw(s, f"SELECT (SELECT min(id) FROM {table}), (SELECT max(id) FROM {table})"), (None, None)
        )
        if low is None:
            tasks.append(("records", kind, None, None))  # no rows: stamps of deleted ones, if any
            continue
        span = int(high) - int(low) + 1
        spanned += span
        tasks += _cut("records", kind, int(low), int(high), RANGE)
    return tasks, spanned


def _cut(what: str, kind: str, low: int, high: int, width: int) -> list[Task]:
    """Ranges over low..high, `width` apart (at most MAX_RANGES), the ends open."""
    count = min(MAX_RANGES, max(1, (high - low + 1 + width - 1) // width))
    width = (high - low + 1 + count - 1) // count
    bounds: list[int | None] = [None, *(low + i * width for i in range(1, count)), None]
    return [(what, kind, bounds[i], bounds[i + 1]) for i in range(count)]


@dataclass
class ParallelRecords:
    """Record checks running in worker processes; `finish` collects them. Start it on the session
    verify will name the problems with, after that session has read (so its snapshot is fixed):
    every worker reports the audit head its own snapshot shows, and when one differs (someone wrote
    meanwhile) the records are checked again in this session, one process, so the report describes
    one state of the ledger."""

    path: str
    key: bytes
    tasks: list[Task]
    workers: int
    head: Head
    _pool: ProcessPoolExecutor | None = None
    _futures: list[Future[tuple[Head, record_checks.Findings]]] = field(default_factory=list)

    def start(self) -> None:
        self._pool = ProcessPoolExecutor(
            self.workers,
            multiprocessing.get_context("spawn"),
            initializer=_worker_start,
            initargs=(self.path, self.key),
        )
        self._futures = [self._pool.submit(_worker_check, task) for task in self.tasks if task[0] != "here"]

    def finish(
        self,
        s: Session,
        say: Callable[[str], None],
        cancelled: Callable[[], bool] | None = None,
    ) -> record_checks.RecordReport:
        assert self._pool is not None
        stamps, found = record_checks.Findings(), record_checks.Findings()
        said = ""
        futures = iter(self._futures)
        for task in self.tasks:
            label = "记录指纹与审计事件" if task[0] == "stamps" else records.KINDS[task[1]].label
            if label != said:
                say(f"核对{label}…")
                said = label
            if task[0] == "here":
                part = record_checks.Findings()
                if not record_checks.check_kind(s, self.key, task[1], True, part, cancelled=cancelled):
                    return self._stop(s, stamps, found)
                found.merge(part)
                continue
            try:
                done = _wait(next(futures), cancelled)
            except Exception as err:  # a worker's failure (file unreadable, process killed) is a failed check
                report = self._stop(s, stamps, found)
                report.ok = False
                report.total_problems += 1
                report.problems.insert(0, f"记录校验未能完成：校验进程出错（{type(err).__name__}：{err}），请重新校验")
                return report
            if done is None:  # cancelled: what was found so far, as the one-process pass does
                return self._stop(s, stamps, found)
            head, part = done
            if head != self.head:  # the ledger was written meanwhile: one state, in this session
                assert self._pool is not None
                self._pool.shutdown(wait=False, cancel_futures=True)
                say("台账在校验期间有新的写入，重新核对记录…")
                return record_checks.verify_records(s, self.key, say, cancelled)
            (stamps if task[0] == "stamps" else found).merge(part)
        assert self._pool is not None
        self._pool.shutdown(wait=True)  # joined: their CPU time is counted as this process's children's
        return record_checks.named_report(s, stamps, found)

    def close(self) -> None:
        """Let the workers go (idempotent): after `finish`, or when verify ends early."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _stop(
        self, s: Session, stamps: record_checks.Findings, found: record_checks.Findings
    ) -> record_checks.RecordReport:
        assert self._pool is not None
        self._pool.shutdown(wait=False, cancel_futures=True)
        return record_checks.named_report(s, stamps, found)


def _wait(
    future: Future[tuple[Head, record_checks.Findings]], cancelled: Callable[[], bool] | None
) -> tuple[Head, record_checks.Findings] | None:
    while True:
        try:
            return future.result(timeout=0.25 if cancelled else None)
        except FutureTimeout:
            if cancelled and cancelled():
                return None


def start(s: Session, path: str, key: bytes, workers: int | None = None) -> ParallelRecords | None:
    """The record checks of the SQLite ledger at `path`, started in worker processes, or None when
    one process should do them: `workers` 0 or 1, one core, or (`workers` None, automatic) a ledger
    too small for the processes to pay for their start. `s` must be a reading session of that ledger."""
    count = min(available_cores(), MAX_WORKERS) if workers is None else workers
    if count < 2:
        return None
    tasks, spanned = plan(s)  # also fixes the session's snapshot, before any worker reads
    if workers is None and spanned < PARALLEL_MIN:
        return None
    head = next(records._raw(s, "SELECT seq, hash FROM audit_head WHERE id = 1"), None)
    job = ParallelRecords(path, key, tasks, count, _head(head))
    job.start()
    return job


def _head(row: tuple[object, ...] | None) -> Head:
    return None if row is None else (int(str(row[0])), str(row[1]))


# -- in the worker process ---------------------------------------------------------------------------
_worker: dict[str, object] = {}


def _worker_start(path: str, key: bytes) -> None:
    """Pool initializer: only remembers (an exception here would break the pool without saying why;
    opening the file is the first task's, whose failure comes back with that task)."""
    _worker["path"], _worker["key"] = path, key


def _worker_connection() -> tuple[sqlite3.Connection, Head]:
    if "con" not in _worker:
        uri = Path(str(_worker["path"])).absolute().as_uri() + "?mode=ro"
        con = sqlite3.connect(uri, uri=True, isolation_level=None)
        con.execute("PRAGMA query_only = ON")
        con.execute("PRAGMA trusted_schema = OFF")
        con.execute("BEGIN")  # one read transaction for every task of this worker: one snapshot
        _worker["head"] = _head(con.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone())
        _worker["con"] = con
    return _worker["con"], _worker["head"]  # type: ignore[return-value]


def _worker_check(task: Task) -> tuple[Head, record_checks.Findings]:
    con, head = _worker_connection()
    key = _worker["key"]
    assert isinstance(key, bytes)
    what, kind, lo, hi = task
    if what == "stamps":
        return head, record_checks.check_stamp_groups(con, key, True, lo, hi)
    part = record_checks.Findings()
    record_checks.check_kind(con, key, kind, True, part, lo, hi)
    return head, part
