"""The one vocabulary of counts, overdue and lights (ledger/workflow.py), as pure rules: the five
groups that add up to 累计发现, what 逾期 means, the case lights, the townships' and departments'
lights by threshold, and the 周报's default 统计周期."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.workflow import (
    LIGHT_NAMES,
    OPEN_STATES,
    STATE_NAMES,
    TALLY,
    GroupLightPolicy,
    LightPolicy,
    is_overdue,
    light,
    report_period,
    tally,
)

TODAY = dt.date(2026, 11, 25)
DEADLINE = TODAY - dt.timedelta(days=10)  # a 时限 that has passed


def test_the_five_groups_divide_every_case_that_is_not_void():
    covered = [state for _key, _name, states in TALLY for state in states]
    assert sorted(covered) == sorted(s for s in STATE_NAMES if s != "void")
    assert len(covered) == len(set(covered))
    assert [name for _key, name, _states in TALLY] == ["待交办", "整改中", "待核验", "待审批", "已销号"]
    counts = tally(
        {"registered": 3, "assigned": 2, "in_progress": 5, "pending_verification": 1, "closed": 7, "void": 9}
    )
    assert counts == {"unassigned": 3, "working": 7, "pending_verification": 1, "pending_approval": 0, "closed": 7}
    assert sum(counts.values()) == 3 + 2 + 5 + 1 + 7  # 累计发现, void excluded


@pytest.mark.parametrize(
    ("state", "deadline", "completed", "overdue"),
    [
        ("in_progress", DEADLINE, None, True),  # still being worked on, past the 时限
        ("assigned", DEADLINE, None, True),
        ("in_progress", TODAY, None, False),  # due today: not yet overdue
        ("pending_approval", DEADLINE, DEADLINE - dt.timedelta(days=3), False),  # done on time, awaiting sign-off
        ("pending_verification", DEADLINE, DEADLINE, False),  # done on the last day
        ("pending_verification", DEADLINE, DEADLINE + dt.timedelta(days=1), True),  # completed late
        ("pending_approval", DEADLINE, TODAY, True),
        ("pending_approval", DEADLINE, None, True),  # no 完成时间 known: not shown to be done
        ("in_progress", DEADLINE, DEADLINE - dt.timedelta(days=3), True),  # sent back: the old date no longer counts
        ("registered", DEADLINE, None, False),  # not handed over: no 时限 runs
        ("closed", DEADLINE, TODAY, False),
        ("void", DEADLINE, None, False),
        ("in_progress", None, None, False),
    ],
)
def test_overdue_means_past_the_deadline_and_not_yet_done(state, deadline, completed, overdue):
    assert is_overdue(state, deadline, completed, TODAY) is overdue
    assert (light(state, deadline, TODAY, LightPolicy(), completed) == "red") is overdue


@pytest.mark.parametrize(
    ("state", "deadline", "completed", "expected"),
    [
        ("in_progress", TODAY + dt.timedelta(days=3), None, "yellow"),
        ("in_progress", TODAY + dt.timedelta(days=4), None, "green"),
        ("assigned", TODAY, None, "yellow"),
        ("pending_verification", TODAY + dt.timedelta(days=1), TODAY, "green"),  # done: nothing left to hurry
        ("pending_approval", DEADLINE, DEADLINE, "green"),
        ("pending_approval", DEADLINE, TODAY, "red"),
        ("registered", None, None, None),
        ("closed", DEADLINE, DEADLINE, None),
    ],
)
def test_case_lights(state, deadline, completed, expected):
    assert light(state, deadline, TODAY, LightPolicy(warn_days=3), completed) == expected
    assert state in OPEN_STATES or expected is None


def test_one_set_of_light_names():
    assert LIGHT_NAMES == {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}


def test_group_lights_follow_the_thresholds_not_a_single_case():
    policy = GroupLightPolicy()  # red: overdue ≥ 10 % or rate < 50 %; yellow: overdue ≥ 5 % or rate < 60 %
    assert policy.light(200, 150, 1) == "green"  # one overdue case among 200 colours nothing
    assert policy.light(200, 150, 9) == "green"  # 4.5 %
    assert policy.light(200, 150, 10) == "yellow"  # 5 %
    assert policy.light(200, 150, 20) == "red"  # 10 %
    assert policy.light(10, 9, 1) == "yellow"  # one late case in a small unit: a word, not a red light
    assert policy.light(20, 17, 3) == "red"  # three of twenty: a pattern
    assert policy.light(200, 110, 0) == "yellow"  # 55 % closed
    assert policy.light(200, 99, 0) == "red"  # 49.5 % closed
    assert policy.light(0, 0, 0) is None
    strict = GroupLightPolicy(red_overdue=0.02, red_rate=0.5, yellow_overdue=0.01, yellow_rate=0.6)
    assert strict.light(200, 150, 4) == "red"
    assert GroupLightPolicy(red_min_overdue=1).light(10, 9, 1) == "red"
    assert "红灯：逾期占比≥10%（且逾期不少于3个）或销号率<50%" in policy.describe()


@pytest.mark.parametrize(
    ("today", "week_end", "period"),
    [
        ("2026-11-25", 6, ("2026-11-16", "2026-11-22")),  # Wednesday: last Monday–Sunday
        ("2026-11-23", 6, ("2026-11-16", "2026-11-22")),  # Monday: the week that ended yesterday
        ("2026-11-22", 6, ("2026-11-09", "2026-11-15")),  # Sunday: this week is not over yet
        ("2026-11-25", 4, ("2026-11-14", "2026-11-20")),  # an office closing its week on Friday
        ("2026-11-21", 4, ("2026-11-14", "2026-11-20")),  # Saturday after that Friday
        ("2027-01-02", 6, ("2026-12-21", "2026-12-27")),
    ],
)
def test_the_default_period_is_the_last_full_report_week(today, week_end, period):
    start, end = report_period(dt.date.fromisoformat(today), week_end)
    assert (start.isoformat(), end.isoformat()) == period
    assert end.weekday() == week_end and (end - start).days == 6
