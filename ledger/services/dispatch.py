"""一周一调度一通报: the 调度期, each unit's report (报送) for it, the board and the 通报's figures.

- The office sets its cut-off once (weekday and time, ledger settings, audited "settings.dispatch").
  Period N is the week ending at a cut-off: (cut-off − 7 days, cut-off]. A report at the cut-off
  itself is on time; one minute later belongs to the next period.
- A township or department reports (a signed `dispatch_submissions` row, event "dispatch.submit") when
  its 填报表 is imported and committed (ImportService.commit calls `record_import`) or when a user of
  the unit clicks 确认本期进度 (`confirm`; the 县级统筹员 may record it on behalf of a unit).
- Which period a report counts for: the period containing its time, unless the unit has not reported
  for the period that just ended, the report comes within the late window after that cut-off
  (setting, 24 hours by default) and that period's 通报 is not issued yet: then it is that period's
  迟报. A period closes for reports when its 通报 is issued.
- The board: every unit with cases (townships, and departments leading cases), 已报 / 迟报 / 未报
  (or 待报 while the period is still running) with times.
- Changing the cut-off changes the periods from then on; reports already recorded keep the period
  they were made for (its end is stored with them).
- The 通报's figures per unit (销号率, 逾期, 报送) and its ranking; the issued 通报 keeps them
  (`dispatch_bulletins`), so a reprint prints the same and the next one compares with them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.dto import Actor
from ledger.errors import ConflictError, PermissionDenied, ValidationError
from ledger.models import Case, CaseCount, Department, DispatchBulletin, DispatchSubmission, Meta, Region, User
from ledger.services.queries import overdue_sql

if TYPE_CHECKING:
    from ledger.facade import Ledger
    from ledger.services.imports import ImportPlan

WEEKDAY_KEY, TIME_KEY, LATE_KEY = "dispatch_weekday", "dispatch_time", "dispatch_late_hours"
DEFAULT_WEEKDAY, DEFAULT_TIME, DEFAULT_LATE_HOURS = 3, "17:00", 24  # 每周四 17:00, 迟报 within a day
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
SETTING_ROLES = frozenset({"admin", "coordinator"})
BEHALF_ROLES = frozenset({"coordinator"})  # may record a unit's report on its behalf
ISSUE_ROLES = frozenset({"coordinator", "clerk"})  # may print (issue) a numbered 通报
SERIES = "通报"
KIND_NAMES = {"township": "乡镇", "department": "责任单位"}
STATUS_ORDER = {"已报": 0, "迟报": 1, "待报": 2, "未报": 3}
VIA_NAMES = {"import": "导入填报表", "confirm": "确认本期进度", "behalf": "县级代为登记"}
_TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:：]([0-5]\d)\s*$")
WEEK = dt.timedelta(days=7)
REFUSED = ("invalid", "conflict", "duplicate")  # import rows that wrote nothing


@dataclass(frozen=True)
class Cutoff:
    weekday: int  # 0 Monday … 6 Sunday
    time: dt.time
    late_hours: int

    def describe(self) -> str:
        return f"每{WEEKDAYS[self.weekday]} {self.time:%H:%M}，截止后{self.late_hours}小时内补报记为迟报"


@dataclass(frozen=True)
class Period:
    """(end − 7 days, end]: the week ending at a cut-off."""

    end: dt.datetime

    @property
    def start(self) -> dt.datetime:
        return self.end - WEEK

    @property
    def previous(self) -> Period:
        return Period(self.end - WEEK)

    def contains(self, when: dt.datetime) -> bool:
        return self.start < when <= self.end

    def label(self) -> str:
        s, e = self.start, self.end
        return f"{s.month}月{s.day}日{s:%H:%M}至{e.month}月{e.day}日{e:%H:%M}"

    def title(self) -> str:
        return f"截至{self.end.year}年{self.end.month}月{self.end.day}日{self.end:%H:%M}的调度期"


def period_containing(cutoff: Cutoff, when: dt.datetime) -> Period:
    """The period whose (start, end] holds `when`."""
    end = dt.datetime.combine(when.date(), cutoff.time) + dt.timedelta(days=(cutoff.weekday - when.weekday()) % 7)
    if end < when:
        end += WEEK
    return Period(end)


@dataclass(frozen=True)
class Unit:
    kind: str  # township | department
    id: int
    name: str


@dataclass(frozen=True)
class BoardRow:
    unit: Unit
    status: str  # 已报 | 迟报 | 未报 | 待报
    submitted_at: dt.datetime | None
    submitted_by: str
    via: str  # VIA_NAMES value, "" when none


def status_of(period: Period, submitted_at: dt.datetime | None, at: dt.datetime) -> str:
    if submitted_at is not None:
        return "已报" if submitted_at <= period.end else "迟报"
    return "未报" if at > period.end else "待报"


def rank_units(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of one kind ranked: 销号率 high first, then fewer 逾期, then reporting (已报, 迟报, 未报),
    then name. Ties on all three share a rank."""

    def key(r: dict[str, Any]) -> tuple[Fraction | int, int, int]:
        return (-Fraction(r["closed"], r["total"]) if r["total"] else 0, r["overdue"], STATUS_ORDER[r["status"]])

    ordered = sorted(rows, key=lambda r: (*key(r), r["name"]))
    for i, r in enumerate(ordered):
        r["rank"] = ordered[i - 1]["rank"] if i and key(ordered[i - 1]) == key(r) else i + 1
    return ordered


class DispatchService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    # -- settings ---------------------------------------------------------------------------------------
    def cutoff(self) -> Cutoff:
        lg = self._ledger
        hour, minute = lg.meta(TIME_KEY, DEFAULT_TIME).split(":")
        return Cutoff(
            int(lg.meta(WEEKDAY_KEY, str(DEFAULT_WEEKDAY))),
            dt.time(int(hour), int(minute)),
            int(lg.meta(LATE_KEY, str(DEFAULT_LATE_HOURS))),
        )

    def set_cutoff(
        self, actor: Actor | None, weekday: int, time_text: str, late_hours: int = DEFAULT_LATE_HOURS
    ) -> Cutoff:
        """The office's cut-off weekday and time (audited as settings.dispatch)."""
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValidationError("报送截止日应为周一至周日之一")
        m = _TIME.match(time_text or "")
        if m is None:
            raise ValidationError(f"报送截止时间应写成“时:分”，如 17:00；“{time_text}”不符合")
        if not isinstance(late_hours, int) or not 0 <= late_hours <= 72:
            raise ValidationError("迟报时限应为0至72小时")
        value = f"{int(m.group(1)):02d}:{m.group(2)}"
        lg = self._ledger
        with lg.unit_of_work() as s:
            actor = lg.authority(s, actor)
            if not actor.roles & SETTING_ROLES:
                raise PermissionDenied("只有系统管理员或县级统筹员可以设置调度报送截止时间")
            changes = {}
            for key, new in ((WEEKDAY_KEY, str(weekday)), (TIME_KEY, value), (LATE_KEY, str(late_hours))):
                row = s.get(Meta, key)
                changes[key] = {"old": row.value if row else "", "new": new}
                if row is None:
                    s.add(Meta(key=key, value=new))
                else:
                    row.value = new
            lg.record(s, actor, "settings.dispatch", "meta", None, changes)
        return self.cutoff()

    # -- periods -------------------------------------------------------------------------------------------
    def period_of(self, when: dt.datetime) -> Period:
        return period_containing(self.cutoff(), when)

    def current_period(self) -> Period:
        return self.period_of(self._ledger.clock())

    def recent_periods(self, count: int = 12) -> list[Period]:
        """The current period first, then the ones before it."""
        p = self.current_period()
        out = []
        for _ in range(count):
            out.append(p)
            p = p.previous
        return out

    def last_closed_period(self) -> Period:
        """The latest period whose cut-off has passed (the one a 通报 is normally issued for)."""
        return self.current_period().previous

    # -- units and the board ---------------------------------------------------------------------------------
    def _units(self, s: Session) -> list[Unit]:
        """Townships and lead departments with cases (not void), from the trigger-kept counters."""
        live = (CaseCount.state != "void") & (CaseCount.n > 0)
        towns = s.execute(
            select(Region.id, Region.name)
            .where(Region.id.in_(select(CaseCount.township_id).where(live).distinct()))
            .order_by(Region.code)
        ).all()
        depts = s.execute(
            select(Department.id, Department.name)
            .where(Department.id.in_(select(CaseCount.department_id).where(live, CaseCount.department_id != 0)))
            .order_by(Department.code)
        ).all()
        return [Unit("township", i, n) for i, n in towns] + [Unit("department", i, n) for i, n in depts]

    def units(self) -> list[Unit]:
        with self._ledger.reading() as s:
            return self._units(s)

    def board(self, period: Period, at: dt.datetime | None = None) -> list[BoardRow]:
        at = at or self._ledger.clock()
        with self._ledger.reading() as s:
            units = self._units(s)
            subs = {
                (r.unit_kind, r.unit_id): (r, name)
                for r, name in s.execute(
                    select(DispatchSubmission, User.display_name)
                    .join(User, User.id == DispatchSubmission.submitted_by)
                    .where(DispatchSubmission.period_end == period.end)
                )
            }
        rows = []
        for u in units:
            found = subs.get((u.kind, u.id))
            if found is None or found[0].submitted_at > at:
                rows.append(BoardRow(u, status_of(period, None, at), None, "", ""))
            else:
                sub, name = found
                rows.append(BoardRow(u, status_of(period, sub.submitted_at, at), sub.submitted_at, name,
                                     VIA_NAMES.get(sub.via, sub.via)))  # fmt: skip
        return rows

    # -- reports (报送) ------------------------------------------------------------------------------------------
    def _bulletin_issued(self, s: Session, period: Period) -> bool:
        return s.scalar(select(DispatchBulletin.id).where(DispatchBulletin.period_end == period.end)) is not None

    def _submitted(self, s: Session, period: Period, unit: tuple[str, int]) -> DispatchSubmission | None:
        return s.scalars(
            select(DispatchSubmission).where(
                DispatchSubmission.period_end == period.end,
                DispatchSubmission.unit_kind == unit[0],
                DispatchSubmission.unit_id == unit[1],
            )
        ).first()

    def _late_open(self, s: Session, period: Period, now: dt.datetime) -> bool:
        late = dt.timedelta(hours=self.cutoff().late_hours)
        return period.end < now <= period.end + late and not self._bulletin_issued(s, period)

    def _target(self, s: Session, unit: tuple[str, int], now: dt.datetime) -> Period:
        current = self.period_of(now)
        previous = current.previous
        if self._late_open(s, previous, now) and self._submitted(s, previous, unit) is None:
            return previous
        return current

    def _unit_name(self, s: Session, kind: str, unit_id: int) -> str:
        if kind == "township":
            region = s.get(Region, unit_id)
            name = region.name if region is not None and region.level == "township" else None
        else:
            department = s.get(Department, unit_id)
            name = department.name if department is not None else None
        if name is None:
            raise ValidationError("没有这个乡镇或责任单位")
        return name

    def _add(
        self, s: Session, actor: Actor, period: Period, unit: tuple[str, int], via: str, note: str
    ) -> DispatchSubmission:
        lg = self._ledger
        now = lg.clock()
        row = DispatchSubmission(period_end=period.end, unit_kind=unit[0], unit_id=unit[1], submitted_at=now,
                                 submitted_by=actor.id, via=via, note=note)  # fmt: skip
        s.add(row)
        try:
            s.flush()
        except IntegrityError as err:  # writers are serialised, so only a bug or a SQL edit gets here
            raise ConflictError("该单位本期已报送，请刷新后查看") from err
        name = self._unit_name(s, *unit)
        lg.record(
            s,
            actor,
            "dispatch.submit",
            "dispatch",
            row.id,
            {"period_end": period.end.isoformat(timespec="minutes"), "unit": name, "kind": unit[0],
             "via": via, "status": status_of(period, now, now), "note": note},
        )  # fmt: skip
        return row

    def confirm(
        self, actor: Actor | None, kind: str, unit_id: int, period: Period | None = None, note: str = ""
    ) -> BoardRow:
        """确认本期进度: the unit's report for `period` (default: the period it is due for now).
        A user of the unit, or the 县级统筹员 on its behalf."""
        if kind not in KIND_NAMES:
            raise ValidationError("报送单位应为乡镇或责任单位")
        note = (note or "").strip()
        if len(note) > 500:
            raise ValidationError("报送说明不能超过500字")
        lg = self._ledger
        with lg.unit_of_work() as s:
            actor = lg.authority(s, actor)
            own = actor.township_id == unit_id if kind == "township" else actor.department_id == unit_id
            if not own and not actor.roles & BEHALF_ROLES:
                raise PermissionDenied("只能确认本单位的进度（县级统筹员可代为登记）")
            name = self._unit_name(s, kind, unit_id)
            now = lg.clock()
            target = period or self._target(s, (kind, unit_id), now)
            if now <= target.start:
                raise ValidationError(f"{target.label()}的调度期尚未开始，不能提前报送")
            if now > target.end and not self._late_open(s, target, now):
                raise ValidationError(f"{target.label()}的调度期已结束（迟报时限已过或通报已印发），不能再补报")
            done = self._submitted(s, target, (kind, unit_id))
            if done is not None:
                raise ValidationError(f"{name}本期已于{done.submitted_at:%Y-%m-%d %H:%M}报送，无须重复确认")
            via = "confirm" if own else "behalf"
            row = self._add(s, actor, target, (kind, unit_id), via, note)
            status = status_of(target, row.submitted_at, now)
        return BoardRow(Unit(kind, unit_id, name), status, row.submitted_at, actor.display_name, VIA_NAMES[via])

    def record_import(self, s: Session, actor: Actor, plan: ImportPlan) -> None:
        """Inside a 填报表 import's transaction (ImportService.commit): each department leading a case
        on an accepted row has reported (once per period; a second workbook changes nothing here)."""
        numbers = sorted({o.case_number for o in plan.outcomes if o.case_number and o.status not in REFUSED})
        departments: set[int] = set()
        for i in range(0, len(numbers), 900):
            chunk = numbers[i : i + 900]
            departments.update(
                d for d in s.scalars(select(Case.lead_department_id).where(Case.number.in_(chunk))) if d is not None
            )
        now = self._ledger.clock()
        for dept in sorted(departments):
            target = self._target(s, ("department", dept), now)
            if self._submitted(s, target, ("department", dept)) is None:
                self._add(s, actor, target, ("department", dept), "import", "")

    # -- the 通报's figures --------------------------------------------------------------------------------
    def figures(self, period: Period, at: dt.datetime | None = None) -> dict[str, Any]:
        """Per unit: 问题数 (not void), 已销号, 逾期 today, 报送 for the period; ranked within each kind;
        with the previous issued 通报's figures for comparison."""
        lg = self._ledger
        at = at or lg.clock()
        today = at.date()
        board = {(r.unit.kind, r.unit.id): r for r in self.board(period, at)}
        with lg.reading() as s:
            live = Case.state != "void"
            counts: dict[tuple[str, int], dict[str, int]] = {}
            for kind, column in (("township", Case.township_id), ("department", Case.lead_department_id)):
                query = (
                    select(
                        column,
                        func.count(),
                        func.sum(case((Case.state == "closed", 1), else_=0)),
                        func.sum(case((overdue_sql(today), 1), else_=0)),
                    )
                    .where(live, column.is_not(None))
                    .group_by(column)
                )
                for unit_id, total, closed, overdue in s.execute(query):
                    counts[(kind, unit_id)] = {"total": total, "closed": int(closed or 0), "overdue": int(overdue or 0)}
            previous = s.scalars(
                select(DispatchBulletin)
                .where(DispatchBulletin.period_end < period.end)
                .order_by(DispatchBulletin.period_end.desc())
                .limit(1)
            ).first()
        before = json.loads(previous.figures) if previous is not None else None
        before_units = {(u["kind"], u["id"]): u for u in before["units"]} if before else {}
        units: list[dict[str, Any]] = []
        for kind in KIND_NAMES:
            rows = []
            for (k, unit_id), r in board.items():
                if k != kind:
                    continue
                c = counts.get((k, unit_id), {"total": 0, "closed": 0, "overdue": 0})
                when = r.submitted_at.isoformat(timespec="minutes") if r.submitted_at else ""
                row = {"kind": k, "id": unit_id, "name": r.unit.name, **c, "status": r.status, "submitted_at": when}
                old = before_units.get((k, unit_id))
                row["prev"] = {x: old[x] for x in ("total", "closed", "overdue", "rank", "status")} if old else None
                rows.append(row)
            units += rank_units(rows)
        return {
            "period_end": period.end.isoformat(timespec="minutes"),
            "as_of": at.isoformat(timespec="minutes"),
            "units": units,
            "previous": (
                {"year": previous.year, "number": previous.number, "period_end": before["period_end"]}
                if previous is not None and before is not None
                else None
            ),
        }

    def issued_later(self, period: Period) -> tuple[int, int] | None:
        """(year, number) of a 通报 already issued for a later period: then this one may not be
        issued any more (期数 follow the periods)."""
        with self._ledger.reading() as s:
            row = s.execute(
                select(DispatchBulletin.year, DispatchBulletin.number)
                .where(DispatchBulletin.period_end > period.end)
                .order_by(DispatchBulletin.period_end)
                .limit(1)
            ).first()
        return (int(row[0]), int(row[1])) if row else None

    def issued(self, period: Period) -> tuple[int, int, dict[str, Any]] | None:
        """(year, number, figures) of the 通报 issued for `period`, if any."""
        with self._ledger.reading() as s:
            row = s.scalars(select(DispatchBulletin).where(DispatchBulletin.period_end == period.end)).first()
        return (row.year, row.number, json.loads(row.figures)) if row is not None else None

    def store_bulletin(
        self, s: Session, period: Period, year: int, number: int, figures: dict[str, Any], issued_by: str
    ) -> None:
        """Inside the print transaction (reports/bulletin.py), with the serial claim and its event."""
        s.add(DispatchBulletin(period_end=period.end, year=year, number=number,
                               figures=json.dumps(figures, ensure_ascii=False, sort_keys=True),
                               issued_at=self._ledger.clock(), issued_by=issued_by[:64]))  # fmt: skip
        try:
            s.flush()
        except IntegrityError as err:  # another PC issued this period's 通报 meanwhile
            raise ConflictError("本期通报已由其他电脑印发") from err
