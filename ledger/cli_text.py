"""The command line in Chinese: argparse's own messages (usage, errors, help headings).

argparse looks its texts up through the module-level names `_` and `ngettext` (gettext) at the
moment it prints them. `install()` points those names at the table below, so `整改台账 report` with
a missing or misspelt option answers a county clerk in Chinese; a text not in the table (a message
for programmers, such as a conflicting option definition) stays in English. Idempotent.
"""

from __future__ import annotations

import argparse

MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示程序版本并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 必须给出其中一个",
    "ignored explicit argument %r": "忽略了多余的值 %r",
}


def _translate(message: str) -> str:
    return MESSAGES.get(message, message)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    if singular == "expected %s argument":
        return "需要 %s 个值"
    return singular if n == 1 else plural


def install() -> None:
    argparse._ = _translate  # type: ignore[attr-defined]
    argparse.ngettext = _ntranslate  # type: ignore[attr-defined]


# The --db of every command.
DB_HELP = "台账文件路径（.db）或服务器数据库地址（postgresql+psycopg://…）"
