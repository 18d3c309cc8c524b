"""Cases: registration, edits, the workflow actions, progress notes, evidence and sign-offs.

Every method is one unit of work: the change, its audit event(s) and any sign-off are written in
one transaction. The rules themselves live in ledger/workflow.py (pure) and the workflow tables.

CaseService (`lg.cases`) is put together from its parts, one module each:

    case_base.py      loading, normalising and checking values, workflow facts, role and scope
    case_queries.py   reading a case (get, available_actions, history)
    case_actions.py   register, update and the workflow actions with their sign-offs (act)
    case_material.py  progress notes and evidence files
    signoff_hash.py   what a sign-off vouches for (content_hash)
"""

from __future__ import annotations

from ledger.services.case_actions import CaseActions
from ledger.services.case_material import CaseMaterial


class CaseService(CaseActions, CaseMaterial):
    """The case use cases (ledger/facade.py `Ledger.cases`)."""
