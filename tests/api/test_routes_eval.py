"""``/eval/runs``: a suite run in the background with the fake model, followed to its result, kept on disk."""

from __future__ import annotations

import json
import time

import pytest

from assistant.access import Role


def wait_done(api, run_id: str, timeout_s: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = api.client.get(f"/eval/runs/{run_id}", headers=api.headers(Role.REVIEWER))
        assert got.status_code == 200, got.text
        if got.json()["status"] not in ("queued", "running"):
            return got.json()
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish in {timeout_s} s")


@pytest.mark.parametrize("suite, retrieval", [("ceval_val", False), ("exams_regulation", True)])
def test_a_run_is_started_followed_and_kept(api, suite, retrieval) -> None:
    got = api.client.post("/eval/runs", json={"suite": suite, "n": 3, "retrieval": retrieval},
                          headers=api.headers(Role.REVIEWER))
    assert got.status_code == 202, got.text
    run = got.json()
    assert run["status"] in ("queued", "running") and run["total"] == 3 and run["actor"] == "test-reviewer"
    assert got.headers["location"] == f"/eval/runs/{run['run_id']}"

    done = wait_done(api, run["run_id"])
    assert done["status"] == "done", done["error"]
    assert done["done"] == 3 and done["model"] == "fake" and done["result"]["n"] == 3
    assert done["result"]["retrieval"] is retrieval and len(done["result"]["rows"]) == 3
    assert done["accuracy"] == done["result"]["accuracy"]

    saved = api.container.settings.workspace / "eval_runs" / f"{run['run_id']}.json"
    assert json.loads(saved.read_text(encoding="utf-8"))["status"] == "done"
    listed = api.client.get("/eval/runs", headers=api.headers(Role.ADMIN))
    assert listed.status_code == 200
    assert run["run_id"] in {r["run_id"] for r in listed.json()} and "result" not in listed.json()[0]


@pytest.mark.parametrize("body", [{"n": 0}, {"n": 100000}, {"suite": "gaokao"}, {"retrieval": "maybe"}])
def test_bad_run_requests_are_422(api, body) -> None:
    got = api.client.post("/eval/runs", json=body, headers=api.headers(Role.ADMIN))
    assert got.status_code == 422, got.text


@pytest.mark.parametrize("run_id", ["0123456789ab", "nope", "..%2F..%2Fkeys"])
def test_unknown_runs_are_404(api, run_id) -> None:
    got = api.client.get(f"/eval/runs/{run_id}", headers=api.headers(Role.REVIEWER))
    assert got.status_code == 404 and got.json()["error"] == "not_found"


def test_an_officer_may_not_run_suites(api) -> None:
    got = api.client.post("/eval/runs", json={"n": 1}, headers=api.headers(Role.OFFICER))
    assert got.status_code == 403


def test_missing_data_is_503_and_runs_outlive_their_service(tmp_path) -> None:
    from eval.datasets import DatasetError
    from eval.runs import EvalDataUnavailable, EvalRunService, RunRequest

    def missing(n):
        raise DatasetError(tmp_path / "nope.csv", "file not found")

    service = EvalRunService(tmp_path, choice=lambda: None, suites={"ceval_val": ("x", missing)})
    with pytest.raises(EvalDataUnavailable, match="nope.csv"):
        service.start(RunRequest(n=1), actor="t")
    service.close()

    (tmp_path / "0123456789ab.json").write_text(json.dumps({
        "run_id": "0123456789ab", "suite": "ceval_val", "n": 1, "retrieval": False, "status": "running",
        "actor": "t", "created_at": "2026-01-01T00:00:00+00:00"}), encoding="utf-8")
    later = EvalRunService(tmp_path, choice=lambda: None)
    assert later.get("0123456789ab").status == "interrupted"  # its process stopped mid-run
    assert [r.run_id for r in later.list()] == ["0123456789ab"]
    later.close()
