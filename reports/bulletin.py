"""调度通报（第N期）: the office's weekly circular after a 调度期's cut-off. It ranks the townships and
the departments on 销号率, 逾期 and 报送 timeliness, names the units that reported late (迟报) or not at
all (未报), and compares each with the previous issued 通报.

The number is the next of the year in the series "通报" (ledger/services/serials.py), claimed in the
transaction that records the printing (report.print, like reports/render.py) together with the
issued 通报's figures (`dispatch_bulletins`). A reprint of the same period prints the stored figures
under the same number; the next 通报 compares against what was issued, not against a recount.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.colors import Color
from reportlab.lib.units import mm

from ledger.dto import Actor
from ledger.errors import ConflictError, PermissionDenied, StorageError, ValidationError
from ledger.opening import os_reason, replace_file
from ledger.services.dispatch import ISSUE_ROLES, KIND_NAMES, SERIES, Period
from ledger.services.outputs import BulletinIssue, Claim, Output
from reports.fonts import FontSet
from reports.pdf import PORTRAIT, RED, Block, Column, Document, Line, ReportInfo, Spacer, Table, cn_date, paginate
from reports.weekly import _distribution, _masthead, _notes, paragraph_words

if TYPE_CHECKING:
    from ledger.facade import Ledger

ORANGE = Color(0.85, 0.45, 0.0)
STATUS_COLORS = {"迟报": ORANGE, "未报": RED}
HEADERS = ("排名", "单位", "问题数", "已销号", "销号率", "较上期", "逾期", "较上期", "报送", "报送时间", "上期排名")


@dataclass(frozen=True)
class BulletinResult:
    path: Path
    pages: int
    year: int
    number: int
    reprint: bool
    missing: list[str]
    seconds: float


def rate(closed: int, total: int) -> float:
    return closed / total if total else 0.0


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def rate_change(row: dict[str, Any]) -> str:
    prev = row.get("prev")
    if not prev:
        return "—"
    delta = round((rate(row["closed"], row["total"]) - rate(prev["closed"], prev["total"])) * 100, 1)
    return "持平" if delta == 0 else f"{delta:+.1f}"


def count_change(row: dict[str, Any], key: str) -> str:
    prev = row.get("prev")
    if not prev:
        return "—"
    delta = row[key] - prev[key]
    return "持平" if delta == 0 else f"{delta:+d}"


def submitted_text(row: dict[str, Any]) -> str:
    when = row.get("submitted_at") or ""
    return f"{when[5:10]} {when[11:16]}" if when else ""


def table_rows(figures: dict[str, Any], kind: str) -> list[list[object]]:
    out: list[list[object]] = []
    for r in (u for u in figures["units"] if u["kind"] == kind):
        prev = r.get("prev")
        out.append([r["rank"], r["name"], r["total"], r["closed"], percent(rate(r["closed"], r["total"])),
                    rate_change(r), r["overdue"], count_change(r, "overdue"), r["status"], submitted_text(r),
                    prev["rank"] if prev else "—"])  # fmt: skip
    return out


def _names(figures: dict[str, Any], status: str) -> list[str]:
    return [u["name"] for u in figures["units"] if u["status"] == status]


def narrative(figures: dict[str, Any], cutoff_text: str) -> list[str]:
    units = figures["units"]
    late, missing = _names(figures, "迟报"), _names(figures, "未报")
    on_time = len(units) - len(late) - len(missing)
    text = f"本期应报送单位{len(units)}个，按时报送{on_time}个"
    text += f"；迟报{len(late)}个：{'、'.join(late)}" if late else "，无迟报单位"
    text += f"；未报{len(missing)}个：{'、'.join(missing)}。" if missing else "，无未报单位。"
    towns = [u for u in units if u["kind"] == "township"]
    total, closed = sum(u["total"] for u in towns), sum(u["closed"] for u in towns)
    overdue = sum(u["overdue"] for u in towns)
    second = f"截至{_when(figures['as_of'])}，全县累计发现问题{total}个（不含已作废），已销号{closed}个，"
    second += f"销号率{percent(rate(closed, total))}，逾期问题{overdue}个。"
    prev = figures.get("previous")
    if prev and any(u.get("prev") for u in towns):
        p_total = sum(u["prev"]["total"] for u in towns if u.get("prev"))
        p_closed = sum(u["prev"]["closed"] for u in towns if u.get("prev"))
        p_overdue = sum(u["prev"]["overdue"] for u in towns if u.get("prev"))
        second += (
            f"与第{prev['number']}期通报相比，销号率由{percent(rate(p_closed, p_total))}变为"
            f"{percent(rate(closed, total))}，逾期问题由{p_overdue}个变为{overdue}个。"
        )
    for kind in KIND_NAMES:
        ranked = [u for u in units if u["kind"] == kind]
        if len(ranked) > 1:
            second += f"{KIND_NAMES[kind]}中{ranked[0]['name']}排名第一，{ranked[-1]['name']}排名末位。"
    slow = late + missing
    third = (
        f"请{'、'.join(slow)}高度重视调度工作，严格按照{cutoff_text}的时限报送整改进度，"
        "逾期问题较多的单位要倒排工期、加快整改，确保按期销号。"
        if slow
        else f"各单位均按时报送。请继续严格按照{cutoff_text}的时限报送，逾期问题较多的单位要加快整改，确保按期销号。"
    )
    return [text, second, third]


def _when(iso: str) -> str:
    t = dt.datetime.fromisoformat(iso)
    return f"{cn_date(t.date())}{t:%H:%M}"


def bulletin_pages(doc: Document, figures: dict[str, Any], *, county: str, number: int, unit: str, printed: dt.date,
                   cutoff_text: str) -> list[list[Block]]:  # fmt: skip
    pen = doc.pen
    width = PORTRAIT.frame_width
    period = Period(dt.datetime.fromisoformat(figures["period_end"]))
    blocks: list[Block] = [
        Spacer(4 * mm),
        Line(f"{county}整改工作调度通报", 24, "title", leading=40, align="center", color=RED),
        Line(f"第{number}期", 14, "fang", leading=26, align="center"),
        _masthead(pen, unit, printed, width),
        Spacer(3 * mm),
        Line("关于本期整改工作调度情况的通报", 16, "title", leading=30, align="center"),
        Line(
            f"调度期：{period.label()}    数据截至：{_when(figures['as_of'])}", 9.5, "song", leading=18, align="center"
        ),
        Spacer(2 * mm),
        Line("各乡镇，县直各责任单位：", 12, "fang", leading=22),
    ]
    words = {u["name"] for u in figures["units"]} | {"迟报", "未报", "销号率"}
    intro = "按照“一周一调度一通报”工作要求，现将本期整改进度报送和问题整改情况通报如下。"
    paragraphs = narrative(figures, cutoff_text)
    for heading, text in (("", intro), ("一、报送情况", paragraphs[0]), ("二、整改情况", paragraphs[1])):
        if heading:
            blocks.append(Line(heading, 12, "hei", leading=22, keep_with_next=True))
        blocks += paragraph_words(pen, text, width, 12, "fang", 22, 24, words)
    sections = (("三、乡镇排名", "township"), ("四、责任单位排名", "department"))
    for heading, kind in sections:
        rows = table_rows(figures, kind)
        blocks.append(Spacer(2 * mm))
        blocks.append(Line(heading, 12, "hei", leading=22, keep_with_next=True))
        if not rows:
            blocks.append(Line("（无）", 10.5, "fang", leading=20))
            continue
        table = Table(pen, [Column(h, align="center") for h in HEADERS], size=9, header_size=8.5, pad=2.5,
                      colors={8: lambda v: STATUS_COLORS.get(v)})  # fmt: skip
        table.columns[1].align = "left"
        table.fit(width, rows)
        blocks.append(table.header_block)
        blocks += [table.row(r) for r in rows]
    blocks.append(Spacer(2 * mm))
    blocks.append(Line("五、工作要求", 12, "hei", leading=22, keep_with_next=True))
    blocks += paragraph_words(pen, paragraphs[2], width, 12, "fang", 22, 24, words)
    blocks.append(Spacer(2 * mm))
    prev = figures.get("previous")
    notes = [
        "排名依次按销号率（高者在前）、逾期问题数（少者在前）、报送情况（按时、迟报、未报）排列，三项相同的名次并列。",
        f"报送截止为{cutoff_text}；截止后补报的为迟报，调度期结束仍未报送的为未报。",
        f"“较上期”与第{prev['number']}期通报相比，销号率单位为百分点。" if prev else "本期为首次通报，无上期数据。",
    ]
    blocks += _notes(pen, [f"{i}. {n}" for i, n in enumerate(notes, 1)], width)
    blocks.append(Spacer(8 * mm))
    blocks += _distribution(pen, width, unit, printed)
    return paginate(blocks, PORTRAIT.frame_height)


class _Renumber(Exception):
    """Another PC claimed this number (or issued this period) meanwhile: lay out again."""


def render_bulletin(
    lg: Ledger, out: str | Path, actor: Actor | None, *, period: Period | None = None, fonts: FontSet | None = None
) -> BulletinResult:
    started = time.perf_counter()
    lg.refuse_if_read_only()
    actor = lg.output_actor(actor, personal=True)
    assert actor is not None
    if not actor.roles & ISSUE_ROLES:
        raise PermissionDenied("只有县级统筹员或录入员可以印发调度通报")
    period = period or lg.dispatch.last_closed_period()
    if lg.clock() <= period.end:
        raise ValidationError(f"本期报送截止时间（{_when(period.end.isoformat())}）未到，不能印发通报")
    fonts = fonts or FontSet.discover()
    fonts.missing.where.clear()
    fonts.record = True
    county = lg.meta("county_name")
    unit = f"{county}巩固拓展脱贫攻坚成果领导小组办公室"
    c = lg.dispatch.cutoff()
    cutoff_text = f"每{('周一', '周二', '周三', '周四', '周五', '周六', '周日')[c.weekday]}{c.time:%H:%M}前"
    target = Path(out)
    subject = f"调度期{period.end:%Y-%m-%d %H:%M}"
    later = lg.dispatch.issued_later(period) if lg.dispatch.issued(period) is None else None
    if later is not None:
        raise ValidationError(f"更晚一期的通报（{later[0]}年第{later[1]}期）已印发，不能再补印本期通报")
    for attempt in range(1, 4):
        issued = lg.dispatch.issued(period)
        if issued is not None:
            year, number, figures = issued
        else:
            figures = lg.dispatch.figures(period)
            year = period.end.year
            number = lg.serials.peek(SERIES, year)
        seq, head = lg.audit.head()
        info = ReportInfo(unit=unit, author=actor.display_name, printed_at=lg.clock(), audit_seq=seq,
                          audit_hash=head)  # fmt: skip
        doc = Document(target, fonts, info, f"{county}整改工作调度通报第{number}期")
        try:
            printed = dt.datetime.fromisoformat(figures["as_of"]).date()
            pages = bulletin_pages(doc, figures, county=county, number=number, unit=unit, printed=printed,
                                   cutoff_text=cutoff_text)  # fmt: skip
            doc.render(pages)
            try:
                doc.canvas.save()
            except OSError as err:
                raise StorageError(f"无法写入 {target}：{os_reason(err)}") from err
            payload = {
                "kind": "bulletin",
                "title": "调度通报",
                "period_end": period.end.isoformat(timespec="minutes"),
                "pages": len(pages),
                "reprint": issued is not None,
                "numbers": [
                    {
                        "series": SERIES,
                        "year": year,
                        "number": number,
                        "subject": subject,
                        **({} if issued else {"new": True}),
                    }
                ],
            }
            first = issued is None  # a reprint keeps its number and figures: nothing to claim or keep
            output = Output(
                "report.print",
                "report",
                payload,
                claims=[Claim(SERIES, year, number, subject)] if first else [],
                bulletin=BulletinIssue(period, year, number, figures) if first else None,
            )
            try:
                lg.outputs.record(actor, doc.temporary, target.name, output)
            except ConflictError:  # the number taken meanwhile: lay out with the next
                if attempt == 3 or not first:
                    raise
                raise _Renumber() from None
            replace_file(doc.temporary, target)
        except _Renumber:
            doc.discard()
            continue
        except BaseException:
            doc.discard()
            raise
        break
    return BulletinResult(target, len(pages), year, number, issued is not None, fonts.missing.describe(),
                          time.perf_counter() - started)  # fmt: skip
