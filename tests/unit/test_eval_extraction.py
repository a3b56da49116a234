"""The ``extraction`` eval suite: field-item precision / recall on small gold sets, malformed gold lines."""

from __future__ import annotations

import doctest
import json
import shutil
from pathlib import Path

import pytest

import eval.extraction_scoring as scoring_mod
import eval.suites.extraction as suite_mod
from eval.contract import read_predictions
from eval.runner import EvalInputError, run
from tests.conftest import write

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "data" / "extraction"

DOC = """# 示范县西城片区地块规划条件

表1 地块控制指标

| 地块编号 | 用地代码 | 用地面积(m²) | 容积率上限 | 建筑密度(%) | 建筑限高(m) | 绿地率(%) |
|---|---|---|---|---|---|---|
| XC-09-01 | 070102 | 20000 | 2.5 | 25 | 54 | 35 |
| XC-09-02 | 0901 | 10000 | 3.0 | 45 | 60 | 20 |
"""
RIGHT = {"land_use": "070102", "area_m2": 20000, "far_max": 2.5, "density_max": 25, "height_max": 54,
         "green_min": 35}
# XC-09-02's FAR is planted wrong (3.5 for 3.0: one false positive, one false negative) and it claims a
# parking ratio the document does not give (one more false negative).
WRONG = {"land_use": "0901", "area_m2": 10000, "far_max": 3.5, "density_max": 45, "height_max": 60,
         "green_min": 20, "parking": {"value": 1.0, "unit": "个/100m²"}}


def line(pid: str, fields: dict, doc: str = "conds.md", split: str = "dev") -> str:
    return json.dumps({"doc": doc, "split": split, "parcel_id": pid, "fields": fields}, ensure_ascii=False)


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    write(tmp_path / "docs" / "conds.md", DOC)
    return write(tmp_path / "gold.jsonl", "\n".join([
        json.dumps({"_header": "tiny gold set"}), line("XC-09-01", RIGHT), line("XC-09-02", WRONG)]) + "\n")


def go(settings, tmp_path: Path, dataset: Path, **kw):
    out = tmp_path / "run"
    return run("extraction", out=out, settings=settings, container=lambda: None, dataset=dataset, report=False,
               **kw), out


def test_tiny_gold_set_gives_the_known_precision_and_recall(settings, tmp_path, gold):
    results, out = go(settings, tmp_path, gold)
    # 6 + 5 items right; predicted far_max 3.0 is a false positive; gold 3.5 and parking are false negatives
    assert results.metrics["precision"] == round(11 / 12, 4)
    assert results.metrics["recall"] == round(11 / 13, 4)
    p, r = 11 / 12, 11 / 13
    assert results.metrics["f1"] == round(2 * p * r / (p + r), 4)
    assert (results.metrics["documents"], results.metrics["documents_failed"], results.metrics["parcels"]) == (1, 0, 2)
    assert results.n == 1 and results.malformed["count"] == 0  # the _header line is skipped, not malformed
    assert results.per_subject["far_max"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "n": 2}
    assert results.per_subject["parking"]["recall"] == 0.0 and results.per_subject["land_use"]["f1"] == 1.0
    assert results.tables["splits"]["dev"] == results.tables["splits"]["all"]
    assert results.tables["splits"]["all"]["tp"] == 11
    (pred,) = read_predictions(out)
    assert pred.id == "conds.md" and pred.correct is False and pred.latency_ms is not None
    assert sorted(pred.wrong) == ["fn XC-09-02 far_max 3.5", "fn XC-09-02 parking 1.0 个/100m²",
                                  "fp XC-09-02 far_max 3.0"]
    assert "XC-09-01 far_max 2.5" in pred.prediction and "XC-09-02 far_max 3.5" in pred.gold


def test_all_right_document_is_correct_and_scores_one(settings, tmp_path, gold):
    gold.write_text(line("XC-09-01", RIGHT) + "\n", encoding="utf-8")
    results, out = go(settings, tmp_path, gold)
    # XC-09-02 is in the document but not in the gold: its 6 items are false positives
    assert results.metrics["recall"] == 1.0 and results.metrics["precision"] == 0.5
    assert read_predictions(out)[0].correct is False


def test_malformed_gold_lines_are_reported_with_their_numbers_and_the_run_goes_on(settings, tmp_path, gold):
    text = gold.read_text(encoding="utf-8")
    gold.write_text(text + "{not json\n" + line("XC-09-03", {"far_maxx": 2.0}) + "\n"
                    + line("XC-09-01", RIGHT) + "\n" + json.dumps({"doc": "conds.md"}) + "\n", encoding="utf-8")
    results, _ = go(settings, tmp_path, gold)
    lines = {m["line"]: m["reason"] for m in results.malformed["lines"]}
    assert set(lines) == {4, 5, 6, 7} and results.malformed["count"] == 4
    assert "not JSON" in lines[4] and "far_maxx" in lines[5] and "duplicate" in lines[6]
    assert "parcel_id" in lines[7] and "fields" in lines[7]
    assert results.metrics["recall"] == round(11 / 13, 4)  # the good lines were still scored


def test_missing_document_is_reported_and_the_others_scored(settings, tmp_path, gold):
    with gold.open("a", encoding="utf-8") as fh:
        fh.write(line("ZZ-01-01", RIGHT, doc="nowhere.md") + "\n")
    results, _ = go(settings, tmp_path, gold)
    (bad,) = results.malformed["lines"]
    assert bad["line"] == 0 and bad["file"].endswith("nowhere.md") and "not found" in bad["reason"]
    assert results.metrics["documents"] == 1


def test_gold_without_any_document_is_unusable(settings, tmp_path):
    gold = write(tmp_path / "gold.jsonl", line("ZZ-01-01", RIGHT, doc="nowhere.md") + "\n")
    write(tmp_path / "build.py", "")
    with pytest.raises(EvalInputError, match="build.py"):
        go(settings, tmp_path, gold)


def test_failed_extraction_counts_every_gold_item_missed(settings, tmp_path, gold):
    write(tmp_path / "docs" / "empty.md", "# 无地块\n\n本文件没有地块。\n")
    with gold.open("a", encoding="utf-8") as fh:
        fh.write(line("EE-01-01", {"far_max": 2.0}, doc="empty.md", split="heldout") + "\n")
    results, out = go(settings, tmp_path, gold)
    assert results.metrics["documents_failed"] == 1 and results.metrics["documents"] == 2
    assert results.tables["splits"]["heldout"]["fn"] == 1 and results.tables["splits"]["heldout"]["tp"] == 0
    failed = next(p for p in read_predictions(out) if p.id == "empty.md")
    assert failed.correct is False and failed.error


@pytest.mark.skipif(not (BENCH / "docs").is_dir(), reason="bench extraction documents not built")
def test_default_dataset_is_the_bench_gold_and_scores_like_the_bench(settings, tmp_path):
    assert suite_mod.SUITE.default_dataset() == BENCH / "gold.jsonl"
    results, _ = go(settings, tmp_path, None, limit=3)
    assert results.n == 3 and results.malformed["count"] == 0
    for split in results.tables["splits"].values():
        assert split["f1"] >= 0.9


def test_the_suite_reads_a_copy_of_the_bench_documents_beside_its_gold(settings, tmp_path):
    shutil.copy(BENCH / "docs" / "d02_conditions_notice_prose.md", tmp_path / "d02.md")
    gold = write(tmp_path / "g.jsonl", line("SF-04-03", {"far_min": 1.5, "far_max": 2.8, "area_m2": 36000},
                                             doc="d02.md") + "\n")
    results, _ = go(settings, tmp_path, gold)
    assert results.metrics["recall"] == 1.0


@pytest.mark.parametrize("module", [scoring_mod, suite_mod], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
