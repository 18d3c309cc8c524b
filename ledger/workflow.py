"""The case workflow as data, and the pure rules that read it.

The tables (states, roles, actions, transitions per role and category, required fields per action,
field rules per state, the effects of each action) are data in resources/seed/workflow.json.
Nothing here touches the database: `check_action` takes plain values and returns the target state
and the list of problems, `apply_transition` takes a case's values and returns its new state and
field changes, so every rule can be tested without storage.

Where the data lives. Actions, transitions, requirements, field rules and the roles that may edit
are mirrored into the ledger database at creation (ledger/seed.py) and read back from there
(CatalogService.rules). The states, the roles (their names, scope and right to add material) and
the action effects are read from the seed document only (`WorkflowRules` takes them from it by
default): they are what the code and the stored data already agree on — a state or an effect
changed in one ledger's tables alone would leave its existing cases, its SQL and its reports
meaning something else — so mirroring them would need a migration and new tables for no editable
gain. The seed document is shipped with the program and versioned with the code that reads it.

Roles (`"roles"`): `scope` limits a role's actions to the cases of its own department
("department": the case's lead department) or township ("township"); `writes_material` lets the
role add progress notes and evidence (within its scope).

Action effects (`"effects"`, per action code, every key optional):

- `writes`: case fields the action's inputs are written to (交办: 牵头单位、整改时限…). An input left
  blank keeps the case's current value.
- `default_deadline`: the field (整改时限) that, still blank after `writes`, takes the action's day
  plus the subcategory's default days (its 时限类别); a proposed deadline (拟定时限) on the case is
  kept, being the case's current value.
- `sets_today`: fields set to the action's day (交办日期, 销号日期).
- `computes`: fields computed by a named rule of `COMPUTED` (closed_on_time: 按期销号, the day on or
  before the deadline, or no deadline).
- `clears`: fields emptied (销号回退 clears 销号日期 and 按期销号).
- `note_to`: fields that take the action's note (its reason, else its opinion: 作废原因).
- `note`: the name the note goes under in the audit event, "reason" or (default) "opinion".
- `case_refs`: inputs that must name another case of the ledger (作废: 重复问题); checked by the
  caller, who has the storage.

The changes of a transition come in this order: `writes`, the state, `sets_today`, `computes`,
`clears`, `note_to`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple, cast

from ledger import schema
from ledger.paths import resource_path

# Case fields as the UI and the messages name them (ledger/schema.py).
FIELD_LABELS = schema.field_labels()


@dataclass(frozen=True)
class StateDef:
    code: str
    name: str
    open: bool  # 未销号: the case is still being worked on (not closed, not void)


@dataclass(frozen=True)
class RoleDef:
    code: str
    name: str
    scope: str | None = None  # "department" or "township": only the cases of the actor's own unit
    writes_material: bool = False  # may add progress notes and evidence (within its scope)


def _closed_on_time(values: Mapping[str, object], today: dt.date) -> object:
    deadline = values.get("deadline")
    return deadline is None or (isinstance(deadline, dt.date) and today <= deadline)


# The named rules an action's `computes` may use: field -> value from the case's values (after the
# action's writes) and the action's day.
COMPUTED: Mapping[str, Callable[[Mapping[str, object], dt.date], object]] = MappingProxyType(
    {"closed_on_time": _closed_on_time}
)


@dataclass(frozen=True)
class Effects:
    """What an action does to a case's fields besides its state (module docstring)."""

    writes: tuple[str, ...] = ()
    default_deadline: str | None = None
    sets_today: tuple[str, ...] = ()
    computes: tuple[str, ...] = ()
    clears: tuple[str, ...] = ()
    note_to: tuple[str, ...] = ()
    note: str = "opinion"
    case_refs: tuple[str, ...] = ()


NO_EFFECTS = Effects()


@dataclass(frozen=True)
class ActionDef:
    code: str
    name: str
    signoff: str | None  # sign-off meaning written by this action (核验/审批/退回/回退), if any
    needs_evidence: bool  # the subcategory's required evidence kinds must be attached
    not_actor_of: str | None  # the actor may not be whoever last took this action on the case


@dataclass(frozen=True)
class Transition:
    action: str
    from_state: str | None
    to_state: str
    role: str
    category: str | None = None  # None: every category


@dataclass(frozen=True)
class Requirement:
    action: str
    field: str
    label: str


@dataclass(frozen=True)
class WorkflowRules:
    actions: Mapping[str, ActionDef]
    transitions: tuple[Transition, ...]
    requirements: tuple[Requirement, ...]
    editable: Mapping[str, frozenset[str]]
    edit_roles: frozenset[str]
    # From the seed document only, never from the database (module docstring).
    states: Mapping[str, StateDef] = field(default_factory=lambda: _DECLARED.states)
    roles: Mapping[str, RoleDef] = field(default_factory=lambda: _DECLARED.roles)
    effects: Mapping[str, Effects] = field(default_factory=lambda: _DECLARED.effects)

    @property
    def state_names(self) -> Mapping[str, str]:
        return MappingProxyType({code: s.name for code, s in self.states.items()})

    @property
    def role_names(self) -> Mapping[str, str]:
        return MappingProxyType({code: r.name for code, r in self.roles.items()})

    @property
    def open_states(self) -> frozenset[str]:
        return frozenset(code for code, s in self.states.items() if s.open)

    @property
    def scoped_roles(self) -> Mapping[str, str]:
        """Roles whose actions are limited to their own department or township: role -> scope."""
        return MappingProxyType({code: r.scope for code, r in self.roles.items() if r.scope})

    @property
    def action_writes(self) -> Mapping[str, tuple[str, ...]]:
        """Inputs of an action that are written onto the case (the rest are opinions and reasons)."""
        return MappingProxyType({code: e.writes for code, e in self.effects.items() if e.writes})

    def effects_of(self, action: str) -> Effects:
        return self.effects.get(action, NO_EFFECTS)

    # the transitions by (action, from state), in the table's order
    _index: Mapping[tuple[str, str | None], tuple[Transition, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str | None], list[Transition]] = {}
        for t in self.transitions:
            index.setdefault((t.action, t.from_state), []).append(t)
        object.__setattr__(self, "_index", {key: tuple(ts) for key, ts in index.items()})

    def _matching(self, action: str, state: str | None, category: str | None) -> list[Transition]:
        return [t for t in self._index.get((action, state), ()) if t.category in (None, category)]

    def target(self, action: str, state: str | None, roles: Iterable[str], category: str | None) -> str | None:
        roles = set(roles)
        for t in self._matching(action, state, category):
            if t.role in roles:
                return t.to_state
        return None

    def actions_for(self, state: str | None, roles: Iterable[str], category: str | None) -> list[str]:
        """Actions the roles may take from this state, in the table's order."""
        roles = set(roles)
        seen: list[str] = []
        for t in self.transitions:
            if t.from_state == state and t.role in roles and t.category in (None, category) and t.action not in seen:
                seen.append(t.action)
        return seen

    def required_fields(self, action: str) -> list[Requirement]:
        return [r for r in self.requirements if r.action == action]


# The steps that move a case along its main path. 待我处理 lists the cases waiting for one of these
# from the user's roles (退回/回退/作废 are possible too, but nobody is waiting for them).
TASK_ACTIONS = ("assign", "accept", "submit", "verify", "approve")


def task_states(rules: WorkflowRules, role: str) -> list[str]:
    """States in which a case waits for this role's next main-path action."""
    return sorted(
        {t.from_state for t in rules.transitions if t.role == role and t.action in TASK_ACTIONS and t.from_state}
    )


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case, as plain values."""

    state: str | None
    category: str | None
    required_evidence: frozenset[str] = frozenset()
    evidence_kinds: frozenset[str] = frozenset()
    last_actor_of: Mapping[str, int] = field(default_factory=dict)
    evidence_counts: Mapping[str, int] = field(default_factory=dict)  # files per kind
    min_photos: Mapping[str, int] = field(default_factory=dict)  # the subcategory's least photos per kind


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_action(
    rules: WorkflowRules,
    facts: CaseFacts,
    action: str,
    roles: Iterable[str],
    actor_id: int,
    inputs: Mapping[str, object],
    evidence_names: Mapping[str, str] | None = None,
) -> tuple[str | None, list[str]]:
    """Return (target state, problems). The action may proceed only when problems is empty."""
    roles = frozenset(roles)
    definition = rules.actions.get(action)
    if definition is None:
        return None, [f"未知的操作：{action}"]
    if not rules._matching(action, facts.state, facts.category):
        state_name = rules.state_names.get(facts.state or "", "新问题")
        return None, [f"“{state_name}”状态的问题不能{definition.name}"]
    target = rules.target(action, facts.state, roles, facts.category)
    if target is None:
        role_names = rules.role_names
        allowed = sorted({role_names.get(t.role, t.role) for t in rules._matching(action, facts.state, facts.category)})
        return None, [f"您的角色无权{definition.name}，需由{'、'.join(allowed)}操作"]
    problems = [
        f"{definition.name}须填写{r.label}" for r in rules.required_fields(action) if _blank(inputs.get(r.field))
    ]
    if definition.not_actor_of and facts.last_actor_of.get(definition.not_actor_of) == actor_id:
        other = rules.actions[definition.not_actor_of].name
        problems.append(f"{definition.name}不能由{other}人本人办理，请由其他人员操作")
    if definition.needs_evidence:
        names = evidence_names or {}
        missing = sorted(facts.required_evidence - facts.evidence_kinds)
        if missing:
            problems.append("缺少佐证材料：" + "、".join(names.get(k, k) for k in missing))
        for kind, least in sorted(facts.min_photos.items()):
            have = facts.evidence_counts.get(kind, 0)
            if have < least and kind not in missing:
                problems.append(f"{names.get(kind, kind)}至少需要{least}张，已有{have}张")
    return target, problems


def editable_problems(rules: WorkflowRules, state: str, roles: Iterable[str], fields: Iterable[str]) -> list[str]:
    """Problems with editing these fields of a case in this state (field rules per state)."""
    roles = set(roles)
    if not roles & rules.edit_roles:
        return ["您的角色无权修改问题内容"]
    allowed = rules.editable.get(state, frozenset())
    locked = sorted(f for f in fields if f not in allowed)
    if locked:
        names = "、".join(FIELD_LABELS.get(f, f) for f in locked)
        return [f"“{rules.state_names.get(state, state)}”状态下不能修改：{names}"]
    return []


# -- what an action does to a case -----------------------------------------------------------------------


class TransitionResult(NamedTuple):
    """A workflow action applied to a case's values: its new state and the fields that change.
    (A named tuple: the import makes two for each of its rows, a frozen dataclass costs twice as much.)"""

    action: str
    from_state: str | None
    to_state: str
    changes: Mapping[str, object]  # field -> new value (the state included), only what differs, in effect order
    inputs: Mapping[str, object]  # the action's effective inputs (effective_inputs): what check_action checks
    note: str  # the action's reason, else its opinion, else ""


def effective_inputs(
    rules: WorkflowRules,
    case: Mapping[str, object],
    action: str,
    inputs: Mapping[str, object],
    today: dt.date,
    default_days: int | None = None,
) -> dict[str, object]:
    """The inputs an action works with: the case's current values of the fields it writes,
    overridden by the inputs given (blank ones left out), and the default deadline (today +
    default_days) when the action has one and no deadline is given nor already on the case."""
    return _effective_inputs(rules.effects_of(action), case, inputs, today, default_days)


def _effective_inputs(
    effects: Effects, case: Mapping[str, object], inputs: Mapping[str, object], today: dt.date, default_days: int | None
) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in effects.writes:
        values[name] = case.get(name)
    for k, v in inputs.items():
        if v is not None and v != "":
            values[k] = v
    deadline = effects.default_deadline
    if deadline is not None and default_days is not None and _blank(values.get(deadline)):
        values[deadline] = today + dt.timedelta(days=default_days)
    return values


def apply_transition(
    rules: WorkflowRules,
    case: Mapping[str, object],
    action: str,
    inputs: Mapping[str, object],
    today: dt.date,
    *,
    default_days: int | None = None,
    roles: Iterable[str] | None = None,
) -> TransitionResult:
    """The state and field changes of taking `action` on a case with these values (its `state`,
    `category` and the fields the action's effects name) on `today`, following the action's effects
    (module docstring). `default_days` is the subcategory's default 整改天数 for an action with a
    default deadline; `roles`, when given, must hold a role the transition table allows.

    Pure: checks neither permissions in full nor the required inputs (check_action does, with
    `TransitionResult.inputs`). Raises ValueError when no transition leads from the case's state."""
    state = case.get("state")
    from_state = state if isinstance(state, str) else None
    category = case.get("category")
    allowed = None if roles is None else frozenset(roles)
    target: str | None = None
    for t in rules._index.get((action, from_state), ()):  # plain loops: the import runs this twice a row
        if (t.category is None or t.category == category) and (allowed is None or t.role in allowed):
            target = t.to_state
            break
    if target is None:
        raise ValueError(f"no transition {action!r} from {from_state!r}")
    effects = rules.effects.get(action, NO_EFFECTS)
    values = _effective_inputs(effects, case, inputs, today, default_days)
    note = str(inputs.get("reason") or inputs.get("opinion") or "")
    wanted: dict[str, object] = {}
    for name in effects.writes:
        wanted[name] = values.get(name)
    wanted["state"] = target
    for name in effects.sets_today:
        wanted[name] = today
    if effects.computes:  # from the values the action leaves
        after = {**case, **wanted}
        for name in effects.computes:
            wanted[name] = COMPUTED[name](after, today)
    for name in effects.clears:
        wanted[name] = None
    for name in effects.note_to:
        wanted[name] = note
    changes: dict[str, object] = {}
    get = case.get
    for name, new in wanted.items():
        old = get(name)
        if new is None and isinstance(old, str):
            new = ""
        if old != new:
            changes[name] = new
    return TransitionResult(action, from_state, target, changes, values, note)


# -- one vocabulary: the counts, the overdue flag and the lights every screen and paper shows ------------

# The 时限 runs from 交办 until 销号: these are the states in which a case can be overdue.
DEADLINE_STATES = ("assigned", "in_progress", "pending_verification", "pending_approval")
# Submitted by the department: the work is done (完成时间 recorded), the county's sign-off is pending.
SUBMITTED_STATES = ("pending_verification", "pending_approval")

# The five groups every count shows — the 工作台's tiles, the 周报's tables and the Excel 统计表 alike.
# They divide the cases that are not void: 待交办 + 整改中 + 待核验 + 待审批 + 已销号 = 累计发现.
TALLY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("unassigned", "待交办", ("registered",)),
    ("working", "整改中", ("assigned", "in_progress")),
    ("pending_verification", "待核验", ("pending_verification",)),
    ("pending_approval", "待审批", ("pending_approval",)),
    ("closed", "已销号", ("closed",)),
)
TALLY_NAMES = {key: name for key, name, _states in TALLY}
TALLY_OF_STATE = {state: key for key, _name, states in TALLY for state in states}


def tally(by_state: Mapping[str, int]) -> dict[str, int]:
    """The five group counts (TALLY order) from counts per state; void cases are in none."""
    counts = {key: 0 for key, _name, _states in TALLY}
    for state, n in by_state.items():
        key = TALLY_OF_STATE.get(state)
        if key is not None:
            counts[key] += n
    return counts


PROPOSED_PREFIX = "拟"


def proposed_deadline(state: str, deadline: object) -> bool:
    """Whether a case's 整改时限 is only proposed (拟定时限): a case not yet handed over (待交办) may carry
    the deadline its import file gave; 交办 starts from it. It runs no clock: never overdue, no light."""
    return state == "registered" and bool(deadline)


def deadline_text(state: str, deadline: str) -> str:
    """The 整改时限 as lists and paper show it: 2026-12-31, or 拟2026-12-31 while only proposed."""
    return f"{PROPOSED_PREFIX}{deadline}" if proposed_deadline(state, deadline) else deadline


def is_overdue(state: str, deadline: dt.date | None, completed: dt.date | None, today: dt.date) -> bool:
    """逾期: past its 整改时限 and not yet done. The one definition, shared by the 工作台, the 周报,
    the 整改时间表, the 督办函, the ledger's 红灯 and the case list (its SQL twin is
    ledger.services.queries.overdue_sql; a test holds the two to the same answers).

    - Only while the 时限 runs (DEADLINE_STATES): a case not yet handed over (待交办) has no 时限
      running, a closed or void case is no longer due.
    - Past the 时限 means deadline < today: a case due today is not overdue yet.
    - Done means submitted for verification (待核验/待审批) with its 完成时间 on or before the
      deadline: it waits for the county's sign-off, not for the department's work — not overdue.
    - Submitted, but completed after the deadline: overdue. The work was finished late, and the case
      stays overdue (红灯) until it is closed; the 督办函 still lists it.
    - Sent back (退回) to 整改中: its earlier 完成时间 no longer counts; overdue once past the deadline.
    """
    if state not in DEADLINE_STATES or deadline is None or deadline >= today:
        return False
    return not (state in SUBMITTED_STATES and completed is not None and completed <= deadline)


@dataclass(frozen=True)
class LightPolicy:
    warn_days: int = 3


def light(
    state: str,
    deadline: dt.date | None,
    today: dt.date,
    policy: LightPolicy = LightPolicy(),
    completed: dt.date | None = None,
) -> str | None:
    """A case's 红黄绿灯 (LIGHT_NAMES): 'red' 红灯 when overdue (is_overdue); 'yellow' 黄灯 when the
    work is still to do (已交办/整改中) and due within warn_days (today included); 'green' 绿灯
    otherwise — on track, or done on time and waiting for sign-off. None when no 时限 runs (待交办
    without a deadline, 已销号, 已作废)."""
    if state not in DEADLINE_STATES or deadline is None:
        return None
    if is_overdue(state, deadline, completed, today):
        return "red"
    if state not in SUBMITTED_STATES and (deadline - today).days <= policy.warn_days:
        return "yellow"
    return "green"


LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}


@dataclass(frozen=True)
class GroupLightPolicy:
    """红黄绿灯 of a township or a department in the 周报 and the 统计表, by two shares of its
    累计发现 (void excluded): 逾期占比 = overdue ÷ found, 销号率 = closed ÷ found.

    - 红灯 when 逾期占比 ≥ red_overdue (with at least red_min_overdue overdue cases) or 销号率 < red_rate;
    - 黄灯 when 逾期占比 ≥ yellow_overdue or 销号率 < yellow_rate;
    - 绿灯 otherwise; no light for a group without cases.

    Defaults (ledger settings light_red_overdue=10, light_red_rate=50, light_yellow_overdue=5,
    light_yellow_rate=60 in percent, light_red_min_overdue=3): one overdue case in a hundred is a
    unit doing its work and should not colour it — the lights are to point the 县领导 at the few units
    that lag. A tenth of all its cases overdue, or fewer than half ever closed, is a unit in trouble
    (红灯); one in twenty overdue or under 60 % closed deserves a word (黄灯). In a unit with a handful
    of cases one late case is a large share: it takes three overdue cases, a pattern rather than an
    incident, for the share alone to turn a unit red (one or two make it 黄灯 at most)."""

    red_overdue: float = 0.10
    red_rate: float = 0.50
    yellow_overdue: float = 0.05
    yellow_rate: float = 0.60
    red_min_overdue: int = 3

    def light(self, found: int, closed: int, overdue: int) -> str | None:
        if found <= 0:
            return None
        share, rate = overdue / found, closed / found
        if (share >= self.red_overdue and overdue >= self.red_min_overdue) or rate < self.red_rate:
            return "red"
        if share >= self.yellow_overdue or rate < self.yellow_rate:
            return "yellow"
        return "green"

    def describe(self) -> str:
        """The rule in one Chinese sentence, as printed under the tables."""

        def pct(value: float) -> str:
            return f"{value * 100:g}%"

        at_least = f"（且逾期不少于{self.red_min_overdue}个）" if self.red_min_overdue > 1 else ""
        return (
            f"红灯：逾期占比≥{pct(self.red_overdue)}{at_least}或销号率<{pct(self.red_rate)}；"
            f"黄灯：逾期占比≥{pct(self.yellow_overdue)}或销号率<{pct(self.yellow_rate)}；其余为绿灯。"
            "逾期占比、销号率均以累计发现问题数为分母"
        )


def report_period(today: dt.date, week_end: int = 6) -> tuple[dt.date, dt.date]:
    """The 周报's default 统计周期: the last full report week before today — seven days ending on
    the most recent `week_end` weekday (0 Monday … 6 Sunday) strictly before today. Printed on
    Wednesday 2026-11-25 with the default Sunday cut-off: 2026-11-16 … 2026-11-22; printed on a
    Sunday, the week ending that day is not over, so the one before."""
    back = (today.weekday() - week_end - 1) % 7 + 1
    end = today - dt.timedelta(days=back)
    return end - dt.timedelta(days=6), end


WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def load_seed() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(resource_path("seed", "workflow.json").read_text(encoding="utf-8")))


@dataclass(frozen=True)
class _Declared:
    """The parts of the workflow read from the seed document only (module docstring)."""

    states: Mapping[str, StateDef]
    roles: Mapping[str, RoleDef]
    effects: Mapping[str, Effects]


_EFFECT_KEYS = frozenset(Effects.__dataclass_fields__)


def _effects(action: str, raw: Mapping[str, object]) -> Effects:
    unknown = sorted(set(raw) - _EFFECT_KEYS)
    if unknown:
        raise ValueError(f"workflow.json: unknown effects of {action}: {', '.join(unknown)}")

    def names(key: str) -> tuple[str, ...]:
        value = raw.get(key, ())
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"workflow.json: {key} of {action} is not a list of field names")
        return tuple(value)

    default_deadline = raw.get("default_deadline")
    effects = Effects(
        writes=names("writes"),
        default_deadline=default_deadline if isinstance(default_deadline, str) else None,
        sets_today=names("sets_today"),
        computes=names("computes"),
        clears=names("clears"),
        note_to=names("note_to"),
        note=str(raw.get("note", "opinion")),
        case_refs=names("case_refs"),
    )
    missing = sorted(set(effects.computes) - set(COMPUTED))
    if missing:
        raise ValueError(f"workflow.json: {action} computes an unknown field: {', '.join(missing)}")
    if effects.note not in ("reason", "opinion"):
        raise ValueError(f"workflow.json: the note of {action} is neither reason nor opinion")
    return effects


def _declared(seed: Mapping[str, Any]) -> _Declared:
    return _Declared(
        states=MappingProxyType({s["code"]: StateDef(**s) for s in seed["states"]}),
        roles=MappingProxyType({r["code"]: RoleDef(**r) for r in seed["roles"]}),
        effects=MappingProxyType({code: _effects(code, raw) for code, raw in seed.get("effects", {}).items()}),
    )


def rules_from_seed(seed: Mapping[str, Any]) -> WorkflowRules:
    """Build rules straight from the seed document (the database holds the same rows, with the field
    rules of the columns ledger/schema.py added since)."""
    declared = _declared(seed)
    editable = {s: set(f) for s, f in seed["editable_fields"].items()}
    for state, fields in schema.field_rules().items():
        editable.setdefault(state, set()).update(fields)
    return WorkflowRules(
        actions={a["code"]: ActionDef(**a) for a in seed["actions"]},
        transitions=tuple(Transition(*row) for row in seed["transitions"]),
        requirements=tuple(Requirement(*row) for row in seed["requirements"]),
        editable={s: frozenset(f) for s, f in editable.items()},
        edit_roles=frozenset(seed["edit_roles"]),
        states=declared.states,
        roles=declared.roles,
        effects=declared.effects,
    )


_SEED: dict[str, Any] = load_seed()
_DECLARED: _Declared = _declared(_SEED)
SEED_RULES: WorkflowRules = rules_from_seed(_SEED)

# Read-only views of the seed's states and roles, for the many callers that need no rules object.
STATE_NAMES: Mapping[str, str] = SEED_RULES.state_names
ROLE_NAMES: Mapping[str, str] = SEED_RULES.role_names
OPEN_STATES: frozenset[str] = SEED_RULES.open_states
SCOPED_ROLES: Mapping[str, str] = SEED_RULES.scoped_roles
ACTION_WRITES: Mapping[str, tuple[str, ...]] = SEED_RULES.action_writes
