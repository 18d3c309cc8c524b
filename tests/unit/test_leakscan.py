"""The output scan itself can fail: it finds a full ID number or phone, and ignores masked ones,
case numbers and hashes."""

from __future__ import annotations

from ledger.ids import with_check_digit
from reports.xlsx import Workbook
from tests.leakscan import Outputs, leaks


def test_full_numbers_are_found_and_masked_ones_are_not():
    number = with_check_digit("99010119800101123")
    assert leaks(f"户主 {number} 电话 13800001234") == [number, "13800001234"]
    assert leaks("9901**********1234 138****1234 990101-2026-000001 " + "a1" * 32) == []
    assert leaks(number[:-1] + ("0" if number[-1] != "0" else "1")) == []  # not a valid ID number
    # the footer's 审计链头 is 16 hex characters: 11 decimal digits in a row there are not a phone
    assert leaks("审计链头：第 7 号 a13891631208c4e2") == []
    assert leaks("审计链头：第 7 号 a13891631208c4e2 电话13891631208") == ["13891631208"]


def test_a_workbook_with_a_full_number_fails_the_scan(tmp_path):
    outputs = Outputs()
    number = with_check_digit("99010119800101123")
    for name, full in (("泄露.xlsx", False), ("授权.xlsx", True)):
        with Workbook(tmp_path / name, full_numbers=full) as book:
            book.add_sheet("台账").append(["王五", number])
        outputs.files.append((tmp_path / name, full))
    read, problems = outputs.scan()
    assert read == 1 and len(problems) == 1 and "泄露.xlsx" in problems[0] and number in problems[0]
    (tmp_path / "泄露.xlsx").unlink()  # the session's own scan (tests/conftest.py) must not trip over it
