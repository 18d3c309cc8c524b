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
The arguments and the commands are in ui/cli/ (ui/cli/__init__.py says which module holds which).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from ui.cli.parser import build_parser
from ui.cli.program import cmd_gui, cmd_smoke


def main(argv: list[str] | None = None) -> int:
    # The cyclic collector stays off while the start-up imports (the window's reason: ui/cli/program.py
    # cmd_gui); `ledger.console` below already loads the ledger package and SQLAlchemy with it.
    gc.disable()
    window = False
    try:
        from ledger.console import install

        install()  # before anything prints: a GBK console must not end a command half way (ledger/console.py)
        args = build_parser().parse_args(argv)
        window = args.func is cmd_gui and not args.smoke_test
    finally:
        if not window:
            gc.enable()  # a command's own work (an import of 100,000 rows) makes garbage in cycles
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
    from multiprocessing import freeze_support  # verify's worker processes (ledger/record_workers.py), frozen

    freeze_support()
    sys.exit(main())
