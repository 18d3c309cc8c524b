"""系统管理: accounts, backups, a full check of the ledger and the latest audit events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.access import RIGHTS
from ledger.dto import Actor
from ledger.errors import ValidationError
from ledger.events import event_name
from ledger.facade import Ledger
from ledger.services.users import PasswordPolicy, password_problems
from ledger.verify import verify_ledger
from ledger.workflow import ROLE_NAMES
from ui.common import ok_cancel, refusal, run_guarded, show_error
from ui.context import AppContext
from ui.models import ListTableModel
from ui.ops import ops
from ui.reads import Latest
from ui.tasks import run_with_progress
from ui.widgets import fit_columns


class UserDialog(QDialog):
    """A new account: name, roles, and for scoped roles the department or township."""

    def __init__(
        self, ledger: Ledger, actor: Actor | None, parent: QWidget | None = None, policy: PasswordPolicy | None = None
    ):
        """`policy` as read on the operations thread by the page that opens the dialog; read here
        when not given (a new ledger's first account, before any window is up)."""
        super().__init__(parent)
        self.ledger = ledger
        self.actor = actor
        self.first_admin = first_admin = actor is None
        self.setWindowTitle("创建系统管理员" if first_admin else "新建账号")
        self.username = QLineEdit()
        self.display = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.roles: dict[str, QCheckBox] = {}
        self.roles_box = roles_box = QGroupBox("角色（可多选）")
        roles_layout = QVBoxLayout(roles_box)
        for code, name in ROLE_NAMES.items():
            box = QCheckBox(name)
            self.roles[code] = box
            roles_layout.addWidget(box)
        self.department = QComboBox()
        self.department.addItem("（无）", None)
        for d in ledger.catalog.departments.values():
            self.department.addItem(d.name, d.id)
        self.township = QComboBox()
        self.township.addItem("（无）", None)
        for t in ledger.catalog.townships():
            self.township.addItem(t.name, t.id)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #d93025;")
        form = QFormLayout(self)
        if first_admin:
            form.addRow(QLabel("新台账没有默认密码。请创建第一个系统管理员账号，并妥善保管密码。"))
        form.addRow("用户名 *", self.username)
        form.addRow("姓名 *", self.display)
        form.addRow("密码 *", self.password)
        form.addRow("确认密码 *", self.password2)
        policy = policy or ledger.users.policy()
        form.addRow(
            QLabel(
                f"密码至少{policy.min_length}位，包含大写字母、小写字母、数字、符号中的"
                f"{'一二三四'[policy.min_classes - 1]}类，且不含用户名。"
            )
        )
        if not first_admin:
            form.addRow(roles_box)
            form.addRow("所属单位（经办人）", self.department)
            form.addRow("所属乡镇（核验员）", self.township)
        form.addRow(self.message)
        buttons = ok_cancel("创建", self.submit, self.reject)
        self.submit_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        form.addRow(buttons)
        self.created: Actor | None = None
        self.pending = False  # the account is being written

    def submit(self) -> None:
        if self.pending:
            return  # the account is being written: one click, one account
        username, password = self.username.text().strip(), self.password.text()
        problems = []
        if not username or not self.display.text().strip():
            problems.append("请填写用户名和姓名")
        if password != self.password2.text():
            problems.append("两次输入的密码不一致")
        problems += password_problems(username, password)
        roles = ["admin"] if self.first_admin else [code for code, box in self.roles.items() if box.isChecked()]
        if not roles:
            problems.append("请至少选择一个角色")
        if problems:
            self.message.setText("；".join(problems))
            return
        # The account is written (its password hashed: ~0.2 s) on the operations thread; the dialog
        # closes when it is done, or shows the service's problems as it showed its own.
        self.pending = True
        self.submit_button.setEnabled(False)
        lg, actor, first = self.ledger, self.actor, self.first_admin
        display, department, township = (
            self.display.text().strip(),
            self.department.currentData(),
            self.township.currentData(),
        )

        def create() -> Actor:
            created = lg.users.create(actor, username, display, password, roles, department_id=department,
                                      township_id=township)  # fmt: skip
            # the new ledger's administrator goes straight on, signed in
            return lg.users.authenticate(username, password) if first else created

        ops().run(create, self._created, self._not_created, owner=self)

    def _created(self, created: Actor) -> None:
        self.pending = False
        self.created = created
        self.accept()

    def _not_created(self, err: BaseException) -> None:
        self.pending = False
        self.submit_button.setEnabled(True)
        err = refusal(err)
        self.message.setText("；".join(err.problems) if isinstance(err, ValidationError) else str(err))


class PasswordDialog(QDialog):
    """A new password, typed twice."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.first = QLineEdit()
        self.second = QLineEdit()
        for field in (self.first, self.second):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        form = QFormLayout(self)
        form.addRow("新密码", self.first)
        form.addRow("再输一次", self.second)
        form.addRow(self.message)
        form.addRow(ok_cancel("确定", self.submit, self.reject))

    @property
    def password(self) -> str:
        return self.first.text()

    def submit(self) -> None:
        if self.first.text() != self.second.text():
            self.message.setText("两次输入的密码不一致")
            return
        self.accept()


class AdminPage(QWidget):
    backed_up = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.users = ListTableModel(["用户名", "姓名", "角色", "所属单位/乡镇", "状态"], self)
        users_view = QTableView()
        users_view.setModel(self.users)
        users_view.verticalHeader().setVisible(False)
        fit_columns(users_view, self.users)
        self.accounts: list[tuple[Actor, bool]] = []
        self.reads = Latest(self)  # the accounts and the audit events, read on the operations thread
        self.users_view = users_view
        users_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        users_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        is_admin = ctx.has_role("admin")
        self.new_button = new_user = QPushButton("新建账号…")
        new_user.setEnabled(is_admin)
        new_user.clicked.connect(self.new_user)
        self.user_dialog: UserDialog | None = None  # the last 新建账号 dialog opened
        self.toggle_button = QPushButton("停用/启用")
        self.toggle_button.clicked.connect(lambda: self.toggle_active())
        self.unlock_button = QPushButton("解除锁定")
        self.unlock_button.clicked.connect(lambda: self.unlock())
        self.reset_button = QPushButton("重置密码…")
        self.reset_button.clicked.connect(lambda: self.reset_password())
        self.rights_button = QPushButton("权限…")
        self.rights_button.setToolTip("授予或收回：" + "；".join(RIGHTS.values()))
        self.rights_button.clicked.connect(lambda: self.edit_rights())
        for b in (self.toggle_button, self.unlock_button, self.reset_button, self.rights_button):
            b.setEnabled(is_admin)
        backup = QPushButton("立即备份…")
        backup.clicked.connect(lambda: self.backup())
        verify = QPushButton("全面校验台账")
        verify.clicked.connect(self.verify)
        self.seal_button = QPushButton("年终归档…")
        self.seal_button.setToolTip("封存已结束的年度：备份、该年度台账PDF和归档清单；该年销号的问题此后只读，不能撤销")
        self.seal_button.setEnabled(ctx.has_role("admin") or ctx.has_role("coordinator"))
        self.seal_button.clicked.connect(lambda: self.seal_year())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.events = ListTableModel(["序号", "时间", "操作人", "事件"], self)
        events_view = QTableView()
        events_view.setModel(self.events)
        events_view.verticalHeader().setVisible(False)
        fit_columns(events_view, self.events)
        self.events_view = events_view
        row = QHBoxLayout()
        for b in (
            new_user,
            self.toggle_button,
            self.unlock_button,
            self.reset_button,
            self.rights_button,
            backup,
            verify,
            self.seal_button,
        ):
            row.addWidget(b)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>账号</b>（账号只停用、不删除，历史记录保留姓名）"))
        layout.addWidget(users_view, 2)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("<b>最近的审计事件</b>"))
        layout.addWidget(events_view, 2)

    def refresh(self) -> None:
        """Read the accounts and the latest audit events on the operations thread, then list them."""
        lg = self.ctx.ledger
        self.reads.run(
            lambda: (lg.users.locked(), lg.users.listing(), lg.audit.recent(200)),
            lambda read: self._fill(*read),
            self._read_failed,
        )

    def _read_failed(self, error: BaseException) -> None:
        error = refusal(error)
        self.status.setText(f"读取失败：{error}")

    def _fill(
        self,
        locked: dict[int, dt.datetime],
        accounts: list[tuple[Actor, bool]],
        recent: list[tuple[int, str, str, str]],
    ) -> None:
        cat = self.ctx.ledger.catalog
        rows = []
        self.accounts = accounts
        for actor, active in self.accounts:
            scope = []
            if actor.department_id:
                scope.append(cat.departments[actor.department_id].name)
            if actor.township_id:
                scope.append(cat.region(actor.township_id).name)
            roles = "、".join(ROLE_NAMES.get(r, r) for r in sorted(actor.roles))
            state = "已停用" if not active else f"锁定至 {locked[actor.id]:%H:%M}" if actor.id in locked else "正常"
            rows.append((actor.username, actor.display_name, roles, "、".join(scope), state))
        self.users.set_rows(rows)
        self.events.set_rows(
            [(seq, at[:19].replace("T", " "), who, event_name(what)) for seq, at, who, what in recent],
            [("", "", "", f"事件代码：{what}") for _seq, _at, _who, what in recent],
        )

    # -- account administration ---------------------------------------------------------------------
    def selected_account(self) -> tuple[Actor, bool] | None:
        rows = self.users_view.selectionModel().selectedRows()
        if not rows:
            show_error(self, ValidationError("请先在列表中选择一个账号"))
            return None
        return self.accounts[rows[0].row()]

    def select_account(self, username: str) -> None:
        for i, (actor, _active) in enumerate(self.accounts):
            if actor.username == username:
                self.users_view.selectRow(i)

    def _administer(self, work: Callable[[], object], done: str) -> bool:
        """`work` (an account change) on the operations thread, then `done` in the status line and the
        list read again; a refusal in a message box. True when it was asked for."""
        buttons = [self.toggle_button, self.unlock_button, self.reset_button, self.rights_button]

        def finished(_result: object) -> None:
            self.status.setText(done)
            self.refresh()

        run_guarded(self, work, finished, busy=buttons)
        return True

    def toggle_active(self) -> bool:
        chosen = self.selected_account()
        if chosen is None:
            return False
        actor, active = chosen
        return self._administer(
            lambda: self.ctx.ledger.users.set_active(self.ctx.actor, actor.id, not active),
            f"已{'停用' if active else '启用'}账号 {actor.username}（{actor.display_name}）。",
        )

    def unlock(self) -> bool:
        chosen = self.selected_account()
        if chosen is None:
            return False
        actor = chosen[0]
        return self._administer(
            lambda: self.ctx.ledger.users.unlock(self.ctx.actor, actor.id), f"已解除账号 {actor.username} 的锁定。"
        )

    def reset_password(self, password: str | None = None) -> bool:
        """A new password typed twice in a small dialog (or given, for tests); audited."""
        chosen = self.selected_account()
        if chosen is None:
            return False
        actor = chosen[0]
        if password is None:
            dialog = PasswordDialog(f"重置 {actor.display_name}（{actor.username}）的密码", self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            password = dialog.password
        new_password = password
        return self._administer(
            lambda: self.ctx.ledger.users.reset_password(self.ctx.actor, actor.id, new_password),
            f"已重置账号 {actor.username} 的密码，请当面告知本人，并提醒其登录后修改。",
        )

    def edit_rights(self, rights: list[str] | None = None) -> bool:
        """Grant or withdraw the rights of the selected account (checkboxes, or given for tests)."""
        chosen = self.selected_account()
        if chosen is None:
            return False
        actor = chosen[0]
        if rights is None:
            dialog = QDialog(self)
            dialog.setWindowTitle(f"{actor.display_name}（{actor.username}）的权限")
            boxes = {code: QCheckBox(text) for code, text in RIGHTS.items()}
            layout = QVBoxLayout(dialog)
            for code, box in boxes.items():
                box.setChecked(code in actor.rights)
                layout.addWidget(box)
            layout.addWidget(ok_cancel("确定", dialog.accept, dialog.reject))
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            rights = [code for code, box in boxes.items() if box.isChecked()]
        granted = rights
        names = "、".join(RIGHTS[r][:8] for r in granted) or "无"
        return self._administer(
            lambda: self.ctx.ledger.users.set_rights(self.ctx.actor, actor.id, granted),
            f"已更新账号 {actor.username} 的权限：{names}。",
        )

    def new_user(self) -> None:
        """新建账号: the password policy read on the operations thread, then the dialog (`user_dialog`)."""
        run_guarded(self, self.ctx.ledger.users.policy, self._open_user_dialog, busy=[self.new_button])

    def _open_user_dialog(self, policy: PasswordPolicy) -> None:
        dialog = UserDialog(self.ctx.ledger, self.ctx.actor, self, policy=policy)
        dialog.accepted.connect(self.refresh)
        self.user_dialog = dialog
        dialog.open()

    def backup(self, target: str | None = None) -> bool:
        if self.ctx.ledger.dialect != "sqlite":
            self.status.setText("服务器模式的台账由数据库管理员在服务器上备份。")
            return False
        if not target:
            target, _ = QFileDialog.getSaveFileName(self, "备份台账到", "台账备份.db", "台账备份 (*.db)")
            if not target:
                return False
        lg, actor = self.ctx.ledger, self.ctx.actor
        ok, manifest = run_with_progress(
            self,
            "备份台账",
            "正在备份台账（可随时取消，原台账不受影响）…",
            lambda progress, cancelled: lg.backup.backup(actor, Path(target), progress, cancelled),
        )
        if ok and manifest is not None:
            self.status.setText(f"已备份到 {target}（SHA-256 {manifest.sha256[:16]}…，已核验）")
            self.backed_up.emit()
        elif not ok:
            self.status.setText("备份已取消，未生成备份文件。")
        self.refresh()
        return ok

    def verify(self) -> None:
        lg = self.ctx.ledger
        ok, report = run_with_progress(
            self,
            "全面校验",
            "正在校验数据库、审计日志、每条记录和佐证材料…",
            lambda progress, cancelled: verify_ledger(lg, cancelled=cancelled),
        )
        if ok and report is not None:
            lines = [f"{'✓' if good else '✗'} {escape(name)}：{escape(detail)}" for name, good, detail in report.checks]
            lines += [f"&nbsp;&nbsp;· {escape(detail)}" for detail in report.details[:20]]
            self.status.setText("<br>".join(lines))

    def seal_year(self, year: int | None = None, base: str | None = None, confirm: bool = True) -> bool:
        """年终归档 (reports/archive.py): the year, the folder, one confirmation (it cannot be undone),
        then the backup, the year's ledger and the manifest written off the GUI thread."""
        from reports.archive import archive_year, default_base

        lg, actor = self.ctx.ledger, self.ctx.actor
        if year is None:
            last = lg.today().year - 1
            year, ok = QInputDialog.getInt(self, "年终归档", "归档年度（须已结束）：", last, 2000, last)
            if not ok:
                return False
        if base is None:
            base = QFileDialog.getExistingDirectory(self, "归档存放位置", str(default_base(lg)))
            if not base:
                return False
        if confirm:
            answer = QMessageBox.question(
                self, "年终归档", f"归档后，{year}年销号的问题将只读，且不能撤销。确定归档{year}年度吗？"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        ok, result = run_with_progress(
            self,
            "年终归档",
            f"正在归档{year}年度：备份台账、生成年度台账PDF和归档清单…",
            lambda progress, cancelled: archive_year(lg, actor, year, base),
            cancellable=False,  # sealed once begun: the backup, the PDF and the manifest go together
        )
        if ok and result is not None:
            self.status.setText(
                f"{year}年度已归档到 {result.folder}（归档清单已登记，可用 main.py archive --verify 核对）；"
                f"该年销号的 {result.counts['当年销号（封存）']} 个问题此后只读。"
            )
        self.refresh()
        return bool(ok and result is not None)
