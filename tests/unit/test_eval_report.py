"""The run report (eval/report.py): report.md + plots/*.svg and a self-contained report.html, for any suite."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from eval.contract import Prediction, Results, RunInfo
from eval.report import latency_groups, main_metric, write_report

VOID = {"meta", "br", "hr", "img", "link", "input", "col", "source", "wbr"}
SUBJECTS = {"城乡规划原理": {"n": 40, "accuracy": 0.55}, "城乡规划相关知识": {"n": 25, "accuracy": 0.72},
            "法规": {"n": 12, "accuracy": 0.41}}


def run_info(**changes) -> RunInfo:
    fields = {"commit": "9e7fb86+dirty", "model": "qwen2.5-7b-instruct", "settings_hash": "15a27356e299",
              "dataset": "/data/exams.jsonl", "dataset_hash": "e0e1e76e16019ab6", "started_at": "2026-11-24T03:45:11+00:00",
              "finished_at": "2026-11-24T03:59:00+00:00", "seconds": 829.4, "limit": 80}
    return RunInfo(**{**fields, **changes})


def full_results() -> Results:
    return Results(
        suite="mcq", n=80, metrics={"accuracy": 0.61, "accuracy_single": 0.66, "accuracy_multi": 0.4, "unparsed": 2},
        per_subject=SUBJECTS, baselines={"model_alone": {"accuracy": 0.55, "accuracy_single": 0.6, "unparsed": 1}},
        tables={"confusion": {"labels": ["通过", "不通过"], "matrix": [[30, 5], [8, 37]]},
                "confusion_overall": {"labels": ["pass", "fail"], "rows": "expected", "cols": "predicted",
                                      "matrix": [[3, 1], [0, 4]]},
                "confusion_odd": {"labels": ["a", "b"], "matrix": [[1, 2]]},
                "by_type": {"single": {"n": 60, "accuracy": 0.66}, "multi": {"n": 20, "accuracy": 0.4}}},
        malformed={"count": 1, "lines": [{"file": "exams.jsonl", "line": 17, "reason": "not JSON: <oops>"}]},
        notes=["correct = every letter right"], run=run_info())


def full_predictions() -> list[Prediction]:
    rows = [Prediction(id="<script>alert(1)</script>", prediction="A", gold="B", correct=False, latency_ms=812.0,
                       subject="法规")]
    rows += [Prediction(id=f"q{i:03d}", prediction="AC", gold="AC" if i % 4 else "AD", correct=bool(i % 4),
                        latency_ms=500.0 + 11 * i, subject="城乡规划原理") for i in range(1, 80)]
    return rows


class PageChecker(HTMLParser):
    """Open and close tags must match; records every id and every tag name."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.ids += [v for k, v in attrs if k == "id"]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags[tag] += 1
        self.ids += [v for k, v in attrs if k == "id"]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def check_page(text: str) -> PageChecker:
    checker = PageChecker()
    checker.feed(text)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


@pytest.fixture(scope="module")
def full_report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    paths = write_report(folder, full_results(), full_predictions())
    assert {p.name for p in paths} == {"report.md", "report.html", "metrics.svg", "subjects.svg", "latency.svg",
                                       "confusion.svg", "confusion_overall.svg"}
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
    return folder


def test_markdown_references_its_plots_and_has_every_section(full_report: Path):
    md = (full_report / "report.md").read_text(encoding="utf-8")
    for name in ("metrics", "subjects", "latency", "confusion", "confusion_overall"):
        assert f"(plots/{name}.svg)" in md
        assert (full_report / "plots" / f"{name}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for text in ("9e7fb86+dirty", "qwen2.5-7b-instruct", "15a27356e299", "e0e1e76e16019ab6", "/data/exams.jsonl",
                 "829.4", "| accuracy | ↑ | 0.61 | 0.55 |", "| unparsed | ↓ | 2 | 1 |", "correct = every letter right",
                 "| 通过 | 30 | 5 |", "| pass | 3 | 1 |", "| single | 60 | 0.66 |", "## Table: confusion_odd",
                 "| exams.jsonl | 17 | not JSON: &lt;oops&gt; |"):
        assert text in md
    for subject in SUBJECTS:
        assert f"| {subject} |" in md
    assert "## Wrong items\n\n60 right, 20 wrong, 0 not scored." in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "<script" not in md


def test_html_is_well_formed_self_contained_and_escaped(full_report: Path):
    page = (full_report / "report.html").read_text(encoding="utf-8")
    checker = check_page(page)
    assert checker.tags["svg"] == 5 and checker.tags["figure"] == 5
    assert checker.tags["script"] == 0 and "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<?xml" not in page and "http://" not in page.replace("http://www.w3.org/", "")  # no prologue, no links
    assert [i for i, n in Counter(checker.ids).items() if n > 1] == []  # figures do not share ids
    for subject in SUBJECTS:
        assert subject in page


def test_chinese_labels_are_drawn_with_the_cjk_font(full_report: Path):
    svg = (full_report / "plots" / "subjects.svg").read_text(encoding="utf-8")
    assert "WenQuanYiMicroHei-" in svg  # glyph outlines from the CJK font, so no font is needed to view it
    assert "<text" not in svg


def test_subject_chart_uses_the_main_metric():
    assert main_metric(SUBJECTS) == "accuracy"
    assert main_metric({"a": {"n": 3, "precision": 0.5, "f1": 0.4}}) == "f1"
    assert main_metric({"search": {"n": 9, "p95_ms": 300.0, "p50_ms": 120.0}}) == "p50_ms"
    assert main_metric({"x": {"n": 3, "odd": 2.0}}) == "odd"
    assert main_metric({"x": {"n": 3}}) is None


def test_report_without_predictions_subjects_or_baselines(tmp_path: Path):
    results = Results(suite="extraction", n=5, metrics={"precision": 0.9, "recall": 0.8, "f1": 0.85}, run=run_info())
    paths = write_report(tmp_path, results, [])
    assert [p.name for p in paths] == ["report.md", "report.html", "metrics.svg"]
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "No predictions were recorded." in md
    assert "Per subject" not in md and "Latency" not in md and "Malformed" not in md
    assert "| f1 | ↑ | 0.85 |" in md
    check_page((tmp_path / "report.html").read_text(encoding="utf-8"))


def test_report_of_an_empty_run_and_stale_plots_removed(tmp_path: Path):
    write_report(tmp_path, full_results(), full_predictions())
    empty = Results(suite="mcq", n=0, metrics={}, run=run_info(model=None))
    assert [p.name for p in write_report(tmp_path, empty, [])] == ["report.md", "report.html"]
    assert list((tmp_path / "plots").glob("*.svg")) == []
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "The run recorded no metrics." in md and "| model | – |" in md
    assert check_page((tmp_path / "report.html").read_text(encoding="utf-8")).tags["svg"] == 0


def test_latency_per_operation_and_per_baseline():
    predictions = [Prediction(id="s1", operation="search", latency_ms=120.0, samples_ms=[110.0, 120.0, 130.0]),
                   Prediction(id="c1", operation="check", latency_ms=40.0, samples_ms=[]),
                   Prediction(id="x1", operation="ask", latency_ms=None, samples_ms=[], error="boom")]
    assert latency_groups(predictions, "latency") == {"search": [110.0, 120.0, 130.0], "check": [40.0]}
    retrieval = [Prediction(id="q1", latency_ms=30.0, baselines={"bm25": {"latency_ms": 5.0}, "vector": {}})]
    assert latency_groups(retrieval, "retrieval") == {"retrieval": [30.0], "retrieval · baseline bm25": [5.0]}


def test_lists_cut_to_twenty_and_cells_kept_in_their_column(tmp_path: Path):
    lines = [{"file": "d.jsonl", "line": i, "reason": "missing field id"} for i in range(1, 26)]
    results = Results(suite="qa", n=30, metrics={"key_fact_recall": 0.5}, run=run_info(),
                      malformed={"count": 25, "lines": lines})
    predictions = [Prediction(id=f"q{i}", prediction="a | b\nc", gold="x" * 500, correct=False) for i in range(30)]
    write_report(tmp_path, results, predictions)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Dataset lines left out: 25; the first 20:" in md
    assert "| d.jsonl | 20 |" in md and "| d.jsonl | 21 |" not in md
    assert "Wrong items (the first 20 of 30)" in md
    assert "| q19 | a \\| b c | " + "x" * 159 + "… |" in md and "| q20 |" not in md



def test_same_run_same_report(tmp_path: Path):
    for name in ("one", "two"):
        write_report(tmp_path / name, full_results(), full_predictions())
    assert (tmp_path / "one" / "report.html").read_bytes() == (tmp_path / "two" / "report.html").read_bytes()


def test_without_the_cjk_font_or_a_figure_the_report_is_still_written(tmp_path: Path, monkeypatch):
    import eval.report
    import eval.report_plots

    def broken(*args, **kwargs):
        raise ValueError("no luck")

    monkeypatch.setattr(eval.report_plots, "_cjk_family", lambda: None)
    monkeypatch.setattr(eval.report, "heatmap", broken)
    paths = write_report(tmp_path, full_results(), full_predictions())
    assert "confusion.svg" not in {p.name for p in paths} and "subjects.svg" in {p.name for p in paths}
    assert "WenQuanYi" not in (tmp_path / "plots" / "subjects.svg").read_text(encoding="utf-8")
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "(figure confusion not drawn: ValueError: no luck)" in md and "| 法规 | 12 | 0.41 |" in md
