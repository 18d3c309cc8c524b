"""`main.py verify`: the database file, its foreign keys, the audit chain and every evidence file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, text

from ledger.facade import Ledger
from ledger.models import Evidence


@dataclass
class VerifyReport:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)  # (name, ok, detail)

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append((name, ok, detail))


def verify_ledger(
    lg: Ledger, progress: Callable[[str], None] | None = None, cancelled: Callable[[], bool] | None = None
) -> VerifyReport:
    report = VerifyReport()
    say = progress or (lambda _msg: None)
    with lg.reading() as s:
        if lg.dialect == "sqlite":
            say("数据库完整性检查…")
            rows = [r[0] for r in s.execute(text("PRAGMA integrity_check"))]
            report.add("数据库完整性", rows == ["ok"], "正常" if rows == ["ok"] else "；".join(rows[:5]))
            bad = s.execute(text("PRAGMA foreign_key_check")).fetchall()
            detail = "正常" if not bad else f"{len(bad)} 处外键不一致，首处在表 {bad[0][0]} 第 {bad[0][1]} 行"
            report.add("外键一致性", not bad, detail)
        say("审计日志校验…")
        chain = lg.audit.verify(cancelled=cancelled)
    report.add(
        "审计日志",
        chain.ok,
        f"共 {chain.count} 条，链头第 {chain.head_seq} 号 {chain.head_hash[:16]}…" if chain.ok else chain.problem,
    )
    say("佐证材料校验…")
    with lg.reading() as s:
        hashes = list(s.scalars(select(Evidence.sha256).distinct()))
        problems = []
        for sha in hashes:
            problem = lg.evidence_store.problem(sha)
            if problem:
                cases = list(s.scalars(select(Evidence.case_id).where(Evidence.sha256 == sha).limit(3)))
                problems.append(f"{problem}，涉及问题编号 {', '.join(map(str, cases))}")
    report.add(
        "佐证材料", not problems, f"{len(hashes)} 个文件均与哈希一致" if not problems else "；".join(problems[:5])
    )
    return report
