"""Changing a case: registering it, editing its fields, and the workflow actions (交办, 接收, 提交核验,
核验通过, 审批销号, 退回, 销号回退, 作废) with their sign-offs. Each is one unit of work: the change, its
audit event and any sign-off in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from ledger import schema, textrules
from ledger.dto import Actor, CaseResult, Change
from ledger.errors import PermissionDenied, ValidationError, WorkflowError
from ledger.models import Case, CaseAction, Evidence, Household, Member, Region, SignOff
from ledger.search import index_cases
from ledger.services.case_base import in_scope
from ledger.services.case_queries import CaseQueries
from ledger.services.catalog import level_problems
from ledger.services.signoff_hash import content_hash
from ledger.workflow import ROLE_NAMES, apply_transition, check_action, editable_problems, effective_inputs

# The stored fields of a case, as the workflow's pure rules read them (ledger.workflow.apply_transition).
CASE_COLUMNS = tuple(attr.key for attr in sa_inspect(Case).column_attrs)


def _case_values(case: Case) -> dict[str, object]:
    return {name: getattr(case, name) for name in CASE_COLUMNS}


class CaseActions(CaseQueries):
    def register(
        self,
        actor: Actor,
        *,
        household_id: int | None,
        subcategory: str,
        description: str,
        source: str,
        found_date: dt.date | str,
        remarks: str = "",
        village_id: int | None = None,
        member_id: int | None = None,
    ) -> CaseResult:
        """A problem of a household (household_id; member_id names the family member it concerns,
        when it is about one) or of a village (household_id None, village_id set: 村卫生室空白点,
        a village's 管网)."""
        values = self._normalise(
            {
                "household_id": household_id,
                "subcategory": subcategory,
                "description": description,
                "source": source,
                "found_date": found_date,
                "remarks": remarks,
            }
        )
        sub = self._ledger.catalog.subcategories.get(subcategory)
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            target, problems = check_action(
                self._ledger.catalog.rules,
                self._facts(s, None, sub.category if sub else None),
                "register",
                actor.roles,
                actor.id,
                # the rule's required 农户 is met by the village of a village-level problem
                {**values, "household_id": household_id if household_id is not None else village_id},
            )
            if target is None:
                raise WorkflowError(problems[0])
            problems += self._field_problems(values, None)
            household = s.get(Household, household_id) if household_id else None
            if household_id and household is None:
                problems.append("农户不存在")
            village = s.get(Region, village_id) if village_id and household_id is None else None
            if household_id is None and (village is None or village.level != "village"):
                problems.append("请选择农户；村级问题请选择所在村")
            if member_id is not None:
                member = s.get(Member, member_id)
                if household is None:
                    problems.append("村级问题不能指定家庭成员")
                elif member is None or member.household_id != household.id:
                    problems.append("所选家庭成员不属于该农户")
            problems += level_problems(sub, household is not None, village is not None)
            if problems or (household is None and village is None) or sub is None:
                raise ValidationError(problems or ["请选择农户和问题子类"])
            if household is not None:
                township_id, place_id = household.township_id, household.village_id
            else:
                assert village is not None and village.parent_id is not None
                township_id, place_id = village.parent_id, village.id
            now = self._ledger.clock()
            case = Case(
                number=self._next_number(s, now.year),
                household_id=household.id if household is not None else None,
                member_id=member_id,
                township_id=township_id,
                village_id=place_id,
                category=sub.category,
                subcategory=sub.code,
                description=values["description"],
                source=values["source"],
                found_date=values["found_date"],
                state="registered",
                deadline_class=sub.deadline_class,
                remarks=values["remarks"],
                created_by=actor.id,
                created_at=now,
                updated_at=now,
                assisting_departments="",
                measures="",
                **{c.stored or c.code: schema.blank(c) for c in schema.PLAIN},
                void_reason="",
            )
            s.add(case)
            s.flush()
            index_cases(s, case.id, case.id)
            s.add(
                CaseAction(
                    case_id=case.id,
                    action="register",
                    from_state=None,
                    to_state="registered",
                    actor_id=actor.id,
                    at=now,
                    reason="",
                )
            )
            event = self._ledger.record(
                s,
                actor,
                "case.register",
                "case",
                case.id,
                {
                    "number": case.number,
                    "fields": {k: v for k, v in values.items() if v not in ("", None)},
                    **({"village_id": place_id} if household is None else {}),
                    **({"member_id": member_id} if member_id is not None else {}),
                },
                case_id=case.id,
            )
            view = self._view(s, case)
        return CaseResult(view, Change((view.id,), counts=True, audit_seq=event.seq))

    def update(self, actor: Actor, case_id: int, expected_version: int, changes: dict[str, Any]) -> CaseResult:
        """Edit fields the case's state allows; each changed field is journalled old → new."""
        values = self._normalise(changes)
        rules = self._ledger.catalog.rules
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            case = self._load(s, case_id)
            self._check_version(case, expected_version)
            problems = editable_problems(rules, case.state, actor.roles, values)
            if problems:
                raise WorkflowError(problems[0])
            if (
                "dept_officer" in actor.roles
                and not actor.roles & {"clerk", "coordinator"}
                and not in_scope("dept_officer", actor, case)
            ):
                raise PermissionDenied("该问题不属于您所在的单位，您不能修改")
            problems = self._field_problems(values, case)
            if problems:
                raise ValidationError(problems)
            diff = self._apply(case, values)
            if not diff:
                return CaseResult(self._view(s, case), Change())
            if "subcategory" in diff:
                sub = self._ledger.catalog.subcategory(case.subcategory)
                case.category, case.deadline_class = sub.category, sub.deadline_class
            case.updated_at = self._ledger.clock()
            s.flush()
            if "description" in diff:
                index_cases(s, case.id, case.id)
            event = self._ledger.record(s, actor, "case.update", "case", case.id, {"changes": diff}, case_id=case.id)
            view = self._view(s, case)
        return CaseResult(
            view, Change((case_id,), counts="subcategory" in diff or "lead_department_id" in diff, audit_seq=event.seq)
        )

    @staticmethod
    def _apply(case: Case, values: dict[str, Any]) -> dict[str, Any]:
        diff = {}
        for name, new in values.items():
            old = getattr(case, name)
            if new is None and isinstance(old, str):
                new = ""
            if old != new:
                diff[name] = [old, new]
                setattr(case, name, new)
        return diff

    def act(
        self,
        actor: Actor,
        case_id: int,
        action: str,
        *,
        expected_version: int,
        inputs: dict[str, Any] | None = None,
        password: str | None = None,
        on_behalf_of: str | None = None,
        form_evidence_id: int | None = None,
    ) -> CaseResult:
        """Take a workflow action (交办, 接收, 提交核验, 核验通过, 审批销号, 退回, 销号回退, 作废).

        The transition is a conditional update (id AND version), so two people acting on the same
        case at once give exactly one success and one ConflictError.
        """
        rules = self._ledger.catalog.rules
        definition = rules.actions.get(action)
        if definition is None or action == "register":
            raise WorkflowError(f"未知的操作：{action}")
        effects = rules.effects_of(action)
        inputs = self._normalise(inputs or {})
        actor = self._ledger.current_actor(actor)
        if definition.signoff and actor.roles & {t.role for t in rules.transitions if t.action == action}:
            # Argon2 takes ~0.1 s: check the password before taking the write lock (a role that
            # may never take the action is told so by the workflow check instead).
            self._ledger.users.confirm_password(actor, password)
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            case = self._load(s, case_id)
            self._check_version(case, expected_version)
            now = self._ledger.clock()
            today = now.date()
            values = _case_values(case)
            # the written fields as they will be: the proposed deadline (拟定时限) or the default one included
            default_days = self._ledger.catalog.subcategory(case.subcategory).default_days
            merged = effective_inputs(rules, values, action, inputs, today, default_days)
            facts = self._facts(s, case, case.category)
            target, problems = check_action(
                rules, facts, action, actor.roles, actor.id, merged, self._ledger.catalog.evidence_kind_names
            )
            if target is None:
                raise WorkflowError(problems[0])
            role = self._role_for(actor, action, case)
            problems += self._field_problems(
                {k: merged.get(k) for k in effects.writes if merged.get(k) is not None}, case
            )
            for name in effects.case_refs:  # 作废: the case this one duplicates
                if merged.get(name) is not None:
                    dup = s.get(Case, merged[name])
                    if dup is None or dup.id == case.id:
                        problems.append("请选择另一条已登记的问题作为重复问题")
            problems += self._ledger.publicity.close_problems(s, case, action)  # 公示 before 审批销号
            if problems:
                raise ValidationError(problems)
            signoff_values = None
            if definition.signoff:
                signoff_values = self._signoff_values(s, actor, case, role, on_behalf_of, form_evidence_id)
            result = apply_transition(
                rules, values, action, inputs, today, default_days=default_days, roles=actor.roles
            )  # the new state and the action's effects on the fields (workflow.json "effects")
            reason = result.note
            diff = self._apply(case, dict(result.changes))
            case.updated_at = now
            s.flush()
            s.add(
                CaseAction(
                    case_id=case.id,
                    action=action,
                    from_state=facts.state,
                    to_state=target,
                    actor_id=actor.id,
                    at=now,
                    reason=reason,
                )
            )
            payload: dict[str, Any] = {"action": action, "from": facts.state, "to": target, "changes": diff}
            if reason:
                payload[effects.note] = reason
            if signoff_values is not None:
                signoff = SignOff(
                    **signoff_values,
                    case_id=case.id,
                    action=action,
                    meaning=definition.signoff,
                    opinion=reason,
                    signed_at=now,
                    content_hash=content_hash(self._ledger.key, case, self._evidence_hashes(s, case.id)),
                )
                s.add(signoff)
                s.flush()
                payload["signoff"] = {
                    "id": signoff.id,
                    "signer": signoff.signer_name,
                    "on_behalf": signoff.on_behalf,
                    "content_hash": signoff.content_hash,
                }
            event = self._ledger.record(s, actor, f"case.{action}", "case", case.id, payload, case_id=case.id)
            view = self._view(s, case)
        return CaseResult(view, Change((case_id,), counts=True, audit_seq=event.seq))

    def _signoff_values(
        self, s: Session, actor: Actor, case: Case, role: str, on_behalf_of: str | None, form_evidence_id: int | None
    ) -> dict[str, Any]:
        values = {"signer_role": ROLE_NAMES[role], "recorded_by_id": actor.id, "form_evidence_id": None}
        if on_behalf_of:
            textrules.require({"signer_name": on_behalf_of.strip()})
            form = s.get(Evidence, form_evidence_id) if form_evidence_id else None
            if form is None or form.case_id != case.id or form.kind != "signed_form":
                raise ValidationError("代录签批须附上该问题已签字的纸质表扫描件（佐证材料类型：签字表）")
            values.update(
                signer_name=on_behalf_of.strip(), signer_user_id=None, on_behalf=True, form_evidence_id=form.id
            )
        else:
            values.update(signer_name=actor.display_name, signer_user_id=actor.id, on_behalf=False)
        return values
