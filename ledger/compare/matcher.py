"""The people of the ledger (households' heads and members) and matching a roster row to one of
them: by ID number first (the roster's number normalised as ledger/ids.py does: 15 → 18 digits,
full-width, spaces); a row without a readable ID number by name within its village (a weak match,
flagged: two people may share a name), never when the village has two people of that name."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.compare.reader import RosterRow
from ledger.models import Household, Member, Region
from ledger.tabular import Matcher, compact


@dataclass(frozen=True, slots=True)
class Person:
    household_id: int
    member_id: int | None  # None: the head (the household row itself)
    name: str
    id_number: str
    relation: str  # 户主 for the head
    township_id: int
    village_id: int
    head_name: str

    @property
    def key(self) -> str:
        return f"m{self.member_id}" if self.member_id is not None else f"h{self.household_id}"

    def birth_date(self) -> dt.date | None:
        if len(self.id_number) != 18:
            return None
        try:
            return dt.date(int(self.id_number[6:10]), int(self.id_number[10:12]), int(self.id_number[12:14]))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Match:
    person: Person | None
    how: str  # id | name | "" (none)
    why: str = ""  # why there is none, when the row named someone


MATCH_NAMES = {"id": "身份证号", "name": "姓名+村（弱）", "": "未匹配"}


class People:
    def __init__(self, persons: list[Person], villages: dict[int, tuple[str, int]], townships: dict[int, str]):
        self.persons = persons
        self.villages = villages  # id → (name, township id)
        self.townships = townships
        self.by_id: dict[str, Person] = {}
        self.by_name: dict[tuple[int, str], list[Person]] = defaultdict(list)
        self.by_household: dict[int, list[Person]] = defaultdict(list)
        for p in persons:
            if p.id_number:
                self.by_id.setdefault(p.id_number, p)
            self.by_name[(p.village_id, compact(p.name))].append(p)
            self.by_household[p.household_id].append(p)
        self._towns = Matcher({name: tid for tid, name in townships.items()}, affixes=("镇", "乡", "街道"))
        self._village_in: dict[int, Matcher] = {}
        per_town: dict[int, dict[str, object]] = defaultdict(dict)
        counts: dict[str, int] = defaultdict(int)
        for vid, (name, tid) in villages.items():
            per_town[tid][name] = vid
            counts[name] += 1
        self._village_in = {tid: Matcher(names, affixes=("村", "社区")) for tid, names in per_town.items()}
        unique: dict[str, object] = {name: vid for vid, (name, _) in villages.items() if counts[name] == 1}
        self._village_any = Matcher(unique, affixes=("村", "社区"))

    def village(self, township: str, village: str) -> int | None:
        """The village a roster row names (its township narrows names two townships share)."""
        if not village:
            return None
        town = self._towns.find(township) if township else None
        if isinstance(town, int) and town in self._village_in:
            found = self._village_in[town].find(village)
            if isinstance(found, int):
                return found
        found = self._village_any.find(village)
        return found if isinstance(found, int) else None

    def match(self, row: RosterRow) -> Match:
        if row.id_number:
            person = self.by_id.get(row.id_number)
            return Match(person, "id") if person else Match(None, "", "身份证号不在台账的农户和家庭成员中")
        if not row.name:
            return Match(None, "", row.problems[0] if row.problems else "没有身份证号和姓名")
        village_id = self.village(row.township, row.village)
        if village_id is None:
            why = f"没有可用的身份证号，且村“{row.village}”不在台账中" if row.village else "没有可用的身份证号和村名"
            return Match(None, "", why)
        found = self.by_name.get((village_id, row.name), [])
        if len(found) == 1:
            return Match(found[0], "name")
        if len(found) > 1:
            return Match(
                None, "", f"{self.villages[village_id][0]}有{len(found)}人名为{row.name}，须有身份证号才能比对"
            )
        return Match(None, "", f"{self.villages[village_id][0]}没有名为{row.name}的人")


def load_people(s: Session) -> People:
    heads: dict[int, tuple[str, int, int]] = {}
    persons: list[Person] = []
    for hid, tid, vid, name, number in s.execute(
        select(Household.id, Household.township_id, Household.village_id, Household.head_name, Household.head_id_number)
    ):
        heads[hid] = (name, tid, vid)
        persons.append(Person(hid, None, name, number, "户主", tid, vid, name))
    for mid, hid, name, number, relation in s.execute(
        select(Member.id, Member.household_id, Member.name, Member.id_number, Member.relation)
    ):
        head_name, tid, vid = heads[hid]
        persons.append(Person(hid, mid, name, number or "", relation or "", tid, vid, head_name))
    villages: dict[int, tuple[str, int]] = {}
    townships: dict[int, str] = {}
    for rid, name, level, parent in s.execute(select(Region.id, Region.name, Region.level, Region.parent_id)):
        if level == "village" and parent is not None:
            villages[rid] = (name, parent)
        elif level == "township":
            townships[rid] = name
    return People(persons, villages, townships)
