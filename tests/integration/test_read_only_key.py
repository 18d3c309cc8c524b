"""A ledger whose audit key file is missing opens read-only (issue 13 item 4): everything can be
looked at and signed into, nothing can be written, printed or exported, and each refusal says why;
`verify` says what it cannot check. With the key back, everything works again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import CaseFilter, open_ledger
from ledger.errors import PermissionDenied, StorageError
from ledger.models import User
from ledger.verify import verify_ledger
from reports.excel import ExportRequest, export_fillin, export_workbook, write_errors
from reports.render import ReportRequest, render_report
from tests.world import CHEAP_HASHER, JPEG, PASSWORD, World, fresh_id_number

ROOT = Path(__file__).resolve().parents[2]
READ_ONLY = "台账以只读方式打开"


def reopen(world: World, tmp_path: Path):
    world.ledger.close()
    lg = open_ledger(
        tmp_path / "台账.db",
        create=False,
        key_dir=tmp_path / "keys",
        evidence_dir=tmp_path / "evidence",
        clock=world.clock,
        backup_dir=tmp_path / "backups",
        password_hasher=CHEAP_HASHER,
    )
    world.use(lg)  # every account signs in again: in read-only mode too
    return lg


@pytest.fixture
def keyless(world: World, tmp_path: Path) -> World:
    """Cases in several states (one closed, with its two sign-offs), an account locked by wrong
    passwords; then the ledger is closed, its key file moved away, and the ledger opened again."""
    w = world
    w.extra["open"] = w.register()
    w.extra["closed"] = w.walk(w.register("water.access"), "closed")
    w.extra["household"] = w.household(head_name="赵小红")
    w.ledger.users.create(w.admin, "locked", "被锁的人", PASSWORD, ["viewer"])
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            w.ledger.users.authenticate("locked", "wrong")
    key = w.ledger.key_dir / f"{w.ledger.uuid}.key"
    w.extra["key"] = key
    w.ledger.close()
    shutil.move(key, tmp_path / "别处的密钥")
    reopen(w, tmp_path)
    return w


def head(lg) -> tuple[int, str]:
    return lg.audit.head()


def test_the_ledger_opens_read_only_and_says_why(keyless):
    lg = keyless.ledger
    reason = lg.read_only_reason
    assert reason is not None and "找不到本台账的审计密钥文件" in reason and str(keyless.extra["key"]) in reason
    assert READ_ONLY in reason and "不能修改、打印或导出" in reason


def test_looking_works_without_the_key(keyless):
    lg, w = keyless.ledger, keyless
    rows = lg.queries.page(CaseFilter(), sort="number", limit=10)
    assert {r.number for r in rows} >= {w.extra["open"].number, w.extra["closed"].number}
    assert lg.queries.count() == len(rows)
    closed = lg.cases.get(w.extra["closed"].id, w.coordinator)
    assert closed.state == "closed" and len(closed.signoffs) == 2
    # Without the key, whether the case changed since each sign-off cannot be computed: not verifiable.
    assert all(so.changed_since is None for so in closed.signoffs) and closed.content_hash == ""
    assert lg.cases.history(closed.id)
    assert lg.households.get(w.extra["household"].id).head_name == "赵小红"
    assert lg.households.members(w.extra["household"].id, viewer=w.coordinator) is not None


def test_sign_in_checks_the_password_and_writes_nothing(keyless):
    lg = keyless.ledger
    before = head(lg)
    actor = lg.users.authenticate("tongchou", PASSWORD)
    assert actor.roles == frozenset({"coordinator"}) and actor.session
    assert lg.current_actor(actor).id == actor.id  # the handle is good for reading
    for _ in range(6):  # wrong passwords are refused, but cannot be counted: nothing is written
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            lg.users.authenticate("tongchou", "wrong")
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        lg.users.authenticate("nobody", PASSWORD)
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):  # locked before: still locked
        lg.users.authenticate("locked", PASSWORD)
    with lg.reading() as s:
        assert s.query(User).filter_by(username="tongchou").one().failed_logins == 0
    assert lg.users.authenticate("tongchou", PASSWORD).id == actor.id
    assert head(lg) == before


def test_every_write_report_and_export_is_refused_with_the_reason(keyless, tmp_path):
    lg, w = keyless.ledger, keyless
    reason = lg.read_only_reason
    case = lg.cases.get(w.extra["open"].id)
    before = head(lg)
    csv_file = tmp_path / "导入.csv"
    csv_file.write_bytes(
        (
            "乡镇,村,户主姓名,身份证号,户类型,问题类别,问题子类,问题描述,发现时间\r\n"
            f"城关镇,东关村,郑十,{fresh_id_number('19900101')},脱贫户,饮水安全,水质不达标,水质浑浊,2026-11-01\r\n"
            "城关镇,东关村,,,脱贫户,饮水安全,水质不达标,,2026-11-01\r\n"
        ).encode("utf-8-sig")
    )
    plan = lg.imports.prepare(lg.imports.read(csv_file), w.clerk)  # the dry run only reads: it works
    assert plan.writes >= 1 and plan.refused
    out = tmp_path / "out"
    out.mkdir()
    attempts = {
        "household": lambda: lg.households.create(
            w.clerk, village_id=w.village_id, head_name="钱多多", head_id_number=fresh_id_number(), kind="脱贫户"
        ),
        "register": lambda: w.register(household=w.extra["household"]),
        "update": lambda: lg.cases.update(w.clerk, case.id, case.version, {"remarks": "补充"}),
        "act": lambda: lg.cases.act(
            w.coordinator, case.id, "assign", expected_version=case.version, inputs={"lead_department_id": w.zjj_id}
        ),
        "evidence": lambda: lg.cases.add_evidence(w.officer, case.id, JPEG, "signed_form", "照片.jpg"),
        "account": lambda: lg.users.create(w.admin, "newbie", "新人", PASSWORD, ["viewer"]),
        "import": lambda: lg.imports.commit(plan, w.clerk),
        "report": lambda: render_report(lg, ReportRequest("ledger"), out / "台账.pdf", w.coordinator),
        "weekly": lambda: render_report(lg, ReportRequest("weekly"), out / "周报.pdf", None),
        "export": lambda: export_workbook(lg, ExportRequest(), out / "台账.xlsx", w.coordinator),
        "fillin": lambda: export_fillin(lg, w.zjj_id, out / "填报.xlsx", w.coordinator),
        "errors": lambda: write_errors(lg, plan, out / "错误清单.xlsx", w.clerk),
        "backup": lambda: lg.backup.backup(w.admin, out / "备份.db"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(StorageError) as caught:
            attempt()
        assert str(caught.value) == reason, name
    assert head(lg) == before
    assert list(out.iterdir()) == []  # not even a temporary file
    assert lg.cases.get(case.id).version == case.version


def test_verify_says_the_chain_cannot_be_checked_but_checks_the_rest(keyless):
    report = verify_ledger(keyless.ledger)
    checks = {name: (ok, detail) for name, ok, detail in report.checks}
    assert checks["数据库完整性"] == (True, "正常") and checks["外键一致性"] == (True, "正常")
    assert checks["看板计数"][0] and checks["佐证材料"][0]
    ok, detail = checks["审计日志和记录"]
    assert not ok and "无法校验" in detail and keyless.ledger.read_only_reason in detail
    assert "审计日志" not in checks and not report.ok


def cli(*args: str, key_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ZGTZ_KEY_DIR": str(key_dir)}
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
        input=PASSWORD + "\n",
    )  # fmt: skip


def test_the_command_line_explains_read_only(keyless, tmp_path):
    keyless.ledger.close()
    db, keys = str(tmp_path / "台账.db"), tmp_path / "keys"
    done = cli("verify", "--db", db, key_dir=keys)
    assert done.returncode == 1, done.stderr
    assert "✗ 审计日志和记录：没有审计密钥" in done.stdout and READ_ONLY in done.stdout
    assert "✓ 数据库完整性" in done.stdout and "Traceback" not in done.stderr + done.stdout
    signed = ("--user", "tongchou", "--password-stdin")
    for args in (
        ("report", "ledger", "--db", db, "-o", str(tmp_path / "台账.pdf"), *signed),
        ("export", "--db", db, "-o", str(tmp_path / "台账.xlsx"), *signed),
    ):
        done = cli(*args, key_dir=keys)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "错误：找不到本台账的审计密钥文件" in done.stderr and READ_ONLY in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "台账.pdf").exists() and not (tmp_path / "台账.xlsx").exists()


def test_with_the_key_back_everything_works_again(keyless, tmp_path):
    w = keyless
    shutil.move(tmp_path / "别处的密钥", w.extra["key"])
    lg = reopen(w, tmp_path)
    assert lg.read_only_reason is None
    closed = lg.cases.get(w.extra["closed"].id)
    assert [so.changed_since for so in closed.signoffs] == [False, False]
    w.register(household=w.extra["household"])
    render_report(lg, ReportRequest("weekly"), tmp_path / "周报.pdf", None)
    report = verify_ledger(lg)
    assert report.ok, report.checks


def test_an_upgrade_that_needs_the_key_is_refused_before_anything_changes(tmp_path):
    from sqlalchemy import Engine

    from ledger.facade import _key_for_upgrade
    from ledger.migrate import SchemaStatus

    lg = open_ledger(tmp_path / "旧.db", key_dir=tmp_path / "keys")
    engine: Engine = lg.engine
    (tmp_path / "keys" / f"{lg.uuid}.key").unlink()
    # across 0005 (the record baseline), 0008 (tags from 户类型) or 0018 (the field rules of 整改资金, in the
    # stamped workflow record): stamped rows are written
    for before in ("0004", "0007", "0017"):
        with pytest.raises(StorageError, match="没有密钥不能升级"):
            _key_for_upgrade(engine, tmp_path / "keys", SchemaStatus(current=before, head="0018", empty=False))
    _key_for_upgrade(engine, tmp_path / "keys", SchemaStatus(current="0018", head="0019", empty=False))
    lg.close()
