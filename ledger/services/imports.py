"""Excel import: read (ledger/sheets.py), map and validate every row (ledger/tabular.py) into a plan
the user previews (a dry run), then commit the plan in one transaction, all or nothing, audited
with the file's SHA-256.

Two kinds of workbook come in:
- a ledger workbook from a township (or our own handoff export): each row is a problem of a
  household (naming the member it concerns in 涉及成员), or of a village (no 户主, a 村 and a
  village-level subcategory: ledger/services/import_levels.py). A row with a known 问题编号 updates
  that case's editable fields; a row without one registers a new case (and the household when its
  ID number is new), and is 交办 at once when the importer holds 县级统筹 and the row names a lead
  department.
- a department's fill-in workbook (reports/excel.py): hidden 问题ID and 版本号 columns; each row adds
  a progress note and the 整改措施 / 完成时间 the department typed. A case changed in the ledger
  since the export is a conflict, never overwritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import ids, schema, textrules
from ledger.dto import Actor
from ledger.errors import ConflictError, LedgerError, PermissionDenied, ValidationError
from ledger.models import AuditEvent, AuditHead, Case, Household, Meta
from ledger.services import import_levels
from ledger.sheets import RawTable, read_sheet_with
from ledger.tabular import (
    DERIVED,
    FIELD_NAMES,
    BadValue,
    Layout,
    Matcher,
    compact,
    detect_layout,
    normal_text,
    parse_count,
    parse_date,
    parse_plain,
)
from ledger.tags import kind_synonyms
from ledger.workflow import OPEN_STATES, STATE_NAMES, editable_problems

if TYPE_CHECKING:
    from ledger.facade import Ledger
    from ledger.workflow import WorkflowRules


IMPORT_ROLES = frozenset({"clerk", "coordinator"})
FILLIN_ROLES = frozenset({"clerk", "coordinator", "dept_officer"})
MAX_CELL_CHARS = 32_767  # Excel's limit on a cell: a longer one did not come from Excel and is refused
REQUIRED_NEW = ("township", "village", "head_name", "head_id", "description", "found_date")
# Fields a ledger-workbook row may change on an existing case (when the case's state allows it).
UPDATABLE = (
    "description",
    "source",
    "found_date",
    "remarks",
    "assisting_departments",
    "deadline",
    "lead_department_id",
    "measures",
    "completion_date",
    *schema.plain_codes(),  # 责任人, 整改资金… (ledger/schema.py)
)
STATUS_NAMES = {
    "new": "新增",
    "updated": "更新",
    "unchanged": "无变化",
    "duplicate": "重复",
    "invalid": "有误",
    "conflict": "冲突",
}
DEFAULT_SOURCE = "干部走访排查"
DEFAULT_KIND = "一般农户"


@dataclass(slots=True)
class RowOutcome:
    row: int  # the row number Excel shows (1-based)
    status: str  # new | updated | unchanged | duplicate | invalid | conflict
    reasons: list[str] = field(default_factory=list)
    case_number: str = ""
    notes: list[str] = field(default_factory=list)  # accepted, with a remark (e.g. a default applied)
    ignored: list[str] = field(default_factory=list)  # parts of an accepted row left out (fill-in: locked cells)
    converted: list[str] = field(default_factory=list)  # what reading changed unasked (also in notes)

    def convert(self, note: str) -> None:
        """An automatic conversion: a note in the preview, and a line in the error list."""
        self.converted.append(note)
        self.notes.append(note)

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


@dataclass
class ImportPlan:
    """What a commit would do; nothing is written while the user looks at it."""

    file_name: str
    sha256: str
    sheet: str
    mode: str  # ledger | fillin
    layout: Layout
    mapping: dict[int, str]
    outcomes: list[RowOutcome]
    warnings: list[str]
    already: str  # "" or when/who imported this very file before
    audit_seq: int  # the ledger's state the plan was made against
    table: RawTable
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUS_NAMES, 0)
        for o in self.outcomes:
            out[o.status] += 1
        return out

    @property
    def refused(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.status in ("invalid", "conflict", "duplicate")]

    @property
    def writes(self) -> int:
        return 0 if self.already else len(self.new_rows) + len(self.updates) + len(self.notes)

    def summary(self) -> str:
        c = self.counts
        parts = [f"新增 {c['new']:,} 条", f"更新 {c['updated']:,} 条"]
        if self.mode == "ledger":
            parts.append(f"重复 {c['duplicate']:,} 条")
        else:
            parts.append(f"冲突 {c['conflict']:,} 条")
        parts += [f"有误 {c['invalid']:,} 条", f"无变化 {c['unchanged']:,} 条"]
        return "，".join(parts)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    households: int
    notes: int
    first_number: str
    last_number: str
    audit_seq: int
    seconds: float = 0.0


def _progress(callback: Callable[[int, int], None] | None, done: int, total: int) -> None:
    if callback is not None and (done % 2000 == 0 or done == total):
        callback(done, total)


class ImportService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    # -- reading ----------------------------------------------------------------------------------
    def read(self, path: str | Path, sheet: str | None = None, cancelled: Callable[[], bool] | None = None) -> RawTable:
        """The named sheet, else the first visible sheet with a recognisable header (a fill-in
        workbook opens on its instructions sheet)."""
        return read_sheet_with(path, sheet, cancelled, lambda t: detect_layout(t.rows, t.merged) is not None)

    def layout(self, table: RawTable) -> Layout:
        layout = detect_layout(table.rows, table.merged)
        if layout is None:
            raise ValidationError(
                f"在“{table.sheet or table.file_name}”的前 30 行中找不到表头。"
                "表头应含有“户主姓名”“身份证号”“问题描述”等列名。"
            )
        return layout

    def remembered_mapping(self, layout: Layout) -> dict[int, str] | None:
        with self._ledger.reading() as s:
            row = s.get(Meta, f"import_map:{layout.key}")
        if row is None:
            return None
        return {int(k): v for k, v in json.loads(row.value).items()}

    # -- the dry run --------------------------------------------------------------------------------
    def prepare(
        self,
        table: RawTable,
        actor: Actor,
        mapping: dict[int, str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ImportPlan:
        layout = self.layout(table)
        fields = set(layout.mapping.values())
        mode = "fillin" if {"case_id", "version"} <= fields else "ledger"
        if mapping is None:
            mapping = self.remembered_mapping(layout) or dict(layout.mapping)
        mapping = {c: f for c, f in mapping.items() if f and c < len(layout.labels)}
        chosen = list(mapping.values())
        doubled = sorted({f for f in chosen if chosen.count(f) > 1})
        if doubled:
            raise ValidationError([f"“{FIELD_NAMES.get(f, f)}”对应了多列，请只保留一列" for f in doubled])
        with self._ledger.reading() as s:
            actor = self._ledger.authority(s, actor)
            already = self._already_imported(s, table.sha256)
            seq = s.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
            plan = ImportPlan(
                table.file_name, table.sha256, table.sheet, mode, layout, mapping, [], [], already, seq, table
            )
            if mode == "fillin":
                self._plan_fillin(s, plan, actor, progress, cancelled)
            else:
                self._plan_ledger(s, plan, actor, progress, cancelled)
        return plan

    def _already_imported(self, s: Session, digest: str) -> str:
        for at, who in s.execute(
            select(AuditEvent.at, AuditEvent.actor_name)
            .where(AuditEvent.action == "import.commit", AuditEvent.payload.contains(digest))
            .order_by(AuditEvent.seq)
            .limit(1)
        ):
            return f"此文件已于 {at[:16].replace('T', ' ')} 由 {who} 导入过，再次导入不会新建或修改任何问题。"
        return ""

    def _rows(
        self, plan: ImportPlan, cancelled: Callable[[], bool] | None
    ) -> Iterable[tuple[int, Sequence[object], dict[str, Any]]]:
        """(Excel row number, original cells, {field: raw value}) for each non-blank data row."""
        table, mapping = plan.table, plan.mapping
        columns = sorted(mapping.items())
        header = [compact(x) for x in plan.layout.labels]
        probe, probe_label = next(((c, header[c]) for c, _f in columns if header[c]), (0, header[0] if header else ""))
        for index in range(plan.layout.data_start, len(table.rows)):
            if cancelled and index % 2000 == 0 and cancelled():
                raise LedgerError("已取消")
            row = table.rows[index]
            width = len(row)
            raw = {f: row[c] if c < width else "" for c, f in columns}
            if all(v is None or v == "" or (isinstance(v, str) and not v.strip()) for v in raw.values()):
                continue
            cell = row[probe] if probe < width else None
            if isinstance(cell, str) and compact(cell) == probe_label:
                texts = [compact(normal_text(v)) for v in row[: len(header)]]
                if texts == header[: len(texts)]:
                    continue  # the header repeated (a sheet printed with titles on every page)
            first = row[0] if width else ""
            if isinstance(first, str) and first.strip() and compact(first) in ("合计", "小计", "总计"):
                continue
            yield index + 1, row, raw

    def _outcomes(
        self,
        plan: ImportPlan,
        rows: list[tuple[int, Sequence[object], dict[str, Any]]],
        progress: Callable[[int, int], None] | None,
    ) -> Iterable[tuple[RowOutcome, dict[str, Any]]]:
        """Each row's outcome (invalid until the row proves otherwise), formula cells already noted."""
        total = len(rows)
        for done, (row_number, _cells, raw) in enumerate(rows, 1):
            _progress(progress, done, total)
            reasons = self._formula_reasons(plan, row_number)
            too_long = self._over_long(plan, row_number, raw)
            reasons += too_long.values()
            ruled = {  # only those with a rule; an over-long cell is named once, above
                f: normal_text(v) for f, v in raw.items() if f in textrules.RULES and f not in too_long
            }
            reasons += textrules.labelled_problems(ruled, FIELD_NAMES)
            outcome = RowOutcome(row_number, "invalid", reasons)
            plan.outcomes.append(outcome)
            yield outcome, raw

    @staticmethod
    def _over_long(plan: ImportPlan, index: int, raw: dict[str, Any]) -> dict[str, str]:
        """Cells longer than an Excel cell can hold: refused whole, never cut (a CSV or another
        program's workbook can carry them; the ledger would not keep them intact anyway)."""
        out: dict[str, str] = {}
        if all(not isinstance(v, str) or len(v) <= MAX_CELL_CHARS for v in raw.values()):
            return out  # every row but a broken one: no sorting of the columns for it
        for c, f in sorted(plan.mapping.items()):
            value = raw.get(f)
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS and f not in out:
                label = plan.layout.labels[c] or FIELD_NAMES.get(f, f)
                out[f] = f"第{index}行“{label}”超过{MAX_CELL_CHARS}个字符，未导入"
        return out

    def _formula_reasons(self, plan: ImportPlan, index: int) -> list[str]:
        out: list[str] = []
        if not plan.table.formulas:
            return out
        for c, f in sorted(plan.mapping.items()):
            if (index - 1, c) in plan.table.formulas and f not in DERIVED:
                out.append(
                    f"“{plan.layout.labels[c] or FIELD_NAMES.get(f, f)}”是公式，导入不会把公式当作数据；"
                    "请复制该列后“选择性粘贴—数值”再导入"
                )
        return out

    # .. ledger workbooks ...........................................................................
    def _plan_ledger(
        self,
        s: Session,
        plan: ImportPlan,
        actor: Actor,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        lg = self._ledger
        cat = lg.catalog
        if not actor.roles & IMPORT_ROLES:
            raise PermissionDenied("只有录入员或县级统筹可以导入问题台账")
        mapped = set(plan.mapping.values())
        missing = [FIELD_NAMES[f] for f in REQUIRED_NEW if f not in mapped]
        if "subcategory" not in mapped and "category" not in mapped:
            missing.append("问题类别/问题子类")
        if missing and "number" not in mapped:
            raise ValidationError(f"表中缺少必需的列：{'、'.join(missing)}。请在列对应中指定，或在表中补上这些列。")
        if "household_kind" not in mapped:
            plan.warnings.append(f"表中没有“户类型”列，新登记的农户按“{DEFAULT_KIND}”登记")
        if "source" not in mapped:
            plan.warnings.append(f"表中没有“发现方式”列，新问题按“{DEFAULT_SOURCE}”登记")
        county = lg.meta("county_name")
        today = lg.today()
        townships = Matcher({t.name: t.id for t in cat.townships()}, ("镇", "乡", "街道"), (county,))
        by_township: dict[int, dict[str, object]] = {}
        for v in cat.villages():
            by_township.setdefault(int(v.parent_id or 0), {})[v.name] = v.id
        villages = {t: Matcher(names, ("村", "社区", "村委会")) for t, names in by_township.items()}
        no_villages = Matcher({})
        departments = Matcher({d.name: d.id for d in cat.departments.values()}, ("局", "委"), (county, "县"))
        categories = Matcher({n: c for c, n in cat.category_names.items()}, ("问题", "保障"))
        subs_by_category: dict[str, Matcher] = {}
        all_subs: dict[str, object] = {}
        for code, sub in cat.subcategories.items():
            subs_by_category.setdefault(sub.category, Matcher({})).names[sub.name] = code
            all_subs[sub.name] = code
        subs_by_category = {c: Matcher(m.names) for c, m in subs_by_category.items()}
        subs = Matcher(all_subs)
        kinds = Matcher(
            cast(dict[str, object], {k: k for k in lg.households.kinds} | kind_synonyms()), ("户",)
        )  # 监测户 → 监测对象
        sources = Matcher({x: x for x in lg.cases.sources})
        can_assign = "coordinator" in actor.roles
        rules = cat.rules

        rows = list(self._rows(plan, cancelled))
        # Look up, in batches, what the ledger already holds for the file's IDs and numbers.
        id_numbers: set[str] = set()
        numbers: set[str] = set()
        for _r, _cells, raw in rows:
            value = raw.get("head_id")
            if isinstance(value, str):
                number = ids.normalize(value)
                if len(number) == 15 and number.isdigit():
                    number = ids.as_id_number(number) or number
                id_numbers.add(number)
            if raw.get("number"):
                numbers.add(normal_text(raw["number"]))
        households = {}
        for chunk in _chunks(sorted(id_numbers)):
            for h in s.scalars(select(Household).where(Household.head_id_number.in_(chunk))):
                households[h.head_id_number] = h
        open_keys: dict[tuple[int | None, str], str] = {}
        for chunk in _chunks(sorted(h.id for h in households.values())):
            for hid, open_sub, number in s.execute(
                select(Case.household_id, Case.subcategory, Case.number).where(
                    Case.household_id.in_(chunk), Case.state.in_(OPEN_STATES)
                )
            ):
                open_keys[(hid, open_sub)] = number
        cases = {}
        for chunk in _chunks(sorted(numbers)):
            for c in s.scalars(select(Case).where(Case.number.in_(chunk))):
                cases[c.number] = c
        seen: dict[tuple[str, str], int] = {}
        levels = import_levels.load_context(s, households.values(), "member" in mapped)
        for outcome, raw in self._outcomes(plan, rows, progress):
            row_number, reasons = outcome.row, outcome.reasons
            text = {f: normal_text(v) for f, v in raw.items() if f not in DERIVED}
            number = text.get("number", "")
            if number:
                case = cases.get(number)
                if case is None:
                    reasons.append(f"问题编号“{number}”不在本台账中（如是新问题，请清空问题编号一栏）")
                    continue
                self._plan_update(plan, outcome, case, raw, text, actor, rules, departments, today)
                continue
            # -- a new case: the household (none for a village's own problem) -----------------------
            is_village, level_reasons = import_levels.village_row(text, raw)
            reasons += level_reasons
            for f in REQUIRED_NEW:
                if is_village and f in import_levels.HOUSEHOLD_FIELDS:
                    continue
                if f in mapped and not text.get(f):
                    reasons.append(f"“{FIELD_NAMES[f]}”不能为空")
            id_raw = raw.get("head_id")
            id_number = ""
            if isinstance(id_raw, int | float) and not isinstance(id_raw, bool):
                reasons.append(
                    "身份证号在 Excel 中被存成了数字，末几位已经丢失（Excel 只保留 15 位有效数字），无法恢复；"
                    "请把该列设为“文本”格式后重新录入完整号码"
                )
            elif text.get("head_id"):
                try:
                    id_number = ids.validate_id(text["head_id"], today=today)
                except ValidationError as err:
                    reasons += err.problems
                else:
                    if len(ids.normalize(text["head_id"])) == 15:
                        outcome.convert(f"15位身份证号已按国家标准转为18位：{ids.mask(id_number)}")
            for note in _conversion_notes(plan, raw):
                outcome.convert(note)
            township_id = village_id = None
            if text.get("township"):
                township_id = cast(int | None, townships.find(text["township"]))
                if township_id is None:
                    reasons.append(townships.explain("乡镇", text["township"]))
            if text.get("village") and township_id is not None:
                matcher = villages.get(township_id) or no_villages
                village_id = cast(int | None, matcher.find(text["village"]))
                if village_id is None:
                    reasons.append(matcher.explain(f"{cat.region(township_id).name}的村", text["village"]))
            household = households.get(id_number) if id_number else None
            if household is not None:
                if township_id is not None and household.township_id != township_id:
                    reasons.append(
                        f"身份证号 {ids.mask(id_number)} 已登记在{cat.region(household.township_id).name}"
                        f"{cat.region(household.village_id).name}，与表中的乡镇不一致"
                    )
                if text.get("head_name") and compact(text["head_name"]) != household.head_name:
                    reasons.append(f"户主姓名与台账中该身份证号登记的“{household.head_name}”不一致")
            kind = DEFAULT_KIND
            if "household_kind" in mapped:
                found_kind = kinds.find(text.get("household_kind", ""))
                if found_kind is None and household is None and not is_village:
                    reasons.append(
                        "“户类型”不能为空"
                        if not text.get("household_kind")
                        else kinds.explain("户类型", text["household_kind"])
                    )
                kind = cast(str, found_kind or DEFAULT_KIND)
            size = 1
            try:
                size = parse_count(raw.get("household_size")) or 1
            except BadValue as err:
                reasons.append(f"家庭人口{err}")
            phone = ids.normalize(text.get("phone", ""))
            if phone and (not phone.isdigit() or len(phone) not in (7, 8, 11, 12)):
                reasons.append(f"联系电话“{text['phone']}”格式不正确")
            # -- the problem ------------------------------------------------------------------------
            sub_code = None
            category = None
            if text.get("category"):
                category = cast(str | None, categories.find(text["category"]))
                if category is None:
                    reasons.append(categories.explain("问题类别", text["category"]))
            if text.get("subcategory"):
                matcher = subs_by_category.get(category, subs) if category else subs
                sub_code = cast(str | None, matcher.find(text["subcategory"]))
                if sub_code is None:
                    reasons.append(matcher.explain("问题子类", text["subcategory"]))
                elif (whole := matcher.by_part(text["subcategory"])) is not None:
                    outcome.convert(f"问题子类“{text['subcategory']}”按“{whole}”登记")
            elif category is not None:
                codes = cat.subcategory_codes(category)
                if len(codes) == 1:
                    sub_code = codes[0]
                else:
                    names = "、".join(cat.subcategory(c).name for c in codes)
                    reasons.append(f"请填写“问题子类”（{cat.category_names[category]}：{names}）")
            elif not text.get("category"):
                reasons.append("“问题类别”和“问题子类”不能都为空")
            source = DEFAULT_SOURCE
            if text.get("source"):
                found_source = sources.find(text["source"])
                if found_source is None:
                    reasons.append(sources.explain("发现方式", text["source"]))
                source = cast(str, found_source or DEFAULT_SOURCE)
            elif "source" in mapped:
                outcome.notes.append(f"未填发现方式，按“{DEFAULT_SOURCE}”登记")
            dates: dict[str, dt.date | None] = {}
            for f in ("found_date", "deadline"):
                try:
                    dates[f] = parse_date(raw.get(f))
                except BadValue as err:
                    reasons.append(f"{FIELD_NAMES[f]}{err}")
                    dates[f] = None
            found = dates["found_date"]
            if found and found > today:
                reasons.append("发现时间不能晚于今天")
            if found and dates["deadline"] and dates["deadline"] < found:
                reasons.append("整改时限不能早于发现时间")
            state_name = text.get("state", "")
            if state_name in (STATE_NAMES["closed"], STATE_NAMES["void"]):
                reasons.append(f"表中标为“{state_name}”：销号须经乡镇核验、县级审批签批，不能作为新问题导入")
            lead = None
            if text.get("lead_department"):
                lead = cast(int | None, departments.find(text["lead_department"]))
                if lead is None:
                    reasons.append(departments.explain("牵头单位", text["lead_department"]))
            reasons += import_levels.sub_level_problems(cat.subcategories.get(sub_code or ""), is_village)
            member_id, member_reasons, member_notes = import_levels.find_member(
                levels, household, text.get("member", ""), is_village
            )
            reasons += member_reasons
            outcome.notes += member_notes
            if reasons:
                continue
            assert sub_code is not None and found is not None
            if is_village:
                assert township_id is not None and village_id is not None
                repeated = import_levels.village_duplicate(levels, village_id, sub_code, row_number)
                if repeated:
                    outcome.status = "duplicate"
                    reasons.append(repeated)
                    continue
            key = (id_number, sub_code)
            if household is not None and (household.id, sub_code) in open_keys:
                outcome.status = "duplicate"
                outcome.case_number = open_keys[(household.id, sub_code)]
                reasons.append(f"该户已有未销号的同类问题 {outcome.case_number}（{cat.subcategory(sub_code).name}）")
                continue
            if key in seen and not is_village:
                outcome.status = "duplicate"
                reasons.append(f"与本表第 {seen[key]} 行是同一户的同一类问题")
                continue
            if not is_village:
                seen[key] = row_number
            remarks = text.get("remarks", "")
            assign = bool(lead and can_assign)
            if lead and not can_assign:
                name = cat.departments[lead].name
                remarks = (remarks + "；" if remarks else "") + f"拟牵头单位：{name}"
                outcome.notes.append("您不是县级统筹，牵头单位已记入备注，待县级统筹交办")
            sub = cat.subcategory(sub_code)
            deadline = dates["deadline"] or (today + dt.timedelta(days=sub.default_days) if assign else None)
            if dates["deadline"] and not assign:
                outcome.notes.append(f"整改时限 {dates['deadline'].isoformat()} 记为拟定时限，交办时由县级统筹确认")
            outcome.status = "new"
            plan.new_rows.append(
                {
                    "row": row_number,
                    "household_id": household.id if household is not None else None,
                    "place": (household.township_id, household.village_id)
                    if household is not None
                    else (township_id, village_id)
                    if is_village
                    else None,
                    "household": None
                    if household is not None or is_village
                    else {
                        "township_id": township_id,
                        "village_id": village_id,
                        "group_name": text.get("group", ""),
                        "head_name": compact(text.get("head_name", "")),
                        "head_id_number": id_number,
                        "phone": phone,
                        "kind": kind,
                        "size": size,
                    },
                    "case": {
                        "category": sub.category,
                        "subcategory": sub_code,
                        "description": text.get("description", ""),
                        "source": source,
                        "found_date": found,
                        "deadline_class": sub.deadline_class,
                        "remarks": remarks,
                        "assisting_departments": text.get("assisting_departments", ""),
                        "member_id": member_id,
                    },
                    "assign": {"lead_department_id": lead, "deadline": deadline} if assign else None,
                    "proposed_deadline": None if assign else dates["deadline"],
                }
            )

    def _plan_update(
        self,
        plan: ImportPlan,
        outcome: RowOutcome,
        case: Case,
        raw: dict[str, Any],
        text: dict[str, str],
        actor: Actor,
        rules: WorkflowRules,
        departments: Matcher,
        today: dt.date,
    ) -> None:
        reasons = outcome.reasons
        outcome.case_number = case.number
        wanted: dict[str, object] = {}
        for f in ("description", "remarks", "assisting_departments", "measures"):
            if text.get(f) and text[f] != ids.mask_free_text(getattr(case, f)):  # a masked export read back
                wanted[f] = text[f]
        for column in schema.PLAIN:  # a blank cell leaves the value as it is, like the columns above
            f = column.stored or column.code
            try:
                value = parse_plain(column, raw.get(column.code) if column.kind == "amount" else text.get(column.code))
            except BadValue as err:
                reasons.append(f"{column.label}{err}")
                continue
            if value in (None, "") or value == getattr(case, f):
                continue
            if isinstance(value, str) and value == ids.mask_free_text(getattr(case, f) or ""):
                continue  # a masked export read back
            wanted[f] = value
        if text.get("source") and text["source"] in self._ledger.cases.sources:
            wanted["source"] = text["source"]
        for f in ("found_date", "deadline", "completion_date"):
            try:
                value = parse_date(raw.get(f))
            except BadValue as err:
                reasons.append(f"{FIELD_NAMES[f]}{err}")
                continue
            if value is not None:
                wanted[f] = value
        if text.get("lead_department"):
            lead = departments.find(text["lead_department"])
            if lead is None:
                reasons.append(departments.explain("牵头单位", text["lead_department"]))
            else:
                wanted["lead_department_id"] = lead
        if case.household_id is None and (text.get("head_id") or text.get("head_name")):
            reasons.append("该问题是村级问题，没有户主；请清空户主姓名和身份证号")
        elif text.get("head_id") and isinstance(raw.get("head_id"), str) and "*" not in text["head_id"]:
            number = ids.as_id_number(text["head_id"])
            household = self._ledger.households.get(cast(int, case.household_id))  # a household's case here
            if number != household.head_id_number:
                reasons.append("身份证号与台账中该问题的户主不一致")
        if reasons:
            return
        changes: dict[str, Any] = {f: v for f, v in wanted.items() if (getattr(case, f) or "") != v}
        if not changes:
            outcome.status = "unchanged"
            return
        problems = editable_problems(rules, case.state, actor.roles, changes)
        for f in ("completion_date", "found_date"):
            if isinstance(changes.get(f), dt.date) and changes[f] > today:
                problems.append(f"{FIELD_NAMES[f]}不能晚于今天")
        if problems:
            reasons += problems
            return
        outcome.status = "updated"
        labels = "、".join(FIELD_NAMES.get(f.removesuffix("_id"), f) for f in changes)
        outcome.notes.append(f"将修改：{labels}")
        plan.updates.append({"row": outcome.row, "case_id": case.id, "version": case.version, "changes": changes})

    # .. department fill-in workbooks ...............................................................
    def _plan_fillin(
        self,
        s: Session,
        plan: ImportPlan,
        actor: Actor,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        if not actor.roles & FILLIN_ROLES:
            raise PermissionDenied("只有录入员、县级统筹或责任单位经办人可以导入部门填报表")
        lg = self._ledger
        rules = lg.catalog.rules
        today = lg.today()
        rows = list(self._rows(plan, cancelled))
        wanted_ids = set()
        for _r, _c, raw in rows:
            with contextlib.suppress(ValueError):
                wanted_ids.add(int(float(normal_text(raw.get("case_id")) or 0)))
        cases = {}
        for chunk in _chunks(sorted(wanted_ids)):
            for c in s.scalars(select(Case).where(Case.id.in_(chunk))):
                cases[c.id] = c
        for outcome, raw in self._outcomes(plan, rows, progress):
            row_number, reasons = outcome.row, outcome.reasons
            try:
                case_id = int(float(normal_text(raw.get("case_id"))))
                version = int(float(normal_text(raw.get("version"))))
            except ValueError:
                reasons.append("隐藏的“问题ID/版本号”被改动或删除，无法确定是哪个问题；请使用原样导出的填报表")
                continue
            case = cases.get(case_id)
            if case is None or (raw.get("number") and normal_text(raw["number"]) != case.number):
                reasons.append("问题编号与隐藏的问题ID不符，本行可能被复制或改动过")
                continue
            outcome.case_number = case.number
            if not self._may_fill(actor, case):
                reasons.append("该问题不属于您所在的单位，您不能填报")
                continue
            if case.version != version:
                outcome.status = "conflict"
                reasons.append(
                    f"导出填报表后，台账中的该问题已被修改（当前状态“{STATE_NAMES[case.state]}”），"
                    "为免覆盖，本行未导入；请重新导出填报表后再填"
                )
                continue
            state_name = STATE_NAMES[case.state]
            allowed = rules.editable.get(case.state, frozenset()) if actor.roles & rules.edit_roles else frozenset()
            ignored: list[str] = []  # each a part of the row left out, the rest is still taken
            changes: dict[str, object] = {}
            measures = normal_text(raw.get("measures"))
            if measures and measures not in (case.measures, ids.mask_free_text(case.measures)):
                if "measures" in allowed:
                    changes["measures"] = measures
                else:
                    ignored.append(f"“{state_name}”的问题不能填写整改措施")
            try:
                completion = parse_date(raw.get("completion_date"))
            except BadValue as err:
                completion = None
                ignored.append(f"完成时间{err}")
            if completion is not None and completion != case.completion_date:
                if "completion_date" not in allowed:
                    ignored.append(f"“{state_name}”的问题不能填写完成时间")
                elif completion > today:
                    ignored.append("完成时间不能晚于今天")
                elif completion < case.found_date:
                    ignored.append("完成时间不能早于发现时间")
                else:
                    changes["completion_date"] = completion
            ignored += self._locked_touched(raw, case, actor)
            progress_text = normal_text(raw.get("progress"))
            note_date = today
            if progress_text:
                try:
                    note_date = parse_date(raw.get("progress_date")) or today
                except BadValue as err:
                    ignored.append(f"进度日期{err}，本次进度未记录")
                    progress_text = ""
                else:
                    if note_date > today:
                        ignored.append("进度日期不能晚于今天，本次进度未记录")
                        progress_text = ""
                    elif case.state not in OPEN_STATES:
                        ignored.append(f"“{state_name}”的问题不能再填写进度")
                        progress_text = ""
            if reasons:
                continue
            if not changes and not progress_text:
                if ignored:
                    reasons += ignored  # nothing in the row can be taken
                else:
                    outcome.status = "unchanged"
                continue
            outcome.status = "updated"
            kept = [FIELD_NAMES[f] for f in changes] + (["本次进度"] if progress_text else [])
            if ignored:
                outcome.ignored = [f"{x}，已忽略" for x in ignored]
                outcome.notes.append(
                    f"第{row_number}行：" + "；".join(outcome.ignored) + "；" + "、".join(kept) + "照常导入"
                )
            if changes:
                plan.updates.append({"row": row_number, "case_id": case.id, "version": version, "changes": changes})
                outcome.notes.append("将修改：" + "、".join(FIELD_NAMES[f] for f in changes))
            if progress_text:
                plan.notes.append({"row": row_number, "case_id": case.id, "date": note_date, "text": progress_text})
                outcome.notes.append("将添加进度")

    def _locked_touched(self, raw: dict[str, Any], case: Case, actor: Actor) -> list[str]:
        """Locked columns of the fill-in workbook whose value no longer matches the case."""
        who = "由责任单位" if "dept_officer" in actor.roles and not actor.roles & IMPORT_ROLES else "在填报表中"
        out = []
        if raw.get("deadline") not in (None, ""):
            try:
                deadline = parse_date(raw.get("deadline"))
            except BadValue:
                deadline = None
            if deadline != case.deadline:
                out.append(f"整改时限不能{who}修改")
        description = normal_text(raw.get("description"))
        if description and description not in (case.description, ids.mask_free_text(case.description)):
            out.append(f"问题描述不能{who}修改")
        return out

    def _may_fill(self, actor: Actor, case: Case) -> bool:
        if actor.roles & IMPORT_ROLES:
            return True
        return "dept_officer" in actor.roles and case.lead_department_id == actor.department_id

    # -- commit ----------------------------------------------------------------------------------------
    def commit(
        self, plan: ImportPlan, actor: Actor, progress: Callable[[int, int], None] | None = None
    ) -> ImportResult:
        """Write the plan in one transaction. If the ledger changed since the dry run, the plan is
        made again inside the transaction and must come out the same, or nothing is written."""
        import time

        started = time.perf_counter()
        lg = self._ledger
        if plan.already:
            return ImportResult(0, 0, 0, 0, "", "", 0, 0.0)
        with lg.unit_of_work() as s:
            if lg.authority(s, actor) != actor:
                raise ConflictError("预览之后您的账号角色或权限已有变化，请重新预览后再确认导入。")
            head = s.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
            if head != plan.audit_seq:
                again = ImportPlan(
                    plan.file_name,
                    plan.sha256,
                    plan.sheet,
                    plan.mode,
                    plan.layout,
                    plan.mapping,
                    [],
                    [],
                    self._already_imported(s, plan.sha256),
                    head,
                    plan.table,
                )
                if plan.mode == "fillin":
                    self._plan_fillin(s, again, actor, None, None)
                else:
                    self._plan_ledger(s, again, actor, None, None)
                if again.already or again.counts != plan.counts:
                    raise ConflictError("预览之后台账已有变化，导入结果会与预览不同。请重新预览后再确认导入。")
                plan = again
            from ledger.services.import_write import write_plan

            result = write_plan(self._ledger, s, plan, actor, progress)
            if plan.mode == "fillin":  # the departments on the workbook have reported (调度)
                lg.dispatch.record_import(s, actor, plan)
        layout_key = plan.layout.key
        with lg.unit_of_work() as s:  # remember the mapping for this layout (a setting, not data)
            value = json.dumps({str(k): v for k, v in sorted(plan.mapping.items())}, ensure_ascii=False)
            row = s.get(Meta, f"import_map:{layout_key}")
            if row is None:
                s.add(Meta(key=f"import_map:{layout_key}", value=value))
            else:
                row.value = value
        return ImportResult(**{**result.__dict__, "seconds": time.perf_counter() - started})


def _chunks(values: list[Any], size: int = 900) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _conversion_notes(plan: ImportPlan, raw: dict[str, Any]) -> list[str]:
    """What reading changed in the row's cells without being asked: full-width characters made
    ASCII, spaces trimmed from the ends or from inside a name."""
    wide, spaced = [], []
    for c, f in sorted(plan.mapping.items()):
        value = raw.get(f)
        if not isinstance(value, str) or f in DERIVED or _CONVERTED.search(value) is None:
            continue  # no full-width character, no space of any kind: nothing was changed (most cells)
        label = plan.layout.labels[c] or FIELD_NAMES.get(f, f)
        if _FULL_WIDTH.search(value):
            wide.append(label)
        half = normal_text(value)
        if value.translate(_TO_HALF_SPACE) != value.translate(_TO_HALF_SPACE).strip() or (
            f in _NAME_FIELDS and compact(half) != half
        ):
            spaced.append(label)
    notes = []
    if wide:
        notes.append(f"{'、'.join(f'“{x}”' for x in wide)}中的全角字符已转为半角")
    if spaced:
        notes.append(f"已去掉{'、'.join(f'“{x}”' for x in spaced)}中多余的空格")
    return notes


_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_CONVERTED = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\\s\u3000\xa0]")  # what reading may change
_TO_HALF_SPACE = str.maketrans({"\u3000": " ", "\xa0": " "})
_NAME_FIELDS = frozenset({"head_name", "township", "village"})
