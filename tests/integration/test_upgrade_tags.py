"""Revision 0008 on a ledger made before it: the SQLite rebuild of `cases` keeps its counting triggers
and every record stamp, and the tags implied by each household's 户类型 are written and stamped in
one event by the run that upgraded (ledger/facade.py `_tags_from_kinds`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, text

from ledger import open_ledger
from ledger.db import create_ledger_engine
from ledger.migrate import alembic_config, downgrade
from ledger.models import AuditEvent, Case, Household, HouseholdTag
from ledger.tags import tags_for_kind
from tests.world import PASSWORD, build_world


def _downgrade_to_0007(db: Path) -> None:
    engine = create_ledger_engine(db)
    downgrade(engine, alembic_config(), "0007")
    engine.dispose()


def test_an_old_ledger_upgrades_with_its_tags_and_stamps(tmp_path):
    """A ledger of household problems of every 户类型 (a pre-0008 ledger has no village-level ones),
    taken back to 0007 and opened by this program."""
    db, keys = tmp_path / "台账.db", tmp_path / "keys"
    world = build_world(db, tmp_path)
    clock = world.clock
    for n, kind in enumerate(("脱贫户", "脱贫不稳定户", "边缘易致贫户", "低保户", "特困供养", "一般农户", "脱贫户")):
        case = world.register("house.c" if n % 2 else "med.insure", household=world.household(kind=kind))
        if n % 3 == 0:
            world.walk(case, "in_progress")
    world.ledger.close()
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
            assert len(tags) == 7  # 脱贫不稳定户 is a 脱贫户 too; 一般农户 has none
            event = s.scalar(select(AuditEvent).where(AuditEvent.action == "household.tags_from_kind"))
            assert event is not None and f'"tags":{len(tags)}' in event.payload.replace(" ", "")
            # the rebuilt table still counts: its three triggers came back
            triggers = s.scalars(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases' ORDER BY name")
            ).all()
            assert triggers == [
                "cases_count_delete", "cases_count_insert", "cases_count_update",
                # the 统计年度 counters of revision 0012
                "cases_year_count_delete", "cases_year_count_insert", "cases_year_count_update",
            ]  # fmt: skip
            before = s.scalar(select(func.count()).select_from(Case))
        tongchou = lg.users.authenticate("tongchou", PASSWORD)
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
