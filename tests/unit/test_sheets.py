"""Hostile and broken files are refused quickly, before python-calamine parses them, each with a
clear Chinese message: one test per limit. And the messy-cell readers (dates, labels, names)."""

from __future__ import annotations

import datetime as dt
import struct
import time
import zipfile

import openpyxl
import pytest

from ledger.errors import ValidationError
from ledger.sheets import MAX_ENTRIES, read_table
from ledger.tabular import BadValue, Matcher, detect_layout, field_for, normal_text, parse_date
from reports.xlsx import Workbook


def good_workbook(path):
    with Workbook(path, full_numbers=True) as book:  # an input: its ID number is meant to be whole
        sheet = book.add_sheet("台账")
        sheet.append(["户主姓名", "身份证号", "问题描述"])
        sheet.append(["王五", "990101197001010012", "漏雨"])
    return path


def rewrite(path, name, change):
    """Copy the package with one entry's bytes changed."""
    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            zout.writestr(info.filename, change(data) if info.filename == name else data)
    return path


def refused(path, *words):
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        read_table(path)
    assert time.perf_counter() - started < 5
    for word in words:
        assert word in str(caught.value), str(caught.value)
    return str(caught.value)


def test_a_good_workbook_reads(tmp_path):
    table = read_table(good_workbook(tmp_path / "好.xlsx"))
    assert table.sheet == "台账" and table.rows[1] == ["王五", "990101197001010012", "漏雨"]
    assert len(table.sha256) == 64 and table.formulas == set()


def test_not_a_zip(tmp_path):
    (tmp_path / "坏.xlsx").write_bytes(b"this is not a workbook at all")
    refused(tmp_path / "坏.xlsx", "不是有效的 Excel 工作簿")


def test_legacy_xls_and_et_name_the_fix(tmp_path):
    for name in ("旧.xls", "金山.et"):
        (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
        refused(tmp_path / name, "另存为", ".xlsx")


def test_too_many_zip_entries(tmp_path):
    path = good_workbook(tmp_path / "多.xlsx")
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(MAX_ENTRIES):
            zf.writestr(f"xl/media/x{i}.bin", b"")
    refused(path, "个文件", "上限")


def test_declared_uncompressed_size_too_large(tmp_path):
    path = good_workbook(tmp_path / "大.xlsx")
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)  # uncompressed size of the first entry
    path.write_bytes(bytes(data))
    refused(path, "解压后将有", "GB")


def test_zip_bomb_ratio(tmp_path):
    path = good_workbook(tmp_path / "炸弹.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/zeros.bin", b"\x00" * (8 * 1024 * 1024))
    refused(path, "压缩比异常")


def test_entity_declarations_are_refused(tmp_path):
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    path = good_workbook(tmp_path / "实体.xlsx")
    path = rewrite(path, "xl/workbook.xml", lambda d: laughs + d[d.find(b"<workbook") :])
    refused(path, "实体声明")
    path = rewrite(
        good_workbook(tmp_path / "实体2.xlsx"),
        "xl/worksheets/sheet1.xml",
        lambda d: laughs + d[d.find(b"<worksheet") :],
    )
    refused(path, "实体声明")


def test_too_many_rows_or_columns(tmp_path):
    far_row = rewrite(
        good_workbook(tmp_path / "行.xlsx"),
        "xl/worksheets/sheet1.xml",
        lambda d: d.replace(b"</sheetData>", b'<row r="250000"><c r="A250000" t="n"><v>1</v></c></row></sheetData>'),
    )
    refused(far_row, "行的上限")
    far_col = rewrite(
        good_workbook(tmp_path / "列.xlsx"),
        "xl/worksheets/sheet1.xml",
        lambda d: d.replace(b"</sheetData>", b'<row r="3"><c r="ZZ3" t="n"><v>1</v></c></row></sheetData>'),
    )
    refused(far_col, "列的上限")
    declared = rewrite(
        good_workbook(tmp_path / "声明.xlsx"),
        "xl/worksheets/sheet1.xml",
        lambda d: d.replace(b"<sheetViews>", b'<dimension ref="A1:XFD1048576"/><sheetViews>'),
    )
    refused(declared, "声明的范围超过上限")


def test_formula_cells_are_found(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户主姓名", "身份证号", "问题描述"])
    ws.append(["王五", "990101197001010012", '=A2&"家漏雨"'])
    wb.save(tmp_path / "公式.xlsx")
    assert read_table(tmp_path / "公式.xlsx").formulas == {(1, 2)}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-10-15", dt.date(2021, 10, 15)),
        ("2021/10/15", dt.date(2021, 10, 15)),
        ("2021.10.15", dt.date(2021, 10, 15)),
        ("2021年10月15日", dt.date(2021, 10, 15)),
        ("２０２１年１０月１５日", dt.date(2021, 10, 15)),
        ("20211015", dt.date(2021, 10, 15)),
        (44484.0, dt.date(2021, 10, 15)),
        (dt.datetime(2021, 10, 15, 8, 30), dt.date(2021, 10, 15)),
        ("", None),
    ],
)
def test_dates_in_the_forms_clerks_type(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2021-02-30", "下周", "2021年13月1日", 99999999.0])
def test_not_dates(raw):
    with pytest.raises(BadValue):
        parse_date(raw)


def test_labels_and_text_normalisation():
    assert field_for("公民身份号码") == "head_id"
    assert field_for(" 户主\n姓名 ") == "head_name"
    assert field_for("整改时限（必填）*") == "deadline"
    assert field_for("完成时限") == "deadline" and field_for("完成时间") == "completion_date"
    assert normal_text("１２３ＡＢ\u3000") == "123AB"
    assert normal_text("墙体开裂，屋面漏雨（严重）") == "墙体开裂，屋面漏雨（严重）"  # Chinese punctuation kept
    assert normal_text(12.0) == "12"


def test_matcher_variants_and_suggestions():
    towns = Matcher({"城关镇": 1, "河西乡": 2}, ("镇", "乡", "街道"), ("示例县",))
    assert towns.find("城关") == 1 and towns.find("示例县河西乡") == 2 and towns.find(" 城 关 镇 ") == 1
    assert towns.find("城光镇") is None and towns.suggest("城光镇") == ["城关镇"]


def test_two_row_header_with_merged_cells():
    rows = [
        ["某县问题台账", "", "", ""],
        ["序号", "户主信息", "", "问题描述"],
        ["", "姓名", "身份证号", ""],
        [1, "王五", "990101197001010012", "漏雨"],
    ]
    layout = detect_layout(rows, [((1, 1), (1, 2)), ((1, 0), (2, 0)), ((1, 3), (2, 3))])
    assert layout is not None and layout.header_rows == (1, 2) and layout.data_start == 3
    assert layout.labels == ("序号", "姓名", "身份证号", "问题描述")
    assert layout.mapping == {0: "seq", 1: "head_name", 2: "head_id", 3: "description"}
    assert layout.title == "某县问题台账"
