"""The columns of a household roster (the national monitoring system's household/member export, one
row per person) and finding its header: the same normalisation and township synonyms as the case
import (ledger/tabular.py), with a roster's own meaning of 姓名 (the person on the row, not the head).
Pure functions: ledger/services/household_import.py applies them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from ledger.tabular import SYNONYMS, Layout, detect_layout, label_key, parse_date

ROSTER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": SYNONYMS["seq"],
    "county": SYNONYMS["county"],
    "code": ("户编号", "户码", "户号", "农户编号", "家庭编号", "户ID"),
    "township": SYNONYMS["township"],
    "village": SYNONYMS["village"],
    "group": SYNONYMS["group"],
    "head_name": ("户主姓名", "户主", "户主名"),
    "head_id": ("户主身份证号", "户主身份证号码", "户主证件号码", "户主公民身份号码"),
    "name": ("姓名", "成员姓名", "人员姓名", "家庭成员姓名"),
    "id_number": ("证件号码", "身份证号", "身份证号码", "公民身份号码", "成员身份证号", "身份证", "证件号"),
    "relation": ("与户主关系", "与户主的关系", "家庭关系", "关系"),
    "kind": ("户类型", "户属性", "农户类型", "家庭类型", "户别"),
    "monitor_kind": ("监测类型", "监测对象类型", "监测对象类别", "监测户类型", "监测对象类型识别"),
    "risk_type": ("风险类型", "主要风险类型", "致贫返贫风险类型", "返贫致贫风险", "风险"),
    "start_date": ("识别时间", "纳入监测时间", "识别日期", "纳入监测日期", "纳入时间", "识别监测时间"),
    "end_date": ("风险消除时间", "风险消除日期", "消除风险时间", "退出时间"),
    "health": ("健康状况", "健康/残疾状况", "健康状态", "身体状况"),
    "phone": SYNONYMS["phone"],
    "size": SYNONYMS["household_size"],
}
FIELD_LABELS = {
    "seq": "序号",
    "county": "县",
    "code": "户编号",
    "township": "乡镇",
    "village": "村",
    "group": "组",
    "head_name": "户主姓名",
    "head_id": "户主身份证号",
    "name": "姓名",
    "id_number": "证件号码",
    "relation": "与户主关系",
    "kind": "户类型",
    "monitor_kind": "监测类型",
    "risk_type": "风险类型",
    "start_date": "识别时间",
    "end_date": "风险消除时间",
    "health": "健康状况",
    "phone": "联系电话",
    "size": "家庭人口数",
}
# Read for recognising the header, never imported.
IGNORED = frozenset({"seq", "county"})
HEAD_RELATIONS = frozenset({"户主", "本人", "本人(户主)", "户主本人"})
SEPARATORS = re.compile(r"[、,，/／;；\s]+")

_LOOKUP: dict[str, str] = {}
for _field, _labels in ROSTER_SYNONYMS.items():
    for _label in _labels:
        _LOOKUP.setdefault(label_key(_label), _field)


def roster_field(label: object) -> str | None:
    key = label_key(label)
    return _LOOKUP.get(key) if key else None


def detect_roster_layout(
    rows: Sequence[Sequence[object]], merged: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (), scan: int = 30
) -> Layout | None:
    """The roster's header: the case import's header finder (one row, or a group row with merged
    cells above the column names) with the roster's column names."""
    return detect_layout(rows, merged, scan, field=roster_field)


def roster_date(value: object) -> dt.date | None:
    """A date cell (real date, Excel serial, 2026-3-5, 2026/3/5, 2026年3月5日, 20260305); a CSV
    holding a serial number as text (45352) is read as the serial it is."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 5:
        return parse_date(int(value.strip()))
    return parse_date(value)


def split_words(text: str) -> list[str]:
    """A cell holding several values (风险类型 因病、因学 / 因病,因残), each once, in order."""
    out: list[str] = []
    for part in SEPARATORS.split(text):
        if part and part not in out:
            out.append(part)
    return out
