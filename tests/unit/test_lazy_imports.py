"""The window starts without the output libraries: ReportLab, openpyxl and python-calamine load with
the first report, export or import (issue 18: start-up), never at start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("reportlab", "openpyxl", "python_calamine", "reports.render", "reports.excel", "reports.pdf")


def test_the_window_modules_import_no_output_library():
    probe = f"import sys, ui.main_window, ui.app; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == ""
