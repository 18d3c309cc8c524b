"""Resident identity numbers (GB 11643-1999) through python-stdnum's `stdnum.cn.ric`.

We check length, digits, the check character and a real birth date. We deliberately do not
require the first six digits to name a current administrative division: codes are abolished and
merged over the years, and a household keeps the number it was issued.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from stdnum.cn import ric

from ledger.errors import ValidationError

_SEPARATORS = re.compile(r"[\s-]+")


def normalize(raw: str) -> str:
    """NFKC (full-width digits, letters and spaces), drop spaces and dashes, upper-case the X."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()


def _birth_date_or_error(number: str, today: dt.date) -> dt.date:
    try:  # digits 7–14 (stdnum's get_birth_date, without cleaning the number a second time)
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(f"身份证号 {mask(number)} 的出生日期 {number[6:14]} 不是有效日期") from None
    if born.year < 1900 or born > today:
        raise ValidationError(f"身份证号 {mask(number)} 的出生日期 {born:%Y-%m-%d} 不合理")
    return born


def validate_id(raw: str, *, today: dt.date | None = None) -> str:
    """Return the canonical 18-character number, or raise ValidationError with a Chinese reason.

    15-digit legacy numbers are converted (insert "19", append the check character).
    """
    today = today or dt.date.today()
    number = normalize(raw)
    if not number:
        raise ValidationError("身份证号不能为空")
    if len(number) == 15 and number.isdigit():
        body = number[:6] + "19" + number[6:]
        number = body + ric.calc_check_digit(body + "0")
    if len(number) != 18:
        raise ValidationError(f"身份证号应为18位，现为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("身份证号前17位应为数字，末位应为数字或X")
    _birth_date_or_error(number, today)
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise ValidationError(f"身份证号 {mask(number)} 校验位错误（末位应为 {expected}），请核对后重新录入")
    return number


def as_id_number(raw: str) -> str | None:
    """The canonical number when `raw` is a valid ID number, else None (for search boxes)."""
    try:
        return validate_id(raw)
    except ValidationError:
        return None


def birth_date(number: str) -> dt.date:
    return ric.get_birth_date(number)


def with_check_digit(first17: str) -> str:
    """Complete 17 digits with their check character (used by the demo generator)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def mask(number: str | None) -> str:
    """1101**********1234 — the form lists, printouts and exports show by default."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str | None) -> str:
    """张*, 王*国, 欧阳**明 — a name as a notice posted in public shows it."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """138****5678."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


# An 18-character run that is a resident ID number (valid check character), and a mainland mobile
# number, inside free text (description, measures, remarks, opinions, progress notes).
_ID_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")  # both patterns need a run of at least 11 digits


def _mask_id_run(match: re.Match[str]) -> str:
    run = match.group()
    return mask(run) if ric.calc_check_digit(run) == run[-1].upper() else run


def mask_free_text(text: str | None) -> str:
    """Free text with ID numbers and mobile numbers masked as the ID and phone columns are
    (1101**********1234, 138****5678): for every output written without the unmask right."""
    if not text:
        return ""
    if not _ELEVEN_DIGITS.search(text):  # the common case: one scan instead of two substitutions
        return text
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), _ID_IN_TEXT.sub(_mask_id_run, text))
