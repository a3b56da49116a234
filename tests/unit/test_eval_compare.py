"""Comparing two run folders (eval/compare.py) and `onemap eval compare`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.compare import compare_runs, direction, render
from eval.contract import Prediction, Results, RunFolderError, RunInfo, write_run


def make_run(folder: Path, metrics: dict, *, suite: str = "mcq", n: int = 80, per_subject: dict | None = None,
             baselines: dict | None = None, predictions: list[Prediction] | None = None, **run) -> Path:
    info = {"commit": "abc123", "model": "qwen2.5-7b-instruct", "settings_hash": "s1", "dataset": "/data/x.jsonl",
            "dataset_hash": "d1", "started_at": "2026-11-24T03:45:11+00:00", **run}
    results = Results(suite=suite, n=n, metrics=metrics, per_subject=per_subject or {}, baselines=baselines or {},
                      run=RunInfo(**info))
    write_run(folder, results, predictions or [])
    return folder


def flagged(comparison) -> set[tuple[str, str]]:
    return {(d.scope, d.name) for d in comparison.regressions}


def test_directions():
    assert [direction(m) for m in ("accuracy", "ndcg@10", "citation_precision", "refusal_rate")] == ["higher"] * 4
    assert [direction(m) for m in ("search.p95_ms", "ask.ttft_p50_ms", "seconds_s", "errors", "unparsed",
                                   "false_refusals", "missing", "documents_failed")] == ["lower"] * 8
    assert [direction(m) for m in ("n", "search.n", "malformed", "n_multi", "documents", "with_evidence")] == \
        ["neutral"] * 6


def test_flags_a_drop_in_accuracy_and_a_latency_growth(tmp_path: Path):
    a = make_run(tmp_path / "a", {"accuracy": 0.80, "f1": 0.70, "search.p50_ms": 100.0, "search.n": 9})
    b = make_run(tmp_path / "b", {"accuracy": 0.74, "f1": 0.72, "search.p50_ms": 125.0, "search.n": 12})
    c = compare_runs(a, b)
    assert flagged(c) == {("metrics", "accuracy"), ("metrics", "search.p50_ms")}
    accuracy = next(d for d in c.diffs if d.name == "accuracy")
    assert accuracy.delta == pytest.approx(-0.06) and accuracy.better == "higher"
    assert next(d for d in c.diffs if d.name == "f1").improved
    text = render(c)
    assert text.count("REGRESSION") == 2 and "better" in text
    assert "+25 (+25%)" in text
    assert "2 regressions" in text


def test_small_changes_within_tolerance_are_not_flagged(tmp_path: Path):
    a = make_run(tmp_path / "a", {"accuracy": 0.80, "search.p50_ms": 100.0, "check.p50_ms": 1.4, "errors": 1})
    b = make_run(tmp_path / "b", {"accuracy": 0.795, "search.p50_ms": 109.0, "check.p50_ms": 4.0, "errors": 1})
    c = compare_runs(a, b)
    assert c.regressions == [] and not any(d.improved for d in c.diffs)
    assert "REGRESSION" not in render(c) and "0 regressions" in render(c)
    assert flagged(compare_runs(a, b, tolerance=0.001, latency_tolerance=0.05)) == {("metrics", "accuracy"),
                                                                                   ("metrics", "search.p50_ms")}


def test_failure_counts_regress_when_they_grow_unknown_counts_never_and_missing_metrics_are_listed(tmp_path: Path):
    a = make_run(tmp_path / "a", {"accuracy": 0.5, "errors": 0, "old_only": 0.3, "a_count": 40})
    b = make_run(tmp_path / "b", {"accuracy": 0.5, "errors": 1, "new_only": 0.1, "a_count": 30})
    c = compare_runs(a, b)
    assert flagged(c) == {("metrics", "errors")}
    missing = {d.name: (d.a, d.b, d.delta) for d in c.diffs if d.name.endswith("_only")}
    assert missing == {"old_only": (0.3, None, None), "new_only": (None, 0.1, None)}


def test_baselines_and_subjects_with_enough_items(tmp_path: Path):
    subjects_a = {"法规": {"n": 12, "accuracy": 0.6}, "相关知识": {"n": 4, "accuracy": 0.75}}
    subjects_b = {"法规": {"n": 12, "accuracy": 0.4}, "相关知识": {"n": 4, "accuracy": 0.25}}
    a = make_run(tmp_path / "a", {"accuracy": 0.6}, per_subject=subjects_a, baselines={"model_alone": {"accuracy": 0.5}})
    b = make_run(tmp_path / "b", {"accuracy": 0.6}, per_subject=subjects_b, baselines={"model_alone": {"accuracy": 0.3}})
    c = compare_runs(a, b)
    assert flagged(c) == {("baseline:model_alone", "accuracy"), ("subject:法规", "accuracy")}
    small = next(d for d in c.diffs if d.scope == "subject:相关知识" and d.name == "accuracy")
    assert small.delta == pytest.approx(-0.5) and not small.regression  # n = 4: listed, not flagged
    assert "subject:相关知识" in render(c)


def test_fixed_and_broken_items_matched_by_id(tmp_path: Path):
    def preds(flags: dict[str, bool | None]) -> list[Prediction]:
        return [Prediction(id=i, correct=f) for i, f in flags.items()]

    a = make_run(tmp_path / "a", {"accuracy": 0.5}, predictions=preds(
        {"q1": True, "q2": False, "q3": True, "q4": False, "q6": None, "q7": False}))
    b = make_run(tmp_path / "b", {"accuracy": 0.5}, predictions=preds(
        {"q2": True, "q1": False, "q3": True, "q5": True, "q6": True, "q7": False}))
    c = compare_runs(a, b)
    assert (c.fixed, c.broken) == (["q2"], ["q1"])
    assert c.counts == {"fixed": 1, "broken": 1, "both_right": 1, "both_wrong": 1, "only_in_a": 1, "only_in_b": 1}
    text = render(c)
    assert "fixed (wrong in A, right in B): 1: q2" in text and "broken (right in A, wrong in B): 1: q1" in text
    assert any("1 items only in A and 1 only in B" in w for w in c.warnings)


def test_render_lists_the_first_twenty_ids(tmp_path: Path):
    a = make_run(tmp_path / "a", {"accuracy": 1.0}, predictions=[Prediction(id=f"q{i:02d}", correct=True)
                                                                  for i in range(25)])
    b = make_run(tmp_path / "b", {"accuracy": 0.0}, predictions=[Prediction(id=f"q{i:02d}", correct=False)
                                                                  for i in range(25)])
    line = next(x for x in render(compare_runs(a, b)).splitlines() if x.startswith("broken"))
    assert line.startswith("broken (right in A, wrong in B): 25, first 20: q00, q01")
    assert line.endswith("q19")


def test_refuses_different_suites(tmp_path: Path):
    a = make_run(tmp_path / "a", {"accuracy": 0.5})
    b = make_run(tmp_path / "b", {"recall@5": 0.5}, suite="retrieval")
    with pytest.raises(RunFolderError, match="cannot compare a mcq run .* with a retrieval run"):
        compare_runs(a, b)


def test_warns_on_a_different_dataset_and_notes_the_model(tmp_path: Path):
    a = make_run(tmp_path / "a", {"accuracy": 0.5})
    b = make_run(tmp_path / "b", {"accuracy": 0.5}, n=70, dataset_hash="d2", model="qwen2.5-coder-1.5b",
                 settings_hash="s2")
    c = compare_runs(a, b)
    assert any("different datasets (hash d1 vs d2)" in w for w in c.warnings)
    assert any("n = 80 vs 70" in w for w in c.warnings)
    assert c.context == ["model: qwen2.5-7b-instruct → qwen2.5-coder-1.5b", "settings: s1 → s2"]
    text = render(c)
    assert "warning: different datasets" in text and "differs: model:" in text
    assert compare_runs(a, a).warnings == [] and compare_runs(a, a).context == []


def test_a_folder_without_results_is_an_error(tmp_path: Path):
    a = make_run(tmp_path / "a", {"accuracy": 0.5})
    with pytest.raises(RunFolderError, match="no results.json"):
        compare_runs(a, tmp_path)


# --- the command ---------------------------------------------------------------------------------------------


@pytest.fixture
def cli():
    from assistant.cli import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["eval", "compare", *map(str, args)])


def test_cli_prints_the_regression_and_fails_on_request(tmp_path: Path, cli):
    a = make_run(tmp_path / "a", {"accuracy": 0.80})
    b = make_run(tmp_path / "b", {"accuracy": 0.70})
    plain = cli(a, b)
    assert plain.exit_code == 0, plain.output
    assert "REGRESSION" in plain.stdout
    failing = cli(a, b, "--fail-on-regression")
    assert failing.exit_code == 1 and "REGRESSION" in failing.stdout
    assert cli(a, b, "--fail-on-regression", "--tolerance", "0.2").exit_code == 0
    data = json.loads(cli(a, b, "--json").stdout)
    assert [(d["name"], d["regression"]) for d in data["regressions"]] == [("accuracy", True)]


def test_cli_exits_2_with_one_line_for_a_folder_without_results(tmp_path: Path, cli):
    a = make_run(tmp_path / "a", {"accuracy": 0.80})
    (tmp_path / "empty").mkdir()
    result = cli(a, tmp_path / "empty")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: ") and "no results.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
