"""The case window's photos: a whole folder added at once (a refused file named, others kept), each
photo captioned with its EXIF capture time or 无拍摄信息, 整改前 before 整改后, and what the
subcategory's minimum number of photos still asks for."""

from __future__ import annotations

import io

from PIL import Image

from tests.images import jpeg
from tests.world import PDF
from ui.case_dialog import CaseDialog
from ui.case_reads import scaled_picture


def test_a_folder_of_photos_is_added_at_once(qtbot, world, ctx_of, tmp_path):
    w = world
    case = w.walk(w.register("house.d"), "in_progress")  # asks for two 整改后照片
    folder = tmp_path / "照片"
    folder.mkdir()
    (folder / "1-整改后.jpg").write_bytes(jpeg("2026:05:06 10:21:33", (30.5, 114.25)))
    (folder / "2-其实是PDF.jpg").write_bytes(PDF)
    (folder / "3-说明.txt").write_text("不是材料", encoding="utf-8")
    (folder / "子文件夹").mkdir()
    (folder / "子文件夹" / "4.jpg").write_bytes(jpeg())
    dialog = CaseDialog(ctx_of(w.officer), case.id)
    qtbot.addWidget(dialog)
    assert dialog.add_folder(str(folder), "photo_after") == 2  # the two .jpg files, handed to ui/ops.py
    qtbot.waitUntil(lambda: not dialog.evidence_busy, timeout=10_000)
    assert dialog.evidence_detail.text().startswith("已添加 1 个文件")
    assert "2-其实是PDF.jpg" in dialog.evidence_detail.text() and "是 PDF 文件" in dialog.evidence_detail.text()
    assert "整改后照片（至少2张，已有1张）" in dialog.evidence_missing.text()
    assert dialog.add_files([str(folder / "子文件夹" / "4.jpg")], "photo_before") == 1
    qtbot.waitUntil(lambda: not dialog.evidence_busy, timeout=10_000)
    texts = [dialog.evidence_list.item(i).text() for i in range(dialog.evidence_list.count())]
    assert texts == ["整改前照片\n无拍摄信息", "整改后照片\n拍摄于\n2026-05-06 10:21\n北纬30.50000°\n东经114.25000°"]
    empty = tmp_path / "空"
    empty.mkdir()
    assert dialog.add_folder(str(empty), "photo_after") == 0 and "没有照片" in dialog.evidence_detail.text()


def test_thumbnails_come_from_the_operations_thread_and_a_changed_file_says_so(qtbot, world, ctx_of, tmp_path):
    w, lg = world, world.ledger
    case = w.walk(w.register("house.d"), "in_progress")
    good = lg.cases.add_evidence(w.officer, case.id, _photo(tmp_path, "前.jpg"), "photo_before")
    bad = lg.cases.add_evidence(w.officer, case.id, _photo(tmp_path, "后.jpg", "2026:05:07 09:00:00"), "photo_after")
    changed = lg.evidence_store.path_for(bad.sha256)
    changed.write_bytes(changed.read_bytes()[:-10] + b"0123456789")  # the stored photo altered on disk
    dialog = CaseDialog(ctx_of(w.officer), case.id)
    qtbot.addWidget(dialog)
    assert dialog.thumbnails_pending  # the list is there at once, the pictures follow
    qtbot.waitUntil(lambda: not dialog.thumbnails_pending, timeout=10_000)
    items = {dialog.evidence_list.item(i).data(256): dialog.evidence_list.item(i) for i in range(2)}
    thumbnail = items[good.id].icon().pixmap(96, 96).toImage()
    assert (thumbnail.width(), thumbnail.height()) == (96, 72)  # the 64×48 photo itself, scaled
    centre = thumbnail.pixelColor(48, 36)
    assert abs(centre.red() - 200) < 12 and abs(centre.green() - 120) < 12 and abs(centre.blue() - 40) < 12
    assert items[bad.id].text().endswith("⚠ 文件缺失或已损坏")


def test_a_camera_photo_is_decoded_straight_at_thumbnail_size(qtbot):
    def camera(size: tuple[int, int]) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", size, (30, 90, 200)).save(out, "JPEG", quality=90)
        return out.getvalue()

    wide, tall = scaled_picture(camera((1600, 1200)), 96), scaled_picture(camera((1200, 1600)), 96)
    assert (wide.width(), wide.height()) == (96, 72) and (tall.width(), tall.height()) == (72, 96)
    colour = wide.pixelColor(48, 36)
    assert abs(colour.red() - 30) < 12 and abs(colour.green() - 90) < 12 and abs(colour.blue() - 200) < 12
    assert scaled_picture(PDF, 96).isNull()  # not a picture: the window keeps the file icon


def _photo(folder, name: str, taken: str = "2026:05:06 10:21:33"):
    path = folder / name
    path.write_bytes(jpeg(taken))
    return path
