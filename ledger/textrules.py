"""Limits on free-text fields, in one table (issue 13 item 6; docs/decisions.md "Text field limits").

Names are one line of at most 50 characters; long text (description, measures, progress notes)
at most 2,000; remarks, opinions and reasons at most 1,000. NUL and the other control characters
are refused everywhere (a name may not even hold a newline or a tab; long text may). Nothing is
ever cut: the services and the Excel import refuse the input with a Chinese message naming the
field. Pure functions: no database, no Qt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from ledger import schema
from ledger.errors import ValidationError
from ledger.schema import LONG, NAME, NOTE


@dataclass(frozen=True)
class TextRule:
    label: str
    limit: int  # characters (code points)
    multiline: bool  # newline and tab allowed


# Keys are the names the services and the import use for these values: the ledger's columns
# (ledger/schema.py) and the texts of sign-offs, progress and members.
RULES: dict[str, TextRule] = {
    **{key: TextRule(label, t.limit, t.multiline) for key, (label, t) in schema.text_limits().items()},
    "member_name": TextRule("家庭成员姓名", NAME, False),
    "signer_name": TextRule("签字人姓名", NAME, False),
    "progress": TextRule("进度内容", LONG, True),
    "opinion": TextRule("意见", NOTE, True),
    "reason": TextRule("理由", NOTE, True),
}

# Unicode category Cc is exactly U+0000–U+001F and U+007F–U+009F; a line may not hold the line and
# paragraph separators either. One regex search per value (the import checks every cell).
_CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # newline, CR and tab allowed


def _has_control(text: str, multiline: bool) -> bool:
    return (_CONTROL_IN_TEXT if multiline else _CONTROL_IN_LINE).search(text) is not None


def problem(field: str, value: object, label: str | None = None) -> str | None:
    """The Chinese reason `value` is not acceptable for `field`, or None."""
    rule = RULES.get(field)
    if rule is None or not isinstance(value, str):
        return None
    name = label or rule.label
    if _has_control(value, rule.multiline):
        what = "换行、制表符或" if not rule.multiline else ""
        return f"“{name}”含有{what}不可见的控制字符（可能是从其他软件复制带入的），请删除后重新填写"
    if len(value) > rule.limit:
        return f"“{name}”最多{rule.limit}个字，现为{len(value)}个字，请精简后重新填写"
    return None


def problems(values: Mapping[str, object]) -> list[str]:
    """Every broken text rule among `values` (keys not in RULES are ignored)."""
    return [p for f, v in values.items() if (p := problem(f, v)) is not None]


def labelled_problems(values: Mapping[str, object], labels: Mapping[str, str]) -> list[str]:
    """As problems(), naming each field by `labels` (e.g. the column names of an import)."""
    return [p for f, v in values.items() if (p := problem(f, v, labels.get(f))) is not None]


def require(values: Mapping[str, object]) -> None:
    """Raise ValidationError listing every broken text rule."""
    found = problems(values)
    if found:
        raise ValidationError(found)


def search_term(raw: str) -> str:
    """A quick-search text made safe to send to the database: NFKC, control characters (NUL, which
    PostgreSQL refuses in a text parameter, and the like) made spaces, trimmed."""
    text = unicodedata.normalize("NFKC", raw or "")
    return _ANY_CONTROL.sub(" ", text).strip()
