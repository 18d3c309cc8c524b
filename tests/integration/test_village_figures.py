"""Per-village figures and 动态清零 (ledger/services/villages.py) against the ledger itself: every
figure is recomputed here from the rows of the SQLite file (cases, case_actions) with the pure
rules of ledger.workflow, through a close, a void, a 销号回退 and a second close; and who sees which
villages."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from ledger.errors import PermissionDenied
from ledger.workflow import OPEN_STATES, is_overdue
from tests.world import World


def expected(w: World) -> dict[int, dict]:
    """The figures of each village, straight from the file."""
    db = sqlite3.connect(w.ledger.engine.url.database)
    try:
        cases = db.execute("SELECT id, village_id, category, state, deadline, completion_date, closed_date FROM cases")
        rows = cases.fetchall()
        voided = dict(db.execute("SELECT case_id, max(at) FROM case_actions WHERE to_state = 'void' GROUP BY case_id"))
    finally:
        db.close()
    today = w.ledger.today()
    day = lambda v: dt.date.fromisoformat(v[:10]) if v else None  # noqa: E731
    out: dict[int, dict] = {}
    for case_id, village, category, state, deadline, completed, closed in rows:
        v = out.setdefault(village, {"total": 0, "open": 0, "closed": 0, "overdue": 0, "cats": {}, "last": None})
        if state != "void":
            v["total"] += 1
        if state in OPEN_STATES:
            v["open"] += 1
            v["cats"][category] = v["cats"].get(category, 0) + 1
        if state == "closed":
            v["closed"] += 1
        if is_overdue(state, day(deadline), day(completed), today):
            v["overdue"] += 1
        left = day(closed) if state == "closed" else day(voided[case_id]) if state == "void" else None
        if left and (v["last"] is None or left > v["last"]):
            v["last"] = left
    return out


def check(w: World) -> dict[str, object]:
    """The service's figures equal the file's; returns 村名 -> VillageFigures."""
    want = expected(w)
    got = {f.name: f for f in w.ledger.villages.figures()}
    for f in got.values():
        e = want.get(f.village_id)
        if e is None:
            assert (f.total, f.open, f.void, f.zero_since, f.status) == (0, 0, 0, None, "从未有问题")
            continue
        assert (f.total, f.open, f.closed, f.overdue) == (e["total"], e["open"], e["closed"], e["overdue"])
        assert f.open_by_category == e["cats"]
        assert f.cleared == (e["open"] == 0)
        assert f.zero_since == (e["last"] if e["open"] == 0 else None)
    return got


@pytest.fixture
def villages(world: World):
    lg = world.ledger
    towns = {v.name: v.id for v in lg.catalog.villages()}
    return towns


def test_figures_follow_closing_voiding_and_reopening(world: World, villages):
    w = world
    xi = villages["西关村"]
    house = w.register("house.c")
    water = w.register("water.quality")
    on_xi = w.register("house.c", household=w.household(village_id=xi))
    got = check(w)
    assert got["东关村"].open_by_category == {"house": 1, "water": 1}
    assert got["东关村"].status == "未清零（2个）"
    assert got["河西村"].status == "从未有问题" and not got["河西村"].cleared

    w.clock.advance(days=1)  # 11-24: the house problem closed, 西关村's voided
    w.walk(house, "closed")
    w.ledger.cases.act(w.coordinator, on_xi.id, "void", expected_version=on_xi.version, inputs={"reason": "重复登记"})
    got = check(w)
    assert got["东关村"].open == 1 and got["东关村"].open_by_category == {"water": 1}
    assert got["西关村"].cleared and got["西关村"].zero_since == dt.date(2026, 11, 24)
    assert got["西关村"].status == "已清零（2026年11月24日）" and got["西关村"].total == 0

    w.clock.advance(days=2)  # 11-26: the last open case of 东关村 closed: zero since that day
    water = w.walk(water, "closed")
    got = check(w)
    assert got["东关村"].cleared and got["东关村"].zero_since == dt.date(2026, 11, 26)
    assert (got["东关村"].total, got["东关村"].closed, got["东关村"].rate) == (2, 2, 1.0)

    w.clock.advance(days=1)  # 11-27: 销号回退 — no longer zero
    water = w.ledger.cases.act(
        w.approver, water.id, "reopen", expected_version=water.version, inputs={"reason": "回访发现水质仍不达标"},
        password="Zg#2026pw",
    ).case  # fmt: skip
    got = check(w)
    assert not got["东关村"].cleared and got["东关村"].zero_since is None
    assert got["东关村"].open_by_category == {"water": 1} and got["东关村"].status == "未清零（1个）"

    w.clock.advance(days=3)  # 11-30: closed again: zero since the second close
    w.walk(water, "closed")
    got = check(w)
    assert got["东关村"].zero_since == dt.date(2026, 11, 30)


def test_overdue_and_township_scope(world: World, villages):
    w = world
    late = w.walk(w.register("house.d"), "in_progress")
    w.clock.advance(days=400)
    got = check(w)
    assert got["东关村"].overdue == 1 and late.deadline is not None
    only = w.ledger.villages.figures(w.township_id)
    assert [f.name for f in only] == ["东关村", "西关村"]
    assert all(f.township == "城关镇" for f in only)


def test_a_township_user_sees_only_its_villages(world: World, villages):
    w = world
    w.register("house.c")
    w.register("house.c", household=w.household(village_id=villages["河西村"]))
    mine = w.ledger.villages.figures(visible_to=w.verifier)
    assert [f.name for f in mine] == ["东关村", "西关村"]
    assert [f.name for f in w.ledger.villages.figures(w.township_id, visible_to=w.verifier)] == ["东关村", "西关村"]
    with pytest.raises(PermissionDenied, match="本乡镇"):
        w.ledger.villages.figures(w.other_township_id, visible_to=w.verifier)
    for blind in (w.auditor, w.admin):
        with pytest.raises(PermissionDenied, match="不能查看问题数据"):
            w.ledger.villages.figures(visible_to=blind)
    assert len(w.ledger.villages.figures(visible_to=w.viewer)) == 3


def test_a_department_counts_only_the_cases_it_leads(world: World, villages):
    w = world
    w.walk(w.register("house.c"), "assigned")  # 住建局 leads it
    w.register("house.c", household=w.household(village_id=villages["河西村"]))  # not assigned: nobody leads it
    seen = w.ledger.villages.figures(visible_to=w.officer)
    assert [(f.name, f.total, f.open) for f in seen] == [("东关村", 1, 1)]
    assert w.ledger.villages.figures(visible_to=w.other_officer) == []


def test_zero_date_on_both_databases(any_world: World):
    """The same figures on SQLite and PostgreSQL (max() over case_actions.at comes back as text on one)."""
    w = any_world
    house = w.register("house.c")
    water = w.register("water.quality")
    w.clock.advance(days=1)
    w.walk(house, "closed")
    w.ledger.cases.act(w.coordinator, water.id, "void", expected_version=water.version, inputs={"reason": "重复登记"})
    got = {f.name: f for f in w.ledger.villages.figures(w.township_id, visible_to=w.verifier)}
    assert got["东关村"].cleared and got["东关村"].zero_since == dt.date(2026, 11, 24)
    assert (got["东关村"].total, got["东关村"].closed, got["东关村"].void) == (1, 1, 1)
    assert got["西关村"].status == "从未有问题" and list(got) == ["东关村", "西关村"]


def test_village_figures_follow_the_year_scope(world):
    """A 统计年度 counts, per village, the cases found in the year plus those carried over still open."""
    from ledger.scope import Scope

    w = world
    w.clock.now = dt.datetime(2025, 3, 1, 9)
    w.walk(w.register(), "closed")  # 2025, closed in 2025
    carried = w.walk(w.register(), "in_progress")  # 2025, still open
    w.clock.now = dt.datetime(2026, 2, 1, 9)
    w.register()  # 2026, open
    lg = w.ledger
    rows = sqlite3.connect(lg.engine.url.database).execute("SELECT found_date, state FROM cases").fetchall()
    for year in (2025, 2026):
        scope = Scope(year=year)
        want = sum(1 for found, state in rows if scope.holds(dt.date.fromisoformat(found), state) and state != "void")
        figures = {f.village_id: f for f in lg.villages.figures(w.township_id, scope=scope)}
        assert figures[w.village_id].total == want, year
    assert {f.village_id: f.total for f in lg.villages.figures(w.township_id, scope=Scope(year=2026))}[
        w.village_id
    ] == 2
    assert lg.cases.get(carried.id).state == "in_progress"
