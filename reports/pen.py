"""Text on a ReportLab canvas: the Pen that measures, breaks and writes text in runs of embedded
fonts, and the line-breaking rules for Chinese (no closing punctuation at a line's start, ASCII
words and the given names kept whole, cells of names broken only between words).

Part of the layout engine of reports/pdf.py (which re-exports these names)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Iterable
from itertools import accumulate

from reportlab.lib.colors import Color, black
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfgen.canvas import Canvas

from reports.fonts import Face, FontSet

NO_LINE_START = set("，。、；：？！）》」』”’〕】…—,.;:?!)]}%")
NO_LINE_END = set("（《「『“‘〔【([{")

# Words never broken by Pen.wrap: the words, the greatest length, the lengths by first character.
WordIndex = tuple[Collection[str], int, dict[str, tuple[int, ...]]]


# A text in one face at one size as `draw` writes it: the font its first subset needs, its
# operators after a text matrix when that font is not current (opening with "Tf") and when it is,
# the font current afterwards, its width in 1/1000 em.
Run = tuple[tuple[str, float], str, str, tuple[str, float], float]


class Pen:
    """Draws and measures text with a FontSet on one canvas.

    Text is written as PDF operators, one text object per page: ReportLab's drawString builds a
    text object per call and re-encodes every string (a profile of a 10,000-row ledger spent 70 %
    of its time there). Each distinct string is encoded once per document: through the public
    TTFont.splitString / getSubsetInternalName pair (which also registers the subset for
    embedding) while it has a character not encoded before, from the codes splitString gave its
    characters otherwise (_Codes); the page's operators go in with canvas.addLiteral."""

    def __init__(self, canvas: Canvas, fonts: FontSet):
        self.canvas = canvas
        self.fonts = fonts
        self._ops: list[str] = []
        self._font: tuple[str, float] | None = None
        self._color: Color | None = None
        self._encoded: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._codes: dict[str, _Codes] = {}  # face name -> the codes its characters were given
        self._runs: dict[tuple[str, float], dict[str, Run]] = {}  # (role, size) -> text -> Run
        self._color_ops: dict[int, tuple[Color, str]] = {}  # id -> the colour and its "rg" (Color hashes slowly)
        self.fills: dict[int, tuple[Color, str]] = {}  # id -> a shading's colour and its "rg" (Page.fill)
        self.coordinates: dict[float, str] = {}  # fp_str of the rulings' coordinates (Page.grid)
        self.grids: dict[tuple[float, tuple[float, ...]], tuple[str, ...]] = {}  # (x, widths) -> edges (Page.grid)
        self._word_indexes: dict[int, tuple[Collection[str], WordIndex | None]] = {}

    def flush(self) -> None:
        """Put the page's text on the canvas (above the shapes drawn so far)."""
        if self._ops:
            self.canvas.addLiteral("q BT\n" + "\n".join(self._ops) + "\nET Q")
            self._ops = []
        self._font = None
        self._color = None

    def reset(self) -> None:
        self.flush()

    def _encode(self, face: Face, text: str) -> list[tuple[str, str]]:
        key = (face.name, text)
        found = self._encoded.get(key)
        if found is None:
            codes = self._codes.get(face.name)
            if codes is None:
                codes = self._codes[face.name] = _Codes()
            if text and codes.known.issuperset(text):
                found = codes.encode(text)
            else:
                font = face.load()
                doc = self.canvas._doc  # the document whose subsets the codes belong to
                parts = font.splitString(text, doc)
                found = [(font.getSubsetInternalName(subset, doc), escapePDF(data)) for subset, data in parts]
                codes.learn(text, parts, found)
            if len(self._encoded) < 300_000:
                self._encoded[key] = found
        return found

    def width(self, text: str, size: float, role: str = "song") -> float:
        return self.fonts.width(text, size, role)

    def runs(self, role: str, size: float) -> dict[str, Run]:
        """Texts of one role and size written before in one face, as `run` made them."""
        key = (role, size)
        found = self._runs.get(key)
        if found is None:
            found = self._runs[key] = {}
        return found

    def run(self, text: str, role: str, size: float) -> Run | None:
        """`text` (not empty) as `draw` would write it, for `show_lines`; None when it needs several
        faces (a rare character in a fallback font, or in none: `draw` handles those). The operators
        of a table cell are joined once per document rather than appended one by one per cell (the
        30-column ledger draws 560,000 cell lines)."""
        cache = self.runs(role, size)
        found = cache.get(text)
        if found is None:
            runs = self.fonts.runs(text, role)
            if len(runs) != 1:
                return None
            face, part = runs[0]
            em = self.fonts.ems(role).get(text)  # measured when the row was laid out, as a rule
            encoded = self._encode(face, part)
            first = (encoded[0][0], size)
            font = first
            rest: list[str] = []
            for name, data in encoded:  # what draw appends after its "Tm", entering with `first` current
                if font != (name, size):
                    rest.append(f"{name} {size:g} Tf")
                    font = (name, size)
                rest.append(f"({data}) Tj")
            body = "\n".join(rest)
            found = (first, f"{first[0]} {size:g} Tf\n{body}", body, font, face.em(part) if em is None else em)
            if len(cache) < 300_000:
                cache[text] = found
        return found

    def show_lines(self, lines: Iterable[tuple[str, Run, Color | None]]) -> None:
        """Texts written as `draw` writes them: each a "... Tm" text matrix, its Run, its colour."""
        ops = self._ops
        append = ops.append
        current, font = self._color, self._font
        color_ops = self._color_ops
        for matrix, run, color in lines:
            wanted = color or black
            if wanted is not current:
                known = color_ops.get(id(wanted))
                if known is None or known[0] is not wanted:
                    op = f"{wanted.red:.3f} {wanted.green:.3f} {wanted.blue:.3f} rg"
                    known = color_ops[id(wanted)] = (wanted, op)
                append(known[1])
                current = wanted
            append(matrix)
            append(run[2] if font == run[0] else run[1])
            font = run[3]
        self._color, self._font = current, font

    def draw(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        role: str = "song",
        align: str = "left",
        color: Color | None = None,
        hscale: float = 1.0,
    ) -> None:
        """Text at (x, baseline y); `hscale` < 1 narrows the characters (a masthead's 长宋)."""
        if not text:
            return
        if align != "left":
            w = self.fonts.width(text, size, role) * hscale
            x -= w if align == "right" else w / 2
        ops = self._ops
        wanted = color or black
        if wanted is not self._color:
            ops.append(f"{wanted.red:.3f} {wanted.green:.3f} {wanted.blue:.3f} rg")
            self._color = wanted
        runs = self.fonts.runs(text, role)
        for face, part in runs:
            ops.append(f"{hscale:g} 0 0 1 {x:.2f} {y:.2f} Tm")
            for name, data in self._encode(face, part):
                if self._font != (name, size):
                    ops.append(f"{name} {size:g} Tf")
                    self._font = (name, size)
                ops.append(f"({data}) Tj")
            if len(runs) > 1:
                x += face.em(part) * size / 1000.0 * hscale

    def draw_spaced(self, x: float, y: float, text: str, size: float, pitch: float, role: str) -> None:
        """Characters on a fixed grid (official documents: 28 characters per line)."""
        for ch in text:
            w = self.fonts.width(ch, size, role)
            advance = pitch if w > size * 0.75 else pitch / 2
            self.draw(x, y, ch, size, role)
            x += advance

    def wrap(
        self,
        text: str,
        width: float,
        size: float,
        role: str = "song",
        breaks: str | None = None,
        words: Collection[str] = (),
    ) -> list[str]:
        """Line breaking for Chinese text: any character may start a line except closing
        punctuation (and none may end with an opening one); runs of ASCII letters and digits
        (numbers, ID numbers, dates) stay whole when they fit on a line, and so do the `words`
        (names, places, terms) found in the text.

        With `breaks` (e.g. WORD_BREAKS) a line ends only after one of those characters: names,
        places, dates stay whole; a single token wider than `width` is broken as above."""
        lines: list[str] = []
        text = str(text)
        paras = text.split("\n") if "\n" in text else (text,)
        for para in paras:
            if self.fonts.width(para, size, role) <= width:
                lines.append(para)
                continue
            if breaks is not None:
                lines += self._wrap_tokens(para, width, size, role, breaks)
                continue
            index = self._word_index(words) if words else None
            widths = self.fonts.char_widths(para, size, role)
            # A line from `start` overflows at the first character i (checked from `check` on) where
            # the running sum of the widths from `start` exceeds `width`; the running sums are added
            # left to right (as the line is filled), so they are the very floats a character loop adds.
            start, check, n = 0, 1, len(para)
            while True:
                sums = list(accumulate(widths[start:]))
                k = bisect_right(sums, width, check - start)
                if k >= n - start:
                    break
                i = start + k
                cut = _break_before(para, start, i)
                if index is not None:
                    cut = _before_word(para, start, cut, index)
                lines.append(para[start:cut])
                start, check = cut, i + 1
            lines.append(para[start:])
        return lines

    def _word_index(self, words: Collection[str]) -> WordIndex | None:
        """The `words` with their greatest length and the lengths of those longer than one
        character by first character; None when no word is longer than one character."""
        found = self._word_indexes.get(id(words))
        if found is None or found[0] is not words:
            lengths: dict[str, set[int]] = {}
            for w in words:
                if len(w) > 1:
                    lengths.setdefault(w[0], set()).add(len(w))
            longest = max((len(w) for w in words), default=0)
            index = (words, longest, {ch: tuple(sorted(ns)) for ch, ns in lengths.items()}) if lengths else None
            found = (words, index)
            self._word_indexes[id(words)] = found
        return found[1]

    def _wrap_tokens(self, para: str, width: float, size: float, role: str, breaks: str) -> list[str]:
        lines: list[str] = []
        current = ""
        for token in tokens(para, breaks):
            candidate = current + token
            if not current or self.fonts.width(candidate.rstrip(), size, role) <= width:
                current = candidate
                continue
            lines.append(current.rstrip())
            current = token.lstrip() if not token.isspace() else ""
        if current.strip() or not lines:
            lines.append(current.rstrip())
        out: list[str] = []
        for line in lines:  # a token wider than the line (the column could not be made wide enough)
            out += [line] if self.fonts.width(line, size, role) <= width else self.wrap(line, width, size, role)
        return out


class _Codes:
    """The codes TTFont.splitString gave the characters of one face in this document, to encode a
    text of characters all given codes before without it. splitString gives a character its code
    once per document (its subset and its byte in it), so a text's encoding follows from its
    characters' codes: runs of one subset, each byte escaped as escapePDF escapes it alone. The
    brief ledger encodes 22,500 distinct texts; splitString's loop per character took a fifth of
    the drawing's CPU time, two translate calls take a tenth of that."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.subsets: dict[int, str] = {}  # character -> its subset number as a character
        self.escaped: dict[int, str] = {}  # character -> its byte as escapePDF writes it
        self.names: dict[int, str] = {}  # subset -> the font name of the subset

    def learn(self, text: str, parts: list[tuple[int, bytes]], encoded: list[tuple[str, str]]) -> None:
        """Record what splitString made of `text`: one byte per character, in order."""
        if sum(len(data) for _, data in parts) != len(text):
            return  # not one byte per character: such texts go to splitString every time
        position = 0
        for (subset, data), (name, _) in zip(parts, encoded, strict=True):
            self.names[subset] = name
            for byte in data:
                code = ord(text[position])
                self.subsets[code] = chr(subset)
                self.escaped[code] = escapePDF(bytes((byte,)))
                position += 1
        self.known.update(text)

    def encode(self, text: str) -> list[tuple[str, str]]:
        """`text` (not empty, every character known) as splitString and escapePDF would give it."""
        subsets = text.translate(self.subsets)
        first = subsets[0]
        if subsets.count(first) == len(subsets):
            return [(self.names[ord(first)], text.translate(self.escaped))]
        return [
            (self.names[ord(subsets[m.start()])], text[m.start() : m.end()].translate(self.escaped))
            for m in _SAME_RUN.finditer(subsets)
        ]


_SAME_RUN = re.compile(r"(.)\1*", re.S)


def _before_word(para: str, start: int, cut: int, index: WordIndex) -> int:
    """`cut` moved back to the start of a word it would break (when the line keeps something):
    the first position before `cut` where one of the words begins and runs past `cut`."""
    words, longest, lengths_of = index
    n = len(para)
    for s in range(max(start + 1, cut - longest + 1), cut):
        lengths = lengths_of.get(para[s])
        if lengths is not None:
            for length in lengths:
                e = s + length
                if cut < e <= n and para[s:e] in words:
                    return s
    return cut


WORD_BREAKS = " \u3000/、，,；;"  # where a cell of names, places or terms may end a line


def tokens(text: str, breaks: str) -> list[str]:
    """`text` cut after each character of `breaks` (the break character stays with its token)."""
    out: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in breaks:
            out.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        out.append(text[start:])
    return out


def _break_before(para: str, start: int, cut: int) -> int:
    """Where to break a line that overflows at `cut`: moved back past closing punctuation (a run
    like "）。" included), opening punctuation and ASCII words (numbers, "63.3%") until the next
    line starts cleanly — unless that would leave the line empty."""
    while True:
        moved = False
        while cut - 1 > start and (para[cut] in NO_LINE_START or para[cut - 1] in NO_LINE_END):
            cut -= 1
            moved = True
        if para[cut] in WORD_CHARS and para[cut - 1] in WORD_CHARS:
            j = cut
            while j > start and para[j - 1] in WORD_CHARS:
                j -= 1
            if start < j < cut:
                cut = j
                moved = True
        if not moved:
            return cut


# ASCII letters, digits and "-./:" (numbers, dates, "63.3%" but for the sign): kept together
WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-./:")
