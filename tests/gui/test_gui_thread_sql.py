"""No page reads the database on the GUI thread: every page's refresh (shown, refreshed after a
Change) goes through the operations thread (ui/ops.py), so the window never stands still on a query.
The SQL is caught where it runs, at SQLAlchemy's before_cursor_execute (tests/gui/guithread.py)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent

from ledger.dto import Change
from tests.gui.guithread import GuiThreadSql, settled
from ui.admin_page import AdminPage
from ui.compare_page import ComparePage
from ui.dashboard import DashboardPage
from ui.dispatch_page import DispatchPage
from ui.exchange_page import ExchangePage
from ui.households_page import HouseholdsPage
from ui.ledger_page import LedgerPage
from ui.letters_page import LettersPage
from ui.main_window import PAGES, MainWindow
from ui.publicity_page import PublicityPage
from ui.reports_page import ReportsPage

# Pages still allowed to read on the GUI thread when shown or refreshed, and why. Empty: none.
ALLOWED: dict[str, str] = {}

CLASSES = {
    "工作台": DashboardPage,
    "问题台账": LedgerPage,
    "农户档案": HouseholdsPage,
    "调度通报": DispatchPage,
    "督办函": LettersPage,
    "部门比对": ComparePage,
    "公示": PublicityPage,
    "报表中心": ReportsPage,
    "导入导出": ExchangePage,
    "系统管理": AdminPage,
}


def _second(combo) -> None:
    combo.setCurrentIndex(1 if combo.currentIndex() != 1 else 0)


# A filter changed on each page that has one: the page reads again, on the operations thread too.
FILTERS = {
    "工作台": lambda page: page.year_scope.choose(page.ctx.ledger.today().year),
    "问题台账": lambda page: _second(page.township),
    "农户档案": lambda page: _second(page.township),
    "调度通报": lambda page: _second(page.period_box),
    "督办函": lambda page: _second(page.state),
    "部门比对": lambda page: _second(page.states),
    "公示": lambda page: _second(page.kind),
    "系统管理": lambda page: page.refresh(),
}


def _late(sql: GuiThreadSql) -> list[tuple[str, str]]:
    return [(page, statement) for page, statement in sql.statements if page.split("（")[0] not in ALLOWED]


def test_no_page_reads_the_database_on_the_gui_thread(qtbot, world, ctx_of):
    w = world
    case = w.walk(w.register("house.c"), "in_progress")
    w.register("water.access")
    window = MainWindow(ctx_of(w.coordinator))
    qtbot.addWidget(window)
    window.show()
    settled(qtbot)  # start-up: the catalog is cached, the first page is read
    with GuiThreadSql(w.ledger.engine) as sql:
        for row, name in enumerate(PAGES):
            sql.page = name
            window.nav.setCurrentRow(row)
            settled(qtbot)
            sql.page = f"{name}（刷新）"
            window.ctx.notify(Change((case.id,), households=True, counts=True))
            settled(qtbot)
            if name in FILTERS:
                sql.page = f"{name}（筛选）"
                FILTERS[name](window.stack.currentWidget())
                settled(qtbot)
    assert not _late(sql), sql.report()


def test_no_page_reads_the_database_on_the_gui_thread_when_it_is_built(qtbot, world, ctx_of):
    """Pages are built on their first visit (ui/main_window.py): building one reads nothing either."""
    w = world
    ctx = ctx_of(w.coordinator)
    warm = LedgerPage(ctx)  # the catalog (cached for the ledger's life) is read once, as at start-up
    qtbot.addWidget(warm)
    settled(qtbot)
    built = []  # held to the end, then deleted here on the GUI thread (never by a collector elsewhere)
    with GuiThreadSql(w.ledger.engine) as sql:
        for name, cls in CLASSES.items():
            sql.page = f"{name}（新建）"
            page = cls(ctx)
            built.append(page)
            page.show()
            settled(qtbot)
    for page in built:
        page.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not _late(sql), sql.report()
