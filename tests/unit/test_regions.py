"""Townships and villages typed at set-up become coded regions; bad lines are all named."""

import pytest

from ledger.errors import ValidationError
from ledger.regions import parse_region_lines


def test_typed_lines_become_numbered_codes():
    rows = parse_region_lines("城关镇：东关村、西关村\n\n河西乡:河西村，河东村\n# 备注行\n新区", "990101")
    assert rows == [
        ("990101001000", "城关镇", None),
        ("990101001001", "东关村", "990101001000"),
        ("990101001002", "西关村", "990101001000"),
        ("990101002000", "河西乡", None),
        ("990101002001", "河西村", "990101002000"),
        ("990101002002", "河东村", "990101002000"),
        ("990101003000", "新区", None),
    ]


def test_coded_lines_are_taken_as_they_are():
    text = "990101005000,石门镇,\n990101005003,石门村,990101005000"
    assert parse_region_lines(text, "990101") == [
        ("990101005000", "石门镇", None),
        ("990101005003", "石门村", "990101005000"),
    ]


def test_every_bad_line_is_named():
    with pytest.raises(ValidationError) as caught:
        parse_region_lines("城关镇：东关村、东关村\n城关镇\n110101005000,外县镇,\n990101005001,,", "990101")
    problems = caught.value.problems
    assert any("第1行有重复的村名" in p for p in problems)
    assert any("第2行的乡镇“城关镇”重复" in p for p in problems)
    assert any("不属于本县" in p for p in problems)
    assert any("第4行缺少名称" in p for p in problems)


@pytest.mark.parametrize("code", ["", "9901", "99010A"])
def test_county_code_must_be_six_digits(code):
    with pytest.raises(ValidationError, match="6位数字"):
        parse_region_lines("城关镇", code)


def test_empty_text_is_refused():
    with pytest.raises(ValidationError, match="至少填写一个乡镇"):
        parse_region_lines("\n  \n", "990101")
