"""Read models for the dashboard and the ledger view: counts from the trigger-maintained
case_counts table, pages filtered and sorted in SQL on the composite indexes of ledger/models.py."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Integer, and_, case, column, false, func, not_, or_, select, text, true
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.selectable import TextualSelect

from ledger import ids, textrules
from ledger.access import Visibility, visibility, visible_condition
from ledger.dto import Actor, CaseFilter, CaseRow, DashboardCounts, HouseholdRow
from ledger.models import Case, CaseCount, CaseYearCount, Household, HouseholdTag, Member
from ledger.scope import Scope, label
from ledger.search import MIN_TRIGRAM
from ledger.services.household_edit import tag_view
from ledger.services.queries_search import first_in_order, index_hits, index_match
from ledger.tags import holds, tag_label
from ledger.workflow import (
    DEADLINE_STATES,
    OPEN_STATES,
    SCOPED_ROLES,
    SUBMITTED_STATES,
    LightPolicy,
    light,
    tally,
    task_states,
)

if TYPE_CHECKING:
    from ledger.facade import Ledger

# A query that keeps its own type when conditions are added to it.
_Q = TypeVar("_Q", bound="Select[*tuple[Any, ...]]")

__all__ = ["DEADLINE_STATES", "QueryService", "due_soon_sql", "light_sql", "overdue_sql", "subject_name"]

ALL_CASES = CaseFilter()
# Ids bound in one `IN (…)`: a page read at once may hold every case of a selection (Ctrl+A on the
# window's ledger), and a statement takes at most 32,766 parameters in SQLite's default build (the
# Debian build here allows 250,000; Windows' Python carries its own), 65,535 in PostgreSQL.
IDS_AT_ONCE = 5000

# Sorts that an index of their own reads in order (ix_cases_deadline, ix_cases_found_date, the unique
# number; the row id is every index's last column).
WALKED_SORTS = frozenset({"deadline", "found_date", "number"})

SORTS = {
    "deadline": (Case.deadline, Case.id),
    "found_date": (Case.found_date, Case.id),
    "number": (Case.number,),
    "state": (Case.state, Case.deadline, Case.id),
    "id": (Case.id,),
}


def overdue_sql(today: dt.date, state: Any = None) -> ColumnElement[bool]:
    """逾期 in SQL: ledger.workflow.is_overdue over the cases table (one definition, two spellings;
    tests/unit/test_rules_matrix.py holds them to the same answers). `state` is the case's state as
    of the day counted (the 周报's as-of state), the current one by default."""
    state = Case.state if state is None else state
    return and_(
        state.in_(DEADLINE_STATES),
        Case.deadline < today,
        or_(
            state.not_in(SUBMITTED_STATES),
            Case.completion_date.is_(None),
            Case.completion_date > Case.deadline,
        ),
    )


def due_soon_sql(today: dt.date, warn_days: int, state: Any = None) -> ColumnElement[bool]:
    """黄灯 in SQL (ledger.workflow.light): still to do and due within warn_days, today included."""
    state = Case.state if state is None else state
    return and_(
        state.in_([s for s in DEADLINE_STATES if s not in SUBMITTED_STATES]),
        Case.deadline >= today,
        Case.deadline <= today + dt.timedelta(days=warn_days),
    )


def light_sql(colour: str, today: dt.date, warn_days: int) -> ColumnElement[bool]:
    """The cases whose light (ledger.workflow.light) is `colour` today."""
    if colour == "red":
        return overdue_sql(today)
    if colour == "yellow":
        return due_soon_sql(today, warn_days)
    return and_(
        Case.state.in_(DEADLINE_STATES),
        Case.deadline.is_not(None),
        not_(overdue_sql(today)),
        not_(due_soon_sql(today, warn_days)),
    )


def subject_name(head_name: str | None, member_name: str | None) -> str:
    """A list's 户主 cell: 村级 for a village-level problem, 户主（成员） when a member is named."""
    if head_name is None:
        return "村级"
    if member_name and member_name != head_name:
        return f"{head_name}（{member_name}）"
    return head_name


def _counters_visible(model: Any, vis: Visibility | None) -> list[ColumnElement[bool]]:
    """The viewer's visibility over a counters table (case_counts or case_year_counts)."""
    if vis is None or vis.everything:
        return []
    branches = []
    if vis.department_id is not None:
        branches.append(model.department_id == vis.department_id)
    if vis.township_id is not None:
        branches.append(model.township_id == vis.township_id)
    return [or_(*branches) if branches else false()]


class QueryService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def dashboard(
        self, today: dt.date | None = None, visible_to: Actor | None = None, scope: Scope | None = None
    ) -> DashboardCounts:
        """Headline figures, over the cases `visible_to` may see (every case when None), within the
        统计年度 `scope` (ledger/scope.py; every year when None)."""
        if visible_to is not None:
            visible_to = self._ledger.current_actor(visible_to)
        today = today or self._ledger.today()
        seen: ColumnElement[bool] = true() if visible_to is None else visible_condition(visibility(visible_to))
        # open cases (overdue, due soon) are in a scope whenever found by its last day: always, for a
        # scope reaching today (no found date lies ahead), so those figures keep the deadline index
        # cases closed this week: by the closed_date index, the scope checked row by row (the found
        # date wrapped so the planner does not walk the found_date index instead)
        closed_seen, open_seen = seen, seen
        if scope is not None:  # unscoped, the statements are those of before (no added "1 = 1")
            if scope.last_day < today:
                open_seen = and_(seen, Case.found_date <= scope.last_day)
            closed_seen = and_(seen, scope.condition(func.coalesce(Case.found_date, Case.found_date), Case.state))
            seen = and_(seen, scope.condition(Case.found_date, Case.state))
        vis = visibility(visible_to) if visible_to is not None else None
        counted = _counters_visible(CaseCount if scope is None else CaseYearCount, vis)
        warn_days = int(self._ledger.meta("warn_days", "3"))
        week_start = today - dt.timedelta(days=today.weekday())
        with self._ledger.reading() as s:
            by_state: dict[str, int] = {}
            by_state_dept: dict[tuple[str, int], int] = {}
            by_township: dict[tuple[int, str], int] = {}
            by_category: dict[tuple[str, str], int] = {}
            category_of = {code: sub.category for code, sub in self._ledger.catalog.subcategories.items()}
            if scope is None:
                self._margins(s, counted, category_of, by_state, by_state_dept, by_township, by_category)
            else:  # a year: the year counters; a custom range: the cases themselves, grouped
                counts = self._grouped_counts(counted, seen, scope)
                for township_id, dept_id, subcategory, state, n in s.execute(counts):
                    n = int(n)
                    if not n:
                        continue
                    by_state[state] = by_state.get(state, 0) + n
                    by_state_dept[(state, dept_id)] = by_state_dept.get((state, dept_id), 0) + n
                    by_township[(township_id, state)] = by_township.get((township_id, state), 0) + n
                    key = (category_of[subcategory], state)
                    by_category[key] = by_category.get(key, 0) + n
            overdue_by_township = {
                int(tid): int(n)
                for tid, n in s.execute(
                    select(Case.township_id, func.count())
                    .where(overdue_sql(today), open_seen)
                    .group_by(Case.township_id)
                )
            }
            overdue = sum(overdue_by_township.values())
            due_soon = s.scalar(select(func.count()).where(due_soon_sql(today, warn_days), open_seen)) or 0
            new_week = s.scalar(select(func.count()).where(Case.found_date >= week_start, seen)) or 0
            closed_week = s.scalar(select(func.count()).where(Case.closed_date >= week_start, closed_seen)) or 0
        groups = tally(by_state)
        total = sum(groups.values())
        closed = groups["closed"]
        timed = sum(by_state.get(state, 0) for state in DEADLINE_STATES)
        return DashboardCounts(
            total=total,
            by_state=by_state,
            tally=groups,
            within_deadline=timed - overdue,
            overdue_by_township=overdue_by_township,
            by_state_department=by_state_dept,
            by_township_state=by_township,
            overdue=overdue,
            due_soon=due_soon,
            new_this_week=new_week,
            closed_this_week=closed_week,
            closure_rate=closed / total if total else 0.0,
            by_category_state=by_category,
            scope=label(scope),
        )

    def _margins(
        self,
        s: Session,
        counted: list[ColumnElement[bool]],
        category_of: dict[str, str],
        by_state: dict[str, int],
        by_state_dept: dict[tuple[str, int], int],
        by_township: dict[tuple[int, str], int],
        by_category: dict[tuple[str, str], int],
    ) -> None:
        """The counters summed three ways by SQLite, each in the order of its own index (revision
        0017): a few hundred rows read instead of every counter row (15,884 at 1,000,000 cases)."""
        c = CaseCount

        def margin(*keys: InstrumentedAttribute[Any]) -> list[tuple[Any, ...]]:
            total = func.sum(c.n)
            summed = select(*keys, total).where(*counted).group_by(*keys).having(total != 0)
            return [tuple(row) for row in s.execute(summed)]

        for state, dept_id, n in margin(c.state, c.department_id):
            by_state[state] = by_state.get(state, 0) + int(n)
            by_state_dept[(state, dept_id)] = int(n)
        for township_id, state, n in margin(c.township_id, c.state):
            by_township[(township_id, state)] = int(n)
        for subcategory, state, n in margin(c.subcategory, c.state):
            key = (category_of[subcategory], state)
            by_category[key] = by_category.get(key, 0) + int(n)

    @staticmethod
    def _grouped_counts(
        counted: list[ColumnElement[bool]], seen: ColumnElement[bool], scope: Scope
    ) -> Select[*tuple[Any, ...]]:
        """(township, department, subcategory, state, n) of a scope: case_year_counts for a 统计年度; a
        custom range groups the cases themselves (found_date index). Every year: _margins."""
        if scope.year is not None:
            y = CaseYearCount
            cols = (y.township_id, y.department_id, y.subcategory, y.state)
            return (
                select(*cols, func.sum(y.n))
                .where(*counted, scope.year_condition(y.found_year, y.state))
                .group_by(*cols)
            )
        key = (Case.township_id, func.coalesce(Case.lead_department_id, 0), Case.subcategory, Case.state)
        return select(*key, func.count()).where(seen).group_by(*key)

    def filtered(self, query: _Q, f: CaseFilter) -> _Q:
        """`query` restricted to the cases the filter selects (for reports and exports)."""
        return self._filtered(query, self._proved(f), self._ledger.today())

    def _filtered(self, query: _Q, f: CaseFilter, today: dt.date) -> _Q:
        f = self._scoped(f)
        conditions: list[ColumnElement[bool]] = []
        if f.visible_to is not None:
            conditions.append(visible_condition(visibility(f.visible_to)))
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
        elif not f.include_void:
            conditions.append(Case.state != "void")
        if f.household_id is not None:
            conditions.append(Case.household_id == f.household_id)
        if f.scope is not None:
            conditions.append(f.scope.condition(Case.found_date, Case.state))
        if f.tag:  # households holding the tag today; a village-level case (no household) never does
            holders = select(Household.id).where(holds(f.tag, today, f.tag_subtype)).correlate(None)
            conditions.append(Case.household_id.in_(holders))
        for bound, low, high in (
            (Case.found_date, f.found_from, f.found_to),
            (Case.deadline, f.deadline_from, f.deadline_to),
            (Case.closed_date, f.closed_from, None),
        ):
            if low:
                conditions.append(bound >= low)
            if high:
                conditions.append(bound <= high)
        if f.light:
            conditions.append(light_sql(f.light, today, int(self._ledger.meta("warn_days", "3"))))
        if textrules.search_term(f.search):
            conditions.append(self._search_condition(f.search))
        if f.tasks_of is not None:
            conditions.append(self._tasks_condition(f.tasks_of))
        return query.where(*conditions)

    def _village_problems(self, term: str) -> ColumnElement[bool]:
        """The village-level problems of the villages whose name holds the term."""
        places = [v.id for v in self._ledger.catalog.villages() if term in v.name]
        if not places:
            return false()
        return and_(Case.household_id.is_(None), Case.village_id.in_(places))

    def _search_condition(self, raw: str) -> ColumnElement[bool]:
        """Quick search. A full ID number finds its household (head or member); 3+ characters use
        the trigram index over case number, names and description; 1–2 characters the index of
        single characters and pairs over names and description (ledger/search.py); a term of
        punctuation only, a head's name as typed. A village's name also finds its village-level
        problems (they have no head: indexed under 村级 and the village's name)."""
        term = textrules.search_term(raw)  # NUL and other control characters never reach the database
        id_number = ids.as_id_number(term)
        if id_number is not None:
            members = select(Member.household_id).where(Member.id_number == id_number)
            heads = select(Household.id).where(Household.head_id_number == id_number)
            return Case.household_id.in_(heads.union(members))
        matches = self._search_index(term)
        if matches is not None:
            return Case.id.in_(matches)
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        if len(term) < MIN_TRIGRAM and self._ledger.dialect == "sqlite":  # punctuation only
            names = select(Household.id).where(Household.head_name.like(like, escape="\\"))
            return or_(Case.household_id.in_(names), self._village_problems(term))
        return or_(
            self._village_problems(term),
            Case.number.ilike(like, escape="\\"),
            Case.description.ilike(like, escape="\\"),
            Case.household_id.in_(select(Household.id).where(Household.head_name.ilike(like, escape="\\"))),
        )

    def _search_index(self, term: str) -> TextualSelect | None:
        """The case ids one of the quick-search indexes finds for `term` (SQLite), or None.

        The indexes hold the case number (3+ characters), the head's and the member's names
        (re-indexed when either is renamed) and, for a village's own problem, 村级 and the village's
        name (regions are never renamed), so no LIKE over every household and no scan of the
        village-level problems stands beside them (建国 at 1,000,000 cases: 92 → 1 ms; 王: 240 → 26 ms)."""
        found = index_match(self._ledger.dialect, term)
        if found is None:
            return None
        table, query = found
        sql = text(f"SELECT rowid FROM {table} WHERE {table} MATCH :q").bindparams(q=query)
        return sql.columns(column("rowid", Integer))

    def _search_alone(self, f: CaseFilter) -> tuple[str, str] | None:
        """The index and query of a filter that is a quick search and nothing else (void cases
        shown, every case visible: the county's ledger view), or None. The index holds one row per
        case (rowid = case id, written in the case's own transaction; cases are never deleted), so
        its matches are the filter's cases."""
        term = textrules.search_term(f.search)
        if not term or self._scoped(replace(f, search="")) != CaseFilter():
            return None
        return index_match(self._ledger.dialect, term)

    def _walk(self, s: Session, f: CaseFilter, sort: str, need: int) -> TextualSelect | None:
        """The search's matches, when the page's ids are better read from the sort's own index in
        order, each tested against them, than by reading every match and sorting: a common phrase
        (墙体开裂 hits 73,466 of 1,000,000 cases) gives its first page after ~1,400 index entries
        (30 ms) instead of 73,466 row lookups and a sort (119 ms). Only for a search alone (void
        cases left out, as the ledger view shows it) on SQLite, sorted by a column with an index of
        its own, and only when the matches are many: reading `need` rows in index order costs about
        need × total / hits entries, fewer than the hits once hits² > need × total."""
        # a viewer who sees everything (the county) filters nothing: the ledger view always names one
        if sort not in WALKED_SORTS or self._search_alone(f) is None:
            return None
        matches = self._search_index(textrules.search_term(f.search))
        if matches is None:
            return None
        total = int(s.scalar(select(func.sum(CaseCount.n))) or 0)
        enough = math.isqrt(need * total) + 1
        found = matches.subquery()
        hits = s.scalar(select(func.count()).select_from(select(found.c.rowid).limit(enough).subquery())) or 0
        return matches if hits >= enough else None

    def _first(self, s: Session, f: CaseFilter, sort: str, descending: bool, need: int) -> list[int] | None:
        """The first `need` matches of a search alone in the sort's order read from the first cases in
        that order only (queries_search.first_in_order), or None (then the walk)."""
        alone = self._search_alone(f)
        return None if alone is None else first_in_order(s, alone, [c.key for c in SORTS[sort]], descending, need)

    def _tasks_condition(self, actor: Actor) -> ColumnElement[bool]:
        rules = self._ledger.catalog.rules
        branches = []
        for role in sorted(actor.roles):
            states = task_states(rules, role)
            if not states:
                continue
            scope = SCOPED_ROLES.get(role)
            condition: ColumnElement[bool] = Case.state.in_(states)
            if scope == "department":
                condition = and_(condition, Case.lead_department_id == (actor.department_id or -1))
            elif scope == "township":
                condition = and_(condition, Case.township_id == (actor.township_id or -1))
            branches.append(condition)
        return or_(*branches) if branches else false()

    @staticmethod
    def _scoped(f: CaseFilter) -> CaseFilter:
        """The filter with its viewer's visibility folded into township/department where it can be
        (so case_counts still answers counts); an either-or scope stays a condition."""
        if f.visible_to is None:
            return f
        vis = visibility(f.visible_to)
        if vis.everything:
            return replace(f, visible_to=None)
        if vis.nothing:
            return replace(f, visible_to=None, department_id=-1)
        if vis.township_id is None:
            wanted = vis.department_id if f.department_id in (None, vis.department_id) else -1
            return replace(f, visible_to=None, department_id=wanted)
        if vis.department_id is None:
            wanted = vis.township_id if f.township_id in (None, vis.township_id) else -1
            return replace(f, visible_to=None, township_id=wanted)
        return f

    def _counted(self, f: CaseFilter) -> bool:
        """Whether the case_counts table alone can answer count(f)."""
        return f == CaseFilter(
            township_id=f.township_id,
            department_id=f.department_id,
            category=f.category,
            subcategory=f.subcategory,
            states=f.states,
            include_void=f.include_void,
            scope=f.scope if f.scope is None or f.scope.year is not None else None,
        )

    def _proved(self, f: CaseFilter) -> CaseFilter:
        """The filter's viewer as the database says now (roles, scope), never as the caller built it."""
        if f.visible_to is None:
            return f
        return replace(f, visible_to=self._ledger.current_actor(f.visible_to))

    def versions(self, case_ids: list[int]) -> dict[int, tuple[int, str]]:
        """Each case's (version, state), for a workbook that is to carry them (the fill-in workbook
        sends the version back with every row, so a case changed since is a conflict)."""
        found: dict[int, tuple[int, str]] = {}
        with self._ledger.reading() as s:
            for start in range(0, len(case_ids), 900):
                chunk = case_ids[start : start + 900]
                rows = s.execute(select(Case.id, Case.version, Case.state).where(Case.id.in_(chunk)))
                found.update({int(i): (int(v), str(st)) for i, v, st in rows})
        return found

    def count(self, f: CaseFilter = ALL_CASES) -> int:
        f = self._scoped(self._proved(f))
        with self._ledger.reading() as s:
            if self._counted(f):
                c: Any = CaseCount if f.scope is None else CaseYearCount
                query = select(func.sum(c.n))
                if f.township_id is not None:
                    query = query.where(c.township_id == f.township_id)
                if f.department_id is not None:
                    query = query.where(c.department_id == f.department_id)
                if f.subcategory:
                    query = query.where(c.subcategory == f.subcategory)
                if f.category:
                    query = query.where(c.subcategory.in_(self._ledger.catalog.subcategory_codes(f.category)))
                if f.states:
                    query = query.where(c.state.in_(f.states))
                elif not f.include_void:
                    query = query.where(c.state != "void")
                if f.scope is not None:
                    query = query.where(f.scope.year_condition(c.found_year, c.state))
                return int(s.scalar(query) or 0)
            alone = self._search_alone(f)
            if alone is not None:  # 墙体开裂 at 1,000,000 cases: 11 ms, not 117 ms of 73,466 row lookups
                return index_hits(s, alone)
            return s.scalar(self._filtered(select(func.count()).select_from(Case), f, self._ledger.today())) or 0

    def estimate(self, f: CaseFilter) -> int | None:
        """About how many cases a search within other conditions finds, while the exact count (each
        match looked up: ~100 ms for 墙体开裂 at 1,000,000 cases) is under way: the index's matches
        (11 ms) times the share of the cases the other conditions keep (case_counts). None for a
        search alone (its exact count is as cheap) or conditions case_counts does not count."""
        term = textrules.search_term(f.search)
        found = index_match(self._ledger.dialect, term) if term else None
        if found is None:  # no search (the common filter): nothing read
            return None
        f = self._scoped(self._proved(f))
        rest = replace(f, search="")
        if self._search_alone(f) is not None or not self._counted(rest):
            return None
        with self._ledger.reading() as s:
            hits = index_hits(s, found)
        total = self.count(CaseFilter())
        return round(hits * self.count(rest) / total) if total else 0

    def page(
        self,
        f: CaseFilter = ALL_CASES,
        *,
        sort: str = "deadline",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> list[CaseRow]:
        """One page of the filtered, sorted ledger. The page's ids come from an index-only query
        (a deep OFFSET then skips index entries, not joined rows); its columns from a second one."""
        today = self._ledger.today()
        policy = LightPolicy(int(self._ledger.meta("warn_days", "3")))
        f = self._proved(f)
        order = [c.desc() if descending else c.asc() for c in SORTS[sort]]
        with self._ledger.reading() as s:
            walk = self._walk(s, f, sort, offset + limit)
            newest = self._first(s, f, sort, descending, offset + limit) if walk is not None else None
            if newest is not None:
                page_ids = newest[offset:]
            else:
                chosen = self._filtered(select(Case.id), f if walk is None else replace(f, search=""), today)
                if walk is not None:  # "id + 0": the matches may not drive the query, the sort's index does
                    chosen = chosen.where((Case.id + 0).in_(walk))
                page_ids = list(s.scalars(chosen.order_by(*order).offset(offset).limit(limit)))
            if not page_ids:
                return []
            wanted = (
                select(
                    Case.id,
                    Case.number,
                    Case.state,
                    Case.township_id,
                    Case.village_id,
                    Case.subcategory,
                    Case.lead_department_id,
                    Case.deadline,
                    Case.completion_date,
                    Case.found_date,
                    Household.head_name,
                    Household.head_id_number,
                    Member.name.label("member_name"),
                )
                .outerjoin(Household, Household.id == Case.household_id)  # none: a village-level problem
                .outerjoin(Member, Member.id == Case.member_id)
            )
            rows: list[Any] = []
            for start in range(0, len(page_ids), IDS_AT_ONCE):  # a selection read at once: maybe every case
                rows += s.execute(wanted.where(Case.id.in_(page_ids[start : start + IDS_AT_ONCE]))).all()
        # unpacked, not read by name: a Row's attribute costs ~1 µs, 2.5 ms for a block of 200
        by_id = {r[0]: tuple(r) for r in rows}
        cat = self._ledger.catalog
        return [
            CaseRow(
                id=case_id,
                number=number,
                state=state,
                township_name=cat.region(township_id).name,
                village_name=cat.region(village_id).name,
                head_name=subject_name(head_name, member_name),
                head_id_masked=ids.mask(head_id_number) if head_id_number else "",
                subcategory_name=cat.subcategory(subcategory).name,
                department_name=cat.departments[department_id].name if department_id else "",
                deadline=deadline,
                light=light(state, deadline, today, policy, completion_date),
                found_date=found_date,
                village_level=head_name is None,
                member_name=member_name or "",
            )
            for (
                case_id,
                number,
                state,
                township_id,
                village_id,
                subcategory,
                department_id,
                deadline,
                completion_date,
                found_date,
                head_name,
                head_id_number,
                member_name,
            ) in (by_id[i] for i in page_ids)
        ]

    # -- households (农户档案) ---------------------------------------------------------------------
    def _households_filtered(
        self,
        query: _Q,
        search: str,
        township_id: int | None,
        visible_to: Actor | None = None,
        tag: str | None = None,
    ) -> _Q:
        if township_id is not None:
            query = query.where(Household.township_id == township_id)
        if tag:
            query = query.where(holds(tag, self._ledger.today()))
        if visible_to is not None:
            visible_to = self._ledger.current_actor(visible_to)
            vis = visibility(visible_to)
            if not vis.everything:  # a household is seen through a case the user may see
                seen = select(Case.household_id).where(visible_condition(visibility(visible_to)))
                query = query.where(Household.id.in_(seen))
        term = textrules.search_term(search)
        if term:
            id_number = ids.as_id_number(term)
            if id_number is not None:
                members = select(Member.household_id).where(Member.id_number == id_number)
                query = query.where(or_(Household.head_id_number == id_number, Household.id.in_(members)))
            else:
                like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                query = query.where(Household.head_name.like(like, escape="\\"))
        return query

    def household_count(
        self,
        search: str = "",
        township_id: int | None = None,
        visible_to: Actor | None = None,
        tag: str | None = None,
    ) -> int:
        with self._ledger.reading() as s:
            query = self._households_filtered(
                select(func.count()).select_from(Household), search, township_id, visible_to, tag
            )
            return s.scalar(query) or 0

    def household_page(
        self,
        search: str = "",
        township_id: int | None = None,
        *,
        offset: int = 0,
        limit: int = 100,
        visible_to: Actor | None = None,
        tag: str | None = None,
    ) -> list[HouseholdRow]:
        """Households by id (the order they were recorded), with their open and total case counts
        and the tags they hold today."""
        query = self._households_filtered(select(Household), search, township_id, visible_to, tag)
        with self._ledger.reading() as s:
            households = list(s.scalars(query.order_by(Household.id).offset(offset).limit(limit)))
            counts: dict[int, tuple[int, int]] = {}
            labels: dict[int, list[str]] = {}
            if households:
                open_states = tuple(OPEN_STATES)
                for hid, total, still_open in s.execute(
                    select(
                        Case.household_id,
                        func.count(),
                        func.sum(case((Case.state.in_(open_states), 1), else_=0)),
                    )
                    .where(Case.household_id.in_([h.id for h in households]))
                    .group_by(Case.household_id)
                ):
                    counts[hid] = (int(still_open or 0), int(total))
                today = self._ledger.today()
                for t in s.scalars(
                    select(HouseholdTag)
                    .where(HouseholdTag.household_id.in_([h.id for h in households]))
                    .order_by(HouseholdTag.id)
                ):
                    if tag_view(t, today).active:
                        labels.setdefault(t.household_id, []).append(tag_label(t.tag, t.subtype))
        cat = self._ledger.catalog
        return [
            HouseholdRow(
                id=h.id,
                township_name=cat.region(h.township_id).name,
                village_name=cat.region(h.village_id).name,
                head_name=h.head_name,
                head_id_masked=ids.mask(h.head_id_number),
                kind=h.kind,
                size=h.size,
                open_cases=counts.get(h.id, (0, 0))[0],
                all_cases=counts.get(h.id, (0, 0))[1],
                tags="、".join(labels.get(h.id, ())),
            )
            for h in households
        ]
