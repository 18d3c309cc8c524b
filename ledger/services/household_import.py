"""Household roster import (issue 15): the national monitoring system's household/member export, one
row per person, comes in as households, members and dated tags — never cases.

Reading is the case import's (ledger/sheets.py: hostile-file rules, python-calamine, CSV in UTF-8
or GB18030); the header is found with the roster's own synonyms (ledger/roster_layout.py). Rows are
grouped by 户编号 (or, without one, by the head's ID number), each household is matched with the
ledger (by 户编号, else by the head's ID number) and compared field by field: the preview says per
household 新增 / 更新 (what changes) / 无变化 / 有误, per row what is wrong in Chinese. A commit writes
the whole plan in one transaction (ledger/services/household_import_write.py) and only when no row
is wrong; a second commit of the same file finds nothing to change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import ids, textrules
from ledger.dto import Actor
from ledger.errors import ConflictError, LedgerError, PermissionDenied, ValidationError
from ledger.models import AuditEvent, AuditHead, Household, HouseholdTag, Member
from ledger.roster_layout import (
    FIELD_LABELS,
    HEAD_RELATIONS,
    IGNORED,
    detect_roster_layout,
)
from ledger.services.household_plan import HouseholdCheck, group_rows
from ledger.sheets import RawTable, read_sheet_with
from ledger.tabular import Layout, Matcher, compact, normal_text
from ledger.tags import kind_synonyms, risk_types

if TYPE_CHECKING:
    from ledger.facade import Ledger


IMPORT_ROLES = frozenset({"clerk", "coordinator"})
MAX_CELL_CHARS = 32_767
DEFAULT_KIND = "一般农户"
STATUS_NAMES = {"new": "新增", "updated": "更新", "unchanged": "无变化", "invalid": "有误"}
_CHUNK = 900
# household columns a roster may change, and how the preview names them
HOUSEHOLD_FIELDS = {
    "code": "户编号",
    "township_id": "乡镇",
    "village_id": "村",
    "group_name": "组",
    "head_name": "户主姓名",
    "phone": "联系电话",
    "kind": "户类型",
    "size": "家庭人口数",
}


@dataclass(slots=True)
class RosterRow:
    """One person's row as read and checked (its problems make the whole household 有误)."""

    row: int  # the row number Excel shows
    name: str = ""
    id_number: str = ""  # canonical 18 characters, or "" when blank or invalid
    relation: str = ""
    health: str = ""
    is_head: bool = False
    text: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class HouseholdOutcome:
    key: str  # 户编号, or the head's masked ID number
    rows: list[int]
    status: str = "invalid"  # new | updated | unchanged | invalid
    head_name: str = ""
    household_id: int | None = None
    changes: list[str] = field(default_factory=list)  # what a commit will change, in Chinese
    reasons: list[str] = field(default_factory=list)  # why it cannot be imported
    notes: list[str] = field(default_factory=list)  # accepted, with a remark (a conversion, a default)

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def first_row(self) -> int:
        return self.rows[0] if self.rows else 0


@dataclass
class HouseholdImportPlan:
    """What a commit would do; nothing is written while the user looks at it."""

    file_name: str
    sha256: str
    sheet: str
    layout: Layout
    mapping: dict[int, str]
    table: RawTable
    audit_seq: int
    already: str = ""  # when/who committed this very file before
    warnings: list[str] = field(default_factory=list)
    households: list[HouseholdOutcome] = field(default_factory=list)
    rows: list[RosterRow] = field(default_factory=list)
    # the writes (ledger/services/household_import_write.py)
    new_households: list[dict[str, Any]] = field(default_factory=list)
    household_updates: list[dict[str, Any]] = field(default_factory=list)
    member_inserts: list[dict[str, Any]] = field(default_factory=list)
    member_updates: list[dict[str, Any]] = field(default_factory=list)
    tag_inserts: list[dict[str, Any]] = field(default_factory=list)
    tag_updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUS_NAMES, 0)
        for h in self.households:
            out[h.status] += 1
        out["members_added"] = sum(len(h["members"]) for h in self.new_households) + len(self.member_inserts)
        out["members_changed"] = len(self.member_updates)
        out["tags_added"] = sum(len(h["tags"]) for h in self.new_households) + len(self.tag_inserts)
        out["tags_ended"] = sum(1 for t in self.tag_updates if t["ends"])
        out["tags_changed"] = sum(1 for t in self.tag_updates if not t["ends"])
        return out

    @property
    def invalid(self) -> list[HouseholdOutcome]:
        return [h for h in self.households if h.status == "invalid"]

    @property
    def writes(self) -> int:
        return (
            len(self.new_households) + len(self.household_updates) + len(self.member_inserts)
            + len(self.member_updates) + len(self.tag_inserts) + len(self.tag_updates)
        )  # fmt: skip

    def summary(self) -> str:
        c = self.counts
        text = (
            f"共 {len(self.households):,} 户 {len(self.rows):,} 人：新增 {c['new']:,} 户，更新 {c['updated']:,} 户，"
            f"无变化 {c['unchanged']:,} 户，有误 {c['invalid']:,} 户"
        )
        if self.writes:
            text += (
                f"；成员新增 {c['members_added']:,} 人、修改 {c['members_changed']:,} 人，"
                f"标签新增 {c['tags_added']:,} 个、结束 {c['tags_ended']:,} 个、修改 {c['tags_changed']:,} 个"
            )
        return text


@dataclass(frozen=True)
class HouseholdImportResult:
    households_created: int
    households_updated: int
    members_added: int
    members_updated: int
    tags_added: int
    tags_ended: int
    tags_updated: int
    audit_seq: int  # 0 when there was nothing to write
    seconds: float = 0.0


class HouseholdImportService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    # -- reading ----------------------------------------------------------------------------------
    def read(self, path: str | Path, sheet: str | None = None, cancelled: Callable[[], bool] | None = None) -> RawTable:
        """The named sheet, else the first visible sheet with a roster header."""
        return read_sheet_with(path, sheet, cancelled, lambda t: detect_roster_layout(t.rows, t.merged) is not None)

    def layout(self, table: RawTable) -> Layout:
        layout = detect_roster_layout(table.rows, table.merged)
        if layout is None:
            raise ValidationError(
                f"在“{table.sheet or table.file_name}”的前 30 行中找不到农户名册的表头。"
                "表头应含有“户编号”“姓名”“证件号码”“与户主关系”等列名。"
            )
        return layout

    # -- the dry run --------------------------------------------------------------------------------
    def prepare(
        self,
        table: RawTable,
        actor: Actor,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> HouseholdImportPlan:
        layout = self.layout(table)
        mapping = {c: f for c, f in layout.mapping.items() if f not in IGNORED}
        with self._ledger.reading() as s:
            actor = self._ledger.authority(s, actor)
            if not actor.roles & IMPORT_ROLES:
                raise PermissionDenied("只有录入员或县级统筹可以导入农户名册")
            seq = s.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
            plan = HouseholdImportPlan(table.file_name, table.sha256, table.sheet, layout, mapping, table, seq)
            self._plan(s, plan, progress, cancelled)
        return plan

    # -- commit ------------------------------------------------------------------------------------------
    def commit(self, plan: HouseholdImportPlan, actor: Actor) -> HouseholdImportResult:
        """Write the plan in one transaction, all or nothing, and only when no household is 有误. If
        the ledger changed since the preview, the plan is made again inside the transaction and must
        come out the same, or nothing is written. A plan with nothing to change writes nothing."""
        import time

        started = time.perf_counter()
        if plan.invalid:
            rows = sum(len(h.rows) for h in plan.invalid)
            raise ValidationError(
                f"名册中有 {len(plan.invalid):,} 户（{rows:,} 行）有误，未写入任何数据。请改正后重新导入。"
            )
        lg = self._ledger
        with lg.unit_of_work() as s:
            if not lg.authority(s, actor).roles & IMPORT_ROLES:
                raise PermissionDenied("只有录入员或县级统筹可以导入农户名册")
            head = s.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
            if head != plan.audit_seq:
                again = HouseholdImportPlan(
                    plan.file_name, plan.sha256, plan.sheet, plan.layout, plan.mapping, plan.table, head
                )
                self._plan(s, again, None, None)
                if again.counts != plan.counts:
                    raise ConflictError("预览之后台账已有变化，导入结果会与预览不同。请重新预览后再确认导入。")
                plan = again
            if not plan.writes:
                return HouseholdImportResult(0, 0, 0, 0, 0, 0, 0, 0, time.perf_counter() - started)
            from ledger.services.household_import_write import write_roster

            result = write_roster(lg, s, plan, actor)
        return HouseholdImportResult(**{**result.__dict__, "seconds": time.perf_counter() - started})

    def _already_imported(self, s: Session, digest: str) -> str:
        for at, who in s.execute(
            select(AuditEvent.at, AuditEvent.actor_name)
            .where(AuditEvent.action == "household.import", AuditEvent.payload.contains(digest))
            .order_by(AuditEvent.seq)
            .limit(1)
        ):
            return f"此文件已于 {at[:16].replace('T', ' ')} 由 {who} 导入过。"
        return ""

    def _plan(
        self,
        s: Session,
        plan: HouseholdImportPlan,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        mapped = set(plan.mapping.values())
        missing = [FIELD_LABELS[f] for f in ("name", "id_number") if f not in mapped]
        if not mapped & {"code", "head_id", "head_name", "relation"}:
            missing.append("户编号/与户主关系/户主姓名（至少一列）")
        if missing:
            raise ValidationError(f"名册中缺少必需的列：{'、'.join(missing)}。")
        if not mapped & {"kind", "monitor_kind"}:
            plan.warnings.append(
                f"名册中没有“监测类型/户类型”列，新登记的农户按“{DEFAULT_KIND}”登记，已有农户的户类型不变"
            )
        plan.already = self._already_imported(s, plan.sha256)
        rows = self._read_rows(plan, cancelled)
        groups = group_rows(plan, rows)
        context = _Context.load(self._ledger, s, rows, groups)
        total = len(groups)
        for done, (key, people) in enumerate(groups.items(), 1):
            if progress is not None and (done % 500 == 0 or done == total):
                progress(done, total)
            outcome = HouseholdOutcome(key, [p.row for p in people])
            plan.households.append(outcome)
            HouseholdCheck(context, plan, outcome, people).check()

    def _read_rows(self, plan: HouseholdImportPlan, cancelled: Callable[[], bool] | None) -> list[RosterRow]:
        table, layout = plan.table, plan.layout
        columns = sorted(plan.mapping.items())
        header = [compact(x) for x in layout.labels]
        today = self._ledger.today()
        out: list[RosterRow] = []
        for index in range(layout.data_start, len(table.rows)):
            if cancelled and index % 2000 == 0 and cancelled():
                raise LedgerError("已取消")
            cells = table.rows[index]
            width = len(cells)
            raw = {f: cells[c] if c < width else "" for c, f in columns}
            if all(v is None or (isinstance(v, str) and not v.strip()) or v == "" for v in raw.values()):
                continue
            texts = [compact(normal_text(v)) for v in cells[: len(header)]]
            if texts == header[: len(texts)]:
                continue  # the header repeated on every printed page
            first = normal_text(cells[0]) if width else ""
            if compact(first) in ("合计", "小计", "总计"):
                continue
            person = RosterRow(index + 1, raw=raw)
            person.text = {f: normal_text(v) for f, v in raw.items()}
            self._check_row(plan, person, index, today)
            out.append(person)
        return out

    def _check_row(self, plan: HouseholdImportPlan, p: RosterRow, index: int, today: dt.date) -> None:
        text, reasons = p.text, p.reasons
        for c, f in sorted(plan.mapping.items()):
            label = plan.layout.labels[c] or FIELD_LABELS[f]
            if (index, c) in plan.table.formulas:
                reasons.append(f"“{label}”是公式，请复制该列后“选择性粘贴—数值”再导入")
            value = p.raw.get(f)
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                reasons.append(f"“{label}”超过{MAX_CELL_CHARS}个字符，未导入")
                text[f] = ""
        p.name = compact(text.get("name", ""))
        p.relation = compact(text.get("relation", ""))
        p.health = text.get("health", "")
        if not p.name:
            reasons.append("“姓名”不能为空")
        reasons += textrules.labelled_problems({"member_name": p.name}, {"member_name": "姓名"})
        p.id_number = _id_number(p.raw.get("id_number"), text.get("id_number", ""), p, today, "证件号码")
        head_id = ""
        if text.get("head_id"):
            head_id = _id_number(p.raw.get("head_id"), text["head_id"], p, today, "户主身份证号")
        head_name = compact(text.get("head_name", ""))
        if p.relation:
            p.is_head = p.relation in HEAD_RELATIONS
        elif head_id:
            p.is_head = head_id == p.id_number
        elif head_name:
            p.is_head = head_name == p.name
        text["head_id"] = head_id


def _id_number(raw: object, text: str, p: RosterRow, today: dt.date, label: str) -> str:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        p.reasons.append(
            f"{label}在 Excel 中被存成了数字，末几位已经丢失（Excel 只保留 15 位有效数字），无法恢复；"
            "请把该列设为“文本”格式后重新录入完整号码"
        )
        return ""
    if not text:
        return ""
    try:
        number = ids.validate_id(text, today=today)
    except ValidationError as err:
        p.reasons += [f"{label}：{x}" for x in err.problems]
        return ""
    if len(ids.normalize(text)) == 15:
        p.notes.append(f"15位{label}已按国家标准转为18位：{ids.mask(number)}")
    elif isinstance(raw, str) and raw != number:
        p.notes.append(f"{label}中的全角字符或空格已去掉")
    return number


class _Context:
    """What the ledger holds for the file's households and people, loaded in batches, and the
    name matchers (乡镇, 村, 户类型, 风险类型)."""

    def __init__(self) -> None:
        self.by_code: dict[str, Household] = {}
        self.by_head: dict[str, Household] = {}
        self.owners: dict[int, Household] = {}  # household id -> household (for messages)
        self.member_of: dict[str, list[tuple[int, int]]] = {}  # id number -> [(household id, member id)]
        self.members: dict[int, list[Member]] = {}
        self.tags: dict[int, list[HouseholdTag]] = {}
        self.file_ids: dict[str, tuple[int, str]] = {}  # id number -> (first row, household key)

    @classmethod
    def load(cls, lg: Ledger, s: Session, rows: list[RosterRow], groups: dict[str, list[RosterRow]]) -> _Context:
        ctx = cls()
        codes = sorted({k[5:] for k in groups if k.startswith("code:")})
        numbers = sorted({p.id_number for p in rows if p.id_number})
        for chunk in _chunks(codes):
            for h in s.scalars(select(Household).where(Household.code.in_(chunk))):
                ctx.by_code[cast(str, h.code)] = h
                ctx.owners[h.id] = h
        for chunk in _chunks(numbers):
            for h in s.scalars(select(Household).where(Household.head_id_number.in_(chunk))):
                ctx.by_head[h.head_id_number] = h
                ctx.owners[h.id] = h
            for m in s.scalars(select(Member).where(Member.id_number.in_(chunk))):
                ctx.member_of.setdefault(m.id_number, []).append((m.household_id, m.id))
        others = sorted({hid for pairs in ctx.member_of.values() for hid, _m in pairs} - set(ctx.owners))
        for chunk in _chunks(others):
            for h in s.scalars(select(Household).where(Household.id.in_(chunk))):
                ctx.owners[h.id] = h
        known = sorted(ctx.owners)
        for chunk in _chunks(known):
            for m in s.scalars(select(Member).where(Member.household_id.in_(chunk)).order_by(Member.id)):
                ctx.members.setdefault(m.household_id, []).append(m)
            tag_rows = select(HouseholdTag).where(HouseholdTag.household_id.in_(chunk)).order_by(HouseholdTag.id)
            for t in s.scalars(tag_rows):
                ctx.tags.setdefault(t.household_id, []).append(t)
        for key, people in groups.items():
            for p in people:
                if p.id_number:
                    ctx.file_ids.setdefault(p.id_number, (p.row, key))
        cat = lg.catalog
        county = lg.meta("county_name")
        ctx.townships = Matcher({t.name: t.id for t in cat.townships()}, ("镇", "乡", "街道"), (county,))
        by_township: dict[int, dict[str, object]] = {}
        for v in cat.villages():
            by_township.setdefault(int(v.parent_id or 0), {})[v.name] = v.id
        ctx.villages = {t: Matcher(names, ("村", "社区", "村委会")) for t, names in by_township.items()}
        kinds: dict[str, object] = {k: k for k in lg.households.kinds}
        kinds |= {spelling: kind for spelling, kind in kind_synonyms().items() if kind in kinds}
        ctx.kinds = Matcher(kinds, ("户",))
        ctx.risks = Matcher({r: r for r in risk_types()})
        ctx.today = lg.today()
        ctx.region_name = lambda rid: cat.region(rid).name
        return ctx

    townships: Matcher
    villages: dict[int, Matcher]
    kinds: Matcher
    risks: Matcher
    today: dt.date
    region_name: Callable[[int], str]


def _chunks(values: list[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
