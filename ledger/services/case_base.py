"""What every part of CaseService shares: loading a case to change it, normalising and checking typed
values, the facts the workflow rules read, the role and scope an action is taken in, case numbers.

The parts: case_queries.py (reading a case), case_actions.py (registering, editing, the workflow
actions), case_material.py (progress notes and evidence); ledger/services/cases.py puts them together.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import photos, schema, textrules
from ledger.archive import refuse_if_sealed
from ledger.dto import Actor, CaseView
from ledger.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from ledger.models import Case, CaseAction, Evidence, Meta
from ledger.seed import load_catalog
from ledger.tabular import BadValue, parse_date, parse_plain
from ledger.workflow import FIELD_LABELS, SCOPED_ROLES, CaseFacts

if TYPE_CHECKING:
    from ledger.facade import Ledger


def as_date(value: object, label: str) -> dt.date | None:
    """A date, or text in the forms clerks type (2021-10-15, 2021.10.15, 2021年10月15日…)."""
    try:
        return parse_date(value)
    except BadValue as err:
        raise ValidationError(f"{label}{err}") from None


DATE_FIELDS = ("found_date", "deadline", "completion_date")


def in_scope(role: str, actor: Actor, case: Case | CaseView) -> bool:
    """Whether acting in `role` on this case is within the actor's department or township (the
    role's scope in the workflow data: SCOPED_ROLES)."""
    scope = SCOPED_ROLES.get(role)
    if scope == "department":
        return actor.department_id is not None and case.lead_department_id == actor.department_id
    if scope == "township":
        township_id = case.township_id
        return actor.township_id is not None and township_id == actor.township_id
    return True


class CaseBase:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        catalog = load_catalog()
        self.sources = tuple(catalog["sources"])

    # -- helpers ---------------------------------------------------------------------------------
    def _load(self, s: Session, case_id: int, change: bool = True) -> Case:
        case = s.get(Case, case_id)
        if case is None:
            raise NotFound(f"没有编号为 {case_id} 的问题")
        if change:  # every change of a case, its evidence, progress or sign-offs loads it here
            refuse_if_sealed(s, case)
        return case

    def _evidence_hashes(self, s: Session, case_id: int) -> list[str]:
        return list(s.scalars(select(Evidence.sha256).where(Evidence.case_id == case_id)))

    def _check_version(self, case: Case, expected_version: int) -> None:
        if case.version != expected_version:
            raise ConflictError()

    def _normalise(self, values: dict[str, Any]) -> dict[str, Any]:
        out = dict(values)
        for name in DATE_FIELDS:
            if name in out:
                out[name] = as_date(out[name], FIELD_LABELS[name])
        for name in ("description", "measures", "remarks", "assisting_departments", "reason", "opinion"):
            if isinstance(out.get(name), str):
                out[name] = out[name].strip()
        for name in schema.plain_codes():  # typed text of the plain columns: 23,500 or 2.35万 for an amount
            if name in out:
                try:
                    out[name] = parse_plain(schema.BY_STORED[name], out[name])
                except BadValue as err:
                    raise ValidationError(f"{FIELD_LABELS[name]}{err}") from None
        textrules.require(out)  # lengths and control characters (ledger/textrules.py)
        return out

    def _field_problems(self, values: dict[str, Any], case: Case | None) -> list[str]:
        problems = []
        today = self._ledger.today()
        found = values.get("found_date") or (case.found_date if case else None)
        if "source" in values and values["source"] not in self.sources:
            problems.append(f"发现方式应为：{'、'.join(self.sources)}")
        if values.get("found_date") and values["found_date"] > today:
            problems.append("发现时间不能晚于今天")
        if values.get("deadline") and found and values["deadline"] < found:
            problems.append("整改时限不能早于发现时间")
        if values.get("completion_date"):
            if values["completion_date"] > today:
                problems.append("完成时间不能晚于今天")
            if found and values["completion_date"] < found:
                problems.append("完成时间不能早于发现时间")
        if values.get("lead_department_id") is not None and (
            values["lead_department_id"] not in self._ledger.catalog.departments
        ):
            problems.append("牵头单位不存在或已停用")
        if "subcategory" in values and values["subcategory"] not in self._ledger.catalog.subcategories:
            problems.append(f"没有这个问题子类：{values['subcategory']}")
        return problems

    def _facts(self, s: Session, case: Case | None, category: str | None) -> CaseFacts:
        if case is None:
            return CaseFacts(state=None, category=category)
        sub = self._ledger.catalog.subcategory(case.subcategory)
        by_kind = select(Evidence.kind, func.count()).where(Evidence.case_id == case.id).group_by(Evidence.kind)
        counts: dict[str, int] = {str(k): int(n) for k, n in s.execute(by_kind)}
        kinds = frozenset(counts)
        last: dict[str, int] = {}
        for action, actor_id in s.execute(
            select(CaseAction.action, CaseAction.actor_id).where(CaseAction.case_id == case.id).order_by(CaseAction.id)
        ):
            last[action] = actor_id
        least = photos.photo_minimums().get(case.subcategory, {})
        return CaseFacts(case.state, case.category, frozenset(sub.required_evidence), kinds, last, counts, least)

    def _role_for(self, actor: Actor, action: str, case: Case) -> str:
        """The actor's role that permits this action on this case (scope included)."""
        rules = self._ledger.catalog.rules
        candidates = [
            t.role
            for t in rules.transitions
            if t.action == action
            and t.from_state == case.state
            and t.role in actor.roles
            and t.category in (None, case.category)
        ]
        for role in candidates:
            if in_scope(role, actor, case):
                return role
        if candidates:
            raise PermissionDenied("该问题不属于您所在的单位或乡镇，您不能办理")
        raise PermissionDenied("您的角色无权办理此操作")

    def _next_number(self, s: Session, year: int) -> str:
        counter = s.execute(select(Meta).where(Meta.key == "case_seq").with_for_update()).scalar_one()
        counter.value = str(int(counter.value) + 1)
        county = s.execute(select(Meta.value).where(Meta.key == "county_code")).scalar_one()
        return f"{county}-{year}-{int(counter.value):06d}"
