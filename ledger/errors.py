"""Errors the ledger raises. Every message is Simplified Chinese and fit to show a county clerk.

Two families, as in qutebrowser: `LedgerError` is something the user or the environment can act on
(bad input, a refused action, a conflict, a locked or corrupt database); anything else is our bug.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base class: `str(err)` is a complete Chinese sentence for the user."""


class ValidationError(LedgerError):
    """Input that breaks a rule. `problems` lists every broken rule, not just the first."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("；".join(self.problems))


class PermissionDenied(LedgerError):
    """The acting user's roles or scope do not allow the operation."""


class WorkflowError(LedgerError):
    """An action that the case's state or the workflow table does not allow."""


class ConflictError(LedgerError):
    """Someone else saved the case first; nothing was overwritten."""

    def __init__(self, message: str = "该问题已被其他人修改，您的修改未保存。请重新打开后再操作，您填写的内容已保留。"):
        super().__init__(message)


class NotFound(LedgerError):
    """A referenced row does not exist."""


class StorageError(LedgerError):
    """The database cannot be used as asked (network path, newer schema, corrupt file…)."""


class EvidenceError(LedgerError):
    """An evidence file was refused or no longer matches its hash."""
