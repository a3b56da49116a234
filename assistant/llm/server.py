"""The embedded model server: ``llama_cpp.server`` in a child process on loopback.

The child serves one GGUF (the packaged model, assembled by
:mod:`assistant.llm.models`, or ``llm.model_path``) through llama-cpp-python's
OpenAI-compatible API.  Its settings are written to
``<workspace>/<llm.server_path>/llama-server.json`` and passed with
``--config_file``; that path on the command line is how a process recognises the
server of its workspace (life cycle: :mod:`assistant.local_server`).

llama-cpp-python must be built with AMX off on these machines (it crashes on
the first decode otherwise); the Makefile does that (``make llm``).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import httpx

from assistant.llm.client import LLMUnavailable
from assistant.local_server import HOST, LocalServer, free_port, port_open

CONFIG_FILE = "llama-server.json"
BUILD_HINT = ("llama-cpp-python is not installed; run `make llm` (it builds llama-cpp-python with AMX off, "
              "about 4 minutes on 2 cores) or set llm.mode to server")


@dataclass(frozen=True)
class LlamaInfo:
    pid: int
    port: int
    model: str  # the alias requests name
    model_path: str

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def llama_cpp_installed() -> bool:
    return find_spec("llama_cpp") is not None


class EmbeddedLlamaServer(LocalServer[LlamaInfo]):
    """One llama.cpp server per workspace, serving ``model_path`` under the name ``alias``.

    Examples
    --------
    >>> server = EmbeddedLlamaServer(Path("/tmp/ws/llm"), Path("qwen.gguf"), alias="qwen")  # doctest: +SKIP
    >>> server.ensure_running().base_url  # doctest: +SKIP
    'http://127.0.0.1:40213/v1'
    """

    label = "model"
    program = "llama_cpp.server"
    unavailable = LLMUnavailable
    port_setting = "llm.port"
    timeout_setting = "llm.startup_timeout_s"
    protocol = "HTTP"

    def __init__(self, root: Path, model_path: Path, *, alias: str, port: int = 0, n_ctx: int = 4096,
                 n_threads: int = 0, startup_timeout_s: float = 180.0, stop_at_exit: bool = True) -> None:
        super().__init__(root, startup_timeout_s=startup_timeout_s, stop_grace_s=10.0, stop_at_exit=stop_at_exit,
                         fixed_port=port != 0)
        self.model_path = Path(model_path).expanduser().resolve()
        self.alias = alias
        self.port = port
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 2

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    def ensure_running(self) -> LlamaInfo:
        info = super().ensure_running()
        if Path(info.model_path) != self.model_path:
            # the workspace's server serves another model (settings changed): replace it
            self.stop()
            info = super().ensure_running()
        return info

    # ---------------------------------------------------------------- hooks

    def _prepare(self) -> None:
        super()._prepare()
        if not llama_cpp_installed():
            raise LLMUnavailable(BUILD_HINT)
        if not self.model_path.is_file():
            raise LLMUnavailable(f"model file {self.model_path} does not exist (llm.model_path)")

    def _command(self) -> tuple[list[str], dict[str, Any]]:
        port = self.port or free_port()
        config = {
            "host": HOST,
            "port": port,
            # a new request must not cut a running stream short (API users share the server)
            "interrupt_requests": False,
            "models": [{
                "model": str(self.model_path),
                "model_alias": self.alias,
                "n_ctx": self.n_ctx,
                "n_threads": self.n_threads,
                "n_threads_batch": self.n_threads,
                "n_batch": 512,
                "verbose": False,
            }],
        }
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(config, indent=2), encoding="utf-8")
        os.replace(tmp, self.config_path)
        return [sys.executable, "-m", "llama_cpp.server", "--config_file", str(self.config_path)], {"port": port}

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("CONFIG_FILE", None)  # would override --config_file
        env.pop("HOST", None)
        env.pop("PORT", None)
        return env

    def _make_info(self, pid: int, fields: dict[str, Any]) -> LlamaInfo:
        return LlamaInfo(pid=pid, port=fields["port"], model=self.alias, model_path=str(self.model_path))

    def _info_from_json(self, data: dict[str, Any]) -> LlamaInfo:
        return LlamaInfo(int(data["pid"]), int(data["port"]), str(data["model"]), str(data["model_path"]))

    def _port_of(self, info: LlamaInfo) -> int:
        return info.port

    def _marker(self) -> str:
        return str(self.config_path)

    def _answers(self, info: LlamaInfo, timeout: float) -> bool:
        """True when ``/v1/models`` lists the model (the server loads it before it listens)."""
        if not port_open(info.port, timeout=min(timeout, 1.0)):
            return False
        try:
            response = httpx.get(f"{info.base_url}/models", timeout=timeout)
            return response.status_code == 200 and any(
                m.get("id") == info.model for m in response.json().get("data", []))
        except (httpx.HTTPError, ValueError):
            return False
