"""Restoring a ledger file from a backup, checked before anything is touched (issue 13 item 4).

In order, and nothing on disk changes until all of them pass:
  1. the backup matches its manifest (file hash, row counts, chain head) and integrity_check;
  2. the audit key of the backup's ledger is on this PC (without it nothing can be checked, and the
     restored ledger could only be read — said up front);
  3. a scratch copy of the backup opens and verifies whole: its own audit chain, every record
     against its stamp, the guards, the counters, its evidence files;
  4. the person restoring signs in on that copy as a 系统管理员 of the backup's ledger;
  5. the backup is of the same ledger as the file it replaces (else `replace_ledger`, and we say
     whose ledger each is), and not older than the head this PC last saw (else `older`).
Then the current file is kept aside, the backup is copied into a temporary file beside the target
and renamed over it (a killed restore leaves the old ledger or the new one, never half of one), and
the restore is recorded in the restored ledger's audit log.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ledger import anchor, audit
from ledger.errors import PermissionDenied, StorageError
from ledger.evidence import evidence_dir_beside
from ledger.opening import replace_file
from ledger.services.backup import Manifest, _copy_evidence, _fsync, sqlite_backup, verify_backup


@dataclass(frozen=True)
class Identity:
    uuid: str
    county: str
    created_at: str

    def describe(self) -> str:
        return f"{self.county}的台账（创建于 {self.created_at or '未知时间'}，标识 {self.uuid[:8]}…）"


def identity(path: Path) -> Identity | None:
    """Whose ledger a file is, read without changing it; None when it is not a ledger."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN "
                                    "('ledger_uuid', 'county_name', 'created_at')").fetchall())  # fmt: skip
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return None
    if "ledger_uuid" not in meta:
        return None
    return Identity(meta["ledger_uuid"], meta.get("county_name", ""), meta.get("created_at", ""))


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    kept: Path | None
    replaced: Identity | None  # the other ledger the restore replaced (replace_ledger)
    older_than_seen: int | None  # the head this PC had seen, when an older backup was restored


def restore(
    backup: Path,
    target: Path,
    key_dir: Path,
    username: str,
    password: str,
    *,
    replace_ledger: bool = False,
    older: bool = False,
) -> RestoreResult:
    from ledger.facade import open_ledger
    from ledger.verify import verify_ledger

    manifest = verify_backup(backup)
    try:
        audit.load_key(key_dir, manifest.ledger_uuid)
    except StorageError:
        raise StorageError(
            f"本机没有该备份所属台账的审计密钥（{audit.key_path(key_dir, manifest.ledger_uuid)}），无法校验备份，"
            "恢复后的台账也只能只读打开。请先把该台账的密钥文件复制到此位置，再恢复。"
        ) from None
    with tempfile.TemporaryDirectory(prefix="zgtz-restore-") as scratch:
        copy = Path(scratch) / "备份副本.db"
        shutil.copyfile(backup, copy)
        lg = open_ledger(
            copy,
            create=False,
            key_dir=key_dir,
            evidence_dir=evidence_dir_beside(backup),
            backup_dir=Path(scratch),
            remember_heads=False,
        )
        try:
            report = verify_ledger(lg, remember=False, outside_heads=False)
            if not report.ok:
                failed = [f"{name}：{detail}" for name, ok, detail in report.checks if not ok]
                raise StorageError("备份未通过校验，不予恢复：" + "；".join(failed))
            who = lg.users.authenticate(username, password)
            if "admin" not in who.roles:
                raise PermissionDenied("只有该台账的系统管理员可以恢复备份")
        finally:
            lg.close()
    current = identity(target) if target.exists() else None
    replaced = None
    if current is not None and current.uuid != manifest.ledger_uuid:
        theirs = identity(backup)
        if not replace_ledger:
            raise StorageError(
                f"该备份是{theirs.describe() if theirs else '另一个台账'}，而 {target.name} 是{current.describe()}。"
                "为防误操作不予恢复；如确需用它替换当前台账，请加 --replace-ledger（当前台账会另存一份）。"
            )
        replaced = current
    seen = anchor.load(key_dir, manifest.ledger_uuid)
    behind = seen is not None and seen.seq > manifest.audit_head_seq
    if behind and not older:
        assert seen is not None
        raise StorageError(
            f"该备份的审计日志到第 {manifest.audit_head_seq} 号事件，本机上次见到的台账已到第 {seen.seq} 号："
            "恢复会丢失其后的全部记录。如确需恢复这份较旧的备份，请加 --older。"
        )
    kept = _keep_aside(target)
    _copy_over(backup, target)
    if evidence_dir_beside(backup) != evidence_dir_beside(target):
        from ledger.services.backup import _inspect

        _copy_evidence(_inspect(target)["hashes"], backup, target)
    if behind:  # the older head is now the truth this PC knows
        now = dt.datetime.now().isoformat(timespec="seconds")
        anchor.reset(key_dir, manifest.ledger_uuid, manifest.audit_head_seq, manifest.audit_head_hash, now)
    return RestoreResult(manifest, kept, replaced, seen.seq if behind and seen else None)


def _keep_aside(target: Path) -> Path | None:
    if not target.exists():
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = target.with_name(f"{target.stem}.恢复前-{stamp}{target.suffix}")
    sqlite_backup(target, kept, with_evidence=False)  # evidence stays where it is
    return kept


def _copy_over(backup: Path, target: Path) -> None:
    """Copy through the online backup API into a temporary file beside the target, self-contained
    (no WAL), then rename it over the target: the target is the old ledger or the new one."""
    part = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    try:
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        dst = sqlite3.connect(part)
        try:
            src.backup(dst, pages=4096)
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.commit()
        finally:
            dst.close()
            src.close()
        _fsync(part)
        for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            leftover.unlink(missing_ok=True)  # the old file's, already folded in (kept aside above)
        replace_file(part, target)  # a second window may hold the ledger open on Windows
    except BaseException:
        part.unlink(missing_ok=True)
        raise
