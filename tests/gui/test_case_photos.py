"""The case window's photos: a whole folder added at once (a refused file named, others kept), each
photo captioned with its EXIF capture time or 无拍摄信息, 整改前 before 整改后, and what the
subcategory's minimum number of photos still asks for."""

from __future__ import annotations

from tests.images import jpeg
from tests.world import PDF
from ui.case_dialog import CaseDialog


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
