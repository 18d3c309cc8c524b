"""The numbers an office issues on paper: a 督办函's 发文字号 and a weekly report's 期数.

A number is one row of `serials` (series, year, number), unique within its series and year and
never changed or removed. It is claimed in the transaction that records the printing of the paper
carrying it (reports/render.py): the renderer asks `peek` for the next free number, lays the pages
out with it, and claims it together with the report.print event. When another PC claimed the same
number in between, `claim` raises ConflictError and the renderer lays the pages out again with the
next number, so numbers are neither shared nor skipped. A number given to a subject (a weekly
report's period) is found again with `issued`, so a reprint keeps it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.errors import ConflictError
from ledger.models import Serial

if TYPE_CHECKING:
    from ledger.facade import Ledger


@dataclass(frozen=True)
class IssuedNumber:
    series: str
    year: int
    number: int
    subject: str
    issued_at: dt.datetime
    issued_by: str


class SerialService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def peek(self, series: str, year: int) -> int:
        """The next number of the series in that year (1 for the first)."""
        with self._ledger.reading() as s:
            last = s.scalar(select(func.max(Serial.number)).where(Serial.series == series, Serial.year == year))
        return int(last or 0) + 1

    def issued(self, series: str, subject: str) -> tuple[int, int] | None:
        """(year, number) already given to `subject` in the series, if any (the first one)."""
        with self._ledger.reading() as s:
            row = s.execute(
                select(Serial.year, Serial.number)
                .where(Serial.series == series, Serial.subject == subject)
                .order_by(Serial.id)
                .limit(1)
            ).first()
        return (int(row[0]), int(row[1])) if row else None

    def claim(self, s: Session, series: str, year: int, number: int, subject: str, issued_by: str) -> None:
        """Take `number` inside the caller's unit of work (which records the event naming it).
        ConflictError when the number is already taken."""
        taken = s.scalar(select(Serial.id).where(Serial.series == series, Serial.year == year, Serial.number == number))
        if taken is not None:
            raise ConflictError(f"{year}年第{number}号已被使用")
        s.add(
            Serial(
                series=series,
                year=year,
                number=number,
                subject=subject[:200],
                issued_at=self._ledger.clock(),
                issued_by=issued_by[:64],
            )
        )
        try:
            s.flush()
        except IntegrityError as err:  # another PC took it between our check and the insert
            raise ConflictError(f"{year}年第{number}号已被使用") from err

    def register(self, series_prefix: str = "", year: int | None = None) -> list[IssuedNumber]:
        """The register of issued numbers (文号登记簿), oldest first."""
        query = select(Serial).order_by(Serial.series, Serial.year, Serial.number)
        if series_prefix:
            query = query.where(Serial.series.startswith(series_prefix))
        if year is not None:
            query = query.where(Serial.year == year)
        with self._ledger.reading() as s:
            return [
                IssuedNumber(r.series, r.year, r.number, r.subject, r.issued_at, r.issued_by) for r in s.scalars(query)
            ]
