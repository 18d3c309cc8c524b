"""The quick-search indexes (ledger/search.py) as the ledger view's queries read them: which index
answers a term, how many cases it matches, and the first matches in a sort's order read from the
first cases in that order only."""

from __future__ import annotations

import math

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger import ids
from ledger.search import GRAMS_TABLE, MIN_TRIGRAM, fts_phrase, gram_query

Match = tuple[str, str]  # (the index table, its FTS5 query)
WIDE = 100_000  # a range of ids always narrow enough: ~7,000 matches of a phrase in 14 (3 ms)


def index_match(dialect: str, term: str) -> Match | None:
    """The search index answering `term` and its FTS5 query, or None (not SQLite; an ID number)."""
    if dialect != "sqlite" or ids.as_id_number(term) is not None:
        return None
    if len(term) < MIN_TRIGRAM:
        query = gram_query(term)
        return None if query is None else (GRAMS_TABLE, query)
    return "case_search", fts_phrase(term)


def index_hits(s: Session, found: Match) -> int:
    """How many cases the index matches: one row per case (rowid = case id, written in the case's own
    transaction; cases are never deleted). 墙体开裂 at 1,000,000 cases: 11 ms."""
    table, phrase = found
    return int(s.scalar(text(f"SELECT count(*) FROM {table} WHERE {table} MATCH :q").bindparams(q=phrase)) or 0)


def first_in_order(s: Session, found: Match, keys: list[str], descending: bool, need: int) -> list[int] | None:
    """The first `need` cases the index matches in the order of the cases' columns `keys` (a total
    order), or None when this way would not be the cheaper one.

    Only the first `chunk` cases in that order are taken, so when `need` of them match they are the
    first `need` matches, whatever the data. It is cheap when those cases' ids lie in a narrow range:
    the index is read for that range of rowids only. Numbers, and deadlines from the oldest, follow
    the order cases are recorded: 墙体开裂 at 1,000,000 cases, 200 by number from the newest, reads
    4,000 index entries and ~300 matches (4.4 ms), where testing each case in order against all
    73,466 matches (the walk) takes 29 ms; from the oldest deadline, 11 ms against 27. A range wider
    than an eighth of the ids (and than `WIDE`) is left to the walk: numbers from the oldest (2025's
    and 2026's interleave: 36 ms against 29), 发现时间 from the newest (27% of the ids: 40 against 30).
    A phrase rarer among the first cases takes a second, larger chunk: 王 (1.9% of the cases) ~2–5 ms
    more than the walk."""
    table, query = found
    way = " DESC" if descending else ""
    order = ", ".join(k + way for k in keys)
    first = f"SELECT {', '.join(dict.fromkeys(['id', *keys]))} FROM cases ORDER BY {order} LIMIT :chunk"
    # one statement: the chunk is read once; a range too wide is made empty (high below low), so the
    # index is not read at all and nothing is found
    sql = text(
        f"WITH top AS MATERIALIZED ({first}), edge AS MATERIALIZED (SELECT min(id) AS low, CASE WHEN "
        "max(id) - min(id) > max((SELECT max(id) FROM cases) / 8, :wide) THEN min(id) - 1 ELSE max(id) END "
        f"AS high FROM top) SELECT id FROM top WHERE id IN (SELECT rowid FROM {table} WHERE {table} MATCH :q "
        f"AND rowid BETWEEN (SELECT low FROM edge) AND (SELECT high FROM edge)) ORDER BY {order} LIMIT :need"
    )
    chunk = 20 * need  # a page of 200 at one match in 14 (墙体开裂): ~290 found in 4,000
    for _ in range(2):
        asked = {"chunk": chunk, "q": query, "wide": WIDE, "need": need}
        found_ids = [int(i) for i in s.scalars(sql, asked)]
        if len(found_ids) >= need:
            return found_ids
        if not found_ids:
            return None
        chunk = math.ceil(chunk * need / len(found_ids) * 1.25)  # one larger chunk, from the matches seen
        if chunk > 16 * 20 * need:  # the matches are sparse among the first cases: the walk reads fewer
            return None
    return None
