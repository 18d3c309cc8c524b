"""Reports by village, read back from the PDFs: the 周报 grouped by village (each village's figures
under its township, as the cases table counts them), the batch 村级台账 (a section per village, each
on its own pages under its own title; one file per village, on the command line too), and the
township scope of a township's 核验员."""

from __future__ import annotations

import io
import re
import sqlite3
import sys

import pytest

from ledger.dto import CaseFilter
from ledger.errors import PermissionDenied, ValidationError
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from reports.village_reports import render_village_files
from tests import pdfcheck
from tests.world import PASSWORD, World, prepared


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _towns(w: World) -> None:
    lg = w.ledger
    lg.catalog.add_regions(w.admin, [("990101001003", "南街村", "990101001000")])
    v = {r.name: r.id for r in lg.catalog.villages()}
    w.walk(w.register("house.c"), "closed")
    w.walk(w.register("water.quality"), "closed")
    w.walk(w.register("house.d"), "in_progress")
    w.walk(w.register("house.c", household=w.household(head_name="赵秀英", village_id=v["西关村"])), "assigned")
    ours, w.verifier = w.verifier, w.account("hy9", "河西乡核验员", ["verifier"], township_id=w.other_township_id)
    w.walk(w.register("house.c", household=w.household(head_name="钱进", village_id=v["河西村"])), "closed")
    w.verifier = ours
    w.extra["v"] = v


@pytest.fixture
def towns(tmp_path, clock):
    """城关镇: 东关村 (2 closed, 1 in progress), 西关村 (1 assigned), 南街村 (never a case);
    河西乡: 河西村 (1 closed). Made once a session, copied for each test."""
    w, _ = prepared("test_village_reports.towns", tmp_path, clock, _towns)
    yield w
    w.ledger.close()


def by_village(w: World) -> dict[str, tuple[int, int, list[str]]]:
    """村名 -> (found, closed, its households' heads), straight from the file (the brief ledger
    prints no case number: a case is known on paper by its household)."""
    db = sqlite3.connect(w.ledger.engine.url.database)
    try:
        rows = db.execute(
            "SELECT r.name, c.state, h.head_name FROM cases c JOIN regions r ON r.id = c.village_id "
            "JOIN households h ON h.id = c.household_id WHERE c.state != 'void'"
        ).fetchall()
    finally:
        db.close()
    out: dict[str, tuple[int, int, list[str]]] = {}
    for name, state, number in rows:
        found, closed, numbers = out.get(name, (0, 0, []))
        out[name] = (found + 1, closed + (state == "closed"), [*numbers, number])
    return out


def test_weekly_report_grouped_by_village(towns, tmp_path):
    w = towns
    today = w.ledger.today()
    fonts = FontSet.shipped_only()
    plain, grouped = tmp_path / "周报.pdf", tmp_path / "周报-分村.pdf"
    render_report(w.ledger, ReportRequest("weekly", period_end=today), plain, w.coordinator, fonts=fonts)
    request = ReportRequest("weekly", period_end=today, by_village=True)
    render_report(w.ledger, request, grouped, w.coordinator, fonts=fonts)
    assert "分村情况" not in squeeze(pdfcheck.text_of(pdfcheck.read(plain)))
    pages = pdfcheck.read(grouped)
    assert not pdfcheck.check(grouped, terms={"东关村", "西关村", "河西村", "城关镇", "河西乡"})
    lines = [line.text for p in pages for line in p.lines]
    start = next(i for i, t in enumerate(lines) if "六、分村情况" in t)
    section = lines[start:]
    assert any("城关镇（2个村）" in t for t in section) and any("河西乡（1个村）" in t for t in section)
    assert not any("南街村" in t for t in section)  # never a case: nothing to rank
    want = by_village(w)
    words = [[wd.text for wd in p.words] for p in pages]
    flat = [t for page in words for t in page]
    head = max(i for i, t in enumerate(flat) if t.startswith("六、分村情况"))
    for name, (found, closed, _numbers) in want.items():
        at = flat.index(name, head)
        row = flat[at - 1 : at + 12]  # 排名, 村, 累计发现, 本周新增, 本周销号, 5 groups, 销号率, 逾期, 预警
        assert row[1] == name
        assert int(row[2]) == found and int(row[9]) == closed, row
        assert row[10] == f"{closed / found * 100:.1f}%"
    # the villages of each township are ranked among themselves: 东关村 (66.7%) 1st, 西关村 (0%) 2nd
    assert flat[flat.index("东关村", head) - 1] == "1" and flat[flat.index("西关村", head) - 1] == "2"
    assert flat[flat.index("河西村", head) - 1] == "1"


def test_batch_village_ledger_one_pdf_a_section_per_village(towns, tmp_path):
    w = towns
    out = tmp_path / "城关镇村级台账.pdf"
    request = ReportRequest("ledger", filter=CaseFilter(township_id=w.township_id, include_void=False), by_village=True)
    result = render_report(w.ledger, request, out, w.coordinator, fonts=FontSet.shipped_only())
    assert result.cases == 4
    pages = pdfcheck.read(out)
    assert not pdfcheck.check(out, terms={"东关村", "西关村", "南街村"})
    want = by_village(w)
    owner: dict[int, str] = {}
    for p in pages:
        text = squeeze("".join(line.text for line in p.lines))
        titles = [v for v in ("东关村", "西关村", "南街村") if f"城关镇{v}“两不愁三保障”" in text]
        footer = re.findall(r"(东关村|西关村|南街村)第(\d+)页共(\d+)页", text)
        assert len(footer) == 1, text
        village, own, _of = footer[0]
        owner[p.number] = village
        if own == "1":  # a section's first page: its own title, and no other village's
            assert titles == [village]
            top = min(line.y0 for line in p.lines)
            assert any(f"城关镇{village}" in line.text and line.y0 == top for line in p.lines)
        else:
            assert titles == []
    assert sorted(set(owner.values())) == ["东关村", "南街村", "西关村"]
    assert list(dict.fromkeys(owner.values())) == ["东关村", "西关村", "南街村"]  # in code order
    for p in pages:  # each case printed only in its own village's pages
        text = squeeze("".join(line.text for line in p.lines))
        for village, (_f, _c, numbers) in want.items():
            for number in numbers:
                if number in text:
                    assert village == owner[p.number]
    everything = squeeze(pdfcheck.text_of(pages))
    for village in ("东关村", "西关村"):
        assert all(n in everything for n in want[village][2])
    assert "本村从未发现问题" in everything and "清零状态：从未有问题" in everything
    assert not any(n in everything for n in want["河西村"][2])  # another township's village


def test_batch_village_ledger_one_file_per_village(towns, tmp_path):
    w = towns
    request = ReportRequest("ledger", filter=CaseFilter(township_id=w.township_id, include_void=False))
    results = render_village_files(w.ledger, request, tmp_path / "村级台账", w.coordinator)
    files = sorted(p.name for p in (tmp_path / "村级台账").iterdir())
    assert files == ["城关镇东关村村级台账.pdf", "城关镇南街村村级台账.pdf", "城关镇西关村村级台账.pdf"]
    assert [r.cases for r in results] == [3, 1, 0]  # 东关村, 西关村, 南街村 (code order)
    want = by_village(w)
    for r in results:
        village = r.path.name.removeprefix("城关镇").removesuffix("村级台账.pdf")
        text = squeeze(pdfcheck.text_of(pdfcheck.read(r.path)))
        numbers = want.get(village, (0, 0, []))[2]
        assert r.cases == len(numbers)
        assert all(n in text for n in numbers)
        others = [n for v, (_f, _c, ns) in want.items() if v != village for n in ns]
        assert not any(n in text for n in others)


def test_batch_needs_a_township_and_keeps_a_verifier_in_its_own(towns, tmp_path):
    w = towns
    request = ReportRequest("ledger", filter=CaseFilter(include_void=False), by_village=True)
    with pytest.raises(ValidationError, match="村级台账须选择乡镇"):
        render_report(w.ledger, request, tmp_path / "a.pdf", w.coordinator)
    other = ReportRequest("ledger", filter=CaseFilter(township_id=w.other_township_id), by_village=True)
    with pytest.raises(PermissionDenied, match="本乡镇"):
        render_report(w.ledger, other, tmp_path / "b.pdf", w.verifier)
    with pytest.raises(PermissionDenied, match="本乡镇"):
        render_village_files(w.ledger, other, tmp_path / "c", w.verifier)
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "b.pdf").exists()
    own = ReportRequest("ledger", filter=CaseFilter(township_id=w.township_id), by_village=True)
    result = render_report(w.ledger, own, tmp_path / "own.pdf", w.verifier, fonts=FontSet.shipped_only())
    assert result.cases == 4


def test_cli_split_writes_one_file_per_village(towns, tmp_path, monkeypatch, capsys):
    import main

    db = str(towns.ledger.engine.url.database)
    monkeypatch.setenv("ZGTZ_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    folder = tmp_path / "分村"
    command = ["report", "ledger", "--db", db, "-o", str(folder), "--township", "城关镇", "--split"]
    code = main.main([*command, "--user", "tongchou", "--password-stdin"])
    printed, errors = capsys.readouterr()
    assert code == 0, errors
    assert len(list(folder.glob("*.pdf"))) == 3 and "共 3 个村，4 个问题" in printed


def test_cli_refuses_split_without_township_or_for_another_report(towns, tmp_path, monkeypatch, capsys):
    import main

    db = str(towns.ledger.engine.url.database)
    monkeypatch.setenv("ZGTZ_KEY_DIR", str(tmp_path / "keys"))
    for extra, said in (
        (["ledger"], "村级台账须选择乡镇"),
        (["weekly", "--township", "城关镇"], "--split（每村一个文件）只用于村级台账"),
    ):
        monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
        command = ["report", *extra, "--db", db, "-o", str(tmp_path / "分村"), "--split"]
        code = main.main([*command, "--user", "tongchou", "--password-stdin"])
        _printed, errors = capsys.readouterr()
        assert code != 0 and said in errors
    assert not (tmp_path / "分村").exists()
