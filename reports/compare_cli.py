"""`main.py compare FILE --db … --kind 医保|学籍|危房|供水 --user U [--password-stdin] [--out 比对结果.xlsx]
[--pdf 比对结果.pdf] [--register] [--unmask --reason …]`: compare a department roster with the
households, print the candidates per rule (counts and lines, ID numbers masked), write them, and
with --register register every open candidate of the run as a case."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from ledger import ids
from ledger.cli_text import DB_HELP

if TYPE_CHECKING:
    from ledger.compare.views import FindingView
    from ledger.dto import Actor

    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

KINDS = ("医保", "学籍", "危房", "供水")
LINES_PER_RULE = 50


def add_parser(sub: SubParsers, password_help: str, func: Callable[[argparse.Namespace], int]) -> None:
    p = sub.add_parser("compare", help="部门名单比对：医保参保、学籍、危房鉴定、供水检测名单与农户比对，列出候选问题")
    p.add_argument("file", nargs="?", help="部门名单（.xlsx 或 .csv）；与 --owed-since 二选一")
    p.add_argument("--db", required=True, help=DB_HELP)
    # no argparse `choices`: a wrong kind is refused by the comparison itself, in Chinese
    p.add_argument("--kind", required=True, help="名单类型：医保、学籍、危房、供水")
    p.add_argument("--user", required=True, help="比对人账号（县级统筹，写入审计日志）")
    p.add_argument("--password-stdin", action="store_true", help=password_help)
    p.add_argument("--out", help="把候选问题写入此 .xlsx 文件（比对结果）")
    p.add_argument("--pdf", help="把按村排列的比对结果清单写入此 PDF 文件")
    p.add_argument(
        "--register", action="store_true", help="把本次比对的全部待核实候选登记为问题（发现方式：部门筛查预警）"
    )
    p.add_argument(
        "--owed-since",
        metavar="日期",
        help="不比对，改为把应报该部门的名单（如某日以来新识别的监测对象家庭成员，供医保参保）写入 --out",
    )
    p.add_argument("--unmask", action="store_true", help="输出完整身份证号（须有权限并填写用途）")
    p.add_argument("--reason", help="输出完整身份证号的用途")
    p.set_defaults(func=func)


def run(args: argparse.Namespace, sign_in: Callable[..., Actor]) -> int:
    from ledger import open_ledger
    from ledger.errors import ValidationError
    from ledger.tabular import BadValue, parse_date

    if args.owed_since:
        try:
            since = parse_date(args.owed_since)
        except BadValue:
            since = None
        if since is None or not args.out:
            raise ValidationError("导出应报名单须写明起始日期（如 --owed-since 2026-9-1）和 --out 文件")
    elif not args.file:
        raise ValidationError("请给出部门名单文件，或用 --owed-since 导出应报该部门的名单")
    lg = open_ledger(args.db, create=False)
    try:
        actor = sign_in(lg, args)
        if args.owed_since:
            from reports.compare_output import write_owed

            assert since is not None  # checked above
            owed = write_owed(lg, actor, args.kind, since, args.out, unmask=args.unmask, reason=args.reason or "")
            print(f"已写出应报{args.kind}部门的名单：{owed.path}（{owed.rows:,} 人）")
            return 0
        result = lg.compare.run(actor, args.file, args.kind)
        s = result.run.summary
        print(
            f"文件：{result.run.file_name}（SHA-256 {result.run.sha256[:16]}…）{result.run.batch}，"
            f"名单 {result.run.rows:,} 行："
            f"按身份证号匹配 {s['matched_id']:,} 行，按姓名+村匹配 {s['matched_name']:,} 行（弱），"
            f"未匹配 {s['unmatched']:,} 行"
        )
        for row, note in result.notes[:20]:
            print(f"  转换：第 {row} 行 {note}")
        for warning in result.warnings:
            print(f"提示：{warning}")
        print(
            f"候选问题 {len(result.findings):,} 条：新增 {len(result.new):,} 条，无变化 {result.unchanged:,} 条，"
            f"已消失 {len(result.gone):,} 条"
        )
        by_rule: dict[str, list[FindingView]] = {}
        for f in result.findings:
            by_rule.setdefault(f.rule, []).append(f)
        for rule, items in by_rule.items():
            print(f"{rule}：{len(items)} 条")
            for f in items[:LINES_PER_RULE]:
                where = f"第{f.roster_row}行" if f.roster_row is not None else "名单中无此人"
                who = f.person if f.household_id is None else f"{f.head_name}户 {f.member_name or f.head_name}"
                print(
                    f"  [{f.state_name}] {f.township} {f.village} {who} {ids.mask(f.id_number)} "
                    f"{where} {f.match_name} → {f.subcategory_name}"
                )
            if len(items) > LINES_PER_RULE:
                print(f"  ……另有 {len(items) - LINES_PER_RULE} 条，见 --out 工作簿")
        for f in result.gone[:LINES_PER_RULE]:
            print(f"  已消失：{f.rule} {f.township} {f.village} {f.person}")
        for row, why in result.unmatched[:20]:
            print(f"  未匹配：第 {row} 行 {why}")
        if len(result.unmatched) > 20:
            print(f"  ……另有 {len(result.unmatched) - 20} 行未匹配，见 --out 工作簿")
        if args.register:
            wanted = [f.id for f in result.findings if f.state == "open"]
            if wanted:
                done = lg.compare.register(actor, wanted)
                print(f"已登记问题 {len(done.cases)} 个：{done.cases[0][2]} 至 {done.cases[-1][2]}")
            else:
                print("没有待核实的候选，未登记问题")
        findings = lg.compare.findings(finding_ids=[f.id for f in result.findings])
        if args.out:
            from reports.compare_output import write_findings

            written = write_findings(
                lg, result.run, findings, args.out, actor, unmask=args.unmask, reason=args.reason or ""
            )
            print(f"已写出比对结果：{written.path}（{written.rows:,} 条）")
        if args.pdf:
            from reports.compare_report import render_compare

            printed = render_compare(
                lg, result.run, findings, args.pdf, actor, unmask=args.unmask, reason=args.reason or ""
            )
            print(f"已生成比对结果清单：{printed.path}（{printed.pages} 页）")
            for missing in printed.missing:
                print(f"提示：字体中没有 {missing}")
    finally:
        lg.close()
    return 0
