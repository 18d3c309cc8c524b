"""到期提醒 and tracked 督办函 (escalation): the reminder lists against the ledger at their boundary
days, the letter's states issue → reply → close with their refusals, the reply overdue, and a state
edited by SQL named by verify."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text as text_sql

from ledger import escalation
from ledger.dto import CaseFilter
from ledger.errors import EvidenceError, NotFound, PermissionDenied, ValidationError
from ledger.verify import verify_ledger
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from tests.world import PDF, PNG, World

RULES = escalation.rules()


def assigned(w: World, sub: str, days: int, *, village_id: int | None = None, dept: int | None = None):
    """A case of `sub` assigned with its deadline `days` from today (found a year ago)."""
    h = w.household(village_id=village_id or w.village_id)
    found = w.clock.now.date() - dt.timedelta(days=365)
    case = w.register(sub, household=h, found_date=found)
    today = w.ledger.today()
    return w.ledger.cases.act(
        w.coordinator, case.id, "assign", expected_version=case.version,
        inputs={"lead_department_id": dept or w.zjj_id, "deadline": today + dt.timedelta(days=days)},
    ).case  # fmt: skip


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_rules_are_data_with_a_default():
    assert RULES.remind_days("staged") == 7 and RULES.remind_days("immediate") == 3
    assert RULES.remind_days("no-such-class") == RULES.remind["default"]
    with pytest.raises(ValueError):
        escalation.parse({"remind_days": {"staged": 3}, "reply_days": 7})


def test_reminder_lists_take_the_cases_due_within_their_class_days(any_world):
    world = any_world
    w, lg = world, world.ledger
    staged = RULES.remind_days("staged")  # house.c
    immediate = RULES.remind_days("immediate")  # food.basic
    inside = {
        assigned(w, "house.c", 0).number,  # due today
        assigned(w, "house.c", staged).number,  # the last day of the window
        assigned(w, "food.basic", immediate).number,
    }
    later = assigned(w, "food.basic", immediate + 1).number  # inside the staged window, not the immediate one
    outside = {
        assigned(w, "house.c", staged + 1).number,  # one day beyond
        later,
        assigned(w, "house.c", -1).number,  # overdue: a 督办函 candidate, not a reminder
    }
    submitted = w.walk(assigned(w, "house.c", 2), "pending_verification")  # done: nothing to remind
    far = lg.catalog.villages(w.other_township_id)[0].id
    other_town = assigned(w, "house.c", 1, village_id=far).number
    other_dept = assigned(w, "house.c", 1, dept=w.slj_id).number

    county = {c.number for c in lg.reminders.due_soon()}
    assert county == inside | {other_town, other_dept}
    assert not county & (outside | {submitted.number})
    town = lg.reminders.due_soon(township_id=w.township_id)
    assert {c.number for c in town} == inside | {other_dept}
    assert [c.days_left for c in town] == sorted(c.days_left for c in town)  # soonest first
    assert town[0].days_left == 0
    dept = {c.number for c in lg.reminders.due_soon(department_id=w.zjj_id)}
    assert dept == inside | {other_town}

    mine = lg.reminders.for_actor(w.officer)  # 县住建局
    assert mine.unit == "县住建局" and {c.number for c in mine.cases} == dept
    assert {c.number for c in lg.reminders.for_actor(w.other_officer).cases} == {other_dept}
    verifier = lg.reminders.for_actor(w.verifier)
    assert verifier.unit == "城关镇" and {c.number for c in verifier.cases} == inside | {other_dept}
    assert lg.reminders.for_actor(w.admin).cases == []  # sees no case data
    assert {c.number for c in lg.reminders.for_actor(w.coordinator).cases} == county

    w.clock.advance(days=1)  # the day after: the case due today is overdue, one more enters
    tomorrow = {c.number for c in lg.reminders.due_soon(township_id=w.township_id)}
    assert len(tomorrow & inside) == 2 and later in tomorrow


def test_the_printed_reminder_list(world, tmp_path):
    w, lg = world, world.ledger
    due = [assigned(w, "house.c", d) for d in (0, 3)]
    out = tmp_path / "到期提醒.pdf"
    result = render_report(lg, ReportRequest("reminders"), out, w.officer, fonts=FontSet.shipped_only())
    assert result.cases == 2
    text = pdf_text(out)
    for c in due:
        assert c.number in text
    assert "到期提醒清单" in text and "县住建局" in text and "今日到期" in text and "3天" in text
    with lg.reading() as s:
        action, payload = s.execute(text_sql("SELECT action, payload FROM audit_events ORDER BY seq DESC")).first()
    assert action == "report.print" and '"reminders"' in payload
    nothing = tmp_path / "无.pdf"
    render_report(lg, ReportRequest("reminders"), nothing, w.other_officer, fonts=FontSet.shipped_only())
    assert "县水利局目前没有即将到期的问题" in pdf_text(nothing).replace(" ", "")


def overdue_letter(w: World, tmp_path: Path, actor=None):
    cases = [assigned(w, "house.c", -d) for d in (3, 40)]
    out = tmp_path / "督办函.pdf"
    render_report(
        w.ledger, ReportRequest("letter", filter=CaseFilter(department_id=w.zjj_id, include_void=False)), out,
        actor or w.coordinator, fonts=FontSet.shipped_only(),
    )  # fmt: skip
    return cases, out


def test_a_letter_is_tracked_from_issue_to_reply_to_close(any_world, tmp_path):
    world = any_world
    w, lg = world, world.ledger
    cases, out = overdue_letter(w, tmp_path)
    [letter] = lg.letters.listing(w.coordinator)
    number = re.search(r"〔(\d{4})〕(\d+)号", pdf_text(out).replace(" ", ""))
    assert number is not None and letter.number_text.endswith(f"〔{number[1]}〕{number[2]}号")
    assert (letter.state, letter.state_label, letter.department) == ("issued", "已签发", "县住建局")
    assert set(letter.case_ids) == {c.id for c in cases}
    assert letter.reply_due == lg.today() + dt.timedelta(days=RULES.reply_days)
    assert [v.id for v in lg.letters.for_case(w.officer, cases[0].id)] == [letter.id]
    assert lg.letters.listing(w.officer)[0].id == letter.id  # the department sees its own
    assert lg.letters.listing(w.other_officer) == []

    head = lg.audit.head()
    with pytest.raises(ValidationError, match="尚未收到书面说明"):
        lg.letters.close(w.coordinator, letter.id)
    text_file = tmp_path / "说明.txt"
    text_file.write_text("书面说明", encoding="utf-8")
    with pytest.raises(EvidenceError, match="不是 JPEG、PNG 图片或 PDF"):
        lg.letters.record_reply(w.coordinator, letter.id, text_file)
    with pytest.raises(NotFound, match="须先打印签发"):
        lg.letters.record_reply(w.coordinator, 9999, text_file)
    with pytest.raises(PermissionDenied):
        lg.letters.record_reply(w.officer, letter.id, text_file)
    scan = tmp_path / "书面说明.pdf"
    scan.write_bytes(PDF + b"reply")
    with pytest.raises(ValidationError, match="晚于今天"):
        lg.letters.record_reply(w.coordinator, letter.id, scan, lg.today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="早于督办函的成文日期"):
        lg.letters.record_reply(w.coordinator, letter.id, scan, lg.today() - dt.timedelta(days=1))
    assert lg.audit.head() == head  # nothing written by a refusal
    assert lg.letters.listing(w.coordinator)[0].state == "issued"

    w.clock.advance(days=RULES.reply_days + 1)
    late = lg.letters.listing(w.coordinator)[0]
    assert late.state_label == "逾期未复" and late.reply_overdue
    assert [v.id for v in lg.letters.listing(w.coordinator, label="逾期未复")] == [letter.id]

    replied = lg.letters.record_reply(w.coordinator, letter.id, scan)
    assert (replied.state_label, replied.reply_date, replied.reply_name) == ("已复函", lg.today(), "书面说明.pdf")
    assert lg.letters.reply_file(w.coordinator, letter.id) == PDF + b"reply"
    assert lg.evidence_store.path_for(replied.reply_sha256 or "").exists()
    with lg.reading() as s:  # backups and a moved evidence folder copy the scan too
        assert lg.letters.reply_hashes(s) == [replied.reply_sha256]
    with pytest.raises(ValidationError, match="不能再登记书面说明"):
        lg.letters.record_reply(w.coordinator, letter.id, scan)
    closed = lg.letters.close(w.coordinator, letter.id, "已按期整改")
    assert (closed.state_label, closed.closed_date, closed.note) == ("已办结", lg.today(), "已按期整改")
    with pytest.raises(ValidationError, match="已办结"):
        lg.letters.close(w.coordinator, letter.id)
    with pytest.raises(ValidationError, match="不能再登记书面说明"):
        png = tmp_path / "b.png"
        png.write_bytes(PNG)
        lg.letters.record_reply(w.coordinator, letter.id, png)
    assert verify_ledger(lg, remember=False, outside_heads=False).ok
    lg.evidence_store.path_for(replied.reply_sha256 or "").write_bytes(b"%PDF-1.4 altered")  # the scan changed
    report = verify_ledger(lg, remember=False, outside_heads=False)
    details = "\n".join(d for _n, _ok, d in report.checks)
    assert not report.ok and f"督办函 {letter.number_text} 的书面说明" in details, details


def test_only_the_coordinator_issues_a_numbered_letter(world, tmp_path):
    w, lg = world, world.ledger
    with pytest.raises(PermissionDenied, match="只有县级统筹员"):
        overdue_letter(w, tmp_path, actor=w.officer)
    assert lg.serials.register("letter:") == [] and lg.letters.listing(w.coordinator) == []


def test_a_letter_state_edited_by_sql_is_named_by_verify(world, tmp_path):
    w, lg = world, world.ledger
    overdue_letter(w, tmp_path)
    [letter] = lg.letters.listing(w.coordinator)
    with lg.engine.begin() as con:
        con.exec_driver_sql(f"UPDATE supervision_letters SET state = 'closed' WHERE id = {letter.id}")
    report = verify_ledger(lg, remember=False, outside_heads=False)
    assert not report.ok
    text = "\n".join([d for _n, _ok, d in report.checks] + report.details)
    assert f"督办函“{letter.number_text}”" in text and "被直接改动" in text, text


def test_overdue_cases_no_open_letter_names_are_candidates(world, tmp_path):
    w, lg = world, world.ledger
    assert lg.letters.candidates(w.coordinator) == []
    late = assigned(w, "house.c", -RULES.candidate_days)
    assigned(w, "house.c", 0)  # due today: not overdue
    [only] = lg.letters.candidates(w.coordinator)
    assert (only.department, only.overdue, only.not_in_letter) == ("县住建局", 1, (late.number,))
    assert lg.letters.candidates(w.other_officer) == [] and len(lg.letters.candidates(w.officer)) == 1
    overdue_letter(w, tmp_path)  # names `late` and two more
    assert lg.letters.candidates(w.coordinator) == []
    [letter] = lg.letters.listing(w.coordinator)
    scan = tmp_path / "说明.png"
    scan.write_bytes(PNG)
    lg.letters.record_reply(w.coordinator, letter.id, scan)
    assert lg.letters.candidates(w.coordinator) == []  # replied: still open
    lg.letters.close(w.coordinator, letter.id)
    [again] = lg.letters.candidates(w.coordinator)  # closed, still overdue: a candidate again
    assert late.number in again.not_in_letter and again.overdue == 3
