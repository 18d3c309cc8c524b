"""The desktop shell. Until the full GUI lands (issue 3), a window that opens the ledger and says
what is missing and what can already be done from the command line."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget

PENDING = """<h2>整改台账</h2>
<p>台账核心功能已就绪，图形界面正在开发中。当前台账：<b>{location}</b>，共 {cases} 个问题，
审计日志 {chain}。</p>
<p>尚未提供的界面：工作台、问题台账、农户档案、报表中心、导入导出、系统管理。</p>
<p>现在可以在命令行中使用：</p>
<ul>
<li><code>python main.py demo --db 示例.db</code> 生成示例台账</li>
<li><code>python main.py verify --db 台账.db</code> 校验台账</li>
<li><code>python main.py backup --db 台账.db -o 备份.db</code> 备份；<code>restore</code> 恢复</li>
</ul>"""


class PendingWindow(QMainWindow):
    def __init__(self, location: str, cases: int, chain: str):
        super().__init__()
        self.setWindowTitle("整改台账")
        label = QLabel(PENDING.format(location=location, cases=cases, chain=chain))
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
    from ledger import LedgerError, open_ledger

    app = QApplication.instance() or QApplication(sys.argv)
    try:
        lg = open_ledger(db)
        try:
            chain = lg.audit.verify()
            window = PendingWindow(lg.location, lg.queries.dashboard().total, "完整" if chain.ok else chain.problem)
        finally:
            lg.close()
    except LedgerError as err:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "无法打开台账", str(err))
        return 2
    window.show()
    return app.exec()
