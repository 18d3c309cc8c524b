"""Every audit event the program writes: its code and its Chinese name, for 系统管理's event list and
a case's 变更历史 — one enum, the single source. `audit.append` refuses a code that is not a member
(so a renamed code fails the first test that writes it), and tests/unit/test_event_names.py scans
the source tree for every code written, so none is missed by the tests either."""

from __future__ import annotations

from enum import StrEnum


class Event(StrEnum):
    """An audit event code with its Chinese name (`Event.CASE_ASSIGN.label` = 交办). A member is the
    code itself (a str), so it is what the audit log stores; Ledger.record refuses a code that is not
    a member (ledger/audit.py), so a renamed or misspelt code fails at once instead of reaching a
    history as a raw code."""

    label: str

    def __new__(cls, code: str, label: str) -> Event:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    # the ledger file itself
    LEDGER_CREATE = "ledger.create", "新建台账"
    LEDGER_RESTORE = "ledger.restore", "从备份恢复台账"
    LEDGER_BACKUP = "ledger.backup", "备份台账"
    LEDGER_BACKUP_FAILED = "ledger.backup_failed", "备份失败"
    RECORDS_BASELINE = "records.baseline", "建立记录校验基准"
    WORKFLOW_FIELDS_ADDED = "workflow.fields_added", "新增台账字段的可修改规则（升级）"
    GUARDS_REPAIR = "guards.repair", "恢复数据保护"
    REGIONS_ADD = "regions.add", "添加行政区划"
    SETTINGS_EVIDENCE_LOCATION = "settings.evidence_location", "设置佐证材料存放位置"
    SETTINGS_PASSWORD_POLICY = "settings.password_policy", "修改密码规则"
    SETTINGS_LETTER = "settings.letter", "设置督办函（机关代字、联系人、抄送）"
    SETTINGS_REPORT_WEEK = "settings.report_week", "设置周报统计截止日"
    SETTINGS_REPORT_LIGHTS = "settings.report_lights", "设置乡镇和单位红黄绿灯界限"
    SETTINGS_DISPATCH = "settings.dispatch", "设置调度报送截止时间"
    DISPATCH_SUBMIT = "dispatch.submit", "调度报送（确认本期进度）"
    DEMO_USERS = "demo.users", "生成示例账号"
    DEMO_GENERATE = "demo.generate", "生成示例台账"
    # accounts and signing in
    USER_CREATE = "user.create", "新建账号"
    USER_ENABLE = "user.enable", "启用账号"
    USER_DISABLE = "user.disable", "停用账号"
    USER_UNLOCK = "user.unlock", "解除锁定"
    USER_LOCKOUT = "user.lockout", "账号锁定（密码多次错误）"
    USER_ROLES = "user.roles", "修改角色"
    USER_RIGHTS = "user.rights", "修改权限"
    USER_PASSWORD_RESET = "user.password_reset", "重置密码"
    USER_PASSWORD_CHANGE = "user.password_change", "修改密码"
    LOGIN = "login", "登录"
    LOGIN_FAIL = "login.fail", "登录失败"
    LOGIN_LOCKED = "login.locked", "登录被拒（账号已锁定）"
    PASSWORD_CONFIRM = "password.confirm", "签批前确认密码"
    PASSWORD_RECHECK_FAIL = "password.recheck_fail", "签批前密码错误"
    SESSION_LOCK = "session.lock", "闲置锁屏"
    PRIVACY_REVEAL = "privacy.reveal", "查看完整号码"
    # households and cases
    HOUSEHOLD_CREATE = "household.create", "新建农户档案"
    HOUSEHOLD_TAGS_FROM_KIND = "household.tags_from_kind", "按户类型建立农户标签（升级）"
    HOUSEHOLD_UPDATE = "household.update", "修改农户档案"
    HOUSEHOLD_TAGS = "household.tags", "修改农户标签"
    MEMBER_ADD = "member.add", "添加家庭成员"
    MEMBER_UPDATE = "member.update", "修改家庭成员"
    MEMBER_REMOVE = "member.remove", "移除家庭成员"
    HOUSEHOLD_IMPORT = "household.import", "导入农户名册"
    COMPARE_RUN = "compare.run", "部门名单比对"
    COMPARE_REGISTER = "compare.register", "比对结果登记为问题"
    COMPARE_DISMISS = "compare.dismiss", "排除比对结果"
    COMPARE_EXPORT = "compare.export", "导出应报部门名单"
    COMPARE_RESULTS = "compare.results", "导出部门比对结果"
    PUBLICITY_START = "publicity.start", "发起公示"
    PUBLICITY_OBJECT = "publicity.object", "登记公示异议"
    PUBLICITY_RESOLVE = "publicity.resolve", "登记异议处理结果"
    SETTINGS_PUBLICITY = "settings.publicity", "设置公示天数和联系电话"
    YEAR_SEAL = "year.seal", "年终归档（封存年度）"
    CASE_REGISTER = "case.register", "登记"
    CASE_UPDATE = "case.update", "修改"
    CASE_ASSIGN = "case.assign", "交办"
    CASE_ACCEPT = "case.accept", "接收"
    CASE_SUBMIT = "case.submit", "提交核验"
    CASE_VERIFY = "case.verify", "核验通过"
    CASE_APPROVE = "case.approve", "审批销号"
    CASE_RETURN = "case.return", "退回"
    CASE_REOPEN = "case.reopen", "销号回退"
    CASE_VOID = "case.void", "作废"
    CASE_PROGRESS = "case.progress", "填写进度"
    EVIDENCE_ADD = "evidence.add", "添加佐证材料"
    IMPORT_COMMIT = "import.commit", "Excel导入登记"
    TARGET_UPDATE = "target.update", "Excel导入修改"
    # paper and files leaving the program
    REPORT_PRINT = "report.print", "打印报表"
    SERIAL_ISSUE = "serial.issue", "登记文号"
    EXPORT_EXCEL = "export.excel", "导出Excel台账"
    EXPORT_FILLIN = "export.fillin", "导出单位填报表"
    EXPORT_IMPORT_ERRORS = "export.import_errors", "导出导入错误清单"
    # 督办函 tracking (escalation)
    LETTER_REPLY = "letter.reply", "登记督办函书面说明"
    LETTER_CLOSE = "letter.close", "督办函办结"


EVENT_NAMES: dict[str, str] = {event.value: event.label for event in Event}


def event_name(code: str) -> str:
    """The Chinese name of an event; an unknown code shows itself in brackets, so nothing is hidden."""
    return EVENT_NAMES.get(code) or f"[{code}]"
