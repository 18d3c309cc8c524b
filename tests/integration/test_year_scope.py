"""统计年度 (ledger/scope.py): one rule — cases found in the year, plus cases of earlier years still
open (结转) — gives the same count in the dashboard, the count service, the printed ledger and the
handoff workbook, and agrees with a count the test makes itself from the cases table."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from ledger.dto import CaseFilter
from ledger.errors import ValidationError
from ledger.models import Case
from ledger.scope import Scope
from ledger.workflow import OPEN_STATES
from reports.excel import ExportRequest, export_workbook
from reports.render import ReportRequest, build_filter, render_report
from tests.pdfcheck import read, text_of
from tests.world import prepared


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def at(w, day: dt.date) -> None:
    w.clock.now = dt.datetime.combine(day, dt.time(9))


def _years(w):
    made = {}
    for year in (2024, 2025, 2026):
        at(w, dt.date(year, 3, 2))
        made[(year, "closed")] = w.walk(w.register(), "closed")
        made[(year, "open")] = w.walk(w.register(), "in_progress")
        made[(year, "new")] = w.register()
    at(w, dt.date(2025, 6, 1))
    late = w.register(found_date=dt.date(2024, 12, 30))  # found in 2024, closed in 2025
    made[(2024, "closed_next_year")] = w.walk(late, "closed")
    at(w, dt.date(2026, 11, 23))
    return made


@pytest.fixture
def years(any_database, tmp_path, clock):
    """Cases over three years: closed in their year, carried over still open, and this year's
    (SQLite and PostgreSQL: each keeps the year counters by its own triggers). Made once a session
    on each kind of database, copied for each test (tests/world.py prepared)."""
    kind = "sqlite" if any_database is None else "postgresql"
    w, made = prepared(f"test_year_scope.years.{kind}", tmp_path, clock, _years, any_database)
    yield w, made
    w.ledger.close()


def expected(w, scope: Scope | None) -> set[str]:
    with w.ledger.reading() as s:  # the test's own count, case by case, in Python
        rows = s.execute(select(Case.number, Case.found_date, Case.state).where(Case.state != "void")).all()
    return {n for n, found, state in rows if scope is None or scope.holds(found, state)}


@pytest.mark.parametrize(
    "scope",
    [
        None,
        Scope(year=2024),
        Scope(year=2025),
        Scope(year=2026),
        Scope(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)),
    ],
    ids=["all", "2024", "2025", "2026", "range2025"],
)
def test_same_count_in_dashboard_report_and_export(years, tmp_path, scope):
    w, _ = years
    lg = w.ledger
    numbers = expected(w, scope)
    f = CaseFilter(include_void=False, scope=scope)
    dash = lg.queries.dashboard(scope=scope)
    assert dash.total == len(numbers) == lg.queries.count(f) == len(lg.reporting.case_ids(f))
    assert dash.scope == ("全部年度" if scope is None else scope.label)
    assert lg.queries.dashboard(scope=scope, visible_to=w.coordinator).total == len(numbers)

    pdf = tmp_path / "台账.pdf"
    assert render_report(lg, ReportRequest("ledger", filter=f), pdf, w.coordinator).cases == len(numbers)
    out = tmp_path / "台账.xlsx"
    assert export_workbook(lg, ExportRequest(filter=f), out, w.coordinator).rows == len(numbers)
    with CalamineWorkbook.from_path(str(out)) as cal:
        rows = cal.get_sheet_by_name("问题台账").to_python()
    assert {r[1] for r in rows[4:]} == numbers
    if scope is not None:
        assert f"（{scope.short}）" in squeeze(text_of(read(pdf, 1, 1)))
        assert scope.short in str(rows[0][0])


def test_carried_over_open_cases(years):
    w, made = years
    lg = w.ledger
    in_2026 = set(expected(w, Scope(year=2026)))
    assert made[(2024, "open")].number in in_2026 and made[(2025, "new")].number in in_2026  # 结转
    assert made[(2024, "closed")].number not in in_2026 and made[(2025, "closed")].number not in in_2026
    in_2024 = expected(w, Scope(year=2024))
    assert made[(2024, "closed_next_year")].number in in_2024  # found in 2024, whatever its state
    assert made[(2026, "new")].number not in in_2024  # never a later year's case
    # 2026: 3 found this year + 2 open from 2024 + 2 open from 2025
    assert lg.queries.dashboard(scope=Scope(year=2026)).total == 7
    open_2026 = lg.queries.count(CaseFilter(scope=Scope(year=2026), states=tuple(OPEN_STATES)))
    assert open_2026 == lg.queries.count(CaseFilter(states=tuple(OPEN_STATES)))  # every open case is this year's
    # closing a carried-over case moves it out of 2026 at once (the counters follow the trigger)
    w.walk(lg.cases.get(made[(2024, "open")].id), "closed")
    assert lg.queries.dashboard(scope=Scope(year=2026)).total == 6
    assert lg.queries.dashboard(scope=Scope(year=2024)).total == len(expected(w, Scope(year=2024)))


def test_a_changed_found_date_moves_the_case_between_years(years):
    w, made = years
    lg = w.ledger
    case = lg.cases.get(made[(2026, "new")].id)
    before = lg.queries.dashboard(scope=Scope(year=2025)).total
    lg.cases.update(w.clerk, case.id, case.version, {"found_date": dt.date(2025, 8, 1)})
    assert lg.queries.dashboard(scope=Scope(year=2025)).total == before + 1
    assert lg.queries.count(CaseFilter(scope=Scope(year=2025))) == len(expected(w, Scope(year=2025)))


def test_scope_inputs_are_checked():
    assert Scope.parse("2026年") == Scope(year=2026) and Scope.parse("全部年度") is None
    with pytest.raises(ValidationError, match="统计年度应为四位年份"):
        Scope.parse("明年")
    with pytest.raises(ValidationError, match="统计年度应在"):
        Scope.parse("1899")
    with pytest.raises(ValidationError, match="起始日期（2026-02-01）晚于结束日期"):
        Scope.parse(None, "2026-02-01", "2026-01-01")
    with pytest.raises(ValidationError, match="起始日期应为"):
        Scope.parse(None, "二月", "2026-01-01")


def test_build_filter_takes_the_year(world):
    assert build_filter(world.ledger, year="2025").scope == Scope(year=2025)
    with pytest.raises(ValidationError, match="统计年度应为四位年份"):
        build_filter(world.ledger, year="abc")


def test_upgrade_fills_the_year_counters_and_verify_checks_them(years, tmp_path):
    """Revision 0012 on a ledger that already holds cases of three years: the counters are filled
    from the cases (a downgrade to 0008 and back); a raw-SQL edit of them is named by verify."""
    from sqlalchemy import create_engine, text

    from ledger import open_ledger
    from ledger.migrate import alembic_config, downgrade, upgrade
    from ledger.verify import verify_ledger

    w, _ = years
    lg = w.ledger
    if lg.dialect != "sqlite":
        pytest.skip("the downgrade/upgrade round trip is run on the SQLite file")
    want = {y: lg.queries.dashboard(scope=Scope(year=y)).total for y in (2024, 2025, 2026)}
    db = Path(str(lg.engine.url.database))
    lg.close()
    engine = create_engine(f"sqlite:///{db}")
    try:
        downgrade(engine, alembic_config(), "0011")
        with engine.connect() as con:
            assert "case_year_counts" not in {r[0] for r in con.execute(text("SELECT name FROM sqlite_master"))}
        upgrade(engine, alembic_config())
    finally:
        engine.dispose()
    again = open_ledger(db, key_dir=tmp_path / "keys", evidence_dir=tmp_path / "evidence", clock=w.clock)
    try:
        assert {y: again.queries.dashboard(scope=Scope(year=y)).total for y in want} == want
        assert verify_ledger(again, remember=False).ok
        con = sqlite3.connect(db, isolation_level=None)
        try:
            con.execute("UPDATE case_year_counts SET n = n + 3 WHERE rowid = (SELECT min(rowid) FROM case_year_counts)")
        finally:
            con.close()
        report = verify_ledger(again, remember=False)
        assert not report.ok
        assert any("按年度看板计数与问题表不一致" in detail for _, ok, detail in report.checks if not ok)
    finally:
        again.close()
