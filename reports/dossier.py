"""Per-case and per-household paper: 销号审批表 (one form per case: the case, three opinion blocks
each with a place for the seal, the evidence photos, a QR code and a plain integrity line) and
一户一档 (the household and every member, all its cases with one chronological 整改过程, evidence
thumbnails, signature lines for 户主 and 帮扶责任人, a QR code for the household).

The three opinion blocks are filled from what happened in the ledger: 责任单位意见 from the
submission (提交核验), 乡镇核验意见 from the 核验 sign-off, 县级审批意见 from the 审批 sign-off —
names and dates only (no clock times), "（代录）" where a sign-off was recorded on the signer's
behalf. A step that has not happened yet (or was undone by a later 退回/回退) leaves a blank line to
sign by hand. Every block keeps its （盖章） place either way."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from ledger import schema
from ledger.dto import CaseView, EvidenceView, HouseholdView, MemberView, SignOffView
from ledger.photos import NO_INFO, PHOTO_KINDS
from ledger.schema import PERSON_IN_CHARGE
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
    Stack,
    Table,
    cn_date,
    paginate,
    paragraph,
)

QR_SIZE = 30 * mm
FORM_QR = 26 * mm  # the 销号审批表's, smaller: the form and its photos fit one page
SEAL_W = 44 * mm  # room for a 40 mm seal at the right of each opinion block
OPINION_H = 40 * mm
HEAD_W = 30 * mm  # the heading column of an opinion block
UNDONE = ("退回", "回退")  # a later one of these cancels the submission and sign-offs before it


@dataclass(frozen=True)
class Submission:
    """The 责任单位's 提交核验: who submitted the case in the ledger, and when."""

    signer_name: str
    at: dt.datetime


def _other_plain(case: CaseView) -> list[tuple[str, str, str, str] | tuple[str, str]]:
    """The case's other plain columns (ledger/schema.py: 整改资金…) that hold a value, two to a row."""
    cells = [
        (c.name, schema.with_unit(c, case.values.get(c.stored or c.code)))
        for c in schema.PLAIN
        if c is not PERSON_IN_CHARGE and case.values.get(c.stored or c.code) not in (None, "")
    ]
    rows: list[tuple[str, str, str, str] | tuple[str, str]] = []
    for i in range(0, len(cells), 2):
        pair = cells[i : i + 2]
        rows.append((*pair[0], *pair[1]) if len(pair) == 2 else pair[0])
    return rows


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


def check_code(case: CaseView) -> str:
    """The short code a clerk reads off the form and finds again in the ledger ("7a06 29c3"): the
    head of the case's content hash, which the QR code carries whole."""
    return f"{case.content_hash[:4]} {case.content_hash[4:8]}"


def integrity_line(case: CaseView) -> str:
    return (
        f"本表内容已登记在台账审计记录中（核对码 {check_code(case)}）；扫描二维码或在“系统管理→全面校验台账”中可核对。"
    )


def _date(day: dt.date | dt.datetime | None) -> str:
    return cn_date(day) if day else ""


def _pairs_table(
    pen: Pen,
    rows: Sequence[tuple[str, str, str, str] | tuple[str, str]],
    width: float,
    size: float = 10,
    pad: float = 3.5,
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
        pad=pad,
    )
    two = Table(pen, [Column("", label_w, "center"), Column("", width - label_w)], size=size, pad=pad)
    blocks: list[Block] = []
    for row in rows:
        block = four.row(row) if len(row) == 4 else two.row(row)
        block.header = None
        blocks.append(block)
    return blocks


def _signer(name: str, on_behalf: bool) -> str:
    return name + ("（代录）" if on_behalf else "")


def _opinion_box(
    pen: Pen,
    heading: str,
    opinion: str,
    signer: str | None,
    day: dt.date | None,
    width: float,
    warning: str = "",
) -> Block:
    """One opinion block: the heading at the left; the opinion; a （盖章） place at the right with
    room for the seal; the signature and date at the foot, printed when the step has happened and
    blank lines to fill in by hand when it has not."""
    text_w = width - HEAD_W - SEAL_W - 10
    lines = pen.wrap(opinion, text_w, 10, "song") if opinion else []
    if warning:
        lines.append("")
    height = max(OPINION_H, 14 + len(lines) * 14 + 34)

    def draw(page: Page, x: float, top: float, w: float) -> None:
        c, p = page.canvas, page.pen
        c.setLineWidth(0.5)
        c.rect(x, top - height, w, height)
        c.line(x + HEAD_W, top, x + HEAD_W, top - height)
        p.draw(x + HEAD_W / 2, top - height / 2 - 4, heading, 10.5, "hei", "center")
        left = x + HEAD_W + 6
        y = top - 17
        for line in lines:
            p.draw(left, y, line, 10)
            y -= 14
        if warning:
            p.draw(left, y + 14, warning, 9, "song", color=RED)
        seal_x = x + w - SEAL_W
        p.draw(seal_x + SEAL_W / 2, top - height / 2 + 2, "（盖章）", 10, "song", "center")
        base = top - height + 9
        if signer is not None:
            p.draw(left, base, f"签字：{signer}", 10)
            p.draw(x + w - 8, base, f"日期：{_date(day)}", 10, "song", "right")
        else:
            p.draw(left, base, "签字：", 10)
            sx = left + p.width("签字：", 10)
            c.setLineWidth(0.4)
            c.line(sx, base - 2, sx + 32 * mm, base - 2)
            blank = "日期：        年      月      日"
            p.draw(x + w - 8, base, blank, 10, "song", "right")

    return Drawing(height, draw)


def _current(case: CaseView, meaning: str) -> SignOffView | None:
    """The latest sign-off of this meaning that no later 退回/回退 undid."""
    undone = max((s.signed_at for s in case.signoffs if s.meaning in UNDONE), default=None)
    found = [s for s in case.signoffs if s.meaning == meaning and (undone is None or s.signed_at > undone)]
    return found[-1] if found else None


def _submitted(case: CaseView, submission: Submission | None) -> Submission | None:
    if submission is None:
        return None
    undone = max((s.signed_at for s in case.signoffs if s.meaning in UNDONE), default=None)
    return submission if undone is None or submission.at > undone else None


def _evidence_label(e: EvidenceView) -> tuple[str, str, str]:
    """Under a picture: its kind, then for a photo when and where it was taken as its EXIF says
    (ledger/photos.py; 无拍摄信息 when it says nothing), for another picture the day it was added."""
    if e.kind not in PHOTO_KINDS:
        return e.kind_name, _date(e.added_at), ""
    when = f"拍摄 {e.taken_at:%Y-%m-%d %H:%M}" if e.taken_at else (NO_INFO if e.gps_lat is None else "拍摄时间不详")
    where = f"{e.gps_lat:.5f},{e.gps_lon:.5f}" if e.gps_lat is not None and e.gps_lon is not None else ""
    return e.kind_name, when, where


def closure_pages(
    pen: Pen,
    cases: Sequence[CaseView],
    ledger_uuid: str,
    county: str,
    mask: Callable[[str], str],
    mask_phone: Callable[[str], str],
    image: Callable[[str], bytes | None] = lambda sha: None,
    submissions: dict[int, Submission] | None = None,
) -> list[list[Block]]:
    width = PORTRAIT.frame_width
    submissions = submissions or {}
    title = f"{county}“两不愁三保障”及饮水安全问题整改销号审批表"
    blocks: list[Block] = []
    owner: dict[int, str] = {}  # block -> the case it belongs to, for the （续） line
    for index, case in enumerate(cases):
        pen.fonts.context = case.number
        h = case.household
        if index:
            blocks.append(PageBreak())
        first = len(blocks)
        qr = case_qr_value(ledger_uuid, case)
        title_lines = pen.wrap(title, width - FORM_QR - 10, 16, "title")

        def head(
            page: Page,
            x: float,
            top: float,
            w: float,
            case: CaseView = case,
            qr: str = qr,
            lines: list[str] = title_lines,
        ) -> None:
            y = top - FORM_QR / 2 - 2 + (len(lines) - 1) * 11
            for line in lines:
                page.pen.draw(x + (w - FORM_QR) / 2, y, line, 16, "title", "center")
                y -= 22
            draw_qr(page, qr, x + w - FORM_QR, top - FORM_QR + 4, FORM_QR)
            page.pen.draw(x + w - FORM_QR / 2, top - FORM_QR - 5, "扫码核对", 8, "song", "center", GREY)

        blocks.append(Drawing(FORM_QR + 10, head))
        blocks += _pairs_table(
            pen,
            [
                ("问题编号", case.number, "当前状态", case.state_name),
                *(
                    [
                        (
                            "乡镇/村",
                            f"{case.township_name} {case.village_name} {h.group_name}".strip(),
                            "户主姓名",
                            case.subject,
                        ),
                        ("身份证号", mask(h.head_id_number), "联系电话", mask_phone(h.phone)),
                        ("户类型", h.kind, "家庭人口", f"{h.size}人"),
                    ]
                    if h is not None
                    else [("乡镇/村", f"{case.township_name} {case.village_name}", "问题层级", "村级问题")]
                ),
                (
                    "问题类别",
                    f"{case.category_name}—{case.subcategory_name}",
                    "发现方式",
                    f"{case.source} {_date(case.found_date)}",
                ),
                ("问题描述", case.description),
                ("牵头单位", case.lead_department_name, "配合单位", case.assisting_departments),
                (PERSON_IN_CHARGE.label, case.person_in_charge, "整改时限", _date(case.deadline)),
                ("整改措施", case.measures),
                *_other_plain(case),
                ("完成时间", _date(case.completion_date), "销号时间", _date(case.closed_date)),
            ],
            width,
            size=9.5,
            pad=3,
        )
        blocks.append(Spacer(2 * mm))
        done = _submitted(case, submissions.get(case.id))
        if done is not None:
            blocks.append(
                _opinion_box(
                    pen,
                    "责任单位意见",
                    "已按整改措施完成整改，申请核验销号。",
                    done.signer_name,
                    done.at.date(),
                    width,
                )
            )
        else:
            blocks.append(_opinion_box(pen, "责任单位意见", "", None, None, width))
        for heading, meaning in (("乡镇核验意见", "核验"), ("县级审批意见", "审批")):
            so = _current(case, meaning)
            if so is None:
                blocks.append(_opinion_box(pen, heading, "", None, None, width))
            else:
                blocks.append(
                    _opinion_box(
                        pen,
                        heading,
                        so.opinion,
                        _signer(so.signer_name, so.on_behalf),
                        so.signed_at.date(),
                        width,
                        "注意：签批后问题内容已变更" if so.changed_since else "",
                    )
                )
        blocks.append(Spacer(1.5 * mm))
        blocks += paragraph(pen, integrity_line(case), width, 9, leading=13)
        blocks.append(Spacer(1 * mm))
        blocks.append(Line(f"佐证材料（{len(case.evidence)}份）", 10.5, "hei", leading=16, keep_with_next=True))
        blocks += _evidence_blocks(pen, case, width, image)
        for block in blocks[first:]:
            owner[id(block)] = f"问题编号 {case.number}"
    return _with_continuation(blocks, owner, lambda who: f"{title}（续）  {who}")


def _evidence_blocks(pen: Pen, case: CaseView, width: float, image: Callable[[str], bytes | None]) -> list[Block]:
    # 整改前 then 整改后, so the two sit side by side in the first row; then other pictures
    order = {"photo_before": 0, "photo_after": 1}
    pictures = sorted(
        (e for e in case.evidence if e.mime.startswith("image/")), key=lambda e: (order.get(e.kind, 2), e.id)
    )
    others = [e for e in case.evidence if not e.mime.startswith("image/")]
    blocks: list[Block] = []
    if pictures:
        blocks += _thumbnails([(_evidence_label(e), e.sha256) for e in pictures], image, width)
    if others:
        blocks += paragraph(
            pen,
            "其他材料：" + "；".join(f"{e.kind_name}（{e.original_name}，{_date(e.added_at)}）" for e in others),
            width,
            9.5,
            leading=14,
        )
    if not case.evidence:
        blocks.append(Line("（无）", 10, "song"))
    return blocks


def _with_continuation(blocks: list[Block], owner: dict[int, str], text: Callable[[str], str]) -> list[list[Block]]:
    """Pages where every page continuing a form starts with a （续） line naming what continues
    (and a table's headings again under it when a table continues)."""
    lines: dict[str, Block] = {}
    stacks: dict[tuple[str, int], Block] = {}
    for block in blocks:
        if id(block) not in owner or block.header is block:
            continue
        who = owner[id(block)]
        if who not in lines:
            line = Line(text(who), 9, "hei", leading=18, color=GREY)
            line.header = line
            lines[who] = line
        if block.header is None:
            block.header = lines[who]
        else:
            key = (who, id(block.header))
            if key not in stacks:
                stacks[key] = Stack([lines[who], block.header], keep_with_next=False)
            block.header = stacks[key]
    return paginate(blocks, PORTRAIT.frame_height)


def _members_rows(
    household: HouseholdView, members: Sequence[MemberView], mask: Callable[[str], str], health: bool
) -> list[tuple[str, ...]]:
    """The 户主 first, then every member: the people 家庭人口 counts."""
    rows = [(household.head_name, "户主", mask(household.head_id_number)) + (("",) if health else ())]
    rows += [(m.name, m.relation, mask(m.id_number)) + ((m.health,) if health else ()) for m in members]
    return rows


def household_size_text(household: HouseholdView, listed: int) -> str:
    """家庭人口 as the people listed; a stored size that disagrees is shown, not hidden."""
    if household.size == listed:
        return f"{listed}人"
    return f"登记{household.size}人，列出{listed}人"


def _process(case: CaseView) -> list[tuple[dt.date, int, str, str, str]]:
    """Progress notes and sign-offs as one list in date order: (date, order, 事项, 内容, 签字/记录人)."""
    order = {"核验": 2, "审批": 3, "退回": 4, "回退": 5}
    items = [(n.note_date, 1, "整改进度", n.text, n.author) for n in case.progress]
    items += [
        (s.signed_at.date(), order.get(s.meaning, 6), s.meaning, s.opinion, _signer(s.signer_name, s.on_behalf))
        for s in case.signoffs
    ]
    return sorted(items, key=lambda item: (item[0], item[1]))


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
    title = f"{county}“两不愁三保障”一户一档"
    health = any(m.health for m in members)  # only filled in for a reader with that right
    people = _members_rows(h, members, mask, health)

    def head(page: Page, x: float, top: float, w: float) -> None:
        page.pen.draw(x + (w - QR_SIZE) / 2, top - 26, title, 17, "title", "center")
        page.pen.draw(x, top - 56, f"户主：{h.head_name}    {place}", 10.5)
        page.pen.draw(
            x,
            top - 72,
            f"问题共 {len(cases)} 个，其中未销号 {sum(1 for c in cases if c.state not in ('closed', 'void'))} 个",
            10.5,
        )
        draw_qr(page, qr, x + w - QR_SIZE, top - QR_SIZE - 2)
        page.pen.draw(x + w - QR_SIZE / 2, top - QR_SIZE - 12, "一户一码", 8, "song", "center", GREY)

    blocks: list[Block] = [Drawing(QR_SIZE + 18, head)]
    owner: dict[int, str] = {}
    blocks += _pairs_table(
        pen,
        [
            ("户主姓名", h.head_name, "身份证号", mask(h.head_id_number)),
            ("户类型", h.kind, "家庭人口", household_size_text(h, len(people))),
            ("住址", place, "联系电话", mask_phone(h.phone)),
        ],
        width,
    )
    blocks.append(Spacer(3 * mm))
    blocks.append(Line(f"家庭成员（{len(people)}人）", 11, "hei", leading=20, keep_with_next=True))
    columns = [
        Column("序号", align="center"),
        Column("姓名"),
        Column("与户主关系", align="center"),
        Column("身份证号", align="center"),
    ]
    table = Table(pen, columns + ([Column("健康/残疾状况")] if health else []), size=9.5, pad=3)
    rows = [(str(i), *row) for i, row in enumerate(people, 1)]
    table.fit(width, rows)
    blocks += [table.header_block, *(table.row(r) for r in rows)]
    for index, case in enumerate(cases, 1):
        pen.fonts.context = case.number
        start = len(blocks)
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
        facts: list[tuple[str, str, str, str] | tuple[str, str]] = [
            *([("涉及成员", case.member_name)] if case.member_name else []),
            ("问题描述", case.description),
            ("发现方式", case.source, "发现时间", _date(case.found_date)),
            ("责任单位", case.lead_department_name or "（未交办）", PERSON_IN_CHARGE.label, case.person_in_charge),
            ("整改时限", _date(case.deadline) or "（未定）", "完成时间", _date(case.completion_date)),
            ("整改措施", case.measures or "（未填写）"),
            *_other_plain(case),
        ]
        if case.closed_date:
            facts.append(("销号时间", _date(case.closed_date)))
        blocks += _pairs_table(pen, facts, width, size=9.5)
        steps = _process(case)
        if steps:
            blocks.append(Line("整改过程", 10, "hei", leading=18, keep_with_next=True))
            process = Table(
                pen,
                [Column("日期", align="center"), Column("事项", align="center"), Column("内容"), Column("签字/记录人")],
                size=9,
                pad=2.5,
            )
            process_rows = [(_date(day), what, text, who) for day, _, what, text, who in steps]
            process.fit(width, process_rows)
            blocks += [process.header_block, *(process.row(r) for r in process_rows)]
        blocks += _evidence_blocks(pen, case, width, image) if case.evidence else []
        for block in blocks[start:]:
            owner[id(block)] = f"问题{index}：{case.number}"
    blocks.append(Spacer(6 * mm))
    blocks.append(_signatures(("户主（签字）", "帮扶责任人（签字）")))
    for block in blocks:
        owner.setdefault(id(block), "")
    return _with_continuation(blocks, owner, lambda who: f"{h.head_name}户 一户一档（续）  {who}".rstrip())


def _signatures(roles: Sequence[str]) -> Block:
    """Lines to sign by hand: one per role, each with its date."""
    height = 26.0 * len(roles) + 6

    def draw(page: Page, x: float, top: float, w: float) -> None:
        c, p = page.canvas, page.pen
        c.setLineWidth(0.4)
        y = top - 20
        for role in roles:
            label = f"{role}："
            p.draw(x, y, label, 10.5)
            sx = x + p.width(label, 10.5)
            c.line(sx, y - 2, sx + 45 * mm, y - 2)
            p.draw(x + w, y, "日期：        年      月      日", 10.5, "song", "right")
            y -= 26

    return Drawing(height, draw)


def _thumbnails(
    items: Sequence[tuple[tuple[str, str, str], str]], image: Callable[[str], bytes | None], width: float
) -> list[Block]:
    """Pictures in rows that fit the frame, each labelled with its kind and date; a file missing
    or corrupt says so in place of the picture. One block per row, so rows break across pages."""
    size, gap = 26 * mm, 6 * mm
    per_row = max(1, int((width + gap) // (size + gap)))
    blocks: list[Block] = []
    for start in range(0, len(items), per_row):
        chunk = items[start : start + per_row]

        def draw(
            page: Page, x: float, top: float, w: float, chunk: Sequence[tuple[tuple[str, str, str], str]] = chunk
        ) -> None:
            for col, ((kind, day, place), sha) in enumerate(chunk):
                ix = x + col * (size + gap)
                iy = top - 4 - size
                data = image(sha)
                page.canvas.setLineWidth(0.3)
                page.canvas.rect(ix, iy, size, size)
                reader = _image(data)
                if reader is None:
                    why = "文件缺失或已损坏" if data is None else "无法预览"
                    page.pen.draw(ix + size / 2, iy + size / 2, why, 8, "song", "center", RED)
                else:
                    iw, ih = reader.getSize()
                    scale = min(size / iw, size / ih)
                    page.canvas.drawImage(
                        reader, ix + (size - iw * scale) / 2, iy + (size - ih * scale) / 2, iw * scale, ih * scale
                    )
                page.pen.draw(ix + size / 2, iy - 10, kind, 8, "song", "center")
                page.pen.draw(ix + size / 2, iy - 20, day, 7, "song", "center")
                if place:
                    page.pen.draw(ix + size / 2, iy - 29, place, 6.5, "song", "center")
            page.canvas.setStrokeColor(black)

        placed = any(place for (_kind, _day, place), _sha in chunk)
        blocks.append(Drawing(size + (36 if placed else 27), draw))  # a third caption line: the place
    return blocks


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
