"""The case ledger's columns, declared once.

Each column of the canonical ledger (PRODUCT.md: the 32 columns of the 问题台账, in order) is one
`Column` below: its code (the LedgerLine attribute and workbook key), Chinese heading, header group,
workbook width, cell kind, the other headings an imported workbook may use, the Case attribute that
stores it, its text rule (length and whether it may hold line breaks) and whether it is personal
(masked on paper and in workbooks unless the reader may and gave a reason).

What is derived from this table instead of being written again:
- `LEDGER_COLUMNS` (ledger/dto.py), the heading order of every printed and exported ledger;
- the workbook's groups, widths and cell kinds (reports/excel.py);
- the import's headings (ledger/tabular.py SYNONYMS, LABELS, FIELD_NAMES, DERIVED);
- the text rules of case fields (ledger/textrules.py RULES);
- the labels of case fields in messages and histories (ledger/workflow.py FIELD_LABELS).

A column marked `plain` is a value the case only keeps — nothing in the code acts on it. Such a
column is carried by the DTOs (`values`), shown and edited in the case window, updated by a ledger
workbook, printed, exported and signed through this table alone, so no module names it.

Adding a plain column: an entry here (with `since` its migration's revision and `editable_in` the
states in which it may be edited), the model attribute, and the migration. Other columns need code
that acts on them as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "code", "date", "number", "amount"]  # amount: whole 元, typed as 2.35万 or 23,500

NAME, LONG, NOTE = 50, 2000, 1000  # characters (code points): a name, a description, a remark


@dataclass(frozen=True)
class TextLimit:
    limit: int
    multiline: bool  # newline and tab allowed


@dataclass(frozen=True)
class Column:
    code: str  # LedgerLine attribute and workbook key
    label: str  # the heading, as PRODUCT.md names it
    group: str  # the header group of the two-row workbook header
    width: int  # workbook column width, in characters
    kind: Kind = "text"  # code: digits kept as text (ID numbers, phones, case numbers)
    headings: tuple[str, ...] | None = None  # headings the import reads (None: never imported)
    stored: str | None = None  # the Case attribute holding it, when it is the case's own
    text: TextLimit | None = None  # the rule a typed or imported value must keep
    personal: bool = False  # masked unless the reader may unmask and gave a reason
    derived: bool = False  # computed by the ledger: matched on import, never written from a file
    plain: bool = False  # the case keeps it as given; only this table names it (see the module text)
    signed: bool = False  # part of what a 核验/审批 sign-off vouches for (the case's content hash)
    # The migration that added it, when ledgers held signed and stamped cases before: it joins the
    # signed content only once set, and an upgraded ledger gets its field rules (editable_in).
    since: str | None = None
    editable_in: tuple[str, ...] = ()  # states in which it may be edited, beyond workflow.json's rules
    unit: str = ""  # printed after a value on a form (元); the heading says it in brackets

    @property
    def name(self) -> str:
        """The label without its unit, as a form's label cell shows it: 整改资金."""
        return self.label.removesuffix(f"（{self.unit}）") if self.unit else self.label


def _c(code: str, label: str, group: str, width: int, *extra: str, **options: object) -> Column:
    """A column whose import headings are its label followed by `extra`."""
    return Column(code, label, group, width, headings=(label, *extra), **options)  # type: ignore[arg-type]


BASIC, HOUSEHOLD, PROBLEM, DUTY, PROGRESS, OTHER = "基本信息", "农户信息", "问题情况", "整改责任", "整改进展", "其他"

COLUMNS: tuple[Column, ...] = (
    _c("seq", "序号", BASIC, 6, "编号序号", kind="number", derived=True),
    _c("number", "问题编号", BASIC, 19, "台账编号", kind="code", stored="number", signed=True),
    _c("county", "县", BASIC, 8, "县区", "县市区", "县名称", derived=True),
    _c("township", "乡镇", BASIC, 10, "乡镇街道", "乡镇名称", "乡", "镇", "所属乡镇"),
    _c("village", "村", BASIC, 10, "行政村", "村社区", "村名", "村名称", "所属村"),
    _c("group", "组", BASIC, 6, "村民小组", "小组", "组别", "社"),
    _c("head_name", "户主姓名", HOUSEHOLD, 9, "姓名", "户主", "户主名", text=TextLimit(NAME, False)),
    _c(
        "head_id",
        "户主身份证号",
        HOUSEHOLD,
        20,
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "户主身份证号码",
        "证件号码",
        "身份证",
        kind="code",
        personal=True,
    ),
    _c(
        "phone",
        "联系电话",
        HOUSEHOLD,
        13,
        "电话",
        "手机号",
        "手机号码",
        "联系方式",
        "电话号码",
        kind="code",
        personal=True,
    ),
    _c("household_kind", "户类型", HOUSEHOLD, 11, "户属性", "农户类型", "家庭类型", "户别"),
    _c("household_size", "家庭人口", HOUSEHOLD, 6, "家庭人口数", "人口数", "人口", "家庭人数", kind="number"),
    Column("level", "问题层级", HOUSEHOLD, 7),  # 户级 / 村级
    Column("member", "涉及成员", HOUSEHOLD, 9),
    _c("category", "问题类别", PROBLEM, 12, "问题类型", "类别", "问题分类", stored="category"),
    _c("subcategory", "问题子类", PROBLEM, 16, "问题细类", "子类", "具体类别", stored="subcategory", signed=True),
    _c(
        "description",
        "问题描述",
        PROBLEM,
        30,
        "问题表现",
        "存在问题",
        "问题情况",
        "具体问题",
        "问题具体表现",
        stored="description",
        text=TextLimit(LONG, True),
        signed=True,
    ),
    _c("source", "发现方式", PROBLEM, 12, "问题来源", "来源", "发现途径", stored="source", signed=True),
    _c(
        "found_date",
        "发现时间",
        PROBLEM,
        11,
        "发现日期",
        "排查时间",
        "排查日期",
        "登记时间",
        kind="date",
        stored="found_date",
        signed=True,
    ),
    _c(
        "lead_department",
        "牵头单位",
        DUTY,
        12,
        "责任单位",
        "牵头部门",
        "责任部门",
        stored="lead_department_id",
        signed=True,
    ),
    _c("assisting_departments", "配合单位", DUTY, 12, "配合部门", stored="assisting_departments", signed=True),
    _c(
        "responsible_person",
        "责任人",
        DUTY,
        9,
        "整改责任人",
        stored="responsible_person",
        text=TextLimit(NAME, False),
        plain=True,
        signed=True,
    ),
    _c("measures", "整改措施", DUTY, 30, stored="measures", text=TextLimit(LONG, True), signed=True),
    _c(
        "funds",
        "整改资金（元）",
        DUTY,
        10,
        "整改资金",
        "整改资金(元)",
        "投入资金",
        "投入资金（元）",
        "资金",
        kind="amount",
        unit="元",
        stored="funds",
        plain=True,
        signed=True,
        since="0018",
        editable_in=("assigned", "in_progress"),
    ),
    _c("deadline_class", "整改类型", DUTY, 9, stored="deadline_class"),
    _c(
        "deadline",
        "整改时限",
        DUTY,
        11,
        "完成时限",
        "整改期限",
        "计划完成时间",
        kind="date",
        stored="deadline",
        signed=True,
    ),
    _c("state", "整改进度", PROGRESS, 9, "整改状态", "状态", "整改进度状态", "整改情况", stored="state"),
    _c(
        "completion_date",
        "完成时间",
        PROGRESS,
        11,
        "完成日期",
        "整改完成时间",
        "实际完成时间",
        kind="date",
        stored="completion_date",
        signed=True,
    ),
    _c("verification", "乡镇核验人/时间/意见", PROGRESS, 26, "乡镇核验", derived=True),
    _c("approval", "县审批人/时间/意见", PROGRESS, 26, "县审批", derived=True),
    _c("closed_date", "销号时间", PROGRESS, 11, "销号日期", kind="date", stored="closed_date", derived=True),
    _c("evidence_count", "佐证材料", OTHER, 7, "佐证材料数量", kind="number", derived=True),
    _c("light", "红黄绿灯", OTHER, 7, "预警", derived=True),
    _c("remarks", "备注", OTHER, 16, stored="remarks", text=TextLimit(NOTE, True)),
)

# Case attributes that are no column of the ledger, as messages and histories name them.
CASE_ONLY_LABELS: dict[str, str] = {
    "household_id": "农户",
    "assigned_date": "交办时间",
    "closed_on_time": "按期销号",
    "void_reason": "作废原因",
    "duplicate_of_id": "重复问题",
}

BY_CODE: dict[str, Column] = {c.code: c for c in COLUMNS}

# The column naming who answers for a case's rectification: the 督办函, the 到期提醒 and the 销号审批表
# print it by this role, not by its code.
PERSON_IN_CHARGE = BY_CODE["responsible_person"]


def ledger_columns() -> tuple[tuple[str, str], ...]:
    """(heading, code) in the canonical order."""
    return tuple((c.label, c.code) for c in COLUMNS)


def header_groups() -> tuple[tuple[str, int, int], ...]:
    """(group, first column, last column) of consecutive columns sharing a group."""
    groups: list[tuple[str, int, int]] = []
    for i, column in enumerate(COLUMNS):
        if groups and groups[-1][0] == column.group:
            groups[-1] = (column.group, groups[-1][1], i)
        else:
            groups.append((column.group, i, i))
    return tuple(groups)


def codes_of_kind(kind: Kind) -> frozenset[str]:
    return frozenset(c.code for c in COLUMNS if c.kind == kind)


def import_headings() -> dict[str, tuple[str, ...]]:
    """code → the headings an imported ledger may give it (the label first), in column order."""
    return {c.code: c.headings for c in COLUMNS if c.headings is not None}


def field_labels() -> dict[str, str]:
    """Case attribute → its Chinese name, for messages and the history."""
    return {c.stored: c.label for c in COLUMNS if c.stored is not None} | CASE_ONLY_LABELS


def text_limits() -> dict[str, tuple[str, TextLimit]]:
    """Case attribute (or household field) → (label, limit) of every column with a text rule."""
    return {(c.stored or c.code): (c.label, c.text) for c in COLUMNS if c.text is not None}


# The case's own attribute signed besides its columns: which household the problem is of.
SIGNED_CASE_ONLY = ("household_id",)

PLAIN: tuple[Column, ...] = tuple(c for c in COLUMNS if c.plain)


def plain_codes() -> tuple[str, ...]:
    """Case attributes of the plain columns, in ledger order."""
    return tuple(c.stored or c.code for c in PLAIN)


def plain_values(case: object) -> dict[str, object]:
    """A case's plain columns (an ORM row or any object with those attributes), by attribute."""
    return {code: getattr(case, code) for code in plain_codes()}


def signed_fields() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(always, added): the case attributes a sign-off vouches for, and those that join it only once
    set (so every sign-off made before they existed stays valid)."""
    always = tuple(c.stored for c in COLUMNS if c.signed and not c.since and c.stored) + SIGNED_CASE_ONLY
    added = tuple(c.stored for c in COLUMNS if c.signed and c.since and c.stored)
    return always, added


def added_case_columns() -> tuple[str, ...]:
    """Case columns added after cases were first stamped (ledger/records.py `added`), ledger order."""
    return tuple(c.stored for c in COLUMNS if c.since and c.stored)


def field_rules(after: str = "") -> dict[str, tuple[str, ...]]:
    """state → the case attributes the schema makes editable there (columns added by a migration
    later than `after`), beside the field rules of resources/seed/workflow.json."""
    rules: dict[str, tuple[str, ...]] = {}
    for c in COLUMNS:
        if c.stored and (c.since or "") > after:
            for state in c.editable_in:
                rules[state] = (*rules.get(state, ()), c.stored)
    return rules


def blank(column: Column) -> object:
    """What a new case holds in a plain column until someone fills it."""
    return None if column.kind in ("amount", "date", "number") else ""


def show(column: Column, value: object) -> str:
    """A plain value as a form or a message shows it: 23,500 for an amount, "" for nothing."""
    if value is None:
        return ""
    if column.kind == "amount" and isinstance(value, int):
        return f"{value:,}"
    return str(value)


def with_unit(column: Column, value: object) -> str:
    """A value as a form prints it beside `column.name`: 20,500 元."""
    text = show(column, value)
    return f"{text} {column.unit}" if text and column.unit else text


def shown(values: Mapping[str, object]) -> dict[str, str]:
    """Every plain value of a case as text (show), by attribute."""
    return {code: show(BY_STORED[code], values.get(code)) for code in plain_codes()}


BY_STORED: dict[str, Column] = {c.stored: c for c in COLUMNS if c.stored}
