"""销号审批表 and 一户一档 as printed (issue 14, item 5), read back with poppler: from the demo
ledgers of 2,000 and 20,000 cases (never past the margins, no overlapping or broken words, three
seal places a form, dates without leading zeros, photos on the page, 家庭人口 equal to the people
listed, 整改过程 in date order, signature lines) and from small worlds (blocks filled from what
happened or left blank to sign, 代录 marked, a missing photo said in place of the picture)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, select

from ledger import ids
from ledger.dto import CaseFilter
from ledger.models import Case, Evidence, Household, Member
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from tests import pdfcheck
from tests.world import PASSWORD, PDF, World

LEADING_ZERO = re.compile(r"年0\d|月0\d")
CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def text_of(pdf: Path, *extra: str) -> str:
    return subprocess.run(["pdftotext", *extra, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def images_in(pdf: Path) -> int:
    out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return len(out.splitlines()[2:])


def assert_clean(pdf: Path, terms: set[str]) -> None:
    problems = pdfcheck.check(pdf, terms)
    assert not problems, "\n".join(problems[:20])


# -- 销号审批表 from the demo ledgers -------------------------------------------------------------
def test_closure_form_of_a_closed_case_with_photos(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        with lg.reading() as s:
            case_id = s.scalar(
                select(Case.id)
                .join(Evidence, Evidence.case_id == Case.id)
                .where(Case.state == "closed", Evidence.mime.like("image/%"))
                .order_by(Case.id)
                .limit(1)
            )
        view = lg.cases.get(case_id)
        out = tmp_path / "销号审批表.pdf"
        result = render_report(lg, ReportRequest("closure", case_number=view.number), out, actor)
    finally:
        lg.close()
    assert_clean(out, demo_ledger.terms())
    text = text_of(out)
    assert result.cases == 1
    assert "“两不愁三保障”及饮水安全问题整改销号审批表" in squeeze(text)
    assert text.count("盖章") == 3
    assert not LEADING_ZERO.search(text), LEADING_ZERO.search(text)
    assert "SHA-256" not in text and "内容摘要" not in text
    assert f"核对码 {view.content_hash[:4]} {view.content_hash[4:8]}" in text
    # all three blocks filled from the ledger: the submitter, the 核验 and the 审批, dates only
    for so in view.signoffs:
        assert f"签字：{so.signer_name}" in text
        assert f"日期：{so.signed_at.year}年{so.signed_at.month}月{so.signed_at.day}日" in text
    assert text.count("签字：") == 3 and "年 月 日" not in squeeze(text).replace("年月日", "")
    assert not re.search(r"\d{1,2}:\d{2}", text.split("制表单位")[0]), "a clock time on the form"
    # the photos: a picture on the page for each image, labelled with its kind
    pictures = [e for e in view.evidence if e.mime.startswith("image/")]
    assert images_in(out) >= len(pictures) >= 1
    for e in pictures:
        assert e.kind_name in text


def test_closure_forms_of_one_village(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        with lg.reading() as s:
            village_id = s.execute(
                select(Case.village_id, func.count())
                .where(Case.state.in_(("pending_approval", "closed")))
                .group_by(Case.village_id)
                .order_by(func.count().desc())
            ).first()[0]
        out = tmp_path / "销号审批表.pdf"
        f = CaseFilter(village_id=village_id, include_void=False)
        result = render_report(lg, ReportRequest("closure", filter=f), out, actor)
    finally:
        lg.close()
    assert result.cases >= 3
    assert_clean(out, demo_ledger.terms())
    text = text_of(out)
    assert text.count("盖章") == 3 * result.cases
    assert text.count("及饮水安全问题整改销号审批表") >= result.cases
    assert not LEADING_ZERO.search(text), LEADING_ZERO.search(text)
    assert images_in(out) >= 1


# -- 一户一档 from the demo ledgers ------------------------------------------------------------------
def test_household_dossier_lists_everyone_in_date_order_with_signature_lines(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        with lg.reading() as s:
            members = select(func.count()).where(Member.household_id == Household.id).scalar_subquery()
            household_id = s.execute(
                select(Household.id)
                .join(Case, Case.household_id == Household.id)
                .group_by(Household.id)
                .order_by(func.count(Case.id).desc(), members.desc(), Household.id)
            ).first()[0]
        h = lg.households.get(household_id)
        people = lg.households.members(household_id)
        cases = [lg.cases.get(i) for i in lg.reporting.household_case_ids(household_id)]
        out = tmp_path / "一户一档.pdf"
        render_report(lg, ReportRequest("household", household_id=household_id), out, actor)
    finally:
        lg.close()
    assert len(cases) >= 2 and len(people) >= 2
    assert_clean(out, demo_ledger.terms())
    text = text_of(out)
    flat = squeeze(text)
    listed = 1 + len(people)
    assert f"家庭人口{listed}人" in flat and f"家庭成员（{listed}人）" in flat
    # the member table: one row per person, each with an ID number
    table = flat.split(f"家庭成员（{listed}人）")[1].split("问题1：")[0]
    rows = re.findall(r"\d{4}\*{10}[\dX]{4}", table)
    assert len(rows) == listed, table
    assert [ids.mask(p.id_number) for p in people] == rows[1:] and rows[0] == ids.mask(h.head_id_number)
    # 整改过程: notes and sign-offs in one list, in date order, each case's own
    layout = text_of(out, "-layout")
    sections = re.split(r"^\s*问题\d+：", layout, flags=re.M)[1:]
    assert len(sections) == len(cases)
    for case, section in zip(cases, sections, strict=True):
        steps = re.findall(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s+(整改进度|核验|审批|退回|回退)", section, re.M)
        assert len(steps) == len(case.progress) + len(case.signoffs), (case.number, steps)
        days = [(int(y), int(m), int(d)) for y, m, d, _ in steps]
        assert days == sorted(days), (case.number, steps)
    assert "户主（签字）" in text and "帮扶责任人（签字）" in text
    assert not LEADING_ZERO.search(text)
    for page in pdfcheck.read(out)[1:]:  # a continuation page says whose file it is
        top = min(page.lines, key=lambda line: line.y0)
        assert f"{h.head_name}户一户一档（续）" in top.text, top.text


def test_every_demo_household_lists_all_its_people_with_id_numbers(demo_ledger):
    db = sqlite3.connect(demo_ledger.path)
    try:
        wrong = db.execute(
            "SELECT COUNT(*) FROM households h "
            "WHERE h.size <> 1 + (SELECT COUNT(*) FROM members m WHERE m.household_id = h.id)"
        ).fetchone()[0]
        blank = db.execute("SELECT COUNT(*) FROM members WHERE id_number IS NULL OR id_number = ''").fetchone()[0]
        sizes = dict(db.execute("SELECT size, COUNT(*) FROM households GROUP BY size").fetchall())
        numbers = [
            r[0] for r in db.execute("SELECT id_number FROM members UNION ALL SELECT head_id_number FROM households")
        ]
    finally:
        db.close()
    assert wrong == 0 and blank == 0
    assert max(sizes) >= 4  # families bigger than three are listed in full
    assert len(numbers) == len(set(numbers))
    assert all(ids.as_id_number(n) == n for n in numbers[:500])


# -- the opinion blocks, 代录 and photos in a small world ------------------------------------------
def render(world: World, tmp_path: Path, case, name: str) -> str:
    out = tmp_path / f"{name}.pdf"
    render_report(
        world.ledger,
        ReportRequest("closure", case_number=case.number),
        out,
        world.coordinator,
        fonts=FontSet.shipped_only(),
    )
    return text_of(out)


def test_opinion_blocks_are_filled_as_far_as_the_case_went_and_blank_after(world: World, tmp_path):
    started = world.walk(world.register(), "in_progress")
    text = render(world, tmp_path, started, "整改中")
    assert text.count("盖章") == 3 and text.count("签字：") == 3
    assert squeeze(text).count("日期：年月日") == 3  # three blank lines to sign by hand
    assert world.officer.display_name not in text

    submitted = world.walk(world.register(), "pending_verification")
    text = render(world, tmp_path, submitted, "待核验")
    assert f"签字：{world.officer.display_name}" in text  # 责任单位: who submitted it
    today = world.clock.now.date()
    assert f"日期：{today.year}年{today.month}月{today.day}日" in text
    assert squeeze(text).count("日期：年月日") == 2 and text.count("盖章") == 3

    # returned by the 乡镇: the submission no longer stands, all three blank again
    view = world.ledger.cases.act(
        world.verifier,
        submitted.id,
        "return",
        expected_version=submitted.version,
        inputs={"reason": "照片不清晰"},
        password=PASSWORD,
    ).case
    text = render(world, tmp_path, view, "退回")
    assert squeeze(text).count("日期：年月日") == 3


def test_a_signoff_recorded_on_behalf_says_so(world: World, tmp_path):
    case = world.walk(world.register(), "pending_verification")
    form = world.ledger.cases.add_evidence(world.verifier, case.id, PDF, "signed_form", "签字表.pdf")
    case = world.ledger.cases.act(
        world.verifier,
        case.id,
        "verify",
        expected_version=world.ledger.cases.get(case.id).version,
        inputs={"opinion": "经现场核验，整改到位"},
        password=PASSWORD,
        on_behalf_of="赵核验",
        form_evidence_id=form.id,
    ).case
    case = world.walk(case, "closed")
    text = render(world, tmp_path, case, "代录")
    assert "签字：赵核验（代录）" in text
    assert f"签字：{world.approver.display_name}" in text and text.count("盖章") == 3
    assert not LEADING_ZERO.search(text)


def test_a_missing_photo_is_said_in_place_of_the_picture(world: World, tmp_path):
    case = world.walk(world.register(), "closed")
    view = world.ledger.cases.get(case.id)
    photo = next(e for e in view.evidence if e.mime.startswith("image/"))
    world.ledger.evidence_store.path_for(photo.sha256).unlink()
    text = render(world, tmp_path, case, "缺图")
    assert "文件缺失或已损坏" in squeeze(text)
    assert photo.kind_name in text


def test_a_form_running_onto_a_second_page_says_whose_it_is(world: World, tmp_path):
    long = "房屋墙体开裂，屋面漏雨，需要加固维修并更换部分屋面瓦片。" * 24
    case = world.walk(world.register(description=long), "closed")
    out = tmp_path / "长.pdf"
    render_report(
        world.ledger, ReportRequest("closure", case_number=case.number), out, world.coordinator,
        fonts=FontSet.shipped_only(),
    )  # fmt: skip
    pages = pdfcheck.read(out)
    assert len(pages) >= 2
    for page in pages[1:]:
        top = min(page.lines, key=lambda line: line.y0)
        assert "销号审批表（续）" in top.text and case.number in top.text, top.text
    assert not pdfcheck.past_margins(pages) and not pdfcheck.overlapping(pages)
    assert text_of(out).count("盖章") == 3
