"""The ledger view's read side: quick search, 待我处理, counts from the counters table against a real
COUNT(*), deferred-join pages in sort order, the household list, and the dashboard by category."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from ledger import CaseFilter
from ledger.models import Case
from ledger.services import queries
from tests.world import fresh_id_number, prepared


def _searchable(w) -> None:
    zhang = w.household(head_name="张小明", head_id_number=fresh_id_number("19800202"))
    li = w.household(head_name="李四", village_id=w.ledger.catalog.villages(w.other_township_id)[0].id)
    odd = w.household(head_name="百分%号")
    w.extra.update(
        zhang=zhang,
        li=li,
        odd=odd,
        leak=w.register(household=zhang, description="屋顶漏雨严重，需要翻修"),
        crack=w.register(household=li, description="墙体开裂"),
        water=w.register("water.access", household=odd, description="自来水入户管道破损"),
    )


@pytest.fixture
def searchable(any_database, tmp_path, clock):
    """Three households and three cases to search (made once a session on each kind of database)."""
    kind = "sqlite" if any_database is None else "postgresql"
    w, _ = prepared(f"test_queries.searchable.{kind}", tmp_path, clock, _searchable, any_database)
    yield w
    w.ledger.close()


def ids_of(lg, **kw) -> set[int]:
    return {r.id for r in lg.queries.page(CaseFilter(**kw), sort="id", limit=1000)}


def test_quick_search_by_name_words_number_and_full_id(searchable):
    w, e = searchable, searchable.extra
    lg = w.ledger
    assert ids_of(lg, search="张") == {e["leak"].id}  # one character: the head's name
    assert ids_of(lg, search="小明") == {e["leak"].id}
    assert ids_of(lg, search="漏雨严重") == {e["leak"].id}  # words of the description
    assert ids_of(lg, search="墙体开裂") == {e["crack"].id}
    assert ids_of(lg, search=e["water"].number) == {e["water"].id}
    assert ids_of(lg, search=e["water"].number[-6:]) == {e["water"].id}
    assert ids_of(lg, search=e["zhang"].head_id_number) == {e["leak"].id}
    full_width = e["zhang"].head_id_number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert ids_of(lg, search=full_width) == {e["leak"].id}
    assert ids_of(lg, search="%") == {e["water"].id}  # LIKE wildcards are matched literally
    assert ids_of(lg, search='"漏雨') == set()  # FTS syntax does not leak through
    assert ids_of(lg, search="不存在的词语") == set()
    assert lg.queries.count(CaseFilter(search="张")) == 1


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("墙", {"crack"}),  # one character of a description
        ("雨", {"leak"}),
        ("开裂", {"crack"}),  # two: a word of a description, not taken for a name only
        ("漏雨", {"leak"}),
        ("入户", {"water"}),
        ("翻修", {"leak"}),
        ("开 裂", set()),  # a space inside is not the word
        ("管道破", {"water"}),  # three
        ("需要翻修", {"leak"}),  # more
        ("李", {"crack"}),  # a name still
        ("四", {"crack"}),
    ],
)
def test_quick_search_finds_description_words_of_any_length(searchable, term, expected):
    e = searchable.extra
    assert ids_of(searchable.ledger, search=term) == {e[name].id for name in expected}


def test_short_terms_follow_description_edits(searchable):
    w, e = searchable, searchable.extra
    lg = w.ledger
    case = e["crack"]
    lg.cases.update(w.clerk, case.id, case.version, {"description": "院墙倒塌"})
    assert ids_of(lg, search="倒塌") == {case.id}
    assert ids_of(lg, search="开裂") == set()


def test_search_follows_description_edits(searchable):
    w, e = searchable, searchable.extra
    lg = w.ledger
    case = e["crack"]
    lg.cases.update(w.clerk, case.id, case.version, {"description": "院墙倒塌"})
    assert ids_of(lg, search="院墙倒塌") == {case.id}
    assert ids_of(lg, search="墙体开裂") == set()


def test_tasks_of_lists_what_waits_for_each_role_in_its_scope(any_world):
    w = any_world
    registered = w.register()
    assigned = w.walk(w.register(), "assigned")
    elsewhere = w.household(village_id=w.ledger.catalog.villages(w.other_township_id)[0].id)
    pending_elsewhere = w.walk(w.register(household=elsewhere), "pending_verification")
    pending_here = w.walk(w.register(), "pending_verification")
    approval = w.walk(w.register(), "pending_approval")
    lg = w.ledger
    assert ids_of(lg, tasks_of=w.coordinator) == {registered.id}
    assert ids_of(lg, tasks_of=w.officer) == {assigned.id}
    assert ids_of(lg, tasks_of=w.other_officer) == set()  # not his department
    assert ids_of(lg, tasks_of=w.verifier) == {pending_here.id}  # not the other township's
    assert pending_elsewhere.id not in ids_of(lg, tasks_of=w.verifier)
    assert ids_of(lg, tasks_of=w.approver) == {approval.id}
    assert ids_of(lg, tasks_of=w.viewer) == set()


def test_counter_table_counts_equal_a_real_count(any_world):
    w = any_world
    for i in range(6):
        case = w.register("water.access" if i % 2 else "house.c")
        w.walk(case, ["registered", "assigned", "in_progress"][i % 3])
    w.ledger.cases.act(w.coordinator, w.register().id, "void", expected_version=1, inputs={"reason": "重复登记"})
    lg = w.ledger
    filters = [
        CaseFilter(),
        CaseFilter(include_void=False),
        CaseFilter(states=("assigned", "in_progress")),
        CaseFilter(category="water"),
        CaseFilter(subcategory="house.c", township_id=w.township_id),
        CaseFilter(department_id=w.zjj_id),
    ]
    for f in filters:
        assert lg.queries._counted(f)
        slow = dataclasses.replace(f, found_from=dt.date(1900, 1, 1))  # same rows, forces COUNT(*)
        assert not lg.queries._counted(slow)
        assert lg.queries.count(f) == lg.queries.count(slow), f
    with lg.reading() as s:
        assert lg.queries.count(CaseFilter()) == s.scalar(select(func.count()).select_from(Case))


def test_pages_keep_sort_order_through_the_deferred_join(any_world):
    w = any_world
    made = [w.walk(w.register(), "assigned") for _ in range(5)]
    lg = w.ledger
    for case, days in zip(made, [9, 3, 7, 1, 5], strict=True):
        lg.cases.update(
            w.coordinator,
            case.id,
            lg.cases.get(case.id).version,
            {"deadline": w.clock.now.date() + dt.timedelta(days=days)},
        )
    rows = lg.queries.page(CaseFilter(states=("assigned",)), sort="deadline")
    assert [r.deadline for r in rows] == sorted(r.deadline for r in rows)
    desc = lg.queries.page(CaseFilter(states=("assigned",)), sort="deadline", descending=True)
    assert [r.id for r in desc] == [r.id for r in reversed(rows)]
    second = lg.queries.page(CaseFilter(states=("assigned",)), sort="deadline", offset=2, limit=2)
    assert [r.id for r in second] == [r.id for r in rows[2:4]]
    assert all("*" in r.head_id_masked for r in rows)
    # a page longer than the ids one statement binds (a selection read at once) is read in pieces, in order
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queries, "IDS_AT_ONCE", 2)
        assert lg.queries.page(CaseFilter(states=("assigned",)), sort="deadline") == rows


def test_household_list_counts_open_and_all_cases(searchable):
    w, e = searchable, searchable.extra
    lg = w.ledger
    w.walk(w.register(household=e["zhang"]), "closed")
    rows = {r.head_name: r for r in lg.queries.household_page()}
    assert (rows["张小明"].open_cases, rows["张小明"].all_cases) == (1, 2)
    assert lg.queries.household_count("张") == 1
    assert [r.id for r in lg.queries.household_page(e["li"].head_id_number)] == [e["li"].id]
    assert lg.queries.household_count(township_id=w.other_township_id) == 1
    assert "*" in rows["李四"].head_id_masked


def test_dashboard_counts_by_category(searchable):
    counts = searchable.ledger.queries.dashboard()
    assert counts.by_category_state == {("house", "registered"): 2, ("water", "registered"): 1}


@pytest.mark.postgres
def test_postgresql_quick_search_uses_the_trigram_indexes(pg_url, tmp_path, clock):
    """Revision 0004: ILIKE '%…%' on the description is answered from pg_trgm's GIN index."""
    from sqlalchemy import text

    from tests.world import build_world

    w = build_world(pg_url, tmp_path, clock)
    lg = w.ledger
    try:
        for i in range(30):
            w.register(description=f"第{i}户房屋墙体开裂" if i % 10 else "屋面漏雨严重，梁柱受损")
        with lg.reading() as s:
            names = set(s.scalars(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'")))
            assert names == {"ix_cases_number_trgm", "ix_cases_description_trgm", "ix_households_head_name_trgm"}
            s.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: make the planner show its choice
            plan = "\n".join(s.scalars(text("EXPLAIN SELECT id FROM cases WHERE description ILIKE '%梁柱受损%'")))
        assert "ix_cases_description_trgm" in plan
        assert lg.queries.count(CaseFilter(search="梁柱受损")) == 3
    finally:
        lg.close()


def _phrases(w) -> None:
    for i in range(45):
        case = w.register(
            description="房屋墙体开裂" if i % 3 else "屋顶漏雨",
            found_date=w.clock.now.date() - dt.timedelta(days=i % 7),
        )
        if i % 2:
            w.walk(case, "assigned")


@pytest.fixture
def phrases(tmp_path, clock):
    """45 cases, two in three of them 墙体开裂 (made once a session, copied for each test)."""
    w, _ = prepared("test_queries.phrases", tmp_path, clock, _phrases)
    yield w
    w.ledger.close()


@pytest.mark.parametrize("term", ["墙体开裂", "开裂", "裂"])
@pytest.mark.parametrize(("sort", "descending"), [("deadline", False), ("number", True), ("found_date", False)])
def test_a_common_phrase_reads_its_pages_in_sort_order_and_gets_the_same_rows(phrases, term, sort, descending):
    """When the matches are many, the page's ids come from the sort's own index, each tested against
    the search (queries._walk): the rows and their order are those of reading every match."""
    w, lg = phrases, phrases.ledger
    every = lg.queries.page(CaseFilter(), sort=sort, descending=descending, limit=1000)
    matching = [r.id for r in every if "漏雨" not in lg.cases.get(r.id).description]
    f = CaseFilter(search=term)
    with lg.reading() as s:
        assert lg.queries._walk(s, f, sort, 10) is not None  # 30 matches of 45: read in index order
        assert lg.queries._walk(s, f, "state", 10) is None  # no index of its own
        assert lg.queries._walk(s, CaseFilter(search=term, township_id=w.township_id), sort, 10) is None
        # the ledger view always names its viewer: the county's, who sees every case, filters nothing
        # (the walk was skipped for it: 墙体开裂 at 1,000,000 cases 150 → 25 ms); a township's does
        county = lg.queries._proved(CaseFilter(search=term, visible_to=w.coordinator))
        assert lg.queries._walk(s, county, sort, 10) is not None
        township = lg.queries._proved(CaseFilter(search=term, visible_to=w.verifier))
        assert lg.queries._walk(s, township, sort, 10) is None
    for offset in (0, 10, 25):
        page = lg.queries.page(f, sort=sort, descending=descending, offset=offset, limit=10)
        assert [r.id for r in page] == matching[offset : offset + 10], (offset, sort)
        seen = CaseFilter(search=term, visible_to=w.coordinator)
        page = lg.queries.page(seen, sort=sort, descending=descending, offset=offset, limit=10)
        assert [r.id for r in page] == matching[offset : offset + 10], (offset, sort)


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("sort", ["number", "deadline", "found_date"])
def test_a_common_phrase_reads_the_first_cases_in_order_only_and_gets_the_same_rows(world, sort, descending):
    """queries._first: a search alone reads the matches among the first cases in the sort's order
    only; the rows are those of reading every match, also when a number does not follow the order of
    the ids (an imported case's own number) or the first cases hold too few."""
    from sqlalchemy import text

    w, lg = world, world.ledger
    made = []
    for i in range(60):
        case = w.register(
            description="房屋墙体开裂" if i % 3 else "屋顶漏雨",
            found_date=w.clock.now.date() - dt.timedelta(days=i % 7),
        )
        made.append(w.walk(case, "assigned") if i % 2 else case)
    with lg.unit_of_work() as s:  # two cases carry numbers that sort before and after every other
        s.execute(text("UPDATE cases SET number = :n WHERE id = :id"), {"n": "999999-9999-1", "id": made[1].id})
        s.execute(text("UPDATE cases SET number = :n WHERE id = :id"), {"n": "000000-0000-1", "id": made[2].id})
    every = lg.queries.page(CaseFilter(), sort=sort, descending=descending, limit=1000)
    matching = [r.id for r in every if "漏雨" not in lg.cases.get(r.id).description]
    f = CaseFilter(search="墙体开裂", visible_to=w.coordinator)
    with lg.reading() as s:
        for need in (1, 2, 5, 30):
            first = lg.queries._first(s, lg.queries._proved(f), sort, descending, need)
            assert first == matching[:need], need
    for offset, limit in ((0, 2), (0, 10), (3, 4), (30, 10)):
        page = lg.queries.page(f, sort=sort, descending=descending, offset=offset, limit=limit)
        assert [r.id for r in page] == matching[offset : offset + limit], (offset, limit)
    # the count of a search alone is the index's: every case has its one row there
    assert lg.queries.count(f) == len(matching) == 40
    assert lg.queries.count(CaseFilter(search="墙体开裂", township_id=w.township_id)) == 40
    assert lg.queries.count(CaseFilter(search="漏雨", include_void=False)) == 20
    # an estimate only where the exact count is dear: the index's matches × the other conditions' share
    assert lg.queries.estimate(f) is None
    assert lg.queries.estimate(CaseFilter(search="墙体开裂", township_id=w.township_id)) == 40
    assert lg.queries.estimate(CaseFilter(search="墙体开裂", township_id=w.other_township_id)) == 0
    assert lg.queries.estimate(CaseFilter(search="墙体开裂", visible_to=w.verifier)) == 40  # 城关镇's
    assert lg.queries.estimate(CaseFilter(search="墙体开裂", light="red")) is None  # not in case_counts


def test_a_phrase_sparse_among_the_first_cases_reads_a_larger_chunk_or_leaves_it_to_the_walk(world):
    """queries._first with too few matches among the first cases: one larger chunk, sized from the
    matches found, then the full answer; none found, and None (the walk reads them)."""
    w, lg = world, world.ledger
    made = [w.register(description="房屋墙体开裂" if i in (5, 10, 59) else "屋顶漏雨") for i in range(60)]
    f = lg.queries._proved(CaseFilter(search="墙体开裂", visible_to=w.coordinator))
    with lg.reading() as s:
        # the newest 40 numbers hold one match: a chunk of 100 is read next and gives two
        assert lg.queries._first(s, f, "number", True, 2) == [made[59].id, made[10].id]
        assert lg.queries._first(s, f, "number", False, 2) == [made[5].id, made[10].id]
        assert lg.queries._first(s, f, "number", True, 3) == [made[59].id, made[10].id, made[5].id]
        # the newest 20 numbers hold no match: the walk's business
        assert lg.queries._first(s, CaseFilter(search="梁柱"), "number", True, 1) is None
        # (a filter without a viewer: the same rows)
        assert lg.queries._first(s, CaseFilter(search="墙体开裂"), "number", True, 1) == [made[59].id]
        # not a search alone: never
        assert lg.queries._first(s, CaseFilter(search="墙体开裂", township_id=w.township_id), "number", True, 1) is None
