"""The printed 问题整改台账 as a county office signs and files it (issue 14, item 2): the 周报简表 and
完整 column profiles on A4 and A3 landscape, read back from the PDF's word boxes: no word past an
8 mm margin, none on top of another, no name or term broken across lines, at least 20 cases a page
for a 20,000-case township, constant columns said once in the title block, a household's cases
together, the 合计 line and the signature block on the last page, dates without leading zeros."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.dto import CaseFilter
from ledger.errors import ValidationError
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from tests import pdfcheck
from tests.integration.test_reports import page_count, squeeze, text_of

ROOT = Path(__file__).resolve().parents[2]
BRIEF_HEADINGS = ["序号", "户主", "身份证号", "问题类别", "问题子类", "问题描述", "牵头单位", "整改措施", "整改时限"]
SIGNATURE = ["填报人", "审核人", "负责人", "单位（盖章）", "日期"]


def biggest(lg, regions, key: str) -> int:
    """The region with the most cases (of `regions`), by the ledger's own count."""
    return max(regions, key=lambda r: lg.queries.count(CaseFilter(include_void=False, **{key: r.id}))).id


def page_size(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert found
    return float(found.group(1)), float(found.group(2))


def header_words(page: pdfcheck.PageBoxes) -> list[str]:
    """The words of the table's heading row on a page (those level with its 序号)."""
    seq = next(w for w in page.words if w.text == "序号")
    return [w.text for w in sorted(page.words, key=lambda w: w.x0) if abs(w.y0 - seq.y0) < 2]


def households_in_print_order(pages: list[pdfcheck.PageBoxes]) -> list[tuple[str, str]]:
    """(户主, masked ID) of each printed row, top to bottom, page by page."""
    rows = []
    for page in pages:
        for w in sorted(page.words, key=lambda w: (w.y0, w.x0)):
            if re.fullmatch(r"\d{4}\*{10}\d{3}[\dX]", w.text):
                left = [v for v in page.words if abs(v.y0 - w.y0) < 1 and v.x1 <= w.x0]
                name = max(left, key=lambda v: v.x1).text
                rows.append((name, w.text))
    return rows


def test_a_townships_weekly_ledger_fits_a_desk(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        township_id = biggest(lg, lg.catalog.townships(), "township_id")
        township = lg.catalog.region(township_id).name
        county = lg.meta("county_name")
        out = tmp_path / "台账.pdf"
        request = ReportRequest("ledger", filter=CaseFilter(township_id=township_id, include_void=False))
        result = render_report(lg, request, out, actor, fonts=FontSet.shipped_only())
    finally:
        lg.close()
    problems = pdfcheck.check(out, demo_ledger.terms())
    assert not problems, "\n".join(problems[:20])
    pages = page_count(out)
    assert pages == result.pages
    assert result.cases / pages >= 20, (result.cases, pages)

    boxes = pdfcheck.read(out)
    text = squeeze(text_of(out))
    # 县 and the township are said once, in the title block, not repeated in columns
    assert f"县：{county}" in text and f"乡镇：{township}" in text
    for page in boxes:
        heading = header_words(page)
        assert heading[: len(BRIEF_HEADINGS)] == BRIEF_HEADINGS, heading
        assert not {"县", "乡镇", "村", "联系电话", "问题编号"} & set(heading), heading
    # every case is printed once; a household's cases are one run of rows
    rows = households_in_print_order(boxes)
    village_level = text.count("（村级问题）")  # a village's own problems: no ID in the row
    assert len(rows) + village_level == result.cases
    runs = [key for i, key in enumerate(rows) if i == 0 or rows[i - 1] != key]
    assert len(runs) == len(set(runs)), "a household's cases are split apart"
    # 合计 and the signatures on the last page only
    last = squeeze(pdfcheck.text_of(boxes[-1:]))
    assert f"合计：共{result.cases}个问题" in last
    assert all(f"{word}：" in last for word in SIGNATURE)
    assert f"填报人：{actor.display_name}" in last
    for page in boxes[:-1]:
        earlier = squeeze(pdfcheck.text_of([page]))
        assert "合计：" not in earlier and "负责人" not in earlier and "审核人" not in earlier
    # one date format: 2026年11月25日 in the text, no leading zeros
    assert "2026年11月25日" in text
    assert "年0" not in text and "月0" not in text


def test_the_full_profile_on_a3_for_one_village(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        township_id = biggest(lg, lg.catalog.townships(), "township_id")
        village_id = biggest(lg, lg.catalog.villages(township_id), "village_id")
        village = lg.catalog.region(village_id).name
        out = tmp_path / "完整台账.pdf"
        request = ReportRequest(
            "ledger",
            filter=CaseFilter(village_id=village_id, include_void=False),
            profile="full",
            paper="A3",
            reviewer="李审核",
        )
        result = render_report(lg, request, out, actor, fonts=FontSet.shipped_only())
    finally:
        lg.close()
    width, height = page_size(out)
    assert (round(width), round(height)) == (1191, 842)  # A3 landscape
    problems = pdfcheck.check(out, demo_ledger.terms())
    assert not problems, "\n".join(problems[:20])
    boxes = pdfcheck.read(out)
    heading = header_words(boxes[0])
    assert {"问题编号", "联系电话", "发现方式", "整改类型", "问题描述", "整改措施"} <= set(heading), heading
    assert not {"县", "乡镇", "村"} & set(heading), heading
    text = squeeze(text_of(out))
    assert f"村：{village}" in text
    assert len(set(re.findall(r"990101-\d{4}-\d{6}", text))) == result.cases
    assert "审核人：李审核" in squeeze(pdfcheck.text_of(boxes[-1:]))


def test_one_departments_ledger_names_the_department_once(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        township_id = biggest(lg, lg.catalog.townships(), "township_id")
        dept = next(d for d in lg.catalog.departments.values() if d.name == "县住建局")
        f = CaseFilter(township_id=township_id, department_id=dept.id, include_void=False)
        out = tmp_path / "住建.pdf"
        render_report(lg, ReportRequest("ledger", filter=f), out, actor, fonts=FontSet.shipped_only())
    finally:
        lg.close()
    assert "牵头单位：县住建局" in squeeze(text_of(out))
    assert "牵头单位" not in header_words(pdfcheck.read(out, 1, 1)[0])
    assert not pdfcheck.check(out, demo_ledger.terms())


def test_an_unknown_profile_or_paper_is_refused_in_chinese(world, tmp_path):
    world.register()
    out = tmp_path / "台账.pdf"
    for kw, words in (({"profile": "short"}, "台账格式"), ({"paper": "B5"}, "纸张")):
        with pytest.raises(ValidationError, match=words):
            render_report(world.ledger, ReportRequest("ledger", **kw), out, world.coordinator)
    assert not out.exists()


def test_cli_prints_the_full_ledger_on_a3(tmp_path):
    db = tmp_path / "示例.db"
    env = {"ZGTZ_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(ROOT / "main.py"), *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, input="Demo#2026\n")

    assert run("demo", "--db", str(db), "--cases", "200").returncode == 0
    out = tmp_path / "完整台账.pdf"
    sign_in = ("--user", "tongchou", "--password-stdin")
    done = run("report", "ledger", "--db", str(db), "-o", str(out), "--profile", "full", "--paper", "A3",
               "--reviewer", "王审核", "--township", "城关镇", *sign_in)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "已生成问题整改台账" in done.stdout
    assert (round(page_size(out)[0]), round(page_size(out)[1])) == (1191, 842)
    text = squeeze(text_of(out))
    assert "联系电话" in text and "问题编号" in text and "审核人：王审核" in text
    bad = run("report", "ledger", "--db", str(db), "-o", str(tmp_path / "x.pdf"), "--paper", "B5", *sign_in)
    assert bad.returncode == 2 and "纸张只能是 A4 或 A3" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x.pdf").exists()
