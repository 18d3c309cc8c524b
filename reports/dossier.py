"""Per-case and per-household paper: 销号审批表 (one page per case, sign-off blocks, evidence list
with hashes, a QR code of the case and its content hash) and 一户一档 (the household, all its cases
in date order, evidence thumbnails, a QR code for the household)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from ledger.dto import CaseView, HouseholdView, MemberView, SignOffView
from reports.pdf import (
    GREY,
    PORTRAIT,
    RED,
    Block,
    Column,
    Drawing,
    Line,
    Page,
    PageBreak,
    Pen,
    Spacer,
    Table,
    paginate,
    paragraph,
)

QR_SIZE = 30 * mm


def draw_qr(page: Page, value: str, x: float, y: float, size: float = QR_SIZE) -> None:
    """The QR symbol as filled squares (ReportLab's encoder; its widget renderer would set a
    non-embedded Helvetica on the page). A quiet zone of two modules is left around it."""
    qr = QRCode(None, QRErrorCorrectLevel.M)
    qr.addData(value)
    qr.make()
    count = qr.getModuleCount()
    cell = size / (count + 4)
    c = page.canvas
    c.setFillColor(black)
    path = c.beginPath()
    for r, row in enumerate(qr.modules):
        for col, dark in enumerate(row):
            if dark:
                path.rect(x + (col + 2) * cell, y + size - (r + 3) * cell, cell, cell)
    c.drawPath(path, stroke=0, fill=1)


def case_qr_value(ledger_uuid: str, case: CaseView) -> str:
    return f"ZGTZ:CASE:{ledger_uuid}:{case.number}:{case.content_hash}"


def household_qr_value(ledger_uuid: str, household: HouseholdView, masked_id: str) -> str:
    return f"ZGTZ:HH:{ledger_uuid}:{household.id}:{masked_id}"


def _pairs_table(
    pen: Pen, rows: Sequence[tuple[str, str, str, str] | tuple[str, str]], width: float, size: float = 10
) -> list[Block]:
    """Label/value rows as a form: four columns, or a label and a value across the full width."""
    label_w = 22 * mm
    four = Table(
        pen,
        [
            Column("", label_w, "center"),
            Column("", width / 2 - label_w),
            Column("", label_w, "center"),
            Column("", width / 2 - label_w),
        ],
        size=size,
        pad=4,
    )
    two = Table(pen, [Column("", label_w, "center"), Column("", width - label_w)], size=size, pad=4)
    blocks: list[Block] = []
    for row in rows:
        block = four.row(row) if len(row) == 4 else two.row(row)
        block.header = None
        blocks.append(block)
    return blocks


def _signoff_box(pen: Pen, heading: str, signoff: SignOffView | None, fallback: str, width: float) -> Block:
    """One sign-off block: the heading, the opinion, and the signer and date at the bottom right."""
    opinion = signoff.opinion if signoff else fallback
    lines = pen.wrap(opinion or "", width - 30 * mm - 8, 10, "song") if opinion else []
    height = max(62.0, 26 + len(lines) * 14 + 18)

    def draw(page: Page, x: float, top: float, w: float) -> None:
        c = page.canvas
        c.setLineWidth(0.5)
        c.rect(x, top - height, w, height)
        c.line(x + 30 * mm, top, x + 30 * mm, top - height)
        page.pen.draw(x + 15 * mm, top - height / 2 - 4, heading, 10.5, "hei", "center")
        y = top - 16
        for line in lines:
            page.pen.draw(x + 30 * mm + 5, y, line, 10)
            y -= 14
        if signoff is not None:
            who = f"签字：{signoff.signer_name}" + (
                f"（{signoff.recorded_by}代录，附签字表）" if signoff.on_behalf else ""
            )
            page.pen.draw(x + w - 6, top - height + 20, who, 9.5, "song", "right")
            page.pen.draw(x + w - 6, top - height + 7, f"{signoff.signed_at:%Y年%m月%d日 %H:%M}", 9.5, "song", "right")
            if signoff.changed_since:
                page.pen.draw(x + 30 * mm + 5, top - height + 7, "注意：签批后问题内容已变更", 8.5, "song", color=RED)
        else:
            page.pen.draw(x + w - 6, top - height + 20, "签字：", 9.5, "song", "right")
            page.pen.draw(x + w - 6, top - height + 7, "年    月    日", 9.5, "song", "right")

    return Drawing(height, draw)


def _latest(case: CaseView, meaning: str) -> SignOffView | None:
    found = [s for s in case.signoffs if s.meaning == meaning]
    return found[-1] if found else None


def closure_pages(
    pen: Pen,
    cases: Sequence[CaseView],
    ledger_uuid: str,
    county: str,
    mask: Callable[[str], str],
    mask_phone: Callable[[str], str],
) -> list[list[Block]]:
    width = PORTRAIT.frame_width
    blocks: list[Block] = []
    for index, case in enumerate(cases):
        pen.fonts.context = case.number
        h = case.household
        if index:
            blocks.append(PageBreak())
        qr = case_qr_value(ledger_uuid, case)

        def head(page: Page, x: float, top: float, w: float, case: CaseView = case, qr: str = qr) -> None:
            page.pen.draw(
                x + (w - QR_SIZE) / 2, top - 26, f"{county}“两不愁三保障”问题整改销号审批表", 17, "title", "center"
            )
            page.pen.draw(x, top - 56, f"问题编号：{case.number}", 10.5, "song")
            page.pen.draw(x, top - 72, f"当前状态：{case.state_name}", 10.5, "song")
            draw_qr(page, qr, x + w - QR_SIZE, top - QR_SIZE - 2)
            page.pen.draw(
                x + w - QR_SIZE / 2,
                top - QR_SIZE - 10,
                f"内容摘要 {case.content_hash[:12]}",
                6.5,
                "song",
                "center",
                GREY,
            )

        blocks.append(Drawing(QR_SIZE + 16, head))
        blocks += _pairs_table(
            pen,
            [
                (
                    "乡镇/村",
                    f"{case.township_name} {case.village_name} {h.group_name}".strip(),
                    "户主姓名",
                    h.head_name,
                ),
                ("身份证号", mask(h.head_id_number), "联系电话", mask_phone(h.phone)),
                ("户类型", h.kind, "家庭人口", f"{h.size}人"),
                (
                    "问题类别",
                    f"{case.category_name}—{case.subcategory_name}",
                    "发现方式",
                    f"{case.source} {case.found_date:%Y-%m-%d}",
                ),
                ("问题描述", case.description),
                ("牵头单位", case.lead_department_name, "配合单位", case.assisting_departments),
                ("责任人", case.responsible_person, "整改时限", f"{case.deadline:%Y-%m-%d}" if case.deadline else ""),
                ("整改措施", case.measures),
                (
                    "完成时间",
                    f"{case.completion_date:%Y-%m-%d}" if case.completion_date else "",
                    "销号时间",
                    f"{case.closed_date:%Y-%m-%d}" if case.closed_date else "",
                ),
            ],
            width,
        )
        blocks.append(Spacer(3 * mm))
        done = f"已按整改措施完成整改，完成时间{case.completion_date:%Y年%m月%d日}。" if case.completion_date else ""
        blocks.append(_signoff_box(pen, "责任单位意见", None, done, width))
        blocks.append(_signoff_box(pen, "乡镇核验意见", _latest(case, "核验"), "", width))
        blocks.append(_signoff_box(pen, "县级审批意见", _latest(case, "审批"), "", width))
        blocks.append(Spacer(3 * mm))
        blocks.append(Line(f"佐证材料（{len(case.evidence)}份）", 10.5, "hei", leading=18, keep_with_next=True))
        if case.evidence:
            table = Table(
                pen,
                [
                    Column("序号", align="center"),
                    Column("类型"),
                    Column("文件名"),
                    Column("大小", align="right"),
                    Column("SHA-256 校验值"),
                ],
                size=7.5,
                pad=2.5,
            )
            rows = [
                (i, e.kind_name, e.original_name, f"{e.size / 1024:.1f} KB", e.sha256)
                for i, e in enumerate(case.evidence, 1)
            ]
            table.fit(width, rows)
            blocks.append(table.header_block)
            blocks += [table.row(r) for r in rows]
        else:
            blocks.append(Line("（无）", 10, "song"))
    return paginate(blocks, PORTRAIT.frame_height)


def household_pages(
    pen: Pen,
    household: HouseholdView,
    place: str,
    members: Sequence[MemberView],
    cases: Sequence[CaseView],
    ledger_uuid: str,
    county: str,
    mask: Callable[[str], str],
    mask_phone: Callable[[str], str],
    image: Callable[[str], bytes | None],
) -> list[list[Block]]:
    width = PORTRAIT.frame_width
    h = household
    pen.fonts.context = f"户主 {mask(h.head_id_number)}"
    qr = household_qr_value(ledger_uuid, h, mask(h.head_id_number))

    def head(page: Page, x: float, top: float, w: float) -> None:
        page.pen.draw(x + (w - QR_SIZE) / 2, top - 26, f"{county}“两不愁三保障”一户一档", 17, "title", "center")
        page.pen.draw(x, top - 56, f"户主：{h.head_name}    {place}", 10.5)
        page.pen.draw(
            x,
            top - 72,
            f"问题共 {len(cases)} 个，其中未销号 {sum(1 for c in cases if c.state not in ('closed', 'void'))} 个",
            10.5,
        )
        draw_qr(page, qr, x + w - QR_SIZE, top - QR_SIZE - 2)
        page.pen.draw(x + w - QR_SIZE / 2, top - QR_SIZE - 10, "一户一码", 6.5, "song", "center", GREY)

    blocks: list[Block] = [Drawing(QR_SIZE + 16, head)]
    blocks += _pairs_table(
        pen,
        [
            ("户主姓名", h.head_name, "身份证号", mask(h.head_id_number)),
            ("户类型", h.kind, "家庭人口", f"{h.size}人"),
            ("住址", place, "联系电话", mask_phone(h.phone)),
        ],
        width,
    )
    blocks.append(Spacer(3 * mm))
    blocks.append(Line("家庭成员", 11, "hei", leading=20, keep_with_next=True))
    if members:
        health = any(m.health for m in members)  # only filled in for a reader with that right
        columns = [Column("姓名"), Column("与户主关系", align="center"), Column("身份证号", align="center")]
        table = Table(pen, columns + ([Column("健康/残疾状况")] if health else []), size=9.5, pad=3)
        rows = [(m.name, m.relation, mask(m.id_number)) + ((m.health,) if health else ()) for m in members]
        table.fit(width, rows)
        blocks += [table.header_block, *(table.row(r) for r in rows)]
    else:
        blocks.append(Line("（仅户主一人登记）", 10, "song"))
    for index, case in enumerate(cases, 1):
        pen.fonts.context = case.number
        blocks.append(Spacer(4 * mm))
        blocks.append(
            Line(
                f"问题{index}：{case.number}  {case.category_name}—{case.subcategory_name}  【{case.state_name}】",
                11,
                "hei",
                leading=20,
                keep_with_next=True,
            )
        )
        facts = [
            ("问题描述", case.description),
            ("发现", f"{case.source} {case.found_date:%Y-%m-%d}"),
            ("责任单位", f"{case.lead_department_name} {case.responsible_person}".strip() or "（未交办）"),
            ("整改时限", f"{case.deadline:%Y-%m-%d}" if case.deadline else "（未定）"),
            ("整改措施", case.measures or "（未填写）"),
        ]
        if case.closed_date:
            facts.append(("销号时间", f"{case.closed_date:%Y-%m-%d}"))
        for note in case.progress:
            facts.append(("进度", f"{note.note_date:%Y-%m-%d} {note.text}（{note.author}）"))
        for so in case.signoffs:
            facts.append((so.meaning, f"{so.signer_name} {so.signed_at:%Y-%m-%d} {so.opinion}"))
        blocks += _pairs_table(pen, facts, width, size=9.5)
        thumbs = [(e.kind_name, e.sha256) for e in case.evidence if e.mime.startswith("image/")]
        others = [e for e in case.evidence if not e.mime.startswith("image/")]
        if thumbs:
            blocks.append(_thumbnails(thumbs, image))
        if others:
            blocks += paragraph(
                pen, "其他材料：" + "；".join(f"{e.kind_name}（{e.original_name}）" for e in others), width, 9
            )
    return paginate(blocks, PORTRAIT.frame_height)


def _thumbnails(items: Sequence[tuple[str, str]], image: Callable[[str], bytes | None]) -> Block:
    size, gap, per_row = 28 * mm, 4 * mm, 6
    rows = (len(items) + per_row - 1) // per_row
    height = rows * (size + 14) + 6

    def draw(page: Page, x: float, top: float, w: float) -> None:
        for i, (label, sha) in enumerate(items):
            col, row = i % per_row, i // per_row
            ix = x + col * (size + gap)
            iy = top - 4 - row * (size + 14) - size
            data = image(sha)
            page.canvas.setLineWidth(0.3)
            page.canvas.rect(ix, iy, size, size)
            reader = _image(data)
            if reader is None:
                why = "文件缺失或已损坏" if data is None else "无法预览"
                page.pen.draw(ix + size / 2, iy + size / 2, why, 7, "song", "center", RED)
            else:
                iw, ih = reader.getSize()
                scale = min(size / iw, size / ih)
                page.canvas.drawImage(
                    reader, ix + (size - iw * scale) / 2, iy + (size - ih * scale) / 2, iw * scale, ih * scale
                )
            page.pen.draw(ix + size / 2, iy - 9, label, 7.5, "song", "center")
        page.canvas.setStrokeColor(black)

    return Drawing(height, draw)


def _image(data: bytes | None) -> ImageReader | None:
    """A reader for a picture Pillow can decode, else None (the page says so in its place)."""
    if data is None:
        return None
    try:
        reader = ImageReader(io.BytesIO(data))
        reader.getSize()
    except Exception:  # an undecodable file: Pillow raises several kinds of error
        return None
    return reader
