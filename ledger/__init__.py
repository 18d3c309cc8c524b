"""整改台账 core: the domain and its storage, usable without any GUI.

from ledger import open_ledger
lg = open_ledger("台账.db")
actor = lg.users.authenticate("luru", password)
lg.cases.register(actor, household_id=..., subcategory="house.c", ...)
"""

__version__ = "0.3.0.dev0"  # the one place; pyproject.toml reads it, `main.py --version` prints it

from ledger.dto import Actor, CaseFilter, CaseView
from ledger.errors import (
    ConflictError,
    EvidenceError,
    LedgerError,
    NotFound,
    PermissionDenied,
    StorageError,
    ValidationError,
    WorkflowError,
)
from ledger.facade import Ledger, open_ledger

__all__ = [
    "Actor",
    "CaseFilter",
    "CaseView",
    "ConflictError",
    "EvidenceError",
    "Ledger",
    "LedgerError",
    "NotFound",
    "PermissionDenied",
    "StorageError",
    "ValidationError",
    "WorkflowError",
    "open_ledger",
]
