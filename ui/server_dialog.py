"""连接服务器: point this PC at the office's PostgreSQL ledger (server mode, docs/deploy-lan.md).

The database password is asked every time and kept only in memory: what is remembered (the recent
list) is the address without it, so no configuration file ever holds a password."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget
from sqlalchemy.engine import URL, make_url

from ledger.db import without_password
from ui.common import ok_cancel

SSL_MODES = (
    ("require", "加密连接（推荐）"),
    ("verify-full", "加密并核验服务器证书（已配置证书时）"),
    ("disable", "不加密（仅限测试）"),
)


def remembered(url: URL) -> str:
    """The address as it may be written to the settings: everything but the password."""
    return without_password(url)


class ServerDialog(QDialog):
    """Sets `url` (with the password, in memory only) when accepted."""

    def __init__(self, known: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("连接台账服务器")
        self.url: URL | None = None
        self.host = QLineEdit()
        self.host.setPlaceholderText("如 192.168.1.10 或 taizhang-server")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = QLineEdit("zgtz")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.ssl = QComboBox()
        for mode, name in SSL_MODES:
            self.ssl.addItem(name, mode)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(QLabel("多台电脑共用一个台账时，由系统管理员提供服务器地址和数据库账号。\n密码不会保存在本机。"))
        form.addRow("服务器地址", self.host)
        form.addRow("端口", self.port)
        form.addRow("数据库名", self.database)
        form.addRow("数据库账号", self.user)
        form.addRow("数据库密码", self.password)
        form.addRow("连接方式", self.ssl)
        form.addRow(self.message)
        form.addRow(ok_cancel("连接", self.submit, self.reject))
        if known:
            self.fill(known)

    def fill(self, known: str) -> None:
        url = make_url(known)
        self.host.setText(url.host or "")
        self.port.setValue(url.port or 5432)
        self.database.setText(url.database or "")
        self.user.setText(url.username or "")
        mode = url.query.get("sslmode", "require")
        self.ssl.setCurrentIndex(max(0, self.ssl.findData(mode)))
        self.password.setFocus()

    def build(self) -> URL:
        problems = []
        if not self.host.text().strip():
            problems.append("请填写服务器地址")
        if not self.database.text().strip():
            problems.append("请填写数据库名")
        if not self.user.text().strip():
            problems.append("请填写数据库账号")
        if not self.password.text():
            problems.append("请填写数据库密码")
        if problems:
            raise ValueError("；".join(problems))
        return URL.create(
            "postgresql+psycopg",
            username=self.user.text().strip(),
            password=self.password.text(),
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            query={"sslmode": str(self.ssl.currentData()), "connect_timeout": "10", "application_name": "zgtz"},
        )

    def submit(self) -> None:
        try:
            self.url = self.build()
        except ValueError as err:
            self.message.setText(str(err))
            return
        self.accept()
