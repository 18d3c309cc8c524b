"""Rights an administrator grants (issue 6): full ID numbers and phones only with 'unmask' and a
typed reason, audited; health and disability notes only with 'health'."""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import select

from ledger.errors import PermissionDenied, ValidationError
from ledger.models import AuditEvent
from reports.render import ReportRequest, render_report
from tests.world import PASSWORD, fresh_id_number


@pytest.fixture
def family(world):
    household = world.ledger.households.create(
        world.clerk,
        village_id=world.village_id,
        head_name="马秀兰",
        head_id_number=fresh_id_number("19750505"),
        kind="脱贫户",
        size=3,
        phone="13800005678",
        members=[("马小军", "", "子", "肢体残疾（二级）"), ("马小红", "", "女")],
    )
    world.register("med.policy", household=household)
    return household


def test_reveal_needs_the_right_and_a_reason_and_is_audited(world, family):
    lg = world.ledger
    with pytest.raises(PermissionDenied, match="查看完整号码"):
        lg.households.reveal(world.clerk, family.id, "核对医保参保信息")
    with pytest.raises(ValidationError, match="用途"):
        lg.households.reveal(world.coordinator, family.id, "核对")
    number, phone = lg.households.reveal(world.coordinator, family.id, "核对医保参保信息")
    assert number == family.head_id_number and phone == "13800005678"
    with lg.reading() as s:
        events = [
            json.loads(e.payload) for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.reveal"))
        ]
    assert len(events) == 1 and events[-1]["reason"] == "核对医保参保信息"
    assert family.head_id_number not in json.dumps(events, ensure_ascii=False)  # the log keeps it masked
    # granting the right is the administrator's, and audited
    lg.users.set_rights(world.admin, world.clerk.id, ["unmask"])
    clerk = lg.users.authenticate("luru", PASSWORD)
    assert lg.households.reveal(clerk, family.id, "入户核实身份")[0] == family.head_id_number


def test_health_notes_only_for_the_right(world, family, tmp_path):
    lg = world.ledger
    assert [m.health for m in lg.households.members(family.id, viewer=world.coordinator)] == ["肢体残疾（二级）", ""]
    assert [m.health for m in lg.households.members(family.id, viewer=world.clerk)] == ["", ""]
    assert [m.health for m in lg.households.members(family.id)] == ["", ""]
    for actor, shown in ((world.coordinator, True), (world.clerk, False)):
        out = tmp_path / f"{actor.username}.pdf"
        render_report(lg, ReportRequest(kind="household", household_id=family.id), out, actor)
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        assert ("肢体残疾" in text) is shown and "马小军" in text


def test_sql_logging_and_errors_never_carry_personal_data(world, caplog):
    """Even with SQLAlchemy's statement log switched on, and in a database error's text, the bound
    values (names, ID numbers, phones) are hidden (hide_parameters on every engine)."""
    import logging

    from sqlalchemy import text

    lg = world.ledger
    number = fresh_id_number("19660606")
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"):
        household = lg.households.create(
            world.clerk, village_id=world.village_id, head_name="欧阳娜娜", head_id_number=number, kind="低保户",
            phone="13912345678",
        )  # fmt: skip
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "INSERT INTO households" in logged  # the log was really on
    assert number not in logged and "欧阳娜娜" not in logged and "13912345678" not in logged
    with pytest.raises(Exception) as failed, lg.unit_of_work() as s:
        s.execute(
            text("INSERT INTO households (id, township_id, village_id, group_name, head_name, head_id_number, "
                 "phone, kind, size, created_at) VALUES (:id, 1, 1, '', :name, :number, '', '', 1, '2026-01-01')"),
            {"id": household.id, "name": "欧阳娜娜", "number": number},
        )  # fmt: skip
    assert number not in str(failed.value) and "欧阳娜娜" not in str(failed.value)
