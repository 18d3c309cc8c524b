"""What an Excel import plans and returns (ledger/services/imports.py): each row's outcome, the plan
the user previews before anything is written, and the result of its commit."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ledger import schema
from ledger.sheets import RawTable
from ledger.tabular import Layout

IMPORT_ROLES = frozenset({"clerk", "coordinator"})
FILLIN_ROLES = frozenset({"clerk", "coordinator", "dept_officer"})
MAX_CELL_CHARS = 32_767  # Excel's limit on a cell: a longer one did not come from Excel and is refused
REQUIRED_NEW = ("township", "village", "head_name", "head_id", "description", "found_date")
# Fields a ledger-workbook row may change on an existing case (when the case's state allows it).
UPDATABLE = (
    "description",
    "source",
    "found_date",
    "remarks",
    "assisting_departments",
    "deadline",
    "lead_department_id",
    "measures",
    "completion_date",
    *schema.plain_codes(),  # 责任人, 整改资金… (ledger/schema.py)
)
STATUS_NAMES = {
    "new": "新增",
    "updated": "更新",
    "unchanged": "无变化",
    "duplicate": "重复",
    "invalid": "有误",
    "conflict": "冲突",
}
DEFAULT_SOURCE = "干部走访排查"
DEFAULT_KIND = "一般农户"


@dataclass(slots=True)
class RowOutcome:
    row: int  # the row number Excel shows (1-based)
    status: str  # new | updated | unchanged | duplicate | invalid | conflict
    reasons: list[str] = field(default_factory=list)
    case_number: str = ""
    notes: list[str] = field(default_factory=list)  # accepted, with a remark (e.g. a default applied)
    ignored: list[str] = field(default_factory=list)  # parts of an accepted row left out (fill-in: locked cells)
    converted: list[str] = field(default_factory=list)  # what reading changed unasked (also in notes)

    def convert(self, note: str) -> None:
        """An automatic conversion: a note in the preview, and a line in the error list."""
        self.converted.append(note)
        self.notes.append(note)

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


@dataclass
class ImportPlan:
    """What a commit would do; nothing is written while the user looks at it."""

    file_name: str
    sha256: str
    sheet: str
    mode: str  # ledger | fillin
    layout: Layout
    mapping: dict[int, str]
    outcomes: list[RowOutcome]
    warnings: list[str]
    already: str  # "" or when/who imported this very file before
    audit_seq: int  # the ledger's state the plan was made against
    table: RawTable
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUS_NAMES, 0)
        for o in self.outcomes:
            out[o.status] += 1
        return out

    @property
    def refused(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.status in ("invalid", "conflict", "duplicate")]

    @property
    def writes(self) -> int:
        return 0 if self.already else len(self.new_rows) + len(self.updates) + len(self.notes)

    def summary(self) -> str:
        c = self.counts
        parts = [f"新增 {c['new']:,} 条", f"更新 {c['updated']:,} 条"]
        if self.mode == "ledger":
            parts.append(f"重复 {c['duplicate']:,} 条")
        else:
            parts.append(f"冲突 {c['conflict']:,} 条")
        parts += [f"有误 {c['invalid']:,} 条", f"无变化 {c['unchanged']:,} 条"]
        return "，".join(parts)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    households: int
    notes: int
    first_number: str
    last_number: str
    audit_seq: int
    seconds: float = 0.0


Progress = Callable[[int, int], None] | None
Cancelled = Callable[[], bool] | None


def progress_every(callback: Progress, done: int, total: int) -> None:
    if callback is not None and (done % 2000 == 0 or done == total):
        callback(done, total)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while an import plans. A plan of 100,000 rows creates a million
    small dicts, lists and outcomes, none of them in a cycle (reference counting frees them); each
    counted toward the next collection, and the full collections, which walk every object alive
    (the sheet's 100,000 row lists among them), took 1.6–2.2 s of a 6–10 s dry run (gc.callbacks,
    bench/excel.py's workbook, a loaded machine). Around the commit it showed no gain (13.2–15.3 s
    paused against 13.2–13.6 s not), so it is not used there. Collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
