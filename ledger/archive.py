"""年终归档 (ledger side): the sealed-year record and the read-only rule it brings.

A coordinator (统筹) or a 系统管理员 seals a finished year: reports/archive.py writes the archive
folder (a verified backup, the year's printed ledger, a manifest) and then `seal` records the year in
`year_archives` — a signed record (ledger/records.py, kind "archive") — in one audited transaction.

After sealing, every case **销号 in that year** (state 已销号, 销号日期 within the year) is read-only:
`refuse_if_sealed` is called by CaseService whenever it loads a case to change it (edit, workflow
action incl. 销号回退, progress, evidence), and refuses in Chinese. Cases found in the year but still
open are not sealed: they carry over (结转) and are worked on as before; they are sealed with the
year in which they are closed. Sealing cannot be undone: the application offers no unsealing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ledger.dto import Actor
from ledger.errors import PermissionDenied, ValidationError, WorkflowError
from ledger.models import AuditHead, Case, YearArchive

if TYPE_CHECKING:
    from ledger.facade import Ledger

MAY_SEAL = frozenset({"coordinator", "admin"})


@dataclass(frozen=True)
class SealedYear:
    year: int
    folder: str
    manifest_sha256: str
    cases: int
    sealed_cases: int
    audit_seq: int
    audit_hash: str
    sealed_at: dt.datetime
    sealed_by: int


def _view(row: YearArchive) -> SealedYear:
    return SealedYear(row.year, row.folder, row.manifest_sha256, row.cases, row.sealed_cases, row.audit_seq,
                      row.audit_hash, row.sealed_at, row.sealed_by)  # fmt: skip


def refuse_if_sealed(s: Session, case: Case) -> None:
    """The guard of every change to a case: refuses a case closed in a sealed year."""
    if case.state != "closed" or case.closed_date is None:
        return
    year = case.closed_date.year
    if s.scalar(select(YearArchive.id).where(YearArchive.year == year)) is not None:
        raise WorkflowError(f"问题 {case.number} 已于{year}年度销号并随年终归档封存，不能再修改、回退或添加材料")


def sealed_in(year: int) -> ColumnElement[bool]:
    """The SQL condition of the cases a seal of `year` makes read-only."""
    return (
        (Case.state == "closed")
        & (Case.closed_date >= dt.date(year, 1, 1))
        & (Case.closed_date <= dt.date(year, 12, 31))
    )


def sealable_count(lg: Ledger, year: int) -> int:
    """How many cases a seal of `year` makes read-only (those closed in it)."""
    with lg.reading() as s:
        return int(s.scalar(select(func.count()).select_from(Case).where(sealed_in(year))) or 0)


def check_may_seal(lg: Ledger, actor: Actor, year: int) -> Actor:
    """Who may seal, and which year: a finished year not sealed before. Returns the proved actor."""
    actor = lg.current_actor(actor)
    if not actor.roles & MAY_SEAL:
        raise PermissionDenied("只有县级统筹或系统管理员可以进行年终归档")
    if year >= lg.today().year:
        raise ValidationError(f"{year}年度尚未结束，不能归档（只能归档{lg.today().year - 1}年度及以前）")
    done = sealed(lg, year)
    if done is not None:
        raise ValidationError(f"{year}年度已于{done.sealed_at:%Y-%m-%d}归档（归档不能撤销，也不能重复）")
    return actor


def sealed(lg: Ledger, year: int) -> SealedYear | None:
    with lg.reading() as s:
        row = s.scalar(select(YearArchive).where(YearArchive.year == year))
        return _view(row) if row is not None else None


def sealed_years(lg: Ledger) -> list[SealedYear]:
    with lg.reading() as s:
        return [_view(r) for r in s.scalars(select(YearArchive).order_by(YearArchive.year))]


def seal(
    lg: Ledger, actor: Actor, year: int, folder: str, manifest_sha256: str, cases: int, head: tuple[int, str]
) -> SealedYear:
    """Record the sealed year (after its folder is written), audited and stamped."""
    lg.refuse_if_read_only()
    with lg.unit_of_work() as s:
        who = lg.authority(s, actor)
        if not who.roles & MAY_SEAL:
            raise PermissionDenied("只有县级统筹或系统管理员可以进行年终归档")
        if s.scalar(select(YearArchive.id).where(YearArchive.year == year)) is not None:
            raise ValidationError(f"{year}年度已经归档（归档不能撤销，也不能重复）")
        closed = s.scalar(select(func.count()).select_from(Case).where(sealed_in(year))) or 0
        row = YearArchive(
            year=year, folder=folder[-255:], manifest_sha256=manifest_sha256, cases=cases, sealed_cases=int(closed),
            audit_seq=head[0], audit_hash=head[1], sealed_at=lg.clock(), sealed_by=who.id,
        )  # fmt: skip
        s.add(row)
        s.flush()
        payload = {"year": year, "folder": row.folder, "manifest_sha256": manifest_sha256, "sealed_cases": int(closed)}
        lg.record(s, who, "year.seal", "archive", row.id, payload)
        return _view(row)


def chain_head(s: Session) -> tuple[int, str]:
    head = s.get(AuditHead, 1)
    return (head.seq, head.hash) if head else (0, "")
