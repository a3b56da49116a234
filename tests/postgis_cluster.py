"""A throwaway PostgreSQL 15 + PostGIS cluster on loopback, for tests.

:func:`start_cluster` runs ``initdb`` into a fresh temporary folder, starts the
server with ``pg_ctl`` on a free TCP port of 127.0.0.1 (trust authentication,
Unix socket inside the folder, durability off), creates a database with the
``postgis`` extension and returns a :class:`Cluster`; :meth:`Cluster.stop`
stops the server and deletes the folder.

PostgreSQL refuses to run as root: when the tests run as root (CI containers)
the server binaries run as the ``postgres`` OS user via ``runuser`` and the
folder is handed over to that user.

Examples
--------
>>> reason = missing_requirements()
>>> reason is None or isinstance(reason, str)
True
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
RUN_AS = "postgres"
DATABASE = "onemap_test"
SERVER_OPTIONS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                  "-c full_page_writes=off -c max_connections=20")


@dataclass
class Cluster:
    """A running throwaway cluster: its folder, port and database."""

    root: Path
    port: int
    database: str = DATABASE

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def dsn(self) -> str:
        """libpq URI of the test database (TCP, trust authentication)."""
        return f"postgresql://{RUN_AS}@127.0.0.1:{self.port}/{self.database}"

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete the cluster folder."""
        if (self.data / "postmaster.pid").exists():
            _pg(self.root, "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def missing_requirements() -> str | None:
    """Why a cluster cannot be started here, or None when everything is installed."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL 15 is not installed ({PG_BIN}/initdb is missing); run: make postgis"
    if not POSTGIS_CONTROL.exists():
        return f"PostGIS is not installed ({POSTGIS_CONTROL} is missing); run: make postgis"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed in the venv; run: .venv/bin/pip install 'psycopg[binary]'"
    if _as_root():
        if shutil.which("runuser") is None:
            return "running as root needs runuser (util-linux) to start PostgreSQL as the postgres user"
        try:
            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"running as root needs the OS user {RUN_AS!r}; reinstall postgresql-15 or run as non-root"
    return None


def start_cluster() -> Cluster:
    """Create, start and prepare a cluster; the caller must call :meth:`Cluster.stop`.

    Raises
    ------
    RuntimeError
        When initdb, pg_ctl or the database set-up fails (with the server log's tail).
    """
    root = Path(tempfile.mkdtemp(prefix="onemap-pg-"))
    cluster = Cluster(root, _free_port())
    try:
        _hand_over(root)
        _pg(root, "initdb", "-D", str(cluster.data), "-A", "trust", "-U", RUN_AS, "-E", "UTF8",
            "--no-locale", "--no-sync")
        _pg(root, "pg_ctl", "-D", str(cluster.data), "-l", str(root / "server.log"), "-w", "-t", "60",
            "-o", f"{SERVER_OPTIONS} -p {cluster.port} -k {root}", "start")
        _create_database(cluster)
    except BaseException as exc:
        log = _tail(root / "server.log")
        cluster.stop()
        if isinstance(exc, Exception):
            raise RuntimeError(f"cannot start the test PostgreSQL cluster: {exc}{log}") from None
        raise
    return cluster


def _as_root() -> bool:
    return os.geteuid() == 0


def _hand_over(root: Path) -> None:
    """Give the folder to the postgres user when running as root."""
    if _as_root():
        entry = pwd.getpwnam(RUN_AS)
        os.chown(root, entry.pw_uid, entry.pw_gid)


def _pg(root: Path, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a PostgreSQL binary (as the postgres user when root) in ``root``."""
    cmd = [str(PG_BIN / tool), *args]
    if _as_root():
        cmd = ["runuser", "-u", RUN_AS, "--", *cmd]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise RuntimeError(f"{tool} exited with {proc.returncode}: {detail[-1] if detail else 'no output'}")
    return proc


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _create_database(cluster: Cluster) -> None:
    import psycopg

    admin = f"postgresql://{RUN_AS}@127.0.0.1:{cluster.port}/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"CREATE DATABASE {cluster.database}")
    with psycopg.connect(cluster.dsn, autocommit=True, connect_timeout=10) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def _tail(log: Path, lines: int = 5) -> str:
    if not log.exists():
        return ""
    text = log.read_text(errors="replace").strip().splitlines()[-lines:]
    return "; server log: " + " | ".join(text) if text else ""
