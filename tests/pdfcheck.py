"""Reading a PDF back as the clerk sees it: every word's box from `pdftotext -bbox-layout`, and the
three faults a printed page must not have: a word past the margins, two words on top of each other,
and a name or term broken across two lines of the same cell or paragraph ("汤桂/喜", "已销/号").

    problems = check(pdf, terms={"汤桂喜", "已销号", ...}, margin_mm=8)
    assert not problems, "\n".join(problems[:20])
"""

from __future__ import annotations

import itertools
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MM = 72 / 25.4
_NS = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float  # top, from the top of the page (pdftotext's convention)
    x1: float
    y1: float
    text: str


@dataclass(frozen=True)
class TextLine:
    page: int
    block: int  # index of the block on the page: lines of one cell or paragraph share it
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class PageBoxes:
    number: int
    width: float
    height: float
    words: list[Word]
    lines: list[TextLine]


def read(pdf: str | Path, first: int | None = None, last: int | None = None) -> list[PageBoxes]:
    """Pages with their words and lines (blocks as pdftotext groups them)."""
    cmd = ["pdftotext", "-bbox-layout", "-enc", "UTF-8"]
    if first:
        cmd += ["-f", str(first)]
    if last:
        cmd += ["-l", str(last)]
    out = subprocess.run([*cmd, str(pdf), "-"], check=True, capture_output=True).stdout
    # pdftotext writes a DOCTYPE naming an external DTD; drop it so no parser ever looks for it.
    body = re.sub(rb"<!DOCTYPE[^>]*>", b"", out, count=1)
    root = ET.fromstring(body)
    pages: list[PageBoxes] = []
    for number, page in enumerate(root.iter(f"{_NS}page"), first or 1):
        words: list[Word] = []
        lines: list[TextLine] = []
        for block_no, block in enumerate(page.iter(f"{_NS}block")):
            for line in block.iter(f"{_NS}line"):
                line_words = [
                    Word(
                        number,
                        float(w.get("xMin", 0)),
                        float(w.get("yMin", 0)),
                        float(w.get("xMax", 0)),
                        float(w.get("yMax", 0)),
                        w.text or "",
                    )
                    for w in line.iter(f"{_NS}word")
                ]
                words += line_words
                lines.append(
                    TextLine(
                        number,
                        block_no,
                        float(line.get("xMin", 0)),
                        float(line.get("yMin", 0)),
                        float(line.get("xMax", 0)),
                        float(line.get("yMax", 0)),
                        "".join(w.text for w in line_words),
                    )
                )
        pages.append(PageBoxes(number, float(page.get("width", 0)), float(page.get("height", 0)), words, lines))
    return pages


def text_of(pages: Iterable[PageBoxes]) -> str:
    return "\n".join(line.text for p in pages for line in p.lines)


def past_margins(pages: Iterable[PageBoxes], margin_mm: float = 8.0) -> list[str]:
    """Words reaching into the outer `margin_mm` of the sheet (where printers cut off, and where
    nothing of ours is meant to be)."""
    m = margin_mm * MM
    problems = []
    for p in pages:
        for w in p.words:
            if w.x0 < m - 0.5 or w.y0 < m - 0.5 or w.x1 > p.width - m + 0.5 or w.y1 > p.height - m + 0.5:
                problems.append(
                    f"第{p.number}页：“{w.text}”越出页边（{w.x0 / MM:.1f},{w.y0 / MM:.1f})–"
                    f"({w.x1 / MM:.1f},{w.y1 / MM:.1f}) mm"
                )
    return problems


def overlapping(pages: Iterable[PageBoxes], tolerance: float = 0.6) -> list[str]:
    """Two words whose boxes intersect by more than `tolerance` points both ways."""
    problems = []
    for p in pages:
        words = sorted(p.words, key=lambda w: w.x0)
        for i, a in enumerate(words):
            for b in words[i + 1 :]:
                if b.x0 >= a.x1 - tolerance:
                    break
                dx = min(a.x1, b.x1) - max(a.x0, b.x0)
                dy = min(a.y1, b.y1) - max(a.y0, b.y0)
                if dx > tolerance and dy > tolerance:
                    problems.append(f"第{p.number}页：“{a.text}”与“{b.text}”重叠")
    return problems


def split_terms(pages: Iterable[PageBoxes], terms: Iterable[str]) -> list[str]:
    """A term (a name, a township or village, a state...) broken at a line end inside one block:
    the line ends with its head and the next line of the block starts with its tail, while the term
    itself is known whole. Only terms of two or more characters count."""
    wanted = {t for t in terms if len(t) >= 2}
    heads: dict[str, set[str]] = {}
    for t in wanted:
        for k in range(1, len(t)):
            heads.setdefault(t[:k], set()).add(t[k:])
    longest = max((len(t) for t in wanted), default=0)
    problems = []
    for p in pages:
        by_block: dict[int, list[TextLine]] = {}
        for line in p.lines:
            by_block.setdefault(line.block, []).append(line)
        for lines in by_block.values():
            lines.sort(key=lambda ln: (ln.y0, ln.x0))
            for a, b in itertools.pairwise(lines):
                if b.y0 < a.y1 - 0.5:  # side by side, not one under the other
                    continue
                tail_a, head_b = a.text[-longest:], b.text[:longest]
                for k in range(1, len(tail_a) + 1):
                    rests = heads.get(tail_a[-k:])
                    if not rests:
                        continue
                    for rest in rests:
                        if head_b.startswith(rest):
                            problems.append(f"第{p.number}页：“{tail_a[-k:]}{rest}”被拆成“{tail_a[-k:]}/{rest}”")
    return problems


def check(
    pdf: str | Path,
    terms: Iterable[str] = (),
    margin_mm: float = 8.0,
    first: int | None = None,
    last: int | None = None,
) -> list[str]:
    pages = read(pdf, first, last)
    return past_margins(pages, margin_mm) + overlapping(pages) + split_terms(pages, terms)
