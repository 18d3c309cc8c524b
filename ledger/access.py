"""Who may see which cases (PRODUCT.md, "Organisation and people"; issue 6).

County-level roles and 查看 see every case; a 责任单位经办人 sees the cases its department leads; a
乡镇核验员 the cases of its township (an account holding both sees either). 系统管理员 manages accounts
and settings and 审计员 reads the audit log: neither sees case data. Pure rules; the queries apply
them as conditions (ledger/services/queries.py) and CaseService.get refuses an invisible case.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.dto import Actor

SEES_ALL = frozenset({"clerk", "coordinator", "approver", "viewer"})


@dataclass(frozen=True)
class Visibility:
    everything: bool = False
    department_id: int | None = None  # the cases this department leads
    township_id: int | None = None  # the cases of this township

    @property
    def nothing(self) -> bool:
        return not self.everything and self.department_id is None and self.township_id is None

    def allows(self, township_id: int | None, lead_department_id: int | None) -> bool:
        if self.everything:
            return True
        return (self.department_id is not None and lead_department_id == self.department_id) or (
            self.township_id is not None and township_id == self.township_id
        )


def visibility(actor: Actor) -> Visibility:
    if actor.roles & SEES_ALL:
        return Visibility(everything=True)
    return Visibility(
        department_id=actor.department_id if "dept_officer" in actor.roles else None,
        township_id=actor.township_id if "verifier" in actor.roles else None,
    )
