"""到期提醒 and 督办函 rules as data (resources/seed/escalation_rules.json).

- `remind_days(deadline_class)`: a case still being worked on (交办后、提交核验前) whose 整改时限 is
  today or within this many days is on the 到期提醒 list of its township and of its lead department.
- `candidate_days`: a case overdue this many days or more and named in no open 督办函 is a candidate
  for the next letter to its lead department.
- `reply_days`: an issued 督办函 asks for the 书面说明 within this many days of its 成文日期; once
  that date has passed without a reply the letter is 逾期未复.
- The letter states: issued (已签发) → replied (已复函) → closed (已办结).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from ledger.paths import resource_path

LETTER_STATES = {"issued": "已签发", "replied": "已复函", "closed": "已办结"}
REPLY_OVERDUE = "逾期未复"


@dataclass(frozen=True)
class EscalationRules:
    remind: dict[str, int]  # deadline class -> days; "default" for the others
    reply_days: int
    candidate_days: int = 1  # overdue this many days or more: a 督办函 candidate

    def remind_days(self, deadline_class: str) -> int:
        return self.remind.get(deadline_class, self.remind["default"])

    @property
    def widest(self) -> int:
        return max(self.remind.values())


def parse(data: dict[str, Any]) -> EscalationRules:
    remind = {str(k): int(v) for k, v in data["remind_days"].items()}
    if "default" not in remind or any(v < 0 for v in remind.values()) or int(data["reply_days"]) < 1:
        raise ValueError("escalation rules: remind_days needs a non-negative 'default'; reply_days >= 1")
    return EscalationRules(remind, int(data["reply_days"]), int(data.get("candidate_overdue_days", 1)))


@cache
def rules() -> EscalationRules:
    return parse(json.loads(resource_path("seed", "escalation_rules.json").read_text(encoding="utf-8")))


def letter_state_label(state: str, reply_due: dt.date, today: dt.date) -> str:
    """已签发 / 已复函 / 已办结, or 逾期未复 for an issued letter past its reply date."""
    if state == "issued" and today > reply_due:
        return REPLY_OVERDUE
    return LETTER_STATES[state]


def rule_text(rules: EscalationRules, class_names: dict[str, str]) -> str:
    parts = [f"{class_names.get(k, k)}{v}天" for k, v in rules.remind.items() if k != "default"]
    return (
        f"提醒规则：整改中的问题在整改时限前{rules.remind['default']}天内列入清单（"
        + "、".join(parts)
        + "），当日到期的也列入。"
    )
