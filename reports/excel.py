"""Workbooks the office hands out: the canonical ledger for higher levels (上报台账) with a statistics
sheet, a department's fill-in workbook (部门填报表) and the error list of an import (错误清单).

Every workbook is written by reports/xlsx.py to `<name>.part`, hashed, recorded in the audit log
(kind, scope, rows, SHA-256, and the reason when full ID numbers were exported), then renamed into
place; a cancel or an error leaves neither file nor event. ID numbers and phones are text cells and
masked unless the user holds the right and typed a reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger import ids, schema
from ledger.access import check_unmask, visibility
from ledger.dto import LEDGER_COLUMNS, Actor, CaseFilter, GroupFigures
from ledger.errors import LedgerError, PermissionDenied, ValidationError
from ledger.services.imports import ImportPlan
from ledger.services.outputs import Output
from ledger.tabular import BadValue, parse_date
from ledger.workflow import LIGHT_NAMES, OPEN_STATES, STATE_NAMES, WorkflowRules
from reports.kinds import TEMPLATES, ExportRequest, ExportResult
from reports.pdf import cn_date
from reports.render import default_unit, describe_filter, tag_title
from reports.weekly import figure_columns, period_text, period_word
from reports.xlsx import Sheet, Style, Validation, Value, Workbook

if TYPE_CHECKING:
    from ledger.facade import Ledger

# The canonical columns in groups for the two-row header, widths and cell kinds: ledger/schema.py.
GROUPS = schema.header_groups()  # (group, first column, last column)
WIDTHS = {c.code: c.width for c in schema.COLUMNS}
DATE_FIELDS = schema.codes_of_kind("date")
NUMBER_FIELDS = schema.codes_of_kind("number")
AMOUNT_FIELDS = schema.codes_of_kind("amount")  # whole 元, shown 23,500
TEXT_FIELDS = schema.codes_of_kind("code")  # digits kept as text

CELL = Style(border=True, wrap=True)
TITLE = Style(bold=True, size=16, halign="center")
INFO = Style(halign="left")
DATE_CELL = Style(border=True, num_format="yyyy-mm-dd", halign="center")
HEAD = Style(bold=True, border=True, wrap=True, halign="center", fill="D9E1F2")
LIGHT_FILLS = {"红灯": "F8CBAD", "黄灯": "FFE699", "绿灯": "C6EFCE"}


def _finish(lg: Ledger, book: Workbook, actor: Actor | None, action: str, payload: dict[str, Any]) -> str:
    """Hash the finished package, record the event, then put the file in place."""
    part = book.finish()
    try:
        digest = lg.outputs.record(actor, part, book.path.name, Output(action, "export", payload)).sha256
    except BaseException:
        book.abort()
        raise
    book.place()
    return digest


def _info_rows(sheet: Sheet, title: str, unit: str, author: str, day: dt.date, width: int) -> None:
    sheet.append([title], [TITLE], height=30)
    sheet.merge(1, 0, 1, width - 1)
    third = width // 3
    row = [""] * width
    row[0], row[third] = f"填报单位：{unit}", f"填报人：{author}"
    row[2 * third] = f"填报日期：{day.year}年{day.month}月{day.day}日"  # no leading zeros (2026年8月3日)
    sheet.append(row, [INFO] * width, height=20)
    sheet.merge(2, 0, 2, third - 1)
    sheet.merge(2, third, 2, 2 * third - 1)
    sheet.merge(2, 2 * third, 2, width - 1)


# -- the handoff ledger ----------------------------------------------------------------------------
def export_workbook(
    lg: Ledger,
    request: ExportRequest,
    out: str | Path,
    actor: Actor | None,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ExportResult:
    started = time.perf_counter()
    lg.refuse_if_read_only()  # every export is audited: without the key, none (before any work)
    if request.template not in TEMPLATES:
        raise ValidationError("模板应为：handoff（上报台账）或 statistics（统计表）")
    actor = lg.output_actor(actor, personal=request.template == "handoff" or request.unmask)
    if request.unmask:
        check_unmask(actor, request.reason)
    if actor is not None:  # only the cases the user may see (ledger/access.py)
        request = replace(request, filter=replace(request.filter, visible_to=actor))
    county = lg.meta("county_name")
    unit = request.unit or default_unit(county)
    author = actor.display_name if actor else "命令行"
    today = lg.today()
    case_ids = lg.reporting.case_ids(request.filter) if request.template == "handoff" else []
    book = Workbook(out, full_numbers=request.unmask)
    try:
        if request.template == "handoff":
            _ledger_sheet(
                lg, book, case_ids, request.unmask, unit, author, today, county, progress, cancelled,
                tail=tag_title(request.filter),
            )  # fmt: skip
        start, end = request.period_start, request.period_end
        if request.template == "handoff" and start is None and end is None:
            start, end = today - dt.timedelta(days=6), today
        _statistics_sheet(lg, book, request.filter, unit, author, county, start, end)
        if request.template == "handoff":
            _choices_sheet(lg, book)
        digest = _finish(
            lg,
            book,
            actor,
            "export.excel",
            {
                "template": request.template,
                "scope": describe_filter(lg, request.filter),
                "rows": len(case_ids),
                "unmasked": request.unmask,
                "reason": request.reason.strip() if request.unmask else "",
            },
        )
    except BaseException:
        book.abort()
        raise
    return ExportResult(Path(out), len(case_ids), time.perf_counter() - started, digest)


def _ledger_sheet(
    lg: Ledger,
    book: Workbook,
    case_ids: list[int],
    unmask: bool,
    unit: str,
    author: str,
    today: dt.date,
    county: str,
    progress: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
    tail: str = "",
) -> None:
    width = len(LEDGER_COLUMNS)
    fields = [f for _label, f in LEDGER_COLUMNS]
    sheet = book.add_sheet("问题台账")
    styles: list[Style] = []
    for f in fields:
        if f in TEXT_FIELDS:
            styles.append(Style(border=True, num_format="@"))
        elif f in DATE_FIELDS:
            styles.append(Style(border=True, num_format="yyyy-mm-dd", halign="center"))
        elif f in NUMBER_FIELDS:
            styles.append(Style(border=True, halign="center"))
        elif f in AMOUNT_FIELDS:
            styles.append(Style(border=True, num_format="#,##0", halign="right"))
        else:
            styles.append(CELL)
    sheet.columns([WIDTHS[f] for f in fields], styles)
    first_data = 5
    last = first_data + max(len(case_ids), 1) - 1
    sheet.freeze_rows, sheet.freeze_cols = 4, 2
    sheet.autofilter = (4, 0, last, width - 1)
    sheet.landscape = True
    sheet.print_title_rows = (3, 4)
    state_col, category_col = fields.index("state"), fields.index("category")
    sheet.validations.append(Validation(first_data, last, state_col, source="'选项'!$A$2:$A$8"))
    n_categories = len(lg.catalog.category_names)
    sheet.validations.append(Validation(first_data, last, category_col, source=f"'选项'!$B$2:$B${n_categories + 1}"))
    _info_rows(sheet, f"{county}两不愁三保障及饮水安全问题整改台账{tail}", unit, author, today, width)
    group_row = [""] * width
    for name, first, end in GROUPS:
        group_row[first] = name
        sheet.merge(3, first, 3, end)
    sheet.append(group_row, [HEAD] * width, height=20)
    sheet.append([label for label, _f in LEDGER_COLUMNS], [HEAD] * width, height=30)
    column_ids = [book.style(s) for s in styles]
    light_col = fields.index("light")
    light_rows: dict[str, list[int]] = {}  # the column styles with the lamp's fill, one list per lamp
    for name, fill in LIGHT_FILLS.items():
        light_rows[name] = list(column_ids)
        light_rows[name][light_col] = book.style(Style(border=True, halign="center", fill=fill))
    date_cols = [i for i, f in enumerate(fields) if f in DATE_FIELDS]
    # a 待交办 case's deadline is only proposed: still a date cell, shown as 拟2026-12-31
    deadline_col, registered = fields.index("deadline"), STATE_NAMES["registered"]
    proposed_style = book.style(Style(border=True, num_format='"拟"yyyy-mm-dd', halign="center"))
    total = len(case_ids)
    row_of = attrgetter(*fields)  # the line's cells as one tuple
    days: dict[str, dt.date] = {}  # ISO text → date (a ledger has a few thousand distinct days)
    for n, line in enumerate(lg.reporting.ledger_lines(case_ids, unmask=unmask), 1):
        values: list[Any] = list(row_of(line))
        for i in date_cols:
            text = values[i]
            if text:
                day = days.get(text)
                if day is None:
                    day = days[text] = dt.date.fromisoformat(text)
                values[i] = day
        row_styles: Sequence[int] = column_ids
        lamp = values[light_col]
        if lamp:
            row_styles = light_rows[lamp]
        if line.state == registered and values[deadline_col]:
            row_styles = list(row_styles)
            row_styles[deadline_col] = proposed_style
        sheet.append(values, row_styles)
        if n % 1000 == 0:
            if cancelled and cancelled():
                raise LedgerError("已取消")
            if progress:
                progress(n, total)
    if progress:
        progress(total, total)
    sheet.close()


def _choices_sheet(lg: Ledger, book: Workbook) -> None:
    """A hidden sheet holding the drop-down lists (a list typed into the rule is limited to 255 characters)."""
    sheet = book.add_sheet("选项", hidden=True)
    sheet.columns([12, 16])
    states = [STATE_NAMES[s] for s in ("registered", "assigned", "in_progress", "pending_verification",
                                       "pending_approval", "closed", "void")]  # fmt: skip
    categories = list(lg.catalog.category_names.values())
    sheet.append(["整改进度", "问题类别"])
    for i in range(max(len(states), len(categories))):
        sheet.append([states[i] if i < len(states) else "", categories[i] if i < len(categories) else ""])
    sheet.close()


def _statistics_sheet(
    lg: Ledger,
    book: Workbook,
    f: CaseFilter,
    unit: str,
    author: str,
    county: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> None:
    """The 统计表: the 周报's tables (reports/weekly.py) with the same columns, figures and lights."""
    weekly = lg.reporting.weekly(f, start, end)
    word = period_word(weekly)
    columns = figure_columns(word)
    issued = lg.serials.issued("weekly", f"{weekly.period_start.isoformat()}~{weekly.period_end.isoformat()}")
    sheet = book.add_sheet("统计")
    width = len(columns) + 3
    sheet.columns([18] + [9] * len(columns) + [6, 7])
    scope = describe_filter(lg, f)
    issue = f"第{issued[1]}期，" if issued else ""
    _info_rows(
        sheet,
        f"{county}两不愁三保障及饮水安全问题整改进度统计（{issue}截至{cn_date(weekly.as_of)}）",
        unit,
        author,
        lg.today(),
        width,
    )
    sheet.append(
        [
            f"统计范围：{scope}；统计周期：{period_text(weekly.period_start, weekly.period_end)}，"
            f"数据截至{cn_date(weekly.as_of)}；预警灯：{weekly.light_rule}"
        ],
        [Style(halign="left", wrap=True)],
        height=32,
    )
    sheet.merge(sheet.rows, 0, sheet.rows, width - 1)
    rate = book.style(Style(border=True, num_format="0.0%", halign="center"))
    number = book.style(Style(border=True, halign="center"))
    name = book.style(CELL)
    head = book.style(HEAD)
    lamps = {k: book.style(Style(border=True, halign="center", fill=LIGHT_FILLS[v])) for k, v in LIGHT_NAMES.items()}

    def table(
        title: str, first: str, groups: list[GroupFigures], ranked: bool, extra: GroupFigures | None = None
    ) -> None:
        sheet.append([])
        sheet.append([title], [Style(bold=True, size=12)])
        sheet.append([first] + [c.label for c in columns] + (["排名", "预警"] if ranked else []), [head] * width)
        rows = [*groups]
        if extra is not None and extra.found:
            rows.append(extra)
        for g in [*rows, weekly.total]:
            values: list[Value] = [g.name] + [g.rate if c.attr == "rate" else getattr(g, c.attr) for c in columns]
            styles = [name] + [rate if c.attr == "rate" else number for c in columns]
            if g is extra:
                values[1 + next(i for i, c in enumerate(columns) if c.attr == "rate")] = "/"
            if ranked and g.rank:
                values += [g.rank, LIGHT_NAMES.get(g.light or "", "")]
                styles += [number, lamps[g.light] if g.light else number]
            elif ranked and g is extra:
                values += ["/", "/"]
                styles += [number, number]
            sheet.append(values, styles)

    table("一、总体情况", "范围", [], False)
    table("二、分类别", "问题类别", weekly.by_category, False)
    table("三、分乡镇（按销号率排名）", "乡镇", weekly.by_township, True)
    table("四、分责任单位（按销号率排名）", "牵头单位", weekly.by_department, True, weekly.unassigned)
    sheet.close()


# -- the department fill-in workbook --------------------------------------------------------------------
FILLIN_COLUMNS = (
    ("问题编号", "number", 19),
    ("乡镇", "township", 10),
    ("村", "village", 10),
    ("户主姓名", "head_name", 9),
    ("问题子类", "subcategory", 16),
    ("问题描述", "description", 30),
    ("整改时限", "deadline", 11),
    ("当前状态", "state", 9),
    ("可填项", "open_fields", 16),
    ("整改措施", "measures", 32),
    ("本次进度", "progress", 32),
    ("进度日期", "progress_date", 12),
    ("完成时间", "completion_date", 12),
    ("问题ID", "case_id", 8),
    ("版本号", "version", 8),
)
EDITABLE = frozenset({"measures", "progress", "progress_date", "completion_date"})
FILLIN_FILL = "FFF2CC"


def fillin_open_columns(rules: WorkflowRules, state: str) -> tuple[str, ...]:
    """The fill-in columns a department may fill on a case in this state: 本次进度/进度日期 while the case
    is open, 整改措施 and 完成时间 only where the workflow's field rules let that state edit them."""
    if state not in OPEN_STATES:
        return ()
    allowed = rules.editable.get(state, frozenset())
    return tuple(
        key
        for _label, key, _w in FILLIN_COLUMNS
        if key in ("progress", "progress_date") or (key in EDITABLE and key in allowed)
    )


def _fillin_guide(rules: WorkflowRules) -> list[str]:
    """One line per state saying which columns are open (the 填写说明 sheet)."""
    labels = {key: label for label, key, _w in FILLIN_COLUMNS}
    lines = []
    for state, name in STATE_NAMES.items():
        if state == "registered":
            continue  # not yet 交办: never in a department's workbook
        keys = fillin_open_columns(rules, state)
        if keys:
            lines.append(f"    {name}的问题：可填" + "、".join(labels[k] for k in keys) + "；其余各列锁定。")
        else:
            lines.append(f"    {name}的问题：全部锁定（不在填报表中）。")
    return lines


def export_fillin(
    lg: Ledger,
    department_id: int,
    out: str | Path,
    actor: Actor | None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """One department's open cases with 整改措施 / 本次进度 / 完成时间 to fill in; the rest locked."""
    from ledger.services.queries import DEADLINE_STATES

    started = time.perf_counter()
    lg.refuse_if_read_only()
    department = lg.catalog.departments.get(department_id)
    if department is None:
        raise ValidationError("请选择责任单位")
    actor = lg.output_actor(actor, personal=True)
    if not visibility(actor).everything and visibility(actor).department_id != department_id:
        raise PermissionDenied("您只能导出本单位的填报表")
    f = CaseFilter(department_id=department_id, states=tuple(s for s in DEADLINE_STATES if s in OPEN_STATES))
    case_ids = lg.reporting.case_ids(f, order="deadline")
    county = lg.meta("county_name")
    today = lg.today()
    book = Workbook(out)
    try:
        guide = book.add_sheet("填写说明")
        guide.columns([100])
        lines = [
            f"{department.name}整改进度填报表",
            f"导出时间：{lg.clock():%Y-%m-%d %H:%M}；共 {len(case_ids)} 个未销号问题；台账：{county}（{lg.uuid[:8]}）",
            "",
            "填写方法：",
            "1. 切换到“待填报问题”工作表，只填写黄色底色的格子；哪些格子可填由问题当前状态决定，"
            "每行的“可填项”列写明了该行可填的列：",
            *_fillin_guide(lg.catalog.rules),
            "2. 其余各列已锁定，请勿修改、增删行列或调整顺序；隐藏的“问题ID”“版本号”两列用于核对，请勿删除。"
            "导入时，改动了不可填的格子，该格会被忽略并在导入结果中注明，同行已填的进度等内容照常记录。",
            "3. 日期请写作 2026-11-23、2026/11/23 或 2026年11月23日；“进度日期”不填则按导入当天记录。",
            "4. “完成时间”只在整改完成后填写，不能晚于填报当天。",
            "5. 填好后保存为 .xlsx 文件交回；导入时，导出后在台账中已被修改的问题会列为“冲突”，"
            "不会覆盖，需重新导出后再填。",
            "6. 本表含农户个人信息，仅限本单位整改工作使用，请勿外传。",
        ]
        guide.append([lines[0]], [Style(bold=True, size=14)], height=24)
        for text in lines[1:]:
            guide.append([text], [Style(wrap=True)])
        guide.close()

        sheet = book.add_sheet("待填报问题")
        keys = [key for _label, key, _w in FILLIN_COLUMNS]
        locked_styles = []
        open_styles = []
        for key in keys:
            date = key in ("progress_date", "completion_date", "deadline")
            base = (
                Style(border=True, num_format="yyyy-mm-dd", halign="center") if date else Style(border=True, wrap=True)
            )
            if key == "number":
                base = Style(border=True, num_format="@")
            locked_styles.append(book.style(base))
            open_styles.append(book.style(replace(base, fill=FILLIN_FILL, locked=False)))
        sheet.columns([w for _l, _k, w in FILLIN_COLUMNS], [Style(border=True, wrap=True)] * len(keys))
        sheet.hidden_columns = {len(FILLIN_COLUMNS) - 2, len(FILLIN_COLUMNS) - 1}
        sheet.freeze_rows, sheet.freeze_cols = 3, 1
        sheet.protect = True
        sheet.landscape = True
        width = len(FILLIN_COLUMNS)
        _info_rows(sheet, f"{department.name}整改进度填报表", department.name, "", today, width)
        sheet.append([label for label, _k, _w in FILLIN_COLUMNS], [HEAD] * width, height=24)
        labels = {key: label for label, key, _w in FILLIN_COLUMNS}
        rules = lg.catalog.rules
        row_styles: dict[str, tuple[list[int], str]] = {}
        for state in OPEN_STATES:
            opened = fillin_open_columns(rules, state)
            row_styles[state] = (
                [open_styles[i] if k in opened else locked_styles[i] for i, k in enumerate(keys)],
                "、".join(labels[k] for k in opened),
            )
        versions = lg.queries.versions(case_ids)
        for n, line in enumerate(lg.reporting.ledger_lines(case_ids), 1):
            sheet.append(
                [
                    line.number,
                    line.township,
                    line.village,
                    line.subject,
                    line.subcategory,
                    line.description,
                    dt.date.fromisoformat(line.deadline) if line.deadline else None,
                    line.state,
                    row_styles[versions[line.case_id][1]][1],
                    line.measures,
                    "",
                    None,
                    dt.date.fromisoformat(line.completion_date) if line.completion_date else None,
                    line.case_id,
                    versions[line.case_id][0],
                ],
                row_styles[versions[line.case_id][1]][0],
            )
            if progress and n % 500 == 0:
                progress(n, len(case_ids))
        sheet.close()
        digest = _finish(
            lg, book, actor, "export.fillin",
            {"department": department.name, "rows": len(case_ids), "case_ids_sha256": _ids_hash(case_ids)},
        )  # fmt: skip
    except BaseException:
        book.abort()
        raise
    return ExportResult(Path(out), len(case_ids), time.perf_counter() - started, digest)


def _ids_hash(case_ids: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, case_ids)).encode()).hexdigest()


# -- the error list of an import ------------------------------------------------------------------------------
def _serial_date(value: int | float) -> dt.date | int | float:
    try:
        return parse_date(value) or value
    except BadValue:
        return value  # not a day number either: shown as it was, the reason says why


def write_errors(lg: Ledger, plan: ImportPlan, out: str | Path, actor: Actor | None) -> ExportResult:
    """The refused rows as they were (ID numbers and phones masked), with 原行号 and 错误原因 columns,
    to send back to the township."""
    started = time.perf_counter()
    lg.refuse_if_read_only()
    actor = lg.output_actor(actor, personal=True)
    # refused rows, and taken rows with parts ignored or cells converted (notes to check)
    refused = [o for o in plan.outcomes if o in plan.refused or o.ignored or o.converted]
    taken = [o for o in refused if o.status not in ("invalid", "conflict", "duplicate")]
    partial = sum(1 for o in taken if o.ignored)
    converted = sum(1 for o in taken if o.converted and not o.ignored)
    labels = list(plan.layout.labels)
    width = len(labels)
    id_cols = {c for c, f in plan.mapping.items() if f in ("head_id", "phone")}
    date_cols = {c for c, f in plan.mapping.items() if f in DATE_FIELDS}
    book = Workbook(out)
    try:
        sheet = book.add_sheet("错误清单")
        sheet.columns(
            [8, 40] + [max(11.0 if c in date_cols else 8.0, min(30.0, len(x) * 2.2 + 2)) for c, x in enumerate(labels)],
            [CELL, CELL] + [DATE_CELL if c in date_cols else CELL for c in range(width)],
        )
        sheet.freeze_rows = 3
        title = f"导入错误清单：{plan.file_name}（共 {len(refused) - len(taken)} 行未导入）"
        if partial:
            title = title[:-1] + f"，{partial} 行部分内容被忽略）"
        if converted:
            title = title[:-1] + f"，{converted} 行有自动转换）"
        sheet.append([title], [Style(bold=True, size=14)], height=24)
        hint = "请按“错误原因”改正原表后重新导入。"
        if partial:
            hint += "写有“已忽略”的行只是该格未采用，同行其余内容随本次导入记录，无需重填。"
        if converted:
            hint += "只写有转换说明的行已导入，请核对转换是否无误。"
        sheet.append([f"{plan.summary()}。{hint}身份证号、电话已隐去中间位。"], [INFO])
        sheet.append(["原行号", "错误原因", *labels], [HEAD] * (width + 2), height=24)
        for outcome in refused:
            cells = plan.table.rows[outcome.row - 1]
            said = [*(outcome.reasons or outcome.ignored), *outcome.converted]
            values: list[Value] = [outcome.row, "；".join(said)]
            for c in range(width):
                value = cells[c] if c < len(cells) else ""
                if c in id_cols and value not in (None, ""):
                    text = value if isinstance(value, str) else format(value, ".15g")
                    value = ids.mask(text.strip())
                elif isinstance(value, dt.time | dt.timedelta):
                    value = str(value)
                elif c in date_cols and isinstance(value, int | float) and not isinstance(value, bool):
                    value = _serial_date(value)  # a day number from an unformatted cell: the date it is
                elif isinstance(value, str):
                    value = ids.mask_free_text(value)
                values.append(value)
            sheet.append(values)
        sheet.close()
        digest = _finish(
            lg, book, actor, "export.import_errors",
            {"import_file": plan.file_name, "import_sha256": plan.sha256, "rows": len(refused)},
        )  # fmt: skip
    except BaseException:
        book.abort()
        raise
    return ExportResult(Path(out), len(refused), time.perf_counter() - started, digest)
