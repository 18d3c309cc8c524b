"""统计年度: the one rule that says which cases a year (or a date range) counts, shared by the
dashboard, every printed report and every export.

The rule (as a county clerk keeps a yearly 台账): the scope of a year holds
  - every case **found** in that year (发现日期 within it), whatever its state now; and
  - every case found **before** that year that is **still open** now (未销号、未作废): the
    结转 cases carried over from earlier years, which the year still has to rectify.
A case found in 2025 and 销号 in 2025 belongs to 2025 only; a case found in 2025 and still open
belongs to 2025 and to every later year until it is closed. Cases found after the year's end are
never in it. Figures name the rule: "2026年度（含结转）". A custom range (自定义区间) applies the same
rule to its first and last day. No scope (全部年度) counts every case, as before.

A year scope is answered from `case_year_counts` (revision 0012: counts per found year, township,
department, subcategory and state, kept by triggers beside `case_counts`), so a scoped dashboard
stays a small grouped read; a custom range scans the cases table on its found_date index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import SQLColumnExpression, and_, or_, true
from sqlalchemy.sql import ColumnElement

from ledger.errors import ValidationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ledger.facade import Ledger

FIRST_YEAR = 2000
LAST_YEAR = 2100


@dataclass(frozen=True)
class Scope:
    """A 统计年度 (`year`) or a custom range (`start`..`end`, both inclusive)."""

    year: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    def __post_init__(self) -> None:
        if self.year is not None:
            if not FIRST_YEAR <= self.year <= LAST_YEAR:
                raise ValidationError(f"统计年度应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间，收到：{self.year}")
            if self.start is not None or self.end is not None:
                raise ValidationError("统计年度和自定义区间只能选一个")
        elif self.start is None or self.end is None:
            raise ValidationError("自定义区间须填写起止日期")
        elif self.start > self.end:
            raise ValidationError(f"自定义区间的起始日期（{self.start}）晚于结束日期（{self.end}）")

    @classmethod
    def parse(
        cls, year: str | int | None = None, start: dt.date | str | None = None, end: dt.date | str | None = None
    ) -> Scope | None:
        """A scope from what a clerk types: a year (2026, "2026", "2026年"), or two dates; None = 全部年度."""
        if year not in (None, "", "全部年度"):
            text = str(year).strip().removesuffix("年度").removesuffix("年")
            if not text.isdigit():
                raise ValidationError(f"统计年度应为四位年份，如 2026，收到：{year}")
            return cls(year=int(text))
        if start is None and end is None:
            return None
        return cls(start=_day(start, "起始日期"), end=_day(end, "结束日期"))

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 1, 1) if self.year is not None else self.start  # type: ignore[return-value]

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, 12, 31) if self.year is not None else self.end  # type: ignore[return-value]

    @property
    def label(self) -> str:
        """How a figure, a title or a 统计范围 names the scope."""
        if self.year is not None:
            return f"{self.year}年度（含结转）"
        return f"{self.first_day:%Y-%m-%d}至{self.last_day:%Y-%m-%d}（含结转）"

    @property
    def short(self) -> str:
        """The label without nested brackets, for titles: 2026年度·含结转."""
        return self.label.replace("（", "·").replace("）", "")

    def condition(
        self, found_date: SQLColumnExpression[dt.date], state: SQLColumnExpression[str]
    ) -> ColumnElement[bool]:
        """The SQL condition over a found date and a state column (cases)."""
        from ledger.workflow import OPEN_STATES

        return and_(
            found_date <= self.last_day,
            or_(found_date >= self.first_day, state.in_(sorted(OPEN_STATES))),
        )

    def year_condition(
        self, found_year: SQLColumnExpression[int], state: SQLColumnExpression[str]
    ) -> ColumnElement[bool]:
        """The same rule over case_counts' found year (a year scope only)."""
        from ledger.workflow import OPEN_STATES

        assert self.year is not None
        return and_(found_year <= self.year, or_(found_year == self.year, state.in_(sorted(OPEN_STATES))))

    def holds(self, found_date: dt.date, state: str) -> bool:
        """The rule in Python (tests, and anyone checking a single case)."""
        from ledger.workflow import OPEN_STATES

        return found_date <= self.last_day and (found_date >= self.first_day or state in OPEN_STATES)


def scope_condition(
    scope: Scope | None, found_date: SQLColumnExpression[dt.date], state: SQLColumnExpression[str]
) -> ColumnElement[bool]:
    return true() if scope is None else scope.condition(found_date, state)


def label(scope: Scope | None) -> str:
    return "全部年度" if scope is None else scope.label


def _day(value: object, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError(f"自定义区间的{what}应为 2026-01-01 这样的日期，收到：{value or '（空）'}") from None


def found_year(s: Session) -> ColumnElement[int]:
    """The found year of cases.found_date as SQL (what the case_counts triggers store)."""
    from sqlalchemy import Integer, cast, extract, func

    from ledger.models import Case

    if s.get_bind().dialect.name == "sqlite":
        return cast(func.substr(Case.found_date, 1, 4), Integer)
    return cast(extract("year", Case.found_date), Integer)


def first_year(lg: Ledger) -> int:
    """The year of the earliest found case (this year when the ledger is empty): the selector's range."""
    from sqlalchemy import func, select

    from ledger.models import Case

    with lg.reading() as s:
        first = s.scalar(select(func.min(Case.found_date)))
    return first.year if first is not None else lg.today().year
