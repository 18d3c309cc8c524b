"""Commands that make and look after a ledger: demo, init, config, examples, verify, backup, restore."""

from __future__ import annotations

import sys
from pathlib import Path

from ui.cli.common import progress_printer, read_password, sign_in


def cmd_demo(args) -> int:
    from ledger import open_ledger
    from ledger.creating import creating
    from ledger.demo import DEMO_PASSWORD, generate
    from ledger.errors import StorageError

    target = args.db

    def make(where: str):
        lg = open_ledger(where)
        try:
            return generate(lg, args.cases, args.seed, progress=progress_printer("生成示例问题"))
        finally:
            lg.close()

    if "://" in target:  # a server database cannot be renamed into place; each chunk is a transaction
        summary = make(target)
    else:
        if Path(target).exists():
            raise StorageError(f"{target} 已存在。示例台账只能新建，请换一个文件名或先删除它。")
        with creating(Path(target)) as building:  # killed half way: no file under the ledger's name
            summary = make(str(building))
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


def cmd_init(args) -> int:
    """A new, empty ledger (a file or a server database) with its first administrator."""
    from ledger import open_ledger
    from ledger.errors import StorageError, ValidationError
    from ledger.services.users import password_problems

    if "://" not in args.db and Path(args.db).exists():
        raise StorageError(f"{args.db} 已存在，不会覆盖。")
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise ValidationError("请从标准输入提供第一个系统管理员的密码")
    problems = password_problems(args.admin, password)  # before anything is created
    if problems:
        raise ValidationError(problems)

    def make(target: str) -> Path:
        lg = open_ledger(target, county_name=args.county, county_code=args.code)
        try:
            if lg.users.count():
                raise StorageError("该数据库中已有台账和账号，不会重新初始化。")
            lg.users.create(None, args.admin, args.admin_name, password, ["admin"])
            return lg.key_dir
        finally:
            lg.close()

    if "://" in args.db:  # a server database cannot be renamed into place
        key_dir = make(args.db)
    else:
        from ledger.creating import creating

        with creating(Path(args.db)) as building:  # killed half way: no half-made ledger file
            key_dir = make(str(building))
    print(f"已新建台账：{args.db if '://' not in args.db else '服务器数据库'}（{args.county}，代码 {args.code}），"
          f"系统管理员 {args.admin}")  # fmt: skip
    print(f"  审计密钥：{key_dir}（请复制到每台使用此台账的电脑，并离线保存一份）")
    return 0


def cmd_config(args) -> int:
    from dataclasses import replace

    from ledger import letter_settings, open_ledger
    from ledger.errors import ValidationError
    from ledger.workflow import WEEKDAY_NAMES

    letter = {
        "code": args.letter_code,
        "contact": args.letter_contact,
        "phone": args.letter_phone,
        "cc": args.letter_cc,
    }
    lights = {
        "red_overdue": args.red_overdue,
        "red_rate": args.red_rate,
        "yellow_overdue": args.yellow_overdue,
        "yellow_rate": args.yellow_rate,
        "red_min_overdue": args.red_min_overdue,
    }
    lights = {k: v for k, v in lights.items() if v is not None}
    if args.evidence_dir is None and all(v is None for v in letter.values()) and args.week_end is None and not lights:
        raise ValidationError(
            "请给出要修改的设置：--evidence-dir，"
            "或督办函的 --letter-code、--letter-contact、--letter-phone、--letter-cc，"
            "或周报的 --week-end 和预警灯界限（--red-overdue 等）"
        )
    lg = open_ledger(args.db, create=False)
    try:
        actor = sign_in(lg, args)
        if any(v is not None for v in letter.values()):
            stored = letter_settings.update(lg, actor, **letter)
            names = {"code": "机关代字", "contact": "联系人", "phone": "联系电话", "cc": "抄送"}
            for key, value in stored.items():
                print(f"督办函{names[key]}已设为：{value}")
            if "code" in stored:
                print("  此后的督办函按新代字从本年第1号起编号（已用过该代字的，接着已发的号往下编）")
        if args.week_end is not None:
            lg.reporting.set_week_end(actor, args.week_end)
            start, end = lg.reporting.default_period()
            print(
                f"周报统计截止日已设为{WEEKDAY_NAMES[args.week_end]}：今天打印的周报默认统计"
                f"{start.month}月{start.day}日至{end.month}月{end.day}日"
            )
        if lights:
            policy = replace(lg.reporting.group_light_policy(), **lights)
            lg.reporting.set_group_lights(actor, policy)
            print(f"乡镇、单位预警灯界限已设为：{policy.describe()}")
        if args.evidence_dir is not None:
            folder = lg.set_evidence_location(actor, args.evidence_dir)
            print(f"佐证材料存放位置已设为：{folder}（各电脑下次启动时生效；本机已有的文件已复制过去）")
    finally:
        lg.close()
    return 0


def cmd_examples(args) -> int:
    from ledger import open_ledger
    from ledger.examples_cli import run_examples

    lg = open_ledger(args.db, create=False)
    try:
        return run_examples(lg, args.db)
    finally:
        lg.close()


def cmd_verify(args) -> int:
    from ledger import open_ledger
    from ledger.verify import repair_guards, verify_ledger

    lg = open_ledger(args.db, create=False)
    try:
        if args.repair_guards:
            restored = repair_guards(lg, sign_in(lg, args))
            print(f"已恢复保护触发器：{'、'.join(restored)}" if restored else "保护触发器齐全，无需恢复。")
        report = verify_ledger(lg, progress=lambda msg: print(msg, file=sys.stderr), full=args.full)
    finally:
        lg.close()
    for name, ok, detail in report.checks:
        print(f"{'✓' if ok else '✗'} {name}：{detail}")
    for detail in report.details:
        print(f"  · {detail}")
    print("校验通过。" if report.ok else "校验未通过，请联系系统管理员，并保留此台账文件和最近的备份。")
    return 0 if report.ok else 1


def cmd_backup(args) -> int:
    from ledger import open_ledger

    lg = open_ledger(args.db, create=False)
    try:
        actor = sign_in(lg, args)
        manifest = lg.backup.backup(actor, Path(args.output), progress=progress_printer("备份页"))
    finally:
        lg.close()
    print(
        f"备份完成：{args.output}（{manifest.size / 1e6:.1f} MB，SHA-256 {manifest.sha256[:16]}…，"
        f"审计链头第 {manifest.audit_head_seq} 号）"
    )
    return 0


def cmd_restore(args) -> int:
    from ledger import open_ledger, paths
    from ledger.errors import StorageError, ValidationError
    from ledger.restore import restore

    if "://" in args.db:
        raise StorageError("服务器模式的台账由数据库管理员在服务器上用 pg_restore 恢复，本命令只用于本机台账文件")
    if not args.user:
        raise ValidationError("请用 --user 指明备份所属台账的系统管理员账号（并输入其密码）")
    result = restore(
        Path(args.file),
        Path(args.db),
        paths.key_dir(),
        args.user,
        read_password(args),
        replace_ledger=args.replace_ledger,
        older=args.older,
    )
    manifest = result.manifest
    print(
        f"已从 {args.file} 恢复台账 {args.db}"
        f"（备份时间 {manifest.created_at}，审计链头第 {manifest.audit_head_seq} 号）"
    )
    if result.kept:
        print(f"恢复前的台账已另存为 {result.kept}")
    if result.replaced:
        print(f"注意：被替换的是{result.replaced.describe()}，已另存（见上）。")
    if result.older_than_seen:
        print(f"注意：本机曾见到第 {result.older_than_seen} 号事件，其后的记录不在此备份中。")
    lg = open_ledger(args.db, create=False)
    try:  # the restore itself goes into the restored ledger's audit log
        actor = lg.users.authenticate(args.user, read_password(args))
        lg.backup.restored(
            actor,
            {
                "backup": Path(args.file).name,
                "sha256": manifest.sha256,
                "kept": result.kept.name if result.kept else None,
                "replaced_ledger": result.replaced.uuid if result.replaced else None,
                "older_than_seen": result.older_than_seen,
            },
        )
    finally:
        lg.close()
    return 0
