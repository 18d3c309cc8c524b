"""The per-household half of the roster import's dry run (ledger/services/household_import.py):
grouping a roster's person rows into households, and checking one household against the ledger —
its place, head, 户类型 and tags, members — into a plan entry and the preview's Chinese lines."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from ledger import ids
from ledger.models import Household, HouseholdTag
from ledger.roster_layout import FIELD_LABELS, roster_date, split_words
from ledger.tabular import BadValue, Matcher, compact, parse_count
from ledger.tags import risk_types, tag_label, tags_for_kind, vocabulary

if TYPE_CHECKING:
    from ledger.services.household_import import HouseholdImportPlan, HouseholdOutcome, RosterRow, _Context

DEFAULT_KIND = "一般农户"
# Household-level columns that must agree on every row of a household.
_CONSISTENT = ("code", "township", "village", "kind", "monitor_kind")


def group_rows(plan: HouseholdImportPlan, rows: list[RosterRow]) -> dict[str, list[RosterRow]]:
    """Household key → its person rows, in file order: by 户编号; without one by the 户主身份证号
    column; without that, a 户主 row opens a household and the rows below it belong to it."""
    groups: dict[str, list[RosterRow]] = {}
    current: str | None = None
    current_head = ""
    for p in rows:
        code = p.text.get("code", "")
        head_name = compact(p.text.get("head_name", ""))
        if code:
            key = f"code:{code}"
        elif p.text.get("head_id"):
            key = f"id:{p.text['head_id']}"
        elif p.is_head:
            key = f"id:{p.id_number}" if p.id_number else f"row:{p.row}"
            current, current_head = key, p.name
        elif current is not None and (not head_name or head_name == current_head):
            key = current
        else:
            p.reasons.append("找不到该行所属的户：没有户编号，上方也没有该户的户主行")
            key = f"row:{p.row}"
        groups.setdefault(key, []).append(p)
    return groups


def display_key(key: str) -> str:
    kind, _, value = key.partition(":")
    if kind == "code":
        return value
    if kind == "id":
        return ids.mask(value)
    return f"第{value}行"


class HouseholdCheck:
    def __init__(self, ctx: _Context, plan: HouseholdImportPlan, outcome: HouseholdOutcome, people: list[RosterRow]):
        self.ctx, self.plan, self.o, self.people = ctx, plan, outcome, people
        self.group_key = outcome.key
        outcome.key = display_key(outcome.key)
        self.reasons = outcome.reasons
        self.head: RosterRow | None = None

    # -- helpers -------------------------------------------------------------------------------------
    def _one(self, f: str) -> str:
        values: list[str] = []
        rows: list[int] = []
        for p in self.people:
            v = p.text.get(f, "")
            if v and v not in values:
                values.append(v)
                rows.append(p.row)
        if len(values) > 1 and f in _CONSISTENT:
            listed = "、".join(f"{v}（第{r}行）" for v, r in zip(values, rows, strict=True))
            self.reasons.append(f"同一户各行的“{FIELD_LABELS[f]}”不一致：{listed}")
        if self.head is not None and self.head.text.get(f):
            return self.head.text[f]
        return values[0] if values else ""

    def _raw(self, f: str) -> object:
        ordered = ([self.head] if self.head is not None else []) + self.people
        for p in ordered:
            v = p.raw.get(f)
            if v not in (None, "") and not (isinstance(v, str) and not v.strip()):
                return v
        return None

    def _date(self, f: str) -> dt.date | None:
        try:
            value = roster_date(self._raw(f))
        except BadValue as err:
            self.reasons.append(f"{FIELD_LABELS[f]}{err}")
            return None
        if value is not None and value > self.ctx.today:
            self.reasons.append(f"{FIELD_LABELS[f]}不能晚于今天")
        return value

    # -- the check -------------------------------------------------------------------------------------
    def check(self) -> None:
        o, plan = self.o, self.plan
        for p in self.people:
            plan.rows.append(p)
            self.reasons += [f"第{p.row}行：{r}" for r in p.reasons]
            o.notes += [f"第{p.row}行：{n}" for n in p.notes]
        heads = [p for p in self.people if p.is_head]
        if not heads:
            self.reasons.append("该户没有户主行（“与户主关系”为“户主”的行，或姓名与“户主姓名”相同的行）")
        elif len(heads) > 1:
            self.reasons.append(f"该户有{len(heads)}个户主行（第{'、'.join(str(p.row) for p in heads)}行）")
        head = self.head = heads[0] if heads else None
        if head is not None:
            o.head_name = head.name
            if not head.id_number and not head.reasons:
                self.reasons.append(f"第{head.row}行：户主的证件号码不能为空")
        code = self._one("code")
        head_name = compact(self._one("head_name"))
        if head is not None and head_name and head_name != head.name:
            self.reasons.append(f"户主姓名“{head_name}”与户主行的姓名“{head.name}”不一致")
        head_id = self._one("head_id")
        if head is not None and head_id and head.id_number and head_id != head.id_number:
            self.reasons.append("户主身份证号与户主行的证件号码不一致")
        township_id, village_id = self._place()
        kinds = self._kinds()
        asserted = [pair for k in kinds for pair in tags_for_kind(k)] if kinds else None
        risk = self._risk()
        start, end = self._date("start_date"), self._date("end_date")
        if start and end and end < start:
            self.reasons.append("风险消除时间不能早于识别时间")
        monitored = asserted is not None and any(vocabulary()[t].has_risk for t, _s in asserted)
        if (risk or end) and not monitored:
            o.notes.append("风险类型、风险消除时间只适用于监测对象，本户未导入这两项")
        phone = ids.normalize(self._one("phone"))
        if phone and (not phone.isdigit() or len(phone) not in (7, 8, 11, 12)):
            self.reasons.append(f"联系电话“{phone}”格式不正确")
        size = None
        try:
            size = parse_count(self._raw("size"))
        except BadValue as err:
            self.reasons.append(f"家庭人口数{err}")
        if size is not None and size < 1:
            self.reasons.append("家庭人口数至少为1")
        household = self._match(code)
        self._owners(household)
        if self.reasons or head is None:
            return
        if head.health:
            o.notes.append("户主的健康状况未导入（农户档案只记家庭成员的健康状况）")
        tag_values = {
            "risk": risk if monitored else "",
            "start": start,
            "end": end if monitored else None,
        }
        members = [p for p in self.people if p is not head]
        if household is None:
            if township_id is None or village_id is None:
                self.reasons.append("新农户须填写乡镇和村")
                return
            self._new(code, township_id, village_id, head, members, kinds, asserted or [], tag_values, phone, size)
        else:
            o.household_id = household.id
            fields: dict[str, object] = {
                "code": code or None, "township_id": township_id, "village_id": village_id,
                "group_name": self._one("group"), "head_name": head.name, "phone": phone,
                "kind": kinds[0] if kinds else None, "size": size,
            }  # fmt: skip
            self._update(household, head, fields, members, asserted, tag_values)

    def _place(self) -> tuple[int | None, int | None]:
        ctx = self.ctx
        township_text, village_text = self._one("township"), self._one("village")
        township_id = village_id = None
        if township_text:
            township_id = cast(int | None, ctx.townships.find(township_text))
            if township_id is None:
                self.reasons.append(ctx.townships.explain("乡镇", township_text))
                return None, None
        if village_text:
            if township_id is not None:
                matcher = ctx.villages.get(township_id) or Matcher({})
                village_id = cast(int | None, matcher.find(village_text))
                if village_id is None:
                    self.reasons.append(matcher.explain(f"{ctx.region_name(township_id)}的村", village_text))
            else:
                found = {(t, v) for t, m in ctx.villages.items() if (v := m.find(village_text)) is not None}
                if len(found) == 1:
                    township_id, village_id = cast(tuple[int, int], next(iter(found)))
                else:
                    self.reasons.append(
                        f"村“{village_text}”"
                        + ("在多个乡镇都有，请填写乡镇" if found else "不在本台账中，请核对名称或填写乡镇")
                    )
        return township_id, village_id

    def _kinds(self) -> list[str]:
        out: list[str] = []
        for f in ("monitor_kind", "kind"):
            for word in split_words(self._one(f)):
                kind = cast(str | None, self.ctx.kinds.find(word))
                if kind is None:
                    self.reasons.append(self.ctx.kinds.explain(FIELD_LABELS[f], word))
                elif kind not in out:
                    out.append(kind)
        return out

    def _risk(self) -> str:
        chosen: set[str] = set()
        for word in split_words(self._one("risk_type")):
            found = cast(str | None, self.ctx.risks.find(word))
            if found is None and not word.startswith("因"):
                found = cast(str | None, self.ctx.risks.find("因" + word))
            if found is None:
                self.reasons.append(self.ctx.risks.explain("风险类型", word))
            else:
                chosen.add(found)
        return "、".join(r for r in risk_types() if r in chosen)

    def _match(self, code: str) -> Household | None:
        ctx, head = self.ctx, self.head
        by_code = ctx.by_code.get(code) if code else None
        by_head = ctx.by_head.get(head.id_number) if head is not None and head.id_number else None
        if by_code is not None and by_head is not None and by_code.id != by_head.id:
            self.reasons.append(
                f"户编号“{code}”在台账中是{by_code.head_name}户，而户主证件号码 {ids.mask(by_head.head_id_number)} "
                f"登记为{by_head.head_name}户（户编号“{by_head.code or '未填'}”），请核对"
            )
            return None
        if by_code is None and by_head is not None and code and by_head.code and by_head.code != code:
            self.reasons.append(
                f"户主证件号码 {ids.mask(by_head.head_id_number)} 已登记为户编号“{by_head.code}”的户，"
                f"与表中户编号“{code}”不一致"
            )
            return None
        household = by_code or by_head
        if household is not None and head is not None and head.id_number != household.head_id_number:
            owned = [hid for hid, _m in ctx.member_of.get(head.id_number, [])]
            if household.id in owned:
                self.reasons.append(
                    f"户主由“{household.head_name}”变更为“{head.name}”：请先在农户档案中修改户主，再导入名册"
                )
                return None
        return household

    def _owners(self, household: Household | None) -> None:
        """Every person's ID number belongs to this household only (in the file and in the ledger)."""
        ctx, this = self.ctx, household.id if household is not None else None
        for p in self.people:
            if not p.id_number:
                continue
            first_row, key = ctx.file_ids[p.id_number]
            masked = ids.mask(p.id_number)
            if key != self.group_key:
                self.reasons.append(f"第{p.row}行：证件号码 {masked} 与本表第{first_row}行（另一户）重复")
            elif first_row != p.row:
                self.reasons.append(f"第{p.row}行：证件号码 {masked} 与本表第{first_row}行重复")
            owner = ctx.by_head.get(p.id_number)
            if owner is not None and owner.id != this:
                self.reasons.append(f"第{p.row}行：证件号码 {masked} 已登记为另一户的户主（{self._where(owner)}）")
            for hid, _m in ctx.member_of.get(p.id_number, []):
                if hid != this:
                    self.reasons.append(
                        f"第{p.row}行：证件号码 {masked} 已是另一户的家庭成员（{self._where(ctx.owners[hid])}）"
                    )

    def _where(self, h: Household) -> str:
        name = self.ctx.region_name
        return f"{name(h.township_id)}{name(h.village_id)} {h.head_name}户" + (f"，户编号“{h.code}”" if h.code else "")

    # -- the plan entries -----------------------------------------------------------------------------
    def _new(
        self,
        code: str,
        township_id: int,
        village_id: int,
        head: RosterRow,
        members: list[RosterRow],
        kinds: list[str],
        asserted: list[tuple[str, str]],
        tag_values: dict[str, Any],
        phone: str,
        size: int | None,
    ) -> None:
        o = self.o
        kind = kinds[0] if kinds else DEFAULT_KIND
        if not kinds:
            o.notes.append(f"未填监测类型/户类型，按“{DEFAULT_KIND}”登记")
        tags = [_tag_row(tag, subtype, tag_values) for tag, subtype in asserted]
        self.plan.new_households.append(
            {
                "key": o.key,
                "household": {
                    "township_id": township_id, "village_id": village_id, "group_name": self._one("group"),
                    "head_name": head.name, "head_id_number": head.id_number, "phone": phone, "kind": kind,
                    "size": size or len(self.people), "code": code or None,
                },
                "members": [_member_row(p) for p in members],
                "tags": tags,
            }
        )  # fmt: skip
        o.status = "new"
        o.changes.append(f"新建农户（{kind}，{len(self.people)}人）")
        o.changes += [f"新增标签：{_label(t)}" for t in tags]

    def _update(
        self,
        h: Household,
        head: RosterRow,
        fields: dict[str, object],
        members: list[RosterRow],
        asserted: list[tuple[str, str]] | None,
        tag_values: dict[str, Any],
    ) -> None:
        o, plan = self.o, self.plan
        changes: dict[str, object] = {}
        for name, value in fields.items():
            if value in (None, "") or value == getattr(h, name):
                continue
            if name == "township_id" and fields["village_id"] == h.village_id:
                continue
            changes[name] = value
        if head.id_number != h.head_id_number:
            changes["head_id_number"] = head.id_number
        if changes:
            plan.household_updates.append({"id": h.id, "changes": changes, "key": o.key})
            labels = [HOUSEHOLD_LABELS.get(n, n) for n in changes if n != "township_id" or "village_id" not in changes]
            text = "修改：" + "、".join(labels)
            if "kind" in changes:
                text += f"（户类型由“{h.kind}”改为“{changes['kind']}”）"
            o.changes.append(text)
        self._members(h, members)
        if asserted is not None:
            self._tags(h, asserted, tag_values, cast(str | None, fields["kind"]))
        o.status = "updated" if o.changes else "unchanged"

    def _members(self, h: Household, members: list[RosterRow]) -> None:
        existing = self.ctx.members.get(h.id, [])
        by_id = {m.id_number: m for m in existing if m.id_number}
        by_name = {m.name: m for m in existing if not m.id_number}
        for p in members:
            m = by_id.get(p.id_number) if p.id_number else None
            if m is None:
                m = by_name.pop(p.name, None)
            if m is None:
                self.plan.member_inserts.append({**_member_row(p), "household_id": h.id})
                self.o.changes.append(f"新增成员：{p.name}")
                continue
            changes: dict[str, str] = {}
            if p.name != m.name:
                changes["name"] = p.name
            if p.id_number and p.id_number != m.id_number:
                changes["id_number"] = p.id_number
            if p.relation and p.relation != m.relation:
                changes["relation"] = p.relation
            if p.health and p.health != m.health:
                changes["health"] = p.health
            if changes:
                self.plan.member_updates.append({"id": m.id, "household_id": h.id, "changes": changes})
                labels = "、".join(MEMBER_LABELS[n] for n in changes)
                self.o.changes.append(f"修改成员：{m.name}（{labels}）")

    def _tags(
        self, h: Household, asserted: list[tuple[str, str]], values: dict[str, Any], new_kind: str | None
    ) -> None:
        plan, o = self.plan, self.o
        start, end, risk = values["start"], values["end"], values["risk"]
        existing = self.ctx.tags.get(h.id, [])
        kept: set[int] = set()
        for tag, subtype in asserted:
            has_risk = vocabulary()[tag].has_risk
            want_end = end if has_risk else None
            same = [t for t in existing if t.tag == tag and t.subtype == subtype]
            t = next((t for t in same if t.end_date is None), None)
            if t is None and start is not None:
                t = next((t for t in same if t.start_date == start), None)
            if t is None and want_end is not None:
                t = next((t for t in same if t.end_date == want_end), None)
            if t is None:
                row = _tag_row(tag, subtype, values)
                plan.tag_inserts.append({**row, "household_id": h.id})
                o.changes.append(f"新增标签：{_label(row)}")
                continue
            kept.add(t.id)
            changes: dict[str, object] = {}
            if has_risk and risk and t.risk_type != risk:
                changes["risk_type"] = risk
            if start is not None and t.start_date != start:
                changes["start_date"] = start
            if want_end is not None and t.end_date != want_end:
                changes["end_date"] = want_end
            if changes:
                ends = "end_date" in changes and t.end_date is None
                plan.tag_updates.append({"id": t.id, "household_id": h.id, "changes": changes, "ends": ends})
                label = tag_label(t.tag, t.subtype)
                if ends:
                    o.changes.append(f"结束标签：{label}（风险消除 {_day(want_end)}）")
                others = [TAG_LABELS[n] for n in changes if n != "end_date" or not ends]
                if others:
                    o.changes.append(f"修改标签：{label}（{'、'.join(others)}）")
        implied = set(tags_for_kind(h.kind))
        asserted_set, asserted_tags = set(asserted), {tag for tag, _s in asserted}
        for t in existing:
            pair = (t.tag, t.subtype)
            if t.end_date is not None or t.id in kept or pair in asserted_set:
                continue
            if pair in implied or t.tag in asserted_tags:
                stop = start or self.ctx.today
                if t.start_date is not None and stop < t.start_date:
                    stop = t.start_date
                plan.tag_updates.append({"id": t.id, "household_id": h.id, "changes": {"end_date": stop}, "ends": True})
                why = f"户类型改为“{new_kind}”" if new_kind and new_kind != h.kind else "名册中已不是该类型"
                o.changes.append(f"结束标签：{tag_label(t.tag, t.subtype)}（{why}，{_day(stop)}）")


HOUSEHOLD_LABELS = {
    "code": "户编号", "township_id": "乡镇", "village_id": "所在村", "group_name": "组", "head_name": "户主姓名",
    "head_id_number": "户主证件号码", "phone": "联系电话", "kind": "户类型", "size": "家庭人口数",
}  # fmt: skip
MEMBER_LABELS = {"name": "姓名", "id_number": "证件号码", "relation": "与户主关系", "health": "健康状况"}
TAG_LABELS = {"risk_type": "风险类型", "start_date": "识别时间", "end_date": "风险消除时间"}


def _member_row(p: RosterRow) -> dict[str, object]:
    return {"name": p.name, "id_number": p.id_number, "relation": p.relation, "health": p.health}


def _tag_row(tag: str, subtype: str, values: dict[str, Any]) -> dict[str, object]:
    has_risk = vocabulary()[tag].has_risk
    return {
        "tag": tag,
        "subtype": subtype,
        "risk_type": values["risk"] if has_risk else "",
        "start_date": values["start"],
        "end_date": values["end"] if has_risk else None,
        "note": "",
    }


def _label(row: dict[str, Any]) -> str:
    text = tag_label(row["tag"], row["subtype"])
    if row["risk_type"]:
        text += f"，{row['risk_type']}"
    if row["end_date"] is not None:
        text += f"，已于{_day(row['end_date'])}风险消除"
    return text


def _day(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


__all__ = ["HouseholdCheck", "HouseholdTag", "display_key", "group_rows"]
