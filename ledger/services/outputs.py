"""Outputs as use cases of the ledger: a finished report or workbook is hashed, and in one unit of
work the numbers it carries are claimed, the letters it issues start their tracking, the 通报 it
prints is kept, and the event naming the file and its hash is recorded. Only then is the file put in
place, by the renderer that wrote it (reports/ renders; it opens no unit of work and writes no event).

A number another PC took meanwhile raises ConflictError with nothing written: the renderer lays the
pages out again with the next number and asks again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.dto import Actor

if TYPE_CHECKING:
    from ledger.facade import Ledger
    from ledger.services.dispatch import Period


@dataclass(frozen=True)
class Claim:
    """A number printed on the paper (督办函 文号, 周报 期数, 通报 期数): taken with the output."""

    series: str
    year: int
    number: int
    subject: str


@dataclass(frozen=True)
class BulletinIssue:
    """A 调度通报 printed for the first time: its period and the figures it printed, kept signed."""

    period: Period
    year: int
    number: int
    figures: dict[str, Any]


@dataclass(frozen=True)
class Output:
    """What the audit event says about a finished file, and what the file issues."""

    action: str  # "report.print", "export.workbook", "compare.results"…
    target: str  # "report" or "export": the event's target type
    payload: Mapping[str, Any]  # the kind, the scope, the counts…; the file's name and hash are added
    claims: Sequence[Claim] = ()
    letters: Sequence[Mapping[str, Any]] = ()  # 督办函 tracking rows (LetterService.issue_in arguments)
    bulletin: BulletinIssue | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # payload keys known only after the claims


@dataclass(frozen=True)
class Recorded:
    sha256: str
    letters: tuple[int, ...]  # ids of the tracking rows opened


class OutputService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def record(self, actor: Actor | None, finished: Path, name: str, output: Output) -> Recorded:
        """Hash `finished` (the file about to become `name`) and record the output in one unit of
        work. ConflictError when one of its numbers was taken meanwhile (nothing written)."""
        from ledger.sheets import file_sha256  # on first output: the window starts without it

        digest = file_sha256(finished)
        lg = self._ledger
        issued_by = actor.display_name if actor is not None else "命令行"
        with lg.unit_of_work() as s:
            for claim in output.claims:
                lg.serials.claim(s, claim.series, claim.year, claim.number, claim.subject, issued_by=issued_by)
            if output.bulletin is not None:
                b = output.bulletin
                lg.dispatch.store_bulletin(s, b.period, b.year, b.number, b.figures, issued_by)
            letters: tuple[int, ...] = ()
            if output.letters:
                if actor is None:
                    raise ValueError("a letter is issued by a signed-in user")
                letters = tuple(lg.letters.issue_in(s, actor, **spec).id for spec in output.letters)
            payload: dict[str, Any] = {**output.payload, "file": name, "sha256": digest, **output.extra}
            if letters:
                payload["letters"] = list(letters)
            lg.record(s, actor, output.action, output.target, None, payload)
        return Recorded(digest, letters)
