"""The desktop shell. Until the full GUI lands (issue 3), a window that opens the ledger and says
what is missing and what can already be done from the command line."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

PENDING = """<h2>整改台账</h2>
<p>{status}</p>
<p>台账核心功能已就绪，图形界面正在开发中。尚未提供的界面：工作台、问题台账、农户档案、报表中心、导入导出、系统管理。</p>
<p>现在可以在命令行中使用：</p>
<ul>
<li><code>python main.py demo --db 示例.db</code> 生成示例台账</li>
<li><code>python main.py verify --db 台账.db</code> 校验台账</li>
<li><code>python main.py backup --db 台账.db -o 备份.db</code> 备份；<code>restore</code> 恢复</li>
<li><code>python main.py --db 示例.db</code> 用本窗口打开指定台账</li>
</ul>"""


def ledger_status(db: str | None) -> str:
    """One line about the ledger this window was asked to open (never creates one)."""
    from ledger import open_ledger
    from ledger.paths import default_ledger_path

    if db is None and not default_ledger_path().exists():
        return "本机尚未创建台账。"
    lg = open_ledger(db, create=False)
    try:
        chain = lg.audit.verify()
        chain_text = "完整" if chain.ok else f"异常：{chain.problem}"
        total = lg.queries.dashboard().total
        return f"当前台账：<b>{lg.location}</b>，共 {total} 个问题（不含已作废），审计日志{chain_text}。"
    finally:
        lg.close()


class PendingWindow(QMainWindow):
    def __init__(self, status: str):
        super().__init__()
        self.setWindowTitle("整改台账")
        label = QLabel(PENDING.format(status=status))
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(label)
        layout.addStretch(1)
        self.setCentralWidget(body)
        self.resize(720, 420)


def run(db: str | None) -> int:
    from ledger import LedgerError

    app = QApplication.instance() or QApplication(sys.argv)
    try:
        status = ledger_status(db)
    except LedgerError as err:
        QMessageBox.critical(None, "无法打开台账", str(err))
        return 2
    window = PendingWindow(status)
    window.show()
    return app.exec()
