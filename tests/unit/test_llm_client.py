"""The OpenAI-compatible client against a scripted HTTP transport (the mock sits at the HTTP edge only)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import httpx
import pytest

from assistant.llm.client import LLMClient, LLMError, LLMUnavailable, split_tool_calls
from assistant.llm.models import ModelError, PackagedModel, ensure_model


def _client(handler) -> LLMClient:
    return LLMClient("http://llm.test/v1", model="m", transport=httpx.MockTransport(handler))


def _completion(content: str = "", tool_calls=None) -> dict:
    message = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {"model": "m", "choices": [{"message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3}}


def test_a_plain_completion() -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(json.loads(request.content))
        return httpx.Response(200, json=_completion("国务院[1]。"))

    reply = _client(handler).chat([{"role": "user", "content": "谁批？"}], max_tokens=9, temperature=0.0)
    assert reply.text == "国务院[1]。" and reply.prompt_tokens == 7 and reply.completion_tokens == 3
    assert seen["max_tokens"] == 9 and seen["model"] == "m" and "tools" not in seen


def test_structured_tool_calls() -> None:
    calls = [{"id": "c1", "type": "function",
              "function": {"name": "spatial_check", "arguments": json.dumps({"project_id": "P-003"})}}]
    reply = _client(lambda r: httpx.Response(200, json=_completion("", calls))).chat(
        [{"role": "user", "content": "x"}], tools=[{"type": "function", "function": {"name": "spatial_check"}}])
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("spatial_check", {"project_id": "P-003"})]


@pytest.mark.parametrize("content", [
    '<tool_call>{"name": "search", "arguments": {"query": "耕地"}}</tool_call>',
    '{"name": "search", "arguments": {"query": "耕地"}}',
    '```json\n{\n  "name": "search",\n  "arguments": {"query": "耕地"}\n}\n```',
])
def test_tool_calls_written_as_text_are_parsed(content) -> None:
    text, calls = split_tool_calls(content, {"search"})
    assert text == "" and calls[0].name == "search" and calls[0].arguments == {"query": "耕地"}


def test_json_naming_no_offered_tool_stays_text() -> None:
    text, calls = split_tool_calls('{"name": "rm", "arguments": {}}', {"search"})
    assert calls == [] and text.startswith("{")


def test_streaming_collects_text_and_first_token_time() -> None:
    events = [{"model": "m", "choices": [{"delta": {"content": p}}]} for p in ("国务", "院", "[1]。")]
    events.append({"model": "m", "choices": [{"delta": {}, "finish_reason": "stop"}]})
    body = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events) + "data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content)["stream"] is True
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    pieces: list[str] = []
    reply = _client(handler).chat([{"role": "user", "content": "x"}], on_token=pieces.append)
    assert pieces == ["国务", "院", "[1]。"] and reply.text == "国务院[1]。"
    assert reply.ttft_ms is not None and reply.finish_reason == "stop"


def test_streamed_tool_call_deltas_are_joined() -> None:
    events = [
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "a", "function": {"name": "search", "arguments": ""}}]}}]},
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"query": '}}]}}]},
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '"耕地"}'}}]}}]},
    ]
    body = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events) + "data: [DONE]\n\n"
    reply = _client(lambda r: httpx.Response(200, text=body)).chat([{"role": "user", "content": "x"}],
                                                                   on_token=lambda p: None)
    assert reply.tool_calls[0].name == "search" and reply.tool_calls[0].arguments == {"query": "耕地"}


@pytest.mark.parametrize(("status", "error"), [(400, LLMError), (500, LLMError), (503, LLMUnavailable)])
def test_http_errors(status, error) -> None:
    client = _client(lambda r: httpx.Response(status, json={"error": {"message": "context length exceeded"}}))
    with pytest.raises(error, match="context length exceeded"):
        client.chat([{"role": "user", "content": "x"}])


def test_connection_refused_is_unavailable() -> None:
    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(LLMUnavailable, match="unreachable"):
        _client(handler).chat([{"role": "user", "content": "x"}])


def test_non_json_and_empty_choices_are_errors() -> None:
    with pytest.raises(LLMError, match="non-JSON"):
        _client(lambda r: httpx.Response(200, text="<html>")).chat([{"role": "user", "content": "x"}])
    with pytest.raises(LLMError, match="no choices"):
        _client(lambda r: httpx.Response(200, json={"choices": []})).chat([{"role": "user", "content": "x"}])


def test_the_model_name_comes_from_the_endpoint_when_not_set() -> None:
    client = LLMClient("http://llm.test/v1", transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json={"data": [{"id": "qwen"}]})))
    assert client.model == "qwen"


def test_no_endpoint_is_a_clear_error() -> None:
    with pytest.raises(LLMError, match="llm.base_url"):
        LLMClient("")


# ---------------------------------------------------------------------------- model assembly

def _wheel(folder: Path, package: str, version: str, payload: bytes) -> Path:
    name = package.replace("-", "_")
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{name}/__init__.py", "")
        z.writestr(f"{name}/data/part01.bin", payload)
    return path


def _model(payloads: list[bytes], sha: str) -> PackagedModel:
    return PackagedModel(name="toy", package="toy-part{i}", version="1.0", parts=len(payloads),
                         size=sum(map(len, payloads)), sha256=sha, description="toy")


def test_parts_are_assembled_in_order_and_verified(tmp_path, monkeypatch) -> None:
    import hashlib

    import assistant.llm.models as models

    payloads = [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 3]
    whole = b"".join(payloads)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for i, p in enumerate(payloads, 1):
        _wheel(wheels, f"toy-part{i}", "1.0", p)
    monkeypatch.setitem(models.PACKAGED, "toy", _model(payloads, hashlib.sha256(whole).hexdigest()))
    path = ensure_model(tmp_path / "models", "toy", wheels_dir=wheels)
    assert path.read_bytes() == whole
    assert not list((tmp_path / "models").glob("*.partial"))
    # assembled once: a second call does not need the wheels
    assert ensure_model(tmp_path / "models", "toy", wheels_dir=tmp_path / "none") == path


def test_a_wrong_checksum_is_refused(tmp_path, monkeypatch) -> None:
    import assistant.llm.models as models

    payloads = [b"GGUF1234", b"5678"]
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for i, p in enumerate(payloads, 1):
        _wheel(wheels, f"toy-part{i}", "1.0", p)
    monkeypatch.setitem(models.PACKAGED, "toy", _model(payloads, "0" * 64))
    with pytest.raises(ModelError, match="SHA-256"):
        ensure_model(tmp_path / "models", "toy", wheels_dir=wheels)
    assert not list((tmp_path / "models").glob("toy*"))


def test_unknown_packaged_model() -> None:
    with pytest.raises(ModelError, match="unknown packaged model"):
        ensure_model(Path("/tmp"), "gpt-9")
