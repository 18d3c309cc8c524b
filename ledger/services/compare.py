"""部门比对 (issue 15 item 4): a department roster compared with the households, the candidates it
finds kept as findings a clerk reviews — registered as cases in one step, or dismissed with a
reason — and the reverse list the county owes a department.

A run is one unit of work: the CompareRun, its findings and one `compare.run` event. Findings are
keyed by (kind, key) — the rule and the household, member or village — so a rerun of the same
kind finds its own rows again: a known finding keeps its state (a dismissal survives reruns) and
gets the new run as its last; a new one is open; an open one the roster no longer supports is gone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.access import SEES_ALL
from ledger.compare.config import kind_rules
from ledger.compare.matcher import load_people
from ledger.compare.reader import read_roster
from ledger.compare.rules import Candidate, Facts, age_on, evaluate
from ledger.compare.views import (
    CompareResult,
    FindingView,
    OwedRoster,
    OwedRow,
    RegisterResult,
    RunView,
)
from ledger.dto import Actor
from ledger.errors import NotFound, PermissionDenied, ValidationError
from ledger.models import Case, CompareFinding, CompareRun, Household, HouseholdTag, Member, User
from ledger.tags import holds, tag_label

if TYPE_CHECKING:
    from ledger.facade import Ledger

RUN_ROLES = frozenset({"coordinator"})
SOURCE = "部门筛查预警"
UNMATCHED_KEPT = 500  # unmatched rows the run's summary keeps (the count is always whole)


def _born(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])) if len(number) == 18 else None
    except ValueError:
        return None


def _row_record(c: Candidate, labels: dict[str, str]) -> str:
    if c.row is None:
        return ""
    record = c.row.as_record(labels)
    record["match"] = "name" if c.weak else ("village" if c.household_id is None else "id")
    return json.dumps(record, ensure_ascii=False)


class CompareService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    # -- who may ----------------------------------------------------------------------------------
    def _runner(self, actor: Actor | None, what: str) -> Actor:
        actor = self._ledger.current_actor(actor)
        if not actor.roles & RUN_ROLES:
            raise PermissionDenied(f"只有县级统筹可以{what}")
        return actor

    def _reader(self, s: Session, actor: Actor | None) -> None:
        if actor is None:
            return
        actor = self._ledger.authority(s, actor)
        if not actor.roles & (SEES_ALL | RUN_ROLES):
            raise PermissionDenied("部门比对结果含全县农户的个人信息，只有县级账号可以查看")

    # -- the run ----------------------------------------------------------------------------------
    def run(self, actor: Actor, path: str | Path, kind: str) -> CompareResult:
        self._ledger.refuse_if_read_only()
        rules = kind_rules(kind)
        actor = self._runner(actor, "进行部门名单比对")
        today = self._ledger.today()
        roster = read_roster(path, rules, today)  # before the transaction: reading takes a while
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            people = load_people(s)
            tagged: dict[int, list[str]] = {}
            for tag in rules.params.get("household_tags", ()):
                for hid in s.scalars(select(Household.id).where(holds(tag, today))):
                    tagged.setdefault(hid, []).append(tag)
            category = rules.params.get("case_category")
            house = cast(
                frozenset[int],
                frozenset(
                    s.scalars(
                        select(Case.household_id).where(
                            Case.category == category, Case.state != "void", Case.household_id.is_not(None)
                        )
                    )
                )
                if category
                else frozenset(),
            )
            facts = Facts(today, {h: tuple(t) for h, t in tagged.items()}, house)
            outcome = evaluate(rules, roster, people, facts)
            run = CompareRun(
                kind=rules.kind,
                file_name=roster.file_name,
                file_sha256=roster.sha256,
                rows=len(roster.rows),
                summary="",
                run_at=self._ledger.clock(),
                run_by=actor.id,
            )
            s.add(run)
            s.flush()
            known = {f.key: f for f in s.scalars(select(CompareFinding).where(CompareFinding.kind == rules.kind))}
            new_ids: list[int] = []
            unchanged = 0
            found: list[CompareFinding] = []
            fresh: list[CompareFinding] = []
            for c in outcome.candidates:
                record = _row_record(c, roster.labels)
                f = known.get(c.key)
                if f is None:
                    f = CompareFinding(
                        kind=rules.kind, rule=c.rule, key=c.key, first_run_id=run.id, last_run_id=run.id,
                        township_id=c.township_id, village_id=c.village_id, household_id=c.household_id,
                        member_id=c.member_id, subcategory=c.subcategory, description=c.description,
                        weak_match=c.weak, roster_row=record, state="open", reason="",
                    )  # fmt: skip
                    fresh.append(f)
                else:
                    f.last_run_id = run.id
                    if f.state in ("open", "gone"):
                        if f.state == "gone":
                            new_ids.append(f.id)
                        else:
                            unchanged += 1
                        f.state = "open"
                        f.description, f.roster_row, f.weak_match = c.description, record, c.weak
                        f.subcategory = c.subcategory
                    else:
                        unchanged += 1
                found.append(f)
            s.add_all(fresh)
            keys = {c.key for c in outcome.candidates}
            gone_ids = []
            for f in known.values():
                if f.state == "open" and f.key not in keys:
                    f.state = "gone"
                    gone_ids.append(f.id)
            s.flush()
            new_ids += [f.id for f in fresh]
            per_rule: dict[str, int] = {}
            for c in outcome.candidates:
                per_rule[c.rule] = per_rule.get(c.rule, 0) + 1
            summary = {
                "rows": len(roster.rows),
                "sheet": roster.sheet,
                "header_rows": [r + 1 for r in roster.header_rows],
                "columns": roster.labels,
                "matched_id": outcome.matched_id,
                "matched_name": outcome.matched_name,
                "unmatched": len(outcome.unmatched),
                "unmatched_rows": [list(u) for u in outcome.unmatched[:UNMATCHED_KEPT]],
                "notes": [list(n) for n in outcome.notes[:UNMATCHED_KEPT]],
                "warnings": outcome.warnings,
                "per_rule": per_rule,
                "new": len(new_ids),
                "unchanged": unchanged,
                "gone": len(gone_ids),
            }
            run.summary = json.dumps(summary, ensure_ascii=False)
            self._ledger.record(
                s, actor, "compare.run", "comparison", run.id,
                {
                    "kind": rules.kind, "file": roster.file_name, "sha256": roster.sha256, "rows": len(roster.rows),
                    "matched_id": outcome.matched_id, "matched_name": outcome.matched_name,
                    "unmatched": len(outcome.unmatched), "per_rule": per_rule,
                    "new": len(new_ids), "unchanged": unchanged, "gone": len(gone_ids),
                },
            )  # fmt: skip
            run_view = self._run_view(s, run)
            views = {v.id: v for v in self._views(s, [f.id for f in found] + gone_ids)}
        return CompareResult(
            run=run_view,
            findings=tuple(views[f.id] for f in found),
            new=tuple(views[i] for i in new_ids),
            gone=tuple(views[i] for i in gone_ids),
            unchanged=unchanged,
            unmatched=tuple(outcome.unmatched),
            notes=tuple(outcome.notes),
            warnings=tuple(outcome.warnings),
        )

    # -- reads ------------------------------------------------------------------------------------
    def _run_view(self, s: Session, run: CompareRun) -> RunView:
        user = s.get(User, run.run_by)
        return RunView(
            run.id, run.kind, run.file_name, run.file_sha256, run.rows, run.run_at,
            user.display_name if user else "", json.loads(run.summary or "{}"),
        )  # fmt: skip

    def runs(self, kind: str | None = None, viewer: Actor | None = None) -> list[RunView]:
        with self._ledger.reading() as s:
            self._reader(s, viewer)
            query = select(CompareRun).order_by(CompareRun.id.desc())
            if kind:
                query = query.where(CompareRun.kind == kind)
            return [self._run_view(s, r) for r in s.scalars(query)]

    def run_view(self, run_id: int) -> RunView:
        with self._ledger.reading() as s:
            run = s.get(CompareRun, run_id)
            if run is None:
                raise NotFound(f"没有第{run_id}批比对")
            return self._run_view(s, run)

    def findings(
        self,
        run_id: int | None = None,
        *,
        viewer: Actor | None = None,
        kind: str | None = None,
        states: Sequence[str] = (),
        village_id: int | None = None,
        finding_ids: Iterable[int] | None = None,
    ) -> list[FindingView]:
        """Findings of a run (those it found), or by kind, state, village or ids; in list order
        (rule, township, village, household)."""
        with self._ledger.reading() as s:
            self._reader(s, viewer)
            query = select(CompareFinding.id)
            if run_id is not None:
                query = query.where(CompareFinding.last_run_id == run_id)
            if kind:
                query = query.where(CompareFinding.kind == kind)
            if states:
                query = query.where(CompareFinding.state.in_(list(states)))
            if village_id is not None:
                query = query.where(CompareFinding.village_id == village_id)
            if finding_ids is not None:
                query = query.where(CompareFinding.id.in_(list(finding_ids)))
            return self._views(s, list(s.scalars(query)))

    def _views(self, s: Session, finding_ids: list[int]) -> list[FindingView]:
        if not finding_ids:
            return []
        cat = self._ledger.catalog
        rows: list[CompareFinding] = []
        for start in range(0, len(finding_ids), 900):
            chunk = finding_ids[start : start + 900]
            rows += s.scalars(select(CompareFinding).where(CompareFinding.id.in_(chunk)))
        households = {
            h.id: h
            for start in range(0, len(rows), 900)
            for h in s.scalars(
                select(Household).where(Household.id.in_({f.household_id for f in rows[start : start + 900]} - {None}))
            )
        }
        members = {
            m.id: m
            for start in range(0, len(rows), 900)
            for m in s.scalars(
                select(Member).where(Member.id.in_({f.member_id for f in rows[start : start + 900]} - {None}))
            )
        }
        numbers: dict[int, str] = {}
        case_ids = sorted({f.case_id for f in rows if f.case_id is not None})
        for start in range(0, len(case_ids), 900):
            chunk = case_ids[start : start + 900]
            numbers.update(s.execute(select(Case.id, Case.number).where(Case.id.in_(chunk))).all())
        order = {r.code: i for k in ("医保", "学籍", "危房", "供水") for i, r in enumerate(kind_rules(k).rules)}
        out = []
        for f in rows:
            h = households.get(f.household_id) if f.household_id else None
            m = members.get(f.member_id) if f.member_id else None
            record = json.loads(f.roster_row) if f.roster_row else {}
            sub = cat.subcategories.get(f.subcategory)
            out.append(
                FindingView(
                    id=f.id, kind=f.kind, rule=f.rule, key=f.key, state=f.state,
                    township_id=f.township_id, township=cat.region(f.township_id).name,
                    village_id=f.village_id, village=cat.region(f.village_id).name,
                    household_id=f.household_id, head_name=h.head_name if h else "",
                    member_id=f.member_id, member_name=m.name if m else "",
                    id_number=(m.id_number if m else h.head_id_number if h else ""),
                    subcategory=f.subcategory, subcategory_name=sub.name if sub else f.subcategory,
                    description=f.description, weak=f.weak_match,
                    match=record.get("match", "village" if f.household_id is None and record else ""),
                    roster_row=record.get("row"), roster_cells=record.get("cells", {}),
                    notes=tuple(record.get("notes", ())), first_run_id=f.first_run_id, last_run_id=f.last_run_id,
                    case_id=f.case_id, case_number=numbers.get(f.case_id, "") if f.case_id else "",
                    reason=f.reason,
                )
            )  # fmt: skip
        out.sort(key=lambda v: (v.kind, order.get(v.rule, 99), v.township, v.village, v.head_name, v.key))
        return out

    # -- decisions --------------------------------------------------------------------------------
    def register(self, actor: Actor, finding_ids: Iterable[int]) -> RegisterResult:
        """Each selected open finding becomes a case (source 部门筛查预警; the run and roster row in
        its remarks, so the case's history names them); the findings are marked registered with
        one `compare.register` event. A case registered before a later one fails stays registered
        and its finding marked."""
        self._ledger.refuse_if_read_only()
        actor = self._runner(actor, "把比对结果登记为问题")
        wanted = sorted(set(finding_ids))
        if not wanted:
            raise ValidationError("请先选择要登记的比对结果")
        with self._ledger.reading() as s:
            rows = {f.id: f for f in s.scalars(select(CompareFinding).where(CompareFinding.id.in_(wanted)))}
            files = dict(s.execute(select(CompareRun.id, CompareRun.file_name)).all())
        problems = [f"没有编号为 {i} 的比对结果" for i in wanted if i not in rows]
        said = {"registered": "已登记", "dismissed": "已排除", "gone": "已消失"}
        problems += [
            f"比对结果 {i} {said[rows[i].state]}，不能登记" for i in wanted if i in rows and rows[i].state != "open"
        ]
        if problems:
            raise ValidationError(problems)
        today = self._ledger.today()
        done: list[tuple[int, int, str]] = []
        try:
            for i in wanted:
                f = rows[i]
                record = json.loads(f.roster_row) if f.roster_row else {}
                where = f"第{record['row']}行" if record.get("row") else "名单中无此人"
                remarks = f"部门比对 第{f.last_run_id}批 {files.get(f.last_run_id, '')} {where}"
                result = self._ledger.cases.register(
                    actor,
                    household_id=f.household_id,
                    village_id=f.village_id if f.household_id is None else None,
                    member_id=f.member_id,
                    subcategory=f.subcategory,
                    description=f.description,
                    source=SOURCE,
                    found_date=today,
                    remarks=remarks,
                )
                done.append((i, result.case.id, result.case.number))
        finally:
            if done:
                self._mark_registered(actor, done)
        return RegisterResult(tuple(done))

    def _mark_registered(self, actor: Actor, done: list[tuple[int, int, str]]) -> None:
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            now = self._ledger.clock()
            for finding_id, case_id, _ in done:
                f = s.get_one(CompareFinding, finding_id)
                f.state, f.case_id, f.decided_by, f.decided_at = "registered", case_id, actor.id, now
            self._ledger.record(
                s, actor, "compare.register", "finding", done[0][0],
                {"findings": [d[0] for d in done], "cases": [d[2] for d in done]},
            )  # fmt: skip

    def dismiss(self, actor: Actor, finding_ids: Iterable[int], reason: str) -> int:
        """排除: the findings (open or gone) are not problems, for the reason given; a rerun keeps them so."""
        self._ledger.refuse_if_read_only()
        actor = self._runner(actor, "排除比对结果")
        reason = (reason or "").strip()
        if len(reason) < 2:
            raise ValidationError("排除比对结果须填写原因（如：已在外地参保、已核实在校）")
        if len(reason) > 500:
            raise ValidationError("排除原因不能超过500个字")
        wanted = sorted(set(finding_ids))
        if not wanted:
            raise ValidationError("请先选择要排除的比对结果")
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            rows = {f.id: f for f in s.scalars(select(CompareFinding).where(CompareFinding.id.in_(wanted)))}
            problems = [f"没有编号为 {i} 的比对结果" for i in wanted if i not in rows]
            problems += [
                f"比对结果 {i} 已{'登记为问题' if rows[i].state == 'registered' else '排除'}，不能再排除"
                for i in wanted
                if i in rows and rows[i].state in ("registered", "dismissed")
            ]
            if problems:
                raise ValidationError(problems)
            now = self._ledger.clock()
            for f in rows.values():
                f.state, f.reason, f.decided_by, f.decided_at = "dismissed", reason, actor.id, now
            self._ledger.record(
                s, actor, "compare.dismiss", "finding", wanted[0], {"findings": wanted, "reason": reason}
            )
        return len(wanted)

    # -- the reverse --------------------------------------------------------------------------------
    def owed_roster(self, actor: Actor, kind: str, since: dt.date) -> OwedRoster:
        """The people the county owes the department of `kind` (医保: members of households that
        became 监测对象 since `since`); the workbook is written by reports/compare_output.py."""
        rules = kind_rules(kind)
        self._runner(actor, "导出应报部门的名单")
        spec = rules.params.get("owed", {})
        today = self._ledger.today()
        if since > today:
            raise ValidationError("起始日期不能晚于今天")
        cat = self._ledger.catalog
        out: list[OwedRow] = []
        with self._ledger.reading() as s:
            tags = s.execute(
                select(HouseholdTag, Household)
                .join(Household, Household.id == HouseholdTag.household_id)
                .where(
                    HouseholdTag.tag.in_(spec.get("tags", ["监测对象"])),
                    HouseholdTag.start_date >= since,
                    or_(HouseholdTag.end_date.is_(None), HouseholdTag.end_date > today),
                )
                .order_by(Household.township_id, Household.village_id, Household.id)
            ).all()
            seen: set[int] = set()
            for tag, h in tags:
                if h.id in seen:
                    continue
                seen.add(h.id)
                label = tag_label(tag.tag, tag.subtype)
                people = [(h.head_name, "户主", h.head_id_number)]
                if not spec.get("heads_only"):
                    people += [
                        (m.name, m.relation, m.id_number)
                        for m in s.scalars(select(Member).where(Member.household_id == h.id).order_by(Member.id))
                    ]
                for name, relation, number in people:
                    if spec.get("school_age"):
                        low, high = int(rules.params["age_min"]), int(rules.params["age_max"])
                        born = _born(number)
                        if born is None or not low <= age_on(born, today) <= high:
                            continue
                    out.append(
                        OwedRow(
                            cat.region(h.township_id).name, cat.region(h.village_id).name, h.head_name, name,
                            relation, number, label, tag.start_date,
                        )
                    )  # fmt: skip
        return OwedRoster(rules.kind, spec.get("title", rules.title), since, tuple(out))
