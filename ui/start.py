"""Before the main window: choose a ledger (recent, new, existing, demo), create the first
administrator of a new ledger, and sign in."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ledger.dto import Actor
from ledger.errors import ValidationError
from ledger.facade import Ledger
from ledger.paths import data_dir
from ledger.regions import parse_region_lines
from ui.common import load_json, ok_cancel, refusal, save_json
from ui.ops import ops

DEMO_FILE = "示例台账.db"
MAX_RECENT = 8


def recent_ledgers() -> list[str]:
    return [p for p in load_json("recent", []) if isinstance(p, str)]


def remember_ledger(location: str) -> None:
    items = [location] + [p for p in recent_ledgers() if p != location]
    save_json("recent", items[:MAX_RECENT])


class NewLedgerDialog(QDialog):
    """County name and code, where the file goes, townships and villages typed or from a list."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("新建台账")
        self.county = QLineEdit()
        self.county.setPlaceholderText("如：示例县")
        self.code = QLineEdit()
        self.code.setPlaceholderText("6位县级行政区划代码，如 990101")
        self.code.setMaxLength(6)
        self.path = QLineEdit(str(data_dir() / "台账.db"))
        browse = QPushButton("选择…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.regions = QPlainTextEdit()
        self.regions.setPlaceholderText(
            "每行一个乡镇及其村，如：\n城关镇：东关村、西关村、南街村\n河西乡：河西村、河东村\n\n"
            "也可粘贴“12位代码,名称,上级代码”的清单"
        )
        self.regions.setTabChangesFocus(True)
        load = QPushButton("从文件导入…")
        load.clicked.connect(self._load_list)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #d93025;")
        form = QFormLayout(self)
        form.addRow("县（市、区）名称 *", self.county)
        form.addRow("行政区划代码 *", self.code)
        form.addRow("台账文件 *", path_row)
        form.addRow("乡镇和村 *", self.regions)
        form.addRow("", load)
        form.addRow(QLabel("台账文件请放在本机硬盘上（不要放在网络共享盘）。多台电脑共用请使用服务器模式。"))
        form.addRow(self.message)
        buttons = ok_cancel("创建", self.submit, self.reject)
        form.addRow(buttons)
        self.resize(620, 560)
        self.rows: list[tuple[str, str, str | None]] = []

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "台账文件保存到", self.path.text(), "台账文件 (*.db)")
        if path:
            self.path.setText(path)

    def _load_list(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择乡镇和村的清单", "", "文本或 CSV (*.txt *.csv)")
        if path:
            self.load_list(Path(path))

    def load_list(self, path: Path) -> None:
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                self.regions.setPlainText(raw.decode(encoding))
                return
            except UnicodeDecodeError:
                continue
        self.message.setText("无法识别清单文件的编码，请另存为 UTF-8 文本")

    def submit(self) -> None:
        problems = []
        if not self.county.text().strip():
            problems.append("请填写县（市、区）名称")
        if not re.fullmatch(r"\d{6}", self.code.text().strip()):
            problems.append("行政区划代码应为6位数字")
        target = Path(self.path.text().strip())
        if not self.path.text().strip():
            problems.append("请选择台账文件的位置")
        elif target.exists():
            problems.append(f"{target} 已存在：请换一个文件名，或在上一步选择“打开台账”")
        if not problems:
            try:
                self.rows = parse_region_lines(self.regions.toPlainText(), self.code.text().strip())
            except ValidationError as err:
                problems += err.problems
        if problems:
            self.message.setText("\n".join(problems))
            return
        self.accept()


class StartDialog(QDialog):
    """Which ledger to open. Sets `choice` to ("open", path), ("new", NewLedgerDialog), ("demo", path)
    or ("server", URL with the password)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("整改台账")
        self.choice: tuple[str, object] | None = None
        title = QLabel("<h2>整改台账</h2><p>两不愁三保障及饮水安全问题整改台账：发现一户、解决一户、销号一户。</p>")
        self.recent = QListWidget()
        for path in recent_ledgers():
            item = QListWidgetItem(path)
            item.setToolTip(path)
            if "://" not in path and not Path(path).exists():
                item.setText(f"{path}（文件已不存在）")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.recent.addItem(item)
        self.recent.itemActivated.connect(self._recent_chosen)
        new = QPushButton("新建台账…")
        new.clicked.connect(self.new_ledger)
        open_button = QPushButton("打开台账…")
        open_button.clicked.connect(self.open_ledger)
        server = QPushButton("连接服务器…")
        server.setToolTip("多台电脑共用一个台账（PostgreSQL 服务器）")
        server.clicked.connect(self.connect_server)
        demo = QPushButton("打开示例台账")
        demo.setToolTip("虚构的示例县，2000 个虚构问题，用于熟悉操作")
        demo.clicked.connect(lambda: self._choose("demo", str(data_dir() / DEMO_FILE)))
        buttons = QVBoxLayout()
        for b in (new, open_button, server, demo):
            buttons.addWidget(b)
        buttons.addStretch(1)
        row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("最近打开的台账（双击打开）："))
        left.addWidget(self.recent)
        row.addLayout(left, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(row)
        self.resize(640, 360)

    def _recent_chosen(self, item: QListWidgetItem) -> None:
        location = str(item.data(Qt.ItemDataRole.UserRole))
        if "://" in location:  # a server: its password is asked again, never stored
            self.connect_server(location)
        else:
            self._choose("open", location)

    def _choose(self, kind: str, value: object) -> None:
        self.choice = (kind, value)
        self.accept()

    def open_ledger(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "打开台账", str(data_dir()), "台账文件 (*.db);;所有文件 (*)")
        if path:
            self._choose("open", path)

    def connect_server(self, known: str | None = None) -> None:
        from ui.server_dialog import ServerDialog

        dialog = ServerDialog(known, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.url is not None:
            self._choose("server", dialog.url)

    def new_ledger(self) -> None:
        dialog = NewLedgerDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._choose("new", dialog)


class LoginDialog(QDialog):
    """Sign in. The message never says whether the user name exists (ledger.services.users)."""

    def __init__(self, ledger: Ledger, hint: str = "", parent: QWidget | None = None, county: str | None = None):
        super().__init__(parent)
        self.ledger = ledger
        self.actor: Actor | None = None
        county = ledger.meta("county_name", "") if county is None else county  # read with the opening
        self.setWindowTitle(f"登录 — {county}整改台账")
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel(hint)
        self.message.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(QLabel(f"台账：{ledger.location}"))
        form.addRow("用户名", self.username)
        form.addRow("密码", self.password)
        form.addRow(self.message)
        buttons = ok_cancel("登录", self.submit, self.reject, "退出")
        form.addRow(buttons)
        self.setMinimumWidth(420)
        self.checking = False  # a password is being checked

    def submit(self) -> None:
        """The password checked on the operations thread (an Argon2 hash: ~0.2 s of CPU), the dialog
        painting "正在登录…" meanwhile; accepted with `actor` set when it is right."""
        if self.checking:
            return
        self.checking = True
        users, username, password = self.ledger.users, self.username.text().strip(), self.password.text()
        self.message.setStyleSheet("")
        self.message.setText("正在登录…")
        ops().run(lambda: users.authenticate(username, password), self._signed_in, self._refused, owner=self)

    def _signed_in(self, actor: Actor) -> None:
        self.checking = False
        self.actor = actor
        self.accept()

    def _refused(self, err: BaseException) -> None:
        self.checking = False
        err = refusal(err)
        self.message.setStyleSheet("color: #d93025;")
        self.message.setText(str(err))
        self.password.clear()
        self.password.setFocus()
