"""Idle lock (等保 2.0 level 2): after `idle_minutes` (default 15) without keyboard or mouse input,
every window of the application is hidden behind a lock asking the signed-in user's password.
Nothing is closed, so unsaved input in any window is still there after unlocking. Locking and
unlocking are audited; wrong passwords count towards the account's lockout like any sign-in."""

from __future__ import annotations

import datetime as dt

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QWidget,
)

from ui.common import refusal
from ui.context import AppContext
from ui.ops import ops

DEFAULT_MINUTES = 15  # until the ledger's idle_minutes has been read

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class LockDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Dialog | Qt.WindowType.WindowTitleHint)
        self.ctx = ctx
        self.setWindowTitle("整改台账已锁定")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        actor = ctx.actor
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("长时间未操作，已自动锁定。未保存的内容仍在，解锁后可继续。")
        self.message.setWordWrap(True)
        unlock = QPushButton("解锁")
        unlock.setDefault(True)
        unlock.clicked.connect(self.submit)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{actor.display_name}</b>（{actor.username}）"))
        form.addRow("密码", self.password)
        form.addRow(self.message)
        form.addRow(unlock)
        self.checking = False  # a password is being checked

    def submit(self) -> None:
        """The password checked on the operations thread (an Argon2 hash: ~0.2 s); unlocked when right."""
        if self.checking:
            return
        self.checking = True
        users, username, password = self.ctx.ledger.users, self.ctx.actor.username, self.password.text()
        ops().run(lambda: users.authenticate(username, password), self._right, self._wrong, owner=self)

    def _right(self, _actor: object) -> None:
        self.checking = False
        self.accept()

    def _wrong(self, err: BaseException) -> None:
        self.checking = False
        err = refusal(err)
        self.password.clear()
        self.message.setText(str(err))

    def reject(self) -> None:  # Esc does not unlock
        pass


class IdleLock(QObject):
    """Watches the keyboard and mouse input of every window of the application; `check()` runs
    every 30 s (and in tests directly).

    The filter sits on the top-level windows (QWindow), where the window system delivers every key
    press and click before Qt hands it to a widget, not on the application: there it was called
    from Python for every event of every object — building a case window sends ~1,400 — and made
    building one take 32 ms of the GUI thread's CPU instead of 8 ms (20,000-case ledger). A window
    is watched when it gets the focus, and all of them at each check."""

    def __init__(self, ctx: AppContext, minutes: int | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.minutes = minutes if minutes is not None else DEFAULT_MINUTES
        if minutes is None:  # the ledger's own setting, read on the operations thread
            lg = ctx.ledger
            ops().run(
                lambda: int(lg.meta("idle_minutes", str(DEFAULT_MINUTES))), self._minutes_read, self._unread, owner=self
            )
        self.last_input = ctx.ledger.clock()
        self.dialog: LockDialog | None = None
        self._hidden: list[QWidget] = []
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._watch)
        self._watch_all()
        self.timer = QTimer(self)
        self.timer.setInterval(30_000)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def _minutes_read(self, minutes: int) -> None:
        self.minutes = minutes

    @staticmethod
    def _unread(err: BaseException) -> None:
        refusal(err)  # a bug: raised again; an unreadable setting leaves the default

    def _watch(self, window: QWindow | None) -> None:
        if window is not None:
            window.installEventFilter(self)  # installed once however often asked (Qt moves it to the front)

    def _watch_all(self) -> None:
        for window in QGuiApplication.topLevelWindows():
            self._watch(window)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.dialog is None and event.type() in INPUT_EVENTS:
            self.last_input = self.ctx.ledger.clock()
        return False

    def check(self) -> bool:
        """Lock if idle long enough; whether the application is locked now."""
        self._watch_all()  # a window opened since and never focused
        idle = self.ctx.ledger.clock() - self.last_input >= dt.timedelta(minutes=self.minutes)
        if self.dialog is None and idle and not self._job_showing():
            self.lock()
        return self.dialog is not None

    @staticmethod
    def _job_showing() -> bool:
        """A long job's progress dialog is up (ui/tasks.py, ui/app.py): the lock waits until it has
        finished. Hiding the dialog would end its modal loop with the work still running, and all the
        screen shows meanwhile is the progress (the dialog holds the whole application)."""
        return isinstance(QApplication.activeModalWidget(), QProgressDialog)

    def lock(self) -> LockDialog:
        users, actor, minutes = self.ctx.ledger.users, self.ctx.actor, self.minutes
        ops().run(lambda: users.session_locked(actor, minutes), lambda _r: None, self._not_recorded, owner=self)
        self._hidden = [w for w in QApplication.topLevelWidgets() if w.isVisible() and not isinstance(w, LockDialog)]
        for window in self._hidden:
            window.hide()  # nothing on screen while locked; hiding keeps every edit as it was
        self.dialog = LockDialog(self.ctx)
        self.dialog.accepted.connect(self.unlocked)
        self.dialog.show()
        return self.dialog

    @staticmethod
    def _not_recorded(err: BaseException) -> None:
        refusal(err)  # the lock stands either way; a refused audit write (read-only ledger) is no bug

    def unlocked(self) -> None:
        try:
            for window in self._hidden:
                if shiboken6.isValid(window):  # a window closed while hidden (its owner went) is not shown
                    window.show()
        finally:  # the lock must be able to come again whatever happened above
            self._hidden = []
            if self.dialog is not None:
                self.dialog.deleteLater()
            self.dialog = None
            self.last_input = self.ctx.ledger.clock()
