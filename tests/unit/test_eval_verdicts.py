"""The ``verdicts`` eval suite: the demo county and the synthetic scenarios, planted errors, bad input."""

from __future__ import annotations

import doctest
import json
import shutil
from pathlib import Path

import pytest

import eval.suites.verdicts as suite_mod
from eval.contract import read_predictions
from eval.runner import EvalInputError, run

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo"
SYNTHETIC = REPO / "eval" / "data" / "verdicts"
LABELS = ["pass", "unknown", "conditional", "fail"]


def go(settings, container, tmp_path: Path, dataset: Path | None, **kw):
    out = tmp_path / "run"
    results = run("verdicts", out=out, settings=settings, container=lambda: container, dataset=dataset,
                  report=False, **kw)
    return results, {p.id: p for p in read_predictions(out)}


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """A copy of the demo county as a scenario folder."""
    folder = tmp_path / "demo"
    shutil.copytree(DEMO / "layers", folder / "layers")
    shutil.copytree(DEMO / "projects", folder / "projects")
    shutil.copy(DEMO / "expected.jsonl", folder / "expected.jsonl")
    return folder


def expected_lines(folder: Path) -> list[dict]:
    return [json.loads(t) for t in (folder / "expected.jsonl").read_text(encoding="utf-8").splitlines()
            if t.strip() and not t.startswith("//")]


def write_expected(folder: Path, rows: list[dict | str]) -> None:
    text = "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows)
    (folder / "expected.jsonl").write_text(text + "\n", encoding="utf-8")


def diagonal(matrix: list[list[int]]) -> bool:
    return all(v == 0 for i, row in enumerate(matrix) for j, v in enumerate(row) if i != j)


def test_demo_county_is_the_default_and_every_expectation_holds(settings, container, tmp_path):
    assert suite_mod.SUITE.default_dataset() == DEMO
    results, preds = go(settings, container, tmp_path, None)
    m = results.metrics
    assert (m["accuracy"], m["overall_accuracy"], m["project_accuracy"]) == (1.0, 1.0, 1.0)
    assert (results.n, m["n_projects"], m["n_checks"], m["missing"]) == (12, 12, 108, 0)
    conf = results.tables["confusion"]
    assert conf["labels"] == LABELS and diagonal(conf["matrix"])
    assert sum(map(sum, conf["matrix"])) == 108 and all(conf["matrix"][i][i] for i in range(4))
    assert diagonal(results.tables["confusion_overall"]["matrix"])
    assert set(results.per_subject) == set(expected_lines(DEMO)[0]["checks"]) | {"overall"}
    assert results.malformed["count"] == 0 and any("county_boundary" in n for n in results.notes)
    p3 = preds["P-003"]
    assert p3.correct and p3.overall == p3.overall_gold == "fail" and p3.gold["far"] == "fail"
    assert p3.prediction["height"] == "fail" and p3.latency_ms is not None and p3.wrong == []
    # the statuses of the README table (tests/unit/test_demo_data.py) are the expected overall verdicts
    labels = {"pass": "符合", "fail": "不符合", "conditional": "有条件"}
    readme = {p.id: labels[p.overall_gold] for p in preds.values()}
    from tests.unit.test_demo_data import EXPECTED_VERDICTS
    assert readme == EXPECTED_VERDICTS


def test_planted_wrong_expectation_is_an_off_diagonal_cell_and_a_wrong_line(settings, container, tmp_path,
                                                                            scenario):
    rows = expected_lines(scenario)
    rows[2]["checks"]["far"] = "pass"  # P-003's FAR 3.2 > 2.8 really fails
    write_expected(scenario, rows)
    results, preds = go(settings, container, tmp_path, scenario)
    assert results.metrics["accuracy"] == round(107 / 108, 4)
    assert results.metrics["overall_accuracy"] == 1.0 and results.metrics["project_accuracy"] == round(11 / 12, 4)
    matrix = results.tables["confusion"]["matrix"]
    assert matrix[LABELS.index("pass")][LABELS.index("fail")] == 1
    off = [(i, j) for i, row in enumerate(matrix) for j, v in enumerate(row) if i != j and v]
    assert off == [(LABELS.index("pass"), LABELS.index("fail"))]
    assert results.per_subject["far"]["accuracy"] == round(11 / 12, 4)
    p3 = preds["P-003"]
    assert p3.correct is False and p3.wrong == ["far"] and p3.gold["far"] == "pass"
    assert p3.prediction["far"] == "fail"
    assert all(p.correct for pid, p in preds.items() if pid != "P-003")


def test_wrong_overall_and_chinese_labels(settings, container, tmp_path, scenario):
    rows = expected_lines(scenario)
    rows[0]["overall"] = "不符合"  # P-001 is compliant
    rows[1]["checks"] = {"permanent_basic_farmland": "不符合"}  # P-002: only one check, as a label
    write_expected(scenario, rows)
    results, preds = go(settings, container, tmp_path, scenario)
    assert results.metrics["n_checks"] == 108 - 8 and results.metrics["accuracy"] == 1.0
    assert results.metrics["overall_accuracy"] == round(11 / 12, 4)
    overall = results.tables["confusion_overall"]["matrix"]
    assert overall[LABELS.index("fail")][LABELS.index("pass")] == 1
    assert preds["P-001"].wrong == ["overall"] and preds["P-002"].gold == {"permanent_basic_farmland": "fail"}


def test_malformed_expected_lines_are_reported_with_their_numbers(settings, container, tmp_path, scenario):
    rows: list = expected_lines(scenario)
    rows[4:4] = ["{not json", {"project": "P-099", "overall": "pass"}, {"project": "P-001", "checks": {"farr": "pass"}},
                 {"project": "P-001", "overall": "maybe"}, {"project": "P-001"}, rows[0]]
    write_expected(scenario, rows)
    results, preds = go(settings, container, tmp_path, scenario)
    bad = {m["line"]: m["reason"] for m in results.malformed["lines"]}
    assert set(bad) == {5, 6, 7, 8, 9, 10}
    assert "not JSON" in bad[5] and "P-099" in bad[6] and "farr" in bad[7] and "overall" in bad[8]
    assert "overall" in bad[9] and "duplicate" in bad[10]
    assert all(m["file"].endswith("expected.jsonl") for m in results.malformed["lines"])
    assert results.n == 12 and results.metrics["accuracy"] == 1.0 and len(preds) == 12


def test_unreadable_project_file_is_reported_and_the_rest_checked(settings, container, tmp_path, scenario):
    (scenario / "projects" / "P-005.json").write_text('{"id": "P-005",\n "geometry": }\n', encoding="utf-8")
    (scenario / "projects" / "P-006.json").write_text('{"id": "P-006"}', encoding="utf-8")  # no geometry
    results, preds = go(settings, container, tmp_path, scenario)
    bad = {Path(m["file"]).name: m for m in results.malformed["lines"]}
    assert set(bad) == {"P-005.json", "P-006.json"}
    assert bad["P-005.json"]["line"] == 2 and bad["P-006.json"]["line"] == 0
    assert "geometry" in bad["P-006.json"]["reason"]
    assert results.n == 10 and "P-005" not in preds and results.metrics["accuracy"] == 1.0


def test_missing_layer_makes_checks_unknown_and_shows_as_errors(settings, container, tmp_path, scenario):
    (scenario / "layers" / "permanent_basic_farmland.geojson").unlink()
    results, preds = go(settings, container, tmp_path, scenario)
    assert preds["P-007"].prediction["permanent_basic_farmland"] == "unknown"
    assert results.per_subject["permanent_basic_farmland"]["accuracy"] == 0.0  # unknown is never pass
    matrix = results.tables["confusion"]["matrix"]
    assert matrix[LABELS.index("pass")][LABELS.index("unknown")] == 10
    assert matrix[LABELS.index("fail")][LABELS.index("unknown")] == 1
    assert matrix[LABELS.index("conditional")][LABELS.index("unknown")] == 1


def test_bad_layer_file_is_malformed_line_zero(settings, container, tmp_path, scenario):
    (scenario / "layers" / "management_units.geojson").write_text("not geojson", encoding="utf-8")
    results, preds = go(settings, container, tmp_path, scenario)
    (bad,) = results.malformed["lines"]
    assert bad["line"] == 0 and bad["file"].endswith("management_units.geojson")
    assert preds["P-011"].prediction["unit_balance"] == "unknown" and not preds["P-011"].correct


def test_folder_of_scenarios_prefixes_ids(settings, container, tmp_path):
    results, preds = go(settings, container, tmp_path, SYNTHETIC)
    assert results.metrics["accuracy"] == 1.0 and results.metrics["overall_accuracy"] == 1.0
    assert "town/T-01" in preds and "partial_layers/Q-02" in preds and results.malformed["count"] == 0
    assert preds["town/T-01"].scenario == "town"
    assert preds["partial_layers/Q-02"].gold == {"permanent_basic_farmland": "fail",
                                                 "urban_development_boundary": "unknown"}
    assert diagonal(results.tables["confusion"]["matrix"])


def test_limit_samples_projects(settings, container, tmp_path):
    results, preds = go(settings, container, tmp_path, DEMO, limit=3)
    assert results.n == 3 and len(preds) == 3 and results.metrics["n_projects"] == 3


def test_expected_file_path_is_accepted_and_no_scenario_is_an_error(settings, container, tmp_path, scenario):
    results, _ = go(settings, container, tmp_path, scenario / "expected.jsonl")
    assert results.n == 12
    (tmp_path / "empty").mkdir()
    with pytest.raises(EvalInputError, match="expected.jsonl"):
        go(settings, container, tmp_path, tmp_path / "empty")


def test_docstring_examples():
    result = doctest.testmod(suite_mod)
    assert result.failed == 0 and result.attempted > 0
