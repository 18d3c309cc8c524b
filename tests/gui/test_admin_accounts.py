"""系统管理's account actions through the page: disable and enable, unlock, reset a password — only
for the administrator, each audited, the list showing the account's state."""

from __future__ import annotations

import pytest

from ledger import PermissionDenied
from tests.gui.guithread import settled
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
    settled(qtbot)
    assert page.toggle_active() is False and any("请先在列表中选择" in t for t in answer_boxes)

    page.select_account("luru")
    assert page.toggle_active() is True
    settled(qtbot)  # the list is read again on the operations thread
    assert state_of(page, "luru") == "已停用"
    with pytest.raises(PermissionDenied):
        lg.users.authenticate("luru", PASSWORD)
    page.select_account("luru")
    assert page.toggle_active() is True
    settled(qtbot)
    assert state_of(page, "luru") == "正常"

    for _ in range(5):
        with pytest.raises(PermissionDenied):
            lg.users.authenticate("ck1", "wrong")
    page.refresh()
    settled(qtbot)
    assert state_of(page, "ck1").startswith("锁定至")
    page.select_account("ck1")
    assert page.unlock() is True
    settled(qtbot)
    assert state_of(page, "ck1") == "正常"

    page.select_account("ck1")
    page.reset_password("short")  # the policy's message is shown, the password kept
    settled(qtbot)
    assert any("至少8位" in t for t in answer_boxes)
    page.select_account("ck1")
    assert page.reset_password("Reset#2026x") is True
    settled(qtbot)
    assert lg.users.authenticate("ck1", "Reset#2026x").username == "ck1"
    recent = [what for _seq, _at, _who, what in lg.audit.recent(20)]
    assert {"user.disable", "user.enable", "user.unlock", "user.password_reset"} <= set(recent)

    page.select_account("admin")
    page.toggle_active()
    settled(qtbot)
    assert any("不能停用自己" in t for t in answer_boxes)
    assert state_of(page, "admin") == "正常"


def test_others_cannot_administer_accounts(qtbot, world, ctx_of):
    page = AdminPage(ctx_of(world.coordinator))
    qtbot.addWidget(page)
    assert not page.toggle_button.isEnabled() and not page.reset_button.isEnabled()


def test_rights_are_granted_on_the_page_and_used_on_the_households_page(qtbot, world, ctx_of, answer_boxes):
    from tests.world import fresh_id_number
    from ui.context import AppContext
    from ui.households_page import HouseholdsPage

    lg = world.ledger
    household = lg.households.create(
        world.clerk, village_id=world.village_id, head_name="马秀兰", head_id_number=fresh_id_number(), kind="脱贫户",
        members=[("马小军", "", "子", "肢体残疾（二级）")],
    )  # fmt: skip
    world.register("med.policy", household=household)
    clerk_page = HouseholdsPage(ctx_of(world.clerk))
    qtbot.addWidget(clerk_page)
    clerk_page.apply()
    settled(qtbot)
    assert not clerk_page.reveal_button.isVisibleTo(clerk_page) and clerk_page.members.columnCount() == 3

    admin = AdminPage(ctx_of(world.admin))
    qtbot.addWidget(admin)
    admin.refresh()
    settled(qtbot)
    admin.select_account("luru")
    assert admin.edit_rights(["unmask", "health"]) is True
    settled(qtbot)
    clerk = lg.users.authenticate("luru", PASSWORD)
    page = HouseholdsPage(AppContext(lg, clerk))  # signed in again: ctx_of would hand back the old context
    qtbot.addWidget(page)
    page.apply()
    settled(qtbot)
    assert page.reveal_button.isVisibleTo(page) and page.members.columnCount() == 4
    assert page.members.index(0, 3).data() == "肢体残疾（二级）"
    assert household.head_id_number not in page.detail.text()
    page.reveal("核")
    settled(qtbot)
    assert page.revealed is None and any("用途" in t for t in answer_boxes)
    page.reveal("入户核实身份")
    settled(qtbot)
    assert page.revealed[0] == household.head_id_number
    assert household.head_id_number in page.detail.text()


def test_administrator_and_auditor_get_only_the_administration_page(qtbot, world, ctx_of):
    from ui.main_window import PAGES, MainWindow

    for actor, pages in ((world.admin, ["系统管理"]), (world.auditor, ["系统管理"]), (world.viewer, list(PAGES))):
        window = MainWindow(ctx_of(actor))
        qtbot.addWidget(window)
        shown = [window.nav.item(i).text() for i in range(window.nav.count()) if not window.nav.item(i).isHidden()]
        assert shown == pages
        if pages == ["系统管理"]:
            assert window.stack.currentWidget() is window.admin
