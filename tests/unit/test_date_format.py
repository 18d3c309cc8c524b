"""One date format (issue 14): running text and titles say 2026年11月28日 — never 2026年08月03日 — and
cells say 2026-11-28. A strftime pattern that writes a zero-padded month or day next to 月/日 is
the way leading zeros get onto paper and screens, so none may exist in the program."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PADDED = re.compile(r"%[md](?:月|日)")


def test_no_zero_padded_chinese_dates_in_the_program():
    found = []
    for folder in ("ledger", "reports", "ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if PADDED.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    for path in [ROOT / "main.py"]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PADDED.search(line):
                found.append(f"main.py:{number}: {line.strip()}")
    assert not found, "zero-padded 月/日 (use reports.pdf.cn_date or ledger's cn_date):\n" + "\n".join(found)
