"""The weekly report and the one vocabulary on real ledgers: the overdue flag and the lights in SQL
and in Python give the same answers everywhere they are used; the 周报 counts a 统计周期 as of its
last day; its 期数 is issued once per period; the office's cut-off day and the lights' thresholds
are audited settings; and the printed pages pass pdfcheck at 2,000 and 20,000 cases."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from ledger.dto import CaseFilter
from ledger.errors import PermissionDenied, ValidationError
from ledger.models import AuditEvent
from ledger.workflow import LIGHT_NAMES, TALLY, GroupLightPolicy, is_overdue, report_period
from reports.fonts import FontSet
from reports.pdf import NO_LINE_START
from reports.render import ReportRequest, build_filter, render_report
from tests import pdfcheck
from tests.world import PASSWORD, World

ROOT = Path(__file__).resolve().parents[2]


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def events(world: World, action: str) -> list[dict]:
    with world.ledger.reading() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
        return [json.loads(e.payload) for e in rows]


def assign(world: World, case, deadline: dt.date):
    return world.ledger.cases.act(
        world.coordinator,
        case.id,
        "assign",
        expected_version=case.version,
        inputs={"lead_department_id": world.zjj_id, "deadline": deadline},
    ).case


def render_weekly(world: World, tmp_path: Path, name: str = "周报.pdf", **kw) -> tuple[Path, str]:
    out = tmp_path / name
    render_report(world.ledger, ReportRequest("weekly", **kw), out, world.coordinator, fonts=FontSet.shipped_only())
    return out, text_of(out)


# -- one overdue flag, one set of lights -------------------------------------------------------------------
def test_overdue_and_lights_agree_in_sql_and_python_everywhere(any_world: World):
    """Cases on every side of the rule: open past the 时限, done on time awaiting sign-off, done late,
    sent back, due today, due soon, on track, not handed over, closed."""
    w, lg = any_world, any_world.ledger
    t0 = w.clock.now.date()
    made = {}
    for key in ("assigned", "working", "on_time", "late", "returned", "soon", "far", "today", "done_early"):
        made[key] = w.register()
    made["registered"] = w.register()
    made["closed"] = w.walk(w.register(), "closed")
    deadlines = {"soon": 12, "far": 40, "today": 10, "done_early": 11}
    for key in ("assigned", "working", "on_time", "late", "returned", "soon", "far", "today", "done_early"):
        made[key] = assign(w, made[key], t0 + dt.timedelta(days=deadlines.get(key, 2)))
    for key in ("working", "late", "soon", "far", "today", "done_early"):
        made[key] = w.walk(made[key], "in_progress")
    w.clock.advance(days=1)
    made["on_time"] = w.walk(made["on_time"], "pending_approval")  # completed on day 1, deadline day 2
    made["returned"] = w.walk(made["returned"], "pending_verification")
    w.clock.advance(days=9)  # day 10: every deadline of day 2 has passed
    made["late"] = w.walk(made["late"], "pending_verification")  # completed on day 10
    made["done_early"] = w.walk(made["done_early"], "pending_verification")
    returned = made["returned"]
    made["returned"] = lg.cases.act(
        w.verifier,
        returned.id,
        "return",
        expected_version=returned.version,
        inputs={"reason": "照片不清晰"},
        password=PASSWORD,
    ).case
    today = lg.today()

    views = {key: lg.cases.get(c.id) for key, c in made.items()}
    expected_lights = {
        "assigned": "red",
        "working": "red",
        "on_time": "green",
        "late": "red",
        "returned": "red",
        "soon": "yellow",
        "far": "green",
        "today": "yellow",
        "done_early": "green",
        "registered": None,
        "closed": None,
    }
    assert {key: v.light for key, v in views.items()} == expected_lights
    overdue_ids = {v.id for v in views.values() if is_overdue(v.state, v.deadline, v.completion_date, today)}
    assert overdue_ids == {views[k].id for k, lamp in expected_lights.items() if lamp == "red"}

    # the case list's light filter and its rows, the dashboard, the 督办函's list, the timetable, the ledger
    for colour in ("red", "yellow", "green"):
        rows = lg.queries.page(CaseFilter(light=colour), limit=100)
        assert {r.id for r in rows} == {v.id for v in views.values() if v.light == colour}, colour
        assert {r.light for r in rows} <= {colour}
        assert lg.queries.count(CaseFilter(light=colour)) == len(rows)
    counts = lg.queries.dashboard()
    assert counts.overdue == len(overdue_ids) == 4
    assert counts.within_deadline == 5  # on_time, soon, far, today, done_early
    assert counts.within_deadline + counts.overdue + counts.tally["unassigned"] == counts.total - counts.tally["closed"]
    assert {c.case_id for c in lg.reporting.overdue(w.zjj_id)} == overdue_ids
    all_ids = [c.id for c in made.values()]
    bars = {b.case_id: b.overdue for b in lg.reporting.timetable(all_ids)}
    assert {cid for cid, late in bars.items() if late} == overdue_ids
    lines = {line.case_id: line.light for line in lg.reporting.ledger_lines(all_ids)}
    assert lines == {v.id: LIGHT_NAMES.get(v.light or "", "") for v in views.values()}
    weekly = lg.reporting.weekly(CaseFilter(), today - dt.timedelta(days=6), today)
    assert weekly.total.overdue == len(overdue_ids)


# -- as of the period's end --------------------------------------------------------------------------------
def test_the_weekly_counts_the_period_as_the_screen_showed_it_on_its_last_day(world: World):
    """What the 工作台 showed on Sunday is what the 周报 printed on Wednesday for that week says,
    whatever happened to the cases since."""
    w, lg = world, world.ledger  # the clock starts on Monday 2026-11-23
    early = [w.register() for _ in range(8)]
    early[0] = w.walk(assign(w, early[0], lg.today() + dt.timedelta(days=1)), "in_progress")
    early[1] = w.walk(assign(w, early[1], lg.today() + dt.timedelta(days=2)), "pending_verification")
    early[2] = w.walk(early[2], "closed")
    early[3] = assign(w, early[3], lg.today() + dt.timedelta(days=3))
    early[4] = w.walk(early[4], "in_progress")
    w.clock.advance(days=6, hours=10)  # Sunday 2026-11-29 19:00
    sunday = lg.today()
    assert sunday.weekday() == 6
    early[5] = w.walk(early[5], "pending_approval")
    shown = lg.queries.dashboard()
    assert shown.overdue == 2  # early[0] and early[3]: their 时限 passed during the week

    w.clock.advance(days=3)  # Wednesday: the week's cases move on, new ones come in
    w.walk(early[0], "pending_verification")  # completed late
    w.walk(early[1], "closed")
    w.walk(early[3], "in_progress")
    w.walk(early[5], "closed")
    w.walk(early[6], "assigned")
    lg.cases.act(w.coordinator, early[7].id, "void", expected_version=early[7].version, inputs={"reason": "重复登记"})
    for _ in range(3):
        w.register()
    assert lg.queries.dashboard().total != shown.total

    weekly = lg.reporting.weekly(CaseFilter())  # the default: Monday 11-23 to Sunday 11-29
    assert (weekly.period_start, weekly.period_end) == (dt.date(2026, 11, 23), sunday)
    t = weekly.total
    assert t.found == shown.total == 8
    figures = {key: getattr(t, key) for key in shown.tally}
    assert figures == shown.tally
    assert t.overdue == shown.overdue
    assert t.new_week == 8 and t.closed_week == 1
    assert weekly.unassigned.found == shown.tally["unassigned"]
    assert sum(g.found for g in weekly.by_department) + weekly.unassigned.found == t.found


# -- the paper ----------------------------------------------------------------------------------------------
def test_weekly_period_issue_numbers_and_the_office_cut_off(world: World, tmp_path):
    w, lg = world, world.ledger
    for _ in range(3):
        w.walk(w.register(), "in_progress")
    w.register()
    w.clock.advance(days=9)  # Wednesday 2026-12-02: the last full week is 11-23 .. 11-29
    _, text = render_weekly(w, tmp_path, signer="王建国")
    flat = squeeze(text)
    assert "（第1期）" in flat
    assert "统计周期：2026年11月23日至11月29日" in flat and "数据截至：2026年11月29日" in flat
    assert "截至2026年11月29日，全县累计发现问题4个（不含已作废）" in flat
    assert "待交办1个，整改中3个" in flat
    assert "签发人：王建国" in flat and "审核人：____" in flat
    assert "报送：县委、县政府主要领导，县委、县政府分管领导。" in flat
    assert "未交办（待交办）" in flat and "（未交办）" not in flat.replace("未交办（待交办）", "")

    _, other = render_weekly(
        w, tmp_path, "上上周.pdf", period_start=dt.date(2026, 11, 16), period_end=dt.date(2026, 11, 22)
    )
    assert "（第2期）" in squeeze(other) and "尚未发现问题" in squeeze(other)
    _, again = render_weekly(w, tmp_path, "重印.pdf")
    assert "（第1期）" in squeeze(again)  # a reprint of the same week keeps its number
    assert [(n.number, n.subject) for n in lg.serials.register("weekly")] == [
        (1, "2026-11-23~2026-11-29"),
        (2, "2026-11-16~2026-11-22"),
    ]
    printed = events(w, "report.print")
    assert printed[0]["numbers"][0]["subject"] == "2026-11-23~2026-11-29"

    with pytest.raises(ValidationError, match="不能晚于今天"):
        lg.reporting.weekly(CaseFilter(), None, dt.date(2026, 12, 3))
    with pytest.raises(ValidationError, match="开始日期"):
        lg.reporting.weekly(CaseFilter(), dt.date(2026, 11, 30), dt.date(2026, 11, 29))

    # the office closes its week on Friday: set once, audited, refused to a clerk
    with pytest.raises(PermissionDenied):
        lg.reporting.set_week_end(w.clerk, 4)
    lg.reporting.set_week_end(w.coordinator, 4)
    assert lg.reporting.default_period() == (dt.date(2026, 11, 21), dt.date(2026, 11, 27))
    assert {"week_end": 4, "name": "周五", "before": "6"}.items() <= events(w, "settings.report_week")[-1].items()
    _, friday = render_weekly(w, tmp_path, "周五.pdf")
    assert "统计周期：2026年11月21日至11月27日" in squeeze(friday) and "（第3期）" in squeeze(friday)


def test_township_and_department_lights_follow_the_settings(world: World, tmp_path):
    w, lg = world, world.ledger
    for _ in range(17):
        w.walk(assign(w, w.register(), lg.today() + dt.timedelta(days=30)), "closed")
    late = [assign(w, w.register(), lg.today() + dt.timedelta(days=1)) for _ in range(3)]
    w.clock.advance(days=3)
    today = lg.today()
    weekly = lg.reporting.weekly(CaseFilter(), today - dt.timedelta(days=6), today)
    town = weekly.by_township[0]
    assert (town.found, town.closed, town.overdue) == (20, 17, 3)
    assert town.light == "red"  # 15 % overdue, three cases: past the default red line
    lg.reporting.set_group_lights(w.coordinator, GroupLightPolicy(0.2, 0.5, 0.1, 0.6))
    assert events(w, "settings.report_lights")[-1]["red_overdue"] == 20
    weekly = lg.reporting.weekly(CaseFilter(), today - dt.timedelta(days=6), today)
    assert weekly.by_township[0].light == "yellow" and weekly.by_department[0].light == "yellow"
    with pytest.raises(ValidationError):
        lg.reporting.set_group_lights(w.coordinator, GroupLightPolicy(0.05, 0.5, 0.1, 0.6))
    _, text = render_weekly(w, tmp_path, period_start=today - dt.timedelta(days=6), period_end=today)
    assert "黄灯" in text and "红灯：逾期占比≥20%（且逾期不少于3个）或销号率<50%" in squeeze(text)
    assert lg.cases.get(late[0].id).light == "red"  # the case itself is overdue all the same


def test_cli_takes_a_period_and_the_office_cut_off(tmp_path):
    db = tmp_path / "示例.db"
    env = {"ZGTZ_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}

    def run(*args: str, password: str = "") -> subprocess.CompletedProcess:
        command = [sys.executable, str(ROOT / "main.py"), *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, input=password + "\n")

    assert run("demo", "--db", str(db), "--cases", "200").returncode == 0
    out = tmp_path / "周报.pdf"
    start, end = report_period(dt.date.today() - dt.timedelta(days=7))
    done = run("report", "weekly", "--db", str(db), "-o", str(out), "--from", f"{start}", "--to", f"{end:%Y年%m月%d日}")
    assert done.returncode == 0, done.stderr
    assert f"统计周期：{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日" in squeeze(text_of(out))
    bad = run("report", "weekly", "--db", str(db), "-o", str(out), "--from", "11月16日")
    assert bad.returncode == 2 and "不是日期" in bad.stderr
    config = run(
        "config", "--db", str(db), "--user", "tongchou", "--password-stdin", "--week-end", "周五", password="Demo#2026"
    )
    assert config.returncode == 0, config.stderr
    assert "周报统计截止日已设为周五" in config.stdout
    start, end = report_period(dt.date.today(), 4)
    assert f"默认统计{start.month}月{start.day}日至{end.month}月{end.day}日" in config.stdout
    wrong = run("config", "--db", str(db), "--user", "tongchou", "--week-end", "周八")
    assert wrong.returncode == 2 and "不是星期几" in wrong.stderr


def broken_words(pages: list[pdfcheck.PageBoxes], words: set[str]) -> list[str]:
    """Words split between a line and the line right under it, whatever pdftotext's blocks (a hanging
    indent makes the continuation a block of its own, which pdfcheck.split_terms does not compare)."""
    tails: dict[str, set[str]] = {}
    for w in words:
        for k in range(1, len(w)):
            tails.setdefault(w[:k], set()).add(w[k:])
    longest = max((len(w) for w in words), default=0)
    found = []
    for p in pages:
        ordered = sorted(p.lines, key=lambda ln: ln.y0)
        for i, a in enumerate(ordered):
            below = next(
                (b for b in ordered[i + 1 :] if b.y0 >= a.y1 - 0.5 and b.x0 < a.x1 and a.x0 < b.x1),
                None,
            )
            if below is None or below.y0 - a.y1 > a.y1 - a.y0:  # not the next line of the same text
                continue
            for k in range(1, min(longest, len(a.text)) + 1):
                for tail in tails.get(a.text[-k:], ()):
                    if below.text.startswith(tail):
                        found.append(f"第{p.number}页：“{a.text[-k:]}{tail}”被拆成“{a.text[-k:]}/{tail}”")
    return found


@pytest.mark.parametrize("scope", ["county", "township"])
def test_weekly_pages_pass_the_paper_checks(demo_ledger, tmp_path, scope):
    lg, actor = demo_ledger.open()
    try:
        township = lg.catalog.townships()[0].name if scope == "township" else None
        f = build_filter(lg, township=township)
        out = tmp_path / f"周报-{scope}.pdf"
        render_report(
            lg, ReportRequest("weekly", filter=f, reviewer="", signer=""), out, actor, fonts=FontSet.shipped_only()
        )
    finally:
        lg.close()
    terms = demo_ledger.terms() | set(LIGHT_NAMES.values()) | {name for _key, name, _states in TALLY}
    problems = pdfcheck.check(out, terms | {"累计发现", "销号率", "逾期占比"})
    assert not problems, "\n".join(problems[:20])
    pages = pdfcheck.read(out)
    broken = broken_words(pages, terms)
    assert not broken, broken[:10]
    assert not pdfcheck.overlapping(pages, tolerance=0.2)  # chart labels, legends, bars' figures
    starts = [f"第{ln.page}页：{ln.text}" for p in pages for ln in p.lines if ln.text[:1] in NO_LINE_START]
    assert not starts, starts[:10]
    text = pdfcheck.text_of(pages)
    flat = squeeze(text)
    assert not re.search(r"\d{4}年0\d月|月0\d日", flat)  # dates without leading zeros
    assert "审核人：" in flat and "签发人：" in flat and "报送：" in flat and "抄送：" in flat
    signature = next(ln for p in pages for ln in p.lines if "审核人" in ln.text)
    assert signature.x1 <= pages[0].width - 15 * pdfcheck.MM + 1  # inside the right margin of the frame
    assert "未交办（待交办）" in flat
    assert "（第" in flat and "期）" in flat
    place = "村" if scope == "township" else "乡镇"
    assert f"四、分{place}情况（按销号率排名）" in flat
