"""A new ledger file appears whole or not at all (issue 13 item 4).

`demo`, `init` and the window's 示例台账 build a new SQLite ledger under a hidden temporary name in
the target's folder and rename it into place only when complete. A run killed half way leaves no
file under the ledger's name — nothing that exists and cannot open — and its hidden leftovers are
cleared by the next run for the same name. The evidence folder (佐证材料/ beside the file) and the
audit key (named by the ledger's uuid) do not depend on the file name, so the rename moves nothing
else. A server database cannot be renamed into place; there each step is its own transaction.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.errors import StorageError
from ledger.opening import replace_file

SUFFIXES = ("", "-wal", "-shm", "-journal")


def _remove(path: Path) -> None:
    for suffix in SUFFIXES:
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@contextmanager
def creating(target: Path) -> Iterator[Path]:
    """Yield the temporary path to build the ledger in; every connection to it must be closed when
    the block ends. Then the file is made self-contained (no WAL beside it) and renamed to `target`."""
    target = Path(target)
    if target.exists():
        raise StorageError(f"{target} 已存在，不会覆盖。请换一个文件名或先移走它。")
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f".{target.name}.creating-*"):
        if not stale.name.endswith(SUFFIXES[1:]):
            _remove(stale)  # an earlier run was killed before its rename
    temporary = target.with_name(f".{target.name}.creating-{os.getpid()}")
    _remove(temporary)
    try:
        yield temporary
        con = sqlite3.connect(temporary)
        try:
            con.execute("PRAGMA journal_mode=DELETE")  # folds the WAL in; open_ledger sets WAL again
        finally:
            con.close()
        if target.exists():
            raise StorageError(f"{target} 已被另一程序创建，不会覆盖。")
        for suffix in SUFFIXES[1:]:  # an earlier, deleted ledger's journal would be applied to ours
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        replace_file(temporary, target)
    finally:
        _remove(temporary)
