"""`main.py examples --db 示例.db` (also `示例`): the README's example commands with arguments that
exist in this ledger — a township and a department that have cases, a case waiting for 审批销号, a
household with problems — so a newcomer can paste them as they are. Every output goes into 输出/
of the working folder (the checkout's .gitignore covers it). main.py only hands over its arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from ledger.models import Case, Department, Household, Region

if TYPE_CHECKING:
    from ledger.facade import Ledger

_PYTHON = ".venv/bin/python main.py"
OUTPUT = "输出"


def example_arguments(lg: Ledger) -> dict[str, str]:
    """Real names and numbers of the ledger: the busiest township and lead department, a case
    waiting for approval (else any), and the head of the household with most cases."""
    with lg.reading() as s:
        township = s.execute(
            select(Region.name)
            .join(Case, Case.township_id == Region.id)
            .group_by(Region.name)
            .order_by(func.count().desc())
        ).scalar()
        department = s.execute(
            select(Department.name)
            .join(Case, Case.lead_department_id == Department.id)
            .group_by(Department.name)
            .order_by(func.count().desc())
        ).scalar()
        case = s.scalar(select(Case.number).where(Case.state == "pending_approval").order_by(Case.number).limit(1))
        case = case or s.scalar(select(Case.number).order_by(Case.number).limit(1))
        head = s.execute(
            select(Household.head_id_number)
            .join(Case, Case.household_id == Household.id)
            .group_by(Household.id, Household.head_id_number)
            .order_by(func.count().desc(), Household.id)
            .limit(1)
        ).scalar()
    return {
        "township": township or "",
        "department": department or "",
        "case": case or "",
        "household": head or "",
    }


def run_examples(lg: Ledger, db: str, out: Callable[[str], None] = print) -> int:
    found = example_arguments(lg)
    if not found["case"]:
        out("台账中还没有问题，示例命令需要先登记问题（或用 main.py demo 生成示例台账）。")
        return 1
    o = OUTPUT
    lines = [
        f"# 以下命令可直接运行（示例账号密码 Demo#2026），输出文件都在 {o}/ 中",
        f"{_PYTHON} report weekly    --db {db} -o {o}/周报.pdf",
        f"{_PYTHON} report ledger    --db {db} -o {o}/台账.pdf --township {found['township']} --user tongchou",
        f"{_PYTHON} report timetable --db {db} -o {o}/时间表.pdf --department {found['department']} --user tongchou",
        f"{_PYTHON} report closure   --db {db} -o {o}/销号审批表.pdf --case {found['case']} --user tongchou",
        f"{_PYTHON} report household --db {db} -o {o}/一户一档.pdf --household {found['household']} --user tongchou",
        f"{_PYTHON} report letter    --db {db} -o {o}/督办函.pdf --user tongchou",
        f"{_PYTHON} export --db {db} -o {o}/上报台账.xlsx --user tongchou --township {found['township']}",
        f"{_PYTHON} export --db {db} -o {o}/填报表.xlsx --template fillin --department {found['department']} "
        "--user tongchou",
        f"{_PYTHON} import {o}/填报表.xlsx --db {db} --user tongchou --dry-run",
        f"{_PYTHON} verify --db {db}",
    ]
    for line in lines:
        out(line)
    return 0
