"""A smoke subset of every evaluation suite through ``onemap eval run``, end to end (issue 8).

One small real workspace: two laws of ../shared/corpus ingested, the demo layers imported, the packaged
0.5B model served by llama.cpp. Each suite runs on a few items and must write the run folder contract
(results.json, predictions.jsonl, report.md, report.html) with its run record; ``eval compare`` reads two
of them. The figures are checked only where a few items make them certain (found passages, verdicts,
extraction), the model's answers only for their form.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from eval.contract import PREDICTIONS, RESULTS

ROOT = Path(__file__).resolve().parents[2]
LAWS = ("laws/行政法/土地管理法(2019-08-26).md", "laws/行政法规/土地管理法实施条例(2021-07-02).md")
SMALL = "qwen2.5-coder-0.5b-instruct"


@pytest.fixture(scope="module")
def small_model() -> Path:
    from assistant.llm.server import llama_cpp_installed

    if not llama_cpp_installed():
        message = "llama-cpp-python is not installed (run `make llm`)"
        if os.environ.get("ONEMAP_REQUIRE_LLM"):
            pytest.fail(message)
        pytest.skip(message)
    from assistant.llm.models import ensure_model

    return ensure_model(ROOT / "workspace" / "models", SMALL)


@pytest.fixture(scope="module")
def env(tmp_path_factory, small_model) -> dict[str, str]:
    from assistant.container import Container
    from assistant.settings import load_settings
    from demo.build import import_layers
    from tests.conftest import SHARED

    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"../shared/corpus is not present at {corpus}")
    environ = {"ONEMAP_HOME": str(tmp_path_factory.mktemp("eval") / "workspace"), "ONEMAP_PROFILE": "test",
               "ONEMAP__LLM__MODEL_PATH": str(small_model), "ONEMAP__LLM__N_CTX": "4096"}
    c = Container(load_settings("test", environ=environ))
    try:
        report = c.ingest.ingest([corpus / law for law in LAWS])
        assert not report.failed, report.failed
        import_layers(c)
    finally:
        c.close()
    return environ


def run(env: dict[str, str], *args: str) -> dict:
    """``onemap eval run ARGS --out DIR``; the folder's results.json, checked against the contract."""
    out = Path(env["ONEMAP_HOME"]).parent / "runs" / "-".join(a.strip("-").replace("/", "_") for a in args[:3])
    result = CliRunner().invoke(app, ["eval", "run", *args, "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    results = json.loads((out / RESULTS).read_text(encoding="utf-8"))
    assert {"suite", "n", "metrics", "per_subject", "run"} <= results.keys()
    record = results["run"]
    assert record["commit"] and record["settings_hash"] and len(record["dataset_hash"]) == 16
    predictions = [json.loads(line) for line in (out / PREDICTIONS).read_text(encoding="utf-8").splitlines()]
    assert predictions, "one line per item"
    for p in predictions:
        assert {"id", "prediction", "gold", "correct", "latency_ms"} <= p.keys()
    for name in ("report.md", "report.html"):
        assert (out / name).stat().st_size > 500
    assert "<svg" in (out / "report.html").read_text(encoding="utf-8")
    results["_folder"] = out
    results["_predictions"] = predictions
    return results


def land_law_questions(tmp: Path) -> Path:
    """The retrieval gold questions whose passages are all in the two ingested laws."""
    titles = {"土地管理法", "土地管理法实施条例"}
    lines = [line for line in (ROOT / "bench/data/retrieval_gold.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip() and all(g["doc_title"] in titles for g in json.loads(line)["gold"])]
    path = tmp / "retrieval.jsonl"
    path.write_text("\n".join(lines[:6]) + "\n{not json\n", encoding="utf-8")
    return path


def test_retrieval_finds_the_gold_articles_and_reports_the_bad_line(env, tmp_path) -> None:
    results = run(env, "retrieval", "--dataset", str(land_law_questions(tmp_path)))
    assert results["n"] == 6 and results["malformed"]["count"] == 1
    assert results["malformed"]["lines"][0]["line"] == 7
    assert results["metrics"]["recall@10"] >= 0.8
    assert set(results["baselines"]) == {"bm25", "vector"}


def test_mcq_on_both_formats(env) -> None:
    from tests.conftest import SHARED

    ceval = run(env, "mcq", "--dataset", str(SHARED / "eval/ceval_urban_and_rural_planner/urban_and_rural_planner_val.csv"),
                "--limit", "3")
    assert ceval["n"] == 3 and "model_alone" in ceval["baselines"]
    assert ceval["run"]["model"]
    assert all(p["prediction"] == "" or set(p["prediction"]) <= set("ABCD") for p in ceval["_predictions"])
    exams = run(env, "mcq", "--dataset", str(SHARED / "eval/planner_exams_2012_2021.jsonl"), "--limit", "3",
                "--no-baseline")
    assert exams["n"] == 3 and exams["baselines"] == {} and exams["per_subject"]


def test_qa_answers_and_refusals(env) -> None:
    results = run(env, "qa", "--limit", "3")
    assert results["n"] == 3
    assert {"key_fact_recall", "citation_precision", "citation_recall", "groundedness", "refusal_rate"} \
        <= results["metrics"].keys()


def test_extraction_scores_the_gold(env) -> None:
    results = run(env, "extraction", "--limit", "3")
    assert results["n"] == 3 and results["metrics"]["f1"] >= 0.95


def test_verdicts_of_the_demo_county_and_compare(env) -> None:
    a = run(env, "verdicts")
    assert a["n"] == 12 and a["metrics"]["accuracy"] == 1.0
    assert a["tables"]["confusion"]["labels"]
    b = run(env, "verdicts", "--dataset", "demo")
    result = CliRunner().invoke(app, ["eval", "compare", str(a["_folder"]), str(b["_folder"]),
                                      "--fail-on-regression"], env=env)
    assert result.exit_code == 0, result.output
    assert "REGRESSION" not in result.output


def test_latency_of_each_operation(env, tmp_path) -> None:
    dataset = tmp_path / "latency.jsonl"
    project = ROOT / "demo/projects/P-003.json"
    dataset.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"id": "s1", "operation": "search", "input": "永久基本农田转为建设用地由谁批准"},
        {"id": "b1", "operation": "search_bm25", "input": "临时用地期限"},
        {"id": "c1", "operation": "check", "input": str(project)},
        {"id": "a1", "operation": "ask", "input": "永久基本农田转为建设用地由谁批准？", "repeat": 1},
    ]) + "\n", encoding="utf-8")
    results = run(env, "latency", "--dataset", str(dataset))
    metrics = results["metrics"]
    assert metrics["errors"] == 0, results["_predictions"]
    assert metrics["search.n"] == 3 and metrics["check.n"] == 3 and metrics["ask.n"] == 1
    assert metrics["check.p50_ms"] < metrics["ask.p50_ms"]
