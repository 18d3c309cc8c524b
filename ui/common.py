"""Small pieces every page uses: settings, error messages, colours of the lights, date helpers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QDate, QSettings, QStandardPaths, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMessageBox, QWidget

from ledger.errors import (
    ConflictError,
    LedgerError,
    PermissionDenied,
    StorageError,
    ValidationError,
    WorkflowError,
)
from ledger.paths import data_dir
from ledger.workflow import LIGHT_NAMES

T = TypeVar("T")

LIGHT_COLOURS = {"red": QColor("#d93025"), "yellow": QColor("#f2a600"), "green": QColor("#188038")}
LIGHT_TEXT = dict(LIGHT_NAMES)  # 红灯/黄灯/绿灯: the words the ledger, the 周报 and the 统计表 print

ERROR_TITLES = {
    ConflictError: "问题已被他人修改",
    ValidationError: "请检查填写的内容",
    WorkflowError: "不能办理",
    PermissionDenied: "没有权限",
    StorageError: "台账文件出现问题",
}


def settings() -> QSettings:
    """Per-user settings (window layout, column widths, saved filters, recent ledgers), in the same
    data folder as the audit keys, so tests and portable installs keep them apart."""
    return QSettings(str(data_dir() / "界面设置.ini"), QSettings.Format.IniFormat)


def load_json(key: str, default: Any) -> Any:
    raw = settings().value(key)
    if not raw:
        return default
    try:
        return json.loads(str(raw))
    except ValueError:
        return default


def save_json(key: str, value: Any) -> None:
    s = settings()
    s.setValue(key, json.dumps(value, ensure_ascii=False))
    s.sync()


def ok_cancel(ok_text: str, on_ok: Callable[[], Any], on_cancel: Callable[[], Any], cancel_text: str = "取消"):
    """The OK/Cancel row every dialog ends with, labelled in Chinese; OK runs `on_ok` (which decides
    whether the dialog closes), Cancel runs `on_cancel`."""
    from PySide6.QtWidgets import QDialogButtonBox

    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(on_cancel)
    return buttons


def error_title(err: LedgerError) -> str:
    for kind, title in ERROR_TITLES.items():
        if isinstance(err, kind):
            return title
    return "操作未完成"


def message(parent: QWidget | None, title: str, text: str, icon=QMessageBox.Icon.Information) -> None:
    """A modal message owned by Python (not QMessageBox's static helpers), with a Chinese OK button."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.button(QMessageBox.StandardButton.Ok).setText("确定")
    box.exec()
    box.deleteLater()


def show_error(parent: QWidget | None, err: LedgerError) -> None:
    text = str(err)
    if isinstance(err, ValidationError) and len(err.problems) > 1:
        text = "\n".join(f"· {p}" for p in err.problems)
    message(parent, error_title(err), text, QMessageBox.Icon.Warning)


def guarded(parent: QWidget | None, work: Callable[[], Any]) -> Any:
    """Run a call that touches no database (a file written, say); a LedgerError becomes a Chinese
    message box and None. A ledger call from a page goes through run_guarded."""
    try:
        return work()
    except LedgerError as err:
        show_error(parent, err)
        return None


def refusal(error: BaseException) -> LedgerError:
    """`error` as the ledger's refusal to show the clerk (a LedgerError: its text is a whole Chinese
    sentence); anything else is our own bug and is raised again, for the crash dialog and its log."""
    if not isinstance(error, LedgerError):
        raise error
    return error


def run_guarded(
    parent: QWidget,
    work: Callable[[], T],
    done: Callable[[T], None] | None = None,
    *,
    busy: Iterable[QWidget] = (),
    refused: Callable[[LedgerError], None] | None = None,
) -> None:
    """A ledger call from a page's button, on the operations thread (ui/ops.py) in order with the
    page's reads: the window keeps painting while it writes (an account's password hash alone is
    ~0.2 s). `done(result)` follows on the GUI thread; a LedgerError becomes the Chinese message box
    guarded showed (or goes to `refused`, for a form that says it in its own message line), anything
    else is our bug and goes to the crash handler. The widgets in `busy` are disabled until the answer,
    so a second click cannot write twice."""
    from ui.ops import ops

    held = [w for w in busy if w.isEnabled()]
    for widget in held:
        widget.setEnabled(False)

    def release() -> None:
        for widget in held:
            if shiboken6.isValid(widget):
                widget.setEnabled(True)

    def succeeded(result: T) -> None:
        release()
        if done is not None:
            done(result)

    def failed(error: BaseException) -> None:
        release()
        if refused is not None:
            refused(refusal(error))
        else:
            show_error(parent, refusal(error))

    ops().run(lambda: work(), succeeded, failed, owner=parent)


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def fmt_date(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


_icons: dict[str, QIcon] = {}


def light_icon(light: str) -> QIcon:
    """A round coloured dot for 红/黄/绿灯 (drawn once, at a size that stays crisp on high DPI)."""
    if light not in _icons:
        pixmap = QPixmap(32, 32)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(LIGHT_COLOURS[light])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(4, 4, 24, 24)
        painter.end()
        _icons[light] = QIcon(pixmap)
    return _icons[light]


def documents() -> Path:
    """The user's 文档 folder (the file dialogs start there), or the home folder."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())
