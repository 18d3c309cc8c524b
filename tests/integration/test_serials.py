"""Numbers the office issues (督办函 发文字号): one per letter, never shared, never reused, kept across
restarts and between PCs, and a number changed with a SQL tool is named by verify."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

from ledger import open_ledger
from ledger.dto import CaseFilter
from ledger.verify import verify_ledger
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from tests.world import CHEAP_HASHER, PASSWORD, World


def overdue_world(world: World) -> None:
    for _ in range(3):
        world.walk(world.register(), "in_progress")
    world.clock.advance(days=400)


def letter(world: World, out: Path, **kw) -> str:
    render_report(
        world.ledger,
        ReportRequest("letter", filter=CaseFilter(department_id=world.zjj_id)),
        out,
        world.coordinator,
        fonts=FontSet.shipped_only(),
        **kw,
    )
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    found = re.findall(r"〔(\d{4})〕(\d+)号", text)
    assert found, text[:400]
    return "-".join(found[0])


def reopen(world: World, tmp_path: Path) -> None:
    world.ledger.close()
    world.use(
        open_ledger(
            tmp_path / "台账.db",
            key_dir=tmp_path / "keys",
            evidence_dir=tmp_path / "evidence",
            clock=world.clock,
            password_hasher=CHEAP_HASHER,
        )
    )


def test_two_letters_on_one_day_get_their_own_numbers_and_the_sequence_survives_a_restart(world, tmp_path):
    overdue_world(world)
    year = world.clock.now.year
    assert letter(world, tmp_path / "a.pdf") == f"{year}-1"
    assert letter(world, tmp_path / "b.pdf") == f"{year}-2"
    reopen(world, tmp_path)
    assert letter(world, tmp_path / "c.pdf") == f"{year}-3"
    register = world.ledger.serials.register("letter:")
    assert [n.number for n in register] == [1, 2, 3]
    assert all("县住建局" in n.subject for n in register)


def test_a_number_taken_by_another_pc_meanwhile_is_not_shared(world, tmp_path):
    overdue_world(world)
    year = world.clock.now.year
    other = open_ledger(
        tmp_path / "台账.db",
        key_dir=tmp_path / "keys",
        evidence_dir=tmp_path / "evidence",
        clock=world.clock,
        password_hasher=CHEAP_HASHER,
    )
    # The second PC prints its letter while the first is laying out its pages (after it read the
    # next free number): the first must come out with the next number, not the same one.
    done = []

    def meanwhile(_done: int, _total: int) -> None:
        if not done:
            done.append(True)
            render_report(
                other,
                ReportRequest("letter", filter=CaseFilter(department_id=world.zjj_id)),
                tmp_path / "other.pdf",
                other.users.authenticate(world.coordinator.username, PASSWORD),
                fonts=FontSet.shipped_only(),
            )

    mine = letter(world, tmp_path / "mine.pdf", progress=meanwhile)
    other.close()
    theirs = subprocess.run(["pdftotext", str(tmp_path / "other.pdf"), "-"], capture_output=True, text=True).stdout
    assert f"〔{year}〕1号" in theirs
    assert mine == f"{year}-2"
    assert [n.number for n in world.ledger.serials.register("letter:")] == [1, 2]


def test_a_number_changed_with_a_sql_tool_is_named_by_verify(world, tmp_path):
    overdue_world(world)
    letter(world, tmp_path / "a.pdf")
    letter(world, tmp_path / "b.pdf")
    assert verify_ledger(world.ledger).ok
    db = sqlite3.connect(tmp_path / "台账.db")
    db.execute("DELETE FROM serials WHERE number = 2")  # free number 2 to issue it again
    db.commit()
    db.close()
    report = verify_ledger(world.ledger)
    assert not report.ok
    said = "\n".join(detail for _, ok, detail in report.checks if not ok) + "\n".join(report.details)
    assert "文号" in said, said
