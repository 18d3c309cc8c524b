"""A streaming .xlsx writer: rows go straight into the compressed sheet entry of the zip, strings
are pooled in one shared-string table written at the end, so memory stays flat whatever the row
count. Written for our workbooks (docs/decisions.md, "Excel"): 4–6× faster than XlsxWriter's
constant_memory mode on the canonical ledger (bench/excel.py), with exactly the features the handoff,
statistics, error and fill-in workbooks need: styles, column widths, frozen panes, autofilter,
merged cells, list validation, hidden columns, sheet protection with unlocked cells, print set-up.

Safety: every string is a shared string (never a formula); a string that starts with = + - @, tab,
CR or LF also gets a `quotePrefix` style, so editing the cell in Excel or WPS keeps it text.
Characters XML 1.0 forbids are dropped, and `_xHHHH_` sequences are escaped so Excel shows them
literally. The file is written to `<name>.part` and renamed by the caller's `close()`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import chain, repeat
from pathlib import Path
from types import TracebackType
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from ledger.errors import StorageError
from ledger.export import FORMULA_STARTS
from ledger.opening import check_path_length, os_reason, replace_file

Value = str | int | float | dt.date | dt.datetime | bool | None

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_WORK = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_EXCEL_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_EPOCH = dt.datetime(1899, 12, 30)
_FORMULA_FIRST = frozenset(FORMULA_STARTS)  # single characters: a set test per string cell
MAX_ROWS = 1_048_576
MAX_SHEET_NAME = 31


MAX_CELL = 32_767  # Excel's limit on a cell's text, in UTF-16 units
_LONG = MAX_CELL // 2  # shorter strings cannot exceed it (a character is at most 2 units)


def fit_cell(value: str) -> str:
    """Text over Excel's cell limit cut with a visible marker: Excel and WPS would refuse or
    silently drop the rest. Nothing the ledger accepts today is that long (ledger/textrules.py)."""
    if len(value.encode("utf-16-le")) // 2 <= MAX_CELL:
        return value
    marker = f"…（已截断，全文共{len(value)}字）"
    budget, used, kept = MAX_CELL - len(marker), 0, []
    for ch in value:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            break
        kept.append(ch)
    return "".join(kept) + marker


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def xml_text(value: str) -> str:
    if not _NEEDS_WORK.search(value):
        return value
    value = _ILLEGAL_XML.sub("", value)
    value = _EXCEL_ESCAPE.sub(r"_x005F_\1", value)
    return escape(value)


def serial(value: dt.date | dt.datetime) -> float:
    """Excel's day number (1900 date system)."""
    if not isinstance(value, dt.datetime):
        return float((value - _EPOCH.date()).days)
    delta = value - _EPOCH
    return delta.days + delta.seconds / 86400


@dataclass(frozen=True)
class Style:
    bold: bool = False
    size: float = 11
    color: str = ""  # font colour, RRGGBB
    fill: str = ""  # background, RRGGBB
    border: bool = False
    wrap: bool = False
    halign: str = ""  # left | center | right
    valign: str = "center"
    num_format: str = ""  # "" general, "@" text, "yyyy-mm-dd"
    locked: bool = True
    quote: bool = False  # quotePrefix: the cell is text even if it looks like a formula


TEXT = Style(num_format="@")
DATE = Style(num_format="yyyy-mm-dd", halign="center")


class _Styles:
    def __init__(self) -> None:
        self._xf: dict[Style, int] = {Style(): 0}
        self._fonts: dict[tuple[bool, float, str], int] = {(False, 11.0, ""): 0}
        self._fills: dict[str, int] = {"": 0, "gray125": 1}
        self._formats: dict[str, int] = {"": 0, "@": 49}

    def index(self, style: Style) -> int:
        found = self._xf.get(style)
        if found is None:
            found = self._xf[style] = len(self._xf)
            self._fonts.setdefault((style.bold, float(style.size), style.color), len(self._fonts))
            self._fills.setdefault(style.fill, len(self._fills))
            if style.num_format not in self._formats:
                self._formats[style.num_format] = 164 + len(self._formats) - 2
        return found

    def xml(self) -> str:
        custom = [(n, f) for f, n in self._formats.items() if n >= 164]
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
        out.append('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        if custom:
            out.append(f'<numFmts count="{len(custom)}">')
            out += [f'<numFmt numFmtId="{n}" formatCode={quoteattr(f)}/>' for n, f in custom]
            out.append("</numFmts>")
        out.append(f'<fonts count="{len(self._fonts)}">')
        for bold, size, color in self._fonts:
            out.append(
                "<font>"
                + ("<b/>" if bold else "")
                + f'<sz val="{size:g}"/>'
                + (f'<color rgb="FF{color}"/>' if color else "")
                + '<name val="宋体"/><family val="3"/><charset val="134"/></font>'
            )
        out.append(f'</fonts><fills count="{len(self._fills)}">')
        for fill in self._fills:
            if fill in ("", "gray125"):
                out.append(f'<fill><patternFill patternType="{fill or "none"}"/></fill>')
            else:
                out.append(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{fill}"/></patternFill></fill>')
        out.append(
            '</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
            '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom>'
            "<diagonal/></border></borders>"
        )
        out.append('<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>')
        out.append(f'<cellXfs count="{len(self._xf)}">')
        for style in self._xf:
            font = self._fonts[(style.bold, float(style.size), style.color)]
            fill_id = self._fills[style.fill]
            fmt = self._formats[style.num_format]
            attrs = (
                f'numFmtId="{fmt}" fontId="{font}" fillId="{fill_id}" borderId="{int(style.border)}" xfId="0"'
                f' applyNumberFormat="1" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"'
                f' applyProtection="1"' + (' quotePrefix="1"' if style.quote else "")
            )
            align = f'<alignment vertical="{style.valign}"' + (f' horizontal="{style.halign}"' if style.halign else "")
            align += ' wrapText="1"/>' if style.wrap else "/>"
            protection = "" if style.locked else '<protection locked="0"/>'
            out.append(f"<xf {attrs}>{align}{protection}</xf>")
        out.append(
            '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )
        return "".join(out)


@dataclass
class Validation:
    first_row: int  # 1-based, inclusive
    last_row: int
    column: int  # 0-based
    choices: Sequence[str] = ()
    source: str = ""  # a range like '选项'!$A$1:$A$20, used when choices are too long for a list
    prompt: str = ""


class Sheet:
    """One worksheet, written row by row. Set columns, freeze and protection before the first row."""

    def __init__(self, book: Workbook, name: str, index: int, hidden: bool = False):
        if not name or len(name) > MAX_SHEET_NAME or any(ch in name for ch in "[]:*?/\\"):
            raise ValueError(f"bad sheet name {name!r}")
        self.book, self.name, self.index, self.hidden = book, name, index, hidden
        self.widths: list[float] = []
        self.hidden_columns: set[int] = set()
        self.column_styles: list[int] = []
        self.freeze_rows = 0
        self.freeze_cols = 0
        self.protect = False
        self.landscape = False
        self.print_title_rows: tuple[int, int] | None = None
        self.autofilter: tuple[int, int, int, int] | None = None  # first row, first col, last row, last col
        self.merges: list[tuple[int, int, int, int]] = []
        self.validations: list[Validation] = []
        self.rows = 0
        self._started = False
        self._stream: IO[bytes] | None = None
        self._buffer: list[str] = []
        self._refs: list[str] = []  # '<c r="A', '<c r="B', … by column

    # -- set-up --------------------------------------------------------------------------------------
    def columns(self, widths: Sequence[float], styles: Sequence[Style] | None = None) -> None:
        self.widths = list(widths)
        self.column_styles = [self.book.style(s) for s in styles] if styles else [0] * len(widths)

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """1-based rows, 0-based columns."""
        self.merges.append((first_row, first_col, last_row, last_col))

    def _start(self) -> None:
        self._started = True
        self._stream = self.book.open_entry(f"xl/worksheets/sheet{self.index}.xml")
        head = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        ]
        if self.landscape:
            head.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        selected = ' tabSelected="1"' if self.index == 1 else ""
        if self.freeze_rows or self.freeze_cols:
            top_left = column_letter(self.freeze_cols) + str(self.freeze_rows + 1)
            pane = (
                "bottomRight"
                if self.freeze_rows and self.freeze_cols
                else ("bottomLeft" if self.freeze_rows else "topRight")
            )
            split = (f' xSplit="{self.freeze_cols}"' if self.freeze_cols else "") + (
                f' ySplit="{self.freeze_rows}"' if self.freeze_rows else ""
            )
            head.append(
                f'<sheetViews><sheetView workbookViewId="0"{selected}><pane{split} topLeftCell="{top_left}"'
                f' activePane="{pane}" state="frozen"/><selection pane="{pane}" activeCell="{top_left}"'
                f' sqref="{top_left}"/></sheetView></sheetViews>'
            )
        else:
            head.append(f'<sheetViews><sheetView workbookViewId="0"{selected}/></sheetViews>')
        head.append('<sheetFormatPr defaultRowHeight="15"/>')
        if self.widths:
            head.append("<cols>")
            for i, width in enumerate(self.widths):
                hidden = ' hidden="1"' if i in self.hidden_columns else ""
                style = f' style="{self.column_styles[i]}"' if self.column_styles[i] else ""
                head.append(f'<col min="{i + 1}" max="{i + 1}" width="{width:g}" customWidth="1"{style}{hidden}/>')
            head.append("</cols>")
        head.append("<sheetData>")
        self._write("".join(head))

    def _write(self, text: str) -> None:
        assert self._stream is not None
        self._stream.write(text.encode("utf-8"))

    def append(
        self,
        values: Sequence[Value],
        styles: Sequence[Style | int] | None = None,
        height: float | None = None,
    ) -> int:
        """Write one row; returns its 1-based number. `styles` per cell, else the column styles."""
        if not self._started:
            self._start()
        if self.rows >= MAX_ROWS:
            raise StorageError(f"工作表“{self.name}”超过 Excel 的最大行数 {MAX_ROWS:,}")
        self.rows = row = self.rows + 1
        refs = self._refs
        while len(refs) < len(values):
            refs.append(f'<c r="{column_letter(len(refs))}')
        book = self.book
        if styles is None:
            style_ids: Sequence[int] = self.column_styles
        else:
            style_ids = [s if isinstance(s, int) else book.style(s) for s in styles]
        strings = book.strings
        serials = book.serials
        tail = str(row)
        parts = [f'<row r="{tail}" ht="{height:g}" customHeight="1">' if height else f'<row r="{tail}">']
        add = parts.append
        # one f-string per cell: `<c r="` + column letter are prepared per column, the style is a number
        for value, s, ref in zip(values, chain(style_ids, repeat(0)), refs, strict=False):
            kind = value.__class__
            if kind is str:
                if not value:
                    if s:
                        add(f'{ref}{tail}" s="{s}"/>')
                    continue
                idx = strings.get(value)  # type: ignore[arg-type]
                if idx is None:
                    if len(value) > _LONG:  # type: ignore[arg-type]
                        value = fit_cell(value)  # type: ignore[arg-type]
                        idx = strings.get(value)
                    if idx is None:
                        idx = strings[value] = len(strings)  # type: ignore[index]
                if value[0] in _FORMULA_FIRST:  # type: ignore[index]
                    s = book.quoted(s)
                add(f'{ref}{tail}" s="{s}" t="s"><v>{idx}</v></c>')
            elif value is None:
                if s:
                    add(f'{ref}{tail}" s="{s}"/>')
            elif kind is int or kind is float:
                add(f'{ref}{tail}" s="{s}"><v>{value!r}</v></c>')
            elif kind is bool:
                add(f'{ref}{tail}" s="{s}" t="b"><v>{int(value)}</v></c>')  # type: ignore[arg-type]
            elif isinstance(value, dt.date):
                number = serials.get(value)
                if number is None:
                    number = serials[value] = repr(serial(value))
                add(f'{ref}{tail}" s="{s}"><v>{number}</v></c>')
            else:
                raise TypeError(f"cannot write {kind.__name__} to a cell")
        add("</row>")
        self._buffer.append("".join(parts))
        if len(self._buffer) >= 1000:
            self._flush()
        return row

    def _flush(self) -> None:
        if self._buffer:
            self._write("".join(self._buffer))
            self._buffer.clear()

    def close(self) -> None:
        if not self._started:
            self._start()
        self._flush()
        tail = ["</sheetData>"]
        if self.protect:
            tail.append(
                '<sheetProtection sheet="1" objects="1" scenarios="1" formatColumns="0" formatRows="0"'
                ' sort="0" autoFilter="0"/>'
            )
        if self.autofilter:
            r1, c1, r2, c2 = self.autofilter
            tail.append(f'<autoFilter ref="{column_letter(c1)}{r1}:{column_letter(c2)}{max(r2, r1)}"/>')
        if self.merges:
            tail.append(f'<mergeCells count="{len(self.merges)}">')
            for r1, c1, r2, c2 in self.merges:
                tail.append(f'<mergeCell ref="{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"/>')
            tail.append("</mergeCells>")
        if self.validations:
            tail.append(f'<dataValidations count="{len(self.validations)}">')
            for v in self.validations:
                letter = column_letter(v.column)
                formula = escape(v.source) if v.source else escape('"' + ",".join(v.choices) + '"')
                prompt = (
                    f' showInputMessage="1" promptTitle="填写说明" prompt={quoteattr(v.prompt)}' if v.prompt else ""
                )
                tail.append(
                    f'<dataValidation type="list" allowBlank="1" showErrorMessage="1" errorTitle="输入有误"'
                    f' error="请从下拉列表中选择"{prompt}'
                    f' sqref="{letter}{v.first_row}:{letter}{max(v.last_row, v.first_row)}">'
                    f"<formula1>{formula}</formula1></dataValidation>"
                )
            tail.append("</dataValidations>")
        tail.append('<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>')
        if self.landscape:
            tail.append('<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
            tail.append("<headerFooter><oddFooter>&amp;C第 &amp;P 页 共 &amp;N 页</oddFooter></headerFooter>")
        tail.append("</worksheet>")
        self._write("".join(tail))
        assert self._stream is not None
        self._stream.close()
        self._stream = None

    @property
    def dimension_last_col(self) -> int:
        return len(self.widths)


class Workbook:
    """Usage: `with Workbook(path) as book: sheet = book.add_sheet("台账"); ...; sheet.close()`.
    Sheets are written one after another (a zip takes one entry at a time)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        creator: str = "整改台账",
        compress_level: int = 1,
        full_numbers: bool = False,
    ):
        self.path = Path(path)
        check_path_length(self.path.with_name(self.path.name + ".part"))  # before a row is written
        self.full_numbers = full_numbers  # holds full ID numbers / phones (written only by right, audited)
        self.part = self.path.with_name(self.path.name + ".part")
        self.creator = creator
        self.strings: dict[str, int] = {}
        self.serials: dict[dt.date, str] = {}  # a date's day number as written (dates repeat)
        self.sheets: list[Sheet] = []
        self._styles = _Styles()
        self._style_cache: dict[Style, int] = {}
        self._quoted: dict[int, int] = {}
        self._style_by_id: dict[int, Style] = {0: Style()}
        self._open: Sheet | None = None
        try:
            # Level 1: ~3× faster than the default and files ~15 % larger (measured in bench/excel.py).
            self._zip = zipfile.ZipFile(self.part, "w", zipfile.ZIP_DEFLATED, compresslevel=compress_level)
        except OSError as err:
            raise StorageError(f"无法写入 {self.path}：{os_reason(err)}") from err
        self.defined_names: list[str] = []

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def style(self, style: Style) -> int:
        found = self._style_cache.get(style)
        if found is None:
            found = self._style_cache[style] = self._styles.index(style)
            self._style_by_id[found] = style
        return found

    def quoted(self, style_id: int) -> int:
        found = self._quoted.get(style_id)
        if found is None:
            found = self._quoted[style_id] = self.style(replace(self._style_by_id[style_id], quote=True))
        return found

    def open_entry(self, name: str) -> IO[bytes]:
        return self._zip.open(name, "w", force_zip64=True)

    def add_sheet(self, name: str, *, hidden: bool = False) -> Sheet:
        if self.sheets and self.sheets[-1]._stream is not None:
            raise RuntimeError("close the previous sheet first")
        sheet = Sheet(self, name, len(self.sheets) + 1, hidden)
        self.sheets.append(sheet)
        return sheet

    def _write(self, name: str, text: str) -> None:
        self._zip.writestr(name, text.encode("utf-8"))

    def finish(self) -> Path:
        """Complete the package in `<name>.part` (the caller records it, then calls place())."""
        try:
            for sheet in self.sheets:
                if sheet._stream is not None or not sheet._started:
                    sheet.close()
            self._write_package()
            self._zip.close()
        except OSError as err:
            self.abort()
            raise StorageError(f"无法写入 {self.path}：{os_reason(err)}") from err
        return self.part

    def place(self) -> Path:
        try:
            replace_file(self.part, self.path)  # the old file may be open in Excel or WPS on Windows
        except StorageError:
            self.abort()
            raise
        return self.path

    def close(self) -> Path:
        self.finish()
        return self.place()

    def abort(self) -> None:
        """Remove the half-written file. A sheet still being written is closed first: ZipFile.close()
        refuses while an entry is open, and the file it left open could not be removed on Windows."""
        for sheet in self.sheets:
            if sheet._stream is not None:
                with contextlib.suppress(Exception):
                    sheet._stream.close()
                sheet._stream = None
        with contextlib.suppress(Exception):  # the half-written file is removed either way
            self._zip.close()
        # On Windows an antivirus or the search indexer may hold the just-closed file a moment: the
        # `.part` stays behind then (the next export of that name writes over it), and the error the
        # abort is for (已取消, a full disk) is what the clerk is told, not this one.
        with contextlib.suppress(OSError):
            self.part.unlink(missing_ok=True)

    def _write_package(self) -> None:
        ns = "http://schemas.openxmlformats.org/"
        sheets = self.sheets
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{s.index}.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for s in sheets
        )
        self._write(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + overrides
            + '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>",
        )
        self._write(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{ns}package/2006/relationships/metadata/core-properties" '
            'Target="docProps/core.xml"/></Relationships>',
        )
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._write(
            "docProps/core.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{escape(self.creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            "</cp:coreProperties>",
        )
        names = []
        for s in sheets:
            quoted = "'" + s.name.replace("'", "''") + "'"
            if s.autofilter:
                r1, c1, r2, c2 = s.autofilter
                ref = f"{quoted}!${column_letter(c1)}${r1}:${column_letter(c2)}${max(r1, r2)}"
                names.append(
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{s.index - 1}" hidden="1">'
                    f"{escape(ref)}</definedName>"
                )
            if s.print_title_rows:
                first, last = s.print_title_rows
                names.append(
                    f'<definedName name="_xlnm.Print_Titles" localSheetId="{s.index - 1}">'
                    f"{escape(quoted)}!${first}:${last}</definedName>"
                )
        sheet_tags = "".join(
            f'<sheet name={quoteattr(s.name)} sheetId="{s.index}"'
            + (' state="hidden"' if s.hidden else "")
            + f' r:id="rId{s.index}"/>'
            for s in sheets
        )
        self._write(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{ns}spreadsheetml/2006/main" xmlns:r="{ns}officeDocument/2006/relationships">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheet_tags}</sheets>"
            + (f"<definedNames>{''.join(names)}</definedNames>" if names else "")
            + '<calcPr calcId="191029"/></workbook>',
        )
        rels = "".join(
            f'<Relationship Id="rId{s.index}" Type="{ns}officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{s.index}.xml"/>'
            for s in sheets
        )
        n = len(sheets)
        rels += (
            f'<Relationship Id="rId{n + 1}" Type="{ns}officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="{ns}officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
        self._write(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        self._write("xl/styles.xml", self._styles.xml())
        with self.open_entry("xl/sharedStrings.xml") as out:
            total = len(self.strings)
            out.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst '
                    f'xmlns="{ns}spreadsheetml/2006/main" count="{total}" uniqueCount="{total}">'
                ).encode()
            )
            batch: list[str] = []
            for text in self.strings:  # dicts keep insertion order = the indexes handed out
                space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
                batch.append(f"<si><t{space}>{xml_text(text)}</t></si>")
                if len(batch) >= 2000:
                    out.write("".join(batch).encode("utf-8"))
                    batch.clear()
            batch.append("</sst>")
            out.write("".join(batch).encode("utf-8"))
