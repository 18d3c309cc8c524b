"""Printing a generated PDF: each page rasterised by pdfium (pypdfium2, the engine of Chrome's PDF
viewer, so the paper shows what a PDF reader shows; Qt's own QtPdf is not in PySide6-Essentials)
and drawn into the printer's page with QPainter. See docs/decisions.md."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from ledger.errors import StorageError

# Enough for 6 pt text and thin rules on any office printer; a 1200 dpi driver would otherwise ask
# for half a gigabyte of pixels per A4 page.
MAX_DPI = 300


def page_sizes(path: Path | str) -> list[tuple[float, float]]:
    """(width, height) of each page in points."""
    doc = pdfium.PdfDocument(str(path))
    try:
        return [doc[i].get_size() for i in range(len(doc))]
    finally:
        doc.close()


def pdf_images(path: Path | str, dpi: float = 150) -> Iterator[QImage]:
    """Each page of the PDF as a QImage at `dpi` (white paper, RGB), one page at a time."""
    doc = pdfium.PdfDocument(str(path))
    try:
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True, optimize_mode="print")
            # RGBx, 4 bytes a pixel: copied out of pdfium's buffer before the bitmap is freed
            image = QImage(
                bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGBX8888
            ).copy()
            image.setDotsPerMeterX(round(dpi / 0.0254))
            image.setDotsPerMeterY(round(dpi / 0.0254))
            bitmap.close()
            page.close()
            yield image
    finally:
        doc.close()


def prepare_printer(printer: QPrinter, path: Path | str) -> None:
    """Paper size and orientation from the PDF's first page (A4/A3, portrait/landscape), so the
    print dialog starts on the paper the report was laid out for."""
    sizes = page_sizes(path)
    if not sizes:
        return
    width, height = sizes[0]
    portrait = QSizeF(min(width, height), max(width, height))
    size = QPageSize(portrait, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    orientation = QPageLayout.Orientation.Landscape if width > height else QPageLayout.Orientation.Portrait
    printer.setPageSize(size)
    printer.setPageOrientation(orientation)
    printer.setFullPage(True)  # the PDF has its own margins: place the whole sheet


def print_pdf(
    path: Path | str,
    printer: QPrinter,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Print every page of the PDF on `printer` (already set up, e.g. by QPrintDialog); each page is
    scaled to fit the printer's page, centred, aspect kept. Returns the number of pages printed
    (the job is aborted, nothing reaches the printer, when `cancelled()` turns true).
    QPainter on a QPrinter may run in a worker thread, so this can run behind a progress bar."""
    dpi = min(max(printer.resolution(), 72), MAX_DPI)
    total = len(page_sizes(path))
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("无法开始打印（打印机不可用或输出文件无法写入）")
    printed = 0
    try:
        for image in pdf_images(path, dpi):
            if cancelled is not None and cancelled():
                printer.abort()
                return 0
            if printed:
                printer.newPage()
            area = QRectF(printer.pageRect(QPrinter.Unit.DevicePixel))
            area.moveTo(0, 0)  # painter coordinates start at the page rect's corner
            scale = min(area.width() / image.width(), area.height() / image.height())
            target = QRectF(0, 0, image.width() * scale, image.height() * scale)
            target.moveCenter(area.center())
            painter.drawImage(target, image)
            printed += 1
            if progress is not None:
                progress(printed, total)
    finally:
        painter.end()
    return printed


def choose_printer(parent: QWidget | None, path: Path | str) -> QPrinter | None:
    """The system print dialog, starting on the PDF's paper; None when the user cancels."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    prepare_printer(printer, path)
    printer.setDocName(Path(path).stem)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("打印")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


def print_with_progress(parent: QWidget | None, path: Path | str, printer: QPrinter | None = None) -> int:
    """Print the PDF behind a progress bar with a cancel button: on `printer` when given (set up by
    the caller, as a test does), else on the one chosen in the print dialog. Pages printed, 0 when
    cancelled."""
    from ui.tasks import run_with_progress

    if printer is None:
        printer = choose_printer(parent, path)
        if printer is None:
            return 0
    chosen = printer

    def work(progress, cancelled) -> int:
        try:
            return print_pdf(path, chosen, progress, cancelled)
        except OSError as err:  # shown as a message, not a crash
            raise StorageError(f"打印未完成：{err}") from err

    ok, pages = run_with_progress(parent, "打印", f"正在打印 {Path(path).name}（可随时取消）…", work)
    return int(pages or 0) if ok else 0
