"""A throwaway PostgreSQL cluster on 127.0.0.1 for the integration tests (stdlib only).

initdb refuses to run as root, so as root the server runs as the `postgres` system user, in a fresh
world-traversable temporary folder. Host connections need scram-sha-256 with a generated password.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def pg_url_from_env() -> str | None:
    return os.environ.get("ZGTZ_TEST_PG_URL")


def find_pg_bin() -> Path | None:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgServer:
    def __init__(self, root: Path, bin_dir: Path, port: int, password: str, as_user: list[str]):
        self.root, self.bin_dir, self.port, self.password, self._as_user = root, bin_dir, port, password, as_user
        self.url = f"postgresql+psycopg://zgtz:{password}@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, cwd=self.root)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="zgtz", password=self.password, dbname="postgres", autocommit=True
        ) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://zgtz:{self.password}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_pg_server() -> PgServer:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found (install the postgresql package)")
    as_root = os.geteuid() == 0
    # A folder the postgres user can reach: /tmp, not a pytest folder under /root.
    root = Path(tempfile.mkdtemp(prefix="zgtz-pg-"))
    os.chmod(root, 0o755)
    password = secrets.token_hex(12)
    (root / "pw").write_text(password)
    as_user: list[str] = []
    if as_root:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(root / "pw", "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    server = PgServer(root, bin_dir, port, password, as_user)
    data = root / "data"
    server._run(
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        "zgtz",
        "--pwfile",
        str(root / "pw"),
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} -c fsync=off"
    server._run(
        str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "60", "start"
    )
    return server
