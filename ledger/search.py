"""The quick-search index of the ledger view (SQLite only; see migrations/versions/0002).

One FTS5 trigram row per case (rowid = case id) holding its number, the household head's name (or
村级 and the village's name), the named member's name and its description. The application writes
these rows in the same transaction as the case, because
`trusted_schema=OFF` (ENGINEERING.md) forbids triggers from writing to virtual tables.
"""

from __future__ import annotations

from sqlalchemy import text
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


def index_cases(session: Session, first_id: int, last_id: int) -> None:
    """(Re)write the search rows of cases first_id..last_id."""
    if session.get_bind().dialect.name != "sqlite":
        return
    params = {"first": first_id, "last": last_id}
    session.execute(_DELETE_RANGE, params)
    session.execute(_INSERT_RANGE, params)


def fts_phrase(term: str) -> str:
    """A user's words as one FTS5 phrase (quotes doubled, so no query syntax leaks through)."""
    return '"' + term.replace('"', '""') + '"'
