"""到期提醒: per unit (a township, a lead department) the cases still being worked on whose 整改时限
falls today or within the days the rules give their deadline class (ledger/escalation.py). Shown to
the unit's users on the 工作台 after sign-in and printed as a list (reports/reminders.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.sql import ColumnElement

from ledger import escalation
from ledger.access import visibility, visible_condition
from ledger.dto import VILLAGE_LEVEL_HEAD, Actor
from ledger.models import Case, Household
from ledger.workflow import DEADLINE_STATES, STATE_NAMES, SUBMITTED_STATES

WORKING_STATES = tuple(s for s in DEADLINE_STATES if s not in SUBMITTED_STATES)


@dataclass(frozen=True)
class ReminderCase:
    case_id: int
    number: str
    township: str
    village: str
    head_name: str
    subcategory: str
    department: str
    deadline: dt.date
    days_left: int  # 0 = due today
    state: str
    responsible_person: str


@dataclass(frozen=True)
class ReminderList:
    unit: str  # "城关镇" / "县住建局" / "全县"
    today: dt.date
    cases: list[ReminderCase]


class ReminderService:
    def __init__(self, ledger):
        self._ledger = ledger

    def due_soon(
        self, *, township_id: int | None = None, department_id: int | None = None, today: dt.date | None = None
    ) -> list[ReminderCase]:
        """The cases of the township and/or led by the department (both None: the county) still
        being worked on and due within their class's remind days, today included; soonest first."""
        conditions: list[ColumnElement[bool]] = [Case.state.in_(WORKING_STATES)]
        if township_id is not None:
            conditions.append(Case.township_id == township_id)
        if department_id is not None:
            conditions.append(Case.lead_department_id == department_id)
        return self._select(conditions, today)

    def for_actor(self, actor: Actor, today: dt.date | None = None) -> ReminderList:
        """The 到期提醒 of the signed-in account's unit: its department's and township's cases (a
        county-level account: the county's)."""
        actor = self._ledger.current_actor(actor)
        vis = visibility(actor)
        cat = self._ledger.catalog
        if vis.everything:
            unit = "全县"
        else:
            names = []
            if vis.department_id is not None:
                names.append(_department_name(cat, vis.department_id))
            if vis.township_id is not None:
                names.append(cat.region(vis.township_id).name)
            unit = "、".join(names)
        cases = [] if vis.nothing else self._select([Case.state.in_(WORKING_STATES), visible_condition(vis)], today)
        return ReminderList(unit, today or self._ledger.today(), cases)

    def _select(self, conditions: list, today: dt.date | None) -> list[ReminderCase]:
        today = today or self._ledger.today()
        rules = escalation.rules()
        cat = self._ledger.catalog
        query = (
            select(Case, Household.head_name)
            .outerjoin(Household, Household.id == Case.household_id)
            .where(*conditions, Case.deadline >= today, Case.deadline <= today + dt.timedelta(days=rules.widest))
            .order_by(Case.deadline, Case.number)
        )
        with self._ledger.reading() as s:
            rows = s.execute(query).all()
        out = []
        for c, head in rows:
            left = (c.deadline - today).days
            if left > rules.remind_days(c.deadline_class):
                continue
            out.append(
                ReminderCase(
                    case_id=c.id,
                    number=c.number,
                    township=cat.region(c.township_id).name,
                    village=cat.region(c.village_id).name,
                    head_name=head or VILLAGE_LEVEL_HEAD,
                    subcategory=cat.subcategory(c.subcategory).name,
                    department=_department_name(cat, c.lead_department_id),
                    deadline=c.deadline,
                    days_left=left,
                    state=STATE_NAMES[c.state],
                    responsible_person=c.responsible_person,
                )
            )
        return out


def _department_name(cat, department_id: int | None) -> str:
    found = cat.departments.get(department_id) if department_id is not None else None
    return found.name if found is not None else ""
