"""Photos people believe (ledger/photos.py): a photo kind takes a JPEG or PNG whose name agrees with
it; capture time and GPS come from the EXIF of real JPEGs written here with Pillow (with and without
GPS, S/W negative), never invented; the 销号审批表 prints them beside the photo, 整改前 before 整改后;
a subcategory's minimum number of photos holds 提交核验 back; an SQL edit of a capture time is named."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from ledger.errors import EvidenceError, ValidationError
from ledger.photos import NO_INFO, read_info
from ledger.verify import verify_ledger
from reports.render import ReportRequest, render_report
from tests.images import jpeg
from tests.pdfcheck import read, text_of
from tests.world import PASSWORD, PDF


def test_exif_time_and_place_are_read_from_real_jpegs():
    info = read_info(jpeg("2026:05:06 10:21:33", (30.512345, 114.301234)))
    assert info.taken_at == dt.datetime(2026, 5, 6, 10, 21, 33)
    assert info.latitude == pytest.approx(30.512345, abs=1e-5) and info.longitude == pytest.approx(114.301234, abs=1e-5)
    south_west = read_info(jpeg("2025:12:31 23:59:59", (-33.8688, -70.6693)))
    assert south_west.latitude == pytest.approx(-33.8688, abs=1e-5)
    assert south_west.longitude == pytest.approx(-70.6693, abs=1e-5)
    bare = read_info(jpeg())
    assert bare.taken_at is None and bare.latitude is None and bare.longitude is None
    only_time = read_info(jpeg("2026:01:02 08:00:00"))
    assert only_time.taken_at == dt.datetime(2026, 1, 2, 8) and only_time.latitude is None


def test_a_photo_must_be_an_image_whose_name_agrees(world):
    w, lg = world, world.ledger
    case = w.walk(w.register(), "in_progress")
    with pytest.raises(EvidenceError, match=r"“整改后.jpg”是 PDF 文件，照片只能是 JPG 或 PNG 图片"):
        lg.cases.add_evidence(w.officer, case.id, PDF, "photo_after", "整改后.jpg")
    with pytest.raises(EvidenceError, match=r"扩展名是 \.png，内容却是 JPG"):
        lg.cases.add_evidence(w.officer, case.id, jpeg(), "photo_after", "整改后.png")
    with pytest.raises(EvidenceError, match=r"“a\.heic”不是 JPG 或 PNG 图片.*请先转换为 JPG"):
        lg.cases.add_evidence(w.officer, case.id, b"\x00\x00\x00\x18ftypheic" + b"\0" * 40, "photo_after", "a.heic")
    assert lg.cases.get(case.id).evidence == ()
    # a PDF is fine as a scanned form, and a JPEG named .jpeg as a photo
    lg.cases.add_evidence(w.officer, case.id, PDF, "acceptance", "验收单.pdf")
    view = lg.cases.add_evidence(w.officer, case.id, jpeg("2026:05:06 10:21:33"), "photo_after", "整改后.JPEG")
    assert view.taken_at == dt.datetime(2026, 5, 6, 10, 21, 33) and view.photo_caption == "拍摄于 2026-05-06 10:21"


def test_capture_time_and_place_are_kept_shown_and_printed(world, tmp_path):
    w, lg = world, world.ledger
    case = w.walk(w.register("house.c"), "in_progress")
    lg.cases.add_evidence(w.officer, case.id, jpeg("2026:03:01 09:15:00", (30.5, 114.25)), "photo_before", "前.jpg")
    lg.cases.add_evidence(w.officer, case.id, jpeg(colour=(10, 90, 200)), "photo_after", "后.jpg")
    views = {e.kind: e for e in lg.cases.get(case.id).evidence}
    assert views["photo_before"].photo_caption == "拍摄于 2026-03-01 09:15 北纬30.50000° 东经114.25000°"
    assert views["photo_after"].photo_caption == NO_INFO  # never invented
    lg.cases.add_evidence(w.officer, case.id, PDF, "acceptance", "验收.pdf")
    case = w.walk(lg.cases.get(case.id), "pending_approval")
    out = tmp_path / "销号审批表.pdf"
    render_report(lg, ReportRequest("closure", case_number=case.number), out, w.coordinator)
    text = text_of(read(out)).replace(" ", "")
    assert "拍摄2026-03-0109:15" in text and "30.50000,114.25000" in text and NO_INFO in text
    assert text.index("整改前照片") < text.index("整改后照片")  # before, then after, side by side


def test_a_minimum_number_of_photos_holds_submission_back(world):
    w, lg = world, world.ledger
    case = w.walk(w.register("house.d"), "in_progress")  # 危房D级 asks for two 整改后照片 (catalog.json)
    for kind, name in (("photo_before", "前.jpg"), ("photo_after", "后1.jpg"), ("acceptance", "验收.pdf")):
        lg.cases.add_evidence(w.officer, case.id, PDF if kind == "acceptance" else jpeg(), kind, name)
    lg.cases.add_evidence(w.officer, case.id, PDF, "appraisal", "鉴定.pdf")
    inputs = {"measures": "拆除重建", "completion_date": lg.today()}
    version = lg.cases.get(case.id).version
    with pytest.raises(ValidationError, match="整改后照片至少需要2张，已有1张"):
        lg.cases.act(w.officer, case.id, "submit", expected_version=version, inputs=inputs)
    lg.cases.add_evidence(w.officer, case.id, jpeg(colour=(1, 2, 3)), "photo_after", "后2.jpg")
    done = lg.cases.act(w.officer, case.id, "submit", expected_version=version, inputs=inputs)
    assert done.case.state == "pending_verification"


def test_an_sql_edit_of_a_capture_time_is_named(world):
    w, lg = world, world.ledger
    case = w.walk(w.register(), "in_progress")
    e = lg.cases.add_evidence(w.officer, case.id, jpeg("2026:05:06 10:21:33", (30.5, 114.25)), "photo_after", "a.jpg")
    plain = lg.cases.add_evidence(w.officer, case.id, jpeg(), "photo_before", "b.jpg")
    assert verify_ledger(lg, remember=False).ok
    db = Path(str(lg.engine.url.database))
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("UPDATE evidence SET taken_at = '2026-04-01 08:00:00.000000' WHERE id = ?", (e.id,))
    con.execute("UPDATE evidence SET gps_lat = 31.0, gps_lon = 115.0 WHERE id = ?", (plain.id,))  # invented later
    con.close()
    report = verify_ledger(lg, remember=False)
    assert not report.ok
    named = " ".join(report.details)
    assert "佐证材料" in named and str(e.id) in named and str(plain.id) in named
    assert PASSWORD  # the accounts are those of tests/world.py
