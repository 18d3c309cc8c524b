"""The ledger's columns are declared once (ledger/schema.py); what is derived from the table must
fit the storage and the other places that name a column."""

from __future__ import annotations

import dataclasses
import itertools

from sqlalchemy import String

from ledger import schema, tabular, textrules, workflow
from ledger.dto import LEDGER_COLUMNS, LedgerLine
from ledger.models import Case


def test_every_column_is_a_ledger_line_attribute_and_every_stored_one_a_case_column():
    line_fields = {f.name for f in dataclasses.fields(LedgerLine)}
    assert [code for _label, code in LEDGER_COLUMNS] == [c.code for c in schema.COLUMNS]
    # a plain column rides in LedgerLine.values and reads as an attribute (ledger/dto.py PlainValues)
    assert {c.code for c in schema.COLUMNS if not c.plain} <= line_fields
    assert not {c.code for c in schema.PLAIN} & line_fields
    case_columns = set(Case.__table__.columns.keys())
    assert {c.stored for c in schema.COLUMNS if c.stored} <= case_columns
    assert set(schema.CASE_ONLY_LABELS) <= case_columns
    assert len({c.code for c in schema.COLUMNS}) == len(schema.COLUMNS)


def test_no_heading_of_an_imported_workbook_can_mean_two_columns():
    seen: dict[str, str] = {}
    for code, headings in tabular.SYNONYMS.items():
        for heading in headings:
            key = tabular.label_key(heading)
            assert seen.setdefault(key, code) == code, f"“{heading}” would mean both {seen[key]} and {code}"
    # the canonical heading of every imported column is among its own headings
    for column in schema.COLUMNS:
        if column.headings is not None:
            assert column.headings[0] == column.label


def test_a_text_limit_fits_the_database_column_that_stores_it():
    for column in schema.COLUMNS:
        if column.text is None or column.stored is None:
            continue
        sql_type = Case.__table__.columns[column.stored].type
        if isinstance(sql_type, String) and sql_type.length is not None:
            assert column.text.limit <= sql_type.length, column.code
        assert textrules.RULES[column.stored].limit == column.text.limit
        assert textrules.RULES[column.stored].label == column.label


def test_the_header_groups_cover_the_columns_in_order_without_gaps():
    groups = schema.header_groups()
    assert groups[0][1] == 0 and groups[-1][2] == len(schema.COLUMNS) - 1
    for (_a, _first, last), (_b, first, _last) in itertools.pairwise(groups):
        assert first == last + 1
    assert len({name for name, _f, _l in groups}) == len(groups)  # a group is never split


def test_messages_name_every_stored_field_in_chinese():
    for attribute in [c.stored for c in schema.COLUMNS if c.stored] + list(schema.CASE_ONLY_LABELS):
        label = workflow.FIELD_LABELS[attribute]
        assert label and all("\u4e00" <= ch <= "\u9fff" or ch in "/（）" for ch in label), (attribute, label)
