"""A ledger-workbook row naming a known 问题编号 (ledger/services/import_ledger.py): the case's
editable fields it changes, each checked as a typed change would be, and refused when the case's
state or the user's role does not allow the change."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from ledger import ids, schema
from ledger.dto import Actor
from ledger.models import Case
from ledger.services.import_plan import ImportPlan, RowOutcome
from ledger.tabular import FIELD_NAMES, BadValue, Matcher, parse_date, parse_plain
from ledger.workflow import editable_problems

if TYPE_CHECKING:
    from ledger.facade import Ledger
    from ledger.workflow import WorkflowRules


def plan_update(
    lg: Ledger,
    plan: ImportPlan,
    outcome: RowOutcome,
    case: Case,
    raw: dict[str, Any],
    text: dict[str, str],
    actor: Actor,
    rules: WorkflowRules,
    departments: Matcher,
    today: dt.date,
) -> None:
    reasons = outcome.reasons
    outcome.case_number = case.number
    wanted = wanted_values(lg, reasons, case, raw, text, departments)
    if case.household_id is None and (text.get("head_id") or text.get("head_name")):
        reasons.append("该问题是村级问题，没有户主；请清空户主姓名和身份证号")
    elif text.get("head_id") and isinstance(raw.get("head_id"), str) and "*" not in text["head_id"]:
        number = ids.as_id_number(text["head_id"])
        household = lg.households.get(cast(int, case.household_id))  # a household's case here
        if number != household.head_id_number:
            reasons.append("身份证号与台账中该问题的户主不一致")
    if reasons:
        return
    changes: dict[str, Any] = {f: v for f, v in wanted.items() if (getattr(case, f) or "") != v}
    if not changes:
        outcome.status = "unchanged"
        return
    problems = editable_problems(rules, case.state, actor.roles, changes)
    for f in ("completion_date", "found_date"):
        if isinstance(changes.get(f), dt.date) and changes[f] > today:
            problems.append(f"{FIELD_NAMES[f]}不能晚于今天")
    if problems:
        reasons += problems
        return
    outcome.status = "updated"
    labels = "、".join(FIELD_NAMES.get(f.removesuffix("_id"), f) for f in changes)
    outcome.notes.append(f"将修改：{labels}")
    plan.updates.append({"row": outcome.row, "case_id": case.id, "version": case.version, "changes": changes})


def wanted_values(
    lg: Ledger, reasons: list[str], case: Case, raw: dict[str, Any], text: dict[str, str], departments: Matcher
) -> dict[str, object]:
    """The values the row gives the case's updatable fields (a blank cell leaves a field as it is),
    each read as its column needs; what cannot be read is a reason."""
    wanted: dict[str, object] = {}
    for f in ("description", "remarks", "assisting_departments", "measures"):
        if text.get(f) and text[f] != ids.mask_free_text(getattr(case, f)):  # a masked export read back
            wanted[f] = text[f]
    for column in schema.PLAIN:  # a blank cell leaves the value as it is, like the columns above
        f = column.stored or column.code
        try:
            value = parse_plain(column, raw.get(column.code) if column.kind == "amount" else text.get(column.code))
        except BadValue as err:
            reasons.append(f"{column.label}{err}")
            continue
        if value in (None, "") or value == getattr(case, f):
            continue
        if isinstance(value, str) and value == ids.mask_free_text(getattr(case, f) or ""):
            continue  # a masked export read back
        wanted[f] = value
    if text.get("source") and text["source"] in lg.cases.sources:
        wanted["source"] = text["source"]
    for f in ("found_date", "deadline", "completion_date"):
        try:
            value = parse_date(raw.get(f))
        except BadValue as err:
            reasons.append(f"{FIELD_NAMES[f]}{err}")
            continue
        if value is not None:
            wanted[f] = value
    if text.get("lead_department"):
        lead = departments.find(text["lead_department"])
        if lead is None:
            reasons.append(departments.explain("牵头单位", text["lead_department"]))
        else:
            wanted["lead_department_id"] = lead
    return wanted
