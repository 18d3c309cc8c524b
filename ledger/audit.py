"""The audit log: append-only events chained with HMAC-SHA256.

Each event's hash is HMAC(key, previous hash + canonical event). The key lives in a file outside the
database (ledger/paths.key_dir), so someone who can edit the database cannot recompute the chain.
Database triggers refuse UPDATE and DELETE on the events (see the initial migration). Verification
walks the chain and names the first event that is missing, out of order or altered; the chain head
is printed on reports and stored in backup manifests, so a truncated tail is detectable too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import StorageError
from ledger.events import EVENT_NAMES
from ledger.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _json_default(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def key_path(key_dir: Path, ledger_uuid: str) -> Path:
    return key_dir / f"{ledger_uuid}.key"


def create_key(key_dir: Path, ledger_uuid: str) -> bytes:
    """A fresh 256-bit key, written atomically and readable by the owner only."""
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_path(key_dir, ledger_uuid)
    key = secrets.token_bytes(32)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return key


def key_problem(key_dir: Path, ledger_uuid: str) -> tuple[bytes | None, str | None]:
    """The ledger's key, or None and what is wrong with its file (one Chinese sentence)."""
    path = key_path(key_dir, ledger_uuid)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None, f"找不到本台账的审计密钥文件（{path}）。"
    except (OSError, UnicodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else "文件内容无法识别"
        return None, f"无法读取本台账的审计密钥文件（{path}：{reason}）。"
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if not key:  # an empty key would "work" and sign nothing anyone could check
        return None, f"本台账的审计密钥文件已损坏（{path}）。"
    return key, None


def load_key(key_dir: Path, ledger_uuid: str) -> bytes:
    key, problem = key_problem(key_dir, ledger_uuid)
    if key is None:
        raise StorageError(f"{problem}没有密钥无法写入或校验审计日志，请从本机备份中恢复该密钥文件，或联系系统管理员。")
    return key


def event_hash(key: bytes, prev_hash: str, fields: list[object]) -> str:
    message = (prev_hash + "\n" + canonical_json(fields)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _fields(e: AuditEvent) -> list[object]:
    return [e.seq, e.at, e.actor_id, e.actor_name, e.action, e.entity, e.entity_id, e.case_id, e.payload]


@dataclass(frozen=True)
class AuditActor:
    id: int | None
    name: str


SYSTEM = AuditActor(None, "系统")


def append(
    session: Session,
    key: bytes,
    now: dt.datetime,
    actor: AuditActor,
    action: str,
    entity: str,
    entity_id: int | None,
    payload: dict[str, Any],
    case_id: int | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction. The head row is locked (FOR UPDATE on
    PostgreSQL; SQLite writers already hold the write lock), so concurrent appends serialise."""
    if action not in EVENT_NAMES:  # our bug: the code would reach 系统管理 and histories unnamed
        raise RuntimeError(f"audit event {action!r} is not a member of ledger.events.Event")
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    event = AuditEvent(
        seq=head.seq + 1,
        at=now.isoformat(timespec="microseconds"),
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        entity=entity,
        entity_id=entity_id,
        case_id=case_id,
        payload=canonical_json(payload),
        prev_hash=head.hash,
        hash="",
    )
    event.hash = event_hash(key, head.hash, _fields(event))
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None = None
    problem: str = ""


def verify_chain(
    session: Session,
    key: bytes,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ChainReport:
    """Walk the whole chain; stop at the first broken event and name it."""
    prev_seq, prev_hash, count = 0, GENESIS, 0

    def broken(seq: int, problem: str) -> ChainReport:
        return ChainReport(False, count, prev_seq, prev_hash, seq, problem)

    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=5000))
    for event in rows.scalars():
        expected = prev_seq + 1
        if event.seq != expected:
            return broken(expected, f"审计日志第 {expected} 号事件缺失（已被删除或插入了编号不连续的事件）")
        if event.prev_hash != prev_hash:
            return broken(event.seq, f"审计日志第 {event.seq} 号事件与前一事件不衔接（事件被删除、插入或调换了顺序）")
        if not hmac.compare_digest(event_hash(key, prev_hash, _fields(event)), event.hash):
            return broken(event.seq, f"审计日志第 {event.seq} 号事件的内容被改动（{event.action}，{event.at}）")
        prev_seq, prev_hash = event.seq, event.hash
        count += 1
        if progress and count % 5000 == 0:
            progress(count)
        if cancelled and cancelled():
            return ChainReport(False, count, prev_seq, prev_hash, None, "校验已取消")
    head = session.get(AuditHead, 1)
    if head is None or head.seq != prev_seq or head.hash != prev_hash:
        missing_from = prev_seq + 1
        return ChainReport(
            False,
            count,
            prev_seq,
            prev_hash,
            missing_from,
            f"审计日志在第 {prev_seq} 号事件之后被截断（链头记录为第 {head.seq if head else '?'} 号）",
        )
    return ChainReport(True, count, prev_seq, prev_hash)
