"""``onemap eval run`` on bad input: one line and exit 2, nothing written; a malformed line is listed and counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ONEMAP_HOME": str(tmp_path / "workspace"), "ONEMAP_PROFILE": "test"}


def invoke(env, *args: str):
    return CliRunner().invoke(app, ["eval", *args], env=env)


def test_an_unknown_suite_is_one_line_and_exit_2(env, tmp_path) -> None:
    result = invoke(env, "run", "nosuch", "--out", str(tmp_path / "run"))
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: unknown suite 'nosuch'") and "verdicts" in result.output
    assert not (tmp_path / "run").exists()


def test_a_missing_dataset_is_one_line_and_exit_2(env, tmp_path) -> None:
    result = invoke(env, "run", "retrieval", "--dataset", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "r"))
    assert result.exit_code == 2 and "dataset not found" in result.output
    assert not (tmp_path / "r").exists()


def test_a_dataset_without_a_usable_line_is_exit_2(env, tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n[1, 2]\n", encoding="utf-8")
    result = invoke(env, "run", "retrieval", "--dataset", str(bad), "--out", str(tmp_path / "r"))
    assert result.exit_code == 2 and "no usable item (2 malformed lines)" in result.output


def test_malformed_lines_are_listed_with_their_numbers_and_the_run_goes_on(env, tmp_path) -> None:
    root = Path(__file__).resolve().parents[2]
    lines = [line for line in (root / "demo" / "expected.jsonl").read_text(encoding="utf-8").splitlines()
             if line.startswith("{")]
    scenario = tmp_path / "scenario"
    scenario.mkdir()
    for name in ("layers", "projects"):
        (scenario / name).symlink_to(root / "demo" / name)
    (scenario / "expected.jsonl").write_text("\n".join([lines[0], "{oops", lines[1], '{"project": "P-404"}']) + "\n",
                                             encoding="utf-8")
    out = tmp_path / "run"
    result = invoke(env, "run", "verdicts", "--dataset", str(scenario), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "expected.jsonl:2: not JSON" in result.output and "expected.jsonl:4:" in result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["n"] == 2 and results["malformed"]["count"] == 2
    assert [m["line"] for m in results["malformed"]["lines"]] == [2, 4]


def test_suites_lists_all_six(env) -> None:
    result = invoke(env, "suites")
    assert result.exit_code == 0
    for name in ("retrieval", "mcq", "qa", "extraction", "verdicts", "latency"):
        assert name in result.output


def test_resume_needs_the_folder_of_the_interrupted_run(env, tmp_path) -> None:
    result = invoke(env, "run", "verdicts", "--resume")
    assert result.exit_code == 2 and "--resume needs --out DIR" in result.output
