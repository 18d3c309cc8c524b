"""连接服务器: the dialog builds the connection from the fields, connects to a real PostgreSQL
ledger, and what is remembered afterwards never holds the password."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from ledger import open_ledger
from ui.common import load_json
from ui.server_dialog import ServerDialog, remembered
from ui.start import StartDialog, remember_ledger


def test_missing_fields_are_named(qtbot):
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.host.setText("192.168.1.10")
    dialog.submit()
    assert dialog.url is None and "数据库账号" in dialog.message.text() and "数据库密码" in dialog.message.text()


@pytest.mark.postgres
def test_connect_to_a_server_ledger_and_remember_it_without_the_password(qtbot, pg_url, tmp_path, clock):
    from tests.world import build_world

    world = build_world(pg_url, tmp_path, clock)
    world.ledger.close()
    target = make_url(pg_url)
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.host.setText(target.host)
    dialog.port.setValue(target.port)
    dialog.database.setText(target.database)
    dialog.user.setText(target.username)
    dialog.password.setText(target.password)
    dialog.ssl.setCurrentIndex(dialog.ssl.findData("disable"))  # the throwaway test server has no TLS
    dialog.submit()
    assert dialog.url is not None
    lg = open_ledger(dialog.url, create=False, key_dir=tmp_path / "keys")
    try:
        assert lg.dialect == "postgresql" and lg.users.authenticate("luru", "Zg#2026pw").username == "luru"
        kept = remembered(lg.address)
    finally:
        lg.close()
    assert target.password not in kept and make_url(kept).password is None
    remember_ledger(kept)
    assert kept in load_json("recent", []) and target.password not in repr(load_json("recent", []))

    start = StartDialog()
    qtbot.addWidget(start)
    again = ServerDialog(kept)
    qtbot.addWidget(again)
    assert again.host.text() == target.host and again.password.text() == ""
    assert again.ssl.currentData() == "disable"
