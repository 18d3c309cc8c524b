"""The dated tags of a household (issue 15): the vocabulary, the tags a 户类型 implies, and what
"holds a tag on a day" means in SQL.

A household may hold several tags at once — a 脱贫户 that is also a 监测对象 and a 低保户. The
vocabulary is catalog data (resources/seed/catalog.json "household_tags", "risk_types"); the
household's `kind` column stays as the 户类型 lists show, and every place that creates or changes a
household writes the tags its kind implies (`tags_for_kind`), so a filter by tag finds it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from sqlalchemy import ColumnElement, and_, exists, or_, select

from ledger.models import Household, HouseholdTag
from ledger.seed import load_catalog


@dataclass(frozen=True)
class TagKind:
    tag: str  # 脱贫户 | 监测对象 | 低保户 | 低保边缘家庭 | 特困供养
    subtypes: tuple[str, ...] = ()  # 监测类型 of a 监测对象; 集中/分散 供养
    has_risk: bool = False  # whether 风险类型 applies (监测对象)


@cache
def vocabulary() -> dict[str, TagKind]:
    catalog = load_catalog()
    return {
        t["tag"]: TagKind(t["tag"], tuple(t.get("subtypes", ())), bool(t.get("risk_types")))
        for t in catalog["household_tags"]
    }


@cache
def risk_types() -> tuple[str, ...]:
    return tuple(load_catalog()["risk_types"])


@cache
def kind_synonyms() -> dict[str, str]:
    """Spellings of a 户类型 seen in workbooks (监测户, 低保边缘户…) and the kind each means."""
    return dict(load_catalog()["household_kind_synonyms"])


@cache
def _also_implies() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in load_catalog()["kind_also_implies"].items()}


def tags_for_kind(kind: str) -> list[tuple[str, str]]:
    """(tag, subtype) pairs a 户类型 implies: 边缘易致贫户 is a 监测对象 of that type, 分散供养特困人员
    a 特困供养 (分散供养), 一般农户 none; a 脱贫不稳定户 is a 脱贫户 too (catalog "kind_also_implies")."""
    return [(tag, "") for tag in _also_implies().get(kind, ())] + _implied(kind)


def _implied(kind: str) -> list[tuple[str, str]]:
    vocab = vocabulary()
    if kind in vocab:
        return [(kind, "")]
    for tag in vocab.values():
        if kind in tag.subtypes:
            return [(tag.tag, kind)]
        for subtype in tag.subtypes:  # 集中供养特困人员 → 特困供养 / 集中供养
            if kind.startswith(subtype) and kind.endswith(("人员", "户")):
                return [(tag.tag, subtype)]
    return []


def tag_label(tag: str, subtype: str) -> str:
    """How a tag reads in a list: 监测对象（边缘易致贫户）, 特困供养（分散供养）, 脱贫户."""
    return f"{tag}（{subtype}）" if subtype else tag


def active_on(on: dt.date) -> ColumnElement[bool]:
    """SQL: the tag row (HouseholdTag) holds on day `on`: started (or undated) and not yet ended."""
    return and_(
        or_(HouseholdTag.start_date.is_(None), HouseholdTag.start_date <= on),
        or_(HouseholdTag.end_date.is_(None), HouseholdTag.end_date > on),
    )


def holds(tag: str, on: dt.date, subtype: str = "") -> ColumnElement[bool]:
    """SQL: the household (Household.id) holds `tag` (of `subtype`, when given) on day `on`."""
    conditions = [
        HouseholdTag.household_id == Household.id,
        HouseholdTag.tag == tag,
        or_(HouseholdTag.start_date.is_(None), HouseholdTag.start_date <= on),
        or_(HouseholdTag.end_date.is_(None), HouseholdTag.end_date > on),
    ]
    if subtype:
        conditions.append(HouseholdTag.subtype == subtype)
    return exists(select(HouseholdTag.id).where(and_(*conditions)))
