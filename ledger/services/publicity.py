"""公示 before 审批销号 and before 风险消除 (民主评议公示): the national procedure to end a problem or a
监测对象's monitoring is 入户核实 → 民主评议公示 → 审核确认公告.

A category with `publicity_days` (catalog data, set by `update_settings`) needs its cases posted in
the village for that many days before 审批销号: the coordinator or the township's verifier starts a 公示
for chosen cases of one village that the township has verified (待审批); objections received are
recorded against one item and later resolved with their handling. The gate (`close_problems`, called
by CaseService.act for 审批销号) refuses while the case's category needs 公示 and no 公示 was done since
the last 核验, its period is not over, or an objection is open. The same gate holds for ending a
监测对象 tag (风险消除) when the setting `publicity_risk_days` is set. Batches, items and objections are
signed records (ledger/records.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import textrules
from ledger.dto import Actor
from ledger.errors import NotFound, PermissionDenied, ValidationError
from ledger.models import (
    Case,
    CaseAction,
    Category,
    Household,
    HouseholdTag,
    Meta,
    PublicityBatch,
    PublicityItem,
    PublicityObjection,
    Region,
    Subcategory,
    User,
)
from ledger.tags import tag_label

if TYPE_CHECKING:
    from ledger.facade import Ledger

KIND_NAMES = {"close": "拟销号问题", "risk": "拟风险消除监测对象"}
RISK_TAG = "监测对象"
MAX_DAYS = 30
SETTING_KEYS = {"risk_days": "publicity_risk_days", "contact": "publicity_contact", "phone": "publicity_phone"}
SETTINGS_ROLES = frozenset({"admin", "coordinator"})


@dataclass(frozen=True)
class ObjectionView:
    id: int
    item_id: int
    received_date: dt.date
    raised_by: str
    content: str
    recorded_by: str
    handling: str
    resolved_date: dt.date | None
    resolved_by: str

    @property
    def open(self) -> bool:
        return self.resolved_date is None


@dataclass(frozen=True)
class ItemView:
    id: int
    case_id: int | None
    case_number: str
    household_id: int | None
    head_name: str
    head_id_number: str  # full; every output masks it
    group_name: str
    problem: str  # 问题子类 of a case, the tag (监测对象（…）) of a household
    description: str
    objections: tuple[ObjectionView, ...] = ()
    tag_id: int | None = None  # the 监测对象 tag (kind risk)

    @property
    def open_objections(self) -> int:
        return sum(1 for o in self.objections if o.open)


@dataclass(frozen=True)
class BatchView:
    id: int
    kind: str
    township_id: int
    township: str
    village_id: int
    village: str
    start_date: dt.date
    days: int
    note: str
    created_by: str
    created_at: dt.datetime
    items: tuple[ItemView, ...]

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def end_date(self) -> dt.date:
        """The last day of the 公示."""
        return self.start_date + dt.timedelta(days=self.days - 1)

    def state_name(self, today: dt.date) -> str:
        if today < self.start_date:
            return "未开始"
        if today <= self.end_date:
            return "公示中"
        return "有异议待处理" if any(i.open_objections for i in self.items) else "已期满"


@dataclass(frozen=True)
class PublicitySettings:
    category_days: dict[str, int | None]  # category code -> days (None: no 公示 before 审批销号)
    risk_days: int | None  # None: 风险消除 needs no 公示
    contact: str
    phone: str


def cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _days_problem(days: object, label: str) -> str | None:
    if days is None:
        return None
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        return f"{label}应为1至{MAX_DAYS}天"
    return None


class PublicityService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    # -- settings ----------------------------------------------------------------------------------
    def settings(self) -> PublicitySettings:
        lg = self._ledger
        with lg.reading() as s:
            days = {c.code: c.publicity_days for c in s.scalars(select(Category).order_by(Category.sort))}
        risk = lg.meta(SETTING_KEYS["risk_days"], "")
        return PublicitySettings(
            days,
            int(risk) if risk.isdigit() else None,
            lg.meta(SETTING_KEYS["contact"], ""),
            lg.meta(SETTING_KEYS["phone"], ""),
        )

    def update_settings(
        self,
        actor: Actor,
        *,
        category_days: dict[str, int | None] | None = None,
        risk_days: int | str | None = "",
        contact: str | None = None,
        phone: str | None = None,
    ) -> PublicitySettings:
        """Set the days per category (None: no 公示), the 风险消除 days (None: off; "" leaves it), the
        contact and phone printed on the notice. One `settings.publicity` event with before/after."""
        lg = self._ledger
        lg.refuse_if_read_only()
        problems: list[str] = []
        names = lg.catalog.category_names
        for code, days in (category_days or {}).items():
            if code not in names:
                problems.append(f"没有问题类别“{code}”")
            elif (p := _days_problem(days, f"“{names[code]}”的公示天数")) is not None:
                problems.append(p)
        if risk_days != "" and (p := _days_problem(risk_days, "风险消除前的公示天数")) is not None:
            problems.append(p)
        if contact is not None and (len(contact.strip()) > 20 or textrules.problem("head_name", contact.strip())):
            problems.append("联系人应为不超过20个字的姓名或单位")
        if phone is not None and (
            len(phone.strip()) > 40 or not all(c.isdigit() or c in "-－ ()（）转、," for c in phone.strip())
        ):
            problems.append("联系电话只能由数字、短横线、括号和“转”组成")
        if problems:
            raise ValidationError(problems)
        with lg.unit_of_work() as s:
            actor = lg.authority(s, actor)
            if not actor.roles & SETTINGS_ROLES:
                raise PermissionDenied("只有系统管理员或县级统筹员可以设置公示天数和公示联系电话")
            changes: dict[str, list[object]] = {}
            for code, days in (category_days or {}).items():
                cat = s.get(Category, code)
                assert cat is not None
                if cat.publicity_days != days:
                    changes[f"days:{code}"] = [cat.publicity_days, days]
                    cat.publicity_days = days
            wanted = {"contact": contact, "phone": phone, "risk_days": risk_days}
            for field, value in wanted.items():
                if (value is None and field != "risk_days") or value == "":
                    continue
                text = "" if value is None else str(value).strip()
                row = s.get(Meta, SETTING_KEYS[field])
                old = row.value if row is not None else ""
                if old == text:
                    continue
                if row is None:
                    s.add(Meta(key=SETTING_KEYS[field], value=text))
                else:
                    row.value = text
                changes[field] = [old, text]
            if changes:
                lg.record(s, actor, "settings.publicity", "settings", None, {"changes": changes})
        return self.settings()

    # -- who may act where ---------------------------------------------------------------------------
    @staticmethod
    def may_run(actor: Actor, township_id: int | None = None) -> bool:
        if "coordinator" in actor.roles:
            return True
        if "verifier" in actor.roles and actor.township_id is not None:
            return township_id is None or township_id == actor.township_id
        return False

    def _require(self, actor: Actor, township_id: int) -> None:
        if not self.may_run(actor):
            raise PermissionDenied("只有县级统筹员或乡镇核验员可以组织公示、登记异议")
        if not self.may_run(actor, township_id):
            raise PermissionDenied("乡镇核验员只能组织本乡镇各村的公示")

    # -- reading -------------------------------------------------------------------------------------
    def candidates(self, actor: Actor, village_id: int) -> list[ItemView]:
        """Cases of the village that wait for 公示: 待审批, of a category with 公示, and not on a
        公示 started since their last 核验."""
        lg = self._ledger
        actor = lg.current_actor(actor)
        with lg.reading() as s:
            rows = s.execute(
                select(Case, Household, Subcategory.name)
                .join(Category, Category.code == Case.category)
                .join(Subcategory, Subcategory.code == Case.subcategory)
                .outerjoin(Household, Household.id == Case.household_id)
                .where(
                    Case.village_id == village_id,
                    Case.state == "pending_approval",
                    Category.publicity_days.is_not(None),
                )
                .order_by(Case.number)
            ).all()
            out = []
            for case, h, sub_name in rows:
                if not self.may_run(actor, case.township_id) or self._case_item(s, case) is not None:
                    continue
                out.append(_item_of(0, case, h, sub_name))
            return out

    def monitored(self, actor: Actor, village_id: int) -> list[ItemView]:
        """Households of the village holding a 监测对象 tag not yet on a 公示 (for 风险消除)."""
        lg = self._ledger
        actor = lg.current_actor(actor)
        today = lg.today()
        with lg.reading() as s:
            rows = s.execute(
                select(HouseholdTag, Household)
                .join(Household, Household.id == HouseholdTag.household_id)
                .where(
                    Household.village_id == village_id, HouseholdTag.tag == RISK_TAG, HouseholdTag.end_date.is_(None)
                )
                .order_by(Household.head_name, HouseholdTag.id)
            ).all()
            posted = set(s.scalars(select(PublicityItem.tag_id).where(PublicityItem.tag_id.is_not(None))))
            return [
                _tag_item(0, t, h)
                for t, h in rows
                if t.id not in posted and self.may_run(actor, h.township_id) and (t.start_date or today) <= today
            ]

    def batches(self, actor: Actor, *, village_id: int | None = None, case_id: int | None = None) -> list[BatchView]:
        """The 公示 the account may see, newest first (of a village, or listing a case)."""
        lg = self._ledger
        actor = lg.current_actor(actor)
        with lg.reading() as s:
            query = select(PublicityBatch).order_by(PublicityBatch.start_date.desc(), PublicityBatch.id.desc())
            if village_id is not None:
                query = query.where(PublicityBatch.village_id == village_id)
            if case_id is not None:
                query = query.where(
                    PublicityBatch.id.in_(select(PublicityItem.batch_id).where(PublicityItem.case_id == case_id))
                )
            if not actor.roles & {"coordinator", "approver", "viewer", "clerk"}:
                if "verifier" not in actor.roles or actor.township_id is None:
                    return []
                query = query.where(PublicityBatch.township_id == actor.township_id)
            return [self._batch_view(s, b) for b in s.scalars(query)]

    def batch(self, actor: Actor, batch_id: int) -> BatchView:
        found = [b for b in self.batches(actor) if b.id == batch_id]
        if not found:
            raise NotFound(f"没有编号为 {batch_id} 的公示，或您无权查看")
        return found[0]

    def case_state(self, case_id: int) -> str:
        """The 公示 state of a case as the case window shows it ("" when its category needs none)."""
        lg = self._ledger
        with lg.reading() as s:
            case = s.get(Case, case_id)
            if case is None:
                return ""
            cat = s.get(Category, case.category)
            if cat is None or cat.publicity_days is None:
                return ""
            found = self._case_item(s, case)
            if found is None:
                # a case closed or void before its category asked for 公示 has nothing to show
                return f"须公示{cat.publicity_days}天，尚未公示" if case.state not in ("closed", "void") else ""
            return _state_text(s, lg.today(), *found)

    # -- writing -------------------------------------------------------------------------------------
    def start(
        self,
        actor: Actor,
        village_id: int,
        case_ids: Sequence[int],
        *,
        start_date: dt.date | None = None,
        days: int | None = None,
        note: str = "",
    ) -> BatchView:
        """A 公示 of chosen 待审批 cases of one village, from `start_date` (today when None, never
        earlier) for `days` days (at least what each case's category asks)."""
        lg = self._ledger
        lg.refuse_if_read_only()
        if not case_ids:
            raise ValidationError("请至少选择一个待公示的问题")
        with lg.unit_of_work() as s:
            actor = lg.authority(s, actor)
            village = self._village(s, village_id)
            self._require(actor, village.parent_id or 0)
            problems: list[str] = []
            longest = 0
            items = []
            for case_id in dict.fromkeys(case_ids):
                case = s.get(Case, case_id)
                if case is None:
                    raise NotFound(f"没有编号为 {case_id} 的问题")
                cat = s.get(Category, case.category)
                assert cat is not None
                if case.village_id != village_id:
                    problems.append(f"问题 {case.number} 不属于{village.name}")
                elif case.state != "pending_approval":
                    problems.append(f"问题 {case.number} 尚未经乡镇核验通过（待审批），不能公示")
                elif cat.publicity_days is None:
                    problems.append(f"问题 {case.number} 属于“{cat.name}”，该类问题无需公示")
                elif self._case_item(s, case) is not None:
                    problems.append(f"问题 {case.number} 已在公示中或已公示")
                else:
                    longest = max(longest, cat.publicity_days)
                    items.append(PublicityItem(household_id=case.household_id, case_id=case.id))
            batch = self._new_batch(s, actor, "close", village, start_date, days, longest, note, problems)
            return self._post(s, actor, batch, village.name, items, "cases", [i.case_id for i in items])

    def start_risk(
        self,
        actor: Actor,
        village_id: int,
        tag_ids: Sequence[int],
        *,
        start_date: dt.date | None = None,
        days: int | None = None,
        note: str = "",
    ) -> BatchView:
        """A 公示 of 监测对象 households of one village proposed for 风险消除."""
        lg = self._ledger
        lg.refuse_if_read_only()
        required = self.settings().risk_days
        if required is None:
            raise ValidationError("未设置风险消除前公示（在“公示设置”中填写天数后使用）")
        if not tag_ids:
            raise ValidationError("请至少选择一户拟风险消除的监测对象")
        with lg.unit_of_work() as s:
            actor = lg.authority(s, actor)
            village = self._village(s, village_id)
            self._require(actor, village.parent_id or 0)
            problems: list[str] = []
            items = []
            for tag_id in dict.fromkeys(tag_ids):
                t = s.get(HouseholdTag, tag_id)
                h = s.get(Household, t.household_id) if t is not None else None
                if t is None or h is None or t.tag != RISK_TAG:
                    raise NotFound(f"没有编号为 {tag_id} 的监测对象标签")
                if h.village_id != village_id:
                    problems.append(f"{h.head_name}户不属于{village.name}")
                elif t.end_date is not None:
                    problems.append(f"{h.head_name}户的监测对象标签已于 {t.end_date:%Y-%m-%d} 结束")
                elif s.scalar(select(PublicityItem.id).where(PublicityItem.tag_id == t.id)) is not None:
                    problems.append(f"{h.head_name}户已在公示中或已公示")
                else:
                    items.append(PublicityItem(household_id=h.id, tag_id=t.id))
            batch = self._new_batch(s, actor, "risk", village, start_date, days, required, note, problems)
            return self._post(s, actor, batch, village.name, items, "tags", [i.tag_id for i in items])

    def _post(
        self,
        s: Session,
        actor: Actor,
        batch: PublicityBatch,
        village: str,
        items: list[PublicityItem],
        listed: str,
        ids: list[int | None],
    ) -> BatchView:
        """The items of a new 公示 written under it, with the one audited event that posts it."""
        for item in items:
            item.batch_id = batch.id
        s.add_all(items)
        s.flush()
        payload = {"kind": batch.kind, "village": village, "start": batch.start_date.isoformat(),
                   "days": batch.days, listed: ids}  # fmt: skip
        self._ledger.record(s, actor, "publicity.start", "publicity", batch.id, payload)
        return self._batch_view(s, batch)

    def object(self, actor: Actor, item_id: int, received_date: dt.date, raised_by: str, content: str) -> ObjectionView:
        """Record an objection received against one item of a 公示."""
        lg = self._ledger
        lg.refuse_if_read_only()
        raised_by, content = raised_by.strip() or "匿名", content.strip()
        problems = [] if content else ["请填写异议内容"]
        problems += textrules.problems({"signer_name": raised_by, "reason": content})
        problems = [p.replace("签字人姓名", "异议人").replace("理由", "异议内容") for p in problems]
        if problems:
            raise ValidationError(problems)
        with lg.unit_of_work() as s:
            actor = lg.authority(s, actor)
            item = s.get(PublicityItem, item_id)
            if item is None:
                raise NotFound(f"没有编号为 {item_id} 的公示对象")
            batch = s.get(PublicityBatch, item.batch_id)
            assert batch is not None
            self._require(actor, batch.township_id)
            if received_date < batch.start_date or received_date > lg.today():
                raise ValidationError(f"收到异议的日期应在公示开始（{cn(batch.start_date)}）至今天之间")
            o = PublicityObjection(
                item_id=item.id, received_date=received_date, raised_by=raised_by, content=content,
                recorded_by=actor.id, recorded_at=lg.clock(), handling="",
            )  # fmt: skip
            s.add(o)
            s.flush()
            payload = {
                "batch": batch.id,
                "item": item.id,
                "case_id": item.case_id,
                "raised_by": raised_by,
                "content": content,
            }
            lg.record(s, actor, "publicity.object", "objection", o.id, payload, case_id=item.case_id)
            return _objection_view(s, o)

    def resolve(self, actor: Actor, objection_id: int, handling: str) -> ObjectionView:
        """Record how an objection was handled (核实情况和处理结果); it is then closed."""
        lg = self._ledger
        lg.refuse_if_read_only()
        handling = handling.strip()
        problems = [] if len(handling) >= 4 else ["请填写异议的核实情况和处理结果（至少4个字）"]
        problems += [p.replace("理由", "处理结果") for p in textrules.problems({"reason": handling})]
        if problems:
            raise ValidationError(problems)
        with lg.unit_of_work() as s:
            actor = lg.authority(s, actor)
            o = s.get(PublicityObjection, objection_id)
            if o is None:
                raise NotFound(f"没有编号为 {objection_id} 的异议")
            item = s.get(PublicityItem, o.item_id)
            batch = s.get(PublicityBatch, item.batch_id) if item is not None else None
            assert item is not None and batch is not None
            self._require(actor, batch.township_id)
            if o.resolved_date is not None:
                raise ValidationError(f"该异议已于 {cn(o.resolved_date)} 处理完毕")
            o.handling, o.resolved_date, o.resolved_by = handling, lg.today(), actor.id
            payload = {"batch": batch.id, "item": item.id, "case_id": item.case_id, "handling": handling}
            lg.record(s, actor, "publicity.resolve", "objection", o.id, payload, case_id=item.case_id)
            return _objection_view(s, o)

    # -- the gates -------------------------------------------------------------------------------------
    def close_problems(self, s: Session, case: Case, action: str) -> list[str]:
        """Why 审批销号 of `case` must wait for its 公示 (empty: it need not, or it may go ahead)."""
        if action != "approve":
            return []
        cat = s.get(Category, case.category)
        if cat is None or cat.publicity_days is None:
            return []
        found = self._case_item(s, case)
        if found is None:
            return [f"“{cat.name}”类问题须在村内公示{cat.publicity_days}天、无异议后才能审批销号；该问题尚未公示"]
        return _gate(s, self._ledger.today(), *found, "审批销号")

    def risk_problems(self, s: Session, tag: HouseholdTag) -> list[str]:
        """Why ending this 监测对象 tag (风险消除) must wait for its 公示."""
        if tag.tag != RISK_TAG:
            return []
        row = s.get(Meta, SETTING_KEYS["risk_days"])
        if row is None or not row.value.isdigit():
            return []
        found = s.execute(
            select(PublicityItem, PublicityBatch)
            .join(PublicityBatch, PublicityBatch.id == PublicityItem.batch_id)
            .where(PublicityItem.tag_id == tag.id, PublicityBatch.kind == "risk")
            .order_by(PublicityBatch.created_at.desc())
            .limit(1)
        ).first()
        if found is None:
            return [f"监测对象风险消除前须在村内公示{row.value}天、无异议；该户尚未公示"]
        return _gate(s, self._ledger.today(), found[0], found[1], "风险消除")

    # -- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _village(s: Session, village_id: int) -> Region:
        village = s.get(Region, village_id)
        if village is None or village.level != "village":
            raise NotFound(f"没有编号为 {village_id} 的村")
        return village

    def _new_batch(
        self,
        s: Session,
        actor: Actor,
        kind: str,
        village: Region,
        start_date: dt.date | None,
        days: int | None,
        required: int,
        note: str,
        problems: list[str],
    ) -> PublicityBatch:
        today = self._ledger.today()
        start = start_date or today
        days = days if days is not None else required
        if start < today:
            problems.append("公示开始日期不能早于今天（不能补登已过去的公示期）")
        elif start > today + dt.timedelta(days=MAX_DAYS):
            problems.append(f"公示开始日期不能晚于{MAX_DAYS}天后")
        if (p := _days_problem(days, "公示天数")) is not None:
            problems.append(p)
        elif days < required:
            problems.append(f"公示天数不能少于{required}天")
        problems += [p.replace("备注", "公示说明") for p in textrules.problems({"remarks": note})]
        if problems:
            raise ValidationError(problems)
        batch = PublicityBatch(
            kind=kind, township_id=village.parent_id, village_id=village.id, start_date=start, days=days,
            note=note.strip(), created_by=actor.id, created_at=self._ledger.clock(),
        )  # fmt: skip
        s.add(batch)
        s.flush()
        return batch

    @staticmethod
    def _case_item(s: Session, case: Case) -> tuple[PublicityItem, PublicityBatch] | None:
        """The case's latest 公示 started after its last 核验 (one before a 退回 does not count)."""
        verified = s.scalar(
            select(CaseAction.at)
            .where(CaseAction.case_id == case.id, CaseAction.action == "verify")
            .order_by(CaseAction.at.desc())
            .limit(1)
        )
        query = (
            select(PublicityItem, PublicityBatch)
            .join(PublicityBatch, PublicityBatch.id == PublicityItem.batch_id)
            .where(PublicityItem.case_id == case.id, PublicityBatch.kind == "close")
            .order_by(PublicityBatch.created_at.desc())
            .limit(1)
        )
        if verified is not None:
            query = query.where(PublicityBatch.created_at > verified)
        found = s.execute(query).first()
        return (found[0], found[1]) if found is not None else None

    def _batch_view(self, s: Session, b: PublicityBatch) -> BatchView:
        regions = self._ledger.catalog.regions
        creator = s.get(User, b.created_by)
        items = []
        for item in s.scalars(select(PublicityItem).where(PublicityItem.batch_id == b.id).order_by(PublicityItem.id)):
            objections = tuple(
                _objection_view(s, o)
                for o in s.scalars(
                    select(PublicityObjection)
                    .where(PublicityObjection.item_id == item.id)
                    .order_by(PublicityObjection.id)
                )
            )
            h = s.get(Household, item.household_id) if item.household_id else None
            if item.case_id is not None:
                case = s.get(Case, item.case_id)
                assert case is not None
                sub = s.get(Subcategory, case.subcategory)
                view = _item_of(item.id, case, h, sub.name if sub else case.subcategory)
            else:
                t = s.get(HouseholdTag, item.tag_id)
                assert t is not None and h is not None
                view = _tag_item(item.id, t, h)
            items.append(ItemView(**{**view.__dict__, "objections": objections}))
        return BatchView(
            b.id, b.kind, b.township_id, regions[b.township_id].name, b.village_id, regions[b.village_id].name,
            b.start_date, b.days, b.note, creator.display_name if creator else "", b.created_at, tuple(items),
        )  # fmt: skip


def _item_of(item_id: int, case: Case, h: Household | None, sub_name: str) -> ItemView:
    return ItemView(
        item_id, case.id, case.number, h.id if h else None, h.head_name if h else "（村级问题）",
        h.head_id_number if h else "", h.group_name if h else "", sub_name, case.description,
    )  # fmt: skip


def _tag_item(item_id: int, t: HouseholdTag, h: Household) -> ItemView:
    since = f"，{t.start_date:%Y-%m-%d}纳入监测" if t.start_date else ""
    return ItemView(
        item_id, None, "", h.id, h.head_name, h.head_id_number, h.group_name, tag_label(t.tag, t.subtype),
        f"风险类型：{t.risk_type or '未填'}{since}", (), t.id,
    )  # fmt: skip


def _objection_view(s: Session, o: PublicityObjection) -> ObjectionView:
    def name(user_id: int | None) -> str:
        user = s.get(User, user_id) if user_id is not None else None
        return user.display_name if user else ""

    return ObjectionView(
        o.id, o.item_id, o.received_date, o.raised_by, o.content, name(o.recorded_by), o.handling,
        o.resolved_date, name(o.resolved_by),
    )  # fmt: skip


def _open_objections(s: Session, item_id: int) -> int:
    return len(
        s.scalars(
            select(PublicityObjection.id).where(
                PublicityObjection.item_id == item_id, PublicityObjection.resolved_date.is_(None)
            )
        ).all()
    )


def _gate(s: Session, today: dt.date, item: PublicityItem, batch: PublicityBatch, what: str) -> list[str]:
    end = batch.start_date + dt.timedelta(days=batch.days - 1)
    if today <= end:
        return [
            f"公示期为{cn(batch.start_date)}至{cn(end)}，公示期满（{cn(end + dt.timedelta(days=1))}起）后才能{what}"
        ]
    n = _open_objections(s, item.id)
    if n:
        return [f"公示期间收到的异议有 {n} 条尚未处理完毕，请先登记核实和处理结果后再{what}"]
    return []


def _state_text(s: Session, today: dt.date, item: PublicityItem, batch: PublicityBatch) -> str:
    end = batch.start_date + dt.timedelta(days=batch.days - 1)
    n = _open_objections(s, item.id)
    span = f"{batch.start_date:%Y-%m-%d}至{end:%Y-%m-%d}"
    if today <= end:
        return f"公示中（{span}）" + (f"，异议 {n} 条待处理" if n else "")
    return f"已公示（{span}）" + (f"，异议 {n} 条待处理" if n else "，无未处理异议")
