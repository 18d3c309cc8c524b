"""The data rows of an import's sheet, read column by column (ledger/services/imports.py).

Each mapped column is normalised once, with a cache for repeated cells (a township sheet repeats
its townships, villages, categories, dates and departments on every row), and the per-cell checks
that almost never fire (formulas, cells longer than Excel allows, text rules, what reading changed
unasked) are run over the columns to find the few rows they concern; only those rows are looked at
again one by one, with the same messages as always. Measured on 100,000 rows (bench/excel.py):
normalising every cell per row, three times over, took half the validation's CPU time."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ledger import textrules
from ledger.errors import LedgerError
from ledger.services.import_plan import MAX_CELL_CHARS, Cancelled, ImportPlan, Progress, RowOutcome, progress_every
from ledger.tabular import DERIVED, FIELD_NAMES, compact, normal_text

_TOTALS = ("合计", "小计", "总计")


@dataclass
class SheetRows:
    """The non-blank data rows: Excel row numbers, and per mapped field (in column order) the raw
    cells and, for the fields the ledger does not derive, their normalised text."""

    numbers: list[int]
    fields: list[str]
    columns: list[list[Any]]
    text_fields: list[str]
    texts: list[list[str]]
    early: dict[int, list[str]]  # row number → formula, over-long and text-rule reasons
    converted: set[int]  # row numbers with a cell reading may have changed (full width, spaces)

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, f: str) -> list[Any]:
        return self.columns[self.fields.index(f)] if f in self.fields else [None] * len(self.numbers)

    def each(self, plan: ImportPlan, progress: Progress) -> Iterator[tuple[RowOutcome, dict[str, Any], dict[str, str]]]:
        """Each row's outcome (invalid until the row proves otherwise, the early reasons already in
        it), its raw cells and their texts by field."""
        total = len(self.numbers)
        fields, text_fields, early = self.fields, self.text_fields, self.early
        raws = zip(*self.columns, strict=True) if self.columns else itertools.repeat(())
        texts = zip(*self.texts, strict=True) if self.texts else itertools.repeat(())
        for done, (number, cells, words) in enumerate(zip(self.numbers, raws, texts, strict=False), 1):
            progress_every(progress, done, total)
            outcome = RowOutcome(number, "invalid", list(early.get(number, ())))
            plan.outcomes.append(outcome)
            yield outcome, dict(zip(fields, cells, strict=True)), dict(zip(text_fields, words, strict=True))


def read_rows(plan: ImportPlan, cancelled: Cancelled, with_text: bool = True) -> SheetRows:
    """The sheet's data rows below the header, without blank rows, repeated headers and totals."""
    columns = sorted(plan.mapping.items())
    kept = list(_data_rows(plan, columns, cancelled))
    fields = [f for _c, f in columns]
    cells = [[row[c] if c < len(row) else "" for _n, row in kept] for c, _f in columns]
    numbers = [n for n, _row in kept]
    del kept
    text_fields = [f for f in fields if f not in DERIVED] if with_text else []
    texts = [_texts(cells[fields.index(f)]) for f in text_fields]
    rows = SheetRows(numbers, fields, cells, text_fields, texts, {}, set())
    rows.early = _early_reasons(plan, rows)
    rows.converted = _maybe_converted(rows)
    return rows


def _blank(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _data_rows(
    plan: ImportPlan, columns: list[tuple[int, str]], cancelled: Cancelled
) -> Iterator[tuple[int, Sequence[object]]]:
    table = plan.table
    header = [compact(x) for x in plan.layout.labels]
    probe, probe_label = next(((c, header[c]) for c, _f in columns if header[c]), (0, header[0] if header else ""))
    wanted = [c for c, _f in columns]
    for index in range(plan.layout.data_start, len(table.rows)):
        if cancelled and index % 2000 == 0 and cancelled():
            raise LedgerError("已取消")
        row = table.rows[index]
        width = len(row)
        if all(c >= width or _blank(row[c]) for c in wanted):  # stops at the first filled cell
            continue
        cell = row[probe] if probe < width else None
        if isinstance(cell, str) and compact(cell) == probe_label:
            texts = [compact(normal_text(v)) for v in row[: len(header)]]
            if texts == header[: len(texts)]:
                continue  # the header repeated (a sheet printed with titles on every page)
        first = row[0] if width else ""
        if isinstance(first, str) and first.strip() and compact(first) in _TOTALS:
            continue
        yield index + 1, row


def _texts(column: list[Any]) -> list[str]:
    """normal_text of each cell; a text seen before is not normalised again."""
    if len(set(map(type, column))) == 1:  # one type (all text, say): no True/1/1.0 to tell apart
        once = {v: normal_text(v) for v in dict.fromkeys(column)}
        return list(map(once.__getitem__, column))
    seen: dict[str, str] = {}
    out = []
    for value in column:
        if type(value) is str:
            text = seen.get(value)
            if text is None:
                text = seen[value] = normal_text(value)
        else:
            text = normal_text(value)
        out.append(text)
    return out


def _early_reasons(plan: ImportPlan, rows: SheetRows) -> dict[int, list[str]]:
    """Rows with a formula, an over-long cell or a broken text rule, and why, in the order the row
    check has always named them: formulas, over-long cells, text rules (each in column order)."""
    suspects: set[int] = set()
    if plan.table.formulas:
        mapped = {c for c, f in plan.mapping.items() if f not in DERIVED}
        suspects |= {r + 1 for r, c in plan.table.formulas if c in mapped}
    for column in rows.columns:
        long = {v for v in set(column) if type(v) is str and len(v) > MAX_CELL_CHARS}
        if long:
            suspects.update(n for n, v in zip(rows.numbers, column, strict=True) if type(v) is str and v in long)
    for f, column in zip(rows.fields, rows.columns, strict=True):
        if f in textrules.RULES:
            texts = rows.texts[rows.text_fields.index(f)] if f in rows.text_fields else _texts(column)
            label = FIELD_NAMES.get(f)
            broken = {t for t in set(texts) if textrules.problem(f, t, label) is not None}
            if broken:
                suspects.update(n for n, t in zip(rows.numbers, texts, strict=True) if t in broken)
    out = {}
    at = {n: i for i, n in enumerate(rows.numbers)} if suspects else {}
    for number in sorted(suspects & at.keys()):
        raw = {f: column[at[number]] for f, column in zip(rows.fields, rows.columns, strict=True)}
        reasons = formula_reasons(plan, number)
        too_long = over_long(plan, number, raw)
        reasons += too_long.values()
        ruled = {f: normal_text(v) for f, v in raw.items() if f in textrules.RULES and f not in too_long}
        reasons += textrules.labelled_problems(ruled, FIELD_NAMES)
        if reasons:
            out[number] = reasons
    return out


def over_long(plan: ImportPlan, index: int, raw: dict[str, Any]) -> dict[str, str]:
    """Cells longer than an Excel cell can hold: refused whole, never cut (a CSV or another
    program's workbook can carry them; the ledger would not keep them intact anyway)."""
    out: dict[str, str] = {}
    for c, f in sorted(plan.mapping.items()):
        value = raw.get(f)
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS and f not in out:
            label = plan.layout.labels[c] or FIELD_NAMES.get(f, f)
            out[f] = f"第{index}行“{label}”超过{MAX_CELL_CHARS}个字符，未导入"
    return out


def formula_reasons(plan: ImportPlan, index: int) -> list[str]:
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


def _maybe_converted(rows: SheetRows) -> set[int]:
    """Rows holding a text cell with a full-width character or a space of any kind: only there can
    reading have changed something to tell the clerk about (conversion_notes)."""
    out: set[int] = set()
    for f, column in zip(rows.fields, rows.columns, strict=True):
        if f in DERIVED:
            continue
        hits = {v for v in set(column) if type(v) is str and _CONVERTED.search(v) is not None}
        if hits:
            out.update(n for n, v in zip(rows.numbers, column, strict=True) if type(v) is str and v in hits)
    return out


def conversion_notes(plan: ImportPlan, raw: dict[str, Any]) -> list[str]:
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
