"""``/eval/runs``: the suites of ``onemap eval run`` in the background (verdicts with no model, mcq with the fake
one), followed to their results, report and predictions, kept on disk; datasets only by name, as ``/eval/suites``
lists them."""

from __future__ import annotations

import json
import threading
import time

import pytest

from assistant.access import Role


def wait_done(api, run_id: str, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = api.client.get(f"/eval/runs/{run_id}", headers=api.headers(Role.REVIEWER))
        assert got.status_code == 200, got.text
        if got.json()["status"] not in ("queued", "running"):
            return got.json()
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish in {timeout_s} s")


def start(api, body: dict, role: Role = Role.REVIEWER) -> dict:
    got = api.client.post("/eval/runs", json=body, headers=api.headers(role))
    assert got.status_code == 202, got.text
    run = got.json()
    assert got.headers["location"] == f"/eval/runs/{run['run_id']}"
    assert run["status"] in ("queued", "running") and run["results"] is None
    return run


def test_the_suites_are_listed_with_the_datasets_a_run_may_name(api) -> None:
    from eval import suites
    from eval.runs import DATASETS

    got = api.client.get("/eval/suites", headers=api.headers(Role.REVIEWER))
    assert got.status_code == 200, got.text
    listed = got.json()
    assert [s["name"] for s in listed] == list(suites.NAMES) == list(DATASETS)
    by_name = {s["name"]: s for s in listed}
    for name, suite in by_name.items():
        assert suite["title"] == suites.get(name).title and suite["needs_model"] is suites.get(name).needs_model
        assert suite["datasets"] == list(DATASETS[name]) and suite["datasets"]
    assert by_name["verdicts"]["datasets"] == ["demo", "synthetic"] and by_name["verdicts"]["needs_model"] is False
    assert by_name["mcq"]["datasets"][0] == "ceval_val" and by_name["mcq"]["needs_model"] is True
    assert by_name["mcq"]["default_limit"] == 20 and by_name["verdicts"]["default_limit"] is None
    # the first dataset is the one a run without "dataset" gets (see the verdicts run below: "demo")
    assert api.client.get("/eval/suites", headers=api.headers(Role.ADMIN)).json() == listed


def test_the_suites_follow_the_services_datasets(api, monkeypatch) -> None:
    service = api.client.app.state.eval_runs
    monkeypatch.setattr(service, "datasets", {**service.datasets, "verdicts": {"synthetic": None}})
    listed = {s["name"]: s for s in api.client.get("/eval/suites", headers=api.headers(Role.REVIEWER)).json()}
    assert listed["verdicts"]["datasets"] == ["synthetic"]


def test_the_suites_name_the_datasets_missing_on_the_server(api, monkeypatch, tmp_path) -> None:
    service = api.client.app.state.eval_runs
    monkeypatch.setattr(service, "datasets", {**service.datasets,
                                              "mcq": {"ceval_val": tmp_path / "gone.csv", "exams": tmp_path / "no.jsonl"},
                                              "verdicts": {"demo": None, "synthetic": tmp_path / "nowhere"}})
    listed = {s["name"]: s for s in api.client.get("/eval/suites", headers=api.headers(Role.REVIEWER)).json()}
    assert listed["mcq"]["missing"] == ["ceval_val", "exams"]
    assert listed["verdicts"]["missing"] == ["synthetic"]  # demo (the suite's own default) is in the repository
    assert listed["extraction"]["missing"] == []
    got = api.client.post("/eval/runs", json={"suite": "mcq", "dataset": "exams"}, headers=api.headers(Role.REVIEWER))
    assert got.status_code == 503 and "not found" in got.json()["message"]


def test_a_verdicts_run_is_followed_to_its_results_report_and_predictions(api) -> None:
    run = start(api, {"suite": "verdicts"})
    assert run["dataset"] == "demo" and run["limit"] is None and run["actor"] == "test-reviewer"
    assert run["items"] == 12  # demo/expected.jsonl

    done = wait_done(api, run["run_id"])
    assert done["status"] == "done", done["error"]
    assert done["metrics"]["accuracy"] == 1.0 and done["results"]["metrics"] == done["metrics"]
    assert done["done"] == done["total"] == 12 and done["model"] is None
    results = done["results"]
    assert results["suite"] == "verdicts" and results["n"] == 12 and results["per_subject"]
    assert results["run"]["dataset"].endswith("demo") and len(results["run"]["dataset_hash"]) == 16

    folder = api.container.settings.workspace / "eval_runs" / run["run_id"]
    assert json.loads((folder / "state.json").read_text(encoding="utf-8"))["status"] == "done"
    assert {"results.json", "predictions.jsonl", "report.md", "report.html"} <= {p.name for p in folder.iterdir()}

    report = api.client.get(f"/eval/runs/{run['run_id']}/report", headers=api.headers(Role.ADMIN))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "<svg" in report.text and "default-src 'none'" in report.headers["content-security-policy"]

    got = api.client.get(f"/eval/runs/{run['run_id']}/predictions", headers=api.headers(Role.REVIEWER))
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/x-ndjson")
    assert f"verdicts-{run['run_id']}-predictions.jsonl" in got.headers["content-disposition"]
    rows = [json.loads(line) for line in got.text.splitlines()]
    assert len(rows) == 12 and all(r["correct"] and {"id", "prediction", "gold", "latency_ms"} <= r.keys()
                                   for r in rows)

    listed = api.client.get("/eval/runs", headers=api.headers(Role.ADMIN))
    assert listed.status_code == 200
    mine = next(r for r in listed.json() if r["run_id"] == run["run_id"])
    assert mine["status"] == "done" and "results" not in mine


def test_an_mcq_run_answers_with_the_model_and_its_baseline(api) -> None:
    from eval.datasets import CEVAL_VAL

    if not CEVAL_VAL.is_file():
        pytest.skip(f"{CEVAL_VAL} is not present (../shared beside the repository)")
    run = start(api, {"suite": "mcq", "limit": 2}, role=Role.ADMIN)
    assert run["dataset"] == "ceval_val" and run["items"] == 2 and run["actor"] == "test-admin"

    done = wait_done(api, run["run_id"])
    assert done["status"] == "done", done["error"]
    assert done["model"] == "fake" and done["results"]["run"]["model"] == "fake"
    assert done["done"] == done["total"] == 4  # each question with excerpts, then by the model alone
    results = done["results"]
    assert results["n"] == 2 and "accuracy" in results["metrics"] and "model_alone" in results["baselines"]
    assert results["run"]["limit"] == 2 and results["run"]["options"]["baseline"] is True

    got = api.client.get(f"/eval/runs/{run['run_id']}/predictions", headers=api.headers(Role.REVIEWER))
    assert got.status_code == 200 and len(got.text.splitlines()) == 2


@pytest.mark.parametrize("body", [
    {}, {"suite": "gaokao"}, {"suite": "mcq", "dataset": "gold"}, {"suite": "verdicts", "dataset": "nope"},
    {"suite": "verdicts", "dataset": "../../demo"}, {"suite": "mcq", "dataset": "/etc/passwd"},
    {"suite": "verdicts", "dataset_path": "/etc"}, {"suite": "mcq", "limit": 0}, {"suite": "mcq", "limit": 100000},
    {"suite": "mcq", "baseline": "maybe"}, {"suite": "mcq", "n": 3}])
def test_bad_run_requests_are_422(api, body) -> None:
    got = api.client.post("/eval/runs", json=body, headers=api.headers(Role.ADMIN))
    assert got.status_code == 422, got.text
    assert got.json()["error"] == "invalid_request"


@pytest.mark.parametrize("run_id", ["0123456789ab", "nope", "..%2F..%2Fkeys"])
@pytest.mark.parametrize("tail", ["", "/report", "/predictions"])
def test_unknown_runs_are_404(api, run_id, tail) -> None:
    got = api.client.get(f"/eval/runs/{run_id}{tail}", headers=api.headers(Role.REVIEWER))
    assert got.status_code == 404 and got.json()["error"] == "not_found"


@pytest.mark.parametrize("tail", ["/report", "/predictions"])
def test_the_files_of_a_run_not_done_are_409(api, tail) -> None:
    folder = api.container.settings.workspace / "eval_runs" / "00000000dead"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "state.json").write_text(json.dumps({
        "run_id": "00000000dead", "suite": "verdicts", "dataset": "demo", "limit": None, "baseline": True,
        "status": "failed", "actor": "t", "created_at": "2026-01-01T00:00:00+00:00", "error": "x"}), encoding="utf-8")
    got = api.client.get(f"/eval/runs/00000000dead{tail}", headers=api.headers(Role.REVIEWER))
    assert got.status_code == 409 and got.json()["error"] == "conflict" and "failed" in got.json()["message"]


def test_an_officer_may_not_run_suites(api) -> None:
    got = api.client.post("/eval/runs", json={"suite": "verdicts"}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 403


def test_missing_data_is_503(api, tmp_path, monkeypatch) -> None:
    service = api.client.app.state.eval_runs
    monkeypatch.setattr(service, "datasets", {**service.datasets, "mcq": {"ceval_val": tmp_path / "nope.csv"}})
    got = api.client.post("/eval/runs", json={"suite": "mcq"}, headers=api.headers(Role.ADMIN))
    assert got.status_code == 503 and got.json()["error"] == "unavailable"
    assert "nope.csv" in got.json()["message"] and "ceval_val" in got.json()["message"]


def test_runs_outlive_their_service(tmp_path) -> None:
    from eval.runs import EvalRunService

    folder = tmp_path / "0123456789ab"
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({
        "run_id": "0123456789ab", "suite": "mcq", "dataset": "ceval_val", "limit": 20, "baseline": True,
        "status": "running", "actor": "t", "created_at": "2026-01-01T00:00:00+00:00"}), encoding="utf-8")
    (tmp_path / "0123456789ac.json").write_text("{}", encoding="utf-8")  # not a run folder: left alone
    later = EvalRunService(tmp_path, container=lambda: None, settings=None)
    assert later.get("0123456789ab").status == "interrupted"  # its process stopped mid-run
    assert [r.run_id for r in later.list()] == ["0123456789ab"]
    later.close()


def test_close_cancels_the_running_run_between_items_and_the_queued_ones(api, tmp_path) -> None:
    from eval.runs import EvalRunService, RunRequest

    entered, release = threading.Event(), threading.Event()

    def container():  # the suite asks for its services before its first item: hold it there
        entered.set()
        release.wait(30)
        return api.container

    service = EvalRunService(tmp_path, container=container, settings=api.container.settings)
    running = service.start(RunRequest(suite="verdicts"), actor="t")
    queued = service.start(RunRequest(suite="verdicts", dataset="synthetic"), actor="t")
    assert entered.wait(30)
    closing = threading.Thread(target=service.close)
    closing.start()
    deadline = time.monotonic() + 30
    while not service._stop.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    closing.join(60)
    assert service.get(running.run_id).status == "cancelled"
    assert service.get(queued.run_id).status == "cancelled"
    assert not (tmp_path / running.run_id / "results.json").exists()
    later = EvalRunService(tmp_path, container=container, settings=api.container.settings)
    assert {r.status for r in later.list()} == {"cancelled"}


def test_the_allow_list_names_every_suite_and_each_dataset_loads() -> None:
    from typing import get_args

    from eval import suites
    from eval.runner import load
    from eval.runs import DATASETS, DatasetName, SuiteName

    assert tuple(DATASETS) == suites.NAMES == get_args(SuiteName)
    assert {name for names in DATASETS.values() for name in names} == set(get_args(DatasetName))
    for suite, names in DATASETS.items():
        for name, path in names.items():
            if path is not None and "shared" in path.parts and not path.exists():
                continue  # ../shared is not beside this checkout
            _, data = load(suite, path)
            assert data.items, (suite, name)
