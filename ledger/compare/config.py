"""The 比对 rules as data (resources/seed/compare_rules.json): per roster kind its column synonyms,
the rules with the subcategory each proposes, and their parameters."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from ledger.errors import ValidationError
from ledger.paths import resource_path


@dataclass(frozen=True)
class Rule:
    code: str  # 未参保, 适龄未在学, 危房C级… (CompareFinding.rule)
    subcategory: str
    title: str
    rating: str = ""  # 危房: the rating it is about
    indicator: str = ""  # 供水: the indicator it is about


@dataclass(frozen=True)
class KindRules:
    kind: str  # 医保 | 学籍 | 危房 | 供水
    title: str  # 医保参保名单…
    roster: str  # person | village_or_person
    columns: dict[str, tuple[str, ...]]  # field → header synonyms (person columns included)
    rules: tuple[Rule, ...]
    params: dict[str, Any] = field(default_factory=dict)

    def rule(self, code: str) -> Rule:
        for r in self.rules:
            if r.code == code:
                return r
        raise KeyError(code)

    def words(self, name: str) -> frozenset[str]:
        return frozenset(self.params.get(name, ()))


@cache
def _data() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(resource_path("seed", "compare_rules.json").read_text(encoding="utf-8")))


@cache
def kinds() -> dict[str, KindRules]:
    data = _data()
    person = {k: tuple(v) for k, v in data["person_columns"].items()}
    out = {}
    for kind, spec in data["kinds"].items():
        own = {k: tuple(v) for k, v in spec.get("columns", {}).items()}
        params = {k: v for k, v in spec.items() if k not in ("title", "roster", "columns", "rules")}
        out[kind] = KindRules(
            kind,
            spec["title"],
            spec["roster"],
            {**person, **own},
            tuple(Rule(**r) for r in spec["rules"]),
            params,
        )
    return out


def kind_rules(kind: str) -> KindRules:
    found = kinds().get((kind or "").strip())
    if found is None:
        raise ValidationError(f"比对名单类型应为：{'、'.join(kinds())}，不能是“{kind}”")
    return found
