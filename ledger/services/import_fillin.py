"""A department's fill-in workbook (reports/excel.py), planned (ledger/services/imports.py): hidden
问题ID and 版本号 columns name each row's case; a row adds a progress note and the 整改措施 / 完成时间
the department typed. A case changed in the ledger since the export is a conflict, never
overwritten; locked cells changed in the workbook are ignored with a note."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import ids
from ledger.dto import Actor
from ledger.errors import PermissionDenied
from ledger.models import Case
from ledger.services.import_ledger import chunks
from ledger.services.import_plan import FILLIN_ROLES, IMPORT_ROLES, Cancelled, ImportPlan, Progress, RowOutcome
from ledger.services.import_rows import read_rows
from ledger.tabular import FIELD_NAMES, BadValue, normal_text, parse_date
from ledger.workflow import OPEN_STATES, STATE_NAMES

if TYPE_CHECKING:
    from ledger.facade import Ledger
    from ledger.workflow import WorkflowRules


def plan_fillin(
    lg: Ledger, s: Session, plan: ImportPlan, actor: Actor, progress: Progress, cancelled: Cancelled
) -> None:
    """Every row of a department's fill-in workbook into `plan` (updates, progress notes, conflicts)."""
    if not actor.roles & FILLIN_ROLES:
        raise PermissionDenied("只有录入员、县级统筹或责任单位经办人可以导入部门填报表")
    rules = lg.catalog.rules
    today = lg.today()
    rows = read_rows(plan, cancelled, with_text=False)
    wanted_ids = set()
    for value in rows.column("case_id"):
        with contextlib.suppress(ValueError):
            wanted_ids.add(int(float(normal_text(value) or 0)))
    cases = {}
    for chunk in chunks(sorted(wanted_ids)):
        for c in s.scalars(select(Case).where(Case.id.in_(chunk))):
            cases[c.id] = c
    for outcome, raw, _text in rows.each(plan, progress):
        found = _fillin_case(outcome, raw, cases, actor)
        if found is not None:
            _fillin_row(plan, outcome, raw, *found, actor, rules, today)


def _fillin_case(
    outcome: RowOutcome, raw: dict[str, Any], cases: dict[int, Case], actor: Actor
) -> tuple[Case, int] | None:
    """The case the row's hidden 问题ID names and the version it was exported at, when the row may
    fill it in (else None, with the reason)."""
    reasons = outcome.reasons
    try:
        case_id = int(float(normal_text(raw.get("case_id"))))
        version = int(float(normal_text(raw.get("version"))))
    except ValueError:
        reasons.append("隐藏的“问题ID/版本号”被改动或删除，无法确定是哪个问题；请使用原样导出的填报表")
        return None
    case = cases.get(case_id)
    if case is None or (raw.get("number") and normal_text(raw["number"]) != case.number):
        reasons.append("问题编号与隐藏的问题ID不符，本行可能被复制或改动过")
        return None
    outcome.case_number = case.number
    if not _may_fill(actor, case):
        reasons.append("该问题不属于您所在的单位，您不能填报")
        return None
    if case.version != version:
        outcome.status = "conflict"
        reasons.append(
            f"导出填报表后，台账中的该问题已被修改（当前状态“{STATE_NAMES[case.state]}”），"
            "为免覆盖，本行未导入；请重新导出填报表后再填"
        )
        return None
    return case, version


def _fillin_row(
    plan: ImportPlan, outcome: RowOutcome, raw: dict[str, Any], case: Case, version: int, actor: Actor,
    rules: WorkflowRules, today: dt.date,
) -> None:  # fmt: skip
    """What the row changes (整改措施, 完成时间) and the progress note it adds; parts the case's state
    does not allow are ignored with a note, the rest is taken."""
    row_number, reasons = outcome.row, outcome.reasons
    state_name = STATE_NAMES[case.state]
    allowed = rules.editable.get(case.state, frozenset()) if actor.roles & rules.edit_roles else frozenset()
    ignored: list[str] = []  # each a part of the row left out, the rest is still taken
    changes: dict[str, object] = {}
    measures = normal_text(raw.get("measures"))
    if measures and measures not in (case.measures, ids.mask_free_text(case.measures)):
        if "measures" in allowed:
            changes["measures"] = measures
        else:
            ignored.append(f"“{state_name}”的问题不能填写整改措施")
    try:
        completion = parse_date(raw.get("completion_date"))
    except BadValue as err:
        completion = None
        ignored.append(f"完成时间{err}")
    if completion is not None and completion != case.completion_date:
        if "completion_date" not in allowed:
            ignored.append(f"“{state_name}”的问题不能填写完成时间")
        elif completion > today:
            ignored.append("完成时间不能晚于今天")
        elif completion < case.found_date:
            ignored.append("完成时间不能早于发现时间")
        else:
            changes["completion_date"] = completion
    ignored += _locked_touched(raw, case, actor)
    progress_text, note_date = _fillin_progress(raw, case, today, state_name, ignored)
    if reasons:
        return
    if not changes and not progress_text:
        if ignored:
            reasons += ignored  # nothing in the row can be taken
        else:
            outcome.status = "unchanged"
        return
    outcome.status = "updated"
    kept = [FIELD_NAMES[f] for f in changes] + (["本次进度"] if progress_text else [])
    if ignored:
        outcome.ignored = [f"{x}，已忽略" for x in ignored]
        outcome.notes.append(f"第{row_number}行：" + "；".join(outcome.ignored) + "；" + "、".join(kept) + "照常导入")
    if changes:
        plan.updates.append({"row": row_number, "case_id": case.id, "version": version, "changes": changes})
        outcome.notes.append("将修改：" + "、".join(FIELD_NAMES[f] for f in changes))
    if progress_text:
        plan.notes.append({"row": row_number, "case_id": case.id, "date": note_date, "text": progress_text})
        outcome.notes.append("将添加进度")


def _fillin_progress(
    raw: dict[str, Any], case: Case, today: dt.date, state_name: str, ignored: list[str]
) -> tuple[str, dt.date]:
    """The row's progress note and its date ('' when there is none or it cannot be taken)."""
    progress_text = normal_text(raw.get("progress"))
    note_date = today
    if progress_text:
        try:
            note_date = parse_date(raw.get("progress_date")) or today
        except BadValue as err:
            ignored.append(f"进度日期{err}，本次进度未记录")
            progress_text = ""
        else:
            if note_date > today:
                ignored.append("进度日期不能晚于今天，本次进度未记录")
                progress_text = ""
            elif case.state not in OPEN_STATES:
                ignored.append(f"“{state_name}”的问题不能再填写进度")
                progress_text = ""
    return progress_text, note_date


def _locked_touched(raw: dict[str, Any], case: Case, actor: Actor) -> list[str]:
    """Locked columns of the fill-in workbook whose value no longer matches the case."""
    who = "由责任单位" if "dept_officer" in actor.roles and not actor.roles & IMPORT_ROLES else "在填报表中"
    out = []
    if raw.get("deadline") not in (None, ""):
        try:
            deadline = parse_date(raw.get("deadline"))
        except BadValue:
            deadline = None
        if deadline != case.deadline:
            out.append(f"整改时限不能{who}修改")
    description = normal_text(raw.get("description"))
    if description and description not in (case.description, ids.mask_free_text(case.description)):
        out.append(f"问题描述不能{who}修改")
    return out


def _may_fill(actor: Actor, case: Case) -> bool:
    if actor.roles & IMPORT_ROLES:
        return True
    return "dept_officer" in actor.roles and case.lead_department_id == actor.department_id
