"""The case window's 佐证材料 list: thumbnails that take dropped files, and the text that describes an
item (under the list when chosen, and as its tooltip)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QListWidget, QWidget

from ledger.dto import EvidenceView


def evidence_text(e: EvidenceView) -> str:
    return (
        f"{e.kind_name}：{e.original_name}（{e.size:,} 字节）\n"
        f"由 {e.added_by} 于 {e.added_at:%Y-%m-%d %H:%M} 添加\nSHA-256：{e.sha256}"
    ) + (f"\n{e.photo_caption}" if e.photo_caption else "")


class EvidenceList(QListWidget):
    """Thumbnails of the case's evidence; local files dropped on it are added."""

    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(96, 96))
        self.setGridSize(QSize(150, 150))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setWordWrap(True)
        self.setMovement(QListWidget.Movement.Static)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
