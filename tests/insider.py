"""What an insider with a SQL tool does behind the program's back: statements on the ledger file
through a connection of their own (no program, no audit key), and a look at the result."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def sql(db: Path, *statements: str) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def one(db: Path, query: str):
    con = sqlite3.connect(db)
    try:
        return con.execute(query).fetchone()
    finally:
        con.close()
