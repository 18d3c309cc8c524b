"""What every command shares: the progress line on standard error, and signing in with --user."""

from __future__ import annotations

import sys
import time


def progress_printer(label: str):
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


def sign_in(lg, args, *, required: bool = True):
    """The --user account, signed in with its password: from standard input with --password-stdin,
    else asked on the terminal. Every command that writes, reveals or exports personal data uses it;
    None when the command may run without an account and none was named."""
    from ledger.errors import ValidationError

    if not args.user:
        if required:
            raise ValidationError("请用 --user 指明执行此操作的账号（并输入其密码）")
        return None
    return lg.users.authenticate(args.user, read_password(args))


def read_password(args) -> str:
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
