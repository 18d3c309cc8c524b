"""Catalog and organisation: regions, departments, categories, workflow rules (cached, immutable)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import select

from ledger.dto import DepartmentView, RegionView, SubcategoryView
from ledger.errors import NotFound, PermissionDenied, ValidationError
from ledger.models import (
    Category,
    DeadlineClass,
    Department,
    EvidenceKind,
    Meta,
    Region,
    Subcategory,
    WorkflowAction,
    WorkflowFieldRule,
    WorkflowRequirement,
    WorkflowTransition,
)
from ledger.seed import load_catalog
from ledger.workflow import ActionDef, Requirement, Transition, WorkflowRules

if TYPE_CHECKING:
    from ledger.dto import Actor
    from ledger.facade import Ledger

LEVELS = ("household", "village", "both")
LEVEL_NAMES = {"household": "户级", "village": "村级"}


def subcategory_levels() -> dict[str, str]:
    """Each subcategory's level from the shipped catalog (resources/seed/catalog.json "level"):
    household (the default), village (村卫生室空白点, a village's 管网) or both (the water problems).
    Read from the file, not the database: a level is product knowledge, not a ledger setting."""
    out: dict[str, str] = {}
    for cat in load_catalog()["categories"]:
        for sub in cat["subcategories"]:
            level = sub.get("level", "household")
            if level not in LEVELS:
                raise ValueError(f"catalog.json: {sub['code']} has an unknown level {level!r}")
            out[sub["code"]] = level
    return out


def level_problems(sub: SubcategoryView | None, of_household: bool, of_village: bool) -> list[str]:
    """Why a problem of this subcategory cannot belong where it was put (a household, or a village
    with no household); [] when it can or when nothing is chosen yet."""
    if sub is None:
        return []
    if of_household and not sub.for_households:
        return [f"“{sub.name}”是村级问题，不能登记在某一农户名下；请选择“村级问题”并选择所在村"]
    if of_village and not of_household and not sub.for_villages:
        return [f"“{sub.name}”是农户问题，不能作为村级问题登记；请选择农户"]
    return []


class CatalogService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    CACHED = ("rules", "subcategories", "departments", "regions", "evidence_kind_names", "category_names")

    def invalidate(self) -> None:
        for name in self.CACHED:
            self.__dict__.pop(name, None)

    def load(self) -> None:
        """Read everything the catalog keeps, now: the window opens its ledger on its operations
        thread and loads the catalog there (ui/app.py open_off_thread), so that the pages' combo boxes
        and the case window never read it on the GUI thread on first use."""
        for name in self.CACHED:
            getattr(self, name)

    @cached_property
    def rules(self) -> WorkflowRules:
        with self._ledger.reading() as s:
            actions = {
                a.code: ActionDef(a.code, a.name, a.signoff, a.needs_evidence, a.not_actor_of)
                for a in s.scalars(select(WorkflowAction))
            }
            transitions = tuple(
                Transition(t.action, t.from_state, t.to_state, t.role, t.category)
                for t in s.scalars(select(WorkflowTransition).order_by(WorkflowTransition.id))
            )
            requirements = tuple(
                Requirement(r.action, r.field, r.label) for r in s.scalars(select(WorkflowRequirement))
            )
            editable: dict[str, set[str]] = {}
            for rule in s.scalars(select(WorkflowFieldRule)):
                editable.setdefault(rule.state, set()).add(rule.field)
            edit_roles = s.get(Meta, "workflow_edit_roles")
        return WorkflowRules(
            actions=actions,
            transitions=transitions,
            requirements=requirements,
            editable={k: frozenset(v) for k, v in editable.items()},
            edit_roles=frozenset(edit_roles.value.split(",") if edit_roles else ()),
        )

    @cached_property
    def category_names(self) -> dict[str, str]:
        with self._ledger.reading() as s:
            return {c.code: c.name for c in s.scalars(select(Category).order_by(Category.sort))}

    @cached_property
    def subcategories(self) -> dict[str, SubcategoryView]:
        levels = subcategory_levels()
        with self._ledger.reading() as s:
            classes = {d.code: d.name for d in s.scalars(select(DeadlineClass))}
            cats = {c.code: (c.name, c.sort) for c in s.scalars(select(Category))}
            subs = sorted(s.scalars(select(Subcategory)), key=lambda x: (cats[x.category][1], x.sort))
            return {
                x.code: SubcategoryView(
                    x.code,
                    x.category,
                    cats[x.category][0],
                    x.name,
                    x.deadline_class,
                    classes[x.deadline_class],
                    x.default_days,
                    x.lead_department_code,
                    tuple(k for k in x.required_evidence.split(",") if k),
                    x.standard,
                    levels.get(x.code, "household"),
                )
                for x in subs
            }

    def subcategory_codes(self, category: str) -> list[str]:
        return [code for code, sub in self.subcategories.items() if sub.category == category]

    @cached_property
    def evidence_kind_names(self) -> dict[str, str]:
        with self._ledger.reading() as s:
            return {k.code: k.name for k in s.scalars(select(EvidenceKind))}

    @cached_property
    def departments(self) -> dict[int, DepartmentView]:
        with self._ledger.reading() as s:
            return {
                d.id: DepartmentView(d.id, d.code, d.name)
                for d in s.scalars(select(Department).where(Department.active).order_by(Department.id))
            }

    @cached_property
    def regions(self) -> dict[int, RegionView]:
        with self._ledger.reading() as s:
            return {
                r.id: RegionView(r.id, r.code, r.name, r.level, r.parent_id)
                for r in s.scalars(select(Region).order_by(Region.code))
            }

    # -- lookups ---------------------------------------------------------------------------------
    def subcategory(self, code: str) -> SubcategoryView:
        try:
            return self.subcategories[code]
        except KeyError:
            raise ValidationError(f"没有这个问题子类：{code}") from None

    def department_by_code(self, code: str) -> DepartmentView:
        for d in self.departments.values():
            if d.code == code:
                return d
        raise NotFound(f"没有这个责任单位：{code}")

    def department_by_name(self, name: str) -> DepartmentView:
        for d in self.departments.values():
            if d.name == name:
                return d
        raise NotFound(f"没有这个责任单位：{name}")

    def townships(self) -> list[RegionView]:
        return [r for r in self.regions.values() if r.level == "township"]

    def villages(self, township_id: int | None = None) -> list[RegionView]:
        return [
            r
            for r in self.regions.values()
            if r.level == "village" and (township_id is None or r.parent_id == township_id)
        ]

    def region(self, region_id: int) -> RegionView:
        try:
            return self.regions[region_id]
        except KeyError:
            raise NotFound(f"没有编号为 {region_id} 的行政区划") from None

    def add_regions(self, actor: Actor | None, rows: list[tuple[str, str, str | None]]) -> int:
        """Add townships and villages: (12-digit code, name, parent code or None for a township).
        系统管理员 only (the regions are set up with the ledger)."""
        with self._ledger.unit_of_work() as s:
            if "admin" not in self._ledger.authority(s, actor).roles:
                raise PermissionDenied("只有系统管理员可以设置行政区划")
            county = s.scalars(select(Region).where(Region.level == "county")).one()
            by_code = {r.code: r for r in s.scalars(select(Region))}
            added = 0
            for code, name, parent_code in rows:
                if len(code) != 12 or not code.isdigit():
                    raise ValidationError(f"行政区划代码应为12位数字：{code}")
                if code in by_code:
                    continue
                parent = by_code.get(parent_code) if parent_code else county
                if parent is None:
                    raise ValidationError(f"找不到上级区划 {parent_code}（{name}）")
                level = "township" if parent.level == "county" else "village"
                region = Region(code=code, name=name, level=level, parent_id=parent.id)
                s.add(region)
                s.flush()
                by_code[code] = region
                added += 1
            self._ledger.record(s, actor, "regions.add", "region", None, {"added": added})
        self.invalidate()
        return added
