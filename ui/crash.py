"""A bug in the window (not a user error): a dialog with a reference number, and the traceback
written under that number to a log file in the data folder (issue 13 item 6 k).

Nothing personal goes into the log: the traceback's frames (file, line number, function) and the
exception's type; its message and the source lines only with every run of three or more digits
(ID numbers, phones) and every run of Chinese characters (names) replaced; no local variables.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from ledger import paths

LOG_NAME = "程序错误.log"
DIALOG_NAME = "crashDialog"

_DIGITS = re.compile(r"[0-9０-９]{3,}[0-9Xx]?")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def scrub(text: str) -> str:
    """An exception message without what could be personal: digit runs and Chinese text."""
    return _HAN.sub("〇", _DIGITS.sub("#", text))


def _lines(exc: BaseException) -> list[str]:
    """The traceback as Python prints it (chained exceptions too), every message scrubbed and no
    local variables."""
    top = traceback.TracebackException.from_exception(exc, capture_locals=False)
    pending, seen = [top], set()
    while pending:
        te = pending.pop()
        if id(te) in seen:
            continue
        seen.add(id(te))
        te._str = scrub(str(getattr(te, "_str", "")))  # type: ignore[attr-defined] # the printed message
        for frame in te.stack:  # the source lines too (a literal could hold a number)
            frame._line = scrub(frame.line or "")  # type: ignore[attr-defined]
        pending += [t for t in (te.__cause__, te.__context__) if t is not None]
    return list(top.format())


def reference() -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2).upper()}"


def write_log(exc: BaseException, ref: str, folder: Path | None = None) -> Path:
    log = (folder or paths.data_dir()) / LOG_NAME
    with log.open("a", encoding="utf-8") as out:
        out.write(f"==== 参考编号 {ref}  {dt.datetime.now():%Y-%m-%d %H:%M:%S} ====\n")
        out.writelines(_lines(exc))
        out.write("\n")
    return log


class CrashHandler:
    """sys.excepthook for the window. `dialogs` keeps each open dialog (shown non-modal with
    open(), so a test or a second error never blocks on it)."""

    def __init__(self, folder: Path | None = None, previous: Hook | None = None):
        self.folder = folder
        self.previous = previous or sys.__excepthook__
        self.dialogs: list[QMessageBox] = []
        self.references: list[str] = []

    def __call__(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt | SystemExit):
            self.previous(kind, exc, tb)
            return
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        ref = reference()
        self.references.append(ref)
        try:
            log: Path | None = write_log(exc, ref, self.folder)
        except OSError:
            log = None
        if QApplication.instance() is None:
            self.previous(kind, exc, tb)
            return
        where = f"错误详情已记录在：{log}" if log else "错误详情未能写入日志文件。"
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "程序出错",
            f"程序遇到了意外错误，参考编号：{ref}\n\n"
            "您刚才的操作可能没有完成；已经保存的数据不受影响。"
            f"请把参考编号告诉系统管理员。\n{where}",
        )
        box.setObjectName(DIALOG_NAME)
        box.finished.connect(lambda _result, b=box: self.dialogs.remove(b) if b in self.dialogs else None)
        self.dialogs.append(box)
        box.open()


def install(folder: Path | None = None) -> CrashHandler:
    handler = CrashHandler(folder, sys.excepthook)
    sys.excepthook = handler
    return handler
