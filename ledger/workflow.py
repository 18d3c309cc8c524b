"""The case workflow as data, and the pure rules that read it.

The tables (states, actions, transitions per role and category, required fields per action, field
rules per state) are rows in the ledger database, seeded from resources/seed/workflow.json. Nothing
here touches the database: `check_action` takes plain values and returns the target state and the
list of problems, so every rule can be tested without storage.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ledger.paths import resource_path

STATE_NAMES: dict[str, str] = {}

# Case fields as the UI and the messages name them.
FIELD_LABELS = {
    "household_id": "农户",
    "subcategory": "问题子类",
    "description": "问题描述",
    "source": "发现方式",
    "found_date": "发现时间",
    "state": "整改进度",
    "lead_department_id": "牵头单位",
    "assisting_departments": "配合单位",
    "responsible_person": "责任人",
    "measures": "整改措施",
    "deadline": "整改时限",
    "assigned_date": "交办时间",
    "completion_date": "完成时间",
    "closed_date": "销号时间",
    "closed_on_time": "按期销号",
    "void_reason": "作废原因",
    "duplicate_of_id": "重复问题",
    "remarks": "备注",
}

ROLE_NAMES: dict[str, str] = {}
OPEN_STATES: frozenset[str] = frozenset()


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

    def _matching(self, action: str, state: str | None, category: str | None) -> list[Transition]:
        return [
            t
            for t in self.transitions
            if t.action == action and t.from_state == state and t.category in (None, category)
        ]

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
        state_name = STATE_NAMES.get(facts.state or "", "新问题")
        return None, [f"“{state_name}”状态的问题不能{definition.name}"]
    target = rules.target(action, facts.state, roles, facts.category)
    if target is None:
        allowed = sorted({ROLE_NAMES.get(t.role, t.role) for t in rules._matching(action, facts.state, facts.category)})
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
        return [f"“{STATE_NAMES.get(state, state)}”状态下不能修改：{names}"]
    return []


@dataclass(frozen=True)
class LightPolicy:
    warn_days: int = 3


def light(state: str, deadline: dt.date | None, today: dt.date, policy: LightPolicy = LightPolicy()) -> str | None:
    """红黄绿灯: 'red' overdue, 'yellow' due within warn_days, 'green' otherwise; None when not
    applicable (no deadline yet, or closed / void)."""
    if state not in OPEN_STATES or deadline is None:
        return None
    if deadline < today:
        return "red"
    if (deadline - today).days <= policy.warn_days:
        return "yellow"
    return "green"


LIGHT_NAMES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}


def load_seed() -> dict:
    return json.loads(resource_path("seed", "workflow.json").read_text(encoding="utf-8"))


def rules_from_seed(seed: Mapping) -> WorkflowRules:
    """Build rules straight from the seed document (the database holds the same rows)."""
    return WorkflowRules(
        actions={a["code"]: ActionDef(**a) for a in seed["actions"]},
        transitions=tuple(Transition(*row) for row in seed["transitions"]),
        requirements=tuple(Requirement(*row) for row in seed["requirements"]),
        editable={s: frozenset(f) for s, f in seed["editable_fields"].items()},
        edit_roles=frozenset(seed["edit_roles"]),
    )


def _init_names() -> None:
    global OPEN_STATES
    seed = load_seed()
    STATE_NAMES.update({s["code"]: s["name"] for s in seed["states"]})
    ROLE_NAMES.update({r["code"]: r["name"] for r in seed["roles"]})
    OPEN_STATES = frozenset(s["code"] for s in seed["states"] if s["open"])


_init_names()
