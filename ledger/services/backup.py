"""Backups through SQLite's online backup API (never a file copy), verified and described by a
manifest: file hash, row counts, audit chain head, schema revision. Restoring is ledger/restore.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine

from ledger.errors import StorageError
from ledger.evidence import EvidenceStore, copy_blobs, evidence_dir_beside
from ledger.opening import EVIDENCE_TAIL, check_path_length, replace_file

if TYPE_CHECKING:
    from ledger.dto import Actor
    from ledger.facade import Ledger
    from ledger.migrate import SchemaStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Manifest:
    file: str
    sha256: str
    size: int
    created_at: str
    ledger_uuid: str
    schema_revision: str
    audit_head_seq: int
    audit_head_hash: str
    counts: dict[str, int]
    evidence_files: int = 0


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".manifest.json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _inspect(path: Path) -> dict[str, Any]:
    """Integrity check and facts of a ledger file; raises StorageError when it is not sound."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = con.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise StorageError(f"备份文件完整性检查未通过：{result[0][0]}")
        if con.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise StorageError("备份文件存在外键不一致")
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        seq, head = con.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        uuid = con.execute("SELECT value FROM meta WHERE key = 'ledger_uuid'").fetchone()[0]
        hashes = [r[0] for r in con.execute("SELECT DISTINCT sha256 FROM evidence")]
        if "supervision_letters" in tables:  # the scanned 书面说明 of 督办函 (0010) live in the same store
            sql = "SELECT DISTINCT reply_sha256 FROM supervision_letters WHERE reply_sha256 IS NOT NULL"
            hashes += [r[0] for r in con.execute(sql) if r[0] not in set(hashes)]
    except sqlite3.DatabaseError as err:
        raise StorageError(f"文件不是有效的台账数据库：{err}") from None
    finally:
        con.close()
    counts.pop("alembic_version", None)
    return {"counts": counts, "revision": revision, "seq": seq, "head": head, "uuid": uuid, "hashes": hashes}


def _copy_evidence(hashes: list[str], source_db: Path, target_db: Path) -> int:
    copied, problems = copy_blobs(
        hashes, EvidenceStore(evidence_dir_beside(source_db)), EvidenceStore(evidence_dir_beside(target_db))
    )
    if problems:
        raise StorageError("佐证材料未能完整复制：" + "；".join(problems[:3]))
    return copied


def sqlite_backup(
    source: Path,
    dest: Path,
    progress: Callable[[int, int], None] | None = None,
    with_evidence: bool = True,
    cancelled: Callable[[], bool] | None = None,
) -> Manifest:
    """Copy a live ledger with the online backup API, verify the copy, write its manifest. The
    evidence files go to 佐证材料/ beside the backup (shared, so later backups there add only
    what is new). A cancelled or failed backup leaves nothing behind."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    part.unlink(missing_ok=True)

    def _progress(_status: int, remaining: int, total: int) -> None:
        if progress:
            progress(total - remaining, total)
        if cancelled and cancelled():
            raise StorageError("备份已取消，未生成备份文件")

    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(part)
        try:
            src.backup(dst, pages=1024, progress=_progress)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            dst.commit()
        finally:
            dst.close()
            src.close()
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    try:
        facts = _inspect(part)
        _fsync(part)
        sha = _sha256(part)
        manifest = Manifest(
            file=dest.name,
            sha256=sha,
            size=part.stat().st_size,
            created_at=dt.datetime.now().isoformat(timespec="seconds"),
            ledger_uuid=facts["uuid"],
            schema_revision=facts["revision"],
            audit_head_seq=facts["seq"],
            audit_head_hash=facts["head"],
            counts=facts["counts"],
            evidence_files=len(facts["hashes"]),
        )
        if with_evidence and evidence_dir_beside(Path(source)) != evidence_dir_beside(dest):
            _copy_evidence(facts["hashes"], Path(source), dest)
        replace_file(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    mpath = manifest_path(dest)
    tmp = mpath.with_name(mpath.name + ".part")
    tmp.write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, mpath)
    return manifest


def read_manifest(backup: Path) -> Manifest:
    try:
        return Manifest(**json.loads(manifest_path(backup).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise StorageError(f"找不到备份说明文件 {manifest_path(backup).name}，无法确认备份完整，不予恢复") from None
    except (ValueError, TypeError) as err:
        raise StorageError(f"备份说明文件已损坏：{err}") from None


def verify_backup(backup: Path) -> Manifest:
    """The backup matches its manifest (hash, counts, chain head) and passes integrity_check."""
    manifest = read_manifest(backup)
    if not backup.exists():
        raise StorageError(f"找不到备份文件 {backup}")
    if _sha256(backup) != manifest.sha256:
        raise StorageError("备份文件与说明文件记录的哈希不符，文件可能已损坏或被改动，不予恢复")
    facts = _inspect(backup)
    if facts["counts"] != manifest.counts or facts["head"] != manifest.audit_head_hash:
        raise StorageError("备份文件内容与说明文件不一致，不予恢复")
    return manifest


def default_backup_dir(db_path: Path) -> Path:
    return db_path.parent / "备份"


def backup_before_upgrade(engine: Engine, status: SchemaStatus, backup_dir: Path | None) -> None:
    """Taken (and verified) before any schema upgrade of an existing ledger."""
    if engine.url.get_backend_name() != "sqlite":
        log.warning("server-mode upgrade from %s: back the server up with pg_dump first", status.current)
        return
    db = Path(str(engine.url.database))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = (backup_dir or default_backup_dir(db)) / f"{db.stem}-升级前-{status.current}-{stamp}.db"
    engine.dispose()  # no connection of ours holds the file during the copy
    sqlite_backup(db, dest, with_evidence=False)  # upgrades never touch evidence files
    verify_backup(dest)


class BackupService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def restored(self, actor: Actor, payload: dict[str, Any]) -> None:
        """The restore goes into the restored ledger's own audit log (main.py restore)."""
        with self._ledger.unit_of_work() as s:
            self._ledger.record(s, actor, "ledger.restore", "ledger", None, payload)

    def _db_path(self) -> Path:
        if self._ledger.dialect != "sqlite":
            raise StorageError("服务器模式的台账由数据库管理员在服务器上用 pg_dump 备份，本命令只用于本机台账文件")
        return Path(cast(str, self._ledger.engine.url.database))  # a SQLite URL always names its file

    def backup(
        self,
        actor: Actor | None,
        dest: Path,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Manifest:
        self._ledger.refuse_if_read_only()  # a backup is audited like an export: no key, no backup
        actor = self._ledger.current_actor(actor)  # a backup holds every record: a signed-in user only
        check_path_length(manifest_path(Path(dest)).with_name(manifest_path(Path(dest)).name + ".part"))
        check_path_length(evidence_dir_beside(Path(dest)), extra=EVIDENCE_TAIL)
        db = self._db_path()
        # The event goes in first, so the backup holds it and its manifest's head is the ledger's
        # head: restoring it right away is not "older than this PC has seen" (ledger/restore.py).
        with self._ledger.unit_of_work() as s:
            self._ledger.record(s, actor, "ledger.backup", "ledger", None, {"file": Path(dest).name})
        try:
            return sqlite_backup(db, Path(dest), progress, cancelled=cancelled)
        except BaseException as err:
            with self._ledger.unit_of_work() as s:  # the history says the backup did not happen
                self._ledger.record(s, actor, "ledger.backup_failed", "ledger", None,
                                    {"file": Path(dest).name, "why": type(err).__name__})  # fmt: skip
            raise
