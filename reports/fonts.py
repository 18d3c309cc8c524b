"""Embedded TrueType fonts with per-character fallback.

Reports use four faces by role: 宋体 (tables and body), 仿宋 (official letters), 黑体 (headings) and
小标宋 (official titles). On Windows these are the system's SimSun/FangSong/SimHei (and 方正小标宋
where installed); everywhere else, and for any role whose font is missing, the freely licensed
WenQuanYi Micro Hei shipped in resources/fonts. ReportLab's built-in CID fonts (STSong-Light) are
never used: they are not embedded, so the reader substitutes whatever it has.

Before a string is drawn it is split into runs by coverage: a character the role's font lacks is
drawn with the first other font that has it (SimSun-ExtB on Windows, Hanazono Mincho where
installed, or any TrueType font the office drops into the data folder's `fonts`); a character no font
has is drawn as 〓 and reported — which character, and in which case — never as a silent empty box.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat
from operator import mul
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from ledger.paths import data_dir, resource_path

ROLES = ("song", "fang", "hei", "title")
ROLE_NAMES = {"song": "宋体", "fang": "仿宋", "hei": "黑体", "title": "小标宋"}
PLACEHOLDER = "〓"  # the typesetter's mark for a character the type case lacks

SHIPPED = ("WenQuanYi Micro Hei", "wqy-microhei.ttc", 0)

# (label, file name, index in a collection) per role, best first, in the Windows fonts folder.
WINDOWS_FACES: dict[str, tuple[tuple[str, str, int], ...]] = {
    "song": (("SimSun", "simsun.ttc", 0), ("SimSun", "simsun.ttf", 0)),
    "fang": (("FangSong", "simfang.ttf", 0), ("SimSun", "simsun.ttc", 0)),
    "hei": (("SimHei", "simhei.ttf", 0),),
    "title": (
        ("FZXiaoBiaoSong-B05S", "FZXBSJW.TTF", 0),
        ("FZXiaoBiaoSong-B05S", "方正小标宋简体.ttf", 0),
        ("FZXiaoBiaoSong-B05S", "FZXiaoBiaoSong-B05S.ttf", 0),
        ("FZXiaoBiaoSong-B05", "FZXBSK.TTF", 0),
        ("SimHei", "simhei.ttf", 0),
    ),
}
# Fonts asked only for characters the role's font lacks (rare name characters, CJK Ext. B…).
EXTRA_FACES: tuple[tuple[str, str, int], ...] = (
    ("SimSun-ExtB", "simsunb.ttf", 0),
    ("SimSun-ExtB", "SimSun-ExtB.ttf", 0),
    ("HanaMinA", "HanaMinA.ttf", 0),
    ("HanaMinB", "HanaMinB.ttf", 0),
)
LINUX_FONT_DIRS = ("/usr/share/fonts/truetype/hanazono", "/usr/share/fonts/truetype", "/usr/local/share/fonts")


def _utf16_hex(code: int) -> str:
    """<4E2D> for 中, <D840DDD4> (a surrogate pair) for 𠇔."""
    return chr(code).encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap with characters beyond the BMP written as UTF-16 surrogate pairs.
    ReportLab 5.1 formats every code with %04X, so 𠇔 (U+201D4) is copied out of the PDF as ”
    (U+201D) although the right glyph is drawn — and rare name characters are exactly those."""
    pairs = "\n".join(f"<{i:02X}> <{_utf16_hex(v)}>" for i, v in enumerate(subset))
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            pairs,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # looked up at save time by TTFont.addObjects


# Parsed faces by (file, index, size, modification time), shared by the FontSets of a process:
# parsing the shipped 5 MB collection costs about 0.1 s of CPU (a third of a second under cProfile)
# each time a report builds its own FontSet. A TTFont keeps its subsets per document (TTFont.state
# is keyed by the document), so one parsed face serves every document; pdfmetrics' registry holds
# it alive anyway.
_PARSED: dict[tuple[str, int, int, int], TTFont] = {}


class Face:
    """One TrueType face, loaded (parsed and registered with ReportLab) on first use."""

    def __init__(self, label: str, path: Path, index: int = 0):
        self.label = label
        self.path = path
        self.index = index
        self.name = f"zg-{path.stem}-{index}"
        self._font: TTFont | None = None
        self._cmap: dict[int, int] = {}
        self._widths: dict[int, float] = {}
        self._default = 1000.0

    def load(self) -> TTFont:
        if self._font is None:
            try:
                stat = self.path.stat()
                key = (str(self.path), self.index, stat.st_size, stat.st_mtime_ns)
                font = _PARSED.get(key)
                if font is None:
                    font = _PARSED[key] = TTFont(self.name, str(self.path), subfontIndex=self.index)
            except (TTFError, OSError) as err:
                raise FontError(f"字体文件 {self.path.name} 无法使用：{err}") from err
            pdfmetrics.registerFont(font)
            self._font = font
            self._cmap = font.face.charToGlyph
            self._widths = font.face.charWidths
            self._default = font.face.defaultWidth
        return self._font

    @property
    def cmap(self) -> dict[int, int]:
        self.load()
        return self._cmap

    def em(self, text: str) -> float:
        """Advance width of `text` in 1/1000 em (multiply by size/1000 for points)."""
        self.load()
        # the same floats added in the same order as a loop over the characters, without one
        return sum(map(self._widths.get, map(ord, text), repeat(self._default)))

    def covers(self, ch: str) -> bool:
        return ord(ch) in self.cmap


class FontError(Exception):
    pass


@dataclass
class Missing:
    """Characters no available font has, with where they occurred (case numbers, or a label)."""

    where: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, ch: str, context: str) -> None:
        self.where[ch].add(context)

    def __bool__(self) -> bool:
        return bool(self.where)

    def describe(self) -> list[str]:
        out = []
        for ch, places in sorted(self.where.items()):
            shown = "、".join(sorted(places)[:5]) + ("等" if len(places) > 5 else "")
            out.append(f"“{ch}”（U+{ord(ch):04X}）见 {shown}")
        return out


class FontSet:
    """The faces per role and the fallback chain; splits text into runs of one face each."""

    def __init__(self, roles: dict[str, Face], fallbacks: list[Face]):
        self.roles = roles
        self.fallbacks = fallbacks  # asked in order for characters the role's face lacks
        self.missing = Missing()
        self.context = ""  # set by the report to the case being laid out, for the missing report
        self.record = True  # layout records missing characters; drawing the same text again does not
        self._run_cache: dict[tuple[str, str], list[tuple[Face, str]]] = {}
        self._width_cache: dict[str, dict[str, float]] = {role: {} for role in roles}  # role -> text -> em
        for face in roles.values():
            face.load()
        placeholder_face = next((f for f in [*roles.values(), *fallbacks] if f.covers(PLACEHOLDER)), None)
        self._placeholder = PLACEHOLDER if placeholder_face else "?"

    # -- discovery --------------------------------------------------------------------------------
    @classmethod
    def shipped_only(cls) -> FontSet:
        face = Face(SHIPPED[0], resource_path("fonts", SHIPPED[1]), SHIPPED[2])
        return cls(dict.fromkeys(ROLES, face), [])

    @classmethod
    def discover(cls, *, windows: bool | None = None, environ: Mapping[str, str] | None = None) -> FontSet:
        """Windows official faces where present, the shipped face otherwise; extra faces from the
        Windows fonts folder, the usual Linux folders and the data folder's `fonts`. `windows` and
        `environ` let a test run the Windows discovery against a fake fonts folder anywhere."""
        windows = sys.platform == "win32" if windows is None else windows
        shipped = Face(SHIPPED[0], resource_path("fonts", SHIPPED[1]), SHIPPED[2])
        folders = _font_folders(windows, os.environ if environ is None else environ)
        # File names compared without case, as Windows does (simsun.ttc, SIMSUN.TTC, SimSun.ttc).
        listing = {folder: _names(folder) for folder in folders}
        by_path: dict[tuple[Path, int], Face] = {}

        def face_for(label: str, filename: str, index: int) -> Face | None:
            for folder in folders:
                path = listing[folder].get(filename.lower(), folder / filename)
                if path.is_file():
                    key = (path, index)
                    if key not in by_path:
                        by_path[key] = Face(label, path, index)
                    return by_path[key]
            return None

        roles: dict[str, Face] = {}
        for role in ROLES:
            chosen = shipped
            for label, filename, index in WINDOWS_FACES[role] if windows else ():
                found = face_for(label, filename, index)
                if found is not None and _usable(found):
                    chosen = found
                    break
            roles[role] = chosen
        fallbacks = [f for f in dict.fromkeys(roles.values())]
        if shipped not in fallbacks:
            fallbacks.append(shipped)
        for label, filename, index in EXTRA_FACES:
            found = face_for(label, filename, index)
            if found is not None and found not in fallbacks:
                fallbacks.append(found)
        user_fonts = data_dir() / "fonts"
        if user_fonts.is_dir():
            for path in sorted(user_fonts.iterdir()):
                if path.suffix.lower() in (".ttf", ".ttc"):
                    fallbacks.append(Face(path.stem, path, 0))
        return cls(roles, fallbacks)

    def describe(self) -> str:
        named = "、".join(f"{ROLE_NAMES[r]}：{f.label}" for r, f in self.roles.items())
        extra = "、".join(f.label for f in self.fallbacks if f not in self.roles.values())
        return named + (f"；补字：{extra}" if extra else "")

    # -- text ------------------------------------------------------------------------------------------
    def runs(self, text: str, role: str = "song") -> list[tuple[Face, str]]:
        """`text` split into (face, substring) runs; uncovered characters become the placeholder
        and are recorded with the current context."""
        key = (role, text)
        cached = self._run_cache.get(key)
        if cached is not None:
            return cached
        primary = self.roles[role]
        cmap = primary.cmap
        if all(map(cmap.__contains__, map(ord, text))):
            result = [(primary, text)]
        else:
            result = []
            complete = True
            for ch in text:
                face = primary if ord(ch) in cmap else self._fallback_for(ch)
                if face is None:  # recorded every time, so each case naming it is reported
                    complete = False
                    if self.record:
                        self.missing.add(ch, self.context or "报表")
                    face, ch = self._placeholder_face(role), self._placeholder
                if result and result[-1][0] is face:
                    result[-1] = (face, result[-1][1] + ch)
                else:
                    result.append((face, ch))
            if not complete:
                return result
        if len(self._run_cache) < 200_000:
            self._run_cache[key] = result
        return result

    def _fallback_for(self, ch: str) -> Face | None:
        if ch in "\n\r\t":
            return None
        for face in self.fallbacks:
            try:
                if face.covers(ch):
                    return face
            except FontError:
                continue
        return None

    def _placeholder_face(self, role: str) -> Face:
        primary = self.roles[role]
        if primary.covers(PLACEHOLDER):
            return primary
        return next((f for f in self.fallbacks if f.covers(PLACEHOLDER)), primary)

    def width(self, text: str, size: float, role: str = "song") -> float:
        cache = self._width_cache.get(role)
        if cache is None:
            cache = self._width_cache.setdefault(role, {})
        em = cache.get(text)
        if em is None:
            em = sum(face.em(part) for face, part in self.runs(text, role))
            if len(cache) < 200_000:
                cache[text] = em
        return em * size / 1000.0

    def complete(self, text: str, role: str = "song") -> bool:
        """Whether every character of `text` is in some face (no placeholder drawn). Asking records
        the missing ones as `runs` does; a caller keeps results about `text` only when complete, so
        that each case naming a missing character is still reported."""
        key = (role, text)
        if key in self._run_cache:
            return True
        self.runs(text, role)
        return key in self._run_cache  # runs caches complete results only

    def ems(self, role: str = "song") -> dict[str, float]:
        """The cache behind `width` for one role (text -> advance in 1/1000 em): a caller measuring
        many strings looks them up here and calls `width` only for those not yet measured."""
        cache = self._width_cache.get(role)
        if cache is None:
            cache = self._width_cache.setdefault(role, {})
        return cache

    def char_widths(self, text: str, size: float, role: str = "song") -> list[float]:
        """Per-character advances in points (for line breaking)."""
        out: list[float] = []
        scale = size / 1000.0
        for face, part in self.runs(text, role):
            face.load()
            out += map(mul, map(face._widths.get, map(ord, part), repeat(face._default)), repeat(scale))
        return out


def _usable(face: Face) -> bool:
    try:
        face.load()
    except FontError:
        return False
    return True


def _names(folder: Path) -> dict[str, Path]:
    try:
        return {p.name.lower(): p for p in folder.iterdir()}
    except OSError:
        return {}


def _font_folders(windows: bool, environ: Mapping[str, str]) -> list[Path]:
    """The system fonts folder and the per-user one (fonts installed "for me only", Windows 10 1809+)."""
    folders: list[Path] = []
    if windows:
        windir = environ.get("WINDIR") or environ.get("SystemRoot") or r"C:\Windows"
        folders.append(Path(windir) / "Fonts")
        local = environ.get("LOCALAPPDATA")
        if local:
            folders.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    else:
        folders.extend(Path(p) for p in LINUX_FONT_DIRS)
    return [f for f in folders if f.is_dir()]
