"""Reading a department roster: the file through ledger/sheets.py (the import's hostile-file rules:
zip checks, defusedxml, row and column limits, legacy .xls refused, CSV in UTF-8 or GB18030), the
header found among the first rows by the roster kind's column synonyms (one row, or a group row
above the column names), and every data row reduced to what the rules need: the person's ID number
(15 → 18 digits, full-width digits and spaces converted, each conversion a note), name, township,
village and the kind's own cells."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ledger import ids
from ledger.compare.config import KindRules
from ledger.errors import ValidationError
from ledger.sheets import RawTable, read_table
from ledger.tabular import compact, label_key, normal_text

MAX_CELL_CHARS = 32_767  # Excel's limit on a cell: a longer one did not come from Excel
SCAN_ROWS = 30
PERSON_FIELDS = ("id_number", "name", "township", "village")


@dataclass(slots=True)
class RosterRow:
    row: int  # the row number Excel shows (1-based)
    id_number: str  # canonical 18 characters, or "" (none given, or unreadable: see problems)
    name: str
    township: str
    village: str
    cells: dict[str, str]  # the kind's own columns (status, rating, indicators…) as text
    notes: list[str] = field(default_factory=list)  # conversions made while reading
    problems: list[str] = field(default_factory=list)  # what could not be read

    def as_record(self, labels: dict[str, str]) -> dict[str, object]:
        """What a finding keeps of its row: number, the cells by their header labels, notes."""
        cells = {labels.get("name", "姓名"): self.name, labels.get("village", "村"): self.village}
        if self.id_number:
            cells[labels.get("id_number", "身份证号")] = self.id_number
        cells.update({labels.get(k, k): v for k, v in self.cells.items()})
        return {"row": self.row, "cells": {k: v for k, v in cells.items() if v}, "notes": self.notes}


@dataclass
class Roster:
    file_name: str
    sha256: str
    sheet: str
    header_rows: tuple[int, ...]  # 0-based
    labels: dict[str, str]  # field → the header label the roster uses
    rows: list[RosterRow]
    title: str

    @property
    def has_person(self) -> bool:
        return "id_number" in self.labels or "name" in self.labels


def _lookup(rules: KindRules) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, labels in rules.columns.items():
        for label in labels:
            out.setdefault(label_key(label), name)
    return out


def _score(row: Sequence[object], lookup: dict[str, str]) -> int:
    return sum(1 for v in row if isinstance(v, str) and label_key(v) in lookup)


def find_header(
    rows: Sequence[Sequence[object]], lookup: dict[str, str]
) -> tuple[tuple[int, ...], dict[int, str], list[str]] | None:
    """(header rows, column → field, labels) of the best header among the first rows, or None."""
    scores = [_score(r, lookup) for r in rows[: SCAN_ROWS + 1]]
    best, best_score = -1, 1
    for i in range(min(SCAN_ROWS, len(rows))):
        if scores[i] > best_score:
            best, best_score = i, scores[i]
    if best < 0:
        return None
    labels = [normal_text(v) for v in rows[best]]
    header: tuple[int, ...] = (best,)
    # a group row above (达标情况 over 水量/水质…): its texts fill the columns the lower row leaves empty
    # (or the column names below a row of vertically merged ones: 村, 姓名 over 水量, 水质…)
    if best > 0 and scores[best - 1] >= 1:
        upper = [normal_text(v) for v in rows[best - 1]]
        labels = [lo or (upper[c] if c < len(upper) else "") for c, lo in enumerate(labels)]
        header = (best - 1, best)
    elif best + 1 < len(scores) and scores[best + 1] >= 1:
        lower = [normal_text(v) for v in rows[best + 1]]
        width = max(len(labels), len(lower))
        labels = [(lower[c] if c < len(lower) else "") or (labels[c] if c < len(labels) else "") for c in range(width)]
        header = (best, best + 1)
    mapping: dict[int, str] = {}
    for col, label in enumerate(labels):
        name = lookup.get(label_key(label))
        if name is not None and name not in mapping.values():
            mapping[col] = name
    return header, mapping, labels


def _pick_sheet(
    path: Path, lookup: dict[str, str]
) -> tuple[RawTable, tuple[tuple[int, ...], dict[int, str], list[str]]]:
    table = read_table(path)
    found = find_header(table.rows, lookup)
    if found is None:
        for name in table.sheets:
            if name != table.sheet:
                other = read_table(path, name)
                found = find_header(other.rows, lookup)
                if found is not None:
                    return other, found
        raise ValidationError(
            f"在“{table.sheet or table.file_name}”的前 {SCAN_ROWS} 行中找不到名单的表头。"
            "表头应含有“身份证号”“姓名”“村”等列名。"
        )
    return table, found


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e14:
        return f"{value:.0f}"  # an ID number typed as a number (15 digits survive a float)
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return normal_text(value)


def read_id(raw: str, today: dt.date) -> tuple[str, list[str], list[str]]:
    """(canonical number or "", conversion notes, problems) for an ID cell."""
    if not raw:
        return "", [], []
    notes: list[str] = []
    typed = raw.strip()
    plain = typed.isascii() and typed.isalnum()  # the usual cell: nothing to convert but a 15-digit number
    bare = typed.upper() if plain else ids.normalize(typed)
    if not plain and any(ord(ch) > 0xFF00 for ch in typed):
        notes.append("身份证号中的全角字符已转为半角")
    if not plain and (any(ch.isspace() for ch in typed) or "-" in typed):
        notes.append("身份证号中的空格或横线已去除")
    try:
        number = ids.validate_id(typed, today=today)
    except ValidationError as err:
        return "", notes, [f"身份证号无法识别：{err}"]
    if len(bare) == 15:
        notes.append(f"15位身份证号已转换为18位（{ids.mask(number)}）")
    return number, notes, []


def read_roster(path: str | Path, rules: KindRules, today: dt.date) -> Roster:
    path = Path(path)
    lookup = _lookup(rules)
    table, (header, mapping, labels) = _pick_sheet(path, lookup)
    fields = set(mapping.values())
    if not fields & {"id_number", "name", "village"}:
        raise ValidationError(f"{table.file_name} 的表头中没有“身份证号”“姓名”或“村”列，无法与农户比对")
    own = [c for c in rules.columns if c not in PERSON_FIELDS]
    if own and not fields & set(own):
        wanted = "、".join(f"“{rules.columns[c][0]}”" for c in own)
        raise ValidationError(f"{table.file_name} 不像{rules.title}：表头中没有 {wanted} 中的任何一列")
    by_field = {f: c for c, f in mapping.items()}
    rows: list[RosterRow] = []
    start = header[-1] + 1
    for index in range(start, len(table.rows)):
        cells = table.rows[index]
        texts: dict[str, str] = {}
        for col, name in mapping.items():
            value = cells[col] if col < len(cells) else None
            # the ID cell as typed (full-width digits and spaces are conversions to note)
            text = value.strip() if name == "id_number" and isinstance(value, str) else _text(value)
            if len(text) > MAX_CELL_CHARS:
                raise ValidationError(
                    f"{table.file_name} 第 {index + 1} 行“{labels[col]}”一格有 {len(text):,} 个字符，"
                    f"超过 Excel 单元格 {MAX_CELL_CHARS:,} 个字符的上限，文件不是由 Excel 保存的，未比对"
                )
            texts[name] = text
        if not any(texts.values()):
            continue
        number, notes, problems = read_id(texts.get("id_number", ""), today)
        name = compact(texts.get("name", ""))
        if name != texts.get("name", "").strip():
            notes.append("姓名中的空格已去除")
        rows.append(
            RosterRow(
                row=index + 1,
                id_number=number,
                name=name,
                township=texts.get("township", ""),
                village=texts.get("village", ""),
                cells={k: v for k, v in texts.items() if k not in PERSON_FIELDS},
                notes=notes,
                problems=problems,
            )
        )
    return Roster(
        table.file_name,
        table.sha256,
        table.sheet,
        header,
        {f: labels[c] for f, c in by_field.items()},
        rows,
        next((normal_text(v) for r in table.rows[: header[0]] for v in r if normal_text(v)), ""),
    )
