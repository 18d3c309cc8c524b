"""`main.py bulletin --db … --user U [--password-stdin] [--period 日期] [--out 通报.pdf] [--board-only]`:
print the 调度 board of a period (已报 / 迟报 / 未报 with times) and issue its numbered 通报 as a PDF
(a reprint of an issued period keeps its number and figures)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from ledger.cli_text import DB_HELP

if TYPE_CHECKING:
    from ledger.dto import Actor

    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def add_parser(sub: SubParsers, password_help: str, func: Callable[[argparse.Namespace], int]) -> None:
    p = sub.add_parser("bulletin", help="调度通报：列出各乡镇、各责任单位本期报送情况，印发第N期通报（PDF）")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--period", metavar="日期", help="调度期内的任一天（截止日当天即该期），默认为最近已截止的一期")
    p.add_argument("--out", help="通报 PDF 文件，默认“调度通报_截止日期.pdf”")
    p.add_argument("--board-only", action="store_true", help="只列出报送情况，不印发通报")
    p.add_argument("--user", help="印发人账号（县级统筹员或录入员；印发通报时必填）")
    p.add_argument("--password-stdin", action="store_true", help=password_help)
    p.set_defaults(func=func)


def run(args: argparse.Namespace, sign_in: Callable[..., Actor]) -> int:
    from ledger import open_ledger
    from ledger.errors import ValidationError
    from ledger.tabular import BadValue, parse_date
    from reports.bulletin import render_bulletin

    lg = open_ledger(args.db, create=False)
    try:
        if args.period:
            try:
                day = parse_date(args.period)
            except BadValue:
                day = None
            if day is None:
                raise ValidationError(f"调度期日期“{args.period}”无法识别，请写成 2026-11-26")
            period = lg.dispatch.period_of(dt.datetime.combine(day, dt.time(0, 0)))
        else:
            period = lg.dispatch.last_closed_period()
        print(f"调度期：{period.label()}（{lg.dispatch.cutoff().describe()}）")
        for row in lg.dispatch.board(period):
            when = f"{row.submitted_at:%Y-%m-%d %H:%M} {row.submitted_by}（{row.via}）" if row.submitted_at else ""
            print(f"  {row.unit.name:<12} {row.status} {when}".rstrip())
        if args.board_only:
            return 0
        actor = sign_in(lg, args)
        out = args.out or f"调度通报_{period.end:%Y%m%d}.pdf"
        result = render_bulletin(lg, out, actor, period=period)
        again = "（重印，期号不变）" if result.reprint else ""
        print(f"已印发：{result.path}  {result.year}年第{result.number}期{again}，共 {result.pages} 页")
        for m in result.missing:
            print(f"警告：字库缺字 {m}")
    finally:
        lg.close()
    return 0
