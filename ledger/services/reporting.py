"""Read models for the printed reports and the Excel handoff: the canonical ledger lines, the weekly
figures grouped by category / township / department, timetable bars, overdue lists per department.

Everything here is plain data (ledger/dto.py); the PDF layout lives in reports/. ID numbers and
phones come masked unless the caller passes unmask=True, which the caller has authorised and audited
(see ReportService in reports/render.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from ledger import ids, schema
from ledger.dto import (
    VILLAGE_LEVEL_HEAD,
    Actor,
    CaseFilter,
    GroupFigures,
    LedgerLine,
    OverdueCase,
    TimetableBar,
    WeeklyFigures,
)
from ledger.errors import PermissionDenied, ValidationError
from ledger.models import Case, CaseAction, Evidence, Household, Member, Meta, SignOff, User
from ledger.services.catalog import LEVEL_NAMES
from ledger.services.queries import due_soon_sql, overdue_sql
from ledger.workflow import (
    LIGHT_NAMES,
    STATE_NAMES,
    WEEKDAY_NAMES,
    GroupLightPolicy,
    LightPolicy,
    is_overdue,
    light,
    report_period,
)

if TYPE_CHECKING:
    from ledger.facade import Ledger

# A printout of more lines than this is thousands of pages: nobody means it.
MAX_LINES = 100_000
UNASSIGNED_LINE = "未交办（待交办）"
# Ledger settings of the 周报 (meta table), with their defaults.
WEEK_END_KEY = "report_week_end"  # the office's cut-off weekday, 0 Monday … 6 Sunday
LIGHT_KEYS = {  # GroupLightPolicy, in percent
    "red_overdue": ("light_red_overdue", 10),
    "red_rate": ("light_red_rate", 50),
    "yellow_overdue": ("light_yellow_overdue", 5),
    "yellow_rate": ("light_yellow_rate", 60),
}
MIN_OVERDUE_KEY = "light_red_min_overdue"  # overdue cases a share needs before it turns a group red
SETTING_ROLES = frozenset({"admin", "coordinator"})


def _date(value: dt.date | dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


class ReportingService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    # -- selection --------------------------------------------------------------------------------
    def case_ids(self, f: CaseFilter, *, order: str = "place", limit: int = MAX_LINES) -> list[int]:
        """Ids of the filtered cases in print order ('place': township, village, number;
        'household': township, village, household (head's name), number; 'deadline': deadline,
        number). Refuses selections over `limit` with a Chinese message."""
        queries = self._ledger.queries
        keys = {
            "place": (Case.township_id, Case.village_id, Case.number),
            # a village's own problems first (no household), then its households by head's name
            "household": (
                Case.township_id,
                Case.village_id,
                Case.household_id.is_not(None),
                Household.head_name,
                Case.household_id,
                Case.number,
            ),
            "deadline": (Case.deadline, Case.number),
            "found": (Case.found_date, Case.number),
        }[order]
        query = select(Case.id)
        if order == "household":
            query = query.outerjoin(Household, Household.id == Case.household_id)
        with self._ledger.reading() as s:
            result = list(s.scalars(queries.filtered(query, f).order_by(*keys).limit(limit + 1)))
        if len(result) > limit:
            raise ValidationError(
                f"所选问题超过 {limit:,} 个，打印出来将有数千页。请按乡镇、责任单位或状态缩小范围后再打印。"
            )
        return result

    # -- the canonical ledger ------------------------------------------------------------------------
    def ledger_lines(self, case_ids: list[int], *, unmask: bool = False, batch: int = 900) -> Iterator[LedgerLine]:
        """The canonical columns of PRODUCT.md for these cases, in the given order.

        Reads plain columns (no ORM objects: building a Case and a Household per line cost five times
        the query itself on 100,000 cases) and looks names up in per-call caches."""
        cat = self._ledger.catalog
        county = self._ledger.meta("county_name")
        today = self._ledger.today()
        policy = LightPolicy(int(self._ledger.meta("warn_days", "3")))
        kinds: dict[str, str] = {}
        regions: dict[int, str] = {}
        subs: dict[str, tuple[str, str]] = {}
        leads: dict[int | None, str] = {None: ""}
        lights: dict[tuple[str, dt.date | None, dt.date | None], str] = {}
        free = (lambda v: v or "") if unmask else ids.mask_free_text  # numbers inside free text, as in the columns
        mask, mask_phone = (lambda v: v or "", lambda v: v or "") if unmask else (ids.mask, ids.mask_phone)
        levels = LEVEL_NAMES["household"], LEVEL_NAMES["village"]
        iso = dt.date.isoformat  # the columns are dates: as _date(), without strftime's cost
        plain = schema.plain_codes()
        columns = (
            Case.id, Case.number, Case.township_id, Case.village_id, Case.subcategory, Case.deadline_class,
            Case.description, Case.source, Case.found_date, Case.lead_department_id, Case.assisting_departments,
            Case.measures, Case.deadline, Case.state, Case.completion_date,
            Case.closed_date, Case.remarks, Household.id, Household.group_name, Household.head_name,
            Household.head_id_number, Household.phone, Household.kind, Household.size, Member.name,
            *(getattr(Case, code) for code in plain),  # 责任人, 整改资金… (ledger/schema.py PLAIN), last
        )  # fmt: skip
        for start in range(0, len(case_ids), batch):
            chunk = case_ids[start : start + batch]
            with self._ledger.reading() as s:
                db = s.connection()  # Core rows: the ORM's result machinery is not needed here
                rows = {
                    r[0]: r
                    for r in db.execute(
                        select(*columns)
                        .outerjoin(Household, Household.id == Case.household_id)  # none: a village's problem
                        .outerjoin(Member, Member.id == Case.member_id)
                        .where(Case.id.in_(chunk))
                    )
                }
                evidence = dict(
                    db.execute(
                        select(Evidence.case_id, func.count())
                        .where(Evidence.case_id.in_(chunk))
                        .group_by(Evidence.case_id)
                    ).all()
                )
                signed: dict[tuple[int, str], tuple[str, bool, dt.datetime, str]] = {}
                for so_case, meaning, signer, on_behalf, signed_at, opinion in db.execute(
                    select(
                        SignOff.case_id, SignOff.meaning, SignOff.signer_name, SignOff.on_behalf,
                        SignOff.signed_at, SignOff.opinion,
                    )
                    .where(SignOff.case_id.in_(chunk), SignOff.meaning.in_(("核验", "审批")))
                    .order_by(SignOff.id)
                ):  # fmt: skip
                    signed[(so_case, meaning)] = (signer, on_behalf, signed_at, opinion)  # the latest wins
            for number, case_id in enumerate(chunk, start + 1):
                (
                    _id, case_number, township_id, village_id, subcategory, deadline_class, description, source,
                    found_date, lead_id, assisting, measures, deadline, state, completion_date,
                    closed_date, remarks, household_id, group_name, head_name, head_id, phone, kind, size,
                    member, *plain_values,
                ) = rows[case_id]  # fmt: skip
                sub = subs.get(subcategory)
                if sub is None:
                    view = cat.subcategory(subcategory)
                    sub = subs[subcategory] = (view.category_name, view.name)
                township = regions.get(township_id)
                if township is None:
                    township = regions[township_id] = cat.region(township_id).name
                village = regions.get(village_id)
                if village is None:
                    village = regions[village_id] = cat.region(village_id).name
                kind_name = kinds.get(deadline_class)
                if kind_name is None:
                    kind_name = kinds[deadline_class] = next(
                        (
                            v.deadline_class_name
                            for v in cat.subcategories.values()
                            if v.deadline_class == deadline_class
                        ),
                        deadline_class,
                    )
                lead = leads.get(lead_id)
                if lead is None:
                    department = cat.departments.get(lead_id) if lead_id else None
                    lead = leads[lead_id] = department.name if department else ""
                lamp_key = (state, deadline, completion_date)
                lamp = lights.get(lamp_key)
                if lamp is None:
                    lamp = lights[lamp_key] = LIGHT_NAMES.get(
                        light(state, deadline, today, policy, completion_date) or "", ""
                    )
                verified = signed.get((case_id, "核验"))
                approved = signed.get((case_id, "审批"))
                h = household_id is not None
                yield LedgerLine(
                    case_id=case_id,
                    seq=number,
                    number=case_number,
                    county=county,
                    township=township,
                    village=village,
                    group=group_name if h else "",
                    head_name=head_name if h else "",
                    head_id=mask(head_id) if h else "",
                    phone=mask_phone(phone) if h else "",
                    household_kind=kind if h else "",
                    household_size=size if h else "",
                    level=levels[0] if h else levels[1],
                    member=member or "",
                    category=sub[0],
                    subcategory=sub[1],
                    description=free(description),
                    source=source,
                    found_date=iso(found_date) if found_date else "",
                    lead_department=lead,
                    assisting_departments=assisting,
                    measures=free(measures),
                    deadline_class=kind_name,
                    deadline=iso(deadline) if deadline else "",
                    state=STATE_NAMES[state],
                    completion_date=iso(completion_date) if completion_date else "",
                    verification=free(_signoff_text(verified)) if verified else "",
                    approval=free(_signoff_text(approved)) if approved else "",
                    closed_date=iso(closed_date) if closed_date else "",
                    evidence_count=int(evidence.get(case_id, 0)),
                    light=lamp,
                    remarks=free(remarks),
                    household_id=household_id if h else 0,
                    values={code: "" if v is None else v for code, v in zip(plain, plain_values, strict=True)},
                )

    # -- the weekly report ----------------------------------------------------------------------------
    def week_end(self) -> int:
        """The office's report cut-off weekday (0 Monday … 6 Sunday; Sunday unless set)."""
        try:
            value = int(self._ledger.meta(WEEK_END_KEY, "6"))
        except ValueError:
            return 6
        return value if 0 <= value <= 6 else 6

    def default_period(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """The last full report week before today (ledger.workflow.report_period)."""
        return report_period(today or self._ledger.today(), self.week_end())

    def group_light_policy(self) -> GroupLightPolicy:
        values = {}
        for name, (key, default) in LIGHT_KEYS.items():
            try:
                values[name] = float(self._ledger.meta(key, str(default))) / 100
            except ValueError:
                values[name] = default / 100
        try:
            least = max(1, int(self._ledger.meta(MIN_OVERDUE_KEY, "3")))
        except ValueError:
            least = 3
        return GroupLightPolicy(**values, red_min_overdue=least)

    def _settings_actor(self, s: Session, actor: Actor | None) -> Actor:
        actor = self._ledger.authority(s, actor)
        if actor is None or not SETTING_ROLES & set(actor.roles):
            raise PermissionDenied("只有系统管理员或县级统筹可以修改报表设置")
        return actor

    @staticmethod
    def _put(s: Session, key: str, value: str) -> None:
        row = s.get(Meta, key)
        if row is None:
            s.add(Meta(key=key, value=value))
        else:
            row.value = value

    def set_week_end(self, actor: Actor | None, weekday: int) -> None:
        """Set the office's report cut-off weekday once (audited as settings.report_week)."""
        if not 0 <= weekday <= 6:
            raise ValidationError("统计截止日应为周一至周日之一")
        with self._ledger.unit_of_work() as s:
            actor = self._settings_actor(s, actor)
            before = s.get(Meta, WEEK_END_KEY)
            self._put(s, WEEK_END_KEY, str(weekday))
            self._ledger.record(
                s,
                actor,
                "settings.report_week",
                "meta",
                None,
                {"week_end": weekday, "name": WEEKDAY_NAMES[weekday], "before": before.value if before else "6"},
            )

    def set_group_lights(self, actor: Actor | None, policy: GroupLightPolicy) -> None:
        """Set the thresholds of the townships' and departments' lights (audited as
        settings.report_lights). Shares are fractions (0.1 = 10 %)."""
        shares = (policy.red_overdue, policy.red_rate, policy.yellow_overdue, policy.yellow_rate)
        if not all(0 <= v <= 1 for v in shares):
            raise ValidationError("逾期占比和销号率的界限应在 0%–100% 之间")
        if not 1 <= policy.red_min_overdue <= 1000:
            raise ValidationError("亮红灯所需的最少逾期问题数应在 1 至 1000 之间")
        if policy.yellow_overdue > policy.red_overdue or policy.yellow_rate < policy.red_rate:
            raise ValidationError("黄灯的界限应比红灯宽：黄灯逾期占比不高于红灯的，黄灯销号率不低于红灯的")
        with self._ledger.unit_of_work() as s:
            actor = self._settings_actor(s, actor)
            for name, (key, _default) in LIGHT_KEYS.items():
                self._put(s, key, f"{getattr(policy, name) * 100:g}")
            self._put(s, MIN_OVERDUE_KEY, str(policy.red_min_overdue))
            self._ledger.record(
                s,
                actor,
                "settings.report_lights",
                "meta",
                None,
                {name: round(getattr(policy, name) * 100, 2) for name in LIGHT_KEYS}
                | {"red_min_overdue": policy.red_min_overdue},
            )

    def weekly(
        self, f: CaseFilter, period_start: dt.date | None = None, period_end: dt.date | None = None
    ) -> WeeklyFigures:
        """The 周报's figures for a 统计周期 (default: the last full report week, default_period),
        as of the end of its last day: cases found later are left out, and each case counts in the
        state it had then — read from its workflow actions (case_actions), so a report reprinted
        next month says what it said this week. A period ending today counts the current states (the
        工作台's figures). 本周新增/本周销号 count within the period; 逾期 is ledger.workflow.is_overdue
        on the last day. Grouped by category, township and lead department; the 待交办 cases form
        their own line (`unassigned`), not a department. Known approximation: a case's deadline,
        completion date and lead department are today's (an extended 时限 counts as extended)."""
        today = self._ledger.today()
        _default_start, default_end = self.default_period(today)
        end = period_end or (period_start + dt.timedelta(days=6) if period_start else default_end)
        start = period_start or end - dt.timedelta(days=6)
        if start > end:
            raise ValidationError("统计周期的开始日期不能晚于结束日期")
        if end > today:
            raise ValidationError(f"统计周期不能晚于今天（{today.year}年{today.month}月{today.day}日）")
        warn_days = int(self._ledger.meta("warn_days", "3"))
        if end >= today:
            state: Any = Case.state
            joined = None
        else:  # each case's state at the end of `end`: the target of its last action before then
            cutoff = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
            last = (
                select(CaseAction.case_id, func.max(CaseAction.id).label("last_id"))
                .where(CaseAction.at < cutoff)
                .group_by(CaseAction.case_id)
                .subquery()
            )
            then = CaseAction.__table__.alias("state_then")
            state = func.coalesce(then.c.to_state, literal("registered"))
            joined = (last, then)

        def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
            return func.sum(case((condition, 1), else_=0))

        department = case((state == "registered", 0), else_=func.coalesce(Case.lead_department_id, 0))
        overdue = overdue_sql(end, state)
        query = select(
            Case.category,
            Case.township_id,
            Case.village_id,
            department,
            state,
            func.count(),
            flag(Case.found_date >= start),
            flag(and_(state == "closed", Case.closed_date >= start, Case.closed_date <= end)),
            flag(overdue),
            flag(and_(overdue, Case.deadline >= start)),
            flag(due_soon_sql(end, warn_days, state)),
        )
        if joined is not None:
            last, then = joined
            query = query.select_from(Case).outerjoin(last, last.c.case_id == Case.id)
            query = query.outerjoin(then, then.c.id == last.c.last_id)
        query = query.where(Case.found_date <= end).group_by(
            Case.category, Case.township_id, Case.village_id, department, state
        )
        # every case of the selection, void or not: a case voided after the period counted then
        base = replace(f, include_void=joined is not None, states=(), light=None)
        with self._ledger.reading() as s:
            rows = s.execute(self._ledger.queries.filtered(query, base)).all()
        cat = self._ledger.catalog
        groups: dict[str, dict[object, GroupFigures]] = {
            "category": {},
            "township": {},
            "village": {},
            "department": {},
        }
        total = GroupFigures("合计")
        unassigned = GroupFigures(UNASSIGNED_LINE)
        for (
            category,
            township_id,
            village_id,
            dept_id,
            state_then,
            n,
            new,
            closed_week,
            late,
            new_late,
            due_soon,
        ) in rows:
            figures = (state_then, int(n), *(int(v or 0) for v in (new, closed_week, late, new_late, due_soon)))
            keys = {
                "category": (cat.category_names.get(category, category), category),
                "township": (cat.region(township_id).name, township_id),
                "village": (cat.region(village_id).name, village_id),
            }
            if dept_id:
                keys["department"] = (cat.departments[dept_id].name, dept_id)
            else:
                unassigned.add(*figures)
            for group, (name, key) in keys.items():
                place = key if group in ("township", "village") else None
                groups[group].setdefault(key, GroupFigures(name, place_id=place)).add(*figures)
            total.add(*figures)
        policy = self.group_light_policy()
        category_order = list(cat.category_names)
        by_category = [
            g
            for _, g in sorted(groups["category"].items(), key=lambda kv: category_order.index(cast(str, kv[0])))
            if g.found
        ]
        ranked: dict[str, list[GroupFigures]] = {}
        for name in ("township", "village", "department"):
            found = [g for g in groups[name].values() if g.found]
            found.sort(key=lambda g: (-g.rate, g.overdue_share, g.name))
            for rank, g in enumerate(found, 1):
                g.rank = rank
                g.light = policy.light(g.found, g.closed, g.overdue)
            ranked[name] = found
        return WeeklyFigures(
            today=today,
            period_start=start,
            period_end=end,
            total=total,
            by_category=by_category,
            by_township=ranked["township"],
            by_department=ranked["department"],
            unassigned=unassigned,
            light_rule=policy.describe(),
            by_village=ranked["village"],
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
                        .outerjoin(Household, Household.id == Case.household_id)
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
                c, head = cases[case_id].Case, cases[case_id].head_name or VILLAGE_LEVEL_HEAD
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
                        overdue=is_overdue(c.state, c.deadline, c.completion_date, today),
                        milestones=tuple(milestones.get(case_id, ())),
                    )
                )
        return bars

    def overdue(self, department_id: int, today: dt.date | None = None) -> list[OverdueCase]:
        """A lead department's overdue cases (ledger.workflow.is_overdue), the longest overdue first."""
        today = today or self._ledger.today()
        cat = self._ledger.catalog
        with self._ledger.reading() as s:
            rows = s.execute(
                select(Case, Household.head_name)
                .outerjoin(Household, Household.id == Case.household_id)
                .where(Case.lead_department_id == department_id, overdue_sql(today))
                .order_by(Case.deadline, Case.number)
            ).all()
        return [
            OverdueCase(
                case_id=c.id,
                number=c.number,
                township=cat.region(c.township_id).name,
                village=cat.region(c.village_id).name,
                head_name=head or VILLAGE_LEVEL_HEAD,
                subcategory=cat.subcategory(c.subcategory).name,
                description=c.description,
                deadline=cast(dt.date, c.deadline),  # overdue_sql: a deadline is set
                days=(today - cast(dt.date, c.deadline)).days,
                state=STATE_NAMES[c.state],
                values=schema.plain_values(c),
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


def _signoff_text(so: tuple[str, bool, dt.datetime, str]) -> str:
    signer, on_behalf, signed_at, opinion = so
    who = signer + ("（代录）" if on_behalf else "")
    return f"{who} {signed_at.date().isoformat()} {opinion}".strip()
