"""Frozen values of 部门比对 the ledger hands to ui/ and reports/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

STATE_NAMES = {"open": "待核实", "registered": "已登记", "dismissed": "已排除", "gone": "已消失"}
MATCH_NAMES = {"id": "身份证号", "name": "姓名+村（弱）", "village": "村名", "": "名单中无此人"}


@dataclass(frozen=True)
class FindingView:
    id: int
    kind: str
    rule: str
    key: str
    state: str
    township_id: int
    township: str
    village_id: int
    village: str
    household_id: int | None
    head_name: str  # "" for a village-level finding
    member_id: int | None
    member_name: str  # the person it is about when not the head; "" otherwise
    id_number: str  # full: outputs mask it (ledger.ids.mask) unless unmasked with a reason
    subcategory: str
    subcategory_name: str
    description: str
    weak: bool
    match: str  # id | name | village | "" (the person is missing from the roster)
    roster_row: int | None
    roster_cells: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    first_run_id: int = 0
    last_run_id: int = 0
    case_id: int | None = None
    case_number: str = ""
    reason: str = ""

    @property
    def state_name(self) -> str:
        return STATE_NAMES[self.state]

    @property
    def match_name(self) -> str:
        return MATCH_NAMES[self.match]

    @property
    def person(self) -> str:
        """Who it is about, as a list shows it: 王小明, or 东关村（村级）."""
        if self.household_id is None:
            return f"{self.village}（村级）"
        return self.member_name or self.head_name


@dataclass(frozen=True)
class RunView:
    id: int
    kind: str
    file_name: str
    sha256: str
    rows: int
    run_at: dt.datetime
    run_by: str
    summary: dict[str, Any]

    @property
    def batch(self) -> str:
        return f"第{self.id}批"


@dataclass(frozen=True)
class CompareResult:
    run: RunView
    findings: tuple[FindingView, ...]  # every finding this run found (new and known)
    new: tuple[FindingView, ...]  # open now and not before (found for the first time, or again after gone)
    gone: tuple[FindingView, ...]  # open before, not found by this run
    unchanged: int
    unmatched: tuple[tuple[int, str], ...]  # roster rows matching nobody: (row, why)
    notes: tuple[tuple[int, str], ...]  # conversions made while reading: (row, what)
    warnings: tuple[str, ...]

    def per_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.rule] = out.get(f.rule, 0) + 1
        return out


@dataclass(frozen=True)
class RegisterResult:
    cases: tuple[tuple[int, int, str], ...]  # (finding id, case id, case number)


@dataclass(frozen=True)
class OwedRow:
    township: str
    village: str
    head_name: str
    name: str
    relation: str
    id_number: str  # full: the writer masks it unless unmasked with a reason
    tag: str  # 监测对象（边缘易致贫户）
    since: dt.date | None  # 识别日期


@dataclass(frozen=True)
class OwedRoster:
    kind: str
    title: str
    since: dt.date
    rows: tuple[OwedRow, ...]
