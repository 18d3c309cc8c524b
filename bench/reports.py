"""The printed ledger against plain ReportLab, side by side in one run.

    python bench/reports.py [--db EXISTING.db | --cases N] [--keep DIR] [--profile brief|full|both]

Both render the same canonical ledger lines (fetched once, before either clock starts) to landscape
A4 with the same embedded font and the same column widths, in each column profile of the ledger:
周报简表 ("brief", the default of the program: 13 columns at 7.5 pt) and 完整 ("full": all the columns
that are not constant, at 6 pt; the baseline keeps the 6.5 pt it was first measured with):

  ours      reports/ledger_report.py: rows measured with cached per-character widths, paginated
            knowing the page count, text written as one text object per page
  baseline  one platypus LongTable of Paragraph cells (wordWrap="CJK"), header repeated — what one
            would write with ReportLab out of the box; "第 X 页 共 Y 页" then needs a second pass,
            which the baseline is spared (it prints only "第 X 页")

Goal (issue 18): ours at least 15× faster on a 10,000-case ledger, in both profiles (issue 4 asked
3×). Prints both times, pages, file sizes and the ratio per profile. Both clocks are read: CPU time
of this process (time.process_time) and wall time; the goal is judged on CPU time, which other
programs on a loaded machine disturb far less than the wall clock (both render in one thread).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle  # noqa: E402

from bench.figures import Figure, emit  # noqa: E402
from ledger import open_ledger  # noqa: E402
from ledger.demo import generate  # noqa: E402
from ledger.dto import LEDGER_COLUMNS, CaseFilter  # noqa: E402
from reports.fonts import FontSet  # noqa: E402
from reports.ledger_report import BRIEF_COLUMNS, PROFILES, Signature, ledger_pages  # noqa: E402
from reports.pdf import LANDSCAPE, Document, ReportInfo, Table  # noqa: E402

# The baseline's font size and leading per profile (ours: reports/ledger_report.SIZES).
BASELINE_TYPE = {"brief": (7.5, 9.2), "full": (6.5, 8.0)}


def attribute_of(profile: str, label: str) -> str:
    """The LedgerLine attribute a column of ours shows (户主 of the brief profile names the member too)."""
    if profile == "brief":
        return "subject" if label == "户主" else dict(BRIEF_COLUMNS)[label]
    return dict(LEDGER_COLUMNS)[label]


Clock = tuple[float, float]  # (CPU seconds, wall seconds)


def clock() -> Clock:
    return time.process_time(), time.perf_counter()


def since(started: Clock) -> Clock:
    cpu, wall = clock()
    return cpu - started[0], wall - started[1]


def ours(
    lines, fonts: FontSet, info: ReportInfo, out: Path, profile: str = "full"
) -> tuple[Clock, int, list[tuple[str, float]]]:
    """One profile of the printed ledger, A4 landscape."""
    started = clock()
    doc = Document(out, fonts, info, "问题整改台账", LANDSCAPE)
    signature = Signature("示例县", "bench", "", "2026年1月1日")
    pages = ledger_pages(doc.pen, lines, "示例县问题整改台账", signature, profile=profile)
    doc.render(pages)
    doc.canvas.save()
    doc.temporary.replace(out)
    elapsed = since(started)
    table: Table = next(b.table for b in pages[0] if hasattr(b, "table"))
    return elapsed, len(pages), [(c.label, c.width) for c in table.columns]


def baseline(
    lines, font_name: str, columns: list[tuple[str, float]], out: Path, profile: str = "full"
) -> tuple[Clock, int]:
    started = clock()
    size, leading = BASELINE_TYPE[profile]
    style = ParagraphStyle("cell", fontName=font_name, fontSize=size, leading=leading, wordWrap="CJK")
    head = ParagraphStyle("head", parent=style, alignment=1)
    attrs = [attribute_of(profile, label) for label, _ in columns]
    widths = [w for _, w in columns]
    data = [[Paragraph(label, head) for label, _ in columns]]
    for line in lines:
        data.append([Paragraph(str(getattr(line, a)), style) for a in attrs])
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 1.6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1.6),
            ]
        )
    )
    pages = [0]

    def footer(canvas, doc) -> None:
        pages[0] = doc.page
        canvas.setFont(font_name, 8)
        canvas.drawRightString(landscape(A4)[0] - 10 * mm, 8 * mm, f"第 {doc.page} 页")

    doc = SimpleDocTemplate(
        str(out),
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
    )
    doc.build([table], onFirstPage=footer, onLaterPages=footer)
    return since(started), pages[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="an existing ledger (default: generate one)")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--keep", help="folder for the PDFs (default: a temporary folder)")
    parser.add_argument("--profile", choices=[*PROFILES, "both"], default="both")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="zgtz-bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    db = Path(args.db) if args.db else work / "bench.db"
    import os

    os.environ.setdefault("ZGTZ_DATA_DIR", str(work / "data"))
    if not db.exists():
        print(f"generating a {args.cases:,}-case demo ledger …", file=sys.stderr)
        lg = open_ledger(db)
        generate(lg, args.cases * 107 // 100)  # about 6 % of demo cases are void and not printed
    else:
        lg = open_ledger(db, create=False)
    ids = lg.reporting.case_ids(CaseFilter(include_void=False))[: args.cases]
    lines = list(lg.reporting.ledger_lines(ids))
    lg.close()
    print(f"ledger lines: {len(lines):,}")

    fonts = FontSet.shipped_only()
    info = ReportInfo("示例县", "bench", dt.datetime.now(), 1, "0" * 64)
    ours(lines[:200], fonts, info, work / "warm.pdf")  # font parsing and caches are not the subject
    profiles = list(PROFILES) if args.profile == "both" else [args.profile]
    figures = []
    rows = []
    for profile in profiles:
        ours_s, ours_pages, widths = ours(lines, FontSet.shipped_only(), info, work / f"ours-{profile}.pdf", profile)
        song = fonts.roles["song"].name
        base_s, base_pages = baseline(lines, song, widths, work / f"baseline-{profile}.pdf", profile)
        rows.append((profile, ours_s, ours_pages, base_s, base_pages))
        figures.append(
            Figure("reports", f"打印台账 {len(lines):,} 行（PDF，{PROFILES[profile]}，CPU 时间）", ours_s[0], "s",
                   base_s[0], "一个 LongTable", "比值 ≤ 0.067（快 15 倍）", ours_s[0] * 15 <= base_s[0])
        )  # fmt: skip
    size = lambda p: (work / p).stat().st_size / 1e6  # noqa: E731
    print(f"{'':18} {'CPU s':>9} {'wall s':>9} {'pages':>7} {'MB':>7} {'rows/s':>8}")
    for profile, ours_s, ours_pages, base_s, base_pages in rows:
        for name, (cpu, wall), pages, pdf in (
            (f"ours {profile}", ours_s, ours_pages, f"ours-{profile}.pdf"),
            (f"LongTable {profile}", base_s, base_pages, f"baseline-{profile}.pdf"),
        ):
            print(f"{name:18} {cpu:9.2f} {wall:9.2f} {pages:7} {size(pdf):7.1f} {len(lines) / cpu:8.0f}")
        print(
            f"ratio ({profile}): ours is {base_s[0] / ours_s[0]:.1f}× faster in CPU time (goal ≥ 15×), "
            f"{base_s[1] / ours_s[1]:.1f}× in wall time"
        )
    emit(figures)
    print(f"PDFs in {work}")


if __name__ == "__main__":
    main()
