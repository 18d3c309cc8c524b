"""The quick search's one- and two-character index: a bulk write computes each line's grams once
(ledger/search.py); the text it stores must be exactly what grams() gives for the whole body."""

from __future__ import annotations

import random

from ledger.search import _lines_grams, grams


def test_grams_line_by_line_equal_grams_of_the_whole_body():
    words = ["漏雨", "开裂", "房屋", "王五", "Ab", "Ｃｄ", "１２", "3", "Σ", "ﬁ", "①", "ǅ", "e\u0301"]
    pieces = [*words, " ", "\n", "\t", "，"]
    rng = random.Random(18)
    known: dict[str, str] = {}
    for _ in range(5000):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert _lines_grams(body, known) == grams(body), repr(body)
    assert _lines_grams(None, known) == grams(None) == ""
    assert _lines_grams("王五\n\n房屋漏雨", known) == "王 五 王五 房 屋 房屋 漏 屋漏 雨 漏雨"
