"""One figure of a benchmark, in the form bench/run.py gathers into a single table.

Each bench script prints its own human-readable table and also calls `emit(figures)`; when
bench/run.py runs it, ZGTZ_BENCH_JSON names a file the figures are appended to (one JSON per line).
`ratio` is ours / baseline for both time and memory: below 1 means ours is faster or smaller."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    bench: str  # core | gui | reports | excel
    name: str
    ours: float
    unit: str  # ms | s | MB | /s
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = ""  # as text: "≤ 200 ms", "比值 ≤ 2"
    met: bool | None = None  # None: no goal

    @property
    def ratio(self) -> float | None:
        return self.ours / self.baseline if self.baseline else None


def emit(figures: list[Figure]) -> None:
    target = os.environ.get("ZGTZ_BENCH_JSON")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as out:
        for figure in figures:
            out.write(json.dumps(asdict(figure), ensure_ascii=False) + "\n")
