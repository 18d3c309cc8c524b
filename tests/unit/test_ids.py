"""Resident ID numbers (GB 11643-1999), checked against an independent implementation of the
check character written here from the standard."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.errors import ValidationError
from ledger.ids import mask, mask_phone, validate_id

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
TODAY = dt.date(2026, 11, 23)


def check_char(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def make(first17: str) -> str:
    return first17 + check_char(first17)


VALID = make("99010119800101123")


def test_a_valid_number_is_returned_canonical():
    assert validate_id(VALID, today=TODAY) == VALID


def test_lowercase_x_and_spaces_are_accepted():
    number = next(n for n in (make(f"99010119750601{i:03d}") for i in range(1000)) if n.endswith("X"))
    assert validate_id(" " + number[:6] + " " + number[6:-1] + "x ", today=TODAY) == number


def test_full_width_input_is_normalised():
    full = "".join(chr(ord(c) + 0xFEE0) for c in VALID)  # ０-９ and Ｘ
    assert validate_id(full, today=TODAY) == VALID


def test_a_wrong_check_character_is_refused_with_the_right_one_named():
    wrong = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    with pytest.raises(ValidationError, match=f"校验位错误（末位应为 {VALID[-1]}）"):
        validate_id(wrong, today=TODAY)


@pytest.mark.parametrize("birth", ["19800230", "19801301", "19000000"])
def test_an_impossible_birth_date_is_refused(birth):
    with pytest.raises(ValidationError, match="出生日期"):
        validate_id(make("990101" + birth + "123"), today=TODAY)


def test_a_future_birth_date_is_refused():
    with pytest.raises(ValidationError, match="不合理"):
        validate_id(make("99010120270101123"), today=TODAY)


def test_a_15_digit_legacy_number_is_converted():
    legacy = "990101800101123"  # born 1980-01-01, sequence 123
    assert validate_id(legacy, today=TODAY) == make("99010119800101123")


@pytest.mark.parametrize(
    ("raw", "message"),
    [("", "不能为空"), ("12345", "现为5位"), (VALID + "1", "现为19位"), ("99010119800101A23X", "前17位应为数字")],
)
def test_malformed_numbers(raw, message):
    with pytest.raises(ValidationError, match=message):
        validate_id(raw, today=TODAY)


def test_masks():
    assert mask(VALID) == VALID[:4] + "*" * 10 + VALID[-4:]
    assert mask("") == ""
    assert mask_phone("13800001234") == "138****1234"
    assert mask_phone("") == ""
