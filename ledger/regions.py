"""Townships and villages typed (or pasted from a list) when a county sets up its ledger.

Two forms are accepted, line by line:
  城关镇：东关村、西关村、南街村          a township and its villages (codes are numbered in order)
  990101001001,东关村,990101001000        12-digit code, name, parent code (empty for a township)
"""

from __future__ import annotations

import re
import unicodedata

from ledger.errors import ValidationError

_SEPARATORS = re.compile(r"[、,，;；\s]+")


def parse_region_lines(text: str, county_code: str) -> list[tuple[str, str, str | None]]:
    """Rows for CatalogService.add_regions, or ValidationError naming every bad line."""
    if not re.fullmatch(r"\d{6}", county_code or ""):
        raise ValidationError("县级行政区划代码应为6位数字，如 990101")
    rows: list[tuple[str, str, str | None]] = []
    problems: list[str] = []
    seen: set[str] = set()
    township_no = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line or line.startswith("#"):
            continue
        coded = [p.strip() for p in line.split(",")]
        if coded and re.fullmatch(r"\d{12}", coded[0]):
            if len(coded) < 2 or not coded[1]:
                problems.append(f"第{number}行缺少名称")
                continue
            parent = coded[2] if len(coded) > 2 and coded[2] else None
            if not coded[0].startswith(county_code):
                problems.append(f"第{number}行的代码 {coded[0]} 不属于本县（{county_code}）")
                continue
            rows.append((coded[0], coded[1], parent))
            continue
        township, sep, villages = line.partition(":")
        township = township.strip()
        if not township:
            problems.append(f"第{number}行缺少乡镇名称")
            continue
        if township in seen:
            problems.append(f"第{number}行的乡镇“{township}”重复")
            continue
        seen.add(township)
        township_no += 1
        if township_no > 999:
            problems.append("乡镇数量超过999个")
            break
        town_code = f"{county_code}{township_no:03d}000"
        rows.append((town_code, township, None))
        names = [v for v in _SEPARATORS.split(villages) if v] if sep else []
        if len(set(names)) != len(names):
            problems.append(f"第{number}行有重复的村名")
        for i, village in enumerate(names, 1):
            rows.append((f"{county_code}{township_no:03d}{i:03d}", village, town_code))
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError(["请至少填写一个乡镇，格式如：城关镇：东关村、西关村"])
    return rows
