"""`main.py verify`: the database file, its foreign keys, the audit chain against the head this PC
last saw and the newest backup manifest, the guard triggers, every signed record against its stamp
(ledger/record_checks.py), the dashboard counters and every evidence file."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ledger import anchor, guards, record_checks, record_workers
from ledger.audit import ChainReport
from ledger.dto import Actor
from ledger.facade import Ledger
from ledger.models import AuditEvent, Case, CaseCount, CaseYearCount, Evidence
from ledger.opening import read_failure
from ledger.scope import found_year


@dataclass
class VerifyReport:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)  # (name, ok, detail)
    details: list[str] = field(default_factory=list)  # every problem found, beyond the first of each check

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append((name, ok, detail))


def verify_ledger(
    lg: Ledger,
    progress: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    *,
    remember: bool = True,
    outside_heads: bool = True,
    full: bool = True,
    workers: int | None = None,
) -> VerifyReport:
    """`full` False checks the SQLite file with quick_check instead of integrity_check (see
    _FileChecks): every page and record, but not each index against its table. `workers` is how many
    processes check a SQLite ledger's records (ledger/record_workers.py): None lets the ledger's size
    and the PC's cores decide, 0 or 1 keeps them in this process."""
    report = VerifyReport()
    say = progress or (lambda _msg: None)
    file_checks: _FileChecks | None = None
    if lg.dialect == "sqlite":
        say("数据库完整性检查…" if full else "数据库完整性快速检查…")
        file_checks = _FileChecks(lg, full)  # on a second core, while the records are checked here
        file_checks.start()
    try:
        chain = _check_contents(lg, report, say, cancelled, outside_heads, workers)
    except (sqlite3.DatabaseError, DBAPIError) as exc:
        # A damaged page (or a lock that outlasted the timeout) under the records: what was checked so
        # far stands, the rest is one ✗ that says why it stopped, and the file check below names the
        # damage. A raw exception here told the clerk nothing.
        report.add("审计日志和记录", False, read_failure(exc))
        chain = None
    if file_checks is not None:
        file_checks.join()
        report.checks[:0] = file_checks.results
    if remember and report.ok and chain is not None:
        anchor.remember(lg.key_dir, lg.uuid, chain.head_seq, chain.head_hash)
    return report


def _check_contents(
    lg: Ledger,
    report: VerifyReport,
    say: Callable[[str], None],
    cancelled: Callable[[], bool] | None,
    outside_heads: bool,
    workers: int | None,
) -> ChainReport | None:
    """The guard triggers, the chain, every record, the counters and the evidence files, into
    `report`; the chain's report, or None without the key."""
    with lg.reading() as s:
        gone = guards.missing(s)
        report.add(
            "保护触发器",
            not gone,
            "齐全" if not gone else f"缺少 {'、'.join(gone)}（被人为删除；可用 verify --repair-guards 恢复）",
        )
    chain: ChainReport | None = None
    with ExitStack() as stack:
        job: record_workers.ParallelRecords | None = None
        if lg.read_only_reason is not None:
            # No key: the chain and the record stamps are keyed, so neither can be checked at all (nor
            # the heads outside the database, which are compared through the checked chain). One ✗ that
            # says so; the checks that need no key run as usual.
            report.add("审计日志和记录", False, f"没有审计密钥，审计日志和各条记录都无法校验。{lg.read_only_reason}")
        else:
            # The records are named and, when one process checks them, read in this session; worker
            # processes, when the ledger is large enough, check them meanwhile, while this one checks
            # the chain, the counters and the evidence files (at 1,000,000 cases those took ~10 s of
            # CPU here, bench/verify.py).
            rs = stack.enter_context(lg.reading())
            if lg.dialect == "sqlite":
                job = record_workers.start(rs, str(lg.engine.url.database), lg.key, workers)
                if job is not None:
                    stack.callback(job.close)
                    say(f"签批记录和台账记录校验（{job.workers} 个进程）…")
            chain = _check_chain(lg, report, say, cancelled, outside_heads)
            at = len(report.checks)
            if job is None:
                say("签批记录和台账记录校验…")
                _add_records(report, record_checks.verify_records(rs, lg.key, say, cancelled), at)
        _check_counts_and_files(lg, report, say)
        if job is not None:
            _add_records(report, job.finish(rs, say, cancelled), at)
    return chain


def _check_counts_and_files(lg: Ledger, report: VerifyReport, say: Callable[[str], None]) -> None:
    """The dashboard counters against the cases, and every evidence file against its hash."""
    with lg.reading() as s:
        counted = _count_problems(s)
    report.add("看板计数", not counted, "与问题表一致" if not counted else "；".join(counted[:3]))
    say("佐证材料校验…")
    with lg.reading() as s:
        hashes = list(s.scalars(select(Evidence.sha256).distinct()))
        missing_files = []
        for sha in hashes:
            problem = lg.evidence_store.problem(sha)
            if problem:
                numbers = s.scalars(
                    select(Case.number)
                    .join(Evidence, Evidence.case_id == Case.id)
                    .where(Evidence.sha256 == sha)
                    .limit(3)
                )
                missing_files.append(f"{problem}，涉及问题 {'、'.join(numbers)}")
        for number, sha in lg.letters.reply_files(s):  # the 督办函's scanned 书面说明 (escalation)
            if problem := lg.evidence_store.problem(sha):
                missing_files.append(f"{problem}，为督办函 {number} 的书面说明")
    report.add(
        "佐证材料",
        not missing_files,
        f"{len(hashes)} 个文件均与哈希一致" if not missing_files else "；".join(missing_files[:5]),
    )


def _check_chain(
    lg: Ledger,
    report: VerifyReport,
    say: Callable[[str], None],
    cancelled: Callable[[], bool] | None,
    outside_heads: bool,
) -> ChainReport:
    """The audit chain and the heads outside the database (both need the audit key)."""
    say("审计日志校验…")
    chain = lg.audit.verify(cancelled=cancelled)
    report.add(
        "审计日志",
        chain.ok,
        f"共 {chain.count} 条，链头第 {chain.head_seq} 号 {chain.head_hash[:16]}…" if chain.ok else chain.problem,
    )
    if outside_heads:  # not for a backup's scratch copy: its head is older by nature
        with lg.reading() as s:
            problems = _against_outside_heads(lg, s, chain)
        report.add("链头对照", not problems, "与本机记录和备份说明一致" if not problems else "；".join(problems))
    return chain


def _add_records(report: VerifyReport, bound: record_checks.RecordReport, at: int) -> None:
    """The records' check in its place among the checks (after the chain's), its problems beyond the
    first in the details."""
    more = f"（共 {bound.total_problems} 处，另见下方清单）" if bound.total_problems > 1 else ""
    detail = f"{bound.records:,} 条记录均与审计日志一致" if bound.ok else bound.problems[0] + more
    report.checks.insert(at, ("记录与审计日志对应", bound.ok, detail))
    report.details += bound.problems[1:]


# What the quick check (`verify` without --full) covers, as the report says it.
QUICK_SCOPE = (
    "快速检查：逐页读取全部表和索引，查页面结构、页的归属和空闲页、每条记录的格式及非空约束；"
    "未逐条对照索引与表的内容、未查唯一约束，需要时用 verify --full 做完整检查"
)


class _FileChecks(threading.Thread):
    """integrity_check (or, not `full`, quick_check) and foreign_key_check of a SQLite ledger on a
    connection of their own. SQLite releases the GIL while it reads pages, so on a two-core PC they
    take no time from the record checks running meanwhile (bench/verify.py).

    quick_check is integrity_check without comparing each index with its table and without the
    UNIQUE constraints (SQLite's documentation): it still reads every page of every table and index,
    so a damaged page is found (tests/integration/test_verify_quick.py); at 1,000,000 cases it takes
    about a third of the time."""

    def __init__(self, lg: Ledger, full: bool = True):
        super().__init__(name="zgtz-integrity", daemon=True)
        self.path = str(lg.engine.url.database)
        self.full = full
        self.results: list[tuple[str, bool, str]] = []

    def run(self) -> None:
        try:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                pragma = "integrity_check" if self.full else "quick_check"
                rows = [r[0] for r in con.execute(f"PRAGMA {pragma}")]
                bad = con.execute("PRAGMA foreign_key_check").fetchall()
            finally:
                con.close()
        except sqlite3.DatabaseError as err:
            self.results = [("数据库完整性", False, f"无法检查：{err}")]
            return
        detail = "正常" if not bad else f"{len(bad)} 处外键不一致，首处在表 {bad[0][0]} 第 {bad[0][1]} 行"
        self.results = [
            ("数据库完整性", rows == ["ok"], self._integrity_detail(rows)),
            ("外键一致性", not bad, detail),
        ]

    def _integrity_detail(self, rows: list[str]) -> str:
        found = "正常" if rows == ["ok"] else "；".join(rows[:5])
        return found if self.full else f"{found}（{QUICK_SCOPE}）"


def _hash_at(s: Session, seq: int) -> str | None:
    return s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))


def _against_outside_heads(lg: Ledger, s: Session, chain: ChainReport) -> list[str]:
    """The chain must reach, and pass through, the heads recorded outside the database: the one this
    PC saw last (ledger/anchor.py) and those in backup manifests beside the ledger."""
    problems = []
    heads: list[tuple[str, int, str]] = []
    seen = anchor.load(lg.key_dir, lg.uuid)
    if seen is not None:
        heads.append(("本机上次记录的链头", seen.seq, seen.hash))
    newest = newest_manifest_head(lg, since=seen.restored_at if seen else "")
    if newest is not None:
        heads.append((f"备份 {newest[0]} 的说明文件", newest[1], newest[2]))
    db_seq = s.scalar(select(func.max(AuditEvent.seq))) or 0
    for where, seq, hash_ in heads:
        if seq > db_seq:
            problems.append(
                f"{where}为第 {seq} 号事件，但数据库中的审计日志只到第 {db_seq} 号：日志被截断、删除，"
                "或台账被换成了较旧的副本"
            )
        elif seq > 0 and _hash_at(s, seq) != hash_:
            problems.append(f"{where}（第 {seq} 号事件）与数据库中的同号事件不同：审计日志被改写")
    return problems


def newest_manifest_head(lg: Ledger, since: str = "") -> tuple[str, int, str] | None:
    """(file name, seq, hash) of the newest backup manifest of this ledger in its backup folder,
    among those made at or after `since` (ISO time of a deliberate restore of an older backup)."""
    if lg.dialect != "sqlite":
        return None
    from ledger.services.backup import default_backup_dir

    folder = default_backup_dir(Path(str(lg.engine.url.database)))
    best: tuple[str, int, str] | None = None
    try:
        manifests = list(folder.glob("*.manifest.json"))
    except OSError:
        return None
    for path in manifests:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("ledger_uuid") != lg.uuid or str(data.get("created_at", "")) < since:
                continue
            seq, hash_ = int(data["audit_head_seq"]), str(data["audit_head_hash"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if best is None or seq > best[1]:
            best = (data.get("file") or path.name, seq, hash_)
    return best


def _count_problems(s: Session) -> list[str]:
    """case_counts (kept by triggers, read by the dashboard) against a count of the cases table."""
    # One pass over the cases, by key and found year (the 统计年度 counters, revision 0012); the counts
    # by key alone are its sums (a second GROUP BY over the table was ~5 s at 1,000,000 cases).
    key5 = (Case.township_id, func.coalesce(Case.lead_department_id, 0), Case.subcategory, Case.state, found_year(s))
    actual_y = {tuple(r[:5]): r[5] for r in s.execute(select(*key5, func.count()).group_by(*key5))}
    actual: dict[tuple[object, ...], int] = defaultdict(int)
    for k, n in actual_y.items():
        actual[k[:4]] += n
    stored: dict[tuple[object, ...], int] = {
        (r.township_id, r.department_id, r.subcategory, r.state): r.n for r in s.scalars(select(CaseCount)) if r.n
    }
    stored_y: dict[tuple[object, ...], int] = {
        (r.township_id, r.department_id, r.subcategory, r.state, r.found_year): r.n
        for r in s.scalars(select(CaseYearCount))
        if r.n
    }
    problems = []
    for actual_n, stored_n, what in ((actual, stored, ""), (actual_y, stored_y, "按年度")):
        wrong = sorted(set(actual_n) | set(stored_n), key=str)
        problems += [
            f"{what}看板计数与问题表不一致（{k[3]}：计数 {stored_n.get(k, 0)}，实际 {actual_n.get(k, 0)}）"
            for k in wrong
            if actual_n.get(k, 0) != stored_n.get(k, 0)
        ]
    return problems


def repair_guards(lg: Ledger, actor: Actor | None) -> list[str]:
    """Create the dropped guard triggers again (SQLite; a 系统管理员 or 审计员), audited. Returns
    the names restored."""
    from ledger.errors import PermissionDenied, StorageError

    if lg.dialect != "sqlite":
        raise StorageError("服务器模式的保护触发器由数据库所有者恢复（重新执行迁移或 deploy-lan.md 中的步骤）")
    with lg.unit_of_work() as s:
        who = lg.authority(s, actor)
        if not who.roles & {"admin", "auditor"}:
            raise PermissionDenied("只有系统管理员或审计员可以恢复保护触发器")
        names = guards.missing(s)
        if names:
            guards.recreate(s, names)
            lg.record(s, who, "guards.repair", "ledger", None, {"restored": names})
    return names
