"""`main.py archive --db … --year 2025 --user U [--password-stdin] [--out 文件夹]`: seal a finished
year into an archive folder (reports/archive.py); `main.py archive --db … --verify 文件夹`: check an
archive folder against its manifest and the ledger's record (exit 1 when anything is wrong)."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from ledger.cli_text import DB_HELP

if TYPE_CHECKING:
    from ledger.dto import Actor

    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def add_parser(sub: SubParsers, password_help: str, sign_in: Callable[..., Actor]) -> None:
    p = sub.add_parser(
        "archive", help="年终归档：封存一个已结束的统计年度（备份、年度台账PDF、归档清单），或核对归档文件夹"
    )
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--year", help="要归档的年度，如 2025（归档后该年销号的问题只读，归档不能撤销）")
    p.add_argument("--verify", metavar="文件夹", help="核对归档文件夹：文件哈希、归档清单与台账记录")
    p.add_argument("--out", metavar="文件夹", help="归档存放位置（默认：台账文件旁的“归档”文件夹）")
    p.add_argument("--user", help="归档人账号（县级统筹或系统管理员）")
    p.add_argument("--password-stdin", action="store_true", help=password_help)
    p.set_defaults(func=functools.partial(run, sign_in=sign_in))


def run(args: argparse.Namespace, sign_in: Callable[..., Actor]) -> int:
    from ledger import open_ledger
    from ledger.errors import ValidationError
    from ledger.scope import Scope
    from reports.archive import archive_year, default_base, verify_archive

    if bool(args.year) == bool(args.verify):
        raise ValidationError("请用 --year 指定要归档的年度，或用 --verify 指定要核对的归档文件夹（二选一）")
    lg = open_ledger(args.db, create=False)
    try:
        if args.verify:
            year, problems = verify_archive(lg, args.verify)
            for line in problems:
                print(f"✗ {line}")
            if not problems:
                print(f"✓ {year}年度归档完好：文件哈希与归档清单一致，归档清单与台账记录一致")
            return 1 if problems else 0
        scope = Scope.parse(args.year)
        assert scope is not None and scope.year is not None
        actor = sign_in(lg, args)
        done = archive_year(lg, actor, scope.year, args.out or default_base(lg))
        print(f"已归档{scope.year}年度：{done.folder}")
        for name, n in done.counts.items():
            print(f"  {name}：{n}")
        print(f"  归档清单 SHA-256：{done.sealed.manifest_sha256}")
        return 0
    finally:
        lg.close()
