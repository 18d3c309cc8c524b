"""The chain head this PC last saw, kept outside the database (issue 13).

A database whose audit chain was cut short and whose head row was rewritten to match looks whole
from the inside. Each PC therefore remembers, per ledger, the highest (seq, hash) it has seen, in
the per-user data folder beside the audit keys; `verify` and restore compare the database with it.
The file is small JSON written atomically; a missing or unreadable file means "nothing seen yet".
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Seen:
    seq: int
    hash: str
    # When an older backup was restored on purpose: backups made before then are history, not a
    # head the ledger must still reach (ledger/verify.py).
    restored_at: str = ""


def anchor_path(key_dir: Path, ledger_uuid: str) -> Path:
    return key_dir / f"{ledger_uuid}.head.json"


def load(key_dir: Path, ledger_uuid: str) -> Seen | None:
    try:
        data = json.loads(anchor_path(key_dir, ledger_uuid).read_text(encoding="utf-8"))
        return Seen(int(data["seq"]), str(data["hash"]), str(data.get("restored_at", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(key_dir: Path, ledger_uuid: str, seq: int, hash_: str) -> None:
    """Record (seq, hash) if it is beyond what this PC saw before. Never raises: a PC that cannot
    write its data folder still works, it only loses this extra check."""
    seen = load(key_dir, ledger_uuid)
    if seen is None or seen.seq < seq:
        reset(key_dir, ledger_uuid, seq, hash_, seen.restored_at if seen else "")


def reset(key_dir: Path, ledger_uuid: str, seq: int, hash_: str, restored_at: str = "") -> None:
    """Write the remembered head, also backwards (a deliberate restore of an older backup)."""
    path = anchor_path(key_dir, ledger_uuid)
    tmp = path.with_name(path.name + ".tmp")
    try:
        key_dir.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"seq": seq, "hash": hash_, "restored_at": restored_at}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
