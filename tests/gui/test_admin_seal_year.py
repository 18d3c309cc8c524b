"""年终归档 from 系统管理: the coordinator seals a finished year through the page (the work runs off
the GUI thread), the page says where the archive went, and a second sealing is refused in Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ledger.archive import sealed
from reports.archive import MANIFEST, verify_archive
from ui.admin_page import AdminPage


def test_coordinator_seals_a_year_from_the_page(qtbot, world, ctx_of, answer_boxes, tmp_path):
    w, lg = world, world.ledger
    db = Path(str(lg.engine.url.database))
    (db.parent / "佐证材料").symlink_to(lg.evidence_store.root, target_is_directory=True)
    w.clock.now = dt.datetime(2025, 5, 6, 9)
    w.walk(w.register(), "closed")
    w.clock.now = dt.datetime(2026, 1, 10, 9)

    viewer_page = AdminPage(ctx_of(w.viewer))
    qtbot.addWidget(viewer_page)
    assert not viewer_page.seal_button.isEnabled()

    page = AdminPage(ctx_of(w.coordinator))
    qtbot.addWidget(page)
    assert page.seal_button.isEnabled()
    assert page.seal_year(2025, str(tmp_path / "归档"), confirm=False) is True
    folder = tmp_path / "归档" / "2025年度归档"
    assert (folder / MANIFEST).is_file()
    assert "2025年度已归档到" in page.status.text() and "1 个问题此后只读" in page.status.text()
    assert sealed(lg, 2025) is not None
    assert verify_archive(lg, folder)[1] == []

    assert page.seal_year(2025, str(tmp_path / "再次"), confirm=False) is False
    assert any("2025" in text and "归档" in text for text in answer_boxes)
