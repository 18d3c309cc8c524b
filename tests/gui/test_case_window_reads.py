"""The case window's reads go through the operations thread (ui/ops.py): the application opens a case
by reading it there and building the window on arrival, and a re-read that fails leaves the window
as it was, usable, with the reason in Chinese."""

from __future__ import annotations

import errno
import sqlite3
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices

from ledger.errors import StorageError
from tests.images import jpeg
from ui.case_dialog import CaseDialog
from ui.case_reads import viewer_copy
from ui.main_window import MainWindow


def test_a_re_read_that_fails_leaves_the_window_usable_with_a_chinese_message(qtbot, world, ctx_of):
    lg = world.ledger
    case = world.register()
    dialog = CaseDialog(ctx_of(world.coordinator), case.id)
    qtbot.addWidget(dialog)
    dialog.show()
    title = dialog.title.text()
    remarks = dialog.editors.widgets["remarks"]
    remarks.setPlainText("户主外出务工，联系其子女")
    # The case removed behind the window's back (another program on the same file): every read and
    # write of it is refused from now on.
    raw = sqlite3.connect(lg.engine.url.database)
    with raw:
        raw.execute("DELETE FROM cases WHERE id = ?", (case.id,))
    raw.close()

    dialog.reload()
    assert dialog.busy and not dialog.refresh_button.isEnabled() and not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.notice.isVisible()
    assert dialog.notice.text() == f"未能读取最新内容：没有编号为 {case.id} 的问题"
    assert dialog.title.text() == title and remarks.toPlainText() == "户主外出务工，联系其子女"
    buttons = [dialog.refresh_button, dialog.save_button, dialog.progress_button, *dialog.action_buttons.values()]
    assert all(b.isEnabled() for b in buttons)

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # the window still answers
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.basic_message.text() == f"没有编号为 {case.id} 的问题"
    assert remarks.toPlainText() == "户主外出务工，联系其子女"
    dialog.note_text.setText("已联系施工队")
    dialog.add_progress()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.progress_message.text() == f"没有编号为 {case.id} 的问题"
    assert dialog.note_text.text() == "已联系施工队"
    dialog.tabs.setCurrentIndex(4)
    assert dialog.tabs.currentWidget() is dialog.history_view
    dialog.close()
    assert not dialog.isVisible()


def test_the_application_opens_a_case_by_reading_it_on_the_operations_thread(qtbot, world, ctx_of, answer_boxes):
    case = world.walk(world.register(), "assigned")  # to 县住建局
    window = MainWindow(ctx_of(world.officer))
    qtbot.addWidget(window)
    window.show()
    assert window.open_case(case.id) is None and window.open_case(case.id) is None  # a double double-click
    assert case.id not in window.case_windows and window.statusBar().currentMessage() == "正在读取问题…"
    qtbot.waitUntil(lambda: case.id in window.case_windows, timeout=10_000)
    dialog = window.case_windows[case.id]
    assert dialog.isVisible() and dialog.case.id == case.id and set(dialog.action_buttons) == {"accept"}
    assert window.open_case(case.id) is dialog  # open already: brought forward, not read again
    qtbot.wait(100)
    assert len([w for w in window.findChildren(CaseDialog) if w.isVisible()]) == 1

    other = world.register()
    inputs = {"lead_department_id": world.slj_id}  # 县水利局's: not for this officer's eyes
    elsewhere = world.ledger.cases.act(
        world.coordinator, other.id, "assign", expected_version=other.version, inputs=inputs
    ).case
    assert window.open_case(elsewhere.id) is None
    qtbot.waitUntil(lambda: bool(answer_boxes), timeout=10_000)
    assert answer_boxes == ["该问题不属于您所在的单位或乡镇，您无权查看"]
    assert elsewhere.id not in window.case_windows and not window.cases_opening
    assert window.statusBar().currentMessage() == ""


def _photo_of_a_case(world, tmp_path, monkeypatch, name: str):
    """An 整改中 case with a photo `name` as evidence, the temporary folder moved into tmp_path:
    (the case, the photo's file, its EvidenceView)."""
    case = world.walk(world.register("house.d"), "in_progress")
    photo = tmp_path / name
    photo.write_bytes(jpeg())
    e = world.ledger.cases.add_evidence(world.officer, case.id, photo, "photo_before")
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    return case, photo, e


def test_evidence_opened_twice_is_the_copy_made_and_a_copy_not_written_says_why(
    qtbot, world, ctx_of, tmp_path, monkeypatch
):
    """打开 copies the file to a temporary folder named by its SHA-256 for the system viewer. Opened
    again while Word or WPS holds the earlier copy (Windows refuses the write): the copy there is
    opened as it is. A copy that cannot be written is a Chinese sentence under the list, not the
    crash dialog."""
    w, lg = world, world.ledger
    case, photo, e = _photo_of_a_case(world, tmp_path, monkeypatch, "整改前.jpg")
    target = viewer_copy(lg, e)()
    assert target.name == "整改前.jpg" and target.read_bytes() == photo.read_bytes()

    def held(path: Path, data: bytes) -> int:  # as Windows answers a file another program holds open
        raise PermissionError(errno.EACCES, "The process cannot access the file", str(path))

    with monkeypatch.context() as windows:
        windows.setattr(Path, "write_bytes", held)
        assert viewer_copy(lg, e)() == target  # the copy there, not written again
        with open(target, "ab") as changed:  # saved in the viewer: not the evidence, so written again
            changed.write(b"!")
        with pytest.raises(StorageError, match=r"写入 整改前\.jpg 的副本：没有权限.*请关闭后重试。$"):
            viewer_copy(lg, e)()
    assert viewer_copy(lg, e)() == target and target.read_bytes() == photo.read_bytes()  # written again
    edited = bytearray(target.read_bytes())
    edited[-3] ^= 0xFF  # edited in the viewer and saved, the same size: still not the evidence
    target.write_bytes(bytes(edited))
    assert viewer_copy(lg, e)() == target and target.read_bytes() == photo.read_bytes()
    target.unlink()
    target.mkdir()  # the copy's name taken by a folder: the write fails (IsADirectoryError)
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    dialog = CaseDialog(ctx_of(w.officer), case.id)
    qtbot.addWidget(dialog)
    dialog.open_evidence(e.id)
    qtbot.waitUntil(lambda: not dialog.evidence_opening, timeout=10_000)
    written = "无法在临时文件夹中写入 整改前.jpg 的副本"
    assert dialog.evidence_detail.text() == f"无法打开：{written}：这是一个文件夹，请给出文件名。"
    assert not opened
    target.rmdir()
    dialog.open_evidence(e.id)
    qtbot.waitUntil(lambda: not dialog.evidence_opening, timeout=10_000)
    assert opened == [str(target)] and target.read_bytes() == photo.read_bytes()


def test_the_viewer_copies_are_removed_at_exit(world, tmp_path, monkeypatch):
    """Evidence copied for the system viewer (an ID card, a 户口本) does not stay in the shared PC's
    temporary folder after the program ends (ui/app.py run calls this after its event loop)."""
    from ui.case_reads import clear_viewer_copies, viewer_folder

    _case, scan, e = _photo_of_a_case(world, tmp_path, monkeypatch, "户口本.jpg")
    copy = viewer_copy(world.ledger, e)()
    assert copy.is_file() and copy.is_relative_to(viewer_folder())
    clear_viewer_copies()
    assert not viewer_folder().exists() and scan.is_file()
