"""Households as a living register (issue 15 item 2): edit a household, its members and its dated
tags, each change in one unit of work with one audit event whose payload carries the changes as
{field: [before, after]} (ID numbers and phones masked, health notes never written), so the 变更历史
of a household shows them and `verify` holds every row to its stamp.

Who may edit: 录入员 and 县级统筹 every household (as they may create one); a 乡镇核验员 the
households of the own township (the township checks its households on the ground; moving one to a
village of another township is refused). Everyone else is refused in Chinese.

The household's `kind` (户类型) stays what lists show; a change of kind writes the tags the new kind
implies when the household does not hold them (识别日期 today) and ends none: a 脱贫户 identified as a
监测对象 remains a 脱贫户. Tags end by `end_tag` (风险消除/退出) with a date and a reason. A household
moved to another village keeps its cases where they were registered: a case records where the
problem was found, and its sign-offs stay valid.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from ledger import ids, schema, textrules
from ledger.access import may_see_health, visibility, visible_condition
from ledger.dto import Actor, HistoryEntry, HouseholdView, MemberView, TagCount, TagView
from ledger.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from ledger.events import event_name
from ledger.models import AuditEvent, Case, Household, HouseholdTag, Member, Region
from ledger.search import reindex
from ledger.tags import active_on, kind_synonyms, risk_types, tag_label, tags_for_kind, vocabulary
from ledger.workflow import OPEN_STATES

EDIT_ROLES = frozenset({"clerk", "coordinator"})  # every household
TOWNSHIP_EDIT_ROLE = "verifier"  # the households of the own township

HOUSEHOLD_FIELDS = {
    "head_name": "户主姓名",
    "phone": "联系电话",
    "group_name": "村民小组",
    "size": "家庭人口",
    "kind": "户类型",
    "village_id": "所在村",
}
MEMBER_FIELDS = {"name": "姓名", "id_number": "身份证号", "relation": "与户主关系", "health": "健康/残疾状况"}
TAG_FIELDS = {
    "tag": "标签",
    "subtype": "类型",
    "risk_type": "风险类型",
    "start_date": "识别日期",
    "end_date": "风险消除/退出日期",
    "note": "备注",
}
LABELS = {**HOUSEHOLD_FIELDS, **MEMBER_FIELDS, **TAG_FIELDS, "township_id": "所在乡镇"}
HIDDEN_HEALTH = "（健康信息不记入日志）"
GROUP_LIMIT = 32  # households.group_name
RELATION_LIMIT = 16  # members.relation
HEALTH_LIMIT = 64  # members.health


def canonical_kind(kind: str) -> str:
    """A 户类型 as the ledger spells it: 监测户 → 监测对象 (catalog synonyms)."""
    kind = kind.strip()
    return kind_synonyms().get(kind, kind)


def phone_problem(phone: str) -> str | None:
    if phone and (not phone.isdigit() or len(phone) not in (7, 8, 11, 12)):
        return "联系电话格式不正确"
    return None


def tag_view(t: HouseholdTag, today: dt.date) -> TagView:
    active = (t.start_date is None or t.start_date <= today) and (t.end_date is None or t.end_date > today)
    return TagView(
        id=t.id,
        household_id=t.household_id,
        tag=t.tag,
        subtype=t.subtype or "",
        risk_types=tuple(r for r in (t.risk_type or "").split("、") if r),
        start_date=t.start_date,
        end_date=t.end_date,
        note=t.note or "",
        active=active,
        label=tag_label(t.tag, t.subtype or ""),
    )


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _limit(problems: list[str], label: str, value: str, limit: int) -> None:
    if len(value) > limit:
        problems.append(f"“{label}”最多{limit}个字，现为{len(value)}个字")


class HouseholdEditing:
    """Mixed into HouseholdService: `self._ledger` and `self.kinds` come from it."""

    _ledger: Any
    kinds: tuple[str, ...]
    # (audit head, day, viewer's scope) of the last tag count, and its figures (tag_counts)
    _tag_counts_last: tuple[tuple[object, ...], tuple[TagCount, ...]] | None = None

    # -- who may edit -------------------------------------------------------------------------------
    def may_edit(self, actor: Actor, township_id: int | None = None) -> bool:
        """Whether `actor` may edit households (of `township_id`, when given)."""
        if actor.roles & EDIT_ROLES:
            return True
        if TOWNSHIP_EDIT_ROLE in actor.roles and actor.township_id is not None:
            return township_id is None or township_id == actor.township_id
        return False

    def _editable(self, s: Session, actor: Actor, household_id: int) -> tuple[Actor, Household]:
        actor = self._ledger.authority(s, actor)
        if not self.may_edit(actor):
            raise PermissionDenied("只有录入员、县级统筹或本乡镇的核验员可以修改农户档案")
        h = s.get(Household, household_id)
        if h is None:
            raise NotFound(f"没有编号为 {household_id} 的农户")
        if not self.may_edit(actor, h.township_id):
            raise PermissionDenied("乡镇核验员只能修改本乡镇的农户档案")
        return actor, h

    def _event(self, s: Session, actor: Actor, code: str, h: Household, payload: dict[str, Any]) -> None:
        self._ledger.record(s, actor, code, "household", h.id, {"head_name": h.head_name, **payload})

    # -- the household --------------------------------------------------------------------------------
    def update(
        self,
        actor: Actor,
        household_id: int,
        changes: Mapping[str, object],
        *,
        expected: HouseholdView | None = None,
        note: str = "",
    ) -> HouseholdView:
        """Change some of head_name, phone, group_name, size, kind, village_id. `expected` is the
        household as the editor saw it: when someone saved it since, nothing is written
        (ConflictError) and the editor keeps what was typed."""
        from ledger.services.households import household_view

        unknown = sorted(set(changes) - set(HOUSEHOLD_FIELDS))
        if unknown:
            raise ValidationError(f"不能修改的农户字段：{'、'.join(unknown)}")
        wanted, problems = self._checked_household(changes)
        if problems:
            raise ValidationError(problems)
        textrules.require({"reason": note})
        with self._ledger.unit_of_work() as s:
            actor, h = self._editable(s, actor, household_id)
            if expected is not None and household_view(h) != expected:
                raise ConflictError("该农户档案已被其他人修改，您的修改未保存。请重新打开后再改，您填写的内容已保留。")
            diff: dict[str, list[object]] = {}
            if "village_id" in wanted and wanted["village_id"] != h.village_id:
                village = s.get(Region, wanted["village_id"])
                if village is None or village.level != "village":
                    raise ValidationError("请选择所在村")
                if not self.may_edit(actor, village.parent_id):
                    raise PermissionDenied("乡镇核验员不能把农户迁到其他乡镇的村")
                if village.parent_id != h.township_id:
                    diff["township_id"] = [h.township_id, village.parent_id]
                    h.township_id = int(village.parent_id or 0)
                diff["village_id"] = [h.village_id, village.id]
                h.village_id = village.id
            for name in ("head_name", "phone", "group_name", "size", "kind"):
                if name in wanted and wanted[name] != getattr(h, name):
                    before = getattr(h, name)
                    diff[name] = (
                        [ids.mask_phone(before), ids.mask_phone(str(wanted[name]))]
                        if name == "phone"
                        else [before, wanted[name]]
                    )
                    setattr(h, name, wanted[name])
            if not diff:
                return household_view(h)
            if "head_name" in diff:  # the quick-search rows of its cases hold the head's name
                s.flush()
                reindex(s, Case.household_id == h.id)
            added = self._tags_of_kind(s, h) if "kind" in diff else []
            payload: dict[str, object] = {"changes": diff}
            if added:
                payload["tags_added"] = added
            if note.strip():
                payload["reason"] = note.strip()
            self._event(s, actor, "household.update", h, payload)
            return household_view(h)

    def _checked_household(self, changes: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
        wanted: dict[str, object] = {}
        problems: list[str] = []
        if "head_name" in changes:
            name = _text(changes["head_name"])
            if not name:
                problems.append("户主姓名不能为空")
            problems += textrules.problems({"head_name": name})
            wanted["head_name"] = name
        if "phone" in changes:
            phone = ids.normalize(_text(changes["phone"]))
            if (p := phone_problem(phone)) is not None:
                problems.append(p)
            wanted["phone"] = phone
        if "group_name" in changes:
            group = _text(changes["group_name"])
            _limit(problems, "村民小组", group, GROUP_LIMIT)
            if textrules.problem("head_name", group, "村民小组"):
                problems.append("“村民小组”含有不可见的控制字符，请删除后重新填写")
            wanted["group_name"] = group
        if "size" in changes:
            try:
                size = int(str(changes["size"]).strip())
            except ValueError:
                size = 0
            if size < 1:
                problems.append("家庭人口至少为1")
            wanted["size"] = size
        if "kind" in changes:
            kind = canonical_kind(_text(changes["kind"]))
            if kind not in self.kinds:
                problems.append(f"户类型应为：{'、'.join(self.kinds)}")
            wanted["kind"] = kind
        if "village_id" in changes:
            try:
                wanted["village_id"] = int(str(changes["village_id"]))
            except ValueError:
                problems.append("请选择所在村")
        return wanted, problems

    def _tags_of_kind(self, s: Session, h: Household) -> list[str]:
        """Add the tags h.kind implies that h does not hold now; their labels."""
        today = self._ledger.today()
        added = []
        for tag, subtype in tags_for_kind(h.kind):
            if self._open_tag(s, h.id, tag) is None:
                s.add(
                    HouseholdTag(household_id=h.id, tag=tag, subtype=subtype, risk_type="", start_date=today, note="")
                )
                added.append(tag_label(tag, subtype))
        return added

    @staticmethod
    def _open_tag(s: Session, household_id: int, tag: str, after: dt.date | None = None) -> HouseholdTag | None:
        """A tag of this kind still open (no end date), or ending after `after`."""
        ends: ColumnElement[bool] = HouseholdTag.end_date.is_(None)
        if after is not None:
            ends = or_(ends, HouseholdTag.end_date > after)
        return s.scalar(
            select(HouseholdTag)
            .where(HouseholdTag.household_id == household_id, HouseholdTag.tag == tag, ends)
            .limit(1)
        )

    # -- members ---------------------------------------------------------------------------------------
    def _checked_member(
        self, values: Mapping[str, object], *, health_allowed: bool
    ) -> tuple[dict[str, str], list[str]]:
        wanted: dict[str, str] = {}
        problems: list[str] = []
        unknown = sorted(set(values) - set(MEMBER_FIELDS))
        if unknown:
            problems.append(f"不能修改的成员字段：{'、'.join(unknown)}")
        if "name" in values:
            name = _text(values["name"])
            if not name:
                problems.append("家庭成员姓名不能为空")
            problems += textrules.problems({"member_name": name})
            wanted["name"] = name
        if "id_number" in values:
            raw = _text(values["id_number"])
            try:
                wanted["id_number"] = ids.validate_id(raw, today=self._ledger.today()) if raw else ""
            except ValidationError as err:
                problems += [f"家庭成员{wanted.get('name', '')}：{p}" for p in err.problems]
        if "relation" in values:
            relation = _text(values["relation"])
            _limit(problems, "与户主关系", relation, RELATION_LIMIT)
            wanted["relation"] = relation
        if "health" in values:
            if not health_allowed:
                problems.append("修改健康/残疾状况需要“查看家庭成员的健康和残疾信息”权限")
            health = _text(values["health"])
            _limit(problems, "健康/残疾状况", health, HEALTH_LIMIT)
            wanted["health"] = health
        for key in ("relation", "health"):
            if key in wanted and textrules.problem("member_name", wanted[key], MEMBER_FIELDS[key]):
                problems.append(f"“{MEMBER_FIELDS[key]}”含有不可见的控制字符，请删除后重新填写")
        return wanted, problems

    def _same_person(self, s: Session, h: Household, number: str, member_id: int | None = None) -> None:
        if not number:
            return
        if number == h.head_id_number:
            raise ValidationError(f"身份证号 {ids.mask(number)} 是户主本人的号码")
        clash = s.scalar(
            select(Member.name).where(
                Member.household_id == h.id, Member.id_number == number, Member.id != (member_id or -1)
            )
        )
        if clash is not None:
            raise ValidationError(f"身份证号 {ids.mask(number)} 已是本户成员{clash}的号码")

    @staticmethod
    def _member_payload(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, list[object]]:
        out: dict[str, list[object]] = {}
        for key in MEMBER_FIELDS:
            old, new = before.get(key, ""), after.get(key, "")
            if key not in after or old == new:
                continue
            if key == "id_number":
                out[key] = [ids.mask(old), ids.mask(new)]
            elif key == "health":
                out[key] = [HIDDEN_HEALTH if old else "", HIDDEN_HEALTH if new else ""]
            else:
                out[key] = [old, new]
        return out

    def add_member(
        self, actor: Actor, household_id: int, name: str, id_number: str = "", relation: str = "", health: str = ""
    ) -> MemberView:
        values = {"name": name, "id_number": id_number, "relation": relation}
        with self._ledger.reading() as s:
            allowed = may_see_health(self._ledger.authority(s, actor))
        if health.strip():
            values["health"] = health
        wanted, problems = self._checked_member(values, health_allowed=allowed)
        if problems:
            raise ValidationError(problems)
        with self._ledger.unit_of_work() as s:
            actor, h = self._editable(s, actor, household_id)
            self._same_person(s, h, wanted["id_number"])
            m = Member(
                household_id=h.id,
                health=wanted.get("health", ""),
                **{k: wanted[k] for k in ("name", "id_number", "relation")},
            )
            s.add(m)
            s.flush()
            diff = self._member_payload({}, wanted)
            self._event(s, actor, "member.add", h, {"member_id": m.id, "name": m.name, "changes": diff})
            return MemberView(m.name, m.id_number, m.relation, m.health if allowed else "", m.id)

    def update_member(self, actor: Actor, member_id: int, changes: Mapping[str, object]) -> MemberView:
        with self._ledger.reading() as s:
            allowed = may_see_health(self._ledger.authority(s, actor))
        wanted, problems = self._checked_member(changes, health_allowed=allowed)
        if problems:
            raise ValidationError(problems)
        with self._ledger.unit_of_work() as s:
            m = s.get(Member, member_id)
            if m is None:
                raise NotFound(f"没有编号为 {member_id} 的家庭成员")
            actor, h = self._editable(s, actor, m.household_id)
            if "id_number" in wanted:
                self._same_person(s, h, wanted["id_number"], m.id)
            before = {k: getattr(m, k) or "" for k in MEMBER_FIELDS}
            diff = self._member_payload(before, wanted)
            if diff:
                for key, value in wanted.items():
                    setattr(m, key, value)
                if "name" in diff:  # the quick-search rows of the cases naming the member hold the name
                    s.flush()
                    reindex(s, Case.member_id == m.id)
                self._event(s, actor, "member.update", h, {"member_id": m.id, "name": m.name, "changes": diff})
            return MemberView(m.name, m.id_number, m.relation, m.health if allowed else "", m.id)

    def remove_member(self, actor: Actor, member_id: int, reason: str = "") -> None:
        textrules.require({"reason": reason})
        with self._ledger.unit_of_work() as s:
            m = s.get(Member, member_id)
            if m is None:
                raise NotFound(f"没有编号为 {member_id} 的家庭成员")
            actor, h = self._editable(s, actor, m.household_id)
            named = s.scalars(select(Case.number).where(Case.member_id == m.id).limit(3)).all()
            if named:
                raise ValidationError(f"问题 {'、'.join(named)} 涉及该成员，不能移除；可修改其信息")
            before = {k: getattr(m, k) or "" for k in MEMBER_FIELDS}
            diff = self._member_payload(before, {k: "" for k in MEMBER_FIELDS})
            s.delete(m)
            payload: dict[str, object] = {"member_id": member_id, "name": before["name"], "changes": diff}
            if reason.strip():
                payload["reason"] = reason.strip()
            self._event(s, actor, "member.remove", h, payload)

    # -- tags ------------------------------------------------------------------------------------------
    def tags(self, household_id: int) -> list[TagView]:
        """The household's tags, open ones first, each by its 识别日期."""
        today = self._ledger.today()
        with self._ledger.reading() as s:
            rows = s.scalars(
                select(HouseholdTag).where(HouseholdTag.household_id == household_id).order_by(HouseholdTag.id)
            ).all()
            views = [tag_view(t, today) for t in rows]
        return sorted(views, key=lambda t: (t.end_date is not None, t.start_date or dt.date.min, t.id))

    def add_tag(
        self,
        actor: Actor,
        household_id: int,
        tag: str,
        subtype: str = "",
        risk_types_: tuple[str, ...] | list[str] = (),
        start_date: dt.date | None = None,
        note: str = "",
    ) -> TagView:
        """A dated tag: 识别日期 `start_date` (today when None); 风险类型 only for a 监测对象."""
        vocab = vocabulary()
        tag, subtype = tag.strip(), subtype.strip()
        chosen = [r.strip() for r in risk_types_ if r.strip()]
        problems: list[str] = []
        kind = vocab.get(tag)
        if kind is None:
            problems.append(f"标签应为：{'、'.join(vocab)}")
        else:
            if subtype and subtype not in kind.subtypes:
                problems.append(
                    f"“{tag}”的类型应为：{'、'.join(kind.subtypes)}" if kind.subtypes else f"“{tag}”没有类型之分"
                )
            if chosen and not kind.has_risk:
                problems.append(f"只有监测对象填写风险类型，“{tag}”不填")
            wrong = [r for r in chosen if r not in risk_types()]
            if wrong:
                problems.append(f"风险类型“{'、'.join(wrong)}”不在可选范围内（{'、'.join(risk_types())}）")
            if len(set(chosen)) != len(chosen):
                problems.append("风险类型有重复")
        start = start_date or self._ledger.today()
        if start > self._ledger.today():
            problems.append("识别日期不能晚于今天")
        problems += textrules.labelled_problems({"remarks": note}, {"remarks": "备注"})
        if problems:
            raise ValidationError(problems)
        risk = "、".join(r for r in risk_types() if r in chosen)  # the catalog's order
        with self._ledger.unit_of_work() as s:
            actor, h = self._editable(s, actor, household_id)
            clash = self._open_tag(s, h.id, tag, after=start)
            if clash is not None:
                until = f"至{clash.end_date:%Y-%m-%d}" if clash.end_date else "尚未结束"
                raise ValidationError(
                    f"该户已有“{tag_label(clash.tag, clash.subtype)}”标签（{until}），"
                    "同一标签不能同时有两个；请先办理风险消除/退出"
                )
            t = HouseholdTag(
                household_id=h.id, tag=tag, subtype=subtype, risk_type=risk, start_date=start, note=note.strip()
            )
            s.add(t)
            s.flush()
            values = {"tag": tag, "subtype": subtype, "risk_type": risk, "start_date": start.isoformat()}
            values["note"] = note.strip()
            diff: dict[str, list[object]] = {k: [None, v] for k, v in values.items() if v}
            self._event(
                s, actor, "household.tags", h, {"tag_id": t.id, "name": tag_label(tag, subtype), "changes": diff}
            )
            return tag_view(t, self._ledger.today())

    def end_tag(self, actor: Actor, tag_id: int, end_date: dt.date, reason: str) -> TagView:
        """风险消除/退出: the tag holds until `end_date` (exclusive), with the reason in its note."""
        problems: list[str] = []
        if not reason.strip():
            problems.append("请填写风险消除/退出的理由")
        problems += textrules.problems({"reason": reason})
        if end_date > self._ledger.today():
            problems.append("风险消除/退出日期不能晚于今天")
        if problems:
            raise ValidationError(problems)
        with self._ledger.unit_of_work() as s:
            t = s.get(HouseholdTag, tag_id)
            if t is None:
                raise NotFound(f"没有编号为 {tag_id} 的农户标签")
            actor, h = self._editable(s, actor, t.household_id)
            if t.end_date is not None:
                raise ValidationError(f"该标签已于 {t.end_date:%Y-%m-%d} 结束")
            if gate := self._ledger.publicity.risk_problems(s, t):  # 公示 before 风险消除, when set
                raise ValidationError(gate)
            if t.start_date is not None and end_date < t.start_date:
                raise ValidationError(
                    f"风险消除/退出日期不能早于识别日期（{t.start_date.year}年{t.start_date.month}月{t.start_date.day}日）"
                )
            note = f"{t.note}；{reason.strip()}" if t.note else reason.strip()
            if len(note) > schema.NOTE:
                raise ValidationError(f"“备注”最多{schema.NOTE}个字，请精简理由")
            diff = {"end_date": [None, end_date.isoformat()], "note": [t.note or "", note]}
            t.end_date, t.note = end_date, note
            payload = {"tag_id": t.id, "name": tag_label(t.tag, t.subtype), "reason": reason.strip(), "changes": diff}
            self._event(s, actor, "household.tags", h, payload)
            return tag_view(t, self._ledger.today())

    # -- reading ---------------------------------------------------------------------------------------
    def history(self, household_id: int) -> list[HistoryEntry]:
        """The household's 变更历史: creation, edits, members and tags, oldest first."""
        cat = self._ledger.catalog
        with self._ledger.reading() as s:
            events = s.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity == "household", AuditEvent.entity_id == household_id)
                .order_by(AuditEvent.seq)
            ).all()
            out = []
            for e in events:
                payload = json.loads(e.payload)
                changes = payload.get("changes") or {}
                if e.action == "household.create":
                    changes = {k: [None, payload[k]] for k in ("head_name", "kind", "village_id") if k in payload}
                rows = []
                order = list(LABELS)  # the log stores keys sorted; show them in the form's order
                for key, pair in sorted(changes.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99):
                    old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
                    if key in ("village_id", "township_id"):
                        old, new = (cat.region(int(v)).name if v else v for v in (old, new))
                    rows.append((LABELS.get(key, key), old, new))
                detail = payload.get("name") if e.action != "household.create" else ""
                if e.action == "household.update" and payload.get("tags_added"):
                    detail = "按户类型添加标签：" + "、".join(payload["tags_added"])
                if payload.get("reason"):
                    detail = f"{detail}（{payload['reason']}）" if detail else payload["reason"]
                out.append(
                    HistoryEntry(e.seq, e.at, e.actor_name, event_name(e.action), tuple(rows), str(detail or ""))
                )
            return out

    def tag_counts(self, visible_to: Actor | None = None, today: dt.date | None = None) -> list[TagCount]:
        """For each tag of the vocabulary: the households holding it today, their cases (已作废 left
        out, as the ledger report and the export count them) and those still open. Over what
        `visible_to` may see: a household through a case the user may see, as the 农户档案 list.
        Three grouped queries for all tags (the 工作台 runs this after every change; bench/core.py).

        A household counts once per tag however many rows of that tag it holds today; the cases are
        joined to the tag rows themselves, each tag row's index entry in (tag, household) order
        (revision 0020), and a household holding one tag twice at once — which the forms refuse, so
        the query for it finds nothing in an ordinary ledger — has its cases taken off again. Joined
        to the distinct holdings instead, SQLite first built and sorted them: 1.2 s at 1,000,000
        cases against ~0.5 s this way (docs/performance.md)."""
        today = today or self._ledger.today()
        seen = None
        if visible_to is not None:
            visible_to = self._ledger.current_actor(visible_to)
            vis = visibility(visible_to)
            seen = None if vis.everything else visible_condition(vis)
        holding = active_on(today)
        households = (
            select(HouseholdTag.tag, func.count(func.distinct(HouseholdTag.household_id)))
            .where(holding)
            .group_by(HouseholdTag.tag)
        )
        if seen is not None:
            households = households.where(HouseholdTag.household_id.in_(select(Case.household_id).where(seen)))
        still_open = Case.state.in_(tuple(OPEN_STATES))
        cases = (
            select(HouseholdTag.tag, func.count(), func.coalesce(func.sum(case((still_open, 1), else_=0)), 0))
            .join(Case, Case.household_id == HouseholdTag.household_id)
            .where(holding, Case.state != "void")
            .group_by(HouseholdTag.tag)
        )
        twice = (
            select(HouseholdTag.tag, HouseholdTag.household_id, (func.count() - 1).label("extra"))
            .where(holding)
            .group_by(HouseholdTag.tag, HouseholdTag.household_id)
            .having(func.count() > 1)
            .subquery()
        )
        counted_twice = (
            select(
                twice.c.tag,
                func.sum(twice.c.extra),
                func.coalesce(func.sum(case((still_open, twice.c.extra), else_=0)), 0),
            )
            .join(Case, Case.household_id == twice.c.household_id)
            .where(Case.state != "void")
            .group_by(twice.c.tag)
        )
        if seen is not None:
            cases, counted_twice = cases.where(seen), counted_twice.where(seen)
        with self._ledger.reading() as s:
            # Every change of a case or a tag writes an audit event: while the chain's head, the day
            # and the viewer's scope are those of the last count, its figures stand. The 工作台 asks
            # after each refresh, and at 1,000,000 cases the queries below cost ~0.5 s of CPU.
            key = (s.scalar(select(func.max(AuditEvent.seq))), today, None if visible_to is None else vis)
            last = self._tag_counts_last
            if last is not None and last[0] == key:
                return list(last[1])
            held = {tag: int(n) for tag, n in s.execute(households)}
            counted = {tag: (int(total), int(opened)) for tag, total, opened in s.execute(cases)}
            for tag, total, opened in s.execute(counted_twice):
                was = counted.get(tag, (0, 0))
                counted[tag] = (was[0] - int(total), was[1] - int(opened))
        figures = [
            TagCount(tag, held.get(tag, 0), counted.get(tag, (0, 0))[0], counted.get(tag, (0, 0))[1])
            for tag in vocabulary()
        ]
        self._tag_counts_last = (key, tuple(figures))
        return figures


__all__ = ["HouseholdEditing", "canonical_kind", "phone_problem", "tag_view"]
