"""The program itself: the window (no command given) and the self-check of a build (--smoke-test)."""

from __future__ import annotations


def cmd_smoke(args) -> int:
    """Open (or create) the ledger in the data folder, migrate it, write a PDF and a workbook and read
    them back, verify the audit chain: the check that a build (frozen or not) really works."""
    import re

    from ledger import open_ledger, paths
    from reports.render import ReportRequest, render_report
    from reports.xlsx import Workbook

    folder = paths.data_dir()
    checks: list[tuple[str, bool, str]] = []
    lg = open_ledger(args.db or folder / "台账.db")
    try:
        checks.append(("打开/迁移台账", True, lg.location))
        pdf = folder / "自检-周报.pdf"
        result = render_report(lg, ReportRequest(kind="weekly"), pdf, None)
        data = pdf.read_bytes()
        pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
        checks.append(("生成PDF", data.startswith(b"%PDF") and pages == result.pages, f"{pdf}（{pages} 页）"))
        # what 打印… does with it: pdfium draws the page (the bundle carries its library)
        import pypdfium2  # type: ignore[import-untyped]

        document = pypdfium2.PdfDocument(str(pdf))
        try:
            count = len(document)
            bitmap = document[0].render(scale=0.5)
            width, height = bitmap.width, bitmap.height
            inked = bytes(bitmap.buffer).count(0) > 0  # some black on the white page
            bitmap.close()
        finally:
            document.close()
        checks.append(("打印用页面渲染", count == result.pages and inked, f"第1页 {width}×{height} 像素"))
        # evidence photos on the forms: ReportLab reads PNG and JPEG through Pillow
        import io

        from PIL import Image
        from reportlab.lib.utils import ImageReader

        photo = io.BytesIO()
        Image.new("RGB", (4, 3), (200, 120, 40)).save(photo, "PNG")
        size = ImageReader(io.BytesIO(photo.getvalue())).getSize()
        checks.append(("读取佐证照片", size == (4, 3), "PNG 4×3"))
        book_path = folder / "自检.xlsx"
        with Workbook(book_path) as book:
            sheet = book.add_sheet("自检")
            sheet.append(["检查项", "结果"])
            sheet.append(["台账", lg.location])
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(str(book_path)) as read_back:
            rows = read_back.get_sheet_by_name("自检").to_python()
        checks.append(("写出并读回工作簿", rows == [["检查项", "结果"], ["台账", lg.location]], str(book_path)))
        report = lg.audit.verify()
        checks.append(("审计链校验", report.ok, f"{report.count} 条事件" if report.ok else report.problem))
    finally:
        lg.close()
    for name, ok, detail in checks:
        print(f"{'✓' if ok else '✗'} {name}：{detail}")
    ok = all(ok for _name, ok, _detail in checks)
    print("自检通过。" if ok else "自检未通过。")
    return 0 if ok else 1


def cmd_gui(args) -> int:
    import gc

    # The window's start-up imports SQLAlchemy, Qt's wrappers and our models: ~130,000 objects, and the
    # cyclic collector walked them again and again while they were made (`import ledger` 332–418 ms
    # of CPU with it, 294–349 without, docs/performance.md). Off from main.py's first line until the
    # main window shows (ui/app.py open_main_window), and on again whichever way the start ends.
    gc.disable()
    try:
        from ui.app import run

        return run(args.db)
    finally:
        gc.enable()
