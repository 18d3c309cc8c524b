"""The 整改时间表 as printed from the demo ledgers (2,000 and 20,000 cases): read back with poppler
(pdftotext -bbox, pdftoppm -gray), never past the margins, no overlapping or broken words, labels of
8 pt and more, 逾期 in the 状态 column, （续） on continuation pages, and the three kinds of bar
telling apart on a black-and-white printer."""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from ledger.dto import CaseFilter, TimetableBar
from ledger.models import Case
from ledger.services.queries import DEADLINE_STATES
from reports import timetable
from reports.fonts import FontSet
from reports.pdf import LANDSCAPE
from reports.render import ReportRequest, render_report
from tests import pdfcheck

MM = 72 / 25.4
FOOTER = 15 * MM  # LANDSCAPE's bottom margin: the shared page footer lives below it


def busiest(lg, states: tuple[str, ...]) -> tuple[int, int | None]:
    """(department, township) with the most cases in `states`: the department alone at 2,000
    cases, narrowed to its busiest township at 20,000 so the test prints a few hundred rows."""
    with lg.reading() as s:
        dept = s.execute(
            select(Case.lead_department_id, func.count())
            .where(Case.state.in_(states), Case.lead_department_id.is_not(None))
            .group_by(Case.lead_department_id)
            .order_by(func.count().desc())
        ).first()[0]
        total = s.scalar(select(func.count()).where(Case.state.in_(states), Case.lead_department_id == dept))
        if total <= 600:
            return dept, None
        township = s.execute(
            select(Case.township_id, func.count())
            .where(Case.state.in_(states), Case.lead_department_id == dept)
            .group_by(Case.township_id)
            .order_by(func.count().desc())
        ).first()[0]
    return dept, township


def print_timetable(lg, actor, out: Path, states: tuple[str, ...] = ()) -> tuple[CaseFilter, list[TimetableBar]]:
    dept, township = busiest(lg, states or DEADLINE_STATES)
    f = CaseFilter(department_id=dept, township_id=township, states=states, include_void=False)
    render_report(lg, ReportRequest("timetable", filter=f), out, actor)
    ids = lg.reporting.case_ids(CaseFilter(**{**f.__dict__, "states": states or DEADLINE_STATES}), order="deadline")
    return f, lg.reporting.timetable(ids)


def test_timetable_pages_are_clean_with_date_columns_and_continued_groups(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        out = tmp_path / "时间表.pdf"
        f, bars = print_timetable(lg, actor, out)
        department = lg.catalog.departments[f.department_id].name
    finally:
        lg.close()
    problems = pdfcheck.check(out, demo_ledger.terms())
    assert not problems, "\n".join(problems[:20])
    pages = pdfcheck.read(out)
    assert len(pages) >= 2
    text = pdfcheck.text_of(pages)
    for heading in ("问题编号", "状态", "交办日", "整改时限"):
        assert heading in text
    # 交办日 and 整改时限 as text, one date format in the cells
    words = {w.text for p in pages for w in p.words}
    for bar in bars[:50]:
        assert f"{bar.start:%Y-%m-%d}" in words and f"{bar.deadline:%Y-%m-%d}" in words
    # every page after the first goes on with the department's group, headed "…（续）"
    for page in pages[1:]:
        assert f"{department}（续）" in "".join(line.text for line in page.lines), page.number
    # labels of 8 pt and more: pdftotext boxes a glyph of size s about s high (the footer shared by
    # every report kind is left out)
    body = [w for p in pages for w in p.words if w.y1 < p.height - FOOTER]
    smallest = min(w.y1 - w.y0 for w in body)
    assert smallest >= 7.8, smallest


def test_overdue_rows_say_overdue_in_the_state_column(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        out = tmp_path / "时间表.pdf"
        _, bars = print_timetable(lg, actor, out)
        layout = timetable.plan(FontSet.discover(), bars, lg.today())
    finally:
        lg.close()
    state_x0 = LANDSCAPE.left + sum(layout.widths[:3])
    state_x1 = state_x0 + layout.widths[3]
    by_number = {b.number: b for b in bars}
    seen = {True: 0, False: 0}
    for page in pdfcheck.read(out, 1, 3):
        for word in page.words:
            bar = by_number.get(word.text)
            if bar is None:
                continue
            row = [
                w
                for w in page.words
                if abs((w.y0 + w.y1) / 2 - (word.y0 + word.y1) / 2) < 3 and state_x0 <= w.x0 and w.x1 <= state_x1
            ]
            state = "".join(w.text for w in row)
            assert state.startswith(bar.state), (bar.number, state)
            assert ("逾期" in state) is bar.overdue, (bar.number, state)
            seen[bar.overdue] += 1
    assert seen[True] and seen[False], seen


def _crop(image: Image.Image, dpi: float, x0: float, x1: float, y_mid_top: float) -> list[int]:
    """Grey values inside a bar: from x0 to x1 points, 2 points either side of its middle line
    (measured from the top of the page)."""
    k = dpi / 72
    box = (round(x0 * k), round((y_mid_top - 2) * k), round(x1 * k), round((y_mid_top + 2) * k))
    return list(image.crop(box).tobytes())


def test_the_three_kinds_of_bar_differ_in_a_greyscale_print(demo_ledger, tmp_path):
    lg, actor = demo_ledger.open()
    try:
        out = tmp_path / "时间表.pdf"
        _, bars = print_timetable(lg, actor, out, states=(*DEADLINE_STATES, "closed"))
        today = lg.today()
        layout = timetable.plan(FontSet.discover(), bars, today)
    finally:
        lg.close()
    axis = layout.axis
    plot = LANDSCAPE.left + layout.plot_x
    by_number = {b.number: b for b in bars}

    def span(bar: TimetableBar) -> tuple[str, dt.date, dt.date] | None:
        """The kind of bar to sample in this row, and the days it covers, clear of milestone
        diamonds and of the dashed line marking today."""
        if bar.closed:
            kind, start, end = "closed", bar.start, bar.closed
        elif bar.overdue and bar.deadline:
            kind, start, end = "overdue", bar.deadline, today
        elif bar.deadline and bar.deadline > today:
            kind, start, end = "open", bar.start, bar.deadline
        else:
            return None
        for _, day in bar.milestones:
            end = min(end, day)
        return kind, start, end

    dpi = 100
    samples: dict[str, list[int]] = {}
    for page in pdfcheck.read(out):
        wanted = {}
        for word in page.words:
            bar = by_number.get(word.text)
            found = span(bar) if bar else None
            if found is None or found[0] in samples or found[0] in wanted:
                continue
            kind, start, end = found
            x0, x1 = plot + axis.x(start) + 3, plot + axis.x(end) - 6
            if x1 - x0 >= 12:
                wanted[kind] = (x0, x1, (word.y0 + word.y1) / 2)
        if wanted:  # the page as a monochrome printer gets it
            prefix = tmp_path / f"grey{page.number}"
            number = str(page.number)
            command = ["pdftoppm", "-gray", "-r", str(dpi), "-f", number, "-l", number, "-singlefile"]
            subprocess.run([*command, str(out), str(prefix)], check=True)
            image = Image.open(f"{prefix}.pgm").convert("L")
            samples |= {kind: _crop(image, dpi, *where) for kind, where in wanted.items()}
        if len(samples) == 3:
            break
    assert len(samples) == 3, f"found bars of {sorted(samples)} only"
    stats = {kind: (statistics.fmean(px), statistics.pstdev(px)) for kind, px in samples.items()}
    kinds = sorted(stats)
    for i, a in enumerate(kinds):
        for b in kinds[i + 1 :]:
            (mean_a, sd_a), (mean_b, sd_b) = stats[a], stats[b]
            assert abs(mean_a - mean_b) > 20 or abs(sd_a - sd_b) > 20, stats
    # solid fill, hatching, outline only
    assert stats["open"][1] < 12 and stats["overdue"][1] > 25 and stats["closed"][0] > 235, stats
