"""Reading and verifying the audit log."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from ledger import audit
from ledger.dto import HistoryEntry
from ledger.errors import StorageError
from ledger.events import event_name
from ledger.models import AuditEvent, AuditHead
from ledger.opening import read_failure
from ledger.workflow import FIELD_LABELS, STATE_NAMES

if TYPE_CHECKING:
    from ledger.facade import Ledger
    from ledger.services.catalog import CatalogService

# Events that created many cases at once: they name their case-id range instead of one case.
BULK_ACTIONS = ("import.commit", "demo.generate")


def _readable(field: str, old: object, new: object, catalog: CatalogService | None = None) -> tuple[object, object]:
    """Codes and ids shown by their Chinese names in the change history: states, 问题子类, units,
    yes/no."""

    def one(value: object) -> object:
        if value is None or value == "":
            return value
        if field == "state":
            return STATE_NAMES.get(str(value), value)
        if isinstance(value, bool):
            return "是" if value else "否"
        if catalog is not None and field == "subcategory" and str(value) in catalog.subcategories:
            sub = catalog.subcategories[str(value)]
            return f"{sub.category_name} · {sub.name}"
        if catalog is not None and field == "lead_department_id":
            unit = catalog.departments.get(int(str(value))) if str(value).isdigit() else None
            return unit.name if unit is not None else value
        return value

    return one(old), one(new)


class AuditService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def head(self) -> tuple[int, str]:
        """(sequence, hash) of the chain head — printed on reports, stored in backup manifests."""
        with self._ledger.reading() as s:
            head = s.get(AuditHead, 1)
            return (head.seq, head.hash) if head else (0, audit.GENESIS)

    def verify(
        self, progress: Callable[[int], None] | None = None, cancelled: Callable[[], bool] | None = None
    ) -> audit.ChainReport:
        try:
            with self._ledger.reading() as s:
                return audit.verify_chain(s, self._ledger.key, progress, cancelled)
        except (sqlite3.DatabaseError, DBAPIError) as exc:  # a damaged file: the window's check says so
            raise StorageError(read_failure(exc)) from exc

    def case_history(self, case_id: int) -> list[HistoryEntry]:
        catalog = self._ledger.catalog
        with self._ledger.reading() as s:
            events = list(s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)))
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action.in_(BULK_ACTIONS))):
                payload = json.loads(e.payload)
                if (payload.get("first_case") or 0) <= case_id <= (payload.get("last_case") or -1):
                    events.append(e)
            out = []
            for e in sorted(events, key=lambda event: event.seq):
                payload = json.loads(e.payload)
                if e.action in BULK_ACTIONS:
                    payload = {"reason": payload.get("file") or f"示例数据（种子 {payload.get('seed')}）"}
                changes = payload.get("changes") or {}
                if e.action == "case.register":
                    changes = {k: [None, v] for k, v in payload.get("fields", {}).items()}
                detail = (
                    payload.get("reason") or payload.get("opinion") or payload.get("text") or payload.get("name") or ""
                )
                out.append(
                    HistoryEntry(
                        e.seq,
                        e.at,
                        e.actor_name,
                        event_name(e.action),
                        tuple(
                            (FIELD_LABELS.get(k, k), *_readable(k, old, new, catalog))
                            for k, (old, new) in changes.items()
                            if k != "household_id"  # the household is the case's own, named above
                        ),
                        str(detail),
                    )
                )
            return out

    def last_at(self, action: str) -> str | None:
        """When the latest event of this kind was recorded (e.g. "ledger.backup"), or None."""
        with self._ledger.reading() as s:
            return s.scalar(
                select(AuditEvent.at).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc()).limit(1)
            )

    def recent(self, limit: int = 100) -> list[tuple[int, str, str, str]]:
        with self._ledger.reading() as s:
            rows = s.execute(
                select(AuditEvent.seq, AuditEvent.at, AuditEvent.actor_name, AuditEvent.action)
                .order_by(AuditEvent.seq.desc())
                .limit(limit)
            )
            return [(seq, at, actor_name, action) for seq, at, actor_name, action in rows]
