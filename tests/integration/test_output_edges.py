"""What the printed forms and workbooks do at their edges (issue 13 item 6 g, h, j): numbers inside
free text masked like the ID and phone columns, no text cut silently in a PDF, no cell over Excel's
32,767-character limit."""

from __future__ import annotations

import re
import subprocess

from python_calamine import CalamineWorkbook
from sqlalchemy import update

from ledger.ids import mask, mask_free_text, mask_phone
from ledger.models import Case
from reports.excel import ExportRequest, export_fillin, export_workbook
from reports.render import ReportRequest, render_report
from reports.xlsx import MAX_CELL
from tests.world import PASSWORD, fresh_id_number


def pdf_text(path) -> str:
    return re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout)


def book_text(path) -> str:
    with CalamineWorkbook.from_path(str(path)) as book:
        return "\n".join(
            str(cell) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for cell in row
        )


def test_mask_free_text():
    number = fresh_id_number("19800808")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    text = f"户主身份证{number}，电话13912345678；错号{wrong}；订单号139876543210；座机0371-63456789"
    masked = mask_free_text(text)
    assert number not in masked and "13912345678" not in masked
    assert mask(number) in masked and mask_phone("13912345678") in masked
    assert wrong in masked and "139876543210" in masked and "0371-63456789" in masked  # not IDs or mobiles
    assert mask_free_text(None) == "" and mask_free_text("无号码") == "无号码"


def test_numbers_in_free_text_are_masked_in_every_masked_output(world, tmp_path):
    lg = world.ledger
    number, phone = fresh_id_number("19800808"), "13912345678"
    household = world.household(head_name="周海燕")
    case = world.register(
        household=household,
        description=f"其子身份证号{number}，户口待迁，联系人电话{phone}",
        remarks=f"村支书电话{phone}",
    )
    case = world.walk(case, "in_progress")
    lg.cases.add_progress(world.officer, case.id, world.clock.now.date(), f"已电话联系{phone}，证件{number}已核")
    closed = world.walk(lg.cases.get(case.id), "closed")
    late = world.register("water.quantity", household=household, description=f"饮水问题，联系{phone}")
    late = world.walk(late, "assigned")
    world.clock.advance(days=400)  # `late` is now overdue: it appears in the 督办函

    outputs = {
        "handoff": export_workbook(lg, ExportRequest(), tmp_path / "上报台账.xlsx", world.coordinator).path,
        "fillin": export_fillin(lg, world.zjj_id, tmp_path / "填报表.xlsx", world.coordinator).path,
    }
    for kind, extra in (
        ("ledger", {}),
        ("closure", {"case_number": closed.number}),
        ("household", {"household_id": household.id}),
        ("letter", {}),
    ):
        request = ReportRequest(kind=kind, **extra)
        if kind == "letter":
            from reports.render import build_filter

            request = ReportRequest(kind=kind, filter=build_filter(lg, department="县住建局"))
        render_report(lg, request, tmp_path / f"{kind}.pdf", world.coordinator)
        outputs[kind] = tmp_path / f"{kind}.pdf"
    for kind, path in outputs.items():
        text = book_text(path) if path.suffix == ".xlsx" else pdf_text(path)
        assert number not in text and phone not in text, kind
        if kind != "letter":  # the letter's table wraps the masked number across lines
            assert mask_phone(phone) in text, kind
    assert mask(number) in pdf_text(outputs["household"])  # the progress note, masked

    # The masked handoff read back unchanged changes nothing (the masked text is not an edit).
    plan = lg.imports.prepare(lg.imports.read(outputs["handoff"]), world.coordinator)
    assert not [u for u in plan.updates if {"description", "remarks"} & set(u["changes"])]

    # With the unmask right and a reason, the full numbers are printed (nothing over-masked).
    full = tmp_path / "完整.pdf"
    lg.users.confirm_password(world.coordinator, PASSWORD)
    render_report(lg, ReportRequest(kind="ledger", unmask=True, reason="核对户籍迁移信息"), full, world.coordinator)
    assert phone in pdf_text(full)
    full.unlink()  # keep the session's outputs free of full numbers


def test_long_text_is_printed_whole_on_continuation_rows(world, tmp_path):
    head, tail = "描述开头甲乙丙", "描述结尾壬癸"
    description = head + "裂" * (2000 - len(head) - len(tail)) + tail
    case = world.register(description=description)
    for kind, extra in (("ledger", {}), ("closure", {"case_number": case.number})):
        out = tmp_path / f"{kind}.pdf"
        render_report(world.ledger, ReportRequest(kind=kind, **extra), out, world.coordinator)
        text = pdf_text(out)
        assert head in text and tail in text, kind
        assert text.count("裂") >= description.count("裂"), kind


def test_a_timetable_label_cut_says_how_much_was_left_out(world, tmp_path):
    household = world.household(head_name="欧阳" + "长" * 40)  # a long name in a narrow label column
    world.walk(world.register(household=household), "assigned")
    out = tmp_path / "时间表.pdf"
    render_report(world.ledger, ReportRequest(kind="timetable"), out, world.coordinator)
    assert re.search(r"…余\d+字", pdf_text(out))


def test_no_cell_exceeds_excels_limit(world, tmp_path):
    case = world.register()
    huge = "长" * 40_000 + "末尾"  # text from before the limits (or written by another program)
    with world.ledger.unit_of_work() as s:
        s.execute(update(Case).where(Case.id == case.id).values(description=huge))
    out = export_workbook(world.ledger, ExportRequest(), tmp_path / "台账.xlsx", world.coordinator).path
    with CalamineWorkbook.from_path(str(out)) as book:
        cells = [c for row in book.get_sheet_by_name("问题台账").to_python() for c in row if isinstance(c, str)]
    longest = max(cells, key=len)
    assert len(longest) <= MAX_CELL
    assert longest.startswith("长" * 100) and longest.endswith("…（已截断，全文共40002字）")


def test_an_aborted_workbook_closes_its_open_sheet_and_leaves_no_file(tmp_path):
    """A cancel in the middle of a sheet: the sheet's entry is closed before the package, so the
    package's file is closed (Windows would not remove an open file) and removed."""
    from reports.xlsx import Workbook

    book = Workbook(tmp_path / "上报台账.xlsx")
    sheet = book.add_sheet("问题台账")
    for i in range(3000):
        sheet.append([f"990101-2026-{i:06d}", "房屋漏雨"])
    book.abort()
    assert book._zip.fp is None  # closed, not left open behind a refused close
    assert not list(tmp_path.iterdir())
