"""Commands that put documents out of and into a ledger: report (PDF), import and export (Excel),
compare (an outside roster against the ledger)."""

from __future__ import annotations

import sys

from ui.cli.common import progress_printer, sign_in


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
        actor = sign_in(lg, args, required=args.kind != "weekly" or args.unmask)
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
        result = render_report(lg, request, args.output, actor, progress=progress_printer("排版页"))
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
        actor = sign_in(lg, args)
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
        plan = lg.imports.prepare(table, actor, mapping, progress=progress_printer("校验行"))
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
        result = lg.imports.commit(plan, actor, progress=progress_printer("写入问题"))
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
        actor = sign_in(lg, args, required=args.template != "statistics" or args.unmask)
        if args.template == "fillin":
            if not args.department:
                raise ValidationError("部门填报表须用 --department 指明责任单位")
            f = build_filter(lg, department=args.department)
            assert f.department_id is not None
            result = export_fillin(lg, f.department_id, args.output, actor, progress=progress_printer("写入行"))
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
            result = export_workbook(lg, request, args.output, actor, progress=progress_printer("写入行"))
    finally:
        lg.close()
    print(f"已导出：{result.path}（{result.rows:,} 行，用时 {result.seconds:.1f} 秒，SHA-256 {result.sha256[:16]}…）")
    return 0


def cmd_compare(args) -> int:
    from reports.compare_cli import run

    return run(args, sign_in)
