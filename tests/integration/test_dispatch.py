"""一周一调度: the 调度期 from the office's cut-off, each unit's report (填报表 import or 确认本期进度)
and the board's 已报 / 迟报 / 未报 at and around the cut-off, on a real ledger with a moving clock."""

from __future__ import annotations

import datetime as dt
import sqlite3

import openpyxl
import pytest

from ledger.errors import LedgerError, PermissionDenied, ValidationError
from ledger.services.dispatch import Cutoff, Period, period_containing
from ledger.verify import verify_ledger
from reports.excel import export_fillin

# FakeClock starts Monday 2026-11-23 09:00; the default cut-off is Thursday 17:00.
END = dt.datetime(2026, 11, 26, 17, 0)
MINUTE = dt.timedelta(minutes=1)


def at(world, when: dt.datetime) -> None:
    world.clock.now = when


def units_with_cases(world):
    """城关镇 (two cases), 河西乡 (one), 住建局 and 水利局 each leading one."""
    lg = world.ledger
    zjj_case = world.walk(world.register("house.c"), "assigned")
    slj_case = world.register("house.d")
    lg.cases.act(world.coordinator, slj_case.id, "assign", expected_version=slj_case.version,
                 inputs={"lead_department_id": world.slj_id})  # fmt: skip
    far = lg.catalog.villages(world.other_township_id)[0].id
    world.register("house.c", household=world.household(village_id=far))
    return zjj_case


def board(world, period=None, when=None):
    lg = world.ledger
    period = period or Period(END)
    return {r.unit.name: r for r in lg.dispatch.board(period, when)}


def test_periods_follow_the_cutoff_setting():
    thursday = Cutoff(3, dt.time(17, 0), 24)
    assert period_containing(thursday, END).end == END  # at the cut-off: still this period
    assert period_containing(thursday, END - MINUTE).end == END
    assert period_containing(thursday, END + MINUTE).end == END + dt.timedelta(days=7)
    assert period_containing(thursday, dt.datetime(2026, 11, 20, 0, 0)).end == dt.datetime(2026, 11, 26, 17, 0)
    assert period_containing(thursday, dt.datetime(2026, 11, 19, 17, 0, 1)).end == END
    p = Period(END)
    assert p.start == dt.datetime(2026, 11, 19, 17, 0) and p.contains(END) and not p.contains(p.start)
    assert p.label() == "11月19日17:00至11月26日17:00"
    friday_noon = Cutoff(4, dt.time(12, 0), 24)
    assert period_containing(friday_noon, END).end == dt.datetime(2026, 11, 27, 12, 0)


def test_the_cutoff_is_set_by_the_office_and_audited(world):
    lg = world.ledger
    assert lg.dispatch.current_period().end == END
    for actor in (world.viewer, world.officer, world.verifier, world.clerk):
        with pytest.raises(PermissionDenied):
            lg.dispatch.set_cutoff(actor, 4, "12:00")
    for bad in ("25:00", "noon", "", "12:5"):
        with pytest.raises(ValidationError, match="时:分"):
            lg.dispatch.set_cutoff(world.coordinator, 4, bad)
    with pytest.raises(ValidationError, match="周一至周日"):
        lg.dispatch.set_cutoff(world.coordinator, 7, "12:00")
    with pytest.raises(ValidationError, match="0至72小时"):
        lg.dispatch.set_cutoff(world.coordinator, 4, "12:00", 100)
    head = lg.audit.head()[0]
    cutoff = lg.dispatch.set_cutoff(world.coordinator, 4, "12：00", 48)
    assert cutoff == Cutoff(4, dt.time(12, 0), 48)
    assert lg.audit.head()[0] == head + 1
    assert lg.dispatch.current_period().end == dt.datetime(2026, 11, 27, 12, 0)
    lg.dispatch.set_cutoff(world.admin, 3, "17:00")
    assert lg.dispatch.current_period().end == END
    assert verify_ledger(lg).ok


def test_board_at_and_around_the_cutoff(world, tmp_path):
    lg = world.ledger
    units_with_cases(world)
    assert set(board(world)) == {"城关镇", "河西乡", "县住建局", "县水利局"}
    assert {r.status for r in board(world).values()} == {"待报"}

    at(world, END - MINUTE)  # one minute before the cut-off: 城关镇 confirms
    row = lg.dispatch.confirm(world.verifier, "township", world.township_id)
    assert row.status == "已报" and row.submitted_at <= END
    with pytest.raises(ValidationError, match="无须重复确认"):
        lg.dispatch.confirm(world.verifier2, "township", world.township_id)

    at(world, END + MINUTE)  # one minute after: 住建局 imports its 填报表 — late for this period
    out = tmp_path / "住建局填报表.xlsx"
    export_fillin(lg, world.zjj_id, out, world.officer)
    book = openpyxl.load_workbook(out)
    ws = book["待填报问题"]
    columns = {c.value: c.column for c in ws[3]}
    ws.cell(row=4, column=columns["本次进度"]).value = "已入户核实"
    book.save(out)
    plan = lg.imports.prepare(lg.imports.read(out), world.officer)
    lg.imports.commit(plan, world.officer)

    seen = board(world, when=END + 2 * MINUTE)
    assert seen["城关镇"].status == "已报" and seen["城关镇"].submitted_by == "城关镇核验员"
    assert seen["县住建局"].status == "迟报" and seen["县住建局"].via == "导入填报表"
    assert END < seen["县住建局"].submitted_at <= END + 2 * MINUTE
    assert seen["县水利局"].status == "未报" and seen["县水利局"].submitted_at is None
    assert seen["河西乡"].status == "未报"
    # the same board seen before the cut-off: nothing was late yet
    before = board(world, when=END - MINUTE / 2)
    assert before["县住建局"].status == "待报" and before["城关镇"].status == "已报"
    # the next period has nothing from 住建局 yet: its late report counted for the period it was due
    assert board(world, Period(END + dt.timedelta(days=7)))["县住建局"].status == "待报"

    # a second workbook in the same period adds nothing
    head = lg.audit.head()[0]
    ws.cell(row=4, column=columns["本次进度"]).value = "已完成地基"
    book.save(out)
    lg.imports.commit(lg.imports.prepare(lg.imports.read(out), world.officer), world.officer)
    assert board(world)["县住建局"].submitted_at == seen["县住建局"].submitted_at
    assert lg.audit.head()[0] > head

    # after the late window (24 h), 水利局's confirmation is this week's report, last week stays 未报
    at(world, END + dt.timedelta(hours=24, minutes=1))
    row = lg.dispatch.confirm(world.other_officer, "department", world.slj_id)
    assert row.status == "已报"
    assert board(world)["县水利局"].status == "未报"
    assert board(world, Period(END + dt.timedelta(days=7)))["县水利局"].status == "已报"
    with pytest.raises(ValidationError, match="已结束"):
        lg.dispatch.confirm(world.coordinator, "township", world.other_township_id, Period(END))
    with pytest.raises(ValidationError, match="尚未开始"):
        lg.dispatch.confirm(world.coordinator, "township", world.other_township_id, Period(END + dt.timedelta(days=14)))
    assert verify_ledger(lg).ok


def test_within_the_late_window_a_confirmation_is_late(world):
    lg = world.ledger
    units_with_cases(world)
    at(world, END + dt.timedelta(hours=23, minutes=59))
    row = lg.dispatch.confirm(world.coordinator, "township", world.other_township_id)  # on behalf
    assert row.status == "迟报" and row.via == "县级代为登记"
    assert board(world)["河西乡"].status == "迟报"
    assert board(world, Period(END + dt.timedelta(days=7)))["河西乡"].status == "待报"


def test_who_may_confirm_which_unit(world):
    lg = world.ledger
    units_with_cases(world)
    far = world.other_township_id
    refused = [
        (world.officer, "department", world.slj_id),
        (world.officer, "township", world.township_id),
        (world.verifier, "township", far),
        (world.verifier, "department", world.zjj_id),
        (world.viewer, "township", world.township_id),
        (world.clerk, "department", world.zjj_id),
        (world.approver, "department", world.zjj_id),
        (world.auditor, "township", far),
        (world.admin, "township", far),
    ]
    head = lg.audit.head()
    for actor, kind, unit in refused:
        with pytest.raises(PermissionDenied, match="本单位"):
            lg.dispatch.confirm(actor, kind, unit)
    assert lg.audit.head() == head
    with pytest.raises(ValidationError):
        lg.dispatch.confirm(world.coordinator, "village", world.village_id)
    with pytest.raises(ValidationError):
        lg.dispatch.confirm(world.coordinator, "township", world.village_id)  # a village is not a township
    with pytest.raises(LedgerError):
        lg.dispatch.confirm(world.coordinator, "department", 99999)
    with pytest.raises(ValidationError, match="500字"):
        lg.dispatch.confirm(world.officer, "department", world.zjj_id, note="长" * 501)
    lg.dispatch.confirm(world.officer, "department", world.zjj_id, note="本周完成入户核实")
    lg.dispatch.confirm(world.verifier, "township", world.township_id)
    lg.dispatch.confirm(world.coordinator, "department", world.slj_id)
    assert {r.unit.name: r.via for r in lg.dispatch.board(Period(END)) if r.submitted_at} == {
        "县住建局": "确认本期进度", "城关镇": "确认本期进度", "县水利局": "县级代为登记"}  # fmt: skip


def test_a_submission_edited_with_sql_is_named(world):
    lg = world.ledger
    units_with_cases(world)
    at(world, END + 10 * MINUTE)
    lg.dispatch.confirm(world.coordinator, "township", world.other_township_id)
    assert verify_ledger(lg).ok
    db = lg.engine.url.database
    con = sqlite3.connect(db, isolation_level=None)
    try:  # made to look on time
        con.execute("UPDATE dispatch_submissions SET submitted_at = '2026-11-26 16:59:00.000000'")
    finally:
        con.close()
    assert board(world)["河西乡"].status == "已报"  # the edit does change the board …
    report = verify_ledger(lg)  # … and verify names it
    assert not report.ok
    text = "\n".join([d for _n, ok, d in report.checks if not ok] + report.details)
    assert "调度报送" in text, text


def test_reports_and_an_issued_bulletin_on_both_databases(any_world, tmp_path):
    """SQLite and PostgreSQL (whose triggers refuse rows written without an audit event)."""
    from reports.bulletin import render_bulletin

    w = any_world
    lg = w.ledger
    units_with_cases(w)
    at(w, END - MINUTE)
    lg.dispatch.confirm(w.verifier, "township", w.township_id)
    at(w, END + MINUTE)
    lg.dispatch.confirm(w.coordinator, "department", w.slj_id)
    seen = board(w)
    assert (seen["城关镇"].status, seen["县水利局"].status, seen["县住建局"].status) == ("已报", "迟报", "未报")
    figures = lg.dispatch.figures(Period(END))
    assert {u["name"]: (u["total"], u["closed"]) for u in figures["units"]} == {
        "城关镇": (2, 0), "河西乡": (1, 0), "县住建局": (1, 0), "县水利局": (1, 0)}  # fmt: skip
    assert render_bulletin(lg, tmp_path / "通报.pdf", w.coordinator, period=Period(END)).number == 1
    assert verify_ledger(lg).ok
