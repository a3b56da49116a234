"""A server in a child process on loopback, shared by every process working on one folder.

The embedded graph (ArcadeDB, :mod:`knowledge_graph.server`) and the embedded model
(llama.cpp, :mod:`assistant.llm.server`) both run as child processes: a crash of
the child cannot take the CLI or the API with it, the child can be restarted, and
several processes of one workspace share one server instead of each loading it.

Files in the server's folder::

    server.json   pid and ports of the running server, written once it answers
    server.lock   flock held while a process checks/starts/stops the server (serialises them)
    server.log    stdout/stderr of the current server (the previous run's is server.log.1)

Life cycle: :meth:`LocalServer.ensure_running` reuses a live server of the same
folder (second process, or the same process again) or starts one; a pid in
``server.json`` that is dead, or is not this program serving this folder, is
stale and is replaced by a fresh start.  :meth:`LocalServer.stop` sends SIGTERM
and SIGKILL after a grace period.  A process that started the server stops it
at exit (``atexit``) unless told otherwise; processes that merely reuse it never
stop it.  So that ``kill`` (SIGTERM) is an exit too, the starting process turns
SIGTERM into ``SystemExit`` when nothing else handles that signal.

A subclass names its program (:attr:`program`), builds its command line
(:meth:`_command`), says how its info is stored (:meth:`_info_from_json`) and
when it answers (:meth:`_answers`).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
STATE_FILE = "server.json"
LOCK_FILE = "server.lock"
LOG_FILE = "server.log"


class Info(Protocol):
    pid: int

    def to_json(self) -> dict[str, Any]: ...


InfoT = TypeVar("InfoT", bound=Info)


class PortTaken(Exception):
    """The child could not bind its port (another process took it first)."""


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


def pid_alive(pid: int) -> bool:
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


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def rss_mb(pid: int | None) -> float | None:
    """Resident memory of ``pid`` in MB (Linux), or None."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class LocalServer(Generic[InfoT]):
    """Start, reuse and stop one child server per folder.  Subclasses fill in the hooks."""

    #: a word naming the server in log lines and errors ("graph", "model")
    label = "server"
    #: a command-line argument that identifies the program (with :meth:`_marker` for the folder)
    program = ""
    #: raised when the server cannot be started or reached
    unavailable: type[Exception] = RuntimeError
    #: what to change when a fixed port is taken, or when the start takes too long
    port_setting = "the port setting"
    timeout_setting = "the start-up timeout"
    #: what "answering" means, for messages
    protocol = "requests"

    def __init__(self, root: Path, *, startup_timeout_s: float = 60.0, stop_grace_s: float = 20.0,
                 stop_at_exit: bool = True, fixed_port: bool = False) -> None:
        self.root = Path(root).expanduser().resolve()
        self.startup_timeout_s = startup_timeout_s
        self.stop_grace_s = stop_grace_s
        self.stop_at_exit = stop_at_exit
        self.fixed_port = fixed_port
        self.info: InfoT | None = None
        self.started_here = False  # this process spawned the current server (and stops it at exit)
        self.last_startup_s: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._atexit_registered = False

    # ----------------------------------------------------------------- hooks

    def _command(self) -> tuple[list[str], dict[str, Any]]:
        """The command line and the info fields (ports...) the child will serve on."""
        raise NotImplementedError

    def _make_info(self, pid: int, fields: dict[str, Any]) -> InfoT:
        raise NotImplementedError

    def _info_from_json(self, data: dict[str, Any]) -> InfoT:
        raise NotImplementedError

    def _answers(self, info: InfoT, timeout: float) -> bool:
        raise NotImplementedError

    def _port_of(self, info: InfoT) -> int:
        raise NotImplementedError

    def _prepare(self) -> None:
        """Create what the child needs before it starts (folders, secrets)."""
        self.root.mkdir(parents=True, exist_ok=True)

    def _env(self) -> dict[str, str] | None:
        return None

    # ----------------------------------------------------------------- public

    @property
    def log_path(self) -> Path:
        return self.root / LOG_FILE

    def ensure_running(self) -> InfoT:
        """Reuse the live server of this folder or start one."""
        with self._locked():
            state = self._read_state()
            if state is not None:
                if self._is_ours(state.pid):
                    if self._answers(state, timeout=min(10.0, self.startup_timeout_s)):
                        if self.info is None or self.info.pid != state.pid:
                            log.info("%s: reusing pid %s", self.label, state.pid)
                        self.info = state
                        if self._proc is not None and self._proc.pid != state.pid:
                            self._proc = None
                            self.started_here = False
                        return state
                    log.warning("%s: pid %s does not answer; killing it and starting afresh", self.label, state.pid)
                    self._terminate(state.pid, grace_s=2.0)
                else:
                    log.warning("%s: stale %s (pid %s is gone); starting afresh", self.label, STATE_FILE, state.pid)
                (self.root / STATE_FILE).unlink(missing_ok=True)
            for pid in self._orphans():
                log.warning("%s: killing pid %s serving %s without a state file", self.label, pid, self.root)
                self._terminate(pid, grace_s=2.0)
            return self._start()

    def restart(self) -> InfoT:
        """Stop whatever runs on this folder (if anything) and start a fresh server."""
        self.stop()
        return self.ensure_running()

    def running(self) -> InfoT | None:
        """The live server of this folder, without starting one (None if there is none)."""
        state = self._read_state()
        if state is not None and self._is_ours(state.pid):
            return state
        return None

    def alive(self) -> bool:
        state = self.info or self._read_state()
        if state is None:
            return False
        if self._proc is not None and self._proc.pid == state.pid:
            return self._proc.poll() is None
        return self._is_ours(state.pid)

    def stop(self, grace_s: float | None = None) -> None:
        """Stop the server of this folder: SIGTERM, then SIGKILL after ``grace_s`` seconds."""
        grace = self.stop_grace_s if grace_s is None else grace_s
        with self._locked():
            state = self._read_state()
            pids = {state.pid} if state is not None and self._is_ours(state.pid) else set()
            if self._proc is not None and self._proc.poll() is None:
                pids.add(self._proc.pid)
            pids.update(self._orphans())
            for pid in pids:
                self._terminate(pid, grace)
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
        return rss_mb(self.pid())

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    # ---------------------------------------------------------------- startup

    def _start(self) -> InfoT:
        attempts = 1 if self.fixed_port else 3
        error: Exception | None = None
        for _ in range(attempts):
            try:
                return self._spawn_and_wait()
            except PortTaken as exc:
                error = self.unavailable(
                    f"the {self.label} server could not bind its port ({exc}); "
                    + (f"set {self.port_setting} to a free port or to 0" if self.fixed_port
                       else "retrying with another free port"))
                log.warning("%s: %s", self.label, error)
        assert error is not None
        raise error

    def _spawn_and_wait(self) -> InfoT:
        self._prepare()
        cmd, fields = self._command()
        logfile = self.log_path
        if logfile.exists():
            os.replace(logfile, self.root / (LOG_FILE + ".1"))
        t0 = time.monotonic()
        with open(logfile, "wb") as out:
            proc = subprocess.Popen(
                cmd, cwd=self.root, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True, env=self._env(),
            )
        info = self._make_info(proc.pid, fields)
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
            exit_on_sigterm()
        log.info("%s: started pid %s in %.2f s", self.label, info.pid, self.last_startup_s)
        return info

    def _wait_ready(self, proc: subprocess.Popen[bytes], info: InfoT, t0: float) -> None:
        deadline = t0 + self.startup_timeout_s
        while True:
            code = proc.poll()
            if code is not None:
                tail = self.log_tail()
                if "Address already in use" in tail or "BindException" in tail or "address already in use" in tail:
                    raise PortTaken(f"port {self._port_of(info)} already in use")
                raise self.unavailable(
                    f"the {self.label} server exited with code {code} while starting "
                    f"(log {self.log_path}); last lines:\n{tail}")
            if port_open(self._port_of(info), timeout=0.2) and self._answers(info, timeout=5.0):
                return
            if time.monotonic() > deadline:
                raise self.unavailable(
                    f"the {self.label} server did not answer {self.protocol} on port {self._port_of(info)} within "
                    f"{self.startup_timeout_s:g} s ({self.timeout_setting}; log {self.log_path}); last lines:\n"
                    f"{self.log_tail()}")
            time.sleep(0.1)

    # ---------------------------------------------------------------- state

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + self.startup_timeout_s + self.stop_grace_s
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise self.unavailable(
                            f"another process holds {self.root / LOCK_FILE} (starting or stopping the "
                            f"{self.label} server) for too long; check it or remove the file") from None
                    time.sleep(0.1)
            yield
        finally:
            os.close(fd)  # releases the flock

    def _read_state(self) -> InfoT | None:
        try:
            return self._info_from_json(json.loads((self.root / STATE_FILE).read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("%s: unreadable %s; ignoring it", self.label, self.root / STATE_FILE)
            return None

    def _write_state(self, info: InfoT) -> None:
        tmp = self.root / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps({
            **info.to_json(), "root": str(self.root), "started_by": os.getpid(),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.root / STATE_FILE)

    def _marker(self) -> str:
        """A command-line argument unique to this folder's server."""
        raise NotImplementedError

    def _is_ours(self, pid: int) -> bool:
        """``pid`` is alive and is this program serving this folder (not a recycled pid)."""
        if self._proc is not None and self._proc.pid == pid and self._proc.poll() is not None:
            return False
        args = cmdline(pid)
        return pid_alive(pid) and self._marker() in args and any(self.program in a for a in args)

    def _orphans(self) -> list[int]:
        """Servers of this folder that no state file points to (e.g. the state file was deleted)."""
        found = []
        marker = self._marker().encode()
        program = self.program.encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker + b"\0" in cmd and program in cmd and pid_alive(int(entry.name)):
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
            elif not pid_alive(pid):
                return
            time.sleep(0.05)
        log.warning("%s: pid %s did not stop within %.0f s; killing it", self.label, pid, grace_s)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if self._proc is not None and self._proc.pid == pid:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._proc.wait(timeout=5)

    def _stop_at_exit(self) -> None:
        if self.started_here and self.stop_at_exit:
            with contextlib.suppress(Exception):
                self.stop()


def _raise_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def exit_on_sigterm() -> bool:
    """Make SIGTERM exit through ``atexit`` (stopping the servers this process started).

    Only from the main thread and only while SIGTERM has its default action: a host
    that handles the signal itself (uvicorn, a test runner) keeps its handler.
    Returns whether the handler was installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return False
    signal.signal(signal.SIGTERM, _raise_exit)
    return True
