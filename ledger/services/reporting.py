"""Read models for the printed reports and the Excel handoff: the canonical ledger lines, the weekly
figures grouped by category / township / department, timetable bars, overdue lists per department.

Everything here is plain data (ledger/dto.py); the PDF layout lives in reports/. ID numbers and
phones come masked unless the caller passes unmask=True, which the caller has authorised and audited
(see ReportService in reports/render.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import ColumnElement

from ledger import ids
from ledger.dto import (
    CaseFilter,
    GroupFigures,
    LedgerLine,
    OverdueCase,
    TimetableBar,
    WeeklyFigures,
)
from ledger.errors import ValidationError
from ledger.models import Case, CaseAction, Evidence, Household, SignOff, User
from ledger.services.queries import DEADLINE_STATES
from ledger.workflow import OPEN_STATES, STATE_NAMES, LightPolicy, light

# A printout of more lines than this is thousands of pages: nobody means it.
MAX_LINES = 100_000
LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", None: ""}


def _date(value: dt.date | dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


class ReportingService:
    def __init__(self, ledger):
        self._ledger = ledger

    # -- selection --------------------------------------------------------------------------------
    def case_ids(self, f: CaseFilter, *, order: str = "place", limit: int = MAX_LINES) -> list[int]:
        """Ids of the filtered cases in print order ('place': township, village, number;
        'household': township, village, household (head's name), number; 'deadline': deadline,
        number). Refuses selections over `limit` with a Chinese message."""
        queries = self._ledger.queries
        keys = {
            "place": (Case.township_id, Case.village_id, Case.number),
            "household": (Case.township_id, Case.village_id, Household.head_name, Case.household_id, Case.number),
            "deadline": (Case.deadline, Case.number),
            "found": (Case.found_date, Case.number),
        }[order]
        query = select(Case.id)
        if order == "household":
            query = query.join(Household, Household.id == Case.household_id)
        with self._ledger.reading() as s:
            result = list(s.scalars(queries.filtered(query, f).order_by(*keys).limit(limit + 1)))
        if len(result) > limit:
            raise ValidationError(
                f"所选问题超过 {limit:,} 个，打印出来将有数千页。请按乡镇、责任单位或状态缩小范围后再打印。"
            )
        return result

    # -- the canonical ledger ------------------------------------------------------------------------
    def ledger_lines(self, case_ids: list[int], *, unmask: bool = False, batch: int = 900) -> Iterator[LedgerLine]:
        """The canonical columns of PRODUCT.md for these cases, in the given order."""
        cat = self._ledger.catalog
        county = self._ledger.meta("county_name")
        today = self._ledger.today()
        policy = LightPolicy(int(self._ledger.meta("warn_days", "3")))
        kinds = {}
        free = (lambda v: v) if unmask else ids.mask_free_text  # numbers inside free text, as in the columns
        for start in range(0, len(case_ids), batch):
            chunk = case_ids[start : start + batch]
            with self._ledger.reading() as s:
                rows = {
                    r.Case.id: r
                    for r in s.execute(
                        select(Case, Household)
                        .join(Household, Household.id == Case.household_id)
                        .where(Case.id.in_(chunk))
                    )
                }
                evidence = dict(
                    s.execute(
                        select(Evidence.case_id, func.count())
                        .where(Evidence.case_id.in_(chunk))
                        .group_by(Evidence.case_id)
                    ).all()
                )
                signed: dict[tuple[int, str], SignOff] = {}
                for so in s.scalars(
                    select(SignOff)
                    .where(SignOff.case_id.in_(chunk), SignOff.meaning.in_(("核验", "审批")))
                    .order_by(SignOff.id)
                ):
                    signed[(so.case_id, so.meaning)] = so  # the latest of each meaning wins
            for number, case_id in enumerate(chunk, start + 1):
                c, h = rows[case_id].Case, rows[case_id].Household
                sub = cat.subcategory(c.subcategory)
                if c.deadline_class not in kinds:
                    kinds[c.deadline_class] = next(
                        (
                            s.deadline_class_name
                            for s in cat.subcategories.values()
                            if s.deadline_class == c.deadline_class
                        ),
                        c.deadline_class,
                    )
                verified = signed.get((case_id, "核验"))
                approved = signed.get((case_id, "审批"))
                lead = cat.departments.get(c.lead_department_id) if c.lead_department_id else None
                yield LedgerLine(
                    case_id=case_id,
                    seq=number,
                    number=c.number,
                    county=county,
                    township=cat.region(c.township_id).name,
                    village=cat.region(c.village_id).name,
                    group=h.group_name,
                    head_name=h.head_name,
                    head_id=h.head_id_number if unmask else ids.mask(h.head_id_number),
                    phone=h.phone if unmask else ids.mask_phone(h.phone),
                    household_kind=h.kind,
                    household_size=h.size,
                    category=sub.category_name,
                    subcategory=sub.name,
                    description=free(c.description),
                    source=c.source,
                    found_date=_date(c.found_date),
                    lead_department=lead.name if lead else "",
                    assisting_departments=c.assisting_departments,
                    responsible_person=c.responsible_person,
                    measures=free(c.measures),
                    deadline_class=kinds[c.deadline_class],
                    deadline=_date(c.deadline),
                    state=STATE_NAMES[c.state],
                    completion_date=_date(c.completion_date),
                    verification=free(_signoff_text(verified)),
                    approval=free(_signoff_text(approved)),
                    closed_date=_date(c.closed_date),
                    evidence_count=int(evidence.get(case_id, 0)),
                    light=LIGHT_NAMES[light(c.state, c.deadline, today, policy)],
                    remarks=free(c.remarks),
                    household_id=h.id,
                )

    # -- the weekly report ----------------------------------------------------------------------------
    def weekly(self, f: CaseFilter, today: dt.date | None = None) -> WeeklyFigures:
        """Figures as of today; 本周 is Monday..today. Grouped by category, township, department."""
        today = today or self._ledger.today()
        week_start = today - dt.timedelta(days=today.weekday())
        warn = today + dt.timedelta(days=int(self._ledger.meta("warn_days", "3")))
        open_deadline = Case.state.in_(DEADLINE_STATES)

        def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
            return func.sum(case((condition, 1), else_=0))

        query = select(
            Case.category,
            Case.township_id,
            Case.lead_department_id,
            Case.state,
            func.count(),
            flag(Case.found_date >= week_start),
            flag(and_(Case.state == "closed", Case.closed_date >= week_start)),
            flag(and_(open_deadline, Case.deadline < today)),
            flag(and_(open_deadline, Case.deadline < today, Case.deadline >= week_start)),
            flag(and_(open_deadline, Case.deadline >= today, Case.deadline <= warn)),
        ).group_by(Case.category, Case.township_id, Case.lead_department_id, Case.state)
        base = CaseFilter(**{**f.__dict__, "include_void": False, "states": ()})
        with self._ledger.reading() as s:
            rows = s.execute(self._ledger.queries.filtered(query, base)).all()
        cat = self._ledger.catalog
        groups: dict[str, dict[object, GroupFigures]] = {"category": {}, "township": {}, "department": {}}
        total = GroupFigures("合计")
        for category, township_id, dept_id, state, n, new, closed_week, overdue, new_overdue, due_soon in rows:
            keys = {
                "category": (cat.category_names.get(category, category), category),
                "township": (cat.region(township_id).name, township_id),
                "department": (cat.departments[dept_id].name if dept_id else "（未交办）", dept_id or 0),
            }
            figures = (state, int(n), *(int(v or 0) for v in (new, closed_week, overdue, new_overdue, due_soon)))
            for group, (name, key) in keys.items():
                groups[group].setdefault(key, GroupFigures(name)).add(*figures)
            total.add(*figures)
        start = dt.date.fromisoformat(self._ledger.meta("created_at")[:10])  # the office's first report week
        issue = (week_start - (start - dt.timedelta(days=start.weekday()))).days // 7 + 1
        category_order = list(cat.category_names)
        by_category = sorted(groups["category"].items(), key=lambda kv: category_order.index(kv[0]))
        by_township = sorted(groups["township"].values(), key=lambda g: (-g.rate, g.overdue, g.name))
        by_department = sorted(groups["department"].values(), key=lambda g: (-g.rate, g.overdue, g.name))
        for rank, g in enumerate(by_township, 1):
            g.rank = rank
        for rank, g in enumerate(by_department, 1):
            g.rank = rank
        return WeeklyFigures(
            today=today,
            week_start=week_start,
            issue=max(issue, 1),
            total=total,
            by_category=[g for _, g in by_category],
            by_township=by_township,
            by_department=by_department,
        )

    # -- timetable and reminders ----------------------------------------------------------------------
    def timetable(self, case_ids: list[int]) -> list[TimetableBar]:
        """Bars from assignment to deadline, with the sign-off dates as milestones."""
        cat = self._ledger.catalog
        today = self._ledger.today()
        bars: list[TimetableBar] = []
        for start in range(0, len(case_ids), 900):
            chunk = case_ids[start : start + 900]
            with self._ledger.reading() as s:
                cases = {
                    r.Case.id: r
                    for r in s.execute(
                        select(Case, Household.head_name)
                        .join(Household, Household.id == Case.household_id)
                        .where(Case.id.in_(chunk))
                    )
                }
                milestones: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
                for case_id, meaning, at in s.execute(
                    select(SignOff.case_id, SignOff.meaning, SignOff.signed_at)
                    .where(SignOff.case_id.in_(chunk), SignOff.meaning.in_(("核验", "审批")))
                    .order_by(SignOff.id)
                ):
                    milestones[case_id].append((meaning, at.date()))
            for case_id in chunk:
                c, head = cases[case_id].Case, cases[case_id].head_name
                dept = cat.departments.get(c.lead_department_id) if c.lead_department_id else None
                bars.append(
                    TimetableBar(
                        case_id=case_id,
                        number=c.number,
                        label=f"{cat.region(c.village_id).name} {head} {cat.subcategory(c.subcategory).name}",
                        township=cat.region(c.township_id).name,
                        department=dept.name if dept else "（未交办）",
                        state=STATE_NAMES[c.state],
                        start=c.assigned_date or c.found_date,
                        deadline=c.deadline,
                        closed=c.closed_date,
                        overdue=c.state in OPEN_STATES and c.deadline is not None and c.deadline < today,
                        milestones=tuple(milestones.get(case_id, ())),
                    )
                )
        return bars

    def overdue(self, department_id: int, today: dt.date | None = None) -> list[OverdueCase]:
        """Open cases of a lead department past their deadline, the longest overdue first."""
        today = today or self._ledger.today()
        cat = self._ledger.catalog
        with self._ledger.reading() as s:
            rows = s.execute(
                select(Case, Household.head_name)
                .join(Household, Household.id == Case.household_id)
                .where(
                    Case.lead_department_id == department_id,
                    Case.state.in_(DEADLINE_STATES),
                    Case.deadline < today,
                )
                .order_by(Case.deadline, Case.number)
            ).all()
        return [
            OverdueCase(
                case_id=c.id,
                number=c.number,
                township=cat.region(c.township_id).name,
                village=cat.region(c.village_id).name,
                head_name=head,
                subcategory=cat.subcategory(c.subcategory).name,
                description=c.description,
                deadline=c.deadline,
                days=(today - c.deadline).days,
                state=STATE_NAMES[c.state],
                responsible_person=c.responsible_person,
            )
            for c, head in rows
        ]

    def household_case_ids(self, household_id: int) -> list[int]:
        with self._ledger.reading() as s:
            return list(
                s.scalars(
                    select(Case.id).where(Case.household_id == household_id).order_by(Case.found_date, Case.number)
                )
            )

    def submissions(self, case_ids: list[int]) -> dict[int, tuple[str, dt.datetime]]:
        """Each case's latest 提交核验 (the 责任单位's submission): (who, when), for the cases
        submitted at least once."""
        found: dict[int, tuple[str, dt.datetime]] = {}
        for start in range(0, len(case_ids), 900):
            chunk = case_ids[start : start + 900]
            with self._ledger.reading() as s:
                for case_id, name, at in s.execute(
                    select(CaseAction.case_id, User.display_name, CaseAction.at)
                    .join(User, User.id == CaseAction.actor_id)
                    .where(CaseAction.case_id.in_(chunk), CaseAction.action == "submit")
                    .order_by(CaseAction.at, CaseAction.id)
                ):
                    found[case_id] = (name, at)
        return found

    def case_id_of(self, number: str) -> int:
        with self._ledger.reading() as s:
            found = s.scalar(select(Case.id).where(Case.number == number.strip()))
        if found is None:
            raise ValidationError(f"台账中没有编号为 {number.strip()} 的问题")
        return found


def _signoff_text(so: SignOff | None) -> str:
    if so is None:
        return ""
    who = so.signer_name + ("（代录）" if so.on_behalf else "")
    return f"{who} {so.signed_at:%Y-%m-%d} {so.opinion}".strip()
