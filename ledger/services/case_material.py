"""What clerks add to an open case: progress notes and evidence files (content-addressed in the
evidence store, re-hashed when read)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ledger import photos, textrules
from ledger.dto import Actor, CaseResult, Change, EvidenceView
from ledger.errors import NotFound, PermissionDenied, ValidationError, WorkflowError
from ledger.models import Case, Evidence, ProgressNote
from ledger.services.case_base import as_date, in_scope
from ledger.services.case_queries import CaseQueries
from ledger.workflow import OPEN_STATES, STATE_NAMES


class CaseMaterial(CaseQueries):
    def add_progress(self, actor: Actor, case_id: int, note_date: dt.date | str, text: str) -> CaseResult:
        day = as_date(note_date, "进度日期")
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
        if any(r in roles and roles[r].writes_material and in_scope(r, actor, case) for r in actor.roles):
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
