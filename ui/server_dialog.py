"""连接服务器: point this PC at the office's PostgreSQL ledger (server mode, docs/deploy-lan.md).

The database password is asked every time and kept only in memory: what is remembered (the recent
list) is the address without it, so no configuration file ever holds a password."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

from ledger.db import server_fields, server_url, without_password
from ui.common import ok_cancel

SSL_MODES = (
    ("require", "加密连接（推荐）"),
    ("verify-full", "加密并核验服务器证书（已配置证书时）"),
    ("disable", "不加密（仅限测试）"),
)


def remembered(address: str) -> str:
    """The address as it may be written to the settings: everything but the password."""
    return without_password(address)


class ServerDialog(QDialog):
    """Sets `url` (with the password, in memory only) when accepted."""

    def __init__(self, known: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("连接台账服务器")
        self.url: str | None = None  # with the password: in memory only
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
        fields = server_fields(known)
        self.host.setText(str(fields["host"]))
        self.port.setValue(int(fields["port"]))
        self.database.setText(str(fields["database"]))
        self.user.setText(str(fields["user"]))
        self.ssl.setCurrentIndex(max(0, self.ssl.findData(fields["sslmode"])))
        self.password.setFocus()

    def build(self) -> str:
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
        return server_url(
            self.host.text().strip(),
            self.port.value(),
            self.database.text().strip(),
            self.user.text().strip(),
            self.password.text(),
            str(self.ssl.currentData()),
        )

    def submit(self) -> None:
        try:
            self.url = self.build()
        except ValueError as err:
            self.message.setText(str(err))
            return
        self.accept()
