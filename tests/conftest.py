"""Shared fixtures: a real SQLite ledger per test, and a real PostgreSQL server per session."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from tests.world import FakeClock, World, copied_pg_world, copied_world, remove_template

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory, monkeypatch):
    """Keep every test's per-user data (keys, default ledger) out of the real home folder."""
    data = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("ZGTZ_DATA_DIR", str(data))
    monkeypatch.setenv("ZGTZ_KEY_DIR", str(data / "keys"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> World:
    w = copied_world(tmp_path, clock)
    yield w
    w.ledger.close()


@pytest.fixture(scope="session", params=[2000, pytest.param(20000, marks=pytest.mark.slow)], ids=["2k", "20k"])
def demo_ledger(request):
    """A demo ledger of 2,000 or 20,000 cases shared by the session (tests/paper.py)."""
    from tests import paper

    yield paper.demo(request.param)


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster on loopback (installed by .ci/setup). Under CI a missing
    server fails the run instead of skipping, so the server-mode tests cannot silently vanish."""
    from tests.pgserver import find_pg_bin, pg_url_from_env, start_pg_server

    if pg_url_from_env():
        yield None
        return
    if find_pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: run .ci/setup")
        pytest.skip("PostgreSQL server binaries not installed")
    server = start_pg_server()
    yield server
    server.stop()


def new_pg_database(pg_server, template: str | None = None) -> str:
    """A fresh, empty database on the test server (pg_server's value), or a copy of the database
    named `template`, as a SQLAlchemy URL."""
    from tests.pgserver import pg_url_from_env

    name = "t" + uuid.uuid4().hex[:12]
    if pg_server is None:
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(pg_url_from_env())
        with psycopg.connect(
            host=base.host,
            port=base.port,
            user=base.username,
            password=base.password,
            dbname=base.database or "postgres",
            autocommit=True,
        ) as con:
            con.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return base.set(database=name).render_as_string(hide_password=False)
    return pg_server.create_database(name, template)


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty database on the test server."""
    return new_pg_database(pg_server)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_database(request):
    """For a fixture that prepares its world once (tests/world.py prepared): None on SQLite, on
    PostgreSQL the function that makes a database on the test server (empty, or a template's copy)."""
    if request.param == "sqlite":
        return None
    server = request.getfixturevalue("pg_server")
    return lambda template: new_pg_database(server, template)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_world(request, tmp_path: Path, clock: FakeClock) -> World:
    """The same World on SQLite and on PostgreSQL (each a copy of the session's template, tests/world.py)."""
    if request.param == "sqlite":
        w = copied_world(tmp_path, clock)
    else:
        server = request.getfixturevalue("pg_server")
        w = copied_pg_world(tmp_path, clock, lambda template: new_pg_database(server, template))
    yield w
    w.ledger.close()


# -- the scan of every output of the session for full ID numbers and phones (tests/leakscan.py) --------
# Under pytest-xdist each worker records and scans what its own tests wrote and leaves its findings in a
# folder the controller made (shared with the workers, which also take the demo ledgers from it); the
# controller reports them all, fails the run on any, and removes the folder.
_OUTPUTS = None
_LEAK_DIR = "zgtz_leak_dir"
_LEAK_KEY = pytest.StashKey[Path]()


def pytest_configure(config):
    global _OUTPUTS
    import tempfile

    from tests.leakscan import Outputs

    _OUTPUTS = Outputs()
    _OUTPUTS.install(Path(tempfile.mkdtemp(prefix="zgtz-log-")) / "app.log")
    worker = getattr(config, "workerinput", None)
    if worker is None:
        config.stash[_LEAK_KEY] = Path(tempfile.mkdtemp(prefix="zgtz-shared-"))
        _compile_sources()
    else:  # the demo ledgers of the paper tests: made once, copied by each worker
        from tests import paper

        paper.SHARED = Path(worker[_LEAK_DIR]) / "paper"


def _compile_sources() -> None:
    """Byte-compile the program's own modules once, before any test starts a process. The suite starts
    some hundreds of `main.py` commands and verify workers; with PYTHONDONTWRITEBYTECODE set (as on
    this project's machines) each compiled ledger/, ui/ and reports/ from source again: ~0.25 s of CPU
    per process (0.85 s against 0.62 s to import what a command imports). compileall writes the
    __pycache__ files regardless of that setting; they are what an installed program has anyway."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("ledger", "ui", "reports", "migrations"):
        compileall.compile_dir(root / package, quiet=2)
    compileall.compile_file(root / "main.py", quiet=2)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """(pytest-xdist, on the controller) tell each worker where to leave its scan."""
    node.workerinput[_LEAK_DIR] = str(node.config.stash[_LEAK_KEY])


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session):
    """Under pytest-xdist the tests marked slow (a PyInstaller build, processes killed at every step)
    are scheduled first, so the workers end together instead of one of them finishing a long test
    alone (sorted before the worker sends its collection to the controller)."""
    if hasattr(session.config, "workerinput"):
        session.items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1)


def pytest_sessionfinish(session, exitstatus):
    import json

    from tests import paper

    paper.cleanup()
    remove_template()
    config = session.config
    worker = getattr(config, "workerinput", None)
    if worker is not None:  # a pytest-xdist worker: scan its own outputs, leave the findings
        read, problems = _OUTPUTS.scan() if exitstatus == 0 else (0, [])
        found = Path(worker[_LEAK_DIR]) / f"{worker['workerid']}.json"
        found.write_text(json.dumps({"read": read, "problems": problems}), encoding="utf-8")
        return
    shared = config.stash[_LEAK_KEY]
    try:
        if exitstatus not in (0,):
            return
        read, problems = _OUTPUTS.scan()
        for found in sorted(shared.glob("*.json")):
            left = json.loads(found.read_text(encoding="utf-8"))
            read, problems = read + left["read"], problems + left["problems"]
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"output scan: {read} files (PDF text, workbook cells, the log) read back for full numbers")
    if problems:
        if reporter is not None:
            for line in problems:
                reporter.write_line(f"  full number in output: {line}", red=True)
        session.exitstatus = 1
