"""Every audit event the program writes has a Chinese name (ledger/events.py), found by reading the
source: each call of `record(session, actor, action, …)` and `audit.append(…, action, …)` in main.py,
ledger/, reports/ and ui/ (ui/cli/ too). A code the scan cannot work out fails the test too, so a new event can't
slip onto 系统管理 as a raw code."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from ledger.events import EVENT_NAMES, event_name

ROOT = Path(__file__).resolve().parents[2]
# The position of `action` in each writer's signature (Ledger.record, ledger.audit.append).
# An output's event is declared by its `Output(action, …)` (ledger/services/outputs.py) and written by
# OutputService.record as `output.action`: the declarations are what the scan reads.
ACTION_ARG = {"record": 2, "append": 4, "output": 0}


def sources() -> list[Path]:
    return [ROOT / "main.py", *sorted(p for d in ("ledger", "reports", "ui") for p in (ROOT / d).rglob("*.py"))]


def workflow_actions() -> list[str]:
    seed = json.loads((ROOT / "resources" / "seed" / "workflow.json").read_text(encoding="utf-8"))
    return [a["code"] for a in seed["actions"]]


def _writer(call: ast.Call) -> str | None:
    fn = call.func
    if isinstance(fn, ast.Attribute) and fn.attr == "record" and ast.unparse(fn.value).endswith("outputs"):
        return None  # OutputService.record(actor, file, name, output): the event is the Output's
    if isinstance(fn, ast.Attribute) and fn.attr == "record":
        return "record"
    if isinstance(fn, ast.Name) and fn.id == "record":
        return "record"
    if isinstance(fn, ast.Name) and fn.id == "Output":
        return "output"
    if isinstance(fn, ast.Attribute) and fn.attr == "append" and isinstance(fn.value, ast.Name):
        return "append" if fn.value.id == "audit" else None
    return None


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


class Scan:
    def __init__(self) -> None:
        self.codes: dict[str, list[str]] = {}  # code -> where it is written
        self.unresolved: list[str] = []

    def add(self, code: str, where: str) -> None:
        self.codes.setdefault(code, []).append(where)

    def file(self, path: Path) -> None:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (kind := _writer(node)):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                self.expression(_argument(node, ACTION_ARG[kind], "action"), node, tree, parents, where)

    def expression(self, expr, call, tree, parents, where: str) -> None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            self.add(expr.value, where)
        elif isinstance(expr, ast.IfExp):
            self.expression(expr.body, call, tree, parents, where)
            self.expression(expr.orelse, call, tree, parents, where)
        elif isinstance(expr, ast.JoinedStr) and ast.unparse(expr) == "f'case.{action}'":
            for action in workflow_actions():  # CaseService.act: one event per workflow action
                self.add(f"case.{action}", where)
        elif isinstance(expr, ast.Attribute) and ast.unparse(expr) == "output.action":
            pass  # OutputService.record: the codes are those of the Output(...) declarations, scanned
        elif isinstance(expr, ast.Name) and (codes := self.parameter(expr.id, call, tree, parents)):
            for code in codes:
                self.add(code, where)
        else:
            self.unresolved.append(f"{where}: {ast.unparse(expr) if expr is not None else '（无）'}")

    def parameter(self, name: str, call, tree, parents) -> list[str]:
        """`action` handed in by the caller: the string constants every call of the enclosing
        function passes for that parameter, in the same file."""
        node = call
        while node in parents and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node = parents[node]
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return []
        params = [a.arg for a in node.args.args]
        if name not in params:
            return []
        position = params.index(name) - (1 if params and params[0] in ("self", "cls") else 0)
        found: list[str] = []
        for other in ast.walk(tree):
            if not isinstance(other, ast.Call):
                continue
            fn = other.func
            called = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else None
            if called != node.name:
                continue
            value = _argument(other, position, name)
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                return []  # passed on again: not worked out here, reported as unresolved
            found.append(value.value)
        return found


def scan() -> Scan:
    result = Scan()
    for path in sources():
        result.file(path)
    return result


def test_every_event_the_program_writes_has_a_chinese_name():
    found = scan()
    assert not found.unresolved, "无法从源码确定事件代码（请改为字符串常量）：\n" + "\n".join(found.unresolved)
    # the scan sees the writers it must (a broken scan would find nothing and pass)
    for code in ("ledger.create", "case.assign", "case.register", "report.print", "login.fail", "export.fillin"):
        assert code in found.codes, code
    assert "password.recheck_fail" in found.codes  # through UserService._count_failure's parameter
    unnamed = {code: where for code, where in found.codes.items() if code not in EVENT_NAMES}
    assert not unnamed, f"这些事件没有中文名称，请在 ledger/events.py 中补上：{unnamed}"
    for code in found.codes:
        name = EVENT_NAMES[code]
        assert name.strip() and not any("a" <= ch.lower() <= "z" for ch in name.replace("Excel", "")), (code, name)


def test_an_unknown_code_shows_itself():
    assert event_name("case.assign") == "交办"
    assert event_name("demo.generate") == "生成示例台账"
    assert event_name("no.such_event") == "[no.such_event]"


def test_the_scan_fails_on_an_unnamed_or_unreadable_code():
    """The scanner itself, on made-up source: a literal code, a conditional one and a variable."""
    text = (
        "def f(lg, s, flag, how):\n"
        "    lg.record(s, None, 'made.up' if flag else 'case.void', 'x', None, {})\n"
        "    lg.record(s, None, how, 'x', None, {})\n"
    )
    result = Scan()
    tree = ast.parse(text)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _writer(node):
            result.expression(_argument(node, 2, "action"), node, tree, parents, "probe.py")
    assert set(result.codes) == {"made.up", "case.void"}
    assert "made.up" not in EVENT_NAMES
    assert len(result.unresolved) == 1 and "how" in result.unresolved[0]


def test_an_event_code_that_is_not_an_event_is_refused_and_nothing_is_written(world):
    import pytest
    from sqlalchemy import func, select

    from ledger.events import Event
    from ledger.models import AuditEvent

    lg = world.ledger
    with lg.reading() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(RuntimeError, match=r"target\.updated"), lg.unit_of_work() as s:
        lg.record(s, None, "target.updated", "case", None, {})
    with lg.unit_of_work() as s:
        lg.record(s, None, Event.HOUSEHOLD_TAGS, "household", None, {})  # a member is its code
    with lg.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
        assert s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc())).first() == "household.tags"
    assert Event("case.assign").label == "交办" and event_name(Event.YEAR_SEAL) == "年终归档（封存年度）"
