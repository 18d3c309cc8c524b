"""The office's settings for its 督办函 (letters to departments), kept in the ledger's meta table:
the 机关代字 of the 发文字号 (代字〔2026〕3号), the 联系人 and 联系电话 printed under the letter, and
the 抄送 line of the 版记. Set by a 系统管理员 or 县级统筹员; every change is an audit event
("settings.letter"). A number once issued under a 代字 stays in that 代字's series: a new 代字 starts
its own series (ledger/services/serials.py), so no number is ever printed twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.errors import PermissionDenied, ValidationError
from ledger.models import Meta

if TYPE_CHECKING:
    from ledger.dto import Actor
    from ledger.facade import Ledger

DEFAULT_CC = "县巩固拓展脱贫攻坚成果领导小组各成员单位。"
KEYS = {"code": "letter_code", "contact": "letter_contact", "phone": "letter_phone", "cc": "letter_cc"}
MAY_SET = frozenset({"admin", "coordinator"})
_CODE = re.compile(r"^[\u4e00-\u9fff]{1,12}$")
_PHONE = re.compile(r"^[0-9０-９\-－ ()（）转,，、]{0,40}$")


@dataclass(frozen=True)
class LetterSettings:
    code: str  # "" = the default (county[:2] + 整改督)
    contact: str  # "" = the printing account's name
    phone: str  # "" = a blank line the clerk fills in
    cc: str  # the 抄送 organs, ending with 。

    def code_for(self, county: str) -> str:
        return self.code or f"{county[:2]}整改督"


def read(lg: Ledger) -> LetterSettings:
    return LetterSettings(
        code=lg.meta(KEYS["code"], ""),
        contact=lg.meta(KEYS["contact"], ""),
        phone=lg.meta(KEYS["phone"], ""),
        cc=lg.meta(KEYS["cc"], "") or DEFAULT_CC,
    )


def _clean(field: str, value: str) -> str:
    value = value.strip()
    if field == "code":
        if not _CODE.match(value):
            raise ValidationError(f"机关代字应为1至12个汉字（不含数字、字母和标点），如“示整改督”；“{value}”不符合")
    elif field == "contact":
        if not value or len(value) > 20 or any(ch in value for ch in "，。、；：（）()\n"):
            raise ValidationError("联系人应为1至20个字的姓名，不含标点")
    elif field == "phone":
        if not value or not _PHONE.match(value) or not any(ch.isdigit() for ch in value):
            raise ValidationError("联系电话只能由数字、短横线、括号和“转”组成，如“0000-1234567”")
    elif field == "cc":
        value = value.rstrip("。.；;，,、 ")
        if not value or len(value) > 200:
            raise ValidationError("抄送单位应为1至200个字，多个单位用顿号分隔")
        value += "。"
    return value


def update(lg: Ledger, actor: Actor | None, **changes: str | None) -> dict[str, str]:
    """Set the given settings (code, contact, phone, cc; None = leave as is); returns what was
    stored. Refused in Chinese when a value is malformed or the account may not set them."""
    lg.refuse_if_read_only()
    wanted = {k: _clean(k, v) for k, v in changes.items() if v is not None}
    unknown = set(wanted) - set(KEYS)
    if unknown:
        raise ValueError(f"unknown letter settings: {sorted(unknown)}")
    if not wanted:
        raise ValidationError("请至少给出一项督办函设置")
    with lg.unit_of_work() as s:
        actor = lg.authority(s, actor)
        if not actor.roles & MAY_SET:
            raise PermissionDenied("只有系统管理员或县级统筹员可以设置督办函的机关代字、联系人、电话和抄送单位")
        payload = {}
        for field, value in wanted.items():
            row = s.get(Meta, KEYS[field])
            old = row.value if row is not None else ""
            if row is None:
                s.add(Meta(key=KEYS[field], value=value))
            else:
                row.value = value
            payload[KEYS[field]] = {"old": old, "new": value}
        lg.record(s, actor, "settings.letter", "meta", None, payload)
    return wanted
