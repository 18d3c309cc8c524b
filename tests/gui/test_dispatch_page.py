"""The 调度通报 page: the board of a period from real confirmations, 确认本期进度 by a unit's user and
by the 县级统筹员 on a unit's behalf, buttons by role, the cut-off setting, the 通报 printed from it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.gui.guithread import settled
from tests.integration.test_dispatch import END, MINUTE, units_with_cases
from tests.pdfcheck import read, text_of
from ui.dispatch_page import DispatchPage

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def statuses(page: DispatchPage) -> dict[str, str]:
    return {r[0]: r[2] for r in page.model.rows}


def test_the_board_confirmations_and_the_bulletin(world, ctx_of, qtbot, tmp_path, answer_boxes):
    units_with_cases(world)
    world.clock.now = END - MINUTE
    officer = DispatchPage(ctx_of(world.officer))
    qtbot.addWidget(officer)
    settled(qtbot)
    assert officer.period_box.currentIndex() == 0 and "本期" in officer.period_box.currentText()
    assert set(statuses(officer).values()) == {"待报"}
    assert not officer.issue_button.isVisibleTo(officer) and not officer.settings_button.isVisibleTo(officer)
    assert officer.confirm_button.isVisibleTo(officer)
    officer.confirm(ask=False)  # no row selected: the officer's own department
    assert not officer.confirm_button.isEnabled()  # written on the operations thread: one click, one write
    settled(qtbot)
    row = officer.confirmed
    assert officer.confirm_button.isEnabled()
    assert row is not None and row.unit.name == "县住建局" and row.status == "已报"
    assert statuses(officer)["县住建局"] == "已报"
    officer.confirm(ask=False)  # twice: refused with a message, nothing changes
    settled(qtbot)
    assert any("无须重复确认" in t for t in answer_boxes)

    world.clock.now = END + 5 * MINUTE  # after the cut-off: the page opens on the period just ended
    coordinator = DispatchPage(ctx_of(world.coordinator))
    qtbot.addWidget(coordinator)
    coordinator.resize(1100, 420)
    coordinator.show()
    settled(qtbot)
    assert coordinator.period_box.currentIndex() == 1
    assert statuses(coordinator) == {"城关镇": "未报", "河西乡": "未报", "县水利局": "未报", "县住建局": "已报"}
    coordinator.view.selectRow(list(statuses(coordinator)).index("河西乡"))
    coordinator.confirm(ask=False)
    settled(qtbot)
    late = coordinator.confirmed
    assert late is not None and late.status == "迟报" and late.via == "县级代为登记"
    assert statuses(coordinator)["河西乡"] == "迟报"
    assert "迟报：河西乡" in coordinator.summary.text() and "未报：城关镇、县水利局" in coordinator.summary.text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    coordinator.grab().save(str(SCREENSHOTS / "调度通报.png"))

    # a unit's user may not confirm another unit by selecting its row
    world.clock.now = END + 10 * MINUTE
    verifier = DispatchPage(ctx_of(world.verifier))
    qtbot.addWidget(verifier)
    settled(qtbot)
    verifier.view.selectRow(list(statuses(verifier)).index("县水利局"))
    verifier.confirm(ask=False)
    settled(qtbot)
    assert verifier.confirmed is None
    assert any("只能确认本单位" in t for t in answer_boxes)
    assert statuses(verifier)["县水利局"] == "未报"

    out = tmp_path / "通报.pdf"
    world.clock.now = END + dt.timedelta(hours=2)
    coordinator.reload()
    settled(qtbot)
    coordinator.issue(str(out))
    settled(qtbot)
    assert any("第1期调度通报" in t for t in answer_boxes)
    text = text_of(read(out))
    assert "第1期" in text and "未报2个：城关镇、县水利局" in text

    world.clock.now = END + dt.timedelta(days=1)
    coordinator.edit_cutoff((4, "12:00", 12))
    settled(qtbot)
    assert "每周五 12:00" in coordinator.cutoff_label.text()
    assert coordinator.periods[0].end == dt.datetime(2026, 12, 4, 12, 0)
    coordinator.edit_cutoff((4, "99:00", 12))
    settled(qtbot)
    assert any("时:分" in t for t in answer_boxes)
