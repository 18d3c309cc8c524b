"""到期提醒: per unit (a township, a lead department) the cases still being worked on whose 整改时限
falls today or within the days the rules give their deadline class (ledger/escalation.py). Shown to
the unit's users on the 工作台 after sign-in and printed as a list (reports/reminders.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import ColumnElement

from ledger import escalation, schema
from ledger.access import visibility, visible_condition
from ledger.dto import VILLAGE_LEVEL_HEAD, Actor
from ledger.models import Case, Household
from ledger.workflow import DEADLINE_STATES, STATE_NAMES, SUBMITTED_STATES

if TYPE_CHECKING:
    from ledger.facade import Ledger
    from ledger.services.catalog import CatalogService

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
    person_in_charge: str  # 责任人 (ledger/schema.py PERSON_IN_CHARGE)


@dataclass(frozen=True)
class ReminderList:
    unit: str  # "城关镇" / "县住建局" / "全县"
    today: dt.date
    cases: list[ReminderCase]  # soonest first; the first `limit` of them when a limit was asked
    total: int  # all of them
    due_today: int
    last_deadline: dt.date | None  # the latest 整改时限 among them


class ReminderService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def due_soon(
        self, *, township_id: int | None = None, department_id: int | None = None, today: dt.date | None = None
    ) -> list[ReminderCase]:
        """The cases of the township and/or led by the department (both None: the county) still
        being worked on and due within their class's remind days, today included; soonest first."""
        today = today or self._ledger.today()
        conditions: list[ColumnElement[bool]] = [Case.state.in_(WORKING_STATES), self._window(today)]
        if township_id is not None:
            conditions.append(Case.township_id == township_id)
        if department_id is not None:
            conditions.append(Case.lead_department_id == department_id)
        return self._select(conditions, today)

    def for_actor(self, actor: Actor, today: dt.date | None = None, limit: int | None = None) -> ReminderList:
        """The 到期提醒 of the signed-in account's unit: its department's and township's cases (a
        county-level account: the county's); with a limit, the soonest `limit` of them and the
        figures of all (the 工作台's panel: thousands at 1,000,000 cases, 20 shown)."""
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
        today = today or self._ledger.today()
        if vis.nothing:
            return ReminderList(unit, today, [], 0, 0, None)
        conditions = [Case.state.in_(WORKING_STATES), visible_condition(vis), self._window(today)]
        cases = self._select(conditions, today, limit)
        if limit is None or len(cases) < limit:
            due_today = sum(1 for c in cases if c.days_left == 0)
            return ReminderList(unit, today, cases, len(cases), due_today, cases[-1].deadline if cases else None)
        with self._ledger.reading() as s:
            total, due_today, last = s.execute(
                select(func.count(), func.count().filter(Case.deadline == today), func.max(Case.deadline)).where(
                    *conditions
                )
            ).one()
        return ReminderList(unit, today, cases, int(total), int(due_today), last)

    @staticmethod
    def _window(today: dt.date) -> ColumnElement[bool]:
        """Due today or within the remind days of the case's deadline class (ledger/escalation.py)."""
        rules = escalation.rules()
        named = [k for k in rules.remind if k != "default"]
        within = [
            and_(Case.deadline_class == k, Case.deadline <= today + dt.timedelta(days=rules.remind_days(k)))
            for k in named
        ]
        within.append(
            and_(
                Case.deadline_class.not_in(named),
                Case.deadline <= today + dt.timedelta(days=rules.remind_days("default")),
            )
        )
        # the widest window bounds the range read from the (state, deadline) index
        return and_(Case.deadline >= today, Case.deadline <= today + dt.timedelta(days=rules.widest), or_(*within))

    def _select(
        self, conditions: list[ColumnElement[bool]], today: dt.date | None, limit: int | None = None
    ) -> list[ReminderCase]:
        today = today or self._ledger.today()
        cat = self._ledger.catalog
        # The cases chosen from the (state, deadline, …, deadline_class) index alone (revision 0017), in
        # order, then their columns: joined first, SQLite would read every candidate's row (160 ms at 1M).
        chosen = select(Case.id).where(*conditions).order_by(Case.deadline, Case.id).limit(limit).subquery()
        # Columns, not Case objects: a county-level account's list holds every case due within the
        # widest window (thousands at 1,000,000 cases), re-read with each refresh of the 工作台.
        query = (
            select(
                Case.id,
                Case.number,
                Case.township_id,
                Case.village_id,
                Case.subcategory,
                Case.lead_department_id,
                Case.deadline,
                Case.deadline_class,
                Case.state,
                getattr(Case, PERSON).label("person"),
                Household.head_name,
            )
            .outerjoin(Household, Household.id == Case.household_id)
            .where(Case.id.in_(select(chosen.c.id)))
            .order_by(Case.deadline, Case.id)
        )
        with self._ledger.reading() as s:
            rows = s.execute(query).all()
        out = []
        for c in rows:
            left = (c.deadline - today).days
            out.append(
                ReminderCase(
                    case_id=c.id,
                    number=c.number,
                    township=cat.region(c.township_id).name,
                    village=cat.region(c.village_id).name,
                    head_name=c.head_name or VILLAGE_LEVEL_HEAD,
                    subcategory=cat.subcategory(c.subcategory).name,
                    department=_department_name(cat, c.lead_department_id),
                    deadline=c.deadline,
                    days_left=left,
                    state=STATE_NAMES[c.state],
                    person_in_charge=c.person,
                )
            )
        return out


PERSON = schema.PERSON_IN_CHARGE.stored or ""


def _department_name(cat: CatalogService, department_id: int | None) -> str:
    found = cat.departments.get(department_id) if department_id is not None else None
    return found.name if found is not None else ""
