"""整改台账 — composition root: parse arguments, open the ledger, start the GUI or run a command.

    python main.py                          start the desktop application
    python main.py demo --db PATH [--cases N] [--seed S]
    python main.py init --db PATH_OR_URL --county 某县 --code 990101 [--admin admin] < password
    python main.py verify --db PATH
    python main.py backup --db PATH -o FILE
    python main.py restore FILE --db PATH
    python main.py report KIND --db PATH -o OUT.pdf [--township 城关镇] [--department 县住建局] ...
    python main.py import FILE --db PATH --user NAME [--dry-run] [--errors OUT.xlsx]
    python main.py import FILE --households --db PATH --user NAME [--commit]   (农户名册)
    python main.py export --db PATH -o OUT.xlsx [--template handoff|statistics|fillin] [filters]
    python main.py compare FILE --db PATH --kind 医保|学籍|危房|供水 --user NAME [--out OUT.xlsx] [--register]

--db takes a file path or a SQLAlchemy URL (postgresql+psycopg://user@host/db).
Exit codes: 0 success, 1 a check failed, 2 the command could not be carried out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _progress_printer(label: str):
    """On a terminal one line redrawn in place; piped or redirected (a .bat file, a log) a whole
    line every 5 seconds and at the end, so the lines never run together."""
    last = [0.0]
    live = sys.stderr.isatty()
    every = 0.5 if live else 5.0

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > every or done >= total:
            last[0] = now
            if live:
                print(f"\r{label} {done}/{total}", end="\n" if done >= total else "", file=sys.stderr, flush=True)
            else:
                print(f"{label} {done}/{total}", file=sys.stderr, flush=True)

    return report


def _sign_in(lg, args, *, required: bool = True):
    """The --user account, signed in with its password: from standard input with --password-stdin,
    else asked on the terminal. Every command that writes, reveals or exports personal data uses it;
    None when the command may run without an account and none was named."""
    from ledger.errors import ValidationError

    if not args.user:
        if required:
            raise ValidationError("请用 --user 指明执行此操作的账号（并输入其密码）")
        return None
    return lg.users.authenticate(args.user, _password(args))


def _password(args) -> str:
    """The --user account's password, asked once per run: from standard input with
    --password-stdin, else on the terminal."""
    from ledger.errors import ValidationError

    cached: str | None = getattr(args, "password_value", None)
    if cached is not None:
        return cached
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin is not None and sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"账号 {args.user} 的密码：")
    else:
        raise ValidationError(f"须输入账号 {args.user} 的密码：在终端中运行，或加 --password-stdin 从标准输入提供")
    args.password_value = password
    return password


def cmd_demo(args) -> int:
    from ledger import open_ledger
    from ledger.creating import creating
    from ledger.demo import DEMO_PASSWORD, generate
    from ledger.errors import StorageError

    target = args.db

    def make(where: str):
        lg = open_ledger(where)
        try:
            return generate(lg, args.cases, args.seed, progress=_progress_printer("生成示例问题"))
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
        actor = _sign_in(lg, args)
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
            restored = repair_guards(lg, _sign_in(lg, args))
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
        actor = _sign_in(lg, args)
        manifest = lg.backup.backup(actor, Path(args.output), progress=_progress_printer("备份页"))
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
        _password(args),
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
        actor = lg.users.authenticate(args.user, _password(args))
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


def _filter(lg, args):
    from reports.render import build_filter

    return build_filter(
        lg,
        township=args.township,
        village=args.village,
        department=args.department,
        category=args.category,
        subcategory=args.subcategory,
        state=args.state,
        tag=getattr(args, "tag", None),
        year=getattr(args, "year", None),
    )


def cmd_report(args) -> int:
    from ledger import open_ledger
    from ledger.errors import ValidationError
    from reports.render import KINDS, ReportRequest, render_report
    from reports.village_reports import run_split

    lg = open_ledger(args.db, create=False)
    try:
        actor = _sign_in(lg, args, required=args.kind != "weekly" or args.unmask)
        household_id = None
        if args.household:
            found = lg.households.find_by_id_number(args.household)
            if found is None:
                raise ValidationError("台账中没有以该身份证号登记的户主")
            household_id = found.id
        request = ReportRequest(
            kind=args.kind,
            filter=_filter(lg, args),
            case_number=args.case,
            household_id=household_id,
            group_by=args.group_by,
            unmask=args.unmask,
            reason=args.reason or "",
            unit=args.unit,
            period_start=args.period_start,
            period_end=args.period_end,
            profile=args.profile.strip().lower(),
            paper=args.paper.strip().upper(),
            reviewer=args.reviewer or "",
            signer=args.signer or "",
            by_village=args.by_village or args.split,
        )
        if args.split:  # 村级台账, one file per village into the folder -o names
            return run_split(lg, request, args.output, actor)
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


def cmd_import(args) -> int:
    from ledger import open_ledger
    from ledger.errors import ValidationError
    from ledger.tabular import FIELD_NAMES, field_for

    lg = open_ledger(args.db, create=False)
    try:
        actor = _sign_in(lg, args)
        if args.households:
            from ledger.roster_cli import run_roster_import

            return run_roster_import(lg, actor, args)
        table = lg.imports.read(args.file, args.sheet)
        layout = lg.imports.layout(table)
        mapping = lg.imports.remembered_mapping(layout) or dict(layout.mapping)
        for item in args.map or []:
            source, _, target = item.partition("=")
            column = next((c for c, label in enumerate(layout.labels) if label == source.strip()), None)
            field = field_for(target) if target.strip() not in ("", "忽略") else ""
            if column is None or field is None:
                raise ValidationError(f"--map {item}：应写作“表中列名=台账列名”（或“=忽略”），且表中要有这一列")
            mapping[column] = field
        plan = lg.imports.prepare(table, actor, mapping, progress=_progress_printer("校验行"))
        rows = "、".join(str(r + 1) for r in layout.header_rows)
        print(
            f"文件：{table.file_name}（SHA-256 {table.sha256[:16]}…）工作表：{table.sheet or 'CSV'}，表头在第 {rows} 行"
        )
        print(
            "列对应："
            + "；".join(f"{plan.layout.labels[c]}→{FIELD_NAMES.get(f, f)}" for c, f in sorted(plan.mapping.items()))
        )
        ignored = [label for c, label in enumerate(plan.layout.labels) if label and c not in plan.mapping]
        if ignored:
            print("未导入的列：" + "、".join(ignored))
        for warning in plan.warnings:
            print(f"提示：{warning}")
        if plan.already:
            print(plan.already)
        print(("预览（未写入）：" if args.dry_run else "校验结果：") + plan.summary())
        for outcome in plan.refused[:50]:
            print(f"  第 {outcome.row} 行 {outcome.status_name}：{'；'.join(outcome.reasons)}")
        if len(plan.refused) > 50:
            print(f"  ……另有 {len(plan.refused) - 50} 行，见错误清单（--errors）")
        partial = [o for o in plan.outcomes if o.ignored and o not in plan.refused]
        for outcome in partial[:50]:
            print(f"  第 {outcome.row} 行 部分忽略：{'；'.join(outcome.ignored)}")
        if len(partial) > 50:
            print(f"  ……另有 {len(partial) - 50} 行部分内容被忽略，见错误清单（--errors）")
        if args.errors and (plan.refused or partial):
            from reports.excel import write_errors

            written = write_errors(lg, plan, args.errors, actor)
            print(f"已写出错误清单：{written.path}（{written.rows} 行）")
        if args.dry_run or plan.already:
            return 0
        result = lg.imports.commit(plan, actor, progress=_progress_printer("写入问题"))
    finally:
        lg.close()
    print(
        f"已导入：新增问题 {result.created:,} 个（{result.first_number or '—'} 至 {result.last_number or '—'}），"
        f"新登记农户 {result.households:,} 户，更新 {result.updated:,} 个，添加进度 {result.notes:,} 条，"
        f"用时 {result.seconds:.1f} 秒"
    )
    return 0


def cmd_export(args) -> int:
    from ledger import open_ledger
    from ledger.errors import ValidationError
    from reports.excel import export_fillin, export_workbook
    from reports.kinds import ExportRequest
    from reports.render import build_filter

    lg = open_ledger(args.db, create=False)
    try:
        actor = _sign_in(lg, args, required=args.template != "statistics" or args.unmask)
        if args.template == "fillin":
            if not args.department:
                raise ValidationError("部门填报表须用 --department 指明责任单位")
            f = build_filter(lg, department=args.department)
            assert f.department_id is not None
            result = export_fillin(lg, f.department_id, args.output, actor, progress=_progress_printer("写入行"))
        else:
            request = ExportRequest(
                filter=_filter(lg, args),
                template=args.template,
                unmask=args.unmask,
                reason=args.reason or "",
                unit=args.unit,
                period_start=args.period_start,
                period_end=args.period_end,
            )
            result = export_workbook(lg, request, args.output, actor, progress=_progress_printer("写入行"))
    finally:
        lg.close()
    print(f"已导出：{result.path}（{result.rows:,} 行，用时 {result.seconds:.1f} 秒，SHA-256 {result.sha256[:16]}…）")
    return 0


def cmd_compare(args) -> int:
    from reports.compare_cli import run

    return run(args, _sign_in)


def cmd_smoke(args) -> int:
    """Open (or create) the ledger in the data folder, migrate it, write a PDF and a workbook and read
    them back, verify the audit chain: the check that a build (frozen or not) really works."""
    import re

    from ledger import open_ledger, paths
    from reports.render import ReportRequest, render_report
    from reports.xlsx import Workbook

    folder = paths.data_dir()
    checks: list[tuple[str, bool, str]] = []
    lg = open_ledger(args.db or folder / "台账.db")
    try:
        checks.append(("打开/迁移台账", True, lg.location))
        pdf = folder / "自检-周报.pdf"
        result = render_report(lg, ReportRequest(kind="weekly"), pdf, None)
        data = pdf.read_bytes()
        pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
        checks.append(("生成PDF", data.startswith(b"%PDF") and pages == result.pages, f"{pdf}（{pages} 页）"))
        # what 打印… does with it: pdfium draws the page (the bundle carries its library)
        import pypdfium2  # type: ignore[import-untyped]

        document = pypdfium2.PdfDocument(str(pdf))
        try:
            count = len(document)
            bitmap = document[0].render(scale=0.5)
            width, height = bitmap.width, bitmap.height
            inked = bytes(bitmap.buffer).count(0) > 0  # some black on the white page
            bitmap.close()
        finally:
            document.close()
        checks.append(("打印用页面渲染", count == result.pages and inked, f"第1页 {width}×{height} 像素"))
        # evidence photos on the forms: ReportLab reads PNG and JPEG through Pillow
        import io

        from PIL import Image
        from reportlab.lib.utils import ImageReader

        photo = io.BytesIO()
        Image.new("RGB", (4, 3), (200, 120, 40)).save(photo, "PNG")
        size = ImageReader(io.BytesIO(photo.getvalue())).getSize()
        checks.append(("读取佐证照片", size == (4, 3), "PNG 4×3"))
        book_path = folder / "自检.xlsx"
        with Workbook(book_path) as book:
            sheet = book.add_sheet("自检")
            sheet.append(["检查项", "结果"])
            sheet.append(["台账", lg.location])
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(str(book_path)) as read_back:
            rows = read_back.get_sheet_by_name("自检").to_python()
        checks.append(("写出并读回工作簿", rows == [["检查项", "结果"], ["台账", lg.location]], str(book_path)))
        report = lg.audit.verify()
        checks.append(("审计链校验", report.ok, f"{report.count} 条事件" if report.ok else report.problem))
    finally:
        lg.close()
    for name, ok, detail in checks:
        print(f"{'✓' if ok else '✗'} {name}：{detail}")
    ok = all(ok for _name, ok, _detail in checks)
    print("自检通过。" if ok else "自检未通过。")
    return 0 if ok else 1


def cmd_gui(args) -> int:
    from ui.app import run

    return run(args.db)


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

    add_bulletin(sub, PASSWORD_HELP, lambda args: run_bulletin(args, _sign_in))
    from reports.archive_cli import add_parser as add_archive

    add_archive(sub, PASSWORD_HELP, _sign_in)  # 年终归档
    parser.set_defaults(func=cmd_gui)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ledger.console import install

    install()  # before anything prints: a GBK console must not end a command half way (ledger/console.py)
    args = build_parser().parse_args(argv)
    if args.data_dir:
        import os

        os.environ["ZGTZ_DATA_DIR"] = str(Path(args.data_dir).absolute())
    if args.smoke_test:
        args.func = cmd_smoke
    from ledger.errors import LedgerError

    try:
        return args.func(args)
    except LedgerError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    except OSError as err:  # name too long, no permission, disk full… (ledger/opening.py)
        from ledger.opening import explain_os_error

        print(f"错误：{explain_os_error(err)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
