"""What the window and the command line need to know about the outputs before any is made: the
report kinds and workbook templates by name, and the request and result of each. Imports neither
ReportLab nor openpyxl, so the window starts without them (they load with the first report or
export: reports/render.py, reports/excel.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ledger.dto import CaseFilter

KINDS = {
    "ledger": "问题整改台账",
    "weekly": "整改进度周报",
    "timetable": "整改时间表",
    "closure": "销号审批表",
    "household": "一户一档",
    "letter": "督办函",
    "reminders": "到期提醒清单",
}
TEMPLATES = {"handoff": "上报台账（含统计表）", "statistics": "统计表"}


@dataclass
class ReportRequest:
    kind: str
    filter: CaseFilter = field(default_factory=lambda: CaseFilter(include_void=False))
    case_number: str | None = None  # closure: one case
    household_id: int | None = None  # household: one household
    group_by: str = "department"  # timetable: department | township
    unmask: bool = False
    reason: str = ""
    unit: str | None = None  # 制表单位; default from the county name
    # Paper an office signs (issue 14). Each report kind reads the ones that concern it.
    period_start: dt.date | None = None  # weekly: 统计周期 (default: the last full report week)
    period_end: dt.date | None = None
    reviewer: str = ""  # 审核人 printed in the signature block (blank line when empty)
    signer: str = ""  # 签发人 (weekly report)
    profile: str = "brief"  # ledger: "brief" 周报简表 (about 14 columns) | "full" 完整 (all 30)
    paper: str = "A4"  # ledger: "A4" | "A3", landscape
    by_village: bool = False  # ledger: a section per village of the township; weekly: 六、分村情况


@dataclass(frozen=True)
class ReportResult:
    path: Path
    pages: int
    cases: int
    missing: list[str]  # characters no font has: "“𠇔”（U+201D4）见 990101-2026-000001"
    seconds: float
    fonts: str


@dataclass
class ExportRequest:
    filter: CaseFilter = field(default_factory=lambda: CaseFilter(include_void=False))
    template: str = "handoff"
    unmask: bool = False
    reason: str = ""
    unit: str | None = None
    # 统计表: the 统计周期 (default: the 周报's, the last full report week; for the handoff workbook,
    # the seven days ending today, so its figures are those of the rows beside them)
    period_start: dt.date | None = None
    period_end: dt.date | None = None


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    seconds: float
    sha256: str
