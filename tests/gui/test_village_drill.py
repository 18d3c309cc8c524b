"""The 工作台's drill-down: clicking a township's bar opens its villages, counted on a worker thread;
each row's figures equal the ledger's own counts of that village; a double-click opens the ledger on
the village; a township's 核验员 sees only its own villages."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from ledger import CaseFilter
from ledger.workflow import OPEN_STATES
from tests.gui.guithread import settled
from ui.dashboard import DashboardPage
from ui.village_drill import HEADERS


@pytest.fixture
def spread(world):
    w = world
    lg = w.ledger
    towns = {v.name: v.id for v in lg.catalog.villages()}
    for i, to in enumerate(["registered", "assigned", "closed", "closed"]):
        w.walk(w.register("house.c" if i % 2 else "water.quality"), to)
    w.walk(w.register("house.c", household=w.household(village_id=towns["西关村"])), "closed")
    w.register("house.c", household=w.household(village_id=towns["河西村"]))
    return w


def click_bar(qtbot, dash: DashboardPage, township: str):
    chart = dash.township_chart
    i = next(k for k, bar in enumerate(chart.bars) if bar[0] == township)
    with qtbot.waitSignal(dash.township_chart.clicked, timeout=2000):
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(20, chart.bar_centre(i)))
    drill = dash.drill
    assert drill is not None
    if not drill.figures:
        with qtbot.waitSignal(drill.loaded, timeout=10000):
            pass
    return drill


def table(drill) -> dict[str, dict[str, str]]:
    m = drill.model
    return {row[0]: dict(zip(HEADERS, row, strict=True)) for row in m.rows}


def test_clicking_a_township_shows_its_villages_as_the_ledger_counts_them(qtbot, spread, ctx_of):
    w = spread
    dash = DashboardPage(ctx_of(w.coordinator))
    qtbot.addWidget(dash)
    dash.show()
    dash.refresh()
    settled(qtbot)  # the figures are read on the operations thread
    drill = click_bar(qtbot, dash, "城关镇")
    rows = table(drill)
    assert list(rows) == ["东关村", "西关村"]
    count = w.ledger.queries.count
    for v in w.ledger.catalog.villages(w.township_id):
        found = count(CaseFilter(village_id=v.id, include_void=False))
        still = count(CaseFilter(village_id=v.id, states=tuple(OPEN_STATES)))
        closed = count(CaseFilter(village_id=v.id, states=("closed",)))
        row = rows[v.name]
        assert (row["累计发现"], row["未销号"], row["已销号"]) == (str(found), str(still), str(closed))
        assert row["销号率"] == f"{closed / found:.1%}"
    assert rows["东关村"]["清零状态"] == "未清零（2个）"
    assert rows["东关村"]["未销号问题（按类别）"] == "住房安全 1 个、饮水安全 1 个"  # catalog order
    assert rows["西关村"]["清零状态"].startswith("已清零（2026年11月23日")
    assert "城关镇" in drill.summary.text() and "已清零 1 个村" in drill.summary.text()

    with qtbot.waitSignal(dash.open_filter, timeout=2000) as opened:
        index = drill.model.index(1, 0)
        drill.view.doubleClicked.emit(index)
    flt, caption = opened.args
    assert flt.village_id == w.ledger.catalog.villages(w.township_id)[1].id and caption == "城关镇西关村的问题"
    drill.close()


def test_a_township_verifier_drills_only_into_its_own_villages(qtbot, spread, ctx_of):
    w = spread
    dash = DashboardPage(ctx_of(w.verifier))
    qtbot.addWidget(dash)
    dash.show()
    dash.refresh()
    settled(qtbot)  # the figures are read on the operations thread
    assert [bar[0] for bar in dash.township_chart.bars] == ["城关镇"]
    drill = click_bar(qtbot, dash, "城关镇")
    assert list(table(drill)) == ["东关村", "西关村"]
    assert "河西村" not in drill.summary.text()
    drill.close()
