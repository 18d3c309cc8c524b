"""Console output that survives any encoding (issue 19).

Windows gives a redirected or piped stream the ANSI code page (cp936, i.e. GBK, on Chinese Windows:
`整改台账-命令行.exe verify > 校验.txt` in a .bat file or a scheduled task). GBK has no ✓ or ✗, no CJK
Extension B characters (rare names), no emoji; Python then raises UnicodeEncodeError in the middle
of a command. `install()` makes stdout and stderr replace what the stream cannot encode instead:
the check marks by words, a Chinese character by 〓 (the mark the printed reports use for a
character no font has), anything else by "?". Where the stream can encode everything (UTF-8
terminals, Linux) nothing changes.
"""

from __future__ import annotations

import codecs
import sys
import unicodedata

HANDLER = "zgtz-console"

# Readable stand-ins, each of which GBK (and so every code page we meet) can encode.
FALLBACKS = {
    "✓": "[通过]",
    "✔": "[通过]",
    "✗": "[未通过]",
    "✘": "[未通过]",
    "⚠": "[注意]",
}


def _stand_in(ch: str, encoding: str) -> str:
    candidates = [FALLBACKS.get(ch, "")]
    if unicodedata.name(ch, "").startswith("CJK"):  # unified ideographs, extensions, compatibility
        candidates.append("〓")
    candidates.append(unicodedata.normalize("NFKC", ch))  # e.g. full-width forms, ligatures
    for text in candidates:
        if not text:
            continue
        try:
            text.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            continue
        return text
    return "?"


def _replace(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    bad = err.object[err.start : err.end]
    return "".join(_stand_in(ch, err.encoding) for ch in bad), err.end


codecs.register_error(HANDLER, _replace)


def install() -> None:
    """Make stdout and stderr replace what they cannot encode (idempotent). A windowed program on
    Windows has no console streams at all (None): nothing to do."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=HANDLER)
