"""Real pictures for tests: JPEGs written with Pillow, with the EXIF a camera writes when asked."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(taken: str | None = None, gps: tuple[float, float] | None = None, colour=(200, 120, 40)) -> bytes:
    """A real JPEG; EXIF DateTimeOriginal and GPS (degrees/minutes/seconds rationals) when given."""
    picture = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if gps:
        lat, lon = gps

        def dms(value: float) -> tuple[float, float, float]:
            value = abs(value)
            d = int(value)
            m = int((value - d) * 60)
            return (float(d), float(m), round((value - d - m / 60) * 3600, 4))

        exif.get_ifd(0x8825).update(
            {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
        )
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif)
    return out.getvalue()
