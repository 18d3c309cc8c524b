"""A scan of what the test suite wrote for full ID numbers and phone numbers (issue 6).

Every workbook, PDF and CSV selection export the program writes during the session is recorded as it is created; at the
end each one still on disk that was not written with the unmask right (Workbook.full_numbers,
ReportInfo.masked) is read back — PDFs with pdftotext, workbooks with python-calamine — and so is
the log file of the `ledger`, `reports` and `ui` loggers. A full ID number (with a valid check
character) or a full mobile number anywhere in them fails the run."""

from __future__ import annotations

import json
import logging
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from stdnum.cn import ric

FULL_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9X](?![0-9A-Za-z])")
FULL_PHONE = re.compile(r"(?<![0-9*])1[3-9][0-9]{9}(?![0-9])")
# a hash printed on paper (the 审计链头 in every footer, an evidence digest): lowercase hex with at least
# one letter. Its digits are not a number of anyone, however many of them stand in a row.
HEX_DIGEST = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])[0-9a-f]{12,}(?![0-9A-Za-z])")


def leaks(text: str) -> list[str]:
    text = HEX_DIGEST.sub(" ", text)
    found = [m for m in FULL_ID.findall(text) if ric.calc_check_digit(m) == m[-1]]
    return found + FULL_PHONE.findall(text)


@dataclass
class Outputs:
    files: list[tuple[Path, bool]] = field(default_factory=list)  # (path, written with full numbers)
    log: Path | None = None

    def install(self, log_path: Path) -> None:
        from reports.pdf import Document
        from reports.xlsx import Workbook

        outputs = self
        workbook_init, document_init = Workbook.__init__, Document.__init__

        def recording_workbook(book, path, *args, **kwargs):
            workbook_init(book, path, *args, **kwargs)
            outputs.files.append((book.path, book.full_numbers))

        def recording_document(doc, target, fonts, info, *args, **kwargs):
            document_init(doc, target, fonts, info, *args, **kwargs)
            outputs.files.append((doc.target, not info.masked))

        from ledger import export

        write_csv = export.write_rows_csv

        def recording_csv(path, *args, **kwargs):
            written = write_csv(path, *args, **kwargs)
            outputs.files.append((written, False))  # a selection export: always masked
            return written

        Workbook.__init__ = recording_workbook  # type: ignore[method-assign]
        Document.__init__ = recording_document  # type: ignore[method-assign]
        export.write_rows_csv = recording_csv
        self.log = log_path
        handler = logging.FileHandler(log_path, encoding="utf-8")
        handler.setLevel(logging.DEBUG)
        for name in ("ledger", "reports", "ui"):
            logger = logging.getLogger(name)
            logger.setLevel(logging.DEBUG)
            logger.addHandler(handler)

    def scan(self) -> tuple[int, list[str]]:
        """(files read, problems)."""
        problems, read = [], 0
        for path, full in self.files:
            if full or not path.exists():
                continue
            read += 1
            if path.suffix == ".pdf":
                text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
            elif path.suffix == ".csv":
                text = path.read_text(encoding="utf-8-sig", errors="replace")
            else:
                from python_calamine import CalamineWorkbook

                with CalamineWorkbook.from_path(str(path)) as book:
                    sheets = [book.get_sheet_by_name(n).to_python() for n in book.sheet_names]
                text = json.dumps(sheets, ensure_ascii=False, default=str)
            found = leaks(text)
            if found:
                problems.append(f"{path}: {', '.join(sorted(set(found))[:3])}")
        if self.log is not None and self.log.exists():
            read += 1
            found = leaks(self.log.read_text(encoding="utf-8", errors="replace"))
            if found:
                problems.append(f"log {self.log}: {', '.join(sorted(set(found))[:3])}")
        return read, problems
