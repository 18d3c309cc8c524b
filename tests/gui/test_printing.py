"""Printing a generated report (ui/printing.py): real report PDFs rasterised by pdfium into QImages,
and printed on a real QPrinter writing a PDF file (no dialog), read back with pdfinfo; 报表中心's
new fields carried into the ReportRequest, and its 打印 button."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtPrintSupport import QPrinter

from reports.render import ReportRequest, render_report
from tests.gui.guithread import settled
from tests.gui.test_reports_page import pick
from ui.printing import page_sizes, pdf_images, prepare_printer, print_pdf
from ui.reports_page import ReportsPage


def pdfinfo(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def ink(image) -> float:
    """Share of a page's pixels that are not white (sampled on a small copy)."""
    small = image.scaledToWidth(200, Qt.TransformationMode.FastTransformation)
    dark = sum(
        1 for y in range(small.height()) for x in range(small.width()) if QColor(small.pixel(x, y)).lightness() < 200
    )
    return dark / (small.width() * small.height())


def pdf_printer(path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)  # 96 dpi: quick, still every page
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


@pytest.fixture
def reports(qapp, world, tmp_path):
    """A weekly report (portrait, several pages) and a ledger (landscape) of a small real ledger."""
    for state in ("registered", "assigned", "in_progress", "closed", "in_progress", "assigned"):
        world.walk(world.register(), state)
    made = {}
    for kind in ("weekly", "ledger"):
        made[kind] = render_report(
            world.ledger, ReportRequest(kind=kind), tmp_path / f"{kind}.pdf", world.coordinator
        ).path
    return made


def test_a_report_renders_to_page_images(reports):
    for kind, path in reports.items():
        pages = int(pdfinfo(path)["Pages"])
        images = list(pdf_images(path, dpi=72))
        assert len(images) == pages >= 1, kind
        width, height = page_sizes(path)[0]
        first = images[0]
        assert abs(first.width() - width) <= 1 and abs(first.height() - height) <= 1
        assert (first.width() > first.height()) == (kind == "ledger")  # the ledger is landscape
        for image in images:
            assert 0.001 < ink(image) < 0.5, kind  # printed words on white paper, not blank, not black


def test_printing_to_a_pdf_printer_gives_every_page(reports, tmp_path):
    for kind, path in reports.items():
        printed = tmp_path / f"打印-{kind}.pdf"
        printer = pdf_printer(printed)
        prepare_printer(printer, path)
        assert print_pdf(path, printer) == int(pdfinfo(path)["Pages"])
        info, source = pdfinfo(printed), pdfinfo(path)
        assert info["Pages"] == source["Pages"], kind
        # the same sheet, the same way round (A4 portrait for the weekly, landscape for the ledger)
        size = [float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2]]
        want = [float(v) for v in re.findall(r"[\d.]+", source["Page size"])[:2]]
        assert size == pytest.approx(want, abs=2), kind
        # and it carries the page images: the printed file is not empty pages
        assert ink(next(pdf_images(printed, dpi=72))) > 0.001


def test_a_cancelled_print_prints_nothing(qapp, reports, tmp_path):
    printer = pdf_printer(tmp_path / "取消.pdf")
    assert print_pdf(reports["weekly"], printer, cancelled=lambda: True) == 0


def test_the_default_period_follows_the_offices_cut_off_day(qtbot, world, ctx_of):
    world.ledger.reporting.set_week_end(world.coordinator, 4)  # the office reports Saturday..Friday
    page = ReportsPage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    settled(qtbot)  # the default period is read on the operations thread
    pick(page, "weekly")
    start, end = page.period_start.date().toPython(), page.period_end.date().toPython()
    assert (start, end) == world.ledger.reporting.default_period()
    assert end.weekday() == 4 and (end - start).days == 6 and end < world.ledger.today()


def test_reports_page_fields_go_into_the_request_and_the_report_prints(qtbot, world, ctx_of, tmp_path):
    for _ in range(3):
        world.walk(world.register(), "assigned")
    page = ReportsPage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    page.show()
    settled(qtbot)
    pick(page, "weekly")
    today = world.ledger.today()
    assert today.weekday() == 0  # the world's clock: a Monday
    start, end = page.period_start.date().toPython(), page.period_end.date().toPython()
    assert (start, end) == (today - dt.timedelta(days=7), today - dt.timedelta(days=1))
    assert start.weekday() == 0 and end.weekday() == 6
    assert page.period.isEnabled() and page.form.isRowVisible(page.period)
    assert page.form.isRowVisible(page.issue_label) and "自动编号" in page.issue_label.text()
    assert not page.form.isRowVisible(page.profile) and not page.print_button.isEnabled()
    page.reviewer.setText("韩审核")
    page.signer.setText("罗签发")
    page.period_start.setDate(page.period_start.date().addDays(-7))  # two weeks
    request = page.request()
    assert (request.period_start, request.period_end) == (start - dt.timedelta(days=7), end)
    assert (request.reviewer, request.signer) == ("韩审核", "罗签发")

    pick(page, "ledger")
    assert not page.period.isEnabled() and not page.form.isRowVisible(page.period)
    assert page.form.isRowVisible(page.profile) and page.form.isRowVisible(page.paper)
    assert not page.form.isRowVisible(page.signer)
    assert page.profile.currentData() == "brief" and page.paper.currentData() == "A4"
    page.profile.setCurrentIndex(page.profile.findData("full"))
    assert page.paper.currentData() == "A3"  # 30 columns propose A3
    request = page.request()
    assert (request.profile, request.paper, request.reviewer, request.signer) == ("full", "A3", "韩审核", "")
    assert request.period_start is None

    pick(page, "weekly")
    page.target.setText(str(tmp_path / "周报.pdf"))
    assert page.make_report() is True
    assert page.print_button.isEnabled()
    printed = tmp_path / "打印.pdf"
    assert page.print_last(pdf_printer(printed)) == page.last.pages
    assert int(pdfinfo(printed)["Pages"]) == page.last.pages
    assert "已送打印机" in page.status.text()
    # the names are remembered for next week's report
    again = ReportsPage(ctx_of(world.coordinator))
    qtbot.addWidget(again)
    assert (again.reviewer.text(), again.signer.text()) == ("韩审核", "罗签发")


def test_the_closure_form_from_the_case_window(qtbot, world, ctx_of, tmp_path):
    from ui.case_dialog import CaseDialog

    waiting = world.walk(world.register(), "pending_approval")
    working = world.walk(world.register(), "in_progress")
    ctx = ctx_of(world.coordinator)
    busy = CaseDialog(ctx, working.id)
    qtbot.addWidget(busy)
    busy.show()
    assert not busy.closure_button.isVisible()  # nothing to approve yet: no form
    dialog = CaseDialog(ctx, waiting.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.closure_button.isVisible() and dialog.closure_button.text() == "打印销号审批表…"
    offered = []

    def target(default):
        offered.append(default)
        return tmp_path / "审批表" / default.name

    (tmp_path / "审批表").mkdir()
    dialog.ask_target = target
    path = dialog.print_closure_form()
    assert offered[0].name == f"销号审批表-{waiting.number}.pdf"
    assert path == tmp_path / "审批表" / f"销号审批表-{waiting.number}.pdf" and path.exists()
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "销号审批表" in text and waiting.number in text and waiting.household.head_name in text
    box = dialog.closure_offer
    assert box is not None and box.isVisible()
    assert {b.text() for b in box.buttons()} == {"打开", "打印…", "关闭"}
    box.reject()
    printed = tmp_path / "打印-审批表.pdf"
    assert dialog.print_file(path, pdf_printer(printed)) == int(pdfinfo(path)["Pages"])
    assert pdfinfo(printed)["Pages"] == pdfinfo(path)["Pages"]
    # the user closing the file dialog makes nothing
    dialog.ask_target = lambda default: None
    assert dialog.print_closure_form() is None
