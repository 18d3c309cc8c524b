"""督办函 printed as a 公文 in GB/T 9704-2012's 信函格式, read back from the PDF's text boxes: the
masthead, 发文字号 and text where the standard puts them, the 版记 (抄送) at the foot of the last
page, no software footer on any page, one numbered letter per department in one run, "30天以上"
counting the 30th day, and the letter settings (代字, 联系人, 电话, 抄送) set and audited."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from ledger import letter_settings, open_ledger
from ledger.dto import CaseFilter
from ledger.errors import PermissionDenied, ValidationError
from ledger.models import AuditEvent
from reports.fonts import FontSet
from reports.render import ReportRequest, build_filter, render_report
from tests import pdfcheck
from tests.world import World

ROOT = Path(__file__).resolve().parents[2]
MM = pdfcheck.MM
BLOCK_LEFT, BLOCK_RIGHT, BLOCK_TOP, BLOCK_BOTTOM = 28 * MM, (28 + 156) * MM, 37 * MM, (37 + 225) * MM
NUMBER = re.compile(r"〔(\d{4})〕(\d+)号")


def overdue(world: World, department_id: int, officer, days: int, person: str = "李卫东"):
    """A case of the department whose 整改时限 lies `days` days before the clock's date once the
    clock has moved 400 days on (call the clock's advance after making every case)."""
    cases = world.ledger.cases
    today = world.clock.now.date()
    case = world.register()
    case = cases.act(
        world.coordinator,
        case.id,
        "assign",
        expected_version=case.version,
        inputs={"lead_department_id": department_id, "deadline": today + dt.timedelta(days=400 - days)},
    ).case
    if not person:  # 已交办, not yet accepted: no 责任人
        return case
    return cases.act(
        officer, case.id, "accept", expected_version=case.version, inputs={"responsible_person": person}
    ).case


def print_letter(world: World, out: Path, department_id: int | None, actor=None):
    result = render_report(
        world.ledger,
        ReportRequest("letter", filter=CaseFilter(department_id=department_id, include_void=False)),
        out,
        actor or world.coordinator,
        fonts=FontSet.shipped_only(),
    )
    return result, pdfcheck.read(out)


def page_text(page: pdfcheck.PageBoxes) -> str:
    return "".join(line.text for line in page.lines)


def test_the_letter_has_its_copy_to_line_on_the_last_page_and_no_software_footer(world: World, tmp_path):
    for days in (3, 12, 40):
        overdue(world, world.zjj_id, world.officer, days)
    world.clock.advance(days=400)
    result, pages = print_letter(world, tmp_path / "督办函.pdf", world.zjj_id)
    assert result.pages == len(pages) >= 3  # the letter, then the 附件 on a page of its own
    every = [page_text(p) for p in pages]
    for number, text in enumerate(every, 1):
        assert not re.search(r"第\d+页共\d+页", text), f"page {number}: {text[-80:]}"
        for word in ("制表单位", "制表人", "打印时间", "审计链头"):
            assert word not in text, f"page {number} carries the software footer: {word}"
    last = every[-1]
    assert "抄送：县巩固拓展脱贫攻坚成果领导小组各成员单位。" in last
    assert all("抄送" not in text for text in every[:-1])
    # 10.1: the 信函格式's 版记 has no 印发机关和印发日期 (the 成文日期 dates the letter)
    assert "印发" not in "".join(every)
    text = "".join(every)
    assert "示例整改督〔" in text
    assert "县住建局：" in text and "附件：县住建局逾期问题清单" in text
    assert f"（联系人：{world.coordinator.display_name}，联系电话：＿＿＿＿＿＿＿＿）" in text
    today = world.clock.now.date()
    assert f"{today.year}年{today.month}月{today.day}日" in text
    assert every[2].startswith("附件") and "县住建局逾期问题清单" in every[2]
    # no page number on the first page; "— 2 —" from the second on
    assert "—" not in every[0]
    assert "—2—" in every[1] and "—3—" in every[2]


def test_thirty_days_or_more_counts_the_thirtieth_day(world: World, tmp_path):
    ages = (29, 30, 30, 31, 95)
    for days in ages:
        overdue(world, world.zjj_id, world.officer, days)
    world.clock.advance(days=400)
    assert sorted(c.days for c in world.ledger.reporting.overdue(world.zjj_id)) == sorted(ages)
    _, pages = print_letter(world, tmp_path / "督办函.pdf", world.zjj_id)
    text = "".join(page_text(p) for p in pages)
    assert "有5个已超过整改时限仍未销号，其中逾期30天以上4个，最长逾期95天" in text


def test_one_run_prints_a_numbered_letter_for_each_department_with_overdue_cases(world: World, tmp_path):
    overdue(world, world.zjj_id, world.officer, 40)
    overdue(world, world.zjj_id, world.officer, 10)
    overdue(world, world.slj_id, world.other_officer, 20, person="")
    world.clock.advance(days=400)
    result, pages = print_letter(world, tmp_path / "督办函.pdf", None)
    assert result.cases == 3
    firsts = [p for p in pages if NUMBER.search(page_text(p))]
    numbers = [NUMBER.search(page_text(p)).group(2) for p in firsts]
    assert len(firsts) == 2 and len(set(numbers)) == 2
    assert all(p.number % 2 == 1 for p in firsts)  # each letter starts on the front of a sheet
    register = world.ledger.serials.register("letter:")
    assert sorted(str(n.number) for n in register) == sorted(numbers)
    assert {n.subject.split()[0] for n in register} == {"县住建局", "县水利局"}
    text = "".join(page_text(p) for p in pages)
    assert "关于督促加快县住建局逾期问题整改的函" in text and "关于督促加快县水利局逾期问题整改的函" in text
    assert "未填" in text  # the 水利局 case has no 责任人 yet
    # a numbered letter is issued (and tracked) by the coordinator only: a department's officer is refused
    with pytest.raises(PermissionDenied, match="只有县级统筹员"):
        print_letter(world, tmp_path / "own.pdf", None, world.officer)
    assert not (tmp_path / "own.pdf").exists()
    # no department with overdue cases: the notice page, no number taken
    _, none = print_letter(world, tmp_path / "none.pdf", world.ledger.catalog.department_by_code("jyj").id)
    assert "没有逾期问题" in "".join(page_text(p) for p in none)
    assert len(world.ledger.serials.register("letter:")) == 2
    assert len(world.ledger.letters.listing(world.coordinator)) == 2  # one tracked letter per number


def test_the_letter_sits_where_gbt_9704_puts_it(world: World, tmp_path):
    for days in range(5, 5 + 30):  # enough cases for a 附件 of two pages
        overdue(world, world.zjj_id, world.officer, days)
    world.clock.advance(days=400)
    _, pages = print_letter(world, tmp_path / "督办函.pdf", world.zjj_id)
    assert len(pages) >= 4
    first = pages[0]
    masthead = [w for w in first.words if w.y0 < BLOCK_TOP - 1]
    assert "".join(w.text for w in masthead) == "示例县巩固拓展脱贫攻坚成果领导小组办公室"
    assert min(w.y0 for w in masthead) == pytest.approx(30 * MM, abs=1.5 * MM)  # upper edge 30 mm from the top
    number = next(line for line in first.lines if NUMBER.search(line.text))
    assert number.x1 == pytest.approx(BLOCK_RIGHT, abs=1 * MM)  # 发文字号 at the text block's right edge
    assert number.y0 > max(w.y1 for w in masthead) + 4 * MM  # under the masthead and its red double line
    title = next(line for line in first.lines if line.text.startswith("关于督促加快"))
    body = next(line for line in first.lines if line.text.startswith("截至"))
    assert title.y1 - title.y0 > (body.y1 - body.y0) * 1.2  # 2号 title over 3号 text
    assert (title.x0 + title.x1) / 2 == pytest.approx((BLOCK_LEFT + BLOCK_RIGHT) / 2, abs=1 * MM)
    assert title.y0 - number.y1 > 1.5 * (body.y1 - body.y0)  # two lines under the 发文字号
    assert body.x0 == pytest.approx(BLOCK_LEFT + 2 * 156 / 28 * MM, abs=1 * MM)  # paragraphs two characters in
    for page in pages:  # everything else inside the 156 × 225 mm text block, the page numbers under it
        for w in page.words:
            if page is first and w in masthead:
                continue
            if w.y0 > BLOCK_BOTTOM:
                assert w.text and re.fullmatch(r"—?\d*—?", w.text), f"page {page.number}: {w.text} below the text block"
                continue
            assert w.x0 >= BLOCK_LEFT - 0.5 and w.x1 <= BLOCK_RIGHT + 0.5, f"page {page.number}: {w.text}"
            assert w.y0 >= BLOCK_TOP - 0.5, f"page {page.number}: {w.text}"
    for page in pages[1:]:  # "— 2 —" 7 mm under the text block, even pages left, odd pages right, 空一字
        marks = [line for line in page.lines if line.y0 > BLOCK_BOTTOM]
        assert len(marks) == 1 and marks[0].text.strip("— ") == str(page.number)
        mark = marks[0]
        assert mark.y0 == pytest.approx(BLOCK_BOTTOM + 7 * MM, abs=1.5 * MM)
        if page.number % 2:
            assert mark.x1 == pytest.approx(BLOCK_RIGHT - 14, abs=1.5 * MM)
        else:
            assert mark.x0 == pytest.approx(BLOCK_LEFT + 14, abs=1.5 * MM)
    assert not [line for line in first.lines if line.y0 > BLOCK_BOTTOM]  # 信函格式: no number on page 1
    cc = next(line for line in pages[-1].lines if line.text.startswith("抄送"))
    assert cc.y1 == pytest.approx(BLOCK_BOTTOM, abs=4 * MM)  # the 版记 at the foot of the text block
    assert cc.x0 == pytest.approx(BLOCK_LEFT + 14, abs=1 * MM)  # 左空一字 (4号)
    sign = [line for line in pages[1].lines if line.text.startswith("示例县巩固")]
    date = [line for line in pages[1].lines if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line.text)]
    if sign and date:  # the 署名 and the date under it share a centre line (the seal covers both)
        assert (sign[0].x0 + sign[0].x1) / 2 == pytest.approx((date[0].x0 + date[0].x1) / 2, abs=1 * MM)


def test_the_letter_to_the_busiest_department_prints_cleanly(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        busiest = max(lg.catalog.departments, key=lambda d: len(lg.reporting.overdue(d)))
        name = lg.catalog.departments[busiest].name
        out = tmp_path / "督办函.pdf"
        result = render_report(lg, ReportRequest("letter", filter=build_filter(lg, department=name)), out, actor)
        assert result.cases == len(lg.reporting.overdue(busiest)) > 0
        assert not [m for m in result.missing if "U+000A" in m]  # the 问题 cell's line break is no character
    finally:
        lg.close()
    problems = pdfcheck.check(out, demo_ledger.terms(), margin_mm=8)
    assert not problems, "\n".join(problems[:20])
    pages = pdfcheck.read(out)
    text = "".join(page_text(p) for p in pages)
    assert "第1页" not in text and "制表单位" not in text
    assert "抄送：" in page_text(pages[-1])


def test_letter_settings_are_checked_audited_and_give_the_code_its_own_series(world: World, tmp_path):
    overdue(world, world.zjj_id, world.officer, 12)
    world.clock.advance(days=400)
    lg = world.ledger

    def number_of(name: str) -> str:
        _, pages = print_letter(world, tmp_path / name, world.zjj_id)
        line = next(line.text for line in pages[0].lines if NUMBER.search(line.text))
        found = re.fullmatch(r"([\u4e00-\u9fff]+)〔(\d{4})〕(\d+)号", line)
        assert found, line
        return f"{found.group(1)}{found.group(3)}"

    assert number_of("a.pdf") == "示例整改督1"
    letter_settings.update(lg, world.coordinator, code="示整改督", contact="张三", phone="0000-1234567")
    assert number_of("b.pdf") == "示整改督1"  # a new 代字 starts its own series
    letter_settings.update(lg, world.admin, code="示例整改督", cc="县住建局、县财政局")
    assert number_of("c.pdf") == "示例整改督2"  # the old series goes on: no number printed twice
    _, pages = print_letter(world, tmp_path / "d.pdf", world.zjj_id)
    text = "".join(page_text(p) for p in pages)
    assert "（联系人：张三，联系电话：0000-1234567）" in text
    assert "抄送：县住建局、县财政局。" in page_text(pages[-1])
    with pytest.raises(ValidationError, match="机关代字应为1至12个汉字"):
        letter_settings.update(lg, world.coordinator, code="ZG-1")
    with pytest.raises(ValidationError, match="机关代字应为1至12个汉字"):
        letter_settings.update(lg, world.coordinator, code="一二三四五六七八九十一二三")
    with pytest.raises(PermissionDenied):
        letter_settings.update(lg, world.officer, code="住建督")
    with lg.reading() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "settings.letter")))
    assert len(events) == 2


def test_config_sets_the_letter_code_from_the_command_line(tmp_path):
    db = tmp_path / "示例.db"
    env = {"ZGTZ_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}

    def run(*args: str, password: str = "Demo#2026") -> subprocess.CompletedProcess:
        command = [sys.executable, str(ROOT / "main.py"), *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, input=password + "\n")

    assert run("demo", "--db", str(db), "--cases", "300").returncode == 0
    sign = ("--user", "tongchou", "--password-stdin")
    bad = run("config", "--db", str(db), "--letter-code", "ABC整改", *sign)
    assert bad.returncode == 2 and "机关代字应为1至12个汉字" in bad.stderr and "Traceback" not in bad.stderr
    nothing = run("config", "--db", str(db), *sign)
    assert nothing.returncode == 2 and "请给出要修改的设置" in nothing.stderr
    done = run("config", "--db", str(db), "--letter-code", "示整改督", "--letter-phone", "0000-1234567", *sign)
    assert done.returncode == 0, done.stderr
    assert "督办函机关代字已设为：示整改督" in done.stdout
    out = tmp_path / "督办函.pdf"
    printed = run("report", "letter", "--db", str(db), "-o", str(out), *sign)
    assert printed.returncode == 0, printed.stderr
    text = "".join(page_text(p) for p in pdfcheck.read(out))
    assert re.search(r"示整改督〔\d{4}〕1号", text) and "联系电话：0000-1234567" in text
    lg = open_ledger(db, create=False)
    try:
        with lg.reading() as s:
            event = s.scalars(select(AuditEvent).where(AuditEvent.action == "settings.letter")).one()
            assert json.loads(event.payload)["letter_code"]["new"] == "示整改督"
        assert lg.meta("letter_code") == "示整改督"
    finally:
        lg.close()
