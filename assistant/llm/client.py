"""One OpenAI-compatible chat client for the embedded llama.cpp server and for vLLM.

Only ``/v1/models`` and ``/v1/chat/completions`` are used, over httpx, with or
without streaming (server-sent events).  Tool calls come back either structured
(``message.tool_calls``: vLLM with a tool parser, llama.cpp's function-calling
chat format) or as Qwen2.5's ``<tool_call>{...}</tool_call>`` text, which is
parsed here so that both look the same to the caller.

Examples
--------
>>> client = LLMClient("http://127.0.0.1:8080/v1")  # doctest: +SKIP
>>> client.chat([{"role": "user", "content": "你好"}], max_tokens=8).text  # doctest: +SKIP
'你好！有什么'
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from pydantic import BaseModel, Field


class LLMError(RuntimeError):
    """The endpoint answered with an error or with something that is not a completion."""


class LLMUnavailable(LLMError):
    """The endpoint cannot be reached (not started, crashed, wrong URL) or timed out."""


class ToolCallRequest(BaseModel):
    """A tool the model asked for."""

    id: str = ""
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class ChatResult(BaseModel):
    text: str
    tool_calls: list[ToolCallRequest] = Field(default_factory=list)
    model: str = ""
    finish_reason: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_ms: float | None = None  # time to the first generated token (streaming only)
    latency_ms: float = 0.0


Message = dict[str, Any]
_TOOL_TAG = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.S)
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


class LLMClient:
    def __init__(self, base_url: str, *, model: str = "", api_key: str = "", connect_timeout_s: float = 5.0,
                 request_timeout_s: float = 300.0, transport: httpx.BaseTransport | None = None,
                 on_unavailable: Callable[[Exception], Exception] | None = None) -> None:
        if not base_url:
            raise LLMError("no model endpoint: set llm.base_url (server mode) or use llm.mode embedded")
        self.base_url = base_url.rstrip("/")
        self._model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        timeout = httpx.Timeout(request_timeout_s, connect=connect_timeout_s)
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport)
        self._on_unavailable = on_unavailable

    @property
    def model(self) -> str:
        if not self._model:
            names = self.models()
            if not names:
                raise LLMError(f"{self.base_url}/models lists no model; set llm.model")
            self._model = names[0]
        return self._model

    def models(self) -> list[str]:
        data = self._json(self._request("GET", "/models"))
        return [m.get("id", "") for m in data.get("data", []) if isinstance(m, dict)]

    def chat(self, messages: list[Message], *, max_tokens: int = 400, temperature: float = 0.1,
             tools: list[dict[str, Any]] | None = None, stop: list[str] | None = None,
             on_token: Callable[[str], None] | None = None, seed: int | None = 0) -> ChatResult:
        """One chat completion; with ``on_token`` it streams and calls it with each piece of text."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, "max_tokens": max_tokens,
                                "temperature": temperature}
        if seed is not None:
            body["seed"] = seed
        if tools:
            body["tools"] = tools
            body["tool_choice"] = "auto"
        if stop:
            body["stop"] = stop
        t0 = time.perf_counter()
        if on_token is None:
            data = self._json(self._request("POST", "/chat/completions", json=body))
            result = _from_completion(data, _names(tools))
        else:
            body["stream"] = True
            result = self._stream(body, on_token, t0, _names(tools))
        result.latency_ms = round((time.perf_counter() - t0) * 1000, 1)
        return result

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ http

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.TimeoutException) as exc:
            raise self._unavailable(exc) from None
        _raise_for_status(response)
        return response

    def _unavailable(self, exc: Exception) -> Exception:
        if self._on_unavailable is not None:
            return self._on_unavailable(exc)
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "is unreachable"
        return LLMUnavailable(f"the model endpoint {self.base_url} {kind} ({type(exc).__name__}: {exc})")

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise LLMError(f"the model endpoint returned non-JSON: {response.text[:200]!r}") from None
        if not isinstance(data, dict):
            raise LLMError(f"the model endpoint returned {type(data).__name__}, expected an object")
        return data

    def _stream(self, body: dict[str, Any], on_token: Callable[[str], None], t0: float,
                tool_names: set[str]) -> ChatResult:
        text: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        result = ChatResult(text="")
        try:
            with self._http.stream("POST", "/chat/completions", json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for_status(response)
                for event in _sse_events(response.iter_lines()):
                    result.model = event.get("model") or result.model
                    for choice in event.get("choices") or []:
                        delta = choice.get("delta") or {}
                        piece = delta.get("content")
                        if piece:
                            if result.ttft_ms is None:
                                result.ttft_ms = round((time.perf_counter() - t0) * 1000, 1)
                            text.append(piece)
                            on_token(piece)
                        for call in delta.get("tool_calls") or []:
                            slot = calls.setdefault(int(call.get("index", 0)), {"id": "", "name": "", "arguments": ""})
                            slot["id"] = call.get("id") or slot["id"]
                            fn = call.get("function") or {}
                            slot["name"] += fn.get("name") or ""
                            slot["arguments"] += fn.get("arguments") or ""
                        if choice.get("finish_reason"):
                            result.finish_reason = choice["finish_reason"]
                    usage = event.get("usage") or {}
                    result.prompt_tokens = usage.get("prompt_tokens", result.prompt_tokens)
                    result.completion_tokens = usage.get("completion_tokens", result.completion_tokens)
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.TimeoutException) as exc:
            raise self._unavailable(exc) from None
        structured = [_tool_call(c["id"], c["name"], c["arguments"]) for _, c in sorted(calls.items())]
        content, parsed = split_tool_calls("".join(text), tool_names)
        result.text = content
        result.tool_calls = [c for c in structured if c is not None] + parsed
        return result


def _raise_for_status(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        detail = response.json()
        detail = detail.get("error", detail) if isinstance(detail, dict) else detail
        if isinstance(detail, dict):
            detail = detail.get("message", detail)
    except ValueError:
        detail = response.text[:300]
    if response.status_code in (502, 503, 504):
        raise LLMUnavailable(f"the model endpoint answered HTTP {response.status_code}: {detail}")
    raise LLMError(f"the model endpoint answered HTTP {response.status_code}: {detail}")


def _sse_events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            event = json.loads(payload)
        except ValueError:
            continue
        if isinstance(event, dict):
            yield event


def _names(tools: list[dict[str, Any]] | None) -> set[str]:
    return {t.get("function", {}).get("name", "") for t in tools or []}


def _from_completion(data: dict[str, Any], tool_names: set[str]) -> ChatResult:
    choices = data.get("choices") or []
    if not choices:
        raise LLMError(f"the model endpoint returned no choices: {json.dumps(data, ensure_ascii=False)[:200]}")
    message = choices[0].get("message") or {}
    content, parsed = split_tool_calls(message.get("content") or "", tool_names)
    structured = []
    for call in message.get("tool_calls") or []:
        fn = call.get("function") or {}
        made = _tool_call(call.get("id", ""), fn.get("name", ""), fn.get("arguments", ""))
        if made is not None:
            structured.append(made)
    usage = data.get("usage") or {}
    return ChatResult(text=content, tool_calls=structured + parsed, model=data.get("model", ""),
                      finish_reason=choices[0].get("finish_reason") or "",
                      prompt_tokens=usage.get("prompt_tokens", 0), completion_tokens=usage.get("completion_tokens", 0))


def _tool_call(call_id: str, name: str, arguments: Any) -> ToolCallRequest | None:
    if not name:
        return None
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            arguments = {}
    return ToolCallRequest(id=call_id or "", name=name, arguments=arguments if isinstance(arguments, dict) else {})


def split_tool_calls(text: str, tool_names: set[str] | None = None) -> tuple[str, list[ToolCallRequest]]:
    """Qwen2.5's ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks taken out of ``text``.

    llama.cpp does not print Qwen's special ``<tool_call>`` tokens, so a reply that
    is nothing but such a JSON object (fenced or not) naming one of ``tool_names``
    is a tool call too.

    >>> split_tool_calls('<tool_call>{"name": "search", "arguments": {"query": "耕地"}}</tool_call>')[1][0].name
    'search'
    >>> split_tool_calls('```json {"name": "search", "arguments": {}} ```', {"search"})[1][0].name
    'search'
    """
    calls = []
    for match in _TOOL_TAG.finditer(text):
        made = _parse_call(match.group(1))
        if made is not None:
            calls.append(made)
    if calls:
        return _TOOL_TAG.sub("", text).strip(), calls
    if tool_names:
        body = text.strip()
        fenced = _FENCE.match(body)
        made = _parse_call(fenced.group(1) if fenced else body)
        if made is not None and made.name in tool_names:
            return "", [made]
    return text, calls


def _parse_call(blob: str) -> ToolCallRequest | None:
    try:
        data = json.loads(blob)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return _tool_call("", str(data.get("name", "")), data.get("arguments", {}))
