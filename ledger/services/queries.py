"""Read models for the dashboard and the ledger view: counts from the trigger-maintained
case_counts table, pages filtered and sorted in SQL on the composite indexes of ledger/models.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.sql import Select

from ledger import ids
from ledger.dto import CaseFilter, CaseRow, DashboardCounts
from ledger.models import Case, CaseCount, Household
from ledger.workflow import OPEN_STATES, light

DEADLINE_STATES = ("assigned", "in_progress", "pending_verification", "pending_approval")

ALL_CASES = CaseFilter()

SORTS = {
    "deadline": (Case.deadline, Case.id),
    "found_date": (Case.found_date, Case.id),
    "number": (Case.number,),
    "id": (Case.id,),
}


class QueryService:
    def __init__(self, ledger):
        self._ledger = ledger

    def dashboard(self, today: dt.date | None = None) -> DashboardCounts:
        today = today or self._ledger.today()
        warn_days = int(self._ledger.meta("warn_days", "3"))
        week_start = today - dt.timedelta(days=today.weekday())
        with self._ledger.reading() as s:
            by_state: dict[str, int] = {}
            by_state_dept: dict[tuple[str, int], int] = {}
            by_township: dict[tuple[int, str], int] = {}
            rows = s.execute(
                select(CaseCount.township_id, CaseCount.department_id, CaseCount.state, func.sum(CaseCount.n)).group_by(
                    CaseCount.township_id, CaseCount.department_id, CaseCount.state
                )
            )
            for township_id, dept_id, state, n in rows:
                n = int(n)
                if not n:
                    continue
                by_state[state] = by_state.get(state, 0) + n
                by_state_dept[(state, dept_id)] = by_state_dept.get((state, dept_id), 0) + n
                by_township[(township_id, state)] = by_township.get((township_id, state), 0) + n
            open_deadline = Case.state.in_(DEADLINE_STATES)
            overdue = s.scalar(select(func.count()).where(open_deadline, Case.deadline < today)) or 0
            due_soon = (
                s.scalar(
                    select(func.count()).where(
                        open_deadline, Case.deadline >= today, Case.deadline <= today + dt.timedelta(days=warn_days)
                    )
                )
                or 0
            )
            new_week = s.scalar(select(func.count()).where(Case.found_date >= week_start)) or 0
            closed_week = s.scalar(select(func.count()).where(Case.closed_date >= week_start)) or 0
        total = sum(n for state, n in by_state.items() if state != "void")
        closed = by_state.get("closed", 0)
        return DashboardCounts(
            total=total,
            by_state=by_state,
            by_state_department=by_state_dept,
            by_township_state=by_township,
            overdue=overdue,
            due_soon=due_soon,
            new_this_week=new_week,
            closed_this_week=closed_week,
            closure_rate=closed / total if total else 0.0,
        )

    def _filtered(self, query: Select, f: CaseFilter, today: dt.date) -> Select:
        conditions = []
        if f.township_id is not None:
            conditions.append(Case.township_id == f.township_id)
        if f.village_id is not None:
            conditions.append(Case.village_id == f.village_id)
        if f.category:
            conditions.append(Case.category == f.category)
        if f.subcategory:
            conditions.append(Case.subcategory == f.subcategory)
        if f.department_id is not None:
            conditions.append(Case.lead_department_id == f.department_id)
        if f.states:
            conditions.append(Case.state.in_(f.states))
        if f.household_id is not None:
            conditions.append(Case.household_id == f.household_id)
        if f.found_from:
            conditions.append(Case.found_date >= f.found_from)
        if f.found_to:
            conditions.append(Case.found_date <= f.found_to)
        if f.light:
            warn = today + dt.timedelta(days=int(self._ledger.meta("warn_days", "3")))
            conditions.append(Case.state.in_(DEADLINE_STATES))
            if f.light == "red":
                conditions.append(Case.deadline < today)
            elif f.light == "yellow":
                conditions.append(Case.deadline.between(today, warn))
            else:
                conditions.append(Case.deadline > warn)
        return query.where(*conditions)

    def count(self, f: CaseFilter = ALL_CASES) -> int:
        with self._ledger.reading() as s:
            return s.scalar(self._filtered(select(func.count()).select_from(Case), f, self._ledger.today())) or 0

    def page(
        self,
        f: CaseFilter = ALL_CASES,
        *,
        sort: str = "deadline",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> list[CaseRow]:
        today = self._ledger.today()
        order = [c.desc() if descending else c.asc() for c in SORTS[sort]]
        query = (
            self._filtered(
                select(
                    Case.id,
                    Case.number,
                    Case.state,
                    Case.township_id,
                    Case.village_id,
                    Case.subcategory,
                    Case.lead_department_id,
                    Case.deadline,
                    Case.found_date,
                    Household.head_name,
                    Household.head_id_number,
                ).join(Household, Household.id == Case.household_id),
                f,
                today,
            )
            .order_by(*order)
            .offset(offset)
            .limit(limit)
        )
        cat = self._ledger.catalog
        with self._ledger.reading() as s:
            rows = s.execute(query).all()
        return [
            CaseRow(
                id=r.id,
                number=r.number,
                state=r.state,
                township_name=cat.region(r.township_id).name,
                village_name=cat.region(r.village_id).name,
                head_name=r.head_name,
                head_id_masked=ids.mask(r.head_id_number),
                subcategory_name=cat.subcategory(r.subcategory).name,
                department_name=cat.departments[r.lead_department_id].name if r.lead_department_id else "",
                deadline=r.deadline,
                light=light(r.state, r.deadline, today) if r.state in OPEN_STATES else None,
                found_date=r.found_date,
            )
            for r in rows
        ]
