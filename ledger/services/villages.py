"""Figures per village (村): open cases by category, totals and 销号率, overdue, and 动态清零 — whether
the village has no open case left, and since when.

A village is 已清零 when it has had cases and none of them is open; the day it last became zero is
the latest 销号时间 (closed_date) or 作废 day (the case_actions row moving a case to void) among its
cases — the day its last open case left the open states. A village that never had a case reads
从未有问题. A case reopened (销号回退) is open again: the village is no longer zero.

Built for 1,000,000 cases: the counts per (village, state) are read off the covering index
ix_cases_village_state_deadline; only the open cases are looked up for their category, only the
late-looking ones for the overdue test, and only the zero villages for their last date
(bench/villages.py measures it against a plain COUNT over the same rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from ledger.access import visibility
from ledger.dto import Actor
from ledger.errors import PermissionDenied
from ledger.models import Case, CaseAction
from ledger.scope import Scope, scope_condition
from ledger.services.queries import overdue_sql
from ledger.workflow import OPEN_STATES

if TYPE_CHECKING:
    from ledger.facade import Ledger

NEVER = "从未有问题"
ZERO = "已清零"


@dataclass(frozen=True)
class VillageFigures:
    village_id: int
    township_id: int
    name: str
    township: str
    total: int = 0  # 累计发现 (void cases excluded)
    open: int = 0  # 未销号
    closed: int = 0  # 已销号
    overdue: int = 0  # ledger.workflow.is_overdue today
    void: int = 0
    open_by_category: dict[str, int] = field(default_factory=dict)  # category code -> open cases
    zero_since: dt.date | None = None  # the day the village last became zero (None unless 已清零)

    @property
    def rate(self) -> float:
        """销号率: closed over found (void excluded); 0 when nothing was found."""
        return self.closed / self.total if self.total else 0.0

    @property
    def ever_had_cases(self) -> bool:
        return bool(self.total or self.void)

    @property
    def cleared(self) -> bool:
        """已清零: it had cases and none is open."""
        return self.ever_had_cases and not self.open

    @property
    def status(self) -> str:
        """清零状态 as printed and shown: 未清零（N个）, 已清零（2026年11月23日）, 从未有问题."""
        if not self.ever_had_cases:
            return NEVER
        if self.open:
            return f"未清零（{self.open}个）"
        day = self.zero_since
        return f"{ZERO}（{day.year}年{day.month}月{day.day}日）" if day else ZERO


class VillageService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def figures(
        self,
        township_id: int | None = None,
        visible_to: Actor | None = None,
        today: dt.date | None = None,
        scope: Scope | None = None,
    ) -> list[VillageFigures]:
        """The figures of every village of `township_id` (of the county when None), in code order,
        over the cases `visible_to` may see (every case when None). A township's 核验员 sees the
        villages of its own township only; a department's 经办人 the villages where its department
        leads a case, counting those cases; 系统管理员 and 审计员 see no case data. A 统计年度 `scope`
        counts its cases only (ledger/scope.py: found in it, or carried over still open)."""
        cat = self._ledger.catalog
        today = today or self._ledger.today()
        villages = cat.villages(township_id)
        seen: list[ColumnElement[bool]] = []
        only_with_cases = False
        if visible_to is not None:
            actor = self._ledger.current_actor(visible_to)
            vis = visibility(actor)
            if vis.nothing:
                raise PermissionDenied("您的角色不能查看问题数据，也就看不到各村的整改情况")
            if not vis.everything:
                if vis.department_id is None:  # a township's verifier: its own villages, all their cases
                    if township_id is not None and township_id != vis.township_id:
                        raise PermissionDenied("只能查看本乡镇各村的整改情况")
                    villages = [v for v in villages if v.parent_id == vis.township_id]
                elif vis.township_id is None:  # a department's officer: the cases it leads
                    seen.append(Case.lead_department_id == vis.department_id)
                    only_with_cases = True
                else:  # both: its township's villages, and the cases its department leads elsewhere
                    seen.append((Case.township_id == vis.township_id) | (Case.lead_department_id == vis.department_id))
                    only_with_cases = township_id not in (None, vis.township_id)
        ids = [v.id for v in villages]
        if not ids:
            return []
        # One IN list of the villages: the planner walks the index village by village.
        where = [Case.village_id.in_(ids), *seen, scope_condition(scope, Case.found_date, Case.state)]
        by_state: dict[int, dict[str, int]] = {}
        by_category: dict[int, dict[str, int]] = {}
        overdue: dict[int, int] = {}
        with self._ledger.reading() as s:
            for village_id, state, n in s.execute(
                select(Case.village_id, Case.state, func.count()).where(*where).group_by(Case.village_id, Case.state)
            ):
                by_state.setdefault(int(village_id), {})[state] = int(n)
            for village_id, category, n in s.execute(
                select(Case.village_id, Case.category, func.count())
                .where(*where, Case.state.in_(sorted(OPEN_STATES)))
                .group_by(Case.village_id, Case.category)
            ):
                by_category.setdefault(int(village_id), {})[category] = int(n)
            for village_id, n in s.execute(
                select(Case.village_id, func.count()).where(*where, overdue_sql(today)).group_by(Case.village_id)
            ):
                overdue[int(village_id)] = int(n)
            zero = [
                v
                for v, states in by_state.items()
                if not any(states.get(state, 0) for state in OPEN_STATES) and any(states.values())
            ]
            since = self._zero_since(s, zero, seen)
        names = cat.category_names
        order = list(names)
        result = []
        for v in villages:
            states = by_state.get(v.id, {})
            if only_with_cases and not states:
                continue
            void = states.get("void", 0)
            total = sum(states.values()) - void
            closed = states.get("closed", 0)
            cats = by_category.get(v.id, {})
            result.append(
                VillageFigures(
                    village_id=v.id,
                    township_id=v.parent_id or 0,
                    name=v.name,
                    township=cat.region(v.parent_id).name if v.parent_id else "",
                    total=total,
                    open=total - closed,
                    closed=closed,
                    overdue=overdue.get(v.id, 0),
                    void=void,
                    open_by_category={
                        c: cats[c] for c in sorted(cats, key=lambda c: order.index(c) if c in order else 99)
                    },
                    zero_since=since.get(v.id),
                )
            )
        return result

    @staticmethod
    def _zero_since(s: Session, village_ids: list[int], scope: list[ColumnElement[bool]]) -> dict[int, dt.date]:
        """The day each of these (zero) villages last became zero: its latest 销号 or 作废 day."""
        since: dict[int, dt.date] = {}
        if not village_ids:
            return since

        def later(village_id: int, day: dt.date | dt.datetime | None) -> None:
            if day is None:
                return
            if isinstance(day, dt.datetime):
                day = day.date()
            if village_id not in since or day > since[village_id]:
                since[village_id] = day

        for start in range(0, len(village_ids), 500):
            chunk = village_ids[start : start + 500]
            for village_id, day in s.execute(
                select(Case.village_id, func.max(Case.closed_date))
                .where(Case.village_id.in_(chunk), Case.state == "closed", *scope)
                .group_by(Case.village_id)
            ):
                later(int(village_id), day)
            for village_id, at in s.execute(
                select(Case.village_id, func.max(CaseAction.at))
                .join(CaseAction, and_(CaseAction.case_id == Case.id, CaseAction.to_state == "void"))
                .where(Case.village_id.in_(chunk), Case.state == "void", *scope)
                .group_by(Case.village_id)
            ):
                later(int(village_id), _as_datetime(at))
        return since


def _as_datetime(value: object) -> dt.datetime | dt.date | None:
    """max() over a DateTime column comes back as text on SQLite."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.datetime.fromisoformat(str(value))
