"""Household roster import (issue 15): the national monitoring system's household/member export,
written by the test with openpyxl (and once as a GB18030 CSV), read by our reader, previewed per
household, committed all or nothing into households, members and dated tags — never cases — and
idempotent: the same file a second time changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from ledger.errors import ValidationError
from ledger.ids import with_check_digit
from ledger.models import AuditEvent, Case, Household, HouseholdTag, Member
from ledger.verify import verify_ledger
from tests.world import PASSWORD, fresh_id_number

HEADER = [
    "序号", "户编号", "乡镇", "村", "组", "户主姓名", "姓名", "证件号码（身份证号）", "与户主关系",
    "监测类型", "风险类型", "识别时间", "风险消除时间", "健康状况", "联系电话", "家庭人口数",
]  # fmt: skip
SERIAL_2026_04_01 = (dt.date(2026, 4, 1) - dt.date(1899, 12, 30)).days
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def roster(path: Path, rows: list[list], *, title: str = "示例县防止返贫监测对象家庭成员信息") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "监测对象"
    ws["A1"] = title
    ws.merge_cells("A1:P1")
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def person(n, code, township, village, head, name, id_number, relation, kind, risk="", start=None, end=None,
           health="", phone="", size=None):  # fmt: skip
    return [n, code, township, village, "3组", head, name, id_number, relation, kind, risk, start, end, health,
            phone, size]  # fmt: skip


class People:
    def __init__(self):
        self.li = fresh_id_number("19650304")
        self.wang = fresh_id_number("19630811")
        self.girl = fresh_id_number("20100512")
        self.zhang15 = "990101580607" + "123"  # a legacy 15-digit number
        self.zhang18 = with_check_digit("99010119580607123")
        self.zhao = fresh_id_number("19720101")
        self.boy = fresh_id_number("20150909")
        self.baby = fresh_id_number("20240101")


@pytest.fixture
def people():
    return People()


def first_rows(p: People) -> list[list]:
    return [
        # HH001: an 边缘易致贫户 of three with two risk types and a real date; the ID typed full-width
        person(1, "HH001", "城关镇", "东关村", "李春梅", "李春梅", p.li.translate(FULL_WIDTH), "户主", "边缘易致贫户",
               "因病、因学", dt.datetime(2026, 3, 5), phone="13800001111", size=3),
        person(2, "HH001", "城关镇", "东关村", "李春梅", "王大山", p.wang, "配偶", "边缘易致贫户", "因病、因学",
               dt.datetime(2026, 3, 5), health="慢性病（高血压）"),
        person(3, "HH001", "城关镇", "东关村", "李春梅", "王小丽", p.girl, "女", "边缘易致贫户", "因病、因学",
               dt.datetime(2026, 3, 5)),
        # HH002: a 脱贫户 with a 15-digit ID and a date typed as text
        person(4, "HH002", "城关", "西关", "张三", "张三", p.zhang15, "户主", "脱贫户", start="2026年3月5日"),
        # HH003: 监测户 (a synonym), risk types separated by /, the date an Excel serial
        person(5, "HH003", "城关镇", "东关村", "赵六", "赵六", p.zhao, "户主", "监测户", "因残/因灾",
               SERIAL_2026_04_01),
        person(6, "HH003", "城关镇", "东关村", "赵六", "赵小明", p.boy, "子", "监测户", "因残/因灾",
               SERIAL_2026_04_01),
    ]  # fmt: skip


def counts(lg):
    with lg.reading() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Household, Member, HouseholdTag, Case))


def test_preview_commit_and_idempotence(world, tmp_path, people):
    lg = world.ledger
    path = roster(tmp_path / "名册.xlsx", first_rows(people))
    before = counts(lg)
    table = lg.household_import.read(path)
    plan = lg.household_import.prepare(table, world.clerk)
    assert [h.key for h in plan.households] == ["HH001", "HH002", "HH003"]
    assert [h.status_name for h in plan.households] == ["新增", "新增", "新增"], [h.reasons for h in plan.households]
    c = plan.counts
    assert (c["new"], c["members_added"], c["tags_added"]) == (3, 3, 3)
    notes = {h.key: h.notes for h in plan.households}
    assert any("15位证件号码已按国家标准转为18位" in n for n in notes["HH002"])
    assert any("全角" in n for n in notes["HH001"])
    assert counts(lg) == before  # a preview writes nothing

    result = lg.household_import.commit(plan, world.clerk)
    assert (result.households_created, result.members_added, result.tags_added) == (3, 3, 3)
    assert counts(lg) == (before[0] + 3, before[1] + 3, before[2] + 3, before[3])  # never cases
    with lg.reading() as s:
        homes = {h.code: h for h in s.scalars(select(Household).where(Household.code.is_not(None)))}
        assert set(homes) == {"HH001", "HH002", "HH003"}
        li = homes["HH001"]
        assert (li.head_name, li.head_id_number, li.kind, li.size, li.phone) == (
            "李春梅", people.li, "边缘易致贫户", 3, "13800001111"
        )  # fmt: skip
        assert homes["HH002"].head_id_number == people.zhang18
        village = world.ledger.catalog.region(homes["HH002"].village_id).name
        assert village == "西关村"
        members = s.execute(
            select(Member.name, Member.relation, Member.health).where(Member.household_id == li.id).order_by(Member.id)
        ).all()
        assert members == [("王大山", "配偶", "慢性病（高血压）"), ("王小丽", "女", "")]
        tags = {
            code: s.execute(
                select(HouseholdTag.tag, HouseholdTag.subtype, HouseholdTag.risk_type, HouseholdTag.start_date,
                       HouseholdTag.end_date).where(HouseholdTag.household_id == h.id)
            ).all()
            for code, h in homes.items()
        }  # fmt: skip
    assert tags == {
        "HH001": [("监测对象", "边缘易致贫户", "因病、因学", dt.date(2026, 3, 5), None)],
        "HH002": [("脱贫户", "", "", dt.date(2026, 3, 5), None)],
        "HH003": [("监测对象", "", "因残、因灾", dt.date(2026, 4, 1), None)],
    }
    with lg.reading() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "household.import")).all()
    assert len(events) == 1
    payload = json.loads(events[0].payload)
    assert payload["sha256"] == table.sha256
    assert (payload["households_created"], payload["members_added"], payload["tags_added"]) == (3, 3, 3)
    assert people.li not in events[0].payload
    assert lg.audit.verify().ok
    assert verify_ledger(lg).ok

    # the same file again: every household 无变化, and a commit changes nothing
    again = lg.household_import.prepare(lg.household_import.read(path), world.clerk)
    assert [h.status_name for h in again.households] == ["无变化"] * 3
    assert again.writes == 0 and "导入过" in again.already
    after = counts(lg)
    assert lg.household_import.commit(again, world.clerk).audit_seq == 0
    assert counts(lg) == after
    with lg.reading() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "household.import")) == 1


def test_update_member_tag_end_and_kind_change(world, tmp_path, people):
    lg = world.ledger
    lg.household_import.commit(
        lg.household_import.prepare(lg.household_import.read(roster(tmp_path / "一.xlsx", first_rows(people))),
                                    world.clerk), world.clerk)  # fmt: skip
    rows = first_rows(people)
    # HH001 gains a member (a baby); HH002 becomes 突发严重困难户 (识别 2026-09-01); HH003's risk is gone
    rows.append(person(7, "HH001", "城关镇", "东关村", "李春梅", "王小宝", people.baby, "孙子", "边缘易致贫户",
                       "因病、因学", dt.datetime(2026, 3, 5)))  # fmt: skip
    rows[3] = person(4, "HH002", "城关镇", "西关村", "张三", "张三", people.zhang18, "户主", "突发严重困难户",
                     "因意外事故", "2026-9-1")  # fmt: skip
    for r in rows[4:6]:
        r[12] = "2026年10月1日"
    plan = lg.household_import.prepare(lg.household_import.read(roster(tmp_path / "二.xlsx", rows)), world.clerk)
    by_key = {h.key: h for h in plan.households}
    assert [by_key[k].status_name for k in ("HH001", "HH002", "HH003")] == ["更新"] * 3
    assert by_key["HH001"].changes == ["新增成员：王小宝"]
    assert by_key["HH002"].changes == [
        "修改：户类型（户类型由“脱贫户”改为“突发严重困难户”）",
        "新增标签：监测对象（突发严重困难户），因意外事故",
        "结束标签：脱贫户（户类型改为“突发严重困难户”，2026年9月1日）",
    ]
    assert by_key["HH003"].changes == ["结束标签：监测对象（风险消除 2026年10月1日）"]
    c = plan.counts
    assert (c["updated"], c["members_added"], c["tags_added"], c["tags_ended"]) == (3, 1, 1, 2)

    result = lg.household_import.commit(plan, world.clerk)
    assert (result.households_updated, result.members_added, result.tags_ended) == (3, 1, 2)
    with lg.reading() as s:
        zhang = s.scalar(select(Household).where(Household.code == "HH002"))
        assert zhang is not None and zhang.kind == "突发严重困难户"
        tags = s.execute(
            select(HouseholdTag.tag, HouseholdTag.subtype, HouseholdTag.risk_type, HouseholdTag.end_date)
            .where(HouseholdTag.household_id == zhang.id)
            .order_by(HouseholdTag.id)
        ).all()
        assert tags == [("脱贫户", "", "", dt.date(2026, 9, 1)), ("监测对象", "突发严重困难户", "因意外事故", None)]
        zhao = s.scalar(select(Household).where(Household.code == "HH003"))
        assert zhao is not None
        ended = s.scalar(select(HouseholdTag.end_date).where(HouseholdTag.household_id == zhao.id))
        assert ended == dt.date(2026, 10, 1)
        li = s.scalar(select(Household).where(Household.code == "HH001"))
        assert li is not None
        assert s.scalar(select(func.count()).where(Member.household_id == li.id)) == 3
    assert lg.audit.verify().ok
    assert verify_ledger(lg).ok
    # and the updated roster a second time changes nothing
    again = lg.household_import.prepare(lg.household_import.read(tmp_path / "二.xlsx"), world.clerk)
    assert {h.status for h in again.households} == {"unchanged"} and again.writes == 0


def test_an_error_row_writes_nothing(world, tmp_path, people):
    lg = world.ledger
    existing = world.household(head_name="钱多多", members=[("钱小小", people.boy, "子")])
    bad = people.zhao[:-1] + ("0" if people.zhao[-1] != "0" else "1")
    rows = [
        person(1, "HH101", "城关镇", "东关村", "李春梅", "李春梅", people.li, "户主", "脱贫户"),  # fine
        person(2, "HH102", "城关镇", "东关村", "赵六", "赵六", bad, "户主", "脱贫户"),  # bad check digit
        person(3, "HH103", "城关镇", "北关村", "王大山", "王大山", people.wang, "户主", "脱贫户"),  # unknown village
        person(4, "HH104", "城关镇", "东关村", "孙七", "孙小七", people.girl, "女", "脱贫户"),  # head missing
        person(5, "HH105", "城关镇", "东关村", "周八", "周八", people.baby, "户主", "脱贫户"),
        person(6, "HH105", "城关镇", "东关村", "周八", "钱小小", people.boy, "子", "脱贫户"),  # in another household
        person(7, "HH106", "城关镇", "东关村", "吴九", "吴九", fresh_id_number("19800101"), "户主", "富裕户"),
    ]  # fmt: skip
    before = counts(lg)
    plan = lg.household_import.prepare(lg.household_import.read(roster(tmp_path / "错.xlsx", rows)), world.clerk)
    by_key = {h.key: h for h in plan.households}
    assert [h.status for h in plan.households] == ["new"] + ["invalid"] * 5
    assert "校验位错误" in "；".join(by_key["HH102"].reasons)
    assert "村“北关村”不在本台账中" in "；".join(by_key["HH103"].reasons)
    assert "该户没有户主行" in "；".join(by_key["HH104"].reasons)
    reasons = "；".join(by_key["HH105"].reasons)
    assert "已是另一户的家庭成员" in reasons and "钱多多户" in reasons and people.boy not in reasons
    assert "监测类型“富裕户”不在本台账中" in "；".join(by_key["HH106"].reasons)
    with pytest.raises(ValidationError, match="有 5 户（6 行）有误，未写入任何数据"):
        lg.household_import.commit(plan, world.clerk)
    assert counts(lg) == before
    assert existing.id


def test_gb18030_csv_without_household_codes(world, tmp_path, people):
    """No 户编号: a 户主 row opens the household and the rows below it belong to it."""
    lg = world.ledger
    path = tmp_path / "名册.csv"
    with open(path, "w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["乡镇", "村", "姓名", "身份证号", "与户主关系", "户类型", "风险类型", "纳入监测时间"])
        writer.writerow(["城关镇", "东关村", "李春梅", people.li, "户主", "低保边缘户", "", "2026/3/5"])
        writer.writerow(["城关镇", "东关村", "王大山", people.wang, "配偶", "低保边缘户", "", "2026/3/5"])
        writer.writerow(["城关镇", "西关村", "赵六", people.zhao, "户主", "分散供养特困人员", "", "2026-03-05"])
    plan = lg.household_import.prepare(lg.household_import.read(path), world.clerk)
    assert [(h.status, len(h.rows)) for h in plan.households] == [("new", 2), ("new", 1)]
    lg.household_import.commit(plan, world.clerk)
    with lg.reading() as s:
        got = s.execute(
            select(Household.head_name, Household.code, Household.kind, HouseholdTag.tag, HouseholdTag.subtype)
            .join(HouseholdTag, HouseholdTag.household_id == Household.id)
            .where(Household.head_id_number.in_([people.li, people.zhao]))
            .order_by(Household.id)
        ).all()
    assert got == [
        ("李春梅", None, "低保边缘家庭", "低保边缘家庭", ""),
        ("赵六", None, "分散供养特困人员", "特困供养", "分散供养"),
    ]
    assert lg.audit.verify().ok


def test_command_line(world, tmp_path, people):
    path = roster(tmp_path / "名册.xlsx", first_rows(people))
    db = world.ledger.engine.url.database
    world.ledger.close()
    base = [sys.executable, "main.py", "import", str(path), "--households", "--db", db, "--user", "luru",
            "--password-stdin"]  # fmt: skip
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "ZGTZ_KEY_DIR": str(tmp_path / "keys")}

    def run(*more: str) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *more], input=PASSWORD + "\n", capture_output=True, text=True, cwd=root,
                              env=env, timeout=120)  # fmt: skip

    preview = run()
    assert preview.returncode == 0, preview.stderr
    assert "新增 3 户" in preview.stdout and "未写入" in preview.stdout
    done = run("--commit")
    assert done.returncode == 0, done.stderr
    assert "新建农户 3 户" in done.stdout
    again = run("--commit")
    assert again.returncode == 0, again.stderr
    assert "无变化 3 户" in again.stdout and "没有需要写入的内容" in again.stdout
