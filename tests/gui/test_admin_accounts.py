"""系统管理's account actions through the page: disable and enable, unlock, reset a password — only
for the administrator, each audited, the list showing the account's state."""

from __future__ import annotations

import pytest

from ledger import PermissionDenied
from tests.world import PASSWORD
from ui.admin_page import AdminPage


def state_of(page: AdminPage, username: str) -> str:
    for row, (actor, _active) in enumerate(page.accounts):
        if actor.username == username:
            return page.users.index(row, 4).data()
    raise AssertionError(username)


def test_administrator_disables_unlocks_and_resets(qtbot, world, ctx_of, answer_boxes):
    lg = world.ledger
    page = AdminPage(ctx_of(world.admin))
    qtbot.addWidget(page)
    page.refresh()
    assert page.toggle_active() is False and any("请先在列表中选择" in t for t in answer_boxes)

    page.select_account("luru")
    assert page.toggle_active() is True and state_of(page, "luru") == "已停用"
    with pytest.raises(PermissionDenied):
        lg.users.authenticate("luru", PASSWORD)
    page.select_account("luru")
    assert page.toggle_active() is True and state_of(page, "luru") == "正常"

    for _ in range(5):
        with pytest.raises(PermissionDenied):
            lg.users.authenticate("ck1", "wrong")
    page.refresh()
    assert state_of(page, "ck1").startswith("锁定至")
    page.select_account("ck1")
    assert page.unlock() is True and state_of(page, "ck1") == "正常"

    page.select_account("ck1")
    assert page.reset_password("short") is False  # the policy's message is shown
    assert any("至少8位" in t for t in answer_boxes)
    page.select_account("ck1")
    assert page.reset_password("Reset#2026x") is True
    assert lg.users.authenticate("ck1", "Reset#2026x").username == "ck1"
    recent = [what for _seq, _at, _who, what in lg.audit.recent(20)]
    assert {"user.disable", "user.enable", "user.unlock", "user.password_reset"} <= set(recent)

    page.select_account("admin")
    assert page.toggle_active() is False and any("不能停用自己" in t for t in answer_boxes)


def test_others_cannot_administer_accounts(qtbot, world, ctx_of):
    page = AdminPage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    assert not page.toggle_button.isEnabled() and not page.reset_button.isEnabled()
