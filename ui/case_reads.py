"""What the case window reads, as work for the operations thread (ui/ops.py): the case with its
history, 公示 state, actions and 督办函 in one bundle, the evidence photos' thumbnails, an evidence
file copied out for the viewer and its hash check. Plain ledger calls, files and QImage (which may be
made off the GUI thread); no widgets."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QImageReader

from ledger import Ledger
from ledger.dto import Actor, CaseView, EvidenceView, HistoryEntry
from ledger.errors import LedgerError, StorageError
from ledger.opening import os_reason
from ui.case_letters import LettersRead, read_letters


@dataclass(frozen=True)
class CaseBundle:
    """Everything the case window shows, read in one go by `load_case` on the operations thread: the
    window itself then only builds widgets. On the GUI thread the reads cost ~100 ms of CPU for the
    first case window of a session (the SQL compiled the first time) and ~8 ms after, 20,000 cases."""

    case: CaseView
    history: list[HistoryEntry]
    publicity: str  # "" when the case's category needs no 公示
    actions: list[str]  # the workflow actions the signed-in user may take now
    letters: LettersRead

    def last_change(self) -> str:
        """Who changed the case last, for the conflict message."""
        if not self.history:
            return "他人"
        last = self.history[-1]
        return f"{last.actor_name}，{last.at[:16].replace('T', ' ')}，{last.action}"


def load_case(lg: Ledger, actor: Actor, case_id: int, check_scope: bool = True) -> CaseBundle:
    """The reads behind the case window: plain ledger calls, no widgets, for ui/ops.py. Opening
    checks that `actor` may see the case (PermissionDenied else); the re-read after the user's own
    write does not (an action may move the case out of the user's sight, and it still happened)."""
    case = lg.cases.get(case_id, viewer=actor if check_scope else None)
    return CaseBundle(
        case=case,
        history=lg.cases.history(case_id),
        publicity=lg.publicity.case_state(case_id),
        actions=lg.cases.available_actions(actor, case),
        letters=read_letters(lg, actor, case_id),
    )


def thumbnails(lg: Ledger, evidence_ids: list[int]) -> Callable[[], dict[int, QImage | None]]:
    """The work of reading, checking and scaling photos to 96 px, for the operations thread (a QImage
    may be made off the GUI thread, a QPixmap not): evidence id → image, None when the file is
    missing or its hash differs."""

    def work() -> dict[int, QImage | None]:
        made: dict[int, QImage | None] = {}
        for evidence_id in evidence_ids:
            try:
                data = lg.cases.evidence_bytes(evidence_id)
            except LedgerError:
                made[evidence_id] = None
                continue
            made[evidence_id] = scaled_picture(data, 96)  # a null image: not a picture, the file icon stays
        return made

    return work


def viewer_folder() -> Path:
    """Where evidence is copied for the system viewer (in the user's temporary folder)."""
    return Path(tempfile.gettempdir()) / "整改台账-查看"


def clear_viewer_copies() -> None:
    """At exit: the copies made for the viewer — ID cards, 户口本, photos of a household — are removed,
    so they do not stay in a shared PC's temporary folder. A copy still open in Word or WPS (Windows
    refuses to remove it) stays until the next exit."""
    shutil.rmtree(viewer_folder(), ignore_errors=True)


def viewer_copy(lg: Ledger, e: EvidenceView) -> Callable[[], Path]:
    """The work behind 打开 on an evidence item, for the operations thread: the file read from the
    evidence store (its hash checked: EvidenceError when it differs or is gone) and copied to a
    temporary folder for the system viewer; the copy's path. The folder is named by the file's
    SHA-256, so a copy already there with that hash is opened again as it is: on Windows, Word or
    WPS holding the earlier copy open refuses a second write. A copy that cannot be written is a
    StorageError (a Chinese sentence), not the crash dialog."""

    def work() -> Path:
        data = lg.cases.evidence_bytes(e.id)
        folder = viewer_folder() / e.sha256[:16]
        target = folder / (e.original_name or "材料")
        try:
            if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == e.sha256:
                return target  # the earlier copy, unchanged (a copy edited in Word is written again)
            folder.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as err:
            held = "；若该副本正在其他程序中打开，请关闭后重试" if isinstance(err, PermissionError) else ""
            raise StorageError(f"无法在临时文件夹中写入 {target.name} 的副本：{os_reason(err)}{held}。") from err
        return target

    return work


def hash_check(lg: Ledger, evidence_id: int) -> Callable[[], str | None]:
    """The work behind 校验哈希, for the operations thread: None when the file is there and its
    SHA-256 is the one recorded, else why not (a Chinese sentence)."""

    def work() -> str | None:
        try:
            lg.cases.evidence_bytes(evidence_id)
        except LedgerError as err:  # EvidenceError is one
            return str(err)
        return None

    return work


def scaled_picture(data: bytes, side: int) -> QImage:
    """A picture decoded straight at thumbnail size (within side × side, its proportions kept), or a
    null image when Qt cannot read it. Through QImageReader, not QImage.fromData: fromData holds
    Python's lock for the whole decode, so the GUI thread stood still while the operations thread
    decoded (a 12-megapixel JPEG: ~170 ms, one such stall per photo); QImageReader lets go of it, and
    a JPEG decoded at the scaled size takes ~26 ms instead of ~180 (decode and scale)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    size = reader.size()
    if size.isValid() and not size.isEmpty():
        reader.setScaledSize(size.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if not image.isNull() and (image.width() > side or image.height() > side):  # a size the header did not tell
        smooth = Qt.TransformationMode.SmoothTransformation
        image = image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, smooth)
    return image
