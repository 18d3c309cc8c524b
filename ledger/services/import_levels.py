"""Village-level rows and named members in a ledger-workbook import (ledger/services/imports.py).

A row with no 户主姓名 and no 身份证号 but a 村 (or a 问题层级 of 村级) is a village's own problem
(村卫生室空白点, a village's 管网): it needs a subcategory the catalog allows for villages and is
registered with no household. A household's row may name the family member it concerns in a
涉及成员 column, by name within the household or by ID number."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import ids
from ledger.dto import SubcategoryView
from ledger.models import Case, Household, Member
from ledger.services.catalog import level_problems
from ledger.tabular import compact
from ledger.workflow import OPEN_STATES

VILLAGE_WORDS = frozenset({"村级", "村级问题", "村"})
HOUSEHOLD_WORDS = frozenset({"户级", "户级问题", "农户", "农户问题", "户"})
# Without a household these columns mean nothing: a village-level row skips their checks.
HOUSEHOLD_FIELDS = frozenset({"head_name", "head_id"})


@dataclass
class LevelContext:
    """What the ledger holds that village rows and 涉及成员 cells are checked against."""

    open_village: dict[tuple[int, str], str] = field(default_factory=dict)  # (village, sub) → open case number
    members: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)  # household → (id, name, ID)
    seen: dict[tuple[int, str], int] = field(default_factory=dict)  # (village, sub) → first row of this file


def load_context(s: Session, households: Iterable[Household], with_members: bool) -> LevelContext:
    ctx = LevelContext()
    for village_id, sub, number in s.execute(
        select(Case.village_id, Case.subcategory, Case.number).where(
            Case.household_id.is_(None), Case.state.in_(OPEN_STATES)
        )
    ):
        ctx.open_village[(village_id, sub)] = number
    if with_members:
        wanted = sorted({h.id for h in households})
        for start in range(0, len(wanted), 900):
            for m in s.scalars(select(Member).where(Member.household_id.in_(wanted[start : start + 900]))):
                ctx.members.setdefault(m.household_id, []).append((m.id, m.name, m.id_number))
    return ctx


def village_row(text: dict[str, str], raw: dict[str, Any]) -> tuple[bool, list[str]]:
    """Whether the row is a village's own problem, and what is wrong with its level."""
    level = compact(text.get("level", ""))
    has_head = bool(text.get("head_name")) or raw.get("head_id") not in (None, "")
    if level in VILLAGE_WORDS:
        if has_head:
            return True, ["问题层级为“村级”的问题属于整个村，不应填写户主姓名和身份证号"]
        return True, []
    if level and level not in HOUSEHOLD_WORDS:
        return False, [f"问题层级“{text['level']}”无法识别，应为“户级”或“村级”"]
    if level or has_head:
        return False, []
    return bool(text.get("village")), []


def sub_level_problems(sub: SubcategoryView | None, is_village: bool) -> list[str]:
    """A village-only subcategory on a household's row, or a household-only one on a village's."""
    if sub is None:
        return []
    problems = level_problems(sub, not is_village, is_village)
    if is_village and problems:
        return [f"本行没有户主，按村级问题处理；但“{sub.name}”是农户问题，请填写户主姓名和身份证号"]
    return problems


def village_duplicate(ctx: LevelContext, village_id: int, sub: str, row: int) -> str:
    """Why a village row repeats an open problem of the ledger or an earlier row ('' when new)."""
    number = ctx.open_village.get((village_id, sub))
    if number:
        return f"该村已有未销号的同类村级问题 {number}"
    first = ctx.seen.setdefault((village_id, sub), row)
    if first != row:
        return f"与本表第 {first} 行是同一村的同一类村级问题"
    return ""


def find_member(
    ctx: LevelContext, household: Household | None, cell: str, is_village: bool
) -> tuple[int | None, list[str], list[str]]:
    """The member a 涉及成员 cell names: (member id or None, reasons, notes)."""
    cell = compact(cell)
    if not cell:
        return None, [], []
    if is_village:
        return None, ["村级问题不能指定涉及成员，请清空“涉及成员”"], []
    if household is None:
        return None, ["新登记的农户还没有家庭成员，不能指定涉及成员；请先导入或录入家庭成员"], []
    if cell == household.head_name or ids.as_id_number(cell) == household.head_id_number:
        return None, [], ["涉及成员是户主本人，按户级问题登记"]
    people = ctx.members.get(household.id, [])
    number = ids.as_id_number(cell)
    if number is not None:
        found = [p for p in people if p[2] == number]
        if not found:
            return None, [f"该户没有身份证号为 {ids.mask(number)} 的家庭成员"], []
        return found[0][0], [], []
    named = [p for p in people if p[1] == cell]
    if len(named) > 1:
        return None, [f"该户有 {len(named)} 个名为“{cell}”的成员，请在“涉及成员”中填写其身份证号"], []
    if not named:
        names = "、".join(p[1] for p in people) or "（无）"
        return None, [f"该户没有名为“{cell}”的家庭成员（家庭成员：{names}）"], []
    return named[0][0], [], []
