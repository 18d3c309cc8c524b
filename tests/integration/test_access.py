"""Who sees which cases (issue 6): every role against cases in and out of its scope — lists, counts,
the dashboard, a single case, households, reports and exports — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from python_calamine import CalamineWorkbook

from ledger.dto import CaseFilter
from ledger.errors import PermissionDenied, WorkflowError
from reports.excel import ExportRequest, export_fillin, export_workbook


@pytest.fixture
def scoped(any_world):
    """A: 城关镇, led by 住建局; B: 城关镇, led by 水利局; C: 河西乡, led by 住建局; D: 河西乡, not yet assigned."""
    w = any_world
    lg = w.ledger
    river = next(v for v in lg.catalog.villages(w.other_township_id))
    cases = {}
    for name, village, dept in (("A", w.village_id, w.zjj_id), ("B", w.village_id, w.slj_id),
                                ("C", river.id, w.zjj_id), ("D", river.id, None)):  # fmt: skip
        case = w.register("house.c", household=w.household(village_id=village))
        if dept is not None:
            case = lg.cases.act(
                w.coordinator, case.id, "assign", expected_version=case.version, inputs={"lead_department_id": dept}
            ).case
        cases[name] = case
    return w, cases


EXPECTED = {
    "admin": "",
    "auditor": "",
    "clerk": "ABCD",
    "coordinator": "ABCD",
    "approver": "ABCD",
    "viewer": "ABCD",
    "dept_officer": "AC",  # 住建局
    "verifier": "AB",  # 城关镇
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_its_cases_and_no_others(scoped, role):
    w, cases = scoped
    lg = w.ledger
    actor = w.all_actors[role]
    by_id = {c.id: name for name, c in cases.items()}
    seen = CaseFilter(visible_to=actor)
    rows = lg.queries.page(seen, limit=100)
    assert "".join(sorted(by_id[r.id] for r in rows)) == EXPECTED[role]
    assert lg.queries.count(seen) == len(EXPECTED[role])
    assert lg.queries.dashboard(visible_to=actor).total == len(EXPECTED[role])
    # a filter pointing outside the scope finds nothing rather than everything
    elsewhere = CaseFilter(visible_to=actor, township_id=w.other_township_id)
    assert lg.queries.count(elsewhere) == sum(1 for n in EXPECTED[role] if n in "CD")
    for name, case in cases.items():
        if name in EXPECTED[role]:
            assert lg.cases.get(case.id, viewer=actor).number == case.number
        else:
            with pytest.raises(PermissionDenied, match="无权查看"):
                lg.cases.get(case.id, viewer=actor)
    households = {h.id for h in lg.queries.household_page(visible_to=actor)}
    assert households == {cases[n].household.id for n in EXPECTED[role]}
    assert lg.queries.household_count(visible_to=actor) == len(EXPECTED[role])


def test_an_account_holding_both_scopes_sees_either(scoped):
    w, cases = scoped
    lg = w.ledger
    both = w.account(
        "both", "兼职人员", ["dept_officer", "verifier"], password="Shared#2026xy",
        department_id=w.slj_id, township_id=w.other_township_id,
    )  # fmt: skip
    seen = CaseFilter(visible_to=both)
    assert {r.number for r in lg.queries.page(seen, limit=100)} == {cases[n].number for n in "BCD"}
    assert lg.queries.count(seen) == 3 and lg.queries.dashboard(visible_to=both).total == 3


def test_scoped_officers_act_only_in_scope(scoped):
    w, cases = scoped
    lg = w.ledger
    accepted = lg.cases.act(
        w.officer, cases["A"].id, "accept", expected_version=cases["A"].version, inputs={"responsible_person": "李工"}
    )
    assert accepted.case.state == "in_progress"
    with pytest.raises(PermissionDenied):
        lg.cases.act(
            w.officer,
            cases["B"].id,
            "accept",
            expected_version=cases["B"].version,
            inputs={"responsible_person": "李工"},
        )
    with pytest.raises(PermissionDenied):
        lg.cases.add_progress(w.officer, cases["B"].id, lg.today(), "越权填写")
    with pytest.raises(WorkflowError, match="无权"):  # 系统管理员 changes no case
        lg.cases.act(w.admin, cases["A"].id, "void", expected_version=accepted.case.version, inputs={"reason": "测试"})


def test_exports_and_reports_hold_only_what_the_user_sees(scoped, tmp_path):
    w, cases = scoped
    lg = w.ledger
    out = tmp_path / "住建局.xlsx"
    export_workbook(lg, ExportRequest(), out, w.officer)
    with CalamineWorkbook.from_path(str(out)) as book:
        numbers = {r[1] for r in book.get_sheet_by_name("问题台账").to_python()[4:]}
    assert numbers == {cases["A"].number, cases["C"].number}
    export_fillin(lg, w.zjj_id, tmp_path / "本单位.xlsx", w.officer)
    with pytest.raises(PermissionDenied, match="本单位"):
        export_fillin(lg, w.slj_id, tmp_path / "别的单位.xlsx", w.officer)
    from reports.render import ReportRequest, render_report

    with pytest.raises(PermissionDenied):
        render_report(lg, ReportRequest(kind="closure", case_number=cases["B"].number), tmp_path / "b.pdf", w.officer)
    result = render_report(lg, ReportRequest(kind="ledger"), tmp_path / "台账.pdf", w.verifier)
    assert result.cases == 2
