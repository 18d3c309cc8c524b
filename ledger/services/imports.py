"""Excel import: read (ledger/sheets.py), map and validate every row (ledger/tabular.py) into a plan
the user previews (a dry run), then commit the plan in one transaction, all or nothing, audited
with the file's SHA-256.

Two kinds of workbook come in:
- a ledger workbook from a township (or our own handoff export): each row is a problem of a
  household (naming the member it concerns in 涉及成员), or of a village (no 户主, a 村 and a
  village-level subcategory: ledger/services/import_levels.py). A row with a known 问题编号 updates
  that case's editable fields; a row without one registers a new case (and the household when its
  ID number is new), and is 交办 at once when the importer holds 县级统筹 and the row names a lead
  department.
- a department's fill-in workbook (reports/excel.py): hidden 问题ID and 版本号 columns; each row adds
  a progress note and the 整改措施 / 完成时间 the department typed. A case changed in the ledger
  since the export is a conflict, never overwritten.

This module is the service: reading, the dry run and the commit. The plan and its outcomes are in
import_plan.py, the rows read column by column in import_rows.py, a ledger workbook's checks in
import_ledger.py (updates by 问题编号 in import_update.py), a fill-in workbook's in
import_fillin.py, and the writing in import_write.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.dto import Actor
from ledger.errors import ConflictError, ValidationError
from ledger.models import AuditEvent, AuditHead, Meta
from ledger.services.import_fillin import plan_fillin
from ledger.services.import_ledger import plan_ledger
from ledger.services.import_plan import (
    DEFAULT_KIND,
    DEFAULT_SOURCE,
    FILLIN_ROLES,
    IMPORT_ROLES,
    MAX_CELL_CHARS,
    REQUIRED_NEW,
    STATUS_NAMES,
    UPDATABLE,
    ImportPlan,
    ImportResult,
    RowOutcome,
    collector_paused,
)
from ledger.sheets import RawTable, read_sheet_with
from ledger.tabular import FIELD_NAMES, Layout, detect_layout

if TYPE_CHECKING:
    from ledger.facade import Ledger

__all__ = [
    "DEFAULT_KIND",
    "DEFAULT_SOURCE",
    "FILLIN_ROLES",
    "IMPORT_ROLES",
    "MAX_CELL_CHARS",
    "REQUIRED_NEW",
    "STATUS_NAMES",
    "UPDATABLE",
    "ImportPlan",
    "ImportResult",
    "ImportService",
    "RowOutcome",
]


class ImportService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    # -- reading ----------------------------------------------------------------------------------
    def read(self, path: str | Path, sheet: str | None = None, cancelled: Callable[[], bool] | None = None) -> RawTable:
        """The named sheet, else the first visible sheet with a recognisable header (a fill-in
        workbook opens on its instructions sheet)."""
        return read_sheet_with(path, sheet, cancelled, lambda t: detect_layout(t.rows, t.merged) is not None)

    def layout(self, table: RawTable) -> Layout:
        layout = detect_layout(table.rows, table.merged)
        if layout is None:
            raise ValidationError(
                f"在“{table.sheet or table.file_name}”的前 30 行中找不到表头。"
                "表头应含有“户主姓名”“身份证号”“问题描述”等列名。"
            )
        return layout

    def remembered_mapping(self, layout: Layout) -> dict[int, str] | None:
        with self._ledger.reading() as s:
            row = s.get(Meta, f"import_map:{layout.key}")
        if row is None:
            return None
        return {int(k): v for k, v in json.loads(row.value).items()}

    # -- the dry run --------------------------------------------------------------------------------
    def prepare(
        self,
        table: RawTable,
        actor: Actor,
        mapping: dict[int, str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ImportPlan:
        layout = self.layout(table)
        fields = set(layout.mapping.values())
        mode = "fillin" if {"case_id", "version"} <= fields else "ledger"
        if mapping is None:
            mapping = self.remembered_mapping(layout) or dict(layout.mapping)
        mapping = {c: f for c, f in mapping.items() if f and c < len(layout.labels)}
        chosen = list(mapping.values())
        doubled = sorted({f for f in chosen if chosen.count(f) > 1})
        if doubled:
            raise ValidationError([f"“{FIELD_NAMES.get(f, f)}”对应了多列，请只保留一列" for f in doubled])
        with self._ledger.reading() as s:
            actor = self._ledger.authority(s, actor)
            already = self._already_imported(s, table.sha256)
            seq = s.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
            plan = ImportPlan(
                table.file_name, table.sha256, table.sheet, mode, layout, mapping, [], [], already, seq, table
            )
            with collector_paused():
                if mode == "fillin":
                    plan_fillin(self._ledger, s, plan, actor, progress, cancelled)
                else:
                    plan_ledger(self._ledger, s, plan, actor, progress, cancelled)
        return plan

    def _already_imported(self, s: Session, digest: str) -> str:
        for at, who in s.execute(
            select(AuditEvent.at, AuditEvent.actor_name)
            .where(AuditEvent.action == "import.commit", AuditEvent.payload.contains(digest))
            .order_by(AuditEvent.seq)
            .limit(1)
        ):
            return f"此文件已于 {at[:16].replace('T', ' ')} 由 {who} 导入过，再次导入不会新建或修改任何问题。"
        return ""

    # -- commit ----------------------------------------------------------------------------------------
    def commit(
        self, plan: ImportPlan, actor: Actor, progress: Callable[[int, int], None] | None = None
    ) -> ImportResult:
        """Write the plan in one transaction. If the ledger changed since the dry run, the plan is
        made again inside the transaction and must come out the same, or nothing is written."""
        import time

        started = time.perf_counter()
        lg = self._ledger
        if plan.already:
            return ImportResult(0, 0, 0, 0, "", "", 0, 0.0)
        with lg.unit_of_work() as s:
            if lg.authority(s, actor) != actor:
                raise ConflictError("预览之后您的账号角色或权限已有变化，请重新预览后再确认导入。")
            head = s.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
            if head != plan.audit_seq:
                again = ImportPlan(
                    plan.file_name,
                    plan.sha256,
                    plan.sheet,
                    plan.mode,
                    plan.layout,
                    plan.mapping,
                    [],
                    [],
                    self._already_imported(s, plan.sha256),
                    head,
                    plan.table,
                )
                if plan.mode == "fillin":
                    plan_fillin(self._ledger, s, again, actor, None, None)
                else:
                    plan_ledger(self._ledger, s, again, actor, None, None)
                if again.already or again.counts != plan.counts:
                    raise ConflictError("预览之后台账已有变化，导入结果会与预览不同。请重新预览后再确认导入。")
                plan = again
            from ledger.services.import_write import write_plan

            result = write_plan(self._ledger, s, plan, actor, progress)  # no pause here: no gain measured
            if plan.mode == "fillin":  # the departments on the workbook have reported (调度)
                lg.dispatch.record_import(s, actor, plan)
        layout_key = plan.layout.key
        with lg.unit_of_work() as s:  # remember the mapping for this layout (a setting, not data)
            value = json.dumps({str(k): v for k, v in sorted(plan.mapping.items())}, ensure_ascii=False)
            row = s.get(Meta, f"import_map:{layout_key}")
            if row is None:
                s.add(Meta(key=f"import_map:{layout_key}", value=value))
            else:
                row.value = value
        return ImportResult(**{**result.__dict__, "seconds": time.perf_counter() - started})
