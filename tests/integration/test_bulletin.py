"""The numbered 调度通报: figures checked against the ledger (counted here from the cases table
with the lifecycle's own rules), ranking, late and missing reporters named, comparison with the
previous issued 通报, numbers never reused (a reprint keeps its number and figures), audited, and
tamper-evident. Read back from the PDF with the text extractor."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from ledger.errors import PermissionDenied, ValidationError
from ledger.services.dispatch import Period
from ledger.verify import verify_ledger
from ledger.workflow import is_overdue
from reports.bulletin import render_bulletin
from tests.integration.test_dispatch import END, MINUTE, units_with_cases
from tests.pdfcheck import check, read, text_of
from tests.world import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
WEEK = dt.timedelta(days=7)


def expected_figures(db: str, today: dt.date) -> dict[tuple[str, int], tuple[int, int, int]]:
    """(kind, id) → (cases not void, closed, overdue today), counted from the raw rows."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT township_id, lead_department_id, state, deadline, completion_date FROM cases"
        ).fetchall()
    finally:
        con.close()
    out: dict[tuple[str, int], list[int]] = {}
    day = lambda v: dt.date.fromisoformat(v) if v else None  # noqa: E731
    for town, dept, state, deadline, completed in rows:
        if state == "void":
            continue
        for key in (("township", town), ("department", dept)):
            if key[1] is None:
                continue
            c = out.setdefault(key, [0, 0, 0])
            c[0] += 1
            c[1] += state == "closed"
            c[2] += is_overdue(state, day(deadline), day(completed), today)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def a_ledger_with_figures(world):
    """Cases in several states, one overdue, one closed; 城关镇 on time, 住建局 late, the rest missing."""
    lg = world.ledger
    units_with_cases(world)
    world.walk(world.register("house.c"), "closed")
    overdue = world.walk(world.register("house.d"), "in_progress")
    voided = world.register("house.c")
    lg.cases.act(world.coordinator, voided.id, "void", expected_version=voided.version, inputs={"reason": "重复登记"})
    world.clock.now = END - MINUTE
    lg.dispatch.confirm(world.verifier, "township", world.township_id)
    world.clock.now = END + MINUTE
    lg.dispatch.confirm(world.officer, "department", world.zjj_id)
    return overdue


def print_events(lg) -> list[dict]:
    """The payloads of the report.print events of 通报, oldest first."""
    con = sqlite3.connect(lg.engine.url.database)
    try:
        rows = con.execute("SELECT payload FROM audit_events WHERE action = 'report.print' ORDER BY seq").fetchall()
    finally:
        con.close()
    return [p for p in (json.loads(r[0]) for r in rows) if p.get("kind") == "bulletin"]


def issue(world, path, period=None, actor=None):
    return render_bulletin(world.ledger, path, actor or world.coordinator, period=period)


def test_figures_ranking_and_names_against_the_ledger(world, tmp_path):
    lg = world.ledger
    overdue = a_ledger_with_figures(world)
    deadline = lg.cases.get(overdue.id).deadline
    world.clock.now = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(9))  # past its 时限
    result = issue(world, tmp_path / "通报.pdf", Period(END))
    assert (result.year, result.number, result.reprint) == (2026, 1, False)

    figures = lg.dispatch.issued(Period(END))[2]
    expected = expected_figures(lg.engine.url.database, world.clock.now.date())
    assert any(v[2] for v in expected.values()), "the ledger should have an overdue case"
    got = {(u["kind"], u["id"]): (u["total"], u["closed"], u["overdue"]) for u in figures["units"]}
    assert got == expected
    statuses = {u["name"]: u["status"] for u in figures["units"]}
    assert statuses == {"城关镇": "已报", "河西乡": "未报", "县住建局": "迟报", "县水利局": "未报"}
    for kind in ("township", "department"):
        rows = [u for u in figures["units"] if u["kind"] == kind]
        keys = [(-Fraction(u["closed"], u["total"]), u["overdue"], ["已报", "迟报", "未报"].index(u["status"]))
                for u in rows]  # fmt: skip
        assert keys == sorted(keys) and [u["rank"] for u in rows] == list(range(1, len(rows) + 1))

    pages = read(result.path)
    text = text_of(pages).replace("\n", "")
    assert "整改工作调度通报" in text
    assert "第1期" in text and "领导小组办公室" in text
    assert "迟报1个：县住建局" in text and "未报2个：河西乡、县水利局" in text
    assert "本期为首次通报" in text
    town = next(u for u in figures["units"] if u["name"] == "城关镇")
    rate = f"{town['closed'] / town['total'] * 100:.1f}%"
    assert rate in text
    problems = check(result.path, terms={"城关镇", "河西乡", "县住建局", "县水利局", "销号率"})
    assert not problems, problems
    (event,) = print_events(lg)
    assert event["numbers"][0]["number"] == 1 and event["sha256"] and not event["reprint"]
    assert verify_ledger(lg).ok


def test_numbers_are_never_reused_and_a_reprint_keeps_its_number(world, tmp_path):
    lg = world.ledger
    a_ledger_with_figures(world)
    world.clock.now = END + dt.timedelta(hours=3)
    first = issue(world, tmp_path / "1.pdf", Period(END))
    first_figures = lg.dispatch.issued(Period(END))[2]
    # the ledger moves on: a case closed, 水利局 reports next week
    world.walk(world.register("house.c"), "closed")
    world.clock.now = END + WEEK - MINUTE
    lg.dispatch.confirm(world.other_officer, "department", world.slj_id)
    world.clock.now = END + WEEK + dt.timedelta(hours=3)
    second = issue(world, tmp_path / "2.pdf")  # default: the period just ended
    assert (first.number, second.number) == (1, 2)
    again = issue(world, tmp_path / "1-重印.pdf", Period(END))
    assert again.reprint and again.number == 1
    assert lg.dispatch.issued(Period(END))[2] == first_figures  # the stored figures, not a recount
    assert text_of(read(again.path)).replace("\n", "").count("第1期") >= 1
    register = lg.serials.register("通报")
    assert [(r.number, r.subject) for r in register] == [
        (1, "调度期2026-11-26 17:00"), (2, "调度期2026-12-03 17:00")]  # fmt: skip
    with pytest.raises(ValidationError, match="更晚一期的通报（2026年第1期）已印发"):
        issue(world, tmp_path / "更早.pdf", Period(END - WEEK))
    assert not (tmp_path / "更早.pdf").exists()
    third = issue(world, tmp_path / "2-重印.pdf")
    assert third.reprint and third.number == 2 and len(lg.serials.register("通报")) == 2

    # the second compares with what the first printed
    second_figures = lg.dispatch.issued(Period(END + WEEK))[2]
    assert second_figures["previous"] == {"year": 2026, "number": 1, "period_end": "2026-11-26T17:00"}
    by_unit = {(u["kind"], u["id"]): u for u in first_figures["units"]}
    for u in second_figures["units"]:
        old = by_unit[(u["kind"], u["id"])]
        assert u["prev"] == {k: old[k] for k in ("total", "closed", "overdue", "rank", "status")}
    text = text_of(read(second.path)).replace("\n", "")
    assert "与第1期通报相比" in text and "水利局" in text

    assert [p["reprint"] for p in print_events(lg)] == [False, False, True, True]
    assert verify_ledger(lg).ok


def test_who_may_issue_and_when(world, tmp_path):
    lg = world.ledger
    a_ledger_with_figures(world)
    for actor in (world.viewer, world.officer, world.verifier, world.approver, world.admin, world.auditor):
        with pytest.raises(PermissionDenied):
            issue(world, tmp_path / "x.pdf", Period(END), actor)
    with pytest.raises(PermissionDenied):
        render_bulletin(lg, tmp_path / "x.pdf", None, period=Period(END))
    with pytest.raises(ValidationError, match="未到"):
        issue(world, tmp_path / "x.pdf", Period(END + WEEK))
    assert not (tmp_path / "x.pdf").exists() and lg.serials.register("通报") == []
    assert issue(world, tmp_path / "x.pdf", Period(END), world.clerk).number == 1


def test_a_ledger_without_cases_issues_an_empty_bulletin(world, tmp_path):
    world.clock.now = END + MINUTE
    result = issue(world, tmp_path / "空.pdf", Period(END))
    text = text_of(read(result.path)).replace("\n", "")
    assert result.number == 1 and "本期应报送单位0个" in text and "（无）" in text


def test_an_issued_bulletin_edited_with_sql_is_named(world, tmp_path):
    lg = world.ledger
    a_ledger_with_figures(world)
    world.clock.now = END + dt.timedelta(hours=3)
    issue(world, tmp_path / "1.pdf", Period(END))
    db = lg.engine.url.database
    con = sqlite3.connect(db, isolation_level=None)
    try:
        figures = json.loads(con.execute("SELECT figures FROM dispatch_bulletins").fetchone()[0])
        for u in figures["units"]:
            u["status"] = "已报"
        con.execute("UPDATE dispatch_bulletins SET figures = ?", (json.dumps(figures, ensure_ascii=False),))
    finally:
        con.close()
    report = verify_ledger(lg)
    assert not report.ok
    text = "\n".join([d for _n, ok, d in report.checks if not ok] + report.details)
    assert "调度通报" in text, text


def test_the_command_line_prints_the_board_and_issues(world, tmp_path):
    a_ledger_with_figures(world)
    lg = world.ledger
    db = lg.engine.url.database
    lg.close()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ZGTZ_")},
           "ZGTZ_DATA_DIR": str(tmp_path), "ZGTZ_KEY_DIR": str(tmp_path / "keys")}  # fmt: skip

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "main.py", "bulletin", "--db", db, *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, input=PASSWORD + "\n", timeout=300)  # fmt: skip

    board = cli("--period", "2026-11-26", "--board-only")
    assert board.returncode == 0, board.stderr
    assert "11月19日17:00至11月26日17:00" in board.stdout
    lines = {line.split()[0]: line for line in board.stdout.splitlines()[1:]}
    assert "已报 2026-11-26 16:59" in lines["城关镇"] and "迟报 2026-11-26 17:01" in lines["县住建局"]
    assert "未报" in lines["河西乡"] and "未报" in lines["县水利局"]
    out = tmp_path / "通报.pdf"
    done = cli("--period", "2026-11-26", "--out", str(out), "--user", "tongchou", "--password-stdin")
    assert done.returncode == 0, done.stderr
    assert "2026年第1期" in done.stdout and out.exists()
    again = cli("--period", "2026-11-26", "--out", str(out), "--user", "tongchou", "--password-stdin")
    assert "2026年第1期（重印，期号不变）" in again.stdout
    refused = cli("--period", "2026-11-26", "--user", "ck1", "--password-stdin")
    assert refused.returncode == 2 and "统筹员或录入员" in refused.stderr
    bad = cli("--period", "明天", "--board-only")
    assert bad.returncode == 2 and "无法识别" in bad.stderr
