"""Cases: registration, edits, the workflow actions, progress notes, evidence and sign-offs.

Every method is one unit of work: the change, its audit event(s) and any sign-off are written in
one transaction. The rules themselves live in ledger/workflow.py (pure) and the workflow tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from ledger import ids, photos, schema, textrules
from ledger.access import visibility
from ledger.archive import refuse_if_sealed
from ledger.audit import canonical_json
from ledger.dto import (
    Actor,
    CaseResult,
    CaseView,
    Change,
    EvidenceView,
    HistoryEntry,
    ProgressView,
    SignOffView,
)
from ledger.errors import ConflictError, NotFound, PermissionDenied, ValidationError, WorkflowError
from ledger.models import Case, CaseAction, Evidence, Household, Member, Meta, ProgressNote, Region, SignOff, User
from ledger.search import index_cases
from ledger.seed import load_catalog
from ledger.services.catalog import level_problems
from ledger.services.households import household_view
from ledger.tabular import BadValue, parse_date, parse_plain
from ledger.workflow import (
    FIELD_LABELS,
    OPEN_STATES,
    ROLE_NAMES,
    SCOPED_ROLES,
    STATE_NAMES,
    CaseFacts,
    LightPolicy,
    apply_transition,
    check_action,
    editable_problems,
    effective_inputs,
    light,
)

if TYPE_CHECKING:
    from ledger.facade import Ledger

# What a sign-off vouches for: the case content (ledger/schema.py `signed`) and its evidence hashes.
# Columns added later join it only once set, so sign-offs made before them stay valid.
CONTENT_FIELDS, ADDED_CONTENT_FIELDS = schema.signed_fields()


def _signed_body(case: Case | Mapping[str, object], evidence_hashes: list[str]) -> bytes:
    get = case.get if isinstance(case, Mapping) else lambda f: getattr(case, f)
    body: dict[str, object] = {f: get(f) for f in CONTENT_FIELDS}
    body.update({f: value for f in ADDED_CONTENT_FIELDS if (value := get(f)) is not None})
    body["evidence"] = sorted(evidence_hashes)
    return canonical_json(body).encode("utf-8")


def content_hash(key: bytes, case: Case | Mapping[str, object], evidence_hashes: list[str]) -> str:
    """What a sign-off vouches for: HMAC-SHA256 (the ledger's audit key) over the content fields of
    a case (an ORM row or a plain mapping) and its evidence hashes. Keyed, so nobody without the key
    can make an altered case match an old sign-off."""
    return hmac.new(key, _signed_body(case, evidence_hashes), hashlib.sha256).hexdigest()


def legacy_content_hash(case: Case | Mapping[str, object], evidence_hashes: list[str]) -> str:
    """The plain SHA-256 sign-offs carried before revision 0005 (re-keyed at the upgrade)."""
    return hashlib.sha256(_signed_body(case, evidence_hashes)).hexdigest()


def _as_date(value: object, label: str) -> dt.date | None:
    """A date, or text in the forms clerks type (2021-10-15, 2021.10.15, 2021年10月15日…)."""
    try:
        return parse_date(value)
    except BadValue as err:
        raise ValidationError(f"{label}{err}") from None


DATE_FIELDS = ("found_date", "deadline", "completion_date")


# The stored fields of a case, as the workflow's pure rules read them (ledger.workflow.apply_transition).
CASE_COLUMNS = tuple(attr.key for attr in sa_inspect(Case).column_attrs)


def _case_values(case: Case) -> dict[str, object]:
    return {name: getattr(case, name) for name in CASE_COLUMNS}


def _in_scope(role: str, actor: Actor, case: Case | CaseView) -> bool:
    """Whether acting in `role` on this case is within the actor's department or township (the
    role's scope in the workflow data: SCOPED_ROLES)."""
    scope = SCOPED_ROLES.get(role)
    if scope == "department":
        return actor.department_id is not None and case.lead_department_id == actor.department_id
    if scope == "township":
        township_id = case.township_id
        return actor.township_id is not None and township_id == actor.township_id
    return True


class CaseService:
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
                out[name] = _as_date(out[name], FIELD_LABELS[name])
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
            if _in_scope(role, actor, case):
                return role
        if candidates:
            raise PermissionDenied("该问题不属于您所在的单位或乡镇，您不能办理")
        raise PermissionDenied("您的角色无权办理此操作")

    def _next_number(self, s: Session, year: int) -> str:
        counter = s.execute(select(Meta).where(Meta.key == "case_seq").with_for_update()).scalar_one()
        counter.value = str(int(counter.value) + 1)
        county = s.execute(select(Meta.value).where(Meta.key == "county_code")).scalar_one()
        return f"{county}-{year}-{int(counter.value):06d}"

    # -- reads -----------------------------------------------------------------------------------
    def get(self, case_id: int, viewer: Actor | None = None) -> CaseView:
        """The case with its evidence, sign-offs and progress; refused when `viewer` may not see it."""
        with self._ledger.reading() as s:
            if viewer is not None:
                viewer = self._ledger.authority(s, viewer)
            case = self._load(s, case_id, change=False)
            if viewer is not None and not visibility(viewer).allows(case.township_id, case.lead_department_id):
                raise PermissionDenied("该问题不属于您所在的单位或乡镇，您无权查看")
            return self._view(s, case, full=True)

    def _view(self, s: Session, case: Case, full: bool = False) -> CaseView:
        cat = self._ledger.catalog
        sub = cat.subcategory(case.subcategory)
        household = s.get_one(Household, case.household_id) if case.household_id is not None else None
        member = s.get(Member, case.member_id) if case.member_id is not None else None
        dept = cat.departments.get(case.lead_department_id) if case.lead_department_id else None
        evidence: list[EvidenceView] = []
        signoffs: list[SignOffView] = []
        progress: list[ProgressView] = []
        hashes = self._evidence_hashes(s, case.id)
        # Read-only (the audit key is missing): what a sign-off vouches for is keyed, so whether the
        # case changed since cannot be computed. The sign-off is shown as not verifiable (None), never
        # as "一致" (unchanged) nor as changed.
        current = None if self._ledger.read_only_reason else content_hash(self._ledger.key, case, hashes)
        if full:
            names = dict(s.execute(select(User.id, User.display_name)).all())
            for e in s.scalars(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)):
                evidence.append(
                    EvidenceView(
                        e.id,
                        e.case_id,
                        e.kind,
                        cat.evidence_kind_names.get(e.kind, e.kind),
                        e.sha256,
                        e.size,
                        e.mime,
                        e.original_name,
                        names.get(e.added_by, ""),
                        e.added_at,
                        e.taken_at,
                        e.gps_lat,
                        e.gps_lon,
                    )
                )
            for so in s.scalars(select(SignOff).where(SignOff.case_id == case.id).order_by(SignOff.id)):
                signoffs.append(
                    SignOffView(
                        so.id,
                        so.meaning,
                        so.signer_name,
                        so.signer_role,
                        so.on_behalf,
                        names.get(so.recorded_by_id, ""),
                        so.opinion,
                        so.signed_at,
                        so.content_hash,
                        None if current is None else so.content_hash != current,
                    )
                )
            for p in s.scalars(
                select(ProgressNote)
                .where(ProgressNote.case_id == case.id)
                .order_by(ProgressNote.note_date, ProgressNote.id)
            ):
                progress.append(ProgressView(p.id, p.note_date, p.text, names.get(p.author_id, "")))
        warn_days = int(self._ledger.meta("warn_days", "3")) if full else 3
        return CaseView(
            id=case.id,
            number=case.number,
            version=case.version,
            state=case.state,
            state_name=STATE_NAMES[case.state],
            household=household_view(household) if household is not None else None,
            township_name=cat.region(case.township_id).name,
            village_name=cat.region(case.village_id).name,
            township_id=case.township_id,
            village_id=case.village_id,
            category=case.category,
            category_name=sub.category_name,
            subcategory=case.subcategory,
            subcategory_name=sub.name,
            description=case.description,
            source=case.source,
            found_date=case.found_date,
            lead_department_id=case.lead_department_id,
            lead_department_name=dept.name if dept else "",
            assisting_departments=case.assisting_departments,
            measures=case.measures,
            deadline_class=case.deadline_class,
            deadline=case.deadline,
            assigned_date=case.assigned_date,
            completion_date=case.completion_date,
            closed_date=case.closed_date,
            closed_on_time=case.closed_on_time,
            void_reason=case.void_reason,
            duplicate_of_id=case.duplicate_of_id,
            remarks=case.remarks,
            light=light(case.state, case.deadline, self._ledger.today(), LightPolicy(warn_days), case.completion_date),
            content_hash=current or "",  # empty when read-only: only the key can compute it
            evidence=tuple(evidence),
            signoffs=tuple(signoffs),
            progress=tuple(progress),
            member_id=case.member_id,
            member_name=member.name if member is not None else "",
            values=schema.plain_values(case),
        )

    def available_actions(self, actor: Actor, case: CaseView) -> list[str]:
        """Workflow actions the actor may take on the case now (role and scope)."""
        rules = self._ledger.catalog.rules
        out = []
        for action in rules.actions_for(case.state, actor.roles, case.category):
            roles = [
                t.role
                for t in rules.transitions
                if t.action == action and t.from_state == case.state and t.role in actor.roles
            ]
            if any(_in_scope(role, actor, case) for role in roles):
                out.append(action)
        return out

    def history(self, case_id: int) -> list[HistoryEntry]:
        return self._ledger.audit.case_history(case_id)

    # -- writes ----------------------------------------------------------------------------------
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
                and not _in_scope("dept_officer", actor, case)
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

    def add_progress(self, actor: Actor, case_id: int, note_date: dt.date | str, text: str) -> CaseResult:
        day = _as_date(note_date, "进度日期")
        text = text.strip()
        textrules.require({"progress": text})
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            case = self._load(s, case_id)
            if case.state not in OPEN_STATES:
                raise WorkflowError(f"“{STATE_NAMES[case.state]}”的问题不能再填写进度")
            self._require_writer(actor, case)
            problems = []
            if not text:
                problems.append("进度内容不能为空")
            if day is None or day > self._ledger.today():
                problems.append("进度日期不能为空，也不能晚于今天")
            if problems:
                raise ValidationError(problems)
            note = ProgressNote(
                case_id=case.id, note_date=day, text=text, author_id=actor.id, created_at=self._ledger.clock()
            )
            s.add(note)
            s.flush()
            event = self._ledger.record(
                s, actor, "case.progress", "progress", note.id, {"date": day, "text": text}, case_id=case.id
            )
            view = self._view(s, case)
        return CaseResult(view, Change((case_id,), audit_seq=event.seq))

    def _require_writer(self, actor: Actor, case: Case) -> None:
        """Progress notes and evidence: a role that may add material (workflow.json roles), in its scope."""
        roles = self._ledger.catalog.rules.roles
        if any(r in roles and roles[r].writes_material and _in_scope(r, actor, case) for r in actor.roles):
            return
        raise PermissionDenied("您无权修改该问题的材料或进度")

    def add_evidence(
        self, actor: Actor, case_id: int, source: Path | bytes, kind: str, display_name: str | None = None
    ) -> EvidenceView:
        """Store the file (content-addressed, atomic) and attach it to the case, audited."""
        self._ledger.refuse_if_read_only()  # before copying the file into the store
        if kind not in self._ledger.catalog.evidence_kind_names:
            raise ValidationError(f"未知的材料类型：{kind}")
        with self._ledger.reading() as s:  # refuse early, before copying a large file
            actor = self._ledger.authority(s, actor)
            case = self._load(s, case_id)
            if case.state not in OPEN_STATES:
                raise WorkflowError(f"“{STATE_NAMES[case.state]}”的问题不能再添加材料，如需补充请先销号回退")
            self._require_writer(actor, case)
        store = self._ledger.evidence_store
        name = display_name or ("材料" if isinstance(source, bytes) else Path(source).name)
        photos.check_photo(kind, source, name)  # an image whose name agrees with it, or refused
        info = photos.read_info(source) if kind in photos.PHOTO_KINDS else photos.PhotoInfo()
        blob = store.put_bytes(source, name) if isinstance(source, bytes) else store.put_file(Path(source), name)
        name = name.replace("\\", "/").rsplit("/", 1)[-1][:255]
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            case = self._load(s, case_id)
            if case.state not in OPEN_STATES:
                raise WorkflowError(f"“{STATE_NAMES[case.state]}”的问题不能再添加材料")
            self._require_writer(actor, case)
            row = Evidence(
                case_id=case.id,
                kind=kind,
                sha256=blob.sha256,
                size=blob.size,
                mime=blob.mime,
                original_name=name,
                added_by=actor.id,
                added_at=self._ledger.clock(),
                taken_at=info.taken_at,
                gps_lat=info.latitude,
                gps_lon=info.longitude,
            )
            s.add(row)
            s.flush()
            self._ledger.record(
                s,
                actor,
                "evidence.add",
                "evidence",
                row.id,
                {"kind": kind, "sha256": blob.sha256, "size": blob.size, "name": name},
                case_id=case.id,
            )
            return EvidenceView(
                row.id,
                case.id,
                kind,
                self._ledger.catalog.evidence_kind_names[kind],
                blob.sha256,
                blob.size,
                blob.mime,
                name,
                actor.display_name,
                row.added_at,
                info.taken_at,
                info.latitude,
                info.longitude,
            )

    def evidence_bytes(self, evidence_id: int) -> bytes:
        """The stored file, re-hashed on use."""
        with self._ledger.reading() as s:
            row = s.get(Evidence, evidence_id)
            if row is None:
                raise NotFound("没有这份佐证材料")
            sha = row.sha256
        return self._ledger.evidence_store.read_verified(sha)

    def masked_id(self, case: CaseView) -> str:
        return ids.mask(case.household.head_id_number) if case.household is not None else ""
