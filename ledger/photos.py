"""Photos people believe: a photo evidence kind (整改前/整改后照片) takes an image only, whose content
and file extension agree; its capture time and GPS position are read from the EXIF the camera
wrote (never invented: "无拍摄信息" when the file has none); a subcategory may ask for a minimum
number of photos of a kind (resources/seed/catalog.json "min_photos"), checked where the workflow
checks the required evidence.

Pillow reads the EXIF (it is already ReportLab's dependency; pinned in pyproject.toml)."""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import EvidenceError
from ledger.evidence import sniff
from ledger.seed import load_catalog

PHOTO_KINDS = frozenset({"photo_before", "photo_after"})
# What each image type may be called; a name without an extension is judged by its content alone.
EXTENSIONS = {"image/jpeg": (".jpg", ".jpeg", ".jpe"), "image/png": (".png",)}
NO_INFO = "无拍摄信息"

_DATE_TIME_ORIGINAL = 0x9003
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATE_TIME = 0x0132


@dataclass(frozen=True)
class PhotoInfo:
    taken_at: dt.datetime | None = None
    latitude: float | None = None  # decimal degrees, south negative
    longitude: float | None = None  # decimal degrees, west negative


def _head(source: Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source[:16]
    with open(source, "rb") as f:
        return f.read(16)


def check_photo(kind: str, source: Path | bytes, name: str) -> None:
    """Refuse, naming the file, anything but a JPEG or PNG as a photo kind, and a photo whose
    extension says another type than its content (a PDF renamed .jpg, a JPEG named .png)."""
    if kind not in PHOTO_KINDS:
        return
    mime = sniff(_head(source))
    suffix = Path(name).suffix.lower()
    if mime not in EXTENSIONS:
        what = "是 PDF 文件" if mime == "application/pdf" else "不是 JPG 或 PNG 图片"
        hint = "（HEIC 等格式请先转换为 JPG）" if suffix in (".heic", ".heif", ".webp") else ""
        raise EvidenceError(f"“{name}”{what}，照片只能是 JPG 或 PNG 图片{hint}")
    if suffix and suffix not in EXTENSIONS[mime]:
        actual = "JPG" if mime == "image/jpeg" else "PNG"
        raise EvidenceError(f"“{name}”的扩展名是 {suffix}，内容却是 {actual} 图片，请核对后改正文件名再添加")


def _degrees(value: object, ref: object) -> float | None:
    try:
        d, m, s = (float(part) for part in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    return -degrees if str(ref).upper() in ("S", "W") else degrees


def read_info(source: Path | bytes) -> PhotoInfo:
    """Capture time (DateTimeOriginal, else DateTime) and GPS position from the EXIF; fields the
    file lacks (or cannot give) stay None. Never raises for a picture it cannot read."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as picture:
            exif = picture.getexif()
    except Exception:  # not decodable: Pillow raises several kinds of error; no information then
        return PhotoInfo()
    taken = exif.get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL) or exif.get(_DATE_TIME)
    taken_at = None
    if isinstance(taken, str):
        try:
            taken_at = dt.datetime.strptime(taken.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken_at = None
    gps = exif.get_ifd(_GPS_IFD)
    lat = _degrees(gps.get(2), gps.get(1)) if gps.get(2) else None
    lon = _degrees(gps.get(4), gps.get(3)) if gps.get(4) else None
    if (lat is not None and not -90 <= lat <= 90) or (lon is not None and not -180 <= lon <= 180):
        lat = lon = None
    return PhotoInfo(taken_at, lat, lon)


def place_text(latitude: float | None, longitude: float | None) -> str:
    if latitude is None or longitude is None:
        return ""
    ns = "北纬" if latitude >= 0 else "南纬"
    ew = "东经" if longitude >= 0 else "西经"
    return f"{ns}{abs(latitude):.5f}° {ew}{abs(longitude):.5f}°"


def caption(taken_at: dt.datetime | None, latitude: float | None, longitude: float | None) -> str:
    """What is shown and printed beside a photo: 拍摄于 2026-05-06 10:21 北纬… 东经…, or 无拍摄信息."""
    if taken_at is None and latitude is None:
        return NO_INFO
    parts = [f"拍摄于 {taken_at:%Y-%m-%d %H:%M}" if taken_at else "拍摄时间不详"]
    place = place_text(latitude, longitude)
    if place:
        parts.append(place)
    return " ".join(parts)


@functools.cache
def photo_minimums() -> dict[str, dict[str, int]]:
    """Per subcategory, the least number of photos of each kind (catalog.json "min_photos"); a
    subcategory not listed asks for one of each photo kind it requires, as before."""
    out: dict[str, dict[str, int]] = {}
    for category in load_catalog()["categories"]:
        for sub in category["subcategories"]:
            wanted = sub.get("min_photos") or {}
            for kind, n in wanted.items():
                if kind not in PHOTO_KINDS or not isinstance(n, int) or n < 1:
                    raise ValueError(f"catalog.json: {sub['code']} min_photos {kind}={n!r}")
            out[sub["code"]] = dict(wanted)
    return out


FOLDER_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".png", ".pdf", ".tif", ".tiff")


def folder_files(folder: Path) -> list[Path]:
    """The evidence files directly in `folder` (photos, PDFs and scans; not its subfolders), in name
    order, for 添加文件夹…: each is then added on its own and a refused one is named."""
    return sorted(
        (p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES),
        key=lambda p: p.name,
    )
