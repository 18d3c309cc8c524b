"""到期提醒 after sign-in (a non-modal panel on the 工作台), the 督办函 page taking a reply and closing a
letter, and the case window's 督办函 tab — real widgets, offscreen, over a real ledger."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ledger.dto import CaseFilter
from reports.fonts import FontSet
from reports.render import ReportRequest, render_report
from tests.gui.guithread import settled
from tests.world import PASSWORD, PDF
from ui.app import LoginDialog
from ui.case_dialog import CaseDialog
from ui.context import AppContext
from ui.letters_page import LettersPage
from ui.main_window import PAGES, MainWindow

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def assigned(w, days: int, dept=None, village_id=None):
    h = w.household(village_id=village_id or w.village_id, head_name="赵春生")
    case = w.register("house.c", household=h, found_date=w.clock.now.date() - dt.timedelta(days=365))
    return w.ledger.cases.act(
        w.coordinator, case.id, "assign", expected_version=case.version,
        inputs={"lead_department_id": dept or w.zjj_id, "deadline": w.ledger.today() + dt.timedelta(days=days)},
    ).case  # fmt: skip


def shot(widget, name: str) -> None:
    if os.environ.get("ZGTZ_SHOTS"):  # screenshots for docs/ on request only
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / name))


def test_a_department_user_sees_its_reminders_after_sign_in(qtbot, world, tmp_path):
    w = world
    mine = [assigned(w, d) for d in (0, 2, 6, 7)]
    theirs = assigned(w, 1, dept=w.slj_id)
    assigned(w, 30)  # far off: not on the list
    modal_before = QApplication.activeModalWidget()  # a dialog another test left open is not ours
    login = LoginDialog(w.ledger)
    qtbot.addWidget(login)
    login.username.setText(w.officer.username)
    login.password.setText(PASSWORD)
    login.submit()
    settled(qtbot)  # the password is checked on the operations thread
    assert login.actor is not None
    window = MainWindow(AppContext(w.ledger, login.actor))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.nav.setCurrentRow(PAGES.index("工作台"))
    settled(qtbot)  # the reminders are read on the operations thread
    banner = window.dashboard.reminders
    assert banner.isVisible() and banner.isVisibleTo(window)  # a panel on the page, not a dialog
    assert QApplication.activeModalWidget() is modal_before  # signing in opened no dialog
    assert "县住建局有 <b>4</b> 个问题即将到期" in banner.title.text() and "今日到期" in banner.title.text()
    items = [banner.list.item(i).text() for i in range(banner.list.count())]
    assert [t.split()[0] for t in items[:3]] == [c.number for c in mine[:3]]  # the soonest three
    assert items[3].startswith("……另有 1 个")
    assert theirs.number not in " ".join(items)
    assert "今日到期" in items[0] and "2天后到期" in items[1]
    shot(window, "工作台-到期提醒.png")
    opened: list[int] = []
    banner.open_case.connect(opened.append)
    banner.list.itemActivated.emit(banner.list.item(1))
    assert opened == [mine[1].id]
    banner.ask_target = lambda default: tmp_path / default.name  # the panel's 打印清单 button
    banner.print_list()  # rendered on the operations thread
    settled(qtbot)
    target = banner.printed
    assert target is not None and target.exists() and "已生成" in banner.message.text()

    other = MainWindow(AppContext(w.ledger, w.ledger.users.authenticate("slj1", PASSWORD)))
    qtbot.addWidget(other)
    other.dashboard.refresh()
    settled(qtbot)
    assert "县水利局有 <b>1</b> 个" in other.dashboard.reminders.title.text()


def test_the_letters_page_takes_a_reply_and_closes_the_letter(qtbot, world, tmp_path):
    w, lg = world, world.ledger
    case = assigned(w, -12)
    render_report(
        lg, ReportRequest("letter", filter=CaseFilter(department_id=w.zjj_id, include_void=False)),
        tmp_path / "督办函.pdf", w.coordinator, fonts=FontSet.shipped_only(),
    )  # fmt: skip
    w.clock.advance(days=10)  # past the reply due date
    page = LettersPage(AppContext(lg, w.coordinator))
    qtbot.addWidget(page)
    page.resize(1100, 420)
    assert page.model.rows == []  # nothing read while the page has not been shown
    page.show()
    settled(qtbot)  # the letters are read on the operations thread
    assert page.model.rows[0][4] == "逾期未复" and "逾期未复 1" in page.counts.text()
    assert page.candidates.text().startswith("待督办：无")  # the one overdue case is in the open letter
    page.close_letter()  # nothing selected
    assert "请先在列表中选择" in page.message.text()
    page.select(page.letters[0].id)
    page.ask_note = lambda: ""
    page.close_letter()  # written on the operations thread
    settled(qtbot)
    assert page.closed is None and "尚未收到书面说明" in page.message.text()
    bad = tmp_path / "说明.docx"
    bad.write_bytes(b"PK\x03\x04 not a scan")
    page.ask_file = lambda: bad
    page.record_reply()
    settled(qtbot)
    assert page.replied is None and "不是 JPEG、PNG 图片或 PDF" in page.message.text()
    scan = tmp_path / "书面说明.pdf"
    scan.write_bytes(PDF + b"scan")
    page.ask_file = lambda: scan
    page.record_reply()
    settled(qtbot)
    assert page.replied is not None
    assert page.model.rows[0][4] == "已复函" and page.model.rows[0][6] == "书面说明.pdf"
    page.close_letter()
    settled(qtbot)
    assert page.closed is not None
    assert page.model.rows[0][4] == "已办结"

    officer_page = LettersPage(AppContext(lg, w.officer))  # the department sees its letter, no buttons
    qtbot.addWidget(officer_page)
    officer_page.show()
    settled(qtbot)
    assert [r[0] for r in officer_page.model.rows] == [page.letters[0].number_text]
    assert not officer_page.reply_button.isVisibleTo(officer_page)

    dialog = CaseDialog(AppContext(lg, w.officer), case.id)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentWidget(dialog.letters)
    assert dialog.letters.texts()[0][0] == page.letters[0].number_text
    assert dialog.letters.texts()[0][4] == "已办结" and "均已办结" in dialog.letters.summary.text()
    shot(dialog, "问题详情-督办函.png")
