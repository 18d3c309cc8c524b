"""A small layout engine on ReportLab's canvas: text in runs of embedded fonts, line breaking for
Chinese, tables whose header repeats on every page, a paginator that knows the page count before
the first page is drawn ("第 X 页 共 Y 页"), and the common footer (制表单位/制表人/打印时间, the
audit chain head).

Why not platypus: a 10,000-row LongTable spends most of its time in generic flowable machinery
(ENGINEERING.md: 16.6 s). Rows here are measured once with cached per-character widths and drawn
with one text object per page; bench/reports.py compares the two in one run.

The engine in four modules, all its names importable from here:
  reports/pen.py     the Pen: measuring, line breaking, writing text operators
  reports/blocks.py  Block and its simple kinds, paginate, the Page drawn on, shared colours
  reports/tables.py  Column, Table (fit, header, rows, bands)
  reports/pdf.py     ReportInfo, page layouts, the Document that renders pages to a file
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.colors import black
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ledger.errors import LedgerError
from ledger.opening import check_path_length
from reports.blocks import (
    GREEN,
    GREY,
    LIGHT_COLORS,
    LIGHT_GREY,
    RED,
    YELLOW,
    Block,
    Drawing,
    Line,
    Page,
    PageBreak,
    Spacer,
    Stack,
    paginate,
    paragraph,
)
from reports.fonts import FontSet
from reports.pen import NO_LINE_END, NO_LINE_START, WORD_BREAKS, Pen, Run, WordIndex, tokens
from reports.tables import Column, Table

__all__ = [
    "A3_LANDSCAPE",
    "GREEN",
    "GREY",
    "LANDSCAPE",
    "LIGHT_COLORS",
    "LIGHT_GREY",
    "NO_LINE_END",
    "NO_LINE_START",
    "PORTRAIT",
    "RED",
    "WORD_BREAKS",
    "YELLOW",
    "Block",
    "Cancelled",
    "Column",
    "Document",
    "Drawing",
    "Layout",
    "Line",
    "Page",
    "PageBreak",
    "Pen",
    "Progress",
    "ReportInfo",
    "Run",
    "Spacer",
    "Stack",
    "Table",
    "WordIndex",
    "cn_date",
    "paginate",
    "paragraph",
    "tokens",
]


class Cancelled(LedgerError):
    """The user cancelled a long render; nothing was written."""

    def __init__(self, message: str = "已取消，未生成报表文件。"):
        super().__init__(message)


@dataclass(frozen=True)
class ReportInfo:
    """What every page's footer says."""

    unit: str  # 制表单位
    author: str  # 制表人
    printed_at: dt.datetime
    audit_seq: int
    audit_hash: str
    masked: bool = True
    reviewer: str = ""  # 审核人, where the report has one

    def footer_left(self) -> str:
        return f"制表单位：{self.unit}    制表人：{self.author}    打印时间：{self.printed_at:%Y-%m-%d %H:%M}"

    def footer_audit(self) -> str:
        privacy = "身份证号、电话已脱敏" if self.masked else "含完整身份证号、电话，注意保密"
        return f"审计链头：第 {self.audit_seq} 号 {self.audit_hash[:16]}    {privacy}"


@dataclass
class Layout:
    """Page size and margins (points)."""

    pagesize: tuple[float, float] = A4
    left: float = 15 * mm
    right: float = 15 * mm
    top: float = 15 * mm
    bottom: float = 17 * mm

    @property
    def frame_width(self) -> float:
        return self.pagesize[0] - self.left - self.right

    @property
    def frame_height(self) -> float:
        return self.pagesize[1] - self.top - self.bottom


PORTRAIT = Layout()
LANDSCAPE = Layout(pagesize=landscape(A4), left=10 * mm, right=10 * mm, top=12 * mm, bottom=15 * mm)
A3_LANDSCAPE = Layout(pagesize=landscape(A3), left=12 * mm, right=12 * mm, top=14 * mm, bottom=17 * mm)

Progress = Callable[[int, int], None]


class Document:
    """One PDF written to a temporary file beside the target and renamed when complete."""

    def __init__(self, target: Path, fonts: FontSet, info: ReportInfo, title: str, layout: Layout = PORTRAIT):
        self.target = Path(target)
        check_path_length(self.target.with_name(self.target.name + ".part"))
        self.fonts = fonts
        self.info = info
        self.title = title
        self.layout = layout
        self.temporary = self.target.with_name(self.target.name + ".part")
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.canvas = Canvas(
            str(self.temporary),
            pagesize=layout.pagesize,
            initialFontName=fonts.roles["song"].name,
            initialFontSize=10,
            pageCompression=1,
        )
        self.canvas.setTitle(title)
        self.canvas.setAuthor(info.author)
        self.canvas.setCreator("整改台账")
        self.canvas.setSubject(info.unit)
        self.pen = Pen(self.canvas, fonts)
        self.pages = 0

    def render(
        self,
        pages: list[list[Block]],
        *,
        footer: Callable[[Page, int, int], None] | None = None,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        layouts: Sequence[Layout] | None = None,
    ) -> None:
        total = len(pages)
        self.fonts.record = False  # everything drawn now was laid out (and checked) before
        for number, blocks in enumerate(pages, 1):
            if cancelled is not None and cancelled():
                raise Cancelled()
            layout = layouts[number - 1] if layouts else self.layout
            if layout.pagesize != self.layout.pagesize or number == 1:
                self.canvas.setPageSize(layout.pagesize)
            page = Page(self.canvas, self.pen)
            top = layout.pagesize[1] - layout.top
            for block in blocks:
                block.draw(page, layout.left, top, layout.frame_width)
                top -= block.height
            page.flush()
            (footer or self.standard_footer)(page, number, total)
            self.pen.flush()
            self.canvas.showPage()
            self.pages = number
            if progress is not None:
                progress(number, total)

    def standard_footer(self, page: Page, number: int, total: int, layout: Layout | None = None) -> None:
        layout = layout or self.layout
        width = layout.pagesize[0]
        # the lower line stays clear of the sheet's outer 8 mm (where printers cut off)
        low = max(layout.bottom - 6 * mm - 9, 8.6 * mm)
        y = low + 8.5
        pen = self.pen
        pen.draw(layout.left, y, self.info.footer_left(), 7.5, "song", color=GREY)
        pen.draw(width - layout.right, y, f"第 {number} 页 共 {total} 页", 8, "song", "right")
        pen.draw(layout.left, low, self.info.footer_audit(), 6.5, "song", color=GREY)
        self.canvas.setStrokeColor(GREY)
        self.canvas.setLineWidth(0.3)
        self.canvas.line(layout.left, y + 8, width - layout.right, y + 8)
        self.canvas.setStrokeColor(black)

    def discard(self) -> None:
        self.temporary.unlink(missing_ok=True)


def cn_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"
