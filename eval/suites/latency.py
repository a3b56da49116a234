"""``latency``: how long each operation takes, p50 and p95, as the services run them (no HTTP).

Dataset (JSONL): ``{"id", "operation", "input", "repeat"?}`` with operation one of

- ``search`` / ``search_bm25`` / ``search_vector``: ``input`` is the query (hybrid / BM25 / vectors, k = 10, admin);
- ``check``: ``input`` is a project JSON object, or the path of a project file relative to the dataset file;
- ``extract``: ``input`` is the path of a planning-conditions document relative to the dataset file (patterns only);
- ``ask``: ``input`` is a question, answered as the public role by the workspace's model (time to first token too).

Each item runs once to warm up (not timed) and then ``repeat`` times (default 3); every timed call is a
sample.  ``ask`` items are not warmed up with their own question (the server would answer a cached prompt):
the model is started once with a question of its own before the first, and ``repeat`` should stay 1.  Metrics per operation: ``<op>.p50_ms``, ``<op>.p95_ms``, ``<op>.n`` (samples), and
``ask.ttft_p50_ms`` / ``ask.ttft_p95_ms``.  A call that fails is counted in ``errors`` and its item is
marked incorrect; the others go on.  The workspace must hold what the operations need (documents, layers).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.access import Role
from eval.contract import ROOT, Prediction
from eval.jsonl import read_jsonl
from eval.metrics import percentile
from eval.suites.base import Context, Dataset, Outcome

Operation = Literal["search", "search_bm25", "search_vector", "check", "extract", "ask"]
_SEARCH_MODES = {"search": "hybrid", "search_bm25": "bm25", "search_vector": "vector"}


class LatencyItem(BaseModel):
    id: str = Field(min_length=1)
    operation: Operation
    input: str | dict[str, Any]
    repeat: int = Field(3, ge=1, le=100)


def _file_input(item: LatencyItem, base: Path) -> str | None:
    if item.operation in ("check", "extract") and isinstance(item.input, str):
        if not (base / item.input).is_file():
            return f"{item.operation} input {item.input!r} is not a file next to the dataset"
    elif item.operation != "check" and not isinstance(item.input, str):
        return f"{item.operation} takes a text input"
    return None


def _call(item: LatencyItem, base: Path, container) -> Callable[[], dict[str, Any]]:
    """The timed call for one item; it returns what to keep as the prediction."""
    op, given = item.operation, item.input
    if op in _SEARCH_MODES:
        def search():
            hits = container.search.search(given, k=10, role=Role.ADMIN, mode=_SEARCH_MODES[op]).hits
            return {"hits": [f"{h.doc_title} {h.locator}" for h in hits[:3]]}
        return search
    if op == "check":
        from spatial.project import parse_project

        data = given if isinstance(given, dict) else json.loads((base / given).read_text(encoding="utf-8"))

        def check():
            verdict = container.checks.check(parse_project(data), role=Role.ADMIN)
            return {"overall": verdict.overall.value}
        return check
    if op == "extract":
        from assistant.extraction import extract

        def run_extract():
            return {"parcels": len(extract(base / given).parcels)}
        return run_extract

    def ask():
        answer = container.qa.ask(given, role=Role.PUBLIC, on_token=lambda _piece: None)
        return {"grounded": answer.grounded, "citations": len(answer.citations), "ttft_ms": answer.ttft_ms}
    return ask


def _warm_model(container) -> None:
    """Start the model with a question of its own: warming up with the item's question would leave its prompt in
    the server's cache and time a cached prefill."""
    container.qa.ask("土地管理法的立法目的是什么？", role=Role.PUBLIC, on_token=lambda _piece: None)


def _stats(samples: list[float]) -> dict[str, float | int | None]:
    return {"n": len(samples), "p50_ms": percentile(samples, 50) if samples else None,
            "p95_ms": percentile(samples, 95) if samples else None,
            "mean_ms": round(sum(samples) / len(samples), 1) if samples else None}


class LatencySuite:
    name = "latency"
    title = "时延：各操作的 p50 / p95（检索、审查、抽取、问答）"
    needs_model = False  # only the ask operation needs it

    def default_dataset(self) -> Path | None:
        return ROOT / "eval" / "data" / "latency.jsonl"

    def load(self, path: Path) -> Dataset:
        base = Path(path).parent
        items, malformed = read_jsonl(path, LatencyItem, check=lambda item: _file_input(item, base))
        return Dataset(path=Path(path), items=items, malformed=malformed)

    def run(self, dataset: Dataset, ctx: Context) -> Outcome:
        container = ctx.container()
        base = dataset.path.parent
        samples: dict[str, list[float]] = {}
        ttft: list[float] = []
        predictions, errors, asked = [], 0, False
        items: list[LatencyItem] = dataset.items
        for done, item in enumerate(items, start=1):
            times, result, error = [], None, None
            try:
                call = _call(item, base, container)
                if item.operation != "ask":
                    call()  # warm-up: first-use costs (index open, caches) are not latency
                elif not asked:
                    _warm_model(container)
                    asked = True
                for _ in range(item.repeat):
                    t0 = time.perf_counter()
                    result = call()
                    times.append(round((time.perf_counter() - t0) * 1000, 1))
                    if result.get("ttft_ms") is not None:
                        ttft.append(float(result["ttft_ms"]))
            except Exception as exc:  # noqa: BLE001 - any failure of the operation is a measured error
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                errors += 1
            samples.setdefault(item.operation, []).extend(times)
            predictions.append(Prediction(
                id=item.id, operation=item.operation, prediction=result, gold=None, correct=error is None,
                latency_ms=percentile(times, 50) if times else None, samples_ms=times, error=error))
            ctx.tick(done, len(items))
        per_op = {op: _stats(values) for op, values in samples.items()}
        metrics: dict[str, float | int | None] = {"errors": errors}
        for op, stats in per_op.items():
            metrics.update({f"{op}.p50_ms": stats["p50_ms"], f"{op}.p95_ms": stats["p95_ms"], f"{op}.n": stats["n"]})
        if ttft:
            metrics.update({"ask.ttft_p50_ms": percentile(ttft, 50), "ask.ttft_p95_ms": percentile(ttft, 95)})
        model = container.llm.model_name() if "ask" in samples else None
        return Outcome(metrics=metrics, predictions=predictions, per_subject=per_op, model=model,
                       notes=["Each item is warmed up once, then timed `repeat` times; a prediction's latency_ms "
                              "is its median, samples_ms lists every timed call."])


SUITE = LatencySuite()
