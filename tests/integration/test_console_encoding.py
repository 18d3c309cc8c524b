"""The whole command line under the encoding Windows gives redirected output (cp936/GBK), output
sent to files as a .bat file or a scheduled task would (issue 19 item 1): no traceback, the right
exit code, and every byte decodes as GBK — including ✓/✗, which GBK lacks, and a rare name
character no font and no GBK has."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import open_ledger
from ledger.ids import with_check_digit

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Demo#2026"
RARE = "\U00031350"  # CJK Extension H: in no font we ship or find, and not in GBK


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gbk")
    env = {
        **os.environ,
        "PYTHONIOENCODING": "gbk",
        "ZGTZ_DATA_DIR": str(folder / "data"),
        "ZGTZ_KEY_DIR": str(folder / "keys"),
    }
    return folder, env


def run(place, name: str, *args: str, password: str | None = PASSWORD) -> tuple[int, str, str]:
    """The command with stdout and stderr redirected to files; their text decoded as GBK."""
    folder, env = place
    out, err = folder / f"{name}.out.txt", folder / f"{name}.err.txt"
    with open(out, "wb") as o, open(err, "wb") as e:
        code = subprocess.run(
            [sys.executable, "main.py", *args], cwd=ROOT, env=env, stdout=o, stderr=e,
            input=(password + "\n").encode("gbk") if password is not None else b"",
        ).returncode  # fmt: skip
    stdout, stderr = out.read_bytes().decode("gbk"), err.read_bytes().decode("gbk")  # strict: must decode
    assert "Traceback" not in stderr and "UnicodeEncodeError" not in stderr, stderr
    return code, stdout, stderr


@pytest.mark.slow
def test_every_command_under_gbk(place):
    folder, _env = place
    db = str(folder / "示例.db")
    signed = ["--user", "tongchou", "--password-stdin"]
    code, out, _ = run(place, "demo", "demo", "--db", db, "--cases", "300", password=None)
    assert code == 0 and "已生成示例台账" in out
    code, out, _ = run(place, "verify", "verify", "--db", db, password=None)
    assert code == 0 and "[通过] 审计日志" in out and "校验通过" in out

    # a household whose head's name holds a character no font has: the report names it on stderr
    lg = open_ledger(db, create=False, key_dir=folder / "keys")
    try:
        clerk = lg.users.authenticate("luru", PASSWORD)
        village = lg.catalog.villages(lg.catalog.townships()[0].id)[0]
        home = lg.households.create(clerk, village_id=village.id, head_name="王" + RARE,
                                    head_id_number=with_check_digit("99010119800101777"), kind="脱贫户")  # fmt: skip
        lg.cases.register(clerk, household_id=home.id, subcategory="house.c", description="墙体开裂",
                          source="干部走访排查", found_date=lg.today())  # fmt: skip
    finally:
        lg.close()

    for kind in ("ledger", "weekly", "timetable", "household", "letter", "closure"):
        extra = {
            "household": ["--household", with_check_digit("99010119800101777")],
            "letter": ["--department", "县住建局"],
            "closure": ["--case", _closed_case(db)],
        }.get(kind, [])
        code, out, err = run(place, f"report-{kind}", "report", kind, "--db", db, "-o",
                             str(folder / f"{kind}.pdf"), *signed, *extra)  # fmt: skip
        assert code == 0, err
        assert "已生成" in out
        if kind in ("ledger", "household"):
            assert "〓" in err and "所有已安装字体都没有" in err  # the rare character, replaced for GBK
    for template in ("handoff", "statistics"):
        code, out, err = run(place, f"export-{template}", "export", "--db", db, "-o",
                             str(folder / f"{template}.xlsx"), "--template", template, *signed)  # fmt: skip
        assert code == 0 and "已导出" in out, err
    code, out, err = run(place, "export-fillin", "export", "--db", db, "-o", str(folder / "fillin.xlsx"),
                         "--template", "fillin", "--department", "县住建局", *signed)  # fmt: skip
    assert code == 0, err

    book = folder / "导入.csv"
    book.write_text(
        "乡镇,村,户主姓名,身份证号,户类型,家庭人口,问题类别,问题子类,问题描述,发现方式,发现时间\n"
        f"城关镇,{_first_village(db)},李{RARE}明,{with_check_digit('99010119900101888')},脱贫户,3,住房安全,"
        "危房C级（修缮加固）,屋顶漏雨✓,干部走访排查,2026-10-01\n"
        "城关镇,不存在村,张三,123,脱贫户,3,住房安全,危房C级（修缮加固）,漏雨,干部走访排查,2026-10-01\n",
        encoding="utf-8",
    )
    login = ["--user", "luru", "--password-stdin"]
    code, out, err = run(place, "import-dry", "import", str(book), "--db", db, "--dry-run", *login)
    assert code == 0 and "预览" in out, err
    code, out, err = run(place, "import", "import", str(book), "--db", db, *login)
    assert code == 0 and "已导入" in out, err

    backup = folder / "备份" / "示例.db"
    code, out, err = run(place, "backup", "backup", "--db", db, "-o", str(backup), "--user", "admin",
                         "--password-stdin")  # fmt: skip
    assert code == 0 and "备份完成" in out, err
    code, out, err = run(place, "restore", "restore", str(backup), "--db", str(folder / "恢复.db"), "--user",
                         "admin", "--password-stdin")  # fmt: skip
    assert code == 0 and "已从" in out, err

    con = sqlite3.connect(db)
    con.execute("UPDATE cases SET description = '改动' WHERE id = 3")
    con.commit()
    con.close()
    code, out, _ = run(place, "verify-fail", "verify", "--db", db, password=None)
    assert code == 1 and "[未通过] 记录与审计日志对应" in out and "校验未通过" in out

    code, out, err = run(place, "init", "init", "--db", str(folder / "新台账.db"), "--county", "某县",
                         "--code", "990101", password="Office#2026x")  # fmt: skip
    assert code == 0 and "已新建台账" in out, err
    code, _, err = run(place, "bad", "report", "ledger", "--db", str(folder / "没有.db"), "-o", "x.pdf", *signed)
    assert code == 2 and "找不到台账文件" in err


def _closed_case(db: str) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT number FROM cases WHERE state = 'closed' ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        con.close()


def _first_village(db: str) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT v.name FROM regions v JOIN regions t ON v.parent_id = t.id WHERE t.name = '城关镇' ORDER BY v.id"
        ).fetchone()[0]
    finally:
        con.close()
