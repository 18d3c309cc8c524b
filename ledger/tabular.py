"""Making sense of messy township workbooks: finding the header under title rows (one row or two
with merged group cells), mapping columns by name and synonym, normalising cells (NFKC, trimming,
dates in the common Chinese forms and as serial numbers), and matching names against the ledger
with the closest suggestions. Pure functions: ledger/services/imports.py applies them."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ledger import schema
from ledger.dto import LEDGER_COLUMNS

# field → labels seen in township and department workbooks (normalised: NFKC, no spaces, no
# bracketed notes, no * marks). The canonical label of LEDGER_COLUMNS always counts.
SYNONYMS: dict[str, tuple[str, ...]] = {
    **schema.import_headings(),  # the ledger's own columns (ledger/schema.py)
    # the department fill-in workbook
    "progress": ("本次进度", "整改进度情况", "进度"),
    "progress_date": ("进度日期",),
    "case_id": ("问题ID",),
    "version": ("版本号",),
}
LABELS = dict(LEDGER_COLUMNS)  # canonical label → field
FIELD_NAMES = {f: label for label, f in LEDGER_COLUMNS} | {
    "progress": "本次进度",
    "progress_date": "进度日期",
    "case_id": "问题ID",
    "version": "版本号",
}
# Columns the ledger computes itself: read for matching a layout, never imported.
DERIVED = frozenset(c.code for c in schema.COLUMNS if c.derived)

# Full-width digits and letters and the ideographic space become ASCII (NFKC restricted to them:
# full NFKC would also turn the Chinese comma and brackets of free text into ASCII punctuation).
_HALF = {
    cp: cp - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for cp in range(r[0], r[1] + 1)
}
_HALF |= {0x3000: 0x20, 0xA0: 0x20}
_WIDE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000\xa0]")
_NOTE = re.compile(r"[（(][^）)]*[）)]")
_SPACES = re.compile(r"\s+")
_PARTS = re.compile("[/／、]")


def normal_text(value: object) -> str:
    """A cell as trimmed text with full-width digits, letters and spaces made ASCII; whole floats
    lose their '.0'; dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return (value.translate(_HALF) if _WIDE.search(value) else value).strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def label_key(value: object) -> str:
    """A header cell reduced for matching: NFKC, no spaces, no (notes), no * or ： marks."""
    text = unicodedata.normalize("NFKC", normal_text(value))
    if not text:
        return ""
    bare = _SPACES.sub("", _NOTE.sub("", text))
    return bare.strip("*＊:：") or _SPACES.sub("", text)


_LOOKUP: dict[str, str] = {}
for _field, _labels in SYNONYMS.items():
    for _label in _labels:
        _LOOKUP[label_key(_label)] = _field
for _label, _field in LEDGER_COLUMNS:
    _LOOKUP[label_key(_label)] = _field
# "整改进度（状态）" loses its note to become 整改进度 → state, and 完成时间 stays completion_date.


def field_for(label: object) -> str | None:
    key = label_key(label)
    return _LOOKUP.get(key) if key else None


@dataclass(frozen=True)
class Layout:
    header_rows: tuple[int, ...]  # 0-based row indexes of the header (one or two rows)
    labels: tuple[str, ...]  # one combined label per column
    mapping: dict[int, str]  # column → field, as guessed
    title: str  # the first non-empty text above the header, if any

    @property
    def data_start(self) -> int:
        return self.header_rows[-1] + 1

    @property
    def key(self) -> str:
        """Identifies the layout (the sequence of labels), for remembering a corrected mapping."""
        return hashlib.sha1("\x1f".join(self.labels).encode("utf-8")).hexdigest()[:16]


def _row_score(row: Sequence[object], field: Callable[[str], str | None]) -> int:
    return sum(1 for v in row if isinstance(v, str) and field(v) is not None)


def _spread(row: Sequence[object], merged: Iterable[tuple[tuple[int, int], tuple[int, int]]], index: int) -> list[str]:
    """Row texts with horizontally merged cells repeated over their span."""
    texts = [normal_text(v) for v in row]
    for (r1, c1), (r2, c2) in merged:
        if r1 <= index <= r2 and c2 > c1 and c1 < len(texts):
            top = texts[c1] if r1 == index else ""
            for c in range(c1 + 1, min(c2 + 1, len(texts))):
                if not texts[c]:
                    texts[c] = top
    return texts


def detect_layout(
    rows: Sequence[Sequence[object]],
    merged: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
    scan: int = 30,
    field: Callable[[str], str | None] | None = None,
) -> Layout | None:
    """The header among the first `scan` rows: the row (or pair of rows, when a group row with
    merged cells sits above the column names) naming most known columns, at least 3. `field` names
    the column a header label means (the case columns by default; a household roster has its own)."""
    field = field or field_for
    scores = [_row_score(r, field) for r in rows[: scan + 1]]

    def paired(i: int) -> bool:  # a group row above column names: both name columns
        return i + 1 < len(scores) and scores[i] >= 2 and scores[i + 1] >= 2

    best, best_score = -1, 2
    for i in range(min(scan, len(rows))):
        total = scores[i] + (scores[i + 1] if paired(i) else 0)
        if total > best_score:
            best, best_score = i, total
    if best < 0:
        return None
    first, last = (best, best + 1) if paired(best) else (best, best)
    width = max(len(r) for r in rows[first : last + 1])
    padded = [list(rows[i]) + [""] * (width - len(rows[i])) for i in range(first, last + 1)]
    labels = _spread(padded[0], merged, first)
    header_rows: tuple[int, ...] = (first,)
    if last > first:
        header_rows = (first, last)
        lower = [normal_text(v) for v in padded[1]]
        labels = [lo if lo else up for up, lo in zip(labels, lower, strict=True)]
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for col, label in enumerate(labels):
        f = field(label)
        if f is not None and f not in used:
            mapping[col] = f
            used.add(f)
    title = ""
    for row in rows[:best]:
        title = next((normal_text(v) for v in row if normal_text(v)), "")
        if title:
            break
    return Layout(header_rows, tuple(labels), mapping, title)


# -- values ------------------------------------------------------------------------------------------
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class BadValue(ValueError):
    """A cell that cannot be read as what its column needs; the message is Chinese."""


def parse_date(value: object) -> dt.date | None:
    """A date cell: a real date, a serial number, or text like 2021-10-15, 2021/10/15, 2021.10.15,
    2021年10月15日 or 20211015. Blank gives None; anything else raises BadValue."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 73051:  # 1900-01-01 .. 2099-12-31
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise BadValue(f"“{normal_text(value)}”不是有效日期")
    text = normal_text(value)
    if not text:
        return None
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise BadValue(f"“{text}”不是有效日期（可写作 2021-10-15、2021/10/15、2021.10.15 或 2021年10月15日）")


def parse_count(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = normal_text(value).removesuffix("人").removesuffix("口")
    if text.isdigit():
        return int(text)
    raise BadValue(f"“{normal_text(value)}”不是整数")


_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*(万元|万|元)?$")


def parse_amount(value: object) -> int | None:
    """An amount of money in whole 元: a number cell, or text as clerks type it — 23500, 23,500,
    23500元, 2.35万, 2.35万元. Blank gives None; a negative amount, a fraction of a 元 or anything
    else raises BadValue."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue(f"“{value}”不是金额")
    if isinstance(value, int | float):
        amount = float(value)
    else:
        text = normal_text(value).replace(",", "").replace("，", "")
        if not text:
            return None
        match = _AMOUNT.match(text)
        if match is None:
            raise BadValue(f"“{normal_text(value)}”不是金额（可写作 23500、23,500元 或 2.35万）")
        amount = float(match.group(1)) * (10_000 if match.group(2) in ("万", "万元") else 1)
    if amount < 0:
        raise BadValue(f"“{normal_text(value)}”不能是负数")
    if abs(amount - round(amount)) > 1e-6:
        raise BadValue(f"“{normal_text(value)}”须精确到元")
    return round(amount)


def parse_plain(column: schema.Column, value: object) -> object:
    """A typed or imported value of a plain column (ledger/schema.py) as the case keeps it."""
    if column.kind == "amount":
        return parse_amount(value)
    if column.kind == "date":
        return parse_date(value)
    return value.strip() if isinstance(value, str) else value


def compact(text: str) -> str:
    """Names with the spaces officers type for alignment removed (“王  五” → 王五)."""
    return _SPACES.sub("", text)


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", compact(text))


class Matcher:
    """A name typed in a workbook → the ledger's own, tolerating the usual variants (a missing or
    extra 镇/乡/村/县 affix, the county name in front); otherwise the closest names as advice."""

    def __init__(self, names: dict[str, object], affixes: Sequence[str] = (), prefixes: Sequence[str] = ()):
        self.names = names
        self.affixes = tuple(affixes)
        self.prefixes = tuple(p for p in prefixes if p)
        self._variants: dict[str, object] = {}
        self._cache: dict[str, object | None] = {}
        ambiguous: set[str] = set()
        for name, value in names.items():
            for variant in self._forms(_key(name)):
                if variant in self._variants and self._variants[variant] != value:
                    ambiguous.add(variant)
                self._variants.setdefault(variant, value)
        for variant in ambiguous:
            self._variants.pop(variant, None)
        for name, value in names.items():
            self._variants[_key(name)] = value
        # 辍学/控辍保学 may be written as one of its parts: kept apart, matched only when unambiguous
        self._parts: dict[str, dict[object, str]] = {}
        for name, value in names.items():
            pieces = _PARTS.split(_NOTE.sub("", _key(name)))
            if len(pieces) > 1:
                for piece in pieces:
                    if len(piece) >= 2:
                        self._parts.setdefault(piece, {}).setdefault(value, name)

    def _forms(self, name: str) -> set[str]:
        forms = {name}
        bare = _NOTE.sub("", name)
        if bare and bare != name:
            forms.add(bare)  # 危房C级（修缮加固） is also 危房C级
        for affix in self.affixes:
            if name.endswith(affix) and len(name) > len(affix) + 1:
                forms.add(name[: -len(affix)])
        for prefix in self.prefixes:
            if name.startswith(prefix) and len(name) > len(prefix) + 1:
                forms.add(name[len(prefix) :])
        return forms

    def find(self, raw: str) -> object | None:
        """The value of the name `raw` stands for, or None (answers are cached per spelling)."""
        try:
            return self._cache[raw]
        except KeyError:
            found = self._cache[raw] = self._find(raw)
            return found

    def by_part(self, raw: str) -> str | None:
        """The full name `raw` matched as one part of (辍学 → 辍学/控辍保学), None for a whole name."""
        found = self.find(raw)
        text = _key(raw)
        if found is None or text in self._variants:
            return None
        owners = self._parts.get(_NOTE.sub("", text), {})
        return owners.get(found) if len(owners) == 1 else None

    def _find(self, raw: str) -> object | None:
        found = self._find_whole(raw)
        if found is None:
            owners = self._parts.get(_NOTE.sub("", _key(raw)), {})
            if len(owners) == 1:
                return next(iter(owners))
        return found

    def _find_whole(self, raw: str) -> object | None:
        text = _key(raw)
        if not text:
            return None
        for candidate in (text, *(text[len(p) :] for p in self.prefixes if text.startswith(p))):
            found = self._variants.get(candidate)
            if found is not None:
                return found
            for form in self._forms(candidate) | {candidate + a for a in self.affixes}:
                found = self._variants.get(form)
                if found is not None:
                    return found
        return None

    def suggest(self, raw: str, n: int = 3) -> list[str]:
        return difflib.get_close_matches(compact(raw), list(self.names), n=n, cutoff=0.4)

    def explain(self, what: str, raw: str) -> str:
        owners = self._parts.get(_NOTE.sub("", _key(raw)), {})
        if len(owners) > 1:
            return f"{what}“{raw}”可指{len(owners)}项：{'、'.join(owners.values())}，请写明是哪一项"
        hints = self.suggest(raw)
        tail = f"，您是不是要找：{'、'.join(hints)}？" if hints else "，请核对名称。"
        return f"{what}“{raw}”不在本台账中{tail}"
