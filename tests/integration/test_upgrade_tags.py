"""Revision 0008 on a ledger made before it: the SQLite rebuild of `cases` keeps its counting triggers
and every record stamp, and the tags implied by each household's 户类型 are written and stamped in
one event by the run that upgraded (ledger/facade.py `_tags_from_kinds`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select, text

from ledger import open_ledger
from ledger.db import create_ledger_engine
from ledger.demo import generate
from ledger.migrate import alembic_config, downgrade
from ledger.models import AuditEvent, Case, Household, HouseholdTag
from ledger.tags import tags_for_kind
from tests.world import FakeClock


def _downgrade_to_0007(db: Path) -> None:
    engine = create_ledger_engine(db)
    downgrade(engine, alembic_config(), "0007")
    engine.dispose()


def test_an_old_ledger_upgrades_with_its_tags_and_stamps(tmp_path):
    db, keys = tmp_path / "台账.db", tmp_path / "keys"
    clock = FakeClock(dt.datetime(2026, 11, 25, 9, 0))
    lg = open_ledger(db, key_dir=keys, backup_dir=tmp_path / "备份", clock=clock)
    generate(lg, cases=300)
    lg.close()
    _downgrade_to_0007(db)

    lg = open_ledger(db, key_dir=keys, backup_dir=tmp_path / "备份", clock=clock)
    try:
        report = lg.audit.verify()
        assert report.ok, report
        with lg.reading() as s:
            kinds = dict(s.execute(select(Household.id, Household.kind)).all())
            tags = s.execute(select(HouseholdTag.household_id, HouseholdTag.tag, HouseholdTag.subtype)).all()
            assert sorted(tags) == sorted(
                (hid, t, sub) for hid, kind in kinds.items() for t, sub in tags_for_kind(kind)
            )
            assert len(tags) > 100
            event = s.scalar(select(AuditEvent).where(AuditEvent.action == "household.tags_from_kind"))
            assert event is not None and f'"tags":{len(tags)}' in event.payload.replace(" ", "")
            # the rebuilt table still counts: its three triggers came back
            triggers = s.scalars(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases' ORDER BY name")
            ).all()
            assert triggers == ["cases_count_delete", "cases_count_insert", "cases_count_update"]
            before = s.scalar(select(func.count()).select_from(Case))
        tongchou = lg.users.authenticate("tongchou", "Demo#2026")
        hid = next(iter(kinds))
        lg.cases.register(
            tongchou, household_id=hid, subcategory="med.insure", description="升级后登记",
            source="干部走访排查", found_date="2026-11-20",
        )  # fmt: skip
        with lg.reading() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == before + 1
        assert lg.audit.verify().ok  # 看板计数 agree with the cases table after the rebuild
    finally:
        lg.close()

    # the adoption happens once: opening again writes no second event
    lg = open_ledger(db, key_dir=keys, backup_dir=tmp_path / "备份", clock=clock)
    try:
        with lg.reading() as s:
            n = s.scalar(select(func.count()).where(AuditEvent.action == "household.tags_from_kind"))
        assert n == 1
    finally:
        lg.close()
