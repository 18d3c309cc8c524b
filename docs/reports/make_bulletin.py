"""Regenerates the sample 调度通报 (docs/reports/调度通报.pdf and .png): a 600-case demo ledger, two
weeks of reports (on time, late, missing) made with a clock moved forward, 第1期 and 第2期 issued; the
second (which compares with the first) is the sample. Run from the repository root:
    .venv/bin/python docs/reports/make_bulletin.py
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    work = Path(tempfile.mkdtemp())
    os.environ["ZGTZ_DATA_DIR"] = str(work / "data")
    db = work / "示例.db"
    subprocess.run([sys.executable, "main.py", "demo", "--db", str(db), "--cases", "600"], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    from ledger import open_ledger
    from ledger.services.dispatch import Period
    from reports.bulletin import render_bulletin

    now = [dt.datetime.now()]

    def clock() -> dt.datetime:
        now[0] += dt.timedelta(milliseconds=1)
        return now[0]

    lg = open_ledger(db, create=False, clock=clock)
    coordinator = lg.users.authenticate("tongchou", "Demo#2026")
    units = lg.dispatch.units()
    first = lg.dispatch.current_period()
    for week, period in enumerate((first, Period(first.end + dt.timedelta(days=7)))):
        modes = [(i + week) % 5 for i in range(len(units))]  # 0-2 on time, 3 late, 4 missing
        on_time = [u for u, m in zip(units, modes, strict=True) if m < 3]
        late = [u for u, m in zip(units, modes, strict=True) if m == 3]
        for n, unit in enumerate(on_time + late):
            hours = -20 + n * 0.5 if n < len(on_time) else 2 + n * 0.25
            now[0] = max(now[0], period.end + dt.timedelta(hours=hours))
            lg.dispatch.confirm(coordinator, unit.kind, unit.id, period)
        now[0] = max(now[0], period.end + dt.timedelta(hours=9))
        out = ROOT / "docs" / "reports" / "调度通报.pdf"
        result = render_bulletin(lg, out, coordinator, period=period)
        print(f"第{result.number}期 {period.label()} → {out}")
    lg.close()
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(out),
                    str(out.with_suffix(""))], check=True)  # fmt: skip


if __name__ == "__main__":
    main()
