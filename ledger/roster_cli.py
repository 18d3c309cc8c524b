"""`main.py import FILE --households`: the household roster import on the command line — a preview
(nothing written) by default, `--commit` to write it. main.py only hands over its arguments."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from ledger.dto import Actor
    from ledger.facade import Ledger

MAX_LISTED = 50


def run_roster_import(lg: Ledger, actor: Actor, args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    service = lg.household_import
    table = service.read(args.file, args.sheet)
    plan = service.prepare(table, actor)
    rows = "、".join(str(r + 1) for r in plan.layout.header_rows)
    out(f"文件：{table.file_name}（SHA-256 {table.sha256[:16]}…）工作表：{table.sheet or 'CSV'}，表头在第 {rows} 行")
    labels = plan.layout.labels
    ignored = [label for c, label in enumerate(labels) if label and c not in plan.mapping]
    if ignored:
        out("未导入的列：" + "、".join(ignored))
    for warning in plan.warnings:
        out(f"提示：{warning}")
    if plan.already:
        out(plan.already)
    out(("校验结果：" if args.commit else "预览（未写入）：") + plan.summary())
    for h in plan.invalid[:MAX_LISTED]:
        out(f"  户 {h.key}（第 {h.first_row} 行起）有误：{'；'.join(h.reasons)}")
    if len(plan.invalid) > MAX_LISTED:
        out(f"  ……另有 {len(plan.invalid) - MAX_LISTED} 户有误")
    changed = [h for h in plan.households if h.status in ("new", "updated")]
    for h in changed[:MAX_LISTED]:
        out(f"  户 {h.key} {h.head_name} {h.status_name}：{'；'.join(h.changes)}")
    if len(changed) > MAX_LISTED:
        out(f"  ……另有 {len(changed) - MAX_LISTED} 户新增或更新")
    if not args.commit:
        if plan.writes:
            out("确认无误后加 --commit 写入台账。")
        return 1 if plan.invalid else 0
    if plan.invalid:
        print("错误：名册中有误的户须改正后重新导入，未写入任何数据。", file=sys.stderr)
        return 1
    result = service.commit(plan, actor)
    if not result.audit_seq:
        out("没有需要写入的内容，台账未改动。")
        return 0
    out(
        f"已导入：新建农户 {result.households_created:,} 户，更新 {result.households_updated:,} 户；"
        f"新增成员 {result.members_added:,} 人，修改 {result.members_updated:,} 人；"
        f"新增标签 {result.tags_added:,} 个，结束 {result.tags_ended:,} 个，修改 {result.tags_updated:,} 个；"
        f"用时 {result.seconds:.1f} 秒"
    )
    return 0
