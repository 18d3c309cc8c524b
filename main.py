"""整改台账 — composition root: parse arguments, open the ledger, start the GUI or run a command.

    python main.py                          start the desktop application
    python main.py demo --db PATH [--cases N] [--seed S]
    python main.py verify --db PATH
    python main.py backup --db PATH -o FILE
    python main.py restore FILE --db PATH
    python main.py report KIND --db PATH -o OUT.pdf [--township 城关镇] [--department 县住建局] ...

--db takes a file path or a SQLAlchemy URL (postgresql+psycopg://user@host/db).
Exit codes: 0 success, 1 a check failed, 2 the command could not be carried out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _progress_printer(label: str):
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > 0.5 or done >= total:
            last[0] = now
            print(f"\r{label} {done}/{total}", end="\n" if done >= total else "", file=sys.stderr, flush=True)

    return report


def cmd_demo(args) -> int:
    from ledger import open_ledger
    from ledger.demo import DEMO_PASSWORD, generate
    from ledger.errors import StorageError

    target = args.db
    if "://" not in target and Path(target).exists():
        raise StorageError(f"{target} 已存在。示例台账只能新建，请换一个文件名或先删除它。")
    lg = open_ledger(target)
    try:
        summary = generate(lg, args.cases, args.seed, progress=_progress_printer("生成示例问题"))
    finally:
        lg.close()
    print(f"已生成示例台账：{target}")
    print(
        f"  {summary.townships} 个乡镇，{summary.villages} 个村，{summary.households} 户，{summary.cases} 个问题，"
        f"用时 {summary.seconds:.1f} 秒"
    )
    print(
        f"  示例账号（密码均为 {DEMO_PASSWORD}）：admin 系统管理员、luru 录入员、tongchou 县级统筹、"
        "dw_zjj 住建局经办人、hy01 城关镇核验员、shenpi 县级审批、shenji 审计员、chakan 查看、yiren 一人多岗"
    )
    return 0


def cmd_verify(args) -> int:
    from ledger import open_ledger
    from ledger.verify import verify_ledger

    lg = open_ledger(args.db, create=False)
    try:
        report = verify_ledger(lg, progress=lambda msg: print(msg, file=sys.stderr))
    finally:
        lg.close()
    for name, ok, detail in report.checks:
        print(f"{'✓' if ok else '✗'} {name}：{detail}")
    print("校验通过。" if report.ok else "校验未通过，请联系系统管理员，并保留此台账文件和最近的备份。")
    return 0 if report.ok else 1


def cmd_backup(args) -> int:
    from ledger import open_ledger

    lg = open_ledger(args.db, create=False)
    try:
        actor = lg.users.actor(args.user) if args.user else None
        manifest = lg.backup.backup(actor, Path(args.output), progress=_progress_printer("备份页"))
    finally:
        lg.close()
    print(
        f"备份完成：{args.output}（{manifest.size / 1e6:.1f} MB，SHA-256 {manifest.sha256[:16]}…，"
        f"审计链头第 {manifest.audit_head_seq} 号）"
    )
    return 0


def cmd_restore(args) -> int:
    from ledger.errors import StorageError
    from ledger.services.backup import sqlite_restore

    if "://" in args.db:
        raise StorageError("服务器模式的台账由数据库管理员在服务器上用 pg_restore 恢复，本命令只用于本机台账文件")
    manifest, kept = sqlite_restore(Path(args.file), Path(args.db))
    print(
        f"已从 {args.file} 恢复台账 {args.db}"
        f"（备份时间 {manifest.created_at}，审计链头第 {manifest.audit_head_seq} 号）"
    )
    if kept:
        print(f"恢复前的台账已另存为 {kept}")
    from ledger import open_ledger

    try:  # the restore itself goes into the restored ledger's audit log
        lg = open_ledger(args.db, create=False)
        try:
            with lg.unit_of_work() as s:
                lg.record(
                    s,
                    None,
                    "ledger.restore",
                    "ledger",
                    None,
                    {"backup": Path(args.file).name, "sha256": manifest.sha256, "kept": kept.name if kept else None},
                )
        finally:
            lg.close()
    except StorageError as err:
        print(f"注意：恢复已完成，但未能写入审计日志：{err}", file=sys.stderr)
    return 0


def cmd_report(args) -> int:
    from ledger import open_ledger
    from ledger.errors import ValidationError
    from reports.render import KINDS, ReportRequest, build_filter, render_report

    lg = open_ledger(args.db, create=False)
    try:
        actor = lg.users.actor(args.user) if args.user else None
        if args.unmask:
            if actor is None:
                raise ValidationError("打印完整身份证号须用 --user 指明账号，并从标准输入提供密码（--password-stdin）")
            password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
            lg.users.confirm_password(actor, password)
        household_id = None
        if args.household:
            found = lg.households.find_by_id_number(args.household)
            if found is None:
                raise ValidationError("台账中没有以该身份证号登记的户主")
            household_id = found.id
        request = ReportRequest(
            kind=args.kind,
            filter=build_filter(
                lg,
                township=args.township,
                village=args.village,
                department=args.department,
                category=args.category,
                subcategory=args.subcategory,
                state=args.state,
            ),
            case_number=args.case,
            household_id=household_id,
            group_by=args.group_by,
            unmask=args.unmask,
            reason=args.reason or "",
            unit=args.unit,
        )
        result = render_report(lg, request, args.output, actor, progress=_progress_printer("排版页"))
    finally:
        lg.close()
    print(
        f"已生成{KINDS[args.kind]}：{result.path}"
        f"（{result.pages} 页，{result.cases} 个问题，用时 {result.seconds:.1f} 秒）"
    )
    print(f"  字体：{result.fonts}")
    if result.missing:
        print("注意：以下字符所有已安装字体都没有，已以“〓”代替，请手工补写：", file=sys.stderr)
        for line in result.missing:
            print(f"  {line}", file=sys.stderr)
    return 0


def cmd_gui(args) -> int:
    from ui.app import run

    return run(args.db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="整改台账", description="两不愁三保障及饮水安全问题整改台账")
    parser.add_argument("--db", help="台账文件路径或数据库地址（默认：本机用户数据目录中的台账）")
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="生成示例县的示例台账")
    demo.add_argument("--db", required=True)
    demo.add_argument("--cases", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1)
    demo.set_defaults(func=cmd_demo)

    verify = sub.add_parser("verify", help="校验数据库、审计日志和佐证材料")
    verify.add_argument("--db", required=True)
    verify.set_defaults(func=cmd_verify)

    backup = sub.add_parser("backup", help="在线备份台账（附说明文件）")
    backup.add_argument("--db", required=True)
    backup.add_argument("-o", "--output", required=True)
    backup.add_argument("--user", help="执行备份的账号（写入审计日志）")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="从备份恢复台账")
    restore.add_argument("file")
    restore.add_argument("--db", required=True)
    restore.set_defaults(func=cmd_restore)
    report = sub.add_parser(
        "report",
        help="生成PDF报表：ledger 台账、weekly 周报、timetable 时间表、"
        "closure 销号审批表、household 一户一档、letter 督办函",
    )
    report.add_argument("kind", choices=["ledger", "weekly", "timetable", "closure", "household", "letter"])
    report.add_argument("--db", required=True)
    report.add_argument("-o", "--output", required=True, help="输出的PDF文件")
    report.add_argument("--township", help="乡镇名称")
    report.add_argument("--village", help="村名称")
    report.add_argument("--department", help="牵头单位名称（督办函必填）")
    report.add_argument("--category", help="问题类别，如 住房安全")
    report.add_argument("--subcategory", help="问题子类")
    report.add_argument("--state", help="状态，如 整改中；多个用逗号分隔")
    report.add_argument("--case", help="问题编号（销号审批表）")
    report.add_argument("--household", help="户主身份证号（一户一档）")
    report.add_argument("--group-by", choices=["department", "township"], default="department", help="时间表分组")
    report.add_argument("--unit", help="制表单位（默认：县巩固拓展脱贫攻坚成果领导小组办公室）")
    report.add_argument("--user", help="制表人账号（写入审计日志）")
    report.add_argument("--unmask", action="store_true", help="打印完整身份证号和电话（须有权限并填写用途）")
    report.add_argument("--reason", help="打印完整号码的用途")
    report.add_argument("--password-stdin", action="store_true", help="从标准输入读取 --user 的密码")
    report.set_defaults(func=cmd_report)
    parser.set_defaults(func=cmd_gui)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ledger.errors import LedgerError

    try:
        return args.func(args)
    except LedgerError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
