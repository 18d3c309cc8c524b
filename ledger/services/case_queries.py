"""Reading a case: the case with its evidence, sign-offs and progress as the window and the reports
show it, and the workflow actions a user may take on it now."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import ids, schema
from ledger.access import visibility
from ledger.dto import Actor, CaseView, EvidenceView, HistoryEntry, ProgressView, SignOffView
from ledger.errors import PermissionDenied
from ledger.models import Case, Evidence, Household, Member, ProgressNote, SignOff, User
from ledger.services.case_base import CaseBase, in_scope
from ledger.services.households import household_view
from ledger.services.signoff_hash import content_hash
from ledger.workflow import STATE_NAMES, LightPolicy, light


class CaseQueries(CaseBase):
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
            if any(in_scope(role, actor, case) for role in roles):
                out.append(action)
        return out

    def history(self, case_id: int) -> list[HistoryEntry]:
        return self._ledger.audit.case_history(case_id)

    def masked_id(self, case: CaseView) -> str:
        return ids.mask(case.household.head_id_number) if case.household is not None else ""
