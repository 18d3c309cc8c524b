"""Planning a ledger workbook's rows (ledger/services/imports.py): each row with a known 问题编号
updates that case (ledger/services/import_update.py); each row without one is checked as a new
problem of a household (registered with it when its ID number is new) or of a village, matched
against the ledger and against the file's earlier rows, and becomes an entry of `plan.new_rows`.

The checks run in named steps, in the order their reasons have always been listed. What repeats
down a sheet is worked out once: names through the Matchers' caches, and ID numbers, dates, counts
and phone numbers through the per-plan caches of `LedgerContext`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import ids
from ledger.dto import Actor, SubcategoryView
from ledger.errors import PermissionDenied, ValidationError
from ledger.models import Case, Household
from ledger.services import import_levels
from ledger.services.import_plan import (
    DEFAULT_KIND,
    DEFAULT_SOURCE,
    IMPORT_ROLES,
    REQUIRED_NEW,
    Cancelled,
    ImportPlan,
    Progress,
    RowOutcome,
)
from ledger.services.import_rows import SheetRows, conversion_notes, read_rows
from ledger.services.import_update import plan_update
from ledger.tabular import FIELD_NAMES, BadValue, Matcher, compact, parse_count, parse_date
from ledger.tags import kind_synonyms
from ledger.workflow import OPEN_STATES, STATE_NAMES

if TYPE_CHECKING:
    from ledger.facade import Ledger
    from ledger.services.catalog import CatalogService
    from ledger.workflow import WorkflowRules

T = TypeVar("T")


class Cached:
    """One parse per distinct cell: (value, None) or (None, the BadValue's message). Keys carry the
    cell's type apart from text, so True, 1 and 1.0 (equal in Python) are never confused."""

    def __init__(self, parse: Callable[[object], Any]):
        self.parse = parse
        self.seen: dict[object, tuple[Any, str | None]] = {}

    def __call__(self, value: object) -> tuple[Any, str | None]:
        key = value if type(value) is str else (type(value), value)
        try:
            return self.seen[key]
        except KeyError:
            try:
                out: tuple[Any, str | None] = (self.parse(value), None)
            except BadValue as err:
                out = (None, str(err))
            self.seen[key] = out
            return out


@dataclass
class LedgerContext:
    """What every row of one ledger workbook is checked against."""

    lg: Ledger
    cat: CatalogService
    actor: Actor
    today: dt.date
    mapped: set[str]
    rules: WorkflowRules
    townships: Matcher
    villages: dict[int, Matcher]
    departments: Matcher
    categories: Matcher
    subs_by_category: dict[str, Matcher]
    subs: Matcher
    kinds: Matcher
    sources: Matcher
    households: dict[str, Household] = field(default_factory=dict)  # ID number → household
    open_keys: dict[tuple[int | None, str], str] = field(default_factory=dict)  # (household, sub) → number
    cases: dict[str, Case] = field(default_factory=dict)  # 问题编号 → case
    levels: import_levels.LevelContext = field(default_factory=import_levels.LevelContext)
    seen: dict[tuple[str, str], int] = field(default_factory=dict)  # (ID number, sub) → first row
    id_numbers: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # text → (number, problems)
    dates: Cached = field(default_factory=lambda: Cached(parse_date))
    counts: Cached = field(default_factory=lambda: Cached(parse_count))
    phones: dict[str, str] = field(default_factory=dict)
    converted: set[int] = field(default_factory=set)  # rows a cell of which reading may have changed


@dataclass
class HouseholdPart:
    """A new row's household (or village) as checked."""

    is_village: bool
    id_number: str
    township_id: int | None
    village_id: int | None
    household: Household | None
    kind: str
    size: int
    phone: str


@dataclass
class ProblemPart:
    """A new row's problem as checked."""

    sub_code: str | None
    source: str
    found: dt.date | None
    deadline: dt.date | None
    lead: int | None
    member_id: int | None


def plan_ledger(
    lg: Ledger, s: Session, plan: ImportPlan, actor: Actor, progress: Progress, cancelled: Cancelled
) -> None:
    """Every row of a ledger workbook into `plan` (outcomes, new rows, updates)."""
    if not actor.roles & IMPORT_ROLES:
        raise PermissionDenied("只有录入员或县级统筹可以导入问题台账")
    check_columns(plan)
    rows = read_rows(plan, cancelled)
    ctx = matchers(lg, actor, set(plan.mapping.values()))
    ctx.converted = rows.converted
    look_up(s, ctx, rows)
    for outcome, raw, text in rows.each(plan, progress):
        number = text.get("number", "")
        if not number:
            plan_new(ctx, plan, outcome, raw, text)
            continue
        case = ctx.cases.get(number)
        if case is None:
            outcome.reasons.append(f"问题编号“{number}”不在本台账中（如是新问题，请清空问题编号一栏）")
            continue
        plan_update(lg, plan, outcome, case, raw, text, actor, ctx.rules, ctx.departments, ctx.today)


def check_columns(plan: ImportPlan) -> None:
    """The columns a new problem needs (refused without them unless the sheet only updates by 问题编号),
    and a warning for each default the import will apply."""
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


def matchers(lg: Ledger, actor: Actor, mapped: set[str]) -> LedgerContext:
    """The catalog's names as Matchers (tolerant of the usual variants, cached per spelling)."""
    cat = lg.catalog
    county = lg.meta("county_name")
    by_township: dict[int, dict[str, object]] = {}
    for v in cat.villages():
        by_township.setdefault(int(v.parent_id or 0), {})[v.name] = v.id
    subs_by_category: dict[str, dict[str, object]] = {}
    all_subs: dict[str, object] = {}
    for code, sub in cat.subcategories.items():
        subs_by_category.setdefault(sub.category, {})[sub.name] = code
        all_subs[sub.name] = code
    kinds = cast(dict[str, object], {k: k for k in lg.households.kinds} | kind_synonyms())  # 监测户 → 监测对象
    return LedgerContext(
        lg=lg,
        cat=cat,
        actor=actor,
        today=lg.today(),
        mapped=mapped,
        rules=cat.rules,
        townships=Matcher({t.name: t.id for t in cat.townships()}, ("镇", "乡", "街道"), (county,)),
        villages={t: Matcher(names, ("村", "社区", "村委会")) for t, names in by_township.items()},
        departments=Matcher({d.name: d.id for d in cat.departments.values()}, ("局", "委"), (county, "县")),
        categories=Matcher({n: c for c, n in cat.category_names.items()}, ("问题", "保障")),
        subs_by_category={c: Matcher(names) for c, names in subs_by_category.items()},
        subs=Matcher(all_subs),
        kinds=Matcher(kinds, ("户",)),
        sources=Matcher({x: x for x in lg.cases.sources}),
    )


def look_up(s: Session, ctx: LedgerContext, rows: SheetRows) -> None:
    """What the ledger already holds for the file's ID numbers and case numbers, in batches."""
    id_numbers: set[str] = set()
    for value in set(v for v in rows.column("head_id") if isinstance(v, str)):
        number = ids.normalize(value)
        if len(number) == 15 and number.isdigit():
            number = ids.as_id_number(number) or number
        id_numbers.add(number)
    numbers = {t for t in rows.texts[rows.text_fields.index("number")] if t} if "number" in rows.text_fields else set()
    for chunk in chunks(sorted(id_numbers)):
        for h in s.scalars(select(Household).where(Household.head_id_number.in_(chunk))):
            ctx.households[h.head_id_number] = h
    for id_chunk in chunks(sorted(h.id for h in ctx.households.values())):
        for hid, open_sub, open_number in s.execute(
            select(Case.household_id, Case.subcategory, Case.number).where(
                Case.household_id.in_(id_chunk), Case.state.in_(OPEN_STATES)
            )
        ):
            ctx.open_keys[(hid, open_sub)] = open_number
    for chunk in chunks(sorted(numbers)):
        for c in s.scalars(select(Case).where(Case.number.in_(chunk))):
            ctx.cases[c.number] = c
    ctx.levels = import_levels.load_context(s, ctx.households.values(), "member" in ctx.mapped)


def plan_new(
    ctx: LedgerContext, plan: ImportPlan, outcome: RowOutcome, raw: dict[str, Any], text: dict[str, str]
) -> None:
    """A row without 问题编号: a new problem, when every check passes and it repeats nothing open."""
    part = household_part(ctx, plan, outcome, raw, text)
    problem = problem_part(ctx, outcome, raw, text, part)
    if outcome.reasons or is_duplicate(ctx, outcome, part, problem):
        return
    add_new_row(ctx, plan, outcome, text, part, problem)


def household_part(
    ctx: LedgerContext, plan: ImportPlan, outcome: RowOutcome, raw: dict[str, Any], text: dict[str, str]
) -> HouseholdPart:
    reasons = outcome.reasons
    is_village, level_reasons = import_levels.village_row(text, raw)
    reasons += level_reasons
    for f in REQUIRED_NEW:
        if is_village and f in import_levels.HOUSEHOLD_FIELDS:
            continue
        if f in ctx.mapped and not text.get(f):
            reasons.append(f"“{FIELD_NAMES[f]}”不能为空")
    id_number = id_checks(ctx, outcome, raw, text)
    if outcome.row in ctx.converted:
        for note in conversion_notes(plan, raw):
            outcome.convert(note)
    township_id, village_id = place_checks(ctx, reasons, text)
    household = ctx.households.get(id_number) if id_number else None
    if household is not None:
        if township_id is not None and household.township_id != township_id:
            reasons.append(
                f"身份证号 {ids.mask(id_number)} 已登记在{ctx.cat.region(household.township_id).name}"
                f"{ctx.cat.region(household.village_id).name}，与表中的乡镇不一致"
            )
        if text.get("head_name") and compact(text["head_name"]) != household.head_name:
            reasons.append(f"户主姓名与台账中该身份证号登记的“{household.head_name}”不一致")
    kind = DEFAULT_KIND
    if "household_kind" in ctx.mapped:
        found_kind = ctx.kinds.find(text.get("household_kind", ""))
        if found_kind is None and household is None and not is_village:
            reasons.append(
                "“户类型”不能为空"
                if not text.get("household_kind")
                else ctx.kinds.explain("户类型", text["household_kind"])
            )
        kind = cast(str, found_kind or DEFAULT_KIND)
    size, err = ctx.counts(raw.get("household_size"))
    if err is not None:
        reasons.append(f"家庭人口{err}")
    phone = phone_checks(ctx, reasons, text)
    return HouseholdPart(is_village, id_number, township_id, village_id, household, kind, size or 1, phone)


def id_checks(ctx: LedgerContext, outcome: RowOutcome, raw: dict[str, Any], text: dict[str, str]) -> str:
    """The row's ID number in its 18-character form ('' when missing or wrong, with the reason)."""
    id_raw = raw.get("head_id")
    if isinstance(id_raw, int | float) and not isinstance(id_raw, bool):
        outcome.reasons.append(
            "身份证号在 Excel 中被存成了数字，末几位已经丢失（Excel 只保留 15 位有效数字），无法恢复；"
            "请把该列设为“文本”格式后重新录入完整号码"
        )
        return ""
    typed = text.get("head_id")
    if not typed:
        return ""
    known = ctx.id_numbers.get(typed)
    if known is None:
        try:
            known = (ids.validate_id(typed, today=ctx.today), [])
        except ValidationError as err:
            known = ("", err.problems)
        ctx.id_numbers[typed] = known
    id_number, problems = known
    if problems:
        outcome.reasons += problems
    elif len(ids.normalize(typed)) == 15:
        outcome.convert(f"15位身份证号已按国家标准转为18位：{ids.mask(id_number)}")
    return id_number


def place_checks(ctx: LedgerContext, reasons: list[str], text: dict[str, str]) -> tuple[int | None, int | None]:
    """The row's township and village as the ledger's ids."""
    township_id = village_id = None
    if text.get("township"):
        township_id = cast(int | None, ctx.townships.find(text["township"]))
        if township_id is None:
            reasons.append(ctx.townships.explain("乡镇", text["township"]))
    if text.get("village") and township_id is not None:
        matcher = ctx.villages.get(township_id) or Matcher({})
        village_id = cast(int | None, matcher.find(text["village"]))
        if village_id is None:
            reasons.append(matcher.explain(f"{ctx.cat.region(township_id).name}的村", text["village"]))
    return township_id, village_id


def phone_checks(ctx: LedgerContext, reasons: list[str], text: dict[str, str]) -> str:
    typed = text.get("phone", "")
    phone = ctx.phones.get(typed)
    if phone is None:
        phone = ctx.phones[typed] = ids.normalize(typed)
    if phone and (not phone.isdigit() or len(phone) not in (7, 8, 11, 12)):
        reasons.append(f"联系电话“{text['phone']}”格式不正确")
    return phone


def problem_part(
    ctx: LedgerContext, outcome: RowOutcome, raw: dict[str, Any], text: dict[str, str], part: HouseholdPart
) -> ProblemPart:
    reasons = outcome.reasons
    sub_code = subcategory_checks(ctx, outcome, text)
    source = DEFAULT_SOURCE
    if text.get("source"):
        found_source = ctx.sources.find(text["source"])
        if found_source is None:
            reasons.append(ctx.sources.explain("发现方式", text["source"]))
        source = cast(str, found_source or DEFAULT_SOURCE)
    elif "source" in ctx.mapped:
        outcome.notes.append(f"未填发现方式，按“{DEFAULT_SOURCE}”登记")
    dates: dict[str, dt.date | None] = {}
    for f in ("found_date", "deadline"):
        dates[f], err = ctx.dates(raw.get(f))
        if err is not None:
            reasons.append(f"{FIELD_NAMES[f]}{err}")
    found, deadline = dates["found_date"], dates["deadline"]
    if found and found > ctx.today:
        reasons.append("发现时间不能晚于今天")
    if found and deadline and deadline < found:
        reasons.append("整改时限不能早于发现时间")
    state_name = text.get("state", "")
    if state_name in (STATE_NAMES["closed"], STATE_NAMES["void"]):
        reasons.append(f"表中标为“{state_name}”：销号须经乡镇核验、县级审批签批，不能作为新问题导入")
    lead = None
    if text.get("lead_department"):
        lead = cast(int | None, ctx.departments.find(text["lead_department"]))
        if lead is None:
            reasons.append(ctx.departments.explain("牵头单位", text["lead_department"]))
    sub: SubcategoryView | None = ctx.cat.subcategories.get(sub_code or "")
    reasons += import_levels.sub_level_problems(sub, part.is_village)
    member_id, member_reasons, member_notes = import_levels.find_member(
        ctx.levels, part.household, text.get("member", ""), part.is_village
    )
    reasons += member_reasons
    outcome.notes += member_notes
    return ProblemPart(sub_code, source, found, deadline, lead, member_id)


def subcategory_checks(ctx: LedgerContext, outcome: RowOutcome, text: dict[str, str]) -> str | None:
    """The row's subcategory code: named (within its category when one is given), or the only one
    of the category named."""
    reasons, cat = outcome.reasons, ctx.cat
    category = None
    if text.get("category"):
        category = cast(str | None, ctx.categories.find(text["category"]))
        if category is None:
            reasons.append(ctx.categories.explain("问题类别", text["category"]))
    if text.get("subcategory"):
        matcher = ctx.subs_by_category.get(category, ctx.subs) if category else ctx.subs
        sub_code = cast(str | None, matcher.find(text["subcategory"]))
        if sub_code is None:
            reasons.append(matcher.explain("问题子类", text["subcategory"]))
        elif (whole := matcher.by_part(text["subcategory"])) is not None:
            outcome.convert(f"问题子类“{text['subcategory']}”按“{whole}”登记")
        return sub_code
    if category is not None:
        codes = cat.subcategory_codes(category)
        if len(codes) == 1:
            return str(codes[0])
        names = "、".join(cat.subcategory(c).name for c in codes)
        reasons.append(f"请填写“问题子类”（{cat.category_names[category]}：{names}）")
    elif not text.get("category"):
        reasons.append("“问题类别”和“问题子类”不能都为空")
    return None


def is_duplicate(ctx: LedgerContext, outcome: RowOutcome, part: HouseholdPart, problem: ProblemPart) -> bool:
    """An open problem of the same kind for the same household (or village) in the ledger or on an
    earlier row of the file."""
    sub_code, reasons = cast(str, problem.sub_code), outcome.reasons
    if part.is_village:
        assert part.township_id is not None and part.village_id is not None
        repeated = import_levels.village_duplicate(ctx.levels, part.village_id, sub_code, outcome.row)
        if repeated:
            outcome.status = "duplicate"
            reasons.append(repeated)
            return True
    household = part.household
    if household is not None and (household.id, sub_code) in ctx.open_keys:
        outcome.status = "duplicate"
        outcome.case_number = ctx.open_keys[(household.id, sub_code)]
        reasons.append(f"该户已有未销号的同类问题 {outcome.case_number}（{ctx.cat.subcategory(sub_code).name}）")
        return True
    key = (part.id_number, sub_code)
    if key in ctx.seen and not part.is_village:
        outcome.status = "duplicate"
        reasons.append(f"与本表第 {ctx.seen[key]} 行是同一户的同一类问题")
        return True
    if not part.is_village:
        ctx.seen[key] = outcome.row
    return False


def add_new_row(
    ctx: LedgerContext, plan: ImportPlan, outcome: RowOutcome, text: dict[str, str], part: HouseholdPart,
    problem: ProblemPart,
) -> None:  # fmt: skip
    """The row as a new problem of the plan (and, with a new ID number, its new household)."""
    assert problem.sub_code is not None and problem.found is not None
    cat, household = ctx.cat, part.household
    remarks = text.get("remarks", "")
    can_assign = "coordinator" in ctx.actor.roles
    assign = bool(problem.lead and can_assign)
    if problem.lead and not can_assign:
        remarks = (remarks + "；" if remarks else "") + f"拟牵头单位：{cat.departments[problem.lead].name}"
        outcome.notes.append("您不是县级统筹，牵头单位已记入备注，待县级统筹交办")
    sub = cat.subcategory(problem.sub_code)
    deadline = problem.deadline or (ctx.today + dt.timedelta(days=sub.default_days) if assign else None)
    if problem.deadline and not assign:
        outcome.notes.append(f"整改时限 {problem.deadline.isoformat()} 记为拟定时限，交办时由县级统筹确认")
    outcome.status = "new"
    if household is not None:
        place: tuple[int | None, int | None] | None = (household.township_id, household.village_id)
    else:
        place = (part.township_id, part.village_id) if part.is_village else None
    plan.new_rows.append(
        {
            "row": outcome.row,
            "household_id": household.id if household is not None else None,
            "place": place,
            "household": None
            if household is not None or part.is_village
            else {
                "township_id": part.township_id,
                "village_id": part.village_id,
                "group_name": text.get("group", ""),
                "head_name": compact(text.get("head_name", "")),
                "head_id_number": part.id_number,
                "phone": part.phone,
                "kind": part.kind,
                "size": part.size,
            },
            "case": {
                "category": sub.category,
                "subcategory": problem.sub_code,
                "description": text.get("description", ""),
                "source": problem.source,
                "found_date": problem.found,
                "deadline_class": sub.deadline_class,
                "remarks": remarks,
                "assisting_departments": text.get("assisting_departments", ""),
                "member_id": problem.member_id,
            },
            "assign": {"lead_department_id": problem.lead, "deadline": deadline} if assign else None,
            "proposed_deadline": None if assign else problem.deadline,
        }
    )


def chunks(values: list[T], size: int = 900) -> list[list[T]]:
    return [values[start : start + size] for start in range(0, len(values), size)]
