"""Plain exports of rows the user selected (the full Excel exporter is its own module).

Cells that a spreadsheet would run as a formula (starting with = + - @, tab, CR or LF) are written
with a leading apostrophe, as OWASP's CSV-injection advice says; the file is written whole to a
temporary name and renamed, so a failure never leaves half a file."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from ledger.errors import StorageError
from ledger.ids import mask_free_text
from ledger.opening import os_reason, replace_file

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    text = mask_free_text("" if value is None else str(value))  # a selection export is always masked
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_rows_csv(path: str | os.PathLike[str], headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    """UTF-8 with BOM (Excel and WPS open it as Chinese text), CRLF line ends."""
    target = Path(path)
    temporary = target.with_name(target.name + ".tmp")
    try:
        with open(temporary, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow([safe_cell(h) for h in headers])
            writer.writerows([safe_cell(v) for v in row] for row in rows)
        replace_file(temporary, target)
    except StorageError:
        temporary.unlink(missing_ok=True)
        raise
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise StorageError(f"无法写入 {target}：{os_reason(err)}") from err
    return target
