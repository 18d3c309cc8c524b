"""The quick-search indexes of the ledger view (SQLite only; migrations 0002 and 0015).

`case_search`: one FTS5 trigram row per case (rowid = case id) holding its number, the household
head's name (or 村级 and the village's name), the named member's name and its description; it
answers terms of three characters or more.
`case_search_grams`: the same text but the number, as every letter or digit and every pair of
adjacent ones (漏雨 → 漏 雨 漏雨), one token each, so a one- or two-character term (漏雨, 开裂, 参保,
a surname) is one token lookup — FTS5's trigram tokenizer never matches shorter terms. Built with
detail=none: a term is one token, so no positions are needed (the index stays small).
The application writes these rows in the same transaction as the case, because
`trusted_schema=OFF` (ENGINEERING.md) forbids triggers from writing to virtual tables.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement, select, text
from sqlalchemy.orm import Session

# A village-level problem (no household) is indexed under 村级 and its village's name; a problem
# naming a family member also under the member's name.
_BODY = (
    "c.number || char(10) || coalesce(h.head_name, '村级 ' || coalesce(r.name, '')) || char(10) || "
    "coalesce(m.name, '') || char(10) || c.description"
)

_DELETE_RANGE = text("DELETE FROM case_search WHERE rowid BETWEEN :first AND :last")
_INSERT_RANGE = text(
    f"INSERT INTO case_search (rowid, body) SELECT c.id, {_BODY} FROM cases c "
    "LEFT JOIN households h ON h.id = c.household_id LEFT JOIN members m ON m.id = c.member_id "
    "LEFT JOIN regions r ON r.id = c.village_id WHERE c.id BETWEEN :first AND :last"
)

MIN_TRIGRAM = 3  # FTS5's trigram tokenizer never matches shorter terms

GRAMS_TABLE = "case_search_grams"
GRAMS_DDL = (
    f"CREATE VIRTUAL TABLE {GRAMS_TABLE} USING fts5(body, tokenize = 'unicode61 remove_diacritics 0', "
    "detail = none, columnsize = 0)"
)
_GRAMS_TEXT = (
    "coalesce(h.head_name, '村级 ' || coalesce(r.name, '')) || char(10) || coalesce(m.name, '') || char(10) || "
    "c.description"
)
GRAMS_SOURCE = (
    f"SELECT c.id, {_GRAMS_TEXT} FROM cases c "
    "LEFT JOIN households h ON h.id = c.household_id LEFT JOIN members m ON m.id = c.member_id "
    "LEFT JOIN regions r ON r.id = c.village_id"
)
_GRAMS_RANGE = text(GRAMS_SOURCE + " WHERE c.id BETWEEN :first AND :last")
_GRAMS_DELETE = text(f"DELETE FROM {GRAMS_TABLE} WHERE rowid BETWEEN :first AND :last")
GRAMS_INSERT = f"INSERT INTO {GRAMS_TABLE} (rowid, body) VALUES (?, ?)"


def grams(body: str | None) -> str:
    """Every letter or digit of `body` and every pair of adjacent ones, as space-separated tokens
    (NFKC, lower case): 房屋漏雨 → 房 屋 房屋 漏 屋漏 雨 漏雨."""
    tokens: list[str] = []
    previous = ""
    for ch in unicodedata.normalize("NFKC", body or "").lower():
        if ch.isalnum():
            tokens.append(ch)
            if previous:
                tokens.append(previous + ch)
            previous = ch
        else:
            previous = ""
    return " ".join(tokens)


def gram_query(term: str) -> str | None:
    """The FTS5 query finding a term of one or two letters/digits in case_search_grams, or None
    when the term is not such (punctuation, a space)."""
    word = unicodedata.normalize("NFKC", term).lower()
    if not 1 <= len(word) < MIN_TRIGRAM or not all(ch.isalnum() for ch in word):
        return None
    return fts_phrase(word)


def index_cases(session: Session, first_id: int, last_id: int) -> None:
    """(Re)write the search rows of cases first_id..last_id."""
    if session.get_bind().dialect.name != "sqlite":
        return
    params = {"first": first_id, "last": last_id}
    session.execute(_DELETE_RANGE, params)
    session.execute(_INSERT_RANGE, params)
    session.execute(_GRAMS_DELETE, params)
    known: dict[str, str] = {}  # a line's grams: names and descriptions repeat over a bulk import
    for part in session.execute(_GRAMS_RANGE, params).partitions(10_000):  # memory stays flat
        rows = [(case_id, _lines_grams(body, known)) for case_id, body in part]
        session.connection().exec_driver_sql(GRAMS_INSERT, rows)


def _lines_grams(body: str | None, known: dict[str, str]) -> str:
    """grams(body), line by line, each line's grams computed once per `known`. The same string:
    a line break is neither a letter nor a digit, so no pair spans it, and NFKC and lower() work
    within each line. On the 100,000 rows of bench/excel.py grams() was 1.5 s of 3.2 s of indexing."""
    parts = []
    for line in (body or "").split("\n"):
        found = known.get(line)
        if found is None:
            found = known[line] = grams(line)
        if found:
            parts.append(found)
    return " ".join(parts)


def reindex(session: Session, which: ColumnElement[bool]) -> None:
    """(Re)write the search rows of the cases `which` selects (a head or a member renamed)."""
    from ledger.models import Case

    for case_id in session.scalars(select(Case.id).where(which)):
        index_cases(session, case_id, case_id)


def fts_phrase(term: str) -> str:
    """A user's words as one FTS5 phrase (quotes doubled, so no query syntax leaks through)."""
    return '"' + term.replace('"', '""') + '"'
