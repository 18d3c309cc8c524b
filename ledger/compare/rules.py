"""What each roster kind's rules find (pure: the roster, the people and a few facts in, candidates out).

- 医保: every person of a household holding one of the rule's tags (脱贫户, 监测对象) on the run
  date who is not on the insured list (or whose row says 未参保/停保…) → 基本医疗/未参保.
- 学籍: every person of school age (周岁 on the run date from the ID number, the ages inclusive)
  who is on no roster row, or whose row says 辍学/失学… → 义务教育/辍学 naming the child. Rows
  saying 休学, 送教上门, 免修… are exempt, 在校… enrolled.
- 危房: a household whose house is rated C or D (the worst of its rows) and which has no 住房安全
  case (open or closed; a voided one does not count) → 危房C级 / 危房D级.
- 供水: a village (a roster by village) or a household failing 水量, 水质, 用水方便程度 or
  供水保证率 → the 饮水安全 subcategory of that indicator.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from ledger.compare.config import KindRules
from ledger.compare.matcher import Match, People, Person
from ledger.compare.reader import Roster, RosterRow


@dataclass(frozen=True)
class Candidate:
    rule: str
    key: str  # what it is about: rule and household, member or village (CompareFinding.key)
    township_id: int
    village_id: int
    household_id: int | None
    member_id: int | None
    subcategory: str
    description: str
    weak: bool
    row: RosterRow | None  # the roster row it came from, None when the person is missing from it


@dataclass
class Outcome:
    candidates: list[Candidate]
    matched_id: int = 0
    matched_name: int = 0
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (row, why)
    notes: list[tuple[int, str]] = field(default_factory=list)  # (row, conversion)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Facts:
    today: dt.date
    tagged: dict[int, tuple[str, ...]]  # household id → the rule's tags it holds today
    house_cases: frozenset[int]  # households with a (non-void) 住房安全 case


def age_on(born: dt.date, day: dt.date) -> int:
    """周岁 on `day`: the birthday itself completes the year (born 2020-11-23 is 6 on 2026-11-23;
    born 29 February completes it on 1 March in a common year)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _who(p: Person) -> str:
    return f"{p.name}（户主）" if p.member_id is None else f"{p.head_name}户 {p.name}（{p.relation or '家庭成员'}）"


def _word(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


class _Run:
    def __init__(self, rules: KindRules, roster: Roster, people: People, facts: Facts):
        self.rules, self.roster, self.people, self.facts = rules, roster, people, facts
        self.out = Outcome([])
        self.matches: list[tuple[RosterRow, Match]] = []
        for row in roster.rows:
            self.out.notes += [(row.row, n) for n in row.notes]
            if rules.roster == "village_or_person" and not (row.id_number or row.name or row.problems):
                self.matches.append((row, Match(None, "")))  # a row about a village
                continue
            m = people.match(row)
            if m.how == "id":
                self.out.matched_id += 1
            elif m.how == "name":
                self.out.matched_name += 1
            else:
                self.out.unmatched.append((row.row, m.why))
            self.matches.append((row, m))

    def person(self, rule_code: str, p: Person, text: str, row: RosterRow | None, weak: bool) -> None:
        rule = self.rules.rule(rule_code)
        self.out.candidates.append(
            Candidate(
                rule.code,
                f"{rule.code}:{p.key}",
                p.township_id,
                p.village_id,
                p.household_id,
                p.member_id,
                rule.subcategory,
                text,
                weak,
                row,
            )
        )

    def where(self, row: RosterRow | None, weak: bool) -> str:
        if row is None:
            return f"{self.rules.title}中无此人"
        how = "（按姓名和村匹配，须核实是否同一人）" if weak else ""
        return f"{self.rules.title}第{row.row}行{how}"


def insured(run: _Run) -> None:
    rules, facts = run.rules, run.facts
    not_insured = {_word(w) for w in rules.words("not_insured_statuses")}
    on_list: set[str] = set()
    flagged: dict[str, tuple[RosterRow | None, bool]] = {}
    for row, m in run.matches:
        if m.person is None:
            continue
        status = _word(row.cells.get("status", ""))
        if status in not_insured:
            flagged.setdefault(m.person.key, (row, m.how == "name"))
        else:
            on_list.add(m.person.key)
    for hid in sorted(facts.tagged):
        tags = "、".join(facts.tagged[hid])
        for p in run.people.by_household.get(hid, ()):
            if p.key in on_list:
                continue
            listed, weak = flagged.get(p.key, (None, False))
            state = f"参保状态为“{listed.cells.get('status')}”" if listed is not None else "不在参保名单中"
            text = f"{tags}家庭成员 {_who(p)} {state}，疑似未参加城乡居民基本医疗保险（{run.where(listed, weak)}）"
            run.person("未参保", p, text, listed, weak)


def schooling(run: _Run) -> None:
    rules, today = run.rules, run.facts.today
    low, high = int(rules.params["age_min"]), int(rules.params["age_max"])
    enrolled = {_word(w) for w in rules.words("enrolled_statuses")}
    exempt = {_word(w) for w in rules.words("exempt_statuses")}
    dropout = {_word(w) for w in rules.words("dropout_statuses")}
    covered: set[str] = set()
    out_of_school: dict[str, tuple[RosterRow | None, bool]] = {}
    unknown: set[str] = set()
    for row, m in run.matches:
        if m.person is None:
            continue
        status = _word(row.cells.get("status", ""))
        if status in dropout:
            out_of_school.setdefault(m.person.key, (row, m.how == "name"))
            continue
        if status and status not in enrolled and status not in exempt:
            unknown.add(row.cells.get("status", ""))
        covered.add(m.person.key)
    if unknown:
        run.out.warnings.append(f"未识别的学籍状态按在校处理：{'、'.join(sorted(unknown))}")
    no_id = 0
    code = rules.rules[0].code
    for p in run.people.persons:
        born = p.birth_date()
        if born is None:
            no_id += 1
            continue
        age = age_on(born, today)
        if not low <= age <= high or p.key in covered:
            continue
        listed, weak = out_of_school.get(p.key, (None, False))
        state = f"学籍状态为“{listed.cells.get('status')}”" if listed is not None else "不在学籍名单中"
        text = f"义务教育适龄（{age}周岁）{_who(p)} {state}，疑似辍学或未入学（{run.where(listed, weak)}）"
        run.person(code, p, text, listed, weak)
    if no_id:
        run.out.warnings.append(f"{no_id} 人没有身份证号，无法计算年龄，未参与适龄比对")


_RATING = re.compile("[ABCD]")


def rating_of(text: str) -> str:
    found = _RATING.search(unicodedata.normalize("NFKC", text).upper())
    return found.group() if found else ""


def housing(run: _Run) -> None:
    rules = run.rules
    by_rating = {r.rating: r for r in rules.rules}
    worst: dict[int, tuple[str, RosterRow, Person, bool]] = {}
    for row, m in run.matches:
        rating = rating_of(row.cells.get("rating", ""))
        if m.person is None or rating not in by_rating:
            continue
        hid = m.person.household_id
        if hid not in worst or rating > worst[hid][0]:
            worst[hid] = (rating, row, m.person, m.how == "name")
    for hid, (rating, row, p, weak) in sorted(worst.items()):
        if hid in run.facts.house_cases:
            continue
        rule = by_rating[rating]
        head = next(x for x in run.people.by_household[hid] if x.member_id is None)
        text = f"{head.name}户住房鉴定为{rating}级危房，台账中无该户住房安全问题（{run.where(row, weak)}）"
        run.out.candidates.append(
            Candidate(
                rule.code, f"{rule.code}:h{hid}", p.township_id, p.village_id, hid, None, rule.subcategory, text,
                weak, row,
            )
        )  # fmt: skip


_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*%?$")


def failing(value: str, indicator: str, words: set[str], reliability_min: float) -> bool:
    text = _word(value)
    if not text:
        return False
    if text in words:
        return True
    number = _NUMBER.match(text)
    if number and indicator == "供水保证率":
        figure = float(number.group(1))
        return (figure * 100 if figure <= 1 else figure) < reliability_min
    return False


def water(run: _Run) -> None:
    rules = run.rules
    words = {_word(w) for w in rules.words("failing_values")}
    minimum = float(rules.params.get("reliability_min", 90))
    seen: set[str] = set()
    for row, m in run.matches:
        village: tuple[int, int] | None = None  # (township, village) of a row about a village
        if m.person is None:
            if row.id_number or row.name or row.problems:
                continue  # a person the ledger does not have: counted as unmatched
            vid = run.people.village(row.township, row.village)
            if vid is None:
                run.out.unmatched.append((row.row, f"村“{row.village}”不在台账中" if row.village else "没有村名"))
                continue
            village = (run.people.villages[vid][1], vid)
        for rule in rules.rules:
            value = row.cells.get(rule.indicator, "")
            if not failing(value, rule.indicator, words, minimum):
                continue
            said = f"{rule.indicator}为“{value}”"
            if village is not None:
                tid, vid = village
                key = f"{rule.code}:v{vid}"
                place = f"{run.people.townships.get(tid, '')}{run.people.villages[vid][0]}"
                text = f"{place}（村级）{said}（{run.where(row, False)}）"
                candidate = Candidate(rule.code, key, tid, vid, None, None, rule.subcategory, text, False, row)
            else:
                assert m.person is not None
                p, weak = m.person, m.how == "name"
                head = next(x for x in run.people.by_household[p.household_id] if x.member_id is None)
                key = f"{rule.code}:h{p.household_id}"
                text = f"{head.name}户{said}（{run.where(row, weak)}）"
                candidate = Candidate(
                    rule.code, key, p.township_id, p.village_id, p.household_id, None, rule.subcategory, text, weak, row
                )
            if key not in seen:
                seen.add(key)
                run.out.candidates.append(candidate)


APPLY = {"医保": insured, "学籍": schooling, "危房": housing, "供水": water}


def evaluate(rules: KindRules, roster: Roster, people: People, facts: Facts) -> Outcome:
    run = _Run(rules, roster, people, facts)
    APPLY[rules.kind](run)
    order = {r.code: i for i, r in enumerate(rules.rules)}
    run.out.candidates.sort(key=lambda c: (order[c.rule], c.township_id, c.village_id, c.key))
    return run.out
