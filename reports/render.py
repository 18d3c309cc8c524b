"""Rendering a report: select the cases, lay out the pages, write the PDF to a temporary file,
record the printing in the audit log, then rename the file into place. Used by `main.py report`
and the 报表中心 page alike."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from ledger import escalation, ids, letter_settings
from ledger.access import check_unmask, visibility
from ledger.dto import Actor, CaseFilter, CaseView
from ledger.errors import ConflictError, PermissionDenied, StorageError, ValidationError
from ledger.opening import os_reason, replace_file
from ledger.scope import Scope
from ledger.services.letters import check_may_issue
from ledger.services.outputs import Claim, Output
from ledger.services.queries import DEADLINE_STATES
from ledger.tags import tag_label
from ledger.workflow import LIGHT_NAMES
from reports import dossier, ledger_report, letter, reminders, timetable, village_reports, weekly
from reports.fonts import FontSet
from reports.kinds import KINDS, ReportRequest, ReportResult
from reports.pdf import (
    LANDSCAPE,
    PORTRAIT,
    Block,
    Cancelled,
    Document,
    Layout,
    Line,
    Page,
    ReportInfo,
    Spacer,
    cn_date,
    paginate,
)

if TYPE_CHECKING:
    from ledger.facade import Ledger

    # What a kind of report lays out: (pages, cases counted, the footer drawn on every page).
    Built: TypeAlias = tuple[list[list[Block]], int, Callable[[Page, int, int], None] | None]

CLOSURE_STATES = ("pending_approval", "closed")


def default_unit(county: str) -> str:
    return f"{county}巩固拓展脱贫攻坚成果领导小组办公室"


def letter_code(lg: Ledger, county: str) -> str:
    """The 机关代字 of the office's 督办函 (发文字号 = 代字〔年份〕序号号), a ledger setting."""
    return letter_settings.read(lg).code_for(county)


def describe_filter(lg: Ledger, f: CaseFilter) -> str:
    cat = lg.catalog
    parts = []
    if f.township_id is not None:
        parts.append(cat.region(f.township_id).name)
    if f.village_id is not None:
        parts.append(cat.region(f.village_id).name)
    if f.department_id is not None:
        parts.append(cat.departments[f.department_id].name)
    if f.category:
        parts.append(cat.category_names.get(f.category, f.category))
    if f.subcategory:
        parts.append(cat.subcategory(f.subcategory).name)
    if f.states:
        from ledger.workflow import STATE_NAMES

        parts.append("、".join(STATE_NAMES[s] for s in f.states))
    if f.light:
        parts.append(LIGHT_NAMES[f.light])
    if f.tag:
        parts.append(tag_label(f.tag, f.tag_subtype))
    if f.scope is not None:
        parts.append(f.scope.label)
    return "、".join(parts) if parts else "全县"


def tag_title(f: CaseFilter) -> str:
    """What a title adds for a filter by household tag: （监测对象）, （监测对象·边缘易致贫户）, or nothing."""
    years = f"（{f.scope.short}）" if f.scope is not None else ""  # 统计年度 (ledger/scope.py)
    if not f.tag:
        return years
    return (f"（{f.tag}·{f.tag_subtype}）" if f.tag_subtype else f"（{f.tag}）") + years


def parse_tag(lg: Ledger, tag: str) -> tuple[str, str]:
    """A tag as a clerk types it — 监测对象, 监测户, 边缘易致贫户, 分散供养特困人员 — as (tag, subtype)."""
    from ledger.services.household_edit import canonical_kind
    from ledger.tags import tags_for_kind, vocabulary

    wanted = tag.strip()
    pairs = tags_for_kind(canonical_kind(wanted))
    if not pairs:
        names = [*vocabulary(), *(s for t in vocabulary().values() for s in t.subtypes)]
        raise ValidationError(f"没有名为“{wanted}”的农户标签。可选：" + "、".join(names))
    return pairs[0]


def build_filter(
    lg: Ledger,
    *,
    township: str | None = None,
    village: str | None = None,
    department: str | None = None,
    category: str | None = None,
    subcategory: str | None = None,
    state: str | None = None,
    tag: str | None = None,
    year: str | int | None = None,
) -> CaseFilter:
    """A CaseFilter from the names a clerk types (乡镇、村、单位、类别、状态 by their Chinese names)."""
    from ledger.workflow import STATE_NAMES

    cat = lg.catalog

    def pick(kind: str, wanted: str, choices: dict[str, Any]) -> Any:
        wanted = wanted.strip()
        if wanted in choices:
            return choices[wanted]
        near = [name for name in choices if wanted in name]
        if len(near) == 1:
            return choices[near[0]]
        raise ValidationError(f"没有名为“{wanted}”的{kind}。可选：" + "、".join(list(choices)[:40]))

    township_id = pick("乡镇", township, {r.name: r.id for r in cat.townships()}) if township else None
    village_id = pick("村", village, {r.name: r.id for r in cat.villages(township_id)}) if village else None
    department_id = (
        pick("责任单位", department, {d.name: d.id for d in cat.departments.values()}) if department else None
    )
    category_code = pick("问题类别", category, {v: k for k, v in cat.category_names.items()}) if category else None
    sub_code = (
        pick("问题子类", subcategory, {s.name: s.code for s in cat.subcategories.values()}) if subcategory else None
    )
    states: tuple[str, ...] = ()
    if state:
        states = tuple(
            str(pick("状态", part, {v: k for k, v in STATE_NAMES.items()}))
            for part in state.replace("，", ",").split(",")
        )
    tag_name, tag_subtype = parse_tag(lg, tag) if tag else (None, "")
    return CaseFilter(
        township_id=township_id,
        village_id=village_id,
        department_id=department_id,
        category=category_code,
        subcategory=sub_code,
        states=states,
        include_void=False,
        tag=tag_name,
        tag_subtype=tag_subtype,
        scope=Scope.parse(year),
    )


def render_report(
    lg: Ledger,
    request: ReportRequest,
    out: str | Path,
    actor: Actor | None,
    *,
    fonts: FontSet | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ReportResult:
    started = time.perf_counter()
    lg.refuse_if_read_only()  # every report is audited: without the key, none (before any work)
    if request.kind not in KINDS:
        raise ValidationError(
            f"没有“{request.kind}”这种报表，可选：" + "、".join(f"{k}（{v}）" for k, v in KINDS.items())
        )
    if request.kind == "ledger":
        ledger_report.check_request(request.profile, request.paper)
    actor = lg.output_actor(actor, personal=request.kind != "weekly" or request.unmask)
    if request.unmask:
        check_unmask(actor, request.reason, "打印")
    if actor is not None:  # a department's or township's officer prints only what they may see
        request = replace(request, filter=replace(request.filter, visible_to=actor))
    fonts = fonts or FontSet.discover()
    fonts.missing.where.clear()
    fonts.record = True
    county = lg.meta("county_name")
    seq, head = lg.audit.head()
    info = ReportInfo(
        unit=request.unit or default_unit(county),
        author=actor.display_name if actor else "命令行",
        printed_at=lg.clock(),
        audit_seq=seq,
        audit_hash=head,
        masked=not request.unmask,
    )
    title = KINDS[request.kind]
    target = Path(out)
    doc_layout = (
        ledger_report.layout_for(request.paper)
        if request.kind == "ledger"
        else LANDSCAPE
        if request.kind in ("timetable", "reminders")
        else letter.LAYOUT
        if request.kind == "letter"
        else PORTRAIT
    )
    # A paper carrying a number (督办函 文号, 周报 期数) claims it with its report.print event. When
    # another PC took the same number meanwhile, the pages are laid out again with the next one.
    for attempt in range(1, 4):
        builder = _Builder(lg, request, fonts, info, county)
        doc = Document(target, fonts, info, f"{county}{title}", doc_layout)
        try:
            pages, count, footer = builder.build(doc)
            doc.render(pages, footer=footer, progress=progress, cancelled=cancelled)
            try:
                doc.canvas.save()
            except OSError as err:
                raise StorageError(f"无法写入 {target}：{os_reason(err)}") from err
            payload: dict[str, Any] = {
                "kind": request.kind,
                "title": title,
                "scope": describe_filter(lg, request.filter),
                "case": request.case_number,
                "household_id": request.household_id,
                "cases": count,
                "pages": len(pages),
                "unmasked": request.unmask,
                "reason": request.reason.strip() if request.unmask else "",
            }
            output = Output(
                "report.print",
                "report",
                payload,
                claims=[Claim(*claim) for claim in builder.claims],
                letters=builder.letters,  # 督办函 tracking
                extra={"numbers": builder.numbers} if builder.numbers else {},
            )
            try:
                lg.outputs.record(actor, doc.temporary, target.name, output)
            except ConflictError:  # a number taken meanwhile by another PC: lay out with the next
                if attempt == 3:
                    raise
                raise _Renumber() from None
            replace_file(doc.temporary, target)  # the old file may be open in a PDF reader on Windows
        except _Renumber:
            doc.discard()
            continue
        except BaseException:
            doc.discard()
            raise
        break
    return ReportResult(
        target, len(pages), count, fonts.missing.describe(), time.perf_counter() - started, fonts.describe()
    )


class _Renumber(Exception):
    """A number this paper carries was claimed by another PC meanwhile: lay it out again."""


class _Builder:
    def __init__(self, lg: Ledger, request: ReportRequest, fonts: FontSet, info: ReportInfo, county: str):
        self.lg, self.request, self.fonts, self.info, self.county = lg, request, fonts, info, county
        self.scope = describe_filter(lg, request.filter)
        self.claims: list[tuple[str, int, int, str]] = []  # (series, year, number, subject) to claim
        self.numbers: list[dict[str, Any]] = []  # what the event says was numbered
        self.letters: list[dict[str, Any]] = []  # 督办函 to track (LetterService.issue_in), with the claims

    def number(self, series: str, year: int, subject: str, *, reprint: bool = False) -> tuple[int, int]:
        """The (year, number) this paper prints for `subject`: on a reprint (`reprint=True`) the one
        the subject already has, else the next free number of the series, claimed when the printing
        is recorded (render_report)."""
        if reprint:
            found = self.lg.serials.issued(series, subject)
            if found is not None:
                self.numbers.append({"series": series, "year": found[0], "number": found[1], "subject": subject})
                return found
        number = self.lg.serials.peek(series, year) + sum(1 for c in self.claims if c[:2] == (series, year))
        self.claims.append((series, year, number, subject))
        self.numbers.append({"series": series, "year": year, "number": number, "subject": subject, "new": True})
        return year, number

    def mask(self, value: str) -> str:
        return value if self.request.unmask else ids.mask(value)

    def mask_phone(self, value: str) -> str:
        return value if self.request.unmask else ids.mask_phone(value)

    def masked_case(self, case: CaseView) -> CaseView:
        """ID and mobile numbers inside the case's free text masked unless unmasking was allowed."""
        if self.request.unmask:
            return case
        free = ids.mask_free_text
        return replace(
            case,
            description=free(case.description),
            measures=free(case.measures),
            remarks=free(case.remarks),
            void_reason=free(case.void_reason),
            signoffs=tuple(replace(so, opinion=free(so.opinion)) for so in case.signoffs),
            progress=tuple(replace(note, text=free(note.text)) for note in case.progress),
        )

    def subtitle(self, count: int) -> str:
        return (
            f"填报单位：{self.info.unit}    填报人：{self.info.author}    "
            f"填报日期：{cn_date(self.info.printed_at.date())}    范围：{self.scope}    共 {count} 个问题"
        )

    def empty(self, title: str, layout: Layout, what: str = "无符合条件的问题") -> list[list[Block]]:
        return paginate(
            [
                Line(title, 16, "title", leading=30, align="center"),
                Spacer(40),
                Line(what, 20, "hei", leading=40, align="center"),
                Line(f"筛选范围：{self.scope}", 11, "song", leading=24, align="center"),
                Line(
                    f"打印时间：{cn_date(self.info.printed_at.date())} {self.info.printed_at:%H:%M}",
                    11,
                    "song",
                    leading=24,
                    align="center",
                ),
            ],
            layout.frame_height,
        )

    def build(self, doc: Document) -> Built:
        kind = self.request.kind
        built: Built = getattr(self, kind)(doc)
        return built

    # -- kinds ----------------------------------------------------------------------------------------
    def ledger(self, doc: Document) -> Built:
        title = f"{self.county}“两不愁三保障”及饮水安全问题整改台账{tag_title(self.request.filter)}"
        if self.request.by_village:  # 村级台账: a section per village (reports/village_reports.py)
            return village_reports.ledger_sections(self, doc, tag_title(self.request.filter))
        layout = ledger_report.layout_for(self.request.paper)
        case_ids = self.lg.reporting.case_ids(self.request.filter, order="household")
        if not case_ids:
            return self.empty(title, layout), 0, None
        lines = list(self.lg.reporting.ledger_lines(case_ids, unmask=self.request.unmask))
        signature = ledger_report.Signature(
            unit=self.info.unit,
            author=self.info.author,
            reviewer=self.request.reviewer.strip(),
            date=cn_date(self.info.printed_at.date()),
        )
        pages = ledger_report.ledger_pages(doc.pen, lines, title, signature, self.request.profile, self.request.paper)
        return pages, len(lines), None

    def weekly(self, doc: Document) -> Built:
        """The 周报 of the requested 统计周期 (default: the last full report week). Its 期数 is the
        next of the year in the series "weekly", claimed with the printing; a reprint of the same
        period keeps the number it was given."""
        f = self.request.filter
        figures = self.lg.reporting.weekly(f, self.request.period_start, self.request.period_end)
        subject = f"{figures.period_start.isoformat()}~{figures.period_end.isoformat()}"
        _year, issue = self.number("weekly", figures.period_end.year, subject, reprint=True)
        figures = replace(figures, issue=issue)
        title = f"{self.county}“两不愁三保障”及饮水安全问题整改进度周报"
        one_township = f.township_id is not None and f.village_id is None
        places = figures.by_village if one_township else figures.by_township
        pages = weekly.weekly_pages(
            doc.pen,
            figures,
            title=title,
            scope=self.scope,
            unit=self.info.unit,
            printed=self.info.printed_at.date(),
            author=self.info.author,
            reviewer=self.request.reviewer.strip(),
            signer=self.request.signer.strip(),
            places=places,
            place_word="村" if one_township else "乡镇",
            village_groups=village_reports.weekly_groups(self.lg, figures)
            if self.request.by_village and not one_township
            else None,
        )
        return pages, figures.total.found, lambda page, number, total: weekly.weekly_footer(doc, page, number, total)

    def timetable(self, doc: Document) -> Built:
        title = f"{self.county}问题整改时间表（路线图）"
        f = self.request.filter
        if not f.states:  # the roadmap shows work under way unless asked otherwise
            f = replace(f, states=DEADLINE_STATES)
            self.scope = describe_filter(self.lg, f)
        case_ids = self.lg.reporting.case_ids(f, order="deadline")
        if not case_ids:
            return self.empty(title, LANDSCAPE), 0, None
        bars = self.lg.reporting.timetable(case_ids)
        group = "按责任单位" if self.request.group_by == "department" else "按乡镇"
        subtitle = self.subtitle(len(bars)) + f"    {group}分组"
        pages = timetable.timetable_pages(doc.pen, bars, self.request.group_by, title, subtitle, self.lg.today())
        return pages, len(bars), None

    def closure(self, doc: Document) -> Built:
        if self.request.case_number:
            case_ids = [self.lg.reporting.case_id_of(self.request.case_number)]
        else:
            f = self.request.filter
            if not f.states:
                f = replace(f, states=CLOSURE_STATES)
                self.scope = describe_filter(self.lg, f)
            case_ids = self.lg.reporting.case_ids(f, limit=2000)
        title = f"{self.county}“两不愁三保障”及饮水安全问题整改销号审批表"
        if not case_ids:
            return self.empty(title, PORTRAIT, "无符合条件的待审批或已销号问题"), 0, None
        viewer = self.request.filter.visible_to
        cases = [self.masked_case(self.lg.cases.get(i, viewer=viewer)) for i in case_ids]  # refused if unseen
        submitted = {
            case_id: dossier.Submission(name, at)
            for case_id, (name, at) in self.lg.reporting.submissions(case_ids).items()
        }
        pages = dossier.closure_pages(
            doc.pen, cases, self.lg.uuid, self.county, self.mask, self.mask_phone, self.image, submitted
        )
        return pages, len(cases), None

    def image(self, sha: str) -> bytes | None:
        """An evidence file's bytes, or None when missing or corrupted (the page says so in place of
        the picture)."""
        try:
            return self.lg.evidence_store.read_verified(sha)
        except Exception:  # missing or corrupted: the page says so in place of the picture
            return None

    def household(self, doc: Document) -> Built:
        if self.request.household_id is None:
            raise ValidationError("一户一档须指定农户（户主身份证号）")
        h = self.lg.households.get(self.request.household_id)
        cat = self.lg.catalog
        place = f"{self.county}{cat.region(h.township_id).name}{cat.region(h.village_id).name}{h.group_name}"
        viewer = self.request.filter.visible_to
        cases = [self.masked_case(self.lg.cases.get(i)) for i in self.lg.reporting.household_case_ids(h.id)]
        if viewer is not None:  # a department's or township's officer: their own cases of the household
            vis = visibility(viewer)
            cases = [c for c in cases if vis.allows(c.township_id, c.lead_department_id)]
            if not cases:
                raise PermissionDenied("该农户没有属于您所在单位或乡镇的问题，您无权打印其档案")
        members = self.lg.households.members(h.id, viewer=viewer)
        pages = dossier.household_pages(
            doc.pen, h, place, members, cases, self.lg.uuid, self.county, self.mask, self.mask_phone, self.image
        )
        return pages, len(cases), None

    def letter(self, doc: Document) -> Built:
        """One 督办函 per department: the one asked for, or every department with overdue cases
        (each letter with its own 发文字号, starting on an odd page: a blank page is put in after
        a letter of an odd number of pages, so double-sided printing keeps the letters apart)."""
        dept_id = self.request.filter.department_id
        cat = self.lg.catalog
        viewer = self.request.filter.visible_to
        check_may_issue(viewer)  # a numbered 督办函 is issued by the coordinator (ledger/services/letters.py)
        wanted = [dept_id] if dept_id is not None else list(cat.departments)
        settings = letter_settings.read(self.lg)
        code = settings.code_for(self.county)
        today = self.lg.today()
        pages: list[list[Block]] = []
        marks: list[letter.PageMark] = []
        count = 0
        for department_id in wanted:
            cases = self.lg.reporting.overdue(department_id)
            if viewer is not None and not visibility(viewer).everything:  # only the cases they may see
                seen = set(self.lg.reporting.case_ids(CaseFilter(department_id=department_id, visible_to=viewer)))
                cases = [c for c in cases if c.case_id in seen]
            if not cases:
                continue
            if not self.request.unmask:
                cases = [replace(c, description=ids.mask_free_text(c.description)) for c in cases]
            name = cat.departments[department_id].name
            year, number = self.number(f"letter:{code}", today.year, f"{name} {today.isoformat()}")
            number_text, reply_by = f"{code}〔{year}〕{number}号", self.lg.letters.reply_due(today)
            self.letters.append({
                "department_id": department_id, "series": f"letter:{code}", "year": year, "number": number,
                "number_text": number_text, "cases": [(c.case_id, c.number) for c in cases], "issued": today,
                "reply_due": reply_by,
            })  # fmt: skip
            parts = letter.LetterParts(
                department=name,
                cases=cases,
                issuer=self.info.unit,
                number_text=number_text,
                today=today,
                reply_by=reply_by,
                contact=settings.contact or self.info.author,
                phone=settings.phone,
                cc=settings.cc,
            )
            if len(pages) % 2:
                pages.append([])
                marks.append(letter.PageMark())
            these = letter.letter_blocks(doc.pen, parts)
            pages += these
            marks += letter.marks_for(these)
            count += len(cases)
        if not pages:
            if dept_id is not None:
                name = cat.departments[dept_id].name
                title, what = f"关于督促加快{name}逾期问题整改的函", f"{name}目前没有逾期问题，无需督办"
            else:
                title, what = "督办函", "各责任单位目前都没有逾期问题，无需督办"
            return self.empty(title, letter.LAYOUT, what), 0, None

        def finish(page: Page, number: int, total: int) -> None:
            letter.finish_page(doc.pen, page, marks[number - 1])

        return pages, count, finish

    def reminders(self, doc: Document) -> Built:
        """到期提醒清单 of the unit asked for (township and/or department) within what the account may
        see, or the signed-in account's own unit."""
        f, cat, lg = self.request.filter, self.lg.catalog, self.lg
        viewer = f.visible_to
        if viewer is not None and not visibility(viewer).everything:
            listing = lg.reminders.for_actor(viewer)
            unit, cases = listing.unit, listing.cases
            if f.township_id is not None or f.department_id is not None:
                wanted = set(lg.reporting.case_ids(replace(f, include_void=False)))
                cases = [c for c in cases if c.case_id in wanted]
        else:
            cases = lg.reminders.due_soon(township_id=f.township_id, department_id=f.department_id)
            names = [cat.region(f.township_id).name] if f.township_id is not None else []
            names += [cat.departments[f.department_id].name] if f.department_id in cat.departments else []
            unit = "、".join(names) or "全县"
        title = f"{self.county}问题整改到期提醒清单"
        if not cases:
            return self.empty(title, LANDSCAPE, f"{unit}目前没有即将到期的问题"), 0, None
        classes = {s.deadline_class: s.deadline_class_name for s in cat.subcategories.values()}
        pages = reminders.reminder_pages(
            doc.pen, cases, title=title, subtitle=reminders.subtitle_for(unit, self.info.printed_at.date(), len(cases)),
            rule=escalation.rule_text(escalation.rules(), classes),
        )  # fmt: skip
        return pages, len(cases), None


__all__ = ["KINDS", "Cancelled", "ReportRequest", "ReportResult", "build_filter", "render_report"]
