"""Records bound to the audit chain (issue 13): each edit below is made with a plain SQL tool on a
demo ledger, outside the application, as an insider would; `main.py verify` must name it and exit 1.
The same ledger untouched verifies (exit 0), so every failure here is the edit's doing."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.insider import one, sql

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "Demo#2026"
GUARDS = ("audit_events_no_update", "audit_events_no_delete", "record_stamps_no_update", "record_stamps_no_delete")


def run(env: dict, *args: str, password: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, input=password + "\n"
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pristine")
    env = {**os.environ, "ZGTZ_DATA_DIR": str(folder / "data"), "ZGTZ_KEY_DIR": str(folder / "data" / "keys")}
    made = run(env, "demo", "--db", str(folder / "示例.db"), "--cases", "300")
    assert made.returncode == 0, made.stderr
    return folder


@pytest.fixture
def ledger(pristine, tmp_path) -> tuple[Path, dict]:
    """A copy of the demo ledger with its key and this PC's remembered head."""
    shutil.copytree(pristine, tmp_path / "copy")
    folder = tmp_path / "copy"
    env = {**os.environ, "ZGTZ_DATA_DIR": str(folder / "data"), "ZGTZ_KEY_DIR": str(folder / "data" / "keys")}
    return folder / "示例.db", env


def verify(db: Path, env: dict) -> subprocess.CompletedProcess:
    return run(env, "verify", "--db", str(db))


def refused(db: Path, env: dict, *named: str) -> str:
    done = verify(db, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for text in named:
        assert text in done.stdout, done.stdout
    return done.stdout


def test_the_untouched_copy_verifies(ledger):
    db, env = ledger
    done = verify(db, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "记录与审计日志对应" in done.stdout


def test_a_changed_description_is_named(ledger):
    db, env = ledger
    number = one(db, "SELECT number FROM cases WHERE id = 7")[0]
    sql(db, "UPDATE cases SET description = '已整改到位' WHERE id = 7")
    refused(db, env, f"问题 {number}", "被直接改动")


def test_a_registered_case_set_to_closed_is_named(ledger):
    db, env = ledger
    number = one(db, "SELECT number FROM cases WHERE state = 'registered' ORDER BY id LIMIT 1")[0]
    sql(db, f"UPDATE cases SET state = 'closed', closed_date = '2026-11-01' WHERE number = '{number}'")
    refused(db, env, f"问题 {number}")


def test_a_case_moved_to_another_department_is_named(ledger):
    db, env = ledger
    case_id, number, dept = one(db, "SELECT id, number, lead_department_id FROM cases WHERE lead_department_id "
                                    "IS NOT NULL ORDER BY id LIMIT 1")  # fmt: skip
    other = one(db, f"SELECT id FROM departments WHERE id != {dept} LIMIT 1")[0]
    sql(db, f"UPDATE cases SET lead_department_id = {other} WHERE id = {case_id}")
    refused(db, env, f"问题 {number}")


def test_a_deleted_case_with_its_rows_is_named(ledger):
    db, env = ledger
    case_id = one(db, "SELECT case_id FROM signoffs ORDER BY id LIMIT 1")[0]
    sql(
        db,
        "PRAGMA foreign_keys = OFF",
        f"DELETE FROM signoffs WHERE case_id = {case_id}",
        f"DELETE FROM evidence WHERE case_id = {case_id}",
        f"DELETE FROM progress_notes WHERE case_id = {case_id}",
        f"DELETE FROM case_actions WHERE case_id = {case_id}",
        f"DELETE FROM cases WHERE id = {case_id}",
    )
    out = refused(db, env, f"表 cases 第 {case_id} 行", "被直接删除")
    assert "签批记录" in out


def test_a_changed_signoff_opinion_is_named(ledger):
    db, env = ledger
    signoff, number = one(
        db, "SELECT s.id, c.number FROM signoffs s JOIN cases c ON c.id = s.case_id ORDER BY s.id LIMIT 1"
    )
    sql(db, f"UPDATE signoffs SET opinion = '不同意销号' WHERE id = {signoff}")
    refused(db, env, f"问题 {number} 的签批记录（表 signoffs 第 {signoff} 行）")


def test_a_recomputed_plain_content_hash_does_not_pass(ledger):
    """The sign-off hash is keyed: a plain SHA-256 of new content is just another edit."""
    db, env = ledger
    signoff = one(db, "SELECT id FROM signoffs ORDER BY id LIMIT 1")[0]
    forged = hashlib.sha256(b"whatever the case says now").hexdigest()
    sql(db, f"UPDATE signoffs SET content_hash = '{forged}' WHERE id = {signoff}")
    refused(db, env, f"签批记录（表 signoffs 第 {signoff} 行）")


def test_a_role_granted_in_user_roles_is_named(ledger):
    db, env = ledger
    user_id = one(db, "SELECT id FROM users WHERE username = 'chakan'")[0]
    sql(db, f"INSERT INTO user_roles (user_id, role) VALUES ({user_id}, 'approver')")
    refused(db, env, "账号“chakan”")


def test_a_workflow_row_added_is_named(ledger):
    db, env = ledger
    sql(db, "INSERT INTO workflow_transitions (action, from_state, to_state, role, category) "
            "VALUES ('approve', 'pending_approval', 'closed', 'viewer', NULL)")  # fmt: skip
    refused(db, env, "流程规则表")


def test_a_household_edited_is_named(ledger):
    db, env = ledger
    sql(db, "UPDATE households SET size = size + 1 WHERE id = 3")
    refused(db, env, "农户“")


def test_a_forged_stamp_is_named(ledger):
    db, env = ledger
    sql(db, "DROP TRIGGER record_stamps_no_update", "UPDATE record_stamps SET hash = 'ab' || substr(hash, 3) "
            "WHERE seq = (SELECT max(seq) FROM record_stamps) AND record_id = "
            "(SELECT min(record_id) FROM record_stamps WHERE seq = (SELECT max(seq) FROM record_stamps))")  # fmt: skip
    refused(db, env, "记录指纹被删除、改动或添加", "保护触发器")


def test_truncation_with_a_rewritten_head_is_caught_by_the_head_this_pc_saw(ledger):
    db, env = ledger
    seq = one(db, "SELECT seq FROM audit_head")[0]
    prev = one(db, f"SELECT hash FROM audit_events WHERE seq = {seq - 1}")[0]
    sql(db, "DROP TRIGGER audit_events_no_delete", "DROP TRIGGER record_stamps_no_delete",
        f"DELETE FROM record_stamps WHERE seq = {seq}",
        f"DELETE FROM audit_events WHERE seq = {seq}",
        f"UPDATE audit_head SET seq = {seq - 1}, hash = '{prev}'")  # fmt: skip
    out = refused(db, env, "本机上次记录的链头", f"第 {seq} 号事件")
    assert "审计日志：" in out  # the chain itself is consistent: only the outside head tells


def test_every_event_deleted_and_the_head_reset_is_caught(ledger):
    db, env = ledger
    sql(db, "DROP TRIGGER audit_events_no_delete", "DROP TRIGGER record_stamps_no_delete",
        "DELETE FROM record_stamps", "DELETE FROM audit_events",
        "UPDATE audit_head SET seq = 0, hash = '" + "0" * 64 + "'")  # fmt: skip
    refused(db, env, "本机上次记录的链头", "没有任何审计事件记录它")


def test_even_without_this_pcs_memory_a_wiped_log_leaves_records_unexplained(ledger):
    db, env = ledger
    for path in Path(env["ZGTZ_KEY_DIR"]).glob("*.head.json"):
        path.unlink()
    sql(db, "DROP TRIGGER audit_events_no_delete", "DROP TRIGGER record_stamps_no_delete",
        "DELETE FROM record_stamps", "DELETE FROM audit_events",
        "UPDATE audit_head SET seq = 0, hash = '" + "0" * 64 + "'")  # fmt: skip
    refused(db, env, "没有任何审计事件记录它")


def test_dropped_guards_are_named_and_restored_audited(ledger):
    db, env = ledger
    sql(db, *(f"DROP TRIGGER {name}" for name in GUARDS))
    out = refused(db, env, "保护触发器")
    assert all(name in out for name in GUARDS)
    no_password = run(env, "verify", "--db", str(db), "--repair-guards", "--user", "admin")
    assert no_password.returncode == 2 and "密码" in no_password.stderr
    repaired = run(env, "verify", "--db", str(db), "--repair-guards", "--user", "admin", "--password-stdin",
                   password=DEMO_PASSWORD)  # fmt: skip
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "已恢复保护触发器" in repaired.stdout
    assert one(db, "SELECT count(*) FROM audit_events WHERE action = 'guards.repair'")[0] == 1
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        sql(db, "DELETE FROM audit_events")


def test_a_falsified_dashboard_counter_is_named(ledger):
    db, env = ledger
    sql(db, "UPDATE case_counts SET n = n + 5 WHERE rowid = (SELECT min(rowid) FROM case_counts WHERE n > 0)")
    refused(db, env, "看板计数与问题表不一致")


# -- issue 15: tags, 户编号, a case's member or village ---------------------------------------------------
def test_a_tag_ended_or_inserted_with_sql_is_named(ledger):
    """Ending a 监测对象's tag (风险消除) or making a household a 脱贫户 is a decision; with a SQL tool it is caught."""
    db, env = ledger
    tag = one(db, "SELECT id FROM household_tags WHERE tag = '监测对象' AND end_date IS NULL ORDER BY id LIMIT 1")[0]
    sql(db, f"UPDATE household_tags SET end_date = '2026-11-01' WHERE id = {tag}")
    refused(db, env, "农户标签", f"表 household_tags 第 {tag} 行")


def test_an_inserted_tag_is_named(ledger):
    db, env = ledger
    household = one(db, "SELECT id FROM households ORDER BY id LIMIT 1")[0]
    sql(db, f"INSERT INTO household_tags (household_id, tag, subtype, risk_type, note) "
            f"VALUES ({household}, '低保户', '', '', '')")  # fmt: skip
    refused(db, env, "农户标签")


def test_a_case_pinned_on_a_member_or_made_village_level_is_named(ledger):
    """The columns added in revision 0008 are part of a case once set: setting them with SQL is an edit."""
    db, env = ledger
    case_id, number, household = one(db, "SELECT id, number, household_id FROM cases ORDER BY id LIMIT 1")
    member = one(db, f"SELECT id FROM members WHERE household_id = {household} LIMIT 1")
    if member is None:
        member = one(db, "SELECT id FROM members LIMIT 1")
    sql(db, f"UPDATE cases SET member_id = {member[0]} WHERE id = {case_id}")
    refused(db, env, f"问题 {number}")


def test_a_case_detached_from_its_household_is_named(ledger):
    db, env = ledger
    case_id, number = one(db, "SELECT id, number FROM cases WHERE household_id IS NOT NULL ORDER BY id DESC LIMIT 1")
    sql(db, f"UPDATE cases SET household_id = NULL WHERE id = {case_id}")
    refused(db, env, f"问题 {number}")


def test_a_household_code_set_with_sql_is_named(ledger):
    db, env = ledger
    household, name = one(db, "SELECT id, head_name FROM households ORDER BY id LIMIT 1")
    sql(db, f"UPDATE households SET code = '990101001001000001' WHERE id = {household}")
    refused(db, env, "农户", name)
