"""Households (户) and their members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from ledger import ids, textrules
from ledger.access import check_unmask, may_see_health, visibility, visible_condition
from ledger.dto import Actor, HouseholdView, MemberView
from ledger.errors import NotFound, PermissionDenied, ValidationError
from ledger.models import Case, Household, HouseholdTag, Member, Region
from ledger.seed import load_catalog
from ledger.services.household_edit import HouseholdEditing, canonical_kind, phone_problem
from ledger.tags import tags_for_kind

if TYPE_CHECKING:
    from ledger.facade import Ledger

WRITE_ROLES = frozenset({"clerk", "coordinator"})


def household_view(h: Household) -> HouseholdView:
    return HouseholdView(
        h.id, h.township_id, h.village_id, h.group_name, h.head_name, h.head_id_number, h.phone, h.kind, h.size
    )


class HouseholdService(HouseholdEditing):
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self.kinds = tuple(load_catalog()["household_kinds"])

    def create(
        self,
        actor: Actor,
        *,
        village_id: int,
        head_name: str,
        head_id_number: str,
        kind: str,
        size: int = 1,
        phone: str = "",
        group_name: str = "",
        members: Sequence[tuple[str, ...]] = (),  # (name, id number or "", relation[, health])
    ) -> HouseholdView:
        actor = self._ledger.current_actor(actor)
        if not actor.roles & WRITE_ROLES:
            raise PermissionDenied("只有录入员或县级统筹可以登记农户")
        problems: list[str] = []
        try:
            id_number = ids.validate_id(head_id_number, today=self._ledger.today())
        except ValidationError as err:
            problems += err.problems
            id_number = ""
        if not head_name.strip():
            problems.append("户主姓名不能为空")
        problems += textrules.problems({"head_name": head_name.strip()})
        kind = canonical_kind(kind)  # 监测户 → 监测对象
        if kind not in self.kinds:
            problems.append(f"户类型应为：{'、'.join(self.kinds)}")
        if size < 1:
            problems.append("家庭人口至少为1")
        phone = ids.normalize(phone)
        if (p := phone_problem(phone)) is not None:
            problems.append(p)
        member_rows = []
        for name, member_id, relation, *rest in members:
            problems += textrules.problems({"member_name": name.strip()})
            try:
                number = ids.validate_id(member_id) if member_id else ""
                member_rows.append((name, number, relation, rest[0].strip() if rest else ""))
            except ValidationError as err:
                problems += [f"家庭成员{name}：{p}" for p in err.problems]
        if problems:
            raise ValidationError(problems)
        with self._ledger.unit_of_work() as s:
            village = s.get(Region, village_id)
            if village is None or village.level != "village":
                raise ValidationError("请选择所在村")
            existing = s.scalar(select(Household).where(Household.head_id_number == id_number))
            if existing is not None:
                raise ValidationError(f"身份证号 {ids.mask(id_number)} 的农户已登记（户主 {existing.head_name}）")
            h = Household(
                township_id=village.parent_id,
                village_id=village.id,
                group_name=group_name.strip(),
                head_name=head_name.strip(),
                head_id_number=id_number,
                phone=phone,
                kind=kind,
                size=size,
                created_at=self._ledger.clock(),
            )
            s.add(h)
            s.flush()
            s.add_all(
                Member(household_id=h.id, name=n, id_number=i, relation=r, health=x) for n, i, r, x in member_rows
            )
            s.add_all(
                HouseholdTag(household_id=h.id, tag=tag, subtype=subtype, risk_type="", note="")
                for tag, subtype in tags_for_kind(kind)
            )
            self._ledger.record(
                s,
                actor,
                "household.create",
                "household",
                h.id,
                {"head_name": h.head_name, "head_id": ids.mask(id_number), "village_id": village.id, "kind": kind},
            )
            return household_view(h)

    def get(self, household_id: int) -> HouseholdView:
        with self._ledger.reading() as s:
            h = s.get(Household, household_id)
            if h is None:
                raise NotFound(f"没有编号为 {household_id} 的农户")
            return household_view(h)

    def find_by_id_number(self, raw: str) -> HouseholdView | None:
        number = ids.validate_id(raw, today=self._ledger.today())
        with self._ledger.reading() as s:
            h = s.scalar(select(Household).where(Household.head_id_number == number))
            return household_view(h) if h else None

    def members(self, household_id: int, viewer: Actor | None = None) -> list[MemberView]:
        """The household's members; health and disability notes only for a viewer with that right."""
        with self._ledger.reading() as s:
            health = viewer is not None and may_see_health(self._ledger.authority(s, viewer))
            rows = s.scalars(select(Member).where(Member.household_id == household_id).order_by(Member.id))
            return [MemberView(m.name, m.id_number, m.relation, m.health if health else "", m.id) for m in rows]

    def reveal(self, actor: Actor, household_id: int, reason: str) -> tuple[str, str]:
        """The head's full ID number and phone, for a user with the right who typed a reason;
        audited (who, which household, why) before anything is shown."""
        with self._ledger.unit_of_work() as s:
            actor = self._ledger.authority(s, actor)
            check_unmask(actor, reason, "查看")
            h = s.get(Household, household_id)
            if h is None:
                raise NotFound(f"没有编号为 {household_id} 的农户")
            vis = visibility(actor)
            if not vis.everything and not s.scalar(
                select(Case.id).where(Case.household_id == h.id, visible_condition(vis)).limit(1)
            ):
                raise PermissionDenied("该农户不属于您所在的单位或乡镇")
            self._ledger.record(
                s, actor, "privacy.reveal", "household", h.id,
                {"head_id": ids.mask(h.head_id_number), "reason": reason.strip()},
            )  # fmt: skip
            return h.head_id_number, h.phone
