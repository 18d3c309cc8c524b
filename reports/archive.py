"""年终归档: seal a finished 统计年度 into an archive folder, and check such a folder later.

The folder `<year>年度归档` holds
  - `<year>年度归档备份.db` (+ its backup manifest and evidence copies): a verified backup (lg.backup);
  - `<year>年度整改台账.pdf`: the year's printed ledger, scope `Scope(year)` (ledger/scope.py: cases
    found in the year plus cases of earlier years still open);
  - `归档清单.json`: every other file's name, size and SHA-256, the year's case counts and the audit
    chain head of the backup.
The manifest's own SHA-256 and the chain head are then recorded in the ledger as a signed
`year_archives` row (ledger/archive.py), which makes the year's closed cases read-only. `verify_archive`
names every file missing, added or changed, and a manifest that does not match the ledger's record.
Sealing cannot be undone.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.archive import SealedYear, check_may_seal, seal, sealable_count, sealed
from ledger.dto import Actor, CaseFilter
from ledger.errors import StorageError, ValidationError
from ledger.scope import Scope
from ledger.workflow import TALLY_NAMES
from reports.render import ReportRequest, render_report

if TYPE_CHECKING:
    from ledger.facade import Ledger

MANIFEST = "归档清单.json"
RULE = "统计范围：当年发现的问题，及以前年度发现、至归档时仍未销号的问题（结转）；封存：当年销号的问题"


@dataclass(frozen=True)
class ArchiveResult:
    folder: Path
    manifest: Path
    sealed: SealedYear
    counts: dict[str, int]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def _counts(lg: Ledger, year: int) -> dict[str, int]:
    scope = Scope(year=year)
    first, last = scope.first_day, scope.last_day
    dash = lg.queries.dashboard(scope=scope)
    found = lg.queries.count(CaseFilter(include_void=False, found_from=first, found_to=last))
    closed = sealable_count(lg, year)
    return {
        "统计范围问题数": dash.total,
        "当年发现": found,
        "结转未销号": dash.total - found,
        "当年销号（封存）": int(closed),
        **{f"其中{TALLY_NAMES[key]}": n for key, n in dash.tally.items()},
    }


def archive_year(lg: Ledger, actor: Actor, year: int, base: str | Path) -> ArchiveResult:
    """Write the year's archive folder under `base` and seal the year (coordinator or admin)."""
    actor = check_may_seal(lg, actor, year)
    if lg.dialect != "sqlite":
        raise StorageError("服务器模式的年终归档须先由数据库管理员用 pg_dump 备份，本命令只用于本机台账文件")
    folder = Path(base) / f"{year}年度归档"
    if folder.exists() and any(folder.iterdir()):
        raise ValidationError(f"归档文件夹已存在且不为空：{folder}（请另选位置）")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StorageError(f"无法创建归档文件夹 {folder}：{err.strerror or err}") from None
    scope = Scope(year=year)
    pdf = folder / f"{year}年度整改台账.pdf"
    printed = render_report(lg, ReportRequest("ledger", filter=CaseFilter(include_void=False, scope=scope)), pdf, actor)
    backup = lg.backup.backup(actor, folder / f"{year}年度归档备份.db")
    counts = _counts(lg, year)
    manifest = {
        "year": year,
        "scope": scope.label,
        "rule": RULE,
        "ledger_uuid": lg.uuid,
        "audit_head_seq": backup.audit_head_seq,
        "audit_head_hash": backup.audit_head_hash,
        "printed_cases": printed.cases,
        "counts": counts,
        "files": [
            {"name": p.relative_to(folder).as_posix(), "size": p.stat().st_size, "sha256": _sha256(p)}
            for p in _files(folder)
        ],
        "created_at": lg.clock().isoformat(timespec="seconds"),
        "created_by": actor.display_name,
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    path = folder / MANIFEST
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)
    head = (backup.audit_head_seq, backup.audit_head_hash)
    done = seal(lg, actor, year, str(folder), hashlib.sha256(data).hexdigest(), counts["统计范围问题数"], head)
    return ArchiveResult(folder, path, done, counts)


def verify_archive(lg: Ledger, folder: str | Path) -> tuple[int, list[str]]:
    """(year, problems): each file missing, added or changed, and any mismatch with the ledger's record."""
    folder = Path(folder)
    path = folder / MANIFEST
    try:
        data = path.read_bytes()
        manifest = json.loads(data.decode("utf-8"))
        year = int(manifest["year"])
        listed = {f["name"]: f for f in manifest["files"]}
    except FileNotFoundError:
        raise ValidationError(f"{folder} 中没有归档清单（{MANIFEST}），不是年终归档文件夹") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValidationError(f"归档清单无法读取：{err}") from None
    problems = []
    present = {p.relative_to(folder).as_posix(): p for p in _files(folder)}
    for name, entry in listed.items():
        file = present.get(name)
        if file is None:
            problems.append(f"缺少文件：{name}")
        elif file.stat().st_size != entry.get("size") or _sha256(file) != entry.get("sha256"):
            problems.append(f"文件已被改动：{name}（SHA-256 与归档清单不符）")
    problems += [f"归档清单中没有的文件：{name}" for name in sorted(set(present) - set(listed))]
    record = sealed(lg, year)
    if record is None:
        problems.append(f"台账中没有{year}年度的归档记录")
    else:
        if hashlib.sha256(data).hexdigest() != record.manifest_sha256:
            problems.append(f"归档清单已被改动：与台账中{year}年度归档记录的 SHA-256 不符")
        if (manifest.get("audit_head_seq"), manifest.get("audit_head_hash")) != (record.audit_seq, record.audit_hash):
            problems.append("归档清单中的审计链头与台账记录不符")
        if manifest.get("ledger_uuid") != lg.uuid:
            problems.append("该归档不属于本台账")
    return year, problems


def default_base(lg: Ledger) -> Path:
    """归档 beside the ledger file."""
    return Path(str(lg.engine.url.database)).parent / "归档"
