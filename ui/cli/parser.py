"""The arguments of every command (help and errors in Chinese: ledger/cli_text.py) and the command
each one runs."""

from __future__ import annotations

import argparse

from ui.cli.common import sign_in
from ui.cli.documents import cmd_compare, cmd_export, cmd_import, cmd_report
from ui.cli.manage import cmd_backup, cmd_config, cmd_demo, cmd_examples, cmd_init, cmd_restore, cmd_verify
from ui.cli.program import cmd_gui

WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


def _weekday(text: str) -> int:
    """--week-end: 周一…周日 (星期一…星期日) or 1–7 (7 = 周日); argparse turns the error into exit code 2."""
    value = text.strip().removeprefix("星期").removeprefix("周")
    if value in WEEKDAYS:
        return WEEKDAYS[value]
    if value.isdigit() and 1 <= int(value) <= 7:
        return int(value) - 1
    raise argparse.ArgumentTypeError(f"“{text}”不是星期几，请写 周一 至 周日（或 1 至 7，7 为周日）")


def _percent(text: str) -> float:
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是百分数，请写 0 至 100 之间的数") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{value:g} 不在 0 至 100 之间")
    return value / 100


PASSWORD_HELP = "从标准输入读取 --user 的密码（第一行）；不加时在终端中询问"
TAG_HELP = "只含持有该标签的农户的问题，如 监测对象、脱贫户、边缘易致贫户（按今天的标签）"


def _count(text: str) -> int:
    """--cases: a whole number, not negative (argparse turns the error into exit code 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是整数，请写一个不小于 0 的整数") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"问题数不能为负数（{value}），请写一个不小于 0 的整数")
    return value


def _day(text: str):
    """--from/--to: a date as 2026-11-16 (or 2026/11/16, 2026年11月16日)."""
    import datetime as dt
    import re

    found = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", text)
    try:
        if found is None:
            raise ValueError
        return dt.date(*(int(g) for g in found.groups()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期，请写作 2026-11-16") from None


def build_parser() -> argparse.ArgumentParser:
    from ledger import __version__
    from ledger.cli_text import DB_HELP
    from ledger.cli_text import install as chinese_argparse

    chinese_argparse()  # usage, errors and help headings in Chinese (ledger/cli_text.py)
    parser = argparse.ArgumentParser(prog="整改台账", description="两不愁三保障及饮水安全问题整改台账")
    parser.add_argument("--version", action="version", version=f"整改台账 {__version__}", help="显示程序版本并退出")
    parser.add_argument("--db", help="台账文件路径或数据库地址（默认：本机用户数据目录中的台账）")
    parser.add_argument("--data-dir", help="用户数据目录（默认：本机用户数据目录，Windows 为 %%LOCALAPPDATA%%）")
    parser.add_argument("--smoke-test", action="store_true", help="自检：打开或新建台账、生成PDF和工作簿、校验审计链")
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="生成示例县的示例台账")
    demo.add_argument("--db", required=True, help=DB_HELP)
    demo.add_argument("--cases", type=_count, default=2000, help="示例问题数（不小于 0）")
    demo.add_argument("--seed", type=int, default=1, help="随机数种子：同一种子生成同样的示例台账（默认 1）")
    demo.set_defaults(func=cmd_demo)

    init = sub.add_parser("init", help="新建空台账（文件或服务器数据库）和第一个系统管理员，密码从标准输入读取")
    init.add_argument("--db", required=True, help=DB_HELP)
    init.add_argument("--county", required=True, help="县名称")
    init.add_argument("--code", required=True, help="县行政区划代码（6位）")
    init.add_argument("--admin", default="admin", help="系统管理员用户名")
    init.add_argument("--admin-name", default="系统管理员", help="系统管理员姓名")
    init.set_defaults(func=cmd_init)

    config = sub.add_parser(
        "config",
        help="台账设置：佐证材料的共享存放位置（服务器台账）、督办函的代字、联系人和抄送单位，周报统计截止日和预警灯界限",
    )
    config.add_argument("--db", required=True, help=DB_HELP)
    config.add_argument("--user", required=True, help="系统管理员账号（督办函和周报设置也可由县级统筹员设置）")
    config.add_argument("--evidence-dir", help="各电脑都能访问的共享文件夹，如 \\\\server\\zgtz\\佐证材料")
    config.add_argument(
        "--letter-code", help="督办函发文字号的机关代字（1至12个汉字），如 示整改督 → 示整改督〔2026〕1号"
    )
    config.add_argument("--letter-contact", help="督办函的联系人（默认：打印督办函的账号姓名）")
    config.add_argument("--letter-phone", help="督办函的联系电话（默认留空，打印后手填）")
    config.add_argument(
        "--letter-cc", help="督办函的抄送单位，多个用顿号分隔（默认：县巩固拓展脱贫攻坚成果领导小组各成员单位）"
    )
    config.add_argument("--week-end", type=_weekday, help="周报统计截止日：周一至周日（默认周日，即统计上周一至周日）")
    config.add_argument("--red-overdue", type=_percent, help="乡镇、单位亮红灯的逾期占比（%%，默认 10）")
    config.add_argument("--red-rate", type=_percent, help="销号率低于此值亮红灯（%%，默认 50）")
    config.add_argument("--red-min-overdue", type=_count, help="按逾期占比亮红灯时至少要有的逾期问题数（默认 3）")
    config.add_argument("--yellow-overdue", type=_percent, help="亮黄灯的逾期占比（%%，默认 5）")
    config.add_argument("--yellow-rate", type=_percent, help="销号率低于此值亮黄灯（%%，默认 60）")
    config.add_argument("--password-stdin", action="store_true", help=PASSWORD_HELP)
    config.set_defaults(func=cmd_config)

    examples = sub.add_parser("examples", aliases=["示例"], help="列出可直接运行的示例命令，参数取自该台账")
    examples.add_argument("--db", required=True, help=DB_HELP)
    examples.set_defaults(func=cmd_examples)

    verify = sub.add_parser("verify", help="校验数据库、审计日志和佐证材料")
    verify.add_argument("--db", required=True, help=DB_HELP)
    verify.add_argument(
        "--repair-guards",
        action="store_true",
        help="先恢复被删除的保护触发器（须 --user 系统管理员或审计员，记入审计日志）",
    )
    verify.add_argument(
        "--full",
        action="store_true",
        help="完整检查数据库文件（另逐条对照索引与表、查唯一约束，大台账要多花数倍时间）；"
        "默认为快速检查：读遍每一页，查页面结构和记录格式",
    )
    verify.add_argument("--user", help="恢复保护触发器的账号")
    verify.add_argument("--password-stdin", action="store_true", help=PASSWORD_HELP)
    verify.set_defaults(func=cmd_verify)

    backup = sub.add_parser("backup", help="在线备份台账（附说明文件）")
    backup.add_argument("--db", required=True, help=DB_HELP)
    backup.add_argument("-o", "--output", required=True, help="备份文件路径（.db），清单和佐证材料放在它旁边")
    backup.add_argument("--user", required=True, help="执行备份的账号（写入审计日志）")
    backup.add_argument("--password-stdin", action="store_true", help=PASSWORD_HELP)
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="从备份恢复台账")
    restore.add_argument("file", help="要恢复的备份文件（.db）")
    restore.add_argument("--db", required=True, help=DB_HELP)
    restore.add_argument("--user", required=True, help="备份所属台账的系统管理员账号（须输入密码）")
    restore.add_argument("--password-stdin", action="store_true", help=PASSWORD_HELP)
    restore.add_argument(
        "--replace-ledger", action="store_true", help="允许用另一个台账的备份替换当前台账（当前台账另存）"
    )
    restore.add_argument(
        "--older", action="store_true", help="允许恢复比本机上次见到的台账更旧的备份（其后的记录将不在台账中）"
    )
    restore.set_defaults(func=cmd_restore)
    report = sub.add_parser(
        "report",
        help="生成PDF报表：ledger 台账、weekly 周报、timetable 时间表、"
        "closure 销号审批表、household 一户一档、letter 督办函、reminders 到期提醒清单",
    )
    report.add_argument(
        "kind",
        choices=["ledger", "weekly", "timetable", "closure", "household", "letter", "reminders"],
        help=(
            "报表：ledger 问题整改台账，weekly 周报，timetable 整改时间表，"
            "closure 销号审批表，household 一户一档，letter 督办函，reminders 到期提醒清单"
        ),
    )
    report.add_argument("--db", required=True, help=DB_HELP)
    report.add_argument("-o", "--output", required=True, help="输出的PDF文件")
    report.add_argument("--township", help="乡镇名称")
    report.add_argument("--village", help="村名称")
    report.add_argument("--department", help="牵头单位名称（督办函：不指定时为每个有逾期问题的单位各出一函）")
    report.add_argument("--category", help="问题类别，如 住房安全")
    report.add_argument("--subcategory", help="问题子类")
    report.add_argument("--state", help="状态，如 整改中；多个用逗号分隔")
    report.add_argument("--tag", help=TAG_HELP)
    report.add_argument("--year", help="统计年度，如 2026（当年发现的问题及以前年度结转未销号的问题）")
    report.add_argument("--case", help="问题编号（销号审批表）")
    report.add_argument("--household", help="户主身份证号（一户一档）")
    report.add_argument("--group-by", choices=["department", "township"], default="department", help="时间表分组")
    report.add_argument("--unit", help="制表单位，督办函的发文机关（默认：县巩固拓展脱贫攻坚成果领导小组办公室）")
    report.add_argument(
        "--from",
        dest="period_start",
        type=_day,
        metavar="日期",
        help="周报统计周期的第一天，如 2026-11-16（默认：上一个完整统计周）",
    )
    report.add_argument(
        "--to", dest="period_end", type=_day, metavar="日期", help="周报统计周期的最后一天，如 2026-11-22"
    )
    # no argparse `choices` here: a wrong value is refused by the report itself, in Chinese
    report.add_argument("--profile", default="brief", help="台账列：brief 周报简表（默认）、full 完整30列")
    report.add_argument("--paper", default="A4", help="台账纸张（横向）：A4（默认）或 A3")
    report.add_argument("--reviewer", help="审核人（印在报表的签字栏；不填则留空手签）")
    report.add_argument("--signer", help="签发人姓名（周报；不填则留空待手签）")
    report.add_argument("--user", help="制表人账号（须输入密码；周报以外的报表必填）")
    report.add_argument("--unmask", action="store_true", help="打印完整身份证号和电话（须有权限并填写用途）")
    report.add_argument("--reason", help="打印完整号码的用途")
    report.add_argument("--password-stdin", action="store_true", help=PASSWORD_HELP)
    report.add_argument("--by-village", action="store_true", help="按村：台账每村一节（须指定乡镇）；周报加“分村情况”")
    report.add_argument("--split", action="store_true", help="村级台账每村一个文件（-o 为文件夹，须指定乡镇）")
    report.set_defaults(func=cmd_report)

    imp = sub.add_parser("import", help="导入 Excel（.xlsx）或 CSV 问题台账、部门填报表")
    imp.add_argument("file", help="要导入的工作簿（.xlsx、.xls、.csv）")
    imp.add_argument("--db", required=True, help=DB_HELP)
    imp.add_argument("--user", required=True, help="导入人账号（写入审计日志）")
    imp.add_argument("--password-stdin", action="store_true", help=PASSWORD_HELP)
    imp.add_argument("--dry-run", action="store_true", help="只校验和预览，不写入台账")
    imp.add_argument("--errors", help="把未导入的行及错误原因写入此 .xlsx 文件")
    imp.add_argument("--sheet", help="工作表名称（默认：第一个可见工作表）")
    imp.add_argument("--map", action="append", help="修改列对应：表中列名=台账列名（或 =忽略），可多次使用")
    imp.add_argument("--households", action="store_true", help="导入农户名册（户编号、家庭成员、监测类型），不登记问题")
    imp.add_argument("--commit", action="store_true", help="农户名册：确认写入台账（不加则只预览）")
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="导出 Excel：handoff 上报台账、statistics 统计表、fillin 部门填报表")
    exp.add_argument("--db", required=True, help=DB_HELP)
    exp.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
    exp.add_argument(
        "--template",
        choices=["handoff", "statistics", "fillin"],
        default="handoff",
        help="handoff 移交工作簿（默认），statistics 统计表，fillin 乡镇填报表",
    )
    exp.add_argument("--township", help="乡镇名称")
    exp.add_argument("--village", help="村名称")
    exp.add_argument("--department", help="牵头单位名称（部门填报表必填）")
    exp.add_argument("--category", help="问题类别")
    exp.add_argument("--subcategory", help="问题子类")
    exp.add_argument("--state", help="状态；多个用逗号分隔")
    exp.add_argument("--tag", help=TAG_HELP)
    exp.add_argument("--year", help="统计年度，如 2026（当年发现的问题及以前年度结转未销号的问题）")
    exp.add_argument("--unit", help="填报单位")
    exp.add_argument(
        "--from", dest="period_start", type=_day, metavar="日期", help="统计表统计周期的第一天，如 2026-11-16"
    )
    exp.add_argument(
        "--to", dest="period_end", type=_day, metavar="日期", help="统计表统计周期的最后一天，如 2026-11-22"
    )
    exp.add_argument("--user", help="导出人账号（须输入密码；统计表以外必填）")
    exp.add_argument("--unmask", action="store_true", help="导出完整身份证号和电话（须有权限并填写用途）")
    exp.add_argument("--reason", help="导出完整号码的用途")
    exp.add_argument("--password-stdin", action="store_true", help=PASSWORD_HELP)
    exp.set_defaults(func=cmd_export)

    from reports.compare_cli import add_parser as add_compare

    add_compare(sub, PASSWORD_HELP, cmd_compare)
    from reports.bulletin_cli import add_parser as add_bulletin  # 调度通报
    from reports.bulletin_cli import run as run_bulletin

    add_bulletin(sub, PASSWORD_HELP, lambda args: run_bulletin(args, sign_in))
    from reports.archive_cli import add_parser as add_archive

    add_archive(sub, PASSWORD_HELP, sign_in)  # 年终归档
    parser.set_defaults(func=cmd_gui)
    return parser
