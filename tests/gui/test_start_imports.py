"""The window starts on what its first screen needs (issue 18: start-up ≤ 1 s): the other pages are
built on their first visit, and the output libraries (ReportLab, openpyxl, python-calamine, the
reports package), Alembic, pypdfium2 and Pillow load with the first report, export, import, upgrade
or printed case, never at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from tests.gui.guithread import settled
from tests.world import PASSWORD
from ui.main_window import PAGES, MainWindow

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("reportlab", "openpyxl", "python_calamine", "reports", "alembic", "pypdfium2", "PIL")

# The steps of bench/gui.py's CHILD_WINDOW: the window as the clerk first sees it, painted.
START = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ledger import open_ledger
from ui.context import AppContext
from ui.main_window import MainWindow
lg = open_ledger({db!r}, create=False)
window = MainWindow(AppContext(lg, lg.users.authenticate({user!r}, {password!r})))
window.show()
window.repaint()
app.processEvents()
print(",".join(sorted(window._built)))
print(",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({lazy!r}))))
window.close()
lg.close()
"""


def test_the_window_starts_without_the_output_libraries(world):
    lg = world.ledger
    world.register()  # the dashboard's lists have a row to show
    probe = START.format(db=lg.address, user=world.coordinator.username, password=PASSWORD, lazy=LAZY)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ZGTZ_KEY_DIR": str(lg.key_dir)}
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    built, loaded = run.stdout.splitlines()[-2:]
    assert built == "工作台"  # the first screen alone
    assert loaded == "", f"imported at start-up: {loaded}"


def test_a_page_is_built_on_its_first_visit_in_its_place(qtbot, world, ctx_of):
    window = MainWindow(ctx_of(world.coordinator))
    qtbot.addWidget(window)
    window.show()
    assert list(window._built) == ["工作台"] and window.stack.currentWidget() is window.dashboard
    for row, name in enumerate(PAGES):
        window.nav.setCurrentRow(row)
        QApplication.processEvents()
        assert window.stack.currentWidget() is window.page(name)
        assert window.stack.indexOf(window.page(name)) == row
    assert window.stack.count() == len(PAGES) and set(window._built) == set(PAGES)
    # what the pages signal still reaches the window: 系统管理's backup refreshes the status bar
    window.backup_label.setText("")
    window.admin.backed_up.emit()
    settled(qtbot)  # the last backup's time is read on the operations thread
    assert window.backup_label.text().startswith("最近备份")
    # a page reached by its attribute (a tile, a shortcut, a test) is built as well, not shown
    second = MainWindow(ctx_of(world.coordinator))
    qtbot.addWidget(second)
    reports = second.reports
    assert second.stack.indexOf(reports) == PAGES.index("报表中心") and second.stack.currentWidget() is second.dashboard
