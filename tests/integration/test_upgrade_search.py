"""Revision 0015 on a ledger made before it: every case's names and description go into the index
of single characters and pairs, so a two-character word finds the cases written before the upgrade."""

from __future__ import annotations

from ledger import CaseFilter, open_ledger
from ledger.db import create_ledger_engine
from ledger.migrate import alembic_config, downgrade
from ledger.search import grams
from tests.world import build_world


def test_an_old_ledger_gets_its_short_words_indexed(tmp_path):
    db = tmp_path / "台账.db"
    world = build_world(db, tmp_path)
    leak = world.register(description="屋顶漏雨")
    crack = world.register(description="墙体开裂", household=world.household(head_name="欧阳春"))
    world.ledger.close()
    engine = create_ledger_engine(db)
    downgrade(engine, alembic_config(), "0014")
    with engine.connect() as conn:
        assert not conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'case_search_grams'").all()
    engine.dispose()

    lg = open_ledger(db, key_dir=tmp_path / "keys", backup_dir=tmp_path / "备份", clock=world.clock)
    try:
        assert [r.id for r in lg.queries.page(CaseFilter(search="漏雨"))] == [leak.id]
        assert [r.id for r in lg.queries.page(CaseFilter(search="开裂"))] == [crack.id]
        assert [r.id for r in lg.queries.page(CaseFilter(search="阳"))] == [crack.id]
        assert lg.audit.verify().ok
    finally:
        lg.close()


def test_grams_are_every_letter_and_adjacent_pair():
    assert grams("房屋漏雨") == "房 屋 房屋 漏 屋漏 雨 漏雨"
    assert grams("D级，危房") == "d 级 d级 危 房 危房"  # punctuation breaks the pairs
    assert grams("") == ""


def test_revision_0017_reindexes_the_cases_of_a_household_renamed_before_it(tmp_path):
    """Before 0017 the household window renamed a head without re-indexing its cases."""
    db = tmp_path / "台账.db"
    world = build_world(db, tmp_path)
    h = world.household(head_name="欧阳春")
    case = world.register(household=h)
    world.ledger.households.update(world.clerk, h.id, {"head_name": "司马光明"})
    world.ledger.close()
    engine = create_ledger_engine(db)
    downgrade(engine, alembic_config(), "0016")
    with engine.begin() as conn:  # the search rows as the old program left them: the old name
        stale = (("case_search", f"{case.number}\n欧阳春\n\n墙体开裂"), ("case_search_grams", grams("欧阳春 墙体开裂")))
        for table, body in stale:
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE rowid = ?", (case.id,))
            conn.exec_driver_sql(f"INSERT INTO {table} (rowid, body) VALUES (?, ?)", (case.id, body))
    engine.dispose()

    lg = open_ledger(db, key_dir=tmp_path / "keys", backup_dir=tmp_path / "备份", clock=world.clock)
    try:
        for term in ("司马光明", "光明", "司"):
            assert [r.id for r in lg.queries.page(CaseFilter(search=term))] == [case.id], term
        for term in ("欧阳春", "阳"):
            assert lg.queries.page(CaseFilter(search=term)) == [], term
    finally:
        lg.close()
