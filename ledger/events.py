"""The Chinese name of every audit event the program writes, for 系统管理's event list and a case's
变更历史. Every code passed to `Ledger.record` (or `audit.append`) must be named here; the test
tests/unit/test_event_names.py scans the source tree and fails on a code without a name."""

from __future__ import annotations

EVENT_NAMES: dict[str, str] = {
    # the ledger file itself
    "ledger.create": "新建台账",
    "ledger.restore": "从备份恢复台账",
    "ledger.backup": "备份台账",
    "ledger.backup_failed": "备份失败",
    "records.baseline": "建立记录校验基准",
    "guards.repair": "恢复数据保护",
    "regions.add": "添加行政区划",
    "settings.evidence_location": "设置佐证材料存放位置",
    "settings.password_policy": "修改密码规则",
    "settings.letter": "设置督办函（机关代字、联系人、抄送）",
    "settings.report_week": "设置周报统计截止日",
    "settings.report_lights": "设置乡镇和单位红黄绿灯界限",
    "settings.dispatch": "设置调度报送截止时间",
    "dispatch.submit": "调度报送（确认本期进度）",
    "demo.users": "生成示例账号",
    "demo.generate": "生成示例台账",
    # accounts and signing in
    "user.create": "新建账号",
    "user.enable": "启用账号",
    "user.disable": "停用账号",
    "user.unlock": "解除锁定",
    "user.lockout": "账号锁定（密码多次错误）",
    "user.roles": "修改角色",
    "user.rights": "修改权限",
    "user.password_reset": "重置密码",
    "user.password_change": "修改密码",
    "login": "登录",
    "login.fail": "登录失败",
    "login.locked": "登录被拒（账号已锁定）",
    "password.confirm": "签批前确认密码",
    "password.recheck_fail": "签批前密码错误",
    "session.lock": "闲置锁屏",
    "privacy.reveal": "查看完整号码",
    # households and cases
    "household.create": "新建农户档案",
    "household.tags_from_kind": "按户类型建立农户标签（升级）",
    "household.update": "修改农户档案",
    "household.tags": "修改农户标签",
    "member.add": "添加家庭成员",
    "member.update": "修改家庭成员",
    "member.remove": "移除家庭成员",
    "household.import": "导入农户名册",
    "compare.run": "部门名单比对",
    "compare.register": "比对结果登记为问题",
    "compare.dismiss": "排除比对结果",
    "compare.export": "导出应报部门名单",
    "compare.results": "导出部门比对结果",
    "publicity.start": "发起公示",
    "publicity.object": "登记公示异议",
    "publicity.resolve": "登记异议处理结果",
    "settings.publicity": "设置公示天数和联系电话",
    "year.seal": "年终归档（封存年度）",
    "case.register": "登记",
    "case.update": "修改",
    "case.assign": "交办",
    "case.accept": "接收",
    "case.submit": "提交核验",
    "case.verify": "核验通过",
    "case.approve": "审批销号",
    "case.return": "退回",
    "case.reopen": "销号回退",
    "case.void": "作废",
    "case.progress": "填写进度",
    "evidence.add": "添加佐证材料",
    "import.commit": "Excel导入登记",
    "target.update": "Excel导入修改",
    # paper and files leaving the program
    "report.print": "打印报表",
    "serial.issue": "登记文号",
    "export.excel": "导出Excel台账",
    "export.fillin": "导出单位填报表",
    "export.import_errors": "导出导入错误清单",
    # 督办函 tracking (escalation)
    "letter.reply": "登记督办函书面说明",
    "letter.close": "督办函办结",
}


def event_name(code: str) -> str:
    """The Chinese name of an event; an unknown code shows itself in brackets, so nothing is hidden."""
    return EVENT_NAMES.get(code) or f"[{code}]"
