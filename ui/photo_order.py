"""How the case window lays out evidence: 整改前 and 整改后 photos first and next to each other
(the 佐证材料 list flows left to right, so a before and an after sit side by side), then the rest;
and what a subcategory's minimum number of photos still asks for (ledger/photos.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledger.dto import EvidenceView
from ledger.photos import photo_minimums

ORDER = {"photo_before": 0, "photo_after": 1}


def evidence_order(e: EvidenceView) -> tuple[int, int]:
    return ORDER.get(e.kind, len(ORDER)), e.id


def photo_shortfall(subcategory: str, evidence: Sequence[EvidenceView], names: Mapping[str, str]) -> list[str]:
    """ "整改后照片（至少2张，已有1张）" for each photo kind below the subcategory's minimum."""
    out = []
    for kind, least in sorted(photo_minimums().get(subcategory, {}).items()):
        have = sum(1 for e in evidence if e.kind == kind)
        if 0 < have < least:
            out.append(f"{names.get(kind, kind)}（至少{least}张，已有{have}张）")
    return out


def list_caption(e: EvidenceView) -> str:
    """Under a thumbnail: the kind, then the capture time and place one per line, so the list never
    breaks 北纬/东经 or a date; a file that is not a photo shows its name."""
    if not e.photo_caption:
        return f"{e.kind_name}\n{e.original_name}"
    return (
        e.kind_name
        + "\n"
        + e.photo_caption.replace("拍摄于 ", "拍摄于\n")
        .replace(" 北纬", "\n北纬")
        .replace(" 南纬", "\n南纬")
        .replace(" 东经", "\n东经")
        .replace(" 西经", "\n西经")
    )
