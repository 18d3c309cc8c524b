"""What every page shares: the open ledger, the signed-in user, and a signal that something changed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ledger.dto import Actor, Change
from ledger.facade import Ledger
from ledger.workflow import ROLE_NAMES


class AppContext(QObject):
    """Pages subscribe to `changed` and refresh what a mutation touched (Change.case_ids, counts)."""

    changed = Signal(object)  # ledger.dto.Change

    def __init__(self, ledger: Ledger, actor: Actor):
        super().__init__()
        self.ledger = ledger
        self.actor = actor

    def notify(self, change: Change) -> None:
        self.changed.emit(change)

    def has_role(self, *roles: str) -> bool:
        return bool(self.actor.roles & set(roles))

    @property
    def role_names(self) -> str:
        return "、".join(ROLE_NAMES.get(r, r) for r in sorted(self.actor.roles))
