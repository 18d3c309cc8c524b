"""Reading a workbook or CSV file someone handed us, safely, into rows of Python values.

Before python-calamine parses an .xlsx, the package is checked with the standard zipfile module:
a zip at all, at most MAX_ENTRIES entries, declared uncompressed size at most MAX_UNCOMPRESSED,
small XML parts parsed with defusedxml (which refuses DTDs and entity declarations), and the
chosen sheet streamed once to refuse a DOCTYPE, rows or columns beyond the limits (before calamine
would build a dense range of them) and to find the formula cells calamine does not report.
Legacy .xls/.et files are refused with the fix (save as .xlsx); CSV is UTF-8 (with or without BOM)
or GB18030.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ledger.errors import ValidationError
from ledger.opening import os_reason

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 1_000
MAX_UNCOMPRESSED = 1024 * 1024 * 1024  # 1 GiB of XML in all
MAX_RATIO = 200  # uncompressed / compressed, for an entry over 1 MB
MAX_ROWS = 200_000
MAX_COLUMNS = 200  # up to column GR
_SMALL_PART = 4 * 1024 * 1024
_CHUNK = 1 << 20

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row r="(\d+)"')
_WIDE_CELL = re.compile(rb'<(?:\w+:)?c r="(?:[A-Z]{3}|[H-Z][A-Z]|G[S-Z])\d')
_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")
_CELL = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass
class RawTable:
    """One sheet as read: rows from the sheet's first row (row 1 of Excel is rows[0])."""

    file_name: str
    sha256: str
    sheet: str
    rows: list[list[Cell]]
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (0-based row, 0-based column)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)


def column_index(letters: bytes | str) -> int:
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def read_table(path: str | Path, sheet: str | None = None, cancelled: Callable[[], bool] | None = None) -> RawTable:
    """The first visible worksheet (or `sheet`) of an .xlsx, or a CSV file, as rows."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            magic = handle.read(8)
    except FileNotFoundError:
        raise ValidationError(f"找不到文件：{path}") from None
    except OSError as err:
        raise ValidationError(f"无法读取文件 {path.name}：{os_reason(err)}") from None
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            f"文件 {path.name} 有 {size / 1048576:.0f} MB，超过 {MAX_FILE_BYTES // 1048576} MB 的上限，请分批导入。"
        )
    if magic.startswith(_OLE2):
        raise ValidationError(
            f"{path.name} 是旧版 Excel（.xls）或 WPS（.et）格式。请用 Excel 或 WPS 打开它，"
            "“另存为” Excel 工作簿（*.xlsx）后再导入。"
        )
    suffix = path.suffix.lower()
    if suffix in (".xls", ".et", ".ett", ".xlsb", ".ods"):
        raise ValidationError(
            f"不支持 {suffix} 文件。请用 Excel 或 WPS 打开，“另存为” Excel 工作簿（*.xlsx）后再导入。"
        )
    digest = file_sha256(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path, digest)
    if not magic.startswith(_ZIP):
        raise ValidationError(f"{path.name} 不是有效的 Excel 工作簿（.xlsx），文件可能已损坏，或只是改了扩展名。")
    return _read_xlsx(path, digest, sheet, cancelled)


# -- CSV ---------------------------------------------------------------------------------------------
def read_sheet_with(
    path: str | Path,
    sheet: str | None,
    cancelled: Callable[[], bool] | None,
    has_header: Callable[[RawTable], bool],
) -> RawTable:
    """The named sheet, else the first visible sheet in which `has_header` finds a header (a fill-in
    workbook opens on its instructions sheet), else the first visible sheet."""
    table = read_table(path, sheet, cancelled)
    if sheet is not None or has_header(table):
        return table
    for name in table.sheets:
        if name != table.sheet:
            other = read_table(path, name, cancelled)
            if has_header(other):
                return other
    return table


def _read_csv(path: Path, digest: str) -> RawTable:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationError(f"{path.name} 既不是 UTF-8 也不是 GB18030 编码的文本，无法读取。") from None
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[Cell]] = []
    for row in csv.reader(io.StringIO(text, newline=""), dialect):
        if len(rows) >= MAX_ROWS + 50:
            raise ValidationError(f"{path.name} 超过 {MAX_ROWS:,} 行的上限，请分批导入。")
        if len(row) > MAX_COLUMNS:
            raise ValidationError(f"{path.name} 第 {len(rows) + 1} 行有 {len(row)} 列，超过 {MAX_COLUMNS} 列的上限。")
        rows.append(list(row))
    return RawTable(path.name, digest, "", rows)


# -- xlsx ----------------------------------------------------------------------------------------------
def _refuse(path: Path, why: str) -> ValidationError:
    return ValidationError(f"{path.name} 未导入：{why}")


def _parse_small(zf: zipfile.ZipFile, name: str, path: Path) -> Element:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    info = zf.getinfo(name)
    if info.file_size > _SMALL_PART:
        raise _refuse(path, f"工作簿结构文件 {name} 异常过大")
    try:
        return cast("Element", ElementTree.fromstring(zf.read(name)))  # defusedxml has no type stubs
    except DefusedXmlException:
        raise _refuse(path, "文件中含有 XML 实体声明（DTD），可能是恶意构造的文件") from None
    except Exception:
        raise _refuse(path, f"工作簿结构文件 {name} 已损坏") from None


def _refuse_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> None:
    """A DTD (and so any entity declaration) can only stand in the prolog, before the root element:
    reading a part up to its first element is enough to refuse it."""
    with zf.open(info) as stream:
        head = stream.read(65536)
    start = 0
    while True:
        start = head.find(b"<", start)
        if start < 0:
            raise _refuse(path, f"{info.filename} 的结构异常（找不到根元素），文件可能已损坏")
        if head.startswith(b"<!--", start):  # a comment: skip it whole
            end = head.find(b"-->", start + 4)
            if end < 0:
                raise _refuse(path, f"{info.filename} 的结构异常（注释过长），文件可能已损坏")
            start = end + 3
            continue
        if head.startswith(b"<!", start):  # only DOCTYPE (and what it declares) starts so in a prolog
            raise _refuse(path, "文件中含有 XML 实体声明（DTD），可能是恶意构造的文件")
        if not head.startswith(b"<?", start):
            return  # the root element: the prolog is over
        start += 2


def _sheet_parts(zf: zipfile.ZipFile, path: Path) -> list[tuple[str, str, bool]]:
    """(sheet name, part name, visible) in workbook order."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        raise _refuse(path, "这不是 Excel 工作簿（缺少 xl/workbook.xml）")
    book = _parse_small(zf, "xl/workbook.xml", path)
    targets = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in _parse_small(zf, "xl/_rels/workbook.xml.rels", path).iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = target
    out = []
    for element in book.iter(f"{{{NS_MAIN}}}sheet"):
        part = targets.get(element.get(f"{{{NS_REL}}}id"), "")
        if part in names:
            out.append((element.get("name", ""), part, element.get("state", "visible") == "visible"))
    if not out:
        raise _refuse(path, "工作簿中没有工作表")
    return out


def _scan_sheet(
    zf: zipfile.ZipFile, part: str, path: Path, cancelled: Callable[[], bool] | None
) -> set[tuple[int, int]]:
    """Stream the sheet XML once: refuse a DTD, too many rows or columns; return formula cells."""
    info = zf.getinfo(part)
    formulas: set[tuple[int, int]] = set()
    seen = 0
    carry = b""
    first = True
    with zf.open(part) as stream:
        while True:
            block = stream.read(_CHUNK)
            if not block:
                break
            seen += len(block)
            if seen > info.file_size + 1 or seen > MAX_UNCOMPRESSED:
                raise _refuse(path, "工作表解压后的实际大小与声明不符或超过上限，可能是恶意构造的文件")
            if cancelled and cancelled():
                from ledger.errors import LedgerError

                raise LedgerError("已取消")
            data = carry + block
            if first:
                first = False
                head = data[: data.find(b"<sheetData") if b"<sheetData" in data else 4096]
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise _refuse(path, "文件中含有 XML 实体声明（DTD），可能是恶意构造的文件")
                dim = _DIMENSION.search(head)
                if dim and (column_index(dim.group(1)) >= MAX_COLUMNS or int(dim.group(2)) > MAX_ROWS + 50):
                    raise _refuse(
                        path,
                        f"工作表声明的范围超过上限（{MAX_ROWS:,} 行、{MAX_COLUMNS} 列），请分批导入或删除多余的行列",
                    )
            cut = data.rfind(b"</row>")
            if cut < 0:
                carry = data
                continue
            cut += 6
            body, carry = data[:cut], data[cut:]
            if _WIDE_CELL.search(body):
                raise _refuse(path, f"工作表超过 {MAX_COLUMNS} 列的上限")
            last = body.rfind(b'row r="')
            if last >= 0:
                match = _ROW_NUMBER.match(body, body.rfind(b"<", 0, last + 1))
                if match and int(match.group(1)) > MAX_ROWS + 50:
                    raise _refuse(path, f"工作表超过 {MAX_ROWS:,} 行的上限，请分批导入")
            if _FORMULA.search(body):
                for m in _CELL.finditer(body):
                    if m.group(3) and _FORMULA.search(m.group(3)):
                        formulas.add((int(m.group(2)) - 1, column_index(m.group(1))))
    return formulas


def _read_xlsx(path: Path, digest: str, wanted: str | None, cancelled: Callable[[], bool] | None) -> RawTable:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ValidationError(f"{path.name} 不是有效的 Excel 工作簿（.xlsx），文件可能已损坏。") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _refuse(
                path, f"压缩包内有 {len(infos):,} 个文件，超过 {MAX_ENTRIES:,} 个的上限，可能是恶意构造的文件"
            )
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            raise _refuse(
                path,
                f"解压后将有 {total / 1073741824:.1f} GB，超过 {MAX_UNCOMPRESSED // 1073741824} GB 的上限，"
                "可能是恶意构造的文件",
            )
        for info in infos:
            if info.file_size > 1048576 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _refuse(path, f"{info.filename} 的压缩比异常（超过 {MAX_RATIO}:1），可能是恶意构造的文件")
        for info in infos:
            if info.filename.endswith((".xml", ".rels")) and not info.filename.startswith("xl/worksheets/"):
                _refuse_dtd(zf, info, path)
        parts = _sheet_parts(zf, path)  # workbook.xml and its rels, parsed by defusedxml
        if wanted is not None:
            chosen = next((p for p in parts if p[0] == wanted), None)
            if chosen is None:
                raise ValidationError(f"工作簿中没有名为“{wanted}”的工作表")
        else:
            chosen = next((p for p in parts if p[2]), parts[0])
        formulas = _scan_sheet(zf, chosen[1], path, cancelled)
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(str(path)) as book:
            sheet = book.get_sheet_by_name(chosen[0])
            if sheet.height > MAX_ROWS + 50 or sheet.width > MAX_COLUMNS:
                raise _refuse(path, f"工作表超过上限（{MAX_ROWS:,} 行、{MAX_COLUMNS} 列）")
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
    except CalamineError as err:
        raise _refuse(path, f"工作表无法读取（{type(err).__name__}），文件可能已损坏") from None
    return RawTable(path.name, digest, chosen[0], rows, formulas, merged, [p[0] for p in parts])  # type: ignore[arg-type]
