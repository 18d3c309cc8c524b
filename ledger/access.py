"""Who may see which cases (PRODUCT.md, "Organisation and people"; issue 6).

County-level roles and 查看 see every case; a 责任单位经办人 sees the cases its department leads; a
乡镇核验员 the cases of its township (an account holding both sees either). 系统管理员 manages accounts
and settings and 审计员 reads the audit log: neither sees case data. Pure rules; the queries apply
them as conditions (ledger/services/queries.py) and CaseService.get refuses an invisible case.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, or_, true
from sqlalchemy.sql import ColumnElement

from ledger.dto import Actor
from ledger.errors import PermissionDenied, ValidationError
from ledger.models import Case

SEES_ALL = frozenset({"clerk", "coordinator", "approver", "viewer"})

# Rights an administrator grants per account (users.rights), on top of the roles.
RIGHTS = {
    "unmask": "查看、打印、导出完整身份证号和电话（须填写用途，记入审计日志）",
    "health": "查看家庭成员的健康和残疾信息",
}


def may_unmask(actor: Actor | None) -> bool:
    return actor is not None and "unmask" in actor.rights


def check_unmask(actor: Actor | None, reason: str, verb: str = "导出") -> None:
    """Full ID numbers and phones: the granted right and a typed reason (the caller audits both)."""
    if not may_unmask(actor):
        raise PermissionDenied(f"{verb}完整身份证号和电话需要“查看完整号码”权限（由系统管理员授予）")
    if len(reason.strip()) < 4:
        raise ValidationError(f"{verb}完整身份证号和电话须填写用途（至少4个字），该用途将记入审计日志")


def may_see_health(actor: Actor | None) -> bool:
    return actor is not None and "health" in actor.rights


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


def visible_condition(vis: Visibility) -> ColumnElement[bool]:
    """The SQL condition selecting the cases `vis` allows."""
    branches = []
    if vis.department_id is not None:
        branches.append(Case.lead_department_id == vis.department_id)
    if vis.township_id is not None:
        branches.append(Case.township_id == vis.township_id)
    return true() if vis.everything else or_(*branches) if branches else false()


def visibility(actor: Actor) -> Visibility:
    if actor.roles & SEES_ALL:
        return Visibility(everything=True)
    return Visibility(
        department_id=actor.department_id if "dept_officer" in actor.roles else None,
        township_id=actor.township_id if "verifier" in actor.roles else None,
    )
