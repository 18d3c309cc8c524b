"""The command line behind main.py: the argument parser (parser.py) and the commands it runs. The
program's second interface beside the window, so under ui/, but it imports no Qt.

    common.py     what every command shares: the progress line, signing in with --user
    manage.py     making and looking after a ledger: demo, init, config, examples, verify, backup, restore
    documents.py  documents in and out: report (PDF), import and export (Excel), compare
    program.py    the program itself: the window, and the build's self-check (--smoke-test)
    parser.py     the arguments of every command, in Chinese

Like main.py, these modules are the composition root: they may import ledger, reports and ui, and
import them inside the command that needs them, so `main.py --help` loads neither Qt nor ReportLab.
Commands of their own module: reports/compare_cli.py, bulletin_cli.py, archive_cli.py,
ledger/examples_cli.py, roster_cli.py.
"""
