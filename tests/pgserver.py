"""A throwaway PostgreSQL cluster on 127.0.0.1 for the integration tests (stdlib only).

initdb refuses to run as root, so as root the cluster belongs to, and runs as, the `postgres` system
user. Connections are TCP on loopback only, as the superuser `zgtz` with a generated password
(scram-sha-256); the Unix socket lives in the cluster's own private folder, not /var/run/postgresql.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "zgtz"
# sun_path holds 107 characters; the socket is "<cluster folder>/.s.PGSQL.<port>".
_MAX_SOCKET_DIR = 107 - len("/.s.PGSQL.65535")


def pg_url_from_env() -> str | None:
    """An existing server to test against instead of a throwaway one (a SQLAlchemy URL)."""
    return os.environ.get("ZGTZ_TEST_PG_URL")


def find_pg_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, else the folder of initdb on PATH."""

    def version(initdb: Path) -> tuple[int, ...]:
        name = initdb.parent.parent.name
        return tuple(int(part) for part in name.split(".")) if name.replace(".", "").isdigit() else ()

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=version)
    if candidates:
        return candidates[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PgServer:
    """A running cluster in `root` (data in root/data, log in root/log, socket in root)."""

    def __init__(self, root: Path, bin_dir: Path, port: int, password: str, as_user: list[str]) -> None:
        self.root = root
        self.bin_dir = bin_dir
        self.port = port
        self.password = password
        self._as_user = as_user
        self.url = self._url("postgres")

    def _url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, program: str, *args: str) -> None:
        """Run a PostgreSQL program as the cluster's owner; on failure raise with its output and the log."""
        result = subprocess.run(
            [*self._as_user, str(self.bin_dir / program), *args],
            cwd=self.root,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{result.stdout}{result.stderr}{tail}")

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create an empty database, or a copy of the database `template`, and return its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname="postgres",
            autocommit=True,
        ) as con:
            if template is None:
                con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            else:
                copy = sql.SQL("CREATE DATABASE {} TEMPLATE {}")
                con.execute(copy.format(sql.Identifier(name), sql.Identifier(template)))
        return self._url(name)

    def stop(self) -> None:
        """Kill the server (no clean shutdown needed) and delete the cluster folder."""
        try:
            if (self.root / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cluster_owner() -> pwd.struct_passwd | None:
    """The `postgres` system user when running as root (initdb refuses root), else None: ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root needs the `postgres` system user to own the cluster") from None


def _cluster_folder(workdir: Path | None, as_user: list[str]) -> Path:
    """A fresh folder for the cluster: inside workdir if its owner can reach it there, else in /tmp."""
    if workdir is not None and len(str(workdir.resolve())) + len("/zgtz-pg-xxxxxxxx") <= _MAX_SOCKET_DIR:
        # `test -x` as the owner: search permission on workdir and on every folder above it.
        reachable = subprocess.run([*as_user, "test", "-x", str(workdir)], capture_output=True).returncode == 0
        if reachable:
            return Path(tempfile.mkdtemp(prefix="zgtz-pg-", dir=workdir))
    return Path(tempfile.mkdtemp(prefix="zgtz-pg-"))


def start_pg_server(workdir: Path | None = None) -> PgServer:
    """Create and start a cluster under workdir (or /tmp); the caller must stop() it."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server programs not found: install the postgresql package (.ci/setup)")
    owner = _cluster_owner()
    as_user = ["runuser", "-u", "postgres", "--"] if owner else []

    root = _cluster_folder(workdir, as_user)
    password = secrets.token_hex(16)
    pwfile = root / "pw"
    pwfile.write_text(password + "\n")
    if owner:
        for path in (root, pwfile):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    server = PgServer(root, bin_dir, _free_port(), password, as_user)
    data = root / "data"
    try:
        initdb = ["-D", str(data), "-U", SUPERUSER, f"--pwfile={pwfile}", "-E", "UTF8", "--auth=scram-sha-256"]
        try:
            server._run("initdb", *initdb, "--locale=C.UTF-8")
        except RuntimeError:
            shutil.rmtree(data, ignore_errors=True)
            server._run("initdb", *initdb, "--no-locale")
        pwfile.unlink()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# throwaway test cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {server.port}\n"
                f"unix_socket_directories = '{root}'\n"
                "fsync = off\n"
                "full_page_writes = off\n"
            )
        server._run("pg_ctl", "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60", "start")
    except BaseException:
        server.stop()
        raise
    return server
