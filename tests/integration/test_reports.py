"""Reports rendered from real ledgers and read back with poppler (pdftotext, pdffonts, pdfinfo):
figures against the ledger's own counts, fonts embedded, IDs masked, rare characters drawn or
reported, printing audited, nothing left behind on cancel."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from ledger.dto import CaseFilter
from ledger.errors import PermissionDenied, ValidationError
from ledger.models import AuditEvent
from reports.fonts import EXTRA_FACES, Face, FontSet
from reports.pdf import Cancelled, Pen
from reports.render import ReportRequest, render_report
from tests.world import World

ROOT = Path(__file__).resolve().parents[2]
HANAZONO = Path("/usr/share/fonts/truetype/hanazono")


def text_of(pdf: Path, *extra: str) -> str:
    return subprocess.run(["pdftotext", *extra, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    """Without whitespace: pdftotext may or may not keep a space drawn between Chinese characters."""
    return re.sub(r"\s+", "", text)


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def fonts_of(pdf: Path) -> list[tuple[str, str, str]]:
    """(name, type, embedded) per font, from pdffonts."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        rows.append((parts[0], parts[1], parts[-5]))
    return rows


def assert_all_embedded(pdf: Path) -> None:
    fonts = fonts_of(pdf)
    assert fonts, "no fonts at all"
    assert all(emb == "yes" and kind == "TrueType" for _, kind, emb in fonts), fonts


def print_events(world: World) -> list[dict]:
    with world.ledger.reading() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "report.print").order_by(AuditEvent.seq))
        return [json.loads(e.payload) | {"actor": e.actor_name} for e in events]


def populate(world: World) -> dict[str, list]:
    """Cases in every state on two townships; three of them overdue after the clock moves on."""
    made: dict[str, list] = {}
    for state, n in (
        ("registered", 2),
        ("assigned", 2),
        ("in_progress", 3),
        ("pending_verification", 1),
        ("closed", 3),
    ):
        made[state] = [world.walk(world.register(), state) for _ in range(n)]
    other = world.ledger.catalog.villages(world.other_township_id)[0]
    made["other"] = [world.walk(world.register(household=world.household(village_id=other.id)), "in_progress")]
    return made


def render(world: World, kind: str, tmp_path: Path, actor=None, **kw):
    out = tmp_path / f"{kind}.pdf"
    fonts = kw.pop("fonts", None) or FontSet.shipped_only()
    result = render_report(world.ledger, ReportRequest(kind, **kw), out, actor or world.coordinator, fonts=fonts)
    return out, result


def test_weekly_report_figures_are_the_ledgers(any_world: World, tmp_path):
    populate(any_world)
    any_world.clock.advance(days=400)  # deadlines of the open cases pass
    lg = any_world.ledger
    counts = lg.queries.dashboard()
    today = lg.today()
    out, result = render(any_world, "weekly", tmp_path, period_start=today - dt.timedelta(days=6), period_end=today)
    text = text_of(out)
    flat = " ".join(text.split())
    assert f"累计发现问题{counts.total}个（不含已作废），已销号{counts.by_state['closed']}个" in squeeze(text)
    assert f"销号率{counts.closure_rate * 100:.1f}%" in squeeze(text)
    assert f"逾期{counts.overdue}个" in squeeze(text)
    # the summary table: 累计发现 本周新增 本周销号 待交办 整改中 待核验 待审批 已销号 销号率 逾期 本周新增逾期
    tally = counts.tally
    figures = [counts.total, 0, 0, tally["unassigned"], tally["working"], tally["pending_verification"]]
    figures += [tally["pending_approval"], tally["closed"]]
    assert " ".join(map(str, figures)) + f" {counts.closure_rate * 100:.1f}% {counts.overdue}" in flat
    # by township: 城关镇 and 河西乡 with their own totals; the 合计 row is the whole ledger
    by_town = {}
    for (township_id, state), n in counts.by_township_state.items():
        if state != "void":
            by_town[lg.catalog.region(township_id).name] = by_town.get(lg.catalog.region(township_id).name, 0) + n
    for name, n in by_town.items():
        assert re.search(rf"\d+ {name} {n} ", flat), (name, n)
    assert "第1页共" in squeeze(text) and f"第{result.pages}页共{result.pages}页" in squeeze(text)
    assert_all_embedded(out)
    assert print_events(any_world)[-1]["kind"] == "weekly"


def test_ledger_report_lists_every_case_masked_with_header_on_each_page(world: World, tmp_path):
    made = populate(world)
    for _ in range(40):  # enough rows for several pages
        world.register(description="房屋墙体开裂，屋面漏雨，需要加固维修并更换部分屋面瓦片" * 2)
    out, result = render(world, "ledger", tmp_path, profile="full")  # all 30 columns: 问题编号, 户主身份证号
    pages = page_count(out)
    assert pages == result.pages > 1
    text = text_of(out)
    numbers = set(re.findall(r"990101-\d{4}-\d{6}", text))
    assert len(numbers) == result.cases == world.ledger.queries.count(CaseFilter(include_void=False))
    assert text.count("户主身份证号") == pages  # the header is repeated on every page
    for p in range(1, pages + 1):
        assert f"第{p}页共{pages}页" in squeeze(text)
    seq, _ = world.ledger.audit.head()  # the print event came after the head printed
    assert f"审计链头：第{seq - 1}号" in squeeze(text)
    with world.ledger.reading() as s:
        from ledger.models import Household

        ids = list(s.scalars(select(Household.head_id_number)))
    flat = text.replace("\n", "")
    assert not any(number in flat for number in ids)  # no full ID number anywhere
    assert ids[0][:4] + "**********" + ids[0][-4:] in flat
    assert "身份证号、电话已脱敏" in text
    assert_all_embedded(out)
    assert made["closed"][0].number in text


def test_full_ids_need_the_right_and_a_reason_and_are_audited(world: World, tmp_path):
    case = world.register()
    full = case.household.head_id_number
    with pytest.raises(PermissionDenied):
        render(world, "ledger", tmp_path, actor=world.viewer, unmask=True, reason="核对户籍信息")
    with pytest.raises(ValidationError, match="用途"):
        render(world, "ledger", tmp_path, unmask=True, reason="")
    assert not (tmp_path / "ledger.pdf").exists()
    out, _ = render(world, "ledger", tmp_path, unmask=True, reason="核对户籍信息")
    assert full in text_of(out).replace("\n", "")
    event = print_events(world)[-1]
    assert event["unmasked"] is True and event["reason"] == "核对户籍信息"
    assert event["actor"] == world.coordinator.display_name


def test_a_rare_character_is_drawn_by_a_fallback_font_or_reported(world: World, tmp_path):
    rare = world.register(household=world.household(head_name="王𠇔"))  # CJK Ext. B: not in the shipped font
    world.register(household=world.household(head_name="刘䶮"))  # CJK Ext. A
    out, result = render(world, "ledger", tmp_path)  # the shipped font alone
    assert any("𠇔" in line and "U+201D4" in line and rare.number in line for line in result.missing)
    assert any("䶮" in line for line in result.missing)
    assert "〓" in text_of(out)  # a visible mark, never an empty box

    if not (HANAZONO / "HanaMinB.ttf").exists():
        pytest.skip("Hanazono Mincho is not installed (.ci/setup installs fonts-hanazono)")
    shipped = FontSet.shipped_only()
    extra = [Face(label, HANAZONO / name, index) for label, name, index in EXTRA_FACES if label.startswith("Hana")]
    fonts = FontSet(shipped.roles, extra)
    out, result = render(world, "ledger", tmp_path, fonts=fonts)
    assert result.missing == []
    text = text_of(out)
    assert "王𠇔" in text and "刘䶮" in text
    names = [name for name, _, _ in fonts_of(out)]
    assert any("HanaMin" in n for n in names)  # the fallback face was embedded for those characters
    assert_all_embedded(out)


def test_the_pen_encodes_each_text_as_reportlab_would_and_it_reads_back(tmp_path):
    """Texts of characters encoded before are encoded from their characters' codes (not by
    TTFont.splitString again): the same operators splitString gives in a document that saw the same
    texts, across subsets of 256 codes, with PDF's special characters and a no-break space."""
    fonts = FontSet.shipped_only()
    face = fonts.roles["song"]
    common = [chr(c) for c in range(0x4E00, 0x4E00 + 900) if face.covers(chr(c))][:700]  # three subsets
    rng = random.Random(18)
    texts = ["".join(rng.sample(common, 12)) for _ in range(300)]  # new characters, then mostly known
    texts += ["(括号)\\斜线", "a\xa0b", "整改(到位)", "2026-12-31", "".join(common[::-1])]
    texts += [t[::-1] for t in texts] + [t[3:9] for t in texts if len(t) > 3]

    pen = Pen(Canvas(str(tmp_path / "pen.pdf")), fonts)
    ours = [pen.run(t, "song", 9) for t in texts]

    font, doc = face.load(), Canvas(str(tmp_path / "reference.pdf"))._doc
    for text, run in zip(texts, ours, strict=True):
        assert run is not None
        parts = [(font.getSubsetInternalName(s, doc), escapePDF(d)) for s, d in font.splitString(text, doc)]
        current, ops = parts[0][0], [f"{parts[0][0]} 9 Tf"]
        for name, data in parts:
            if name != current:
                ops.append(f"{name} 9 Tf")
                current = name
            ops.append(f"({data}) Tj")
        assert run[1] == "\n".join(ops), text

    out = tmp_path / "texts.pdf"
    canvas = Canvas(str(out))
    pen = Pen(canvas, fonts)
    for start in range(0, len(texts), 60):
        for row, text in enumerate(texts[start : start + 60]):
            pen.draw(40, 800 - row * 13, text[:40], 9)
        pen.flush()
        canvas.showPage()
    canvas.save()
    shown = squeeze(text_of(out))
    for text in texts:
        assert squeeze(text[:40].replace("\xa0", " ")) in shown, text


def test_an_empty_selection_prints_a_clear_page(world: World, tmp_path):
    world.register()
    out, result = render(
        world, "ledger", tmp_path, filter=CaseFilter(township_id=world.other_township_id, include_void=False)
    )
    assert result.cases == 0 and page_count(out) == 1
    text = text_of(out)
    assert "无符合条件的问题" in text and "河西乡" in text
    out, result = render(world, "letter", tmp_path, filter=CaseFilter(department_id=world.slj_id))
    assert "没有逾期问题" in text_of(out)


@pytest.mark.parametrize("kind", ["ledger", "weekly", "timetable", "closure", "household", "letter"])
def test_every_kind_prints_footer_fonts_and_an_audit_event(world: World, tmp_path, kind):
    """Every report but the 督办函 (a 公文: nothing but "— 2 —" in its margins, test_letter_print.py)
    carries the footer with the page count, the author and the audit head."""
    made = populate(world)
    world.clock.advance(days=400)
    closed = made["closed"][0]
    kw: dict = {}
    if kind == "closure":
        kw["case_number"] = closed.number
    if kind == "household":
        kw["household_id"] = closed.household.id
    if kind == "letter":
        kw["filter"] = CaseFilter(department_id=world.zjj_id)
    seq_before, head_before = world.ledger.audit.head()
    out, result = render(world, kind, tmp_path, **kw)
    text = text_of(out)
    assert result.pages == page_count(out)
    if kind == "letter":
        assert "共" not in squeeze(text) and "审计链头" not in text and "制表人" not in text
    else:
        assert f"共{result.pages}页" in squeeze(text)
        assert f"审计链头：第{seq_before}号{head_before[:16]}" in squeeze(text)
        assert f"制表人：{world.coordinator.display_name}" in text
    assert_all_embedded(out)
    event = print_events(world)[-1]
    assert event["kind"] == kind and event["pages"] == result.pages
    assert world.ledger.audit.head()[0] == seq_before + 1
    assert not list(tmp_path.glob("*.part"))


def test_closure_form_carries_signoffs_evidence_and_a_check_code(world: World, tmp_path):
    case = world.walk(world.register(), "closed")
    view = world.ledger.cases.get(case.id)
    out, _ = render(world, "closure", tmp_path, case_number=case.number)
    text = text_of(out)
    assert "乡镇核验意见" in text and "经现场核验，整改到位" in text and "同意销号" in text
    assert f"核对码 {view.content_hash[:4]} {view.content_hash[4:8]}" in text
    assert "SHA-256" not in text and "内容摘要" not in text
    assert view.evidence and all(evidence.kind_name in text for evidence in view.evidence)
    assert page_count(out) == 1


def test_timetable_has_a_bar_per_open_case_grouped_by_department(world: World, tmp_path):
    made = populate(world)
    world.clock.advance(days=400)
    out, result = render(world, "timetable", tmp_path)
    with_deadline = made["assigned"] + made["in_progress"] + made["pending_verification"] + made["other"]
    assert result.cases == len(with_deadline)
    text = text_of(out)
    assert f"县住建局（{len(with_deadline)}个）" in text
    for case in with_deadline:
        assert case.number in text
    assert "今日" in text and "已逾期" in text


def test_letter_follows_the_official_layout(world: World, tmp_path):
    populate(world)
    world.clock.advance(days=400)
    overdue = world.ledger.reporting.overdue(world.zjj_id)
    out, result = render(world, "letter", tmp_path, filter=CaseFilter(department_id=world.zjj_id))
    text = text_of(out)
    assert "关于督促加快县住建局逾期问题整改的函" in text.replace("\n", "")
    assert f"有{len(overdue)}个已超过整改时限" in text.replace("\n", "")
    # 信函格式 (GB/T 9704-2012 10.1): no page number on the first page, "— 2 —" from the second
    assert "—1—" not in squeeze(text) and "—2—" in squeeze(text)
    # words of page 1 below the masthead lie inside the 156 × 225 mm text block at 28 mm from the
    # left, 37 mm from the top; the masthead's upper edge is 30 mm from the top
    html = text_of(out, "-bbox", "-f", "1", "-l", "1")
    mm = 72 / 25.4
    boxes = [
        tuple(float(v) for v in m)
        for m in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">[^<]*[\u4e00-\u9fff]', html
        )
    ]
    masthead = [b for b in boxes if b[1] < 37 * mm]
    assert masthead and min(b[1] for b in masthead) == pytest.approx(30 * mm, abs=1.5 * mm)
    body = [b for b in boxes if b[1] >= 37 * mm]
    assert min(b[0] for b in body) == pytest.approx(28 * mm, abs=2)
    assert max(b[2] for b in body) <= (28 + 156) * mm + 2
    assert max(b[3] for b in body) <= (37 + 225) * mm + 2
    assert result.cases == len(overdue)


def test_cancel_leaves_no_file_and_no_event(world: World, tmp_path):
    populate(world)
    target = tmp_path / "ledger.pdf"
    target.write_bytes(b"an older report")
    events = len(print_events(world))
    with pytest.raises(Cancelled):
        render_report(
            world.ledger,
            ReportRequest("ledger"),
            target,
            world.coordinator,
            fonts=FontSet.shipped_only(),
            cancelled=lambda: True,
        )
    assert target.read_bytes() == b"an older report"
    assert not list(tmp_path.glob("*.part"))
    assert len(print_events(world)) == events


def test_cli_renders_the_weekly_report_and_explains_bad_filters(tmp_path):
    db = tmp_path / "示例.db"
    env = {"ZGTZ_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}

    def run(*args: str, password: str = "") -> subprocess.CompletedProcess:
        command = [sys.executable, str(ROOT / "main.py"), *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, input=password + "\n")

    assert run("demo", "--db", str(db), "--cases", "300").returncode == 0
    done = run("report", "weekly", "--db", str(db), "-o", str(tmp_path / "周报.pdf"))
    assert done.returncode == 0, done.stderr
    assert "已生成整改进度周报" in done.stdout
    assert "累计发现问题" in text_of(tmp_path / "周报.pdf")
    out = str(tmp_path / "x.pdf")
    unsigned = run("report", "ledger", "--db", str(db), "-o", out)
    assert unsigned.returncode == 2 and "--user" in unsigned.stderr and "Traceback" not in unsigned.stderr
    wrong = run("report", "ledger", "--db", str(db), "-o", out, "--user", "tongchou", "--password-stdin", password="x")
    assert wrong.returncode == 2 and "用户名或密码错误" in wrong.stderr
    bad = run(
        "report", "ledger", "--db", str(db), "-o", out, "--township", "不存在镇", "--user", "tongchou",
        "--password-stdin", password="Demo#2026",
    )  # fmt: skip
    assert bad.returncode == 2 and "没有名为“不存在镇”的乡镇" in bad.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_dates_in_the_weekly_narrative_are_the_clock(world: World, tmp_path):
    world.register()
    world.clock.advance(days=7)
    out, _ = render(world, "weekly", tmp_path)
    end = world.clock.now.date() - dt.timedelta(days=world.clock.now.date().weekday() + 1)  # last Sunday
    assert f"截至{end.year}年{end.month}月{end.day}日" in text_of(out)
