"""``onemap eval run mcq``: C-Eval CSV and planner-exams JSONL, exact letter-set scoring, the model-alone
baseline, malformed rows with their line numbers. The model and the search are plain fakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.qa.choice import ChoiceService
from eval.contract import read_predictions
from eval.runner import EvalInputError, run
from eval.suites import get
from tests.conftest import write

CEVAL = """id,question,A,B,C,D,answer
0,建设项目用地预审与选址意见书有效期为____年,一年,两年,三年,五年,C
1,"历史文化名城
应当____保护",整体,分类,局部,重点,A
2,坏行,1,2,3,4,E
3,城市总体规划的期限一般为____年,10,20,30,50,B
"""


def exam(qid: str, question: str, answer: str, *, subject: str = "knowledge", multi: bool = True) -> str:
    return json.dumps({"id": qid, "subject": subject, "type": "multi" if multi else "single", "question": question,
                       "options": {"A": "甲", "B": "乙", "C": "丙", "D": "丁", "E": "戊"}, "answer": answer},
                      ensure_ascii=False)


EXAMS = "\n".join([
    exam("m1", "第一题少选", "ACD"),
    exam("m2", "第二题全对", "ACD"),
    '{"id": "m9", "type": "multi", ',  # line 3: not JSON
    exam("m3", "第三题多选", "AB", subject="regulation"),
    exam("s1", "第四题单选", "B", multi=False),
]) + "\n"


class FakeModel:
    """Replies by a keyword of the question; with excerpts, the letter of the option the excerpts quote."""

    REPLIES = {"有效期": "答案：A", "历史文化名城": "A", "期限": "我不确定",
               "少选": "A、C", "全对": "正确答案是A、C、D。", "多选": "ABC", "单选": "故选B"}

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        self.calls += 1
        user = messages[-1]["content"]
        question = user.split("以下是", 1)[-1]
        if "参考资料" in user:
            evidence = user.split("参考资料", 1)[1].split("以下是", 1)[0]
            for line in question.splitlines():
                if line[1:3] == ". " and line[3:] in evidence:
                    return line[0]
        return next((reply for key, reply in self.REPLIES.items() if key in question), "")


def fake_search(query: str, k: int) -> list[dict]:
    if "预审" in query:
        return [{"doc_title": "关于推进规划用地多审合一改革的通知", "locator": "二",
                 "text": "建设项目用地预审与选址意见书有效期三年，自批准之日起计算。"}]
    return []


class FakeLLM:
    def model_name(self) -> str:
        return "fake-model"


class FakeContainer:
    def __init__(self) -> None:
        self.model = FakeModel()
        self.choice = ChoiceService(self.model, fake_search)
        self.llm = FakeLLM()


def run_mcq(tmp_path: Path, settings, dataset: Path, **kwargs):
    container = FakeContainer()
    out = tmp_path / "run"
    results = run("mcq", out=out, settings=settings, container=lambda: container, dataset=dataset, report=False,
                  **kwargs)
    return results, {p.id: p for p in read_predictions(out)}, container, json.loads((out / "results.json").read_text())


def test_multiple_choice_counts_only_the_exact_letter_set(tmp_path: Path, settings) -> None:
    results, lines, _, _ = run_mcq(tmp_path, settings, write(tmp_path / "exams.jsonl", EXAMS))
    assert {i: (p.prediction, p.gold, p.correct) for i, p in lines.items()} == {
        "m1": ("AC", "ACD", False),   # a letter missing
        "m2": ("ACD", "ACD", True),
        "m3": ("ABC", "AB", False),   # a letter extra
        "s1": ("B", "B", True),
    }
    m = results.metrics
    assert (m["accuracy"], m["accuracy_single"], m["accuracy_multi"], m["unparsed"]) == (0.5, 1.0, 0.3333, 0)
    assert results.per_subject == {"knowledge": {"n": 3, "accuracy": 0.6667, "accuracy_model_alone": 0.6667},
                                   "regulation": {"n": 1, "accuracy": 0.0, "accuracy_model_alone": 0.0}}
    assert lines["m1"].type == "multi" and lines["s1"].type == "single" and lines["m3"].subject == "regulation"


def test_a_bad_jsonl_line_is_reported_with_its_number_and_the_run_goes_on(tmp_path: Path, settings) -> None:
    path = write(tmp_path / "exams.jsonl", EXAMS)
    results, lines, _, saved = run_mcq(tmp_path, settings, path)
    assert results.n == 4 and set(lines) == {"m1", "m2", "m3", "s1"}
    assert saved["malformed"]["count"] == 1
    [bad] = saved["malformed"]["lines"]
    assert bad["line"] == 3 and bad["file"] == str(path) and bad["reason"].startswith("not JSON")


def test_ceval_csv_with_a_bad_row_retrieval_and_the_model_alone(tmp_path: Path, settings) -> None:
    path = write(tmp_path / "urban_and_rural_planner_val.csv", CEVAL)
    ticks: list[tuple[int, int]] = []
    results, lines, container, saved = run_mcq(tmp_path, settings, path,
                                               progress=lambda done, total: ticks.append((done, total)))
    # the bad row starts on line 5: the quoted question of row 1 spans lines 3-4
    assert [(m["line"], m["reason"]) for m in saved["malformed"]["lines"]] == [
        (5, "id 2: answer 'E' is not among the options ABCD")]
    assert sorted(lines) == ["urban_and_rural_planner_val:0", "urban_and_rural_planner_val:1",
                             "urban_and_rural_planner_val:3"]
    grounded = lines["urban_and_rural_planner_val:0"]
    assert (grounded.prediction, grounded.correct, grounded.evidence) == ("C", True, 1)
    assert grounded.baselines["model_alone"]["prediction"] == "A" and not grounded.baselines["model_alone"]["correct"]
    unsure = lines["urban_and_rural_planner_val:3"]
    assert unsure.prediction == "" and not unsure.parsed and not unsure.correct and unsure.raw == "我不确定"
    assert results.metrics["accuracy"] == 0.6667 and results.metrics["with_evidence"] == 1
    assert results.metrics["unparsed"] == 1 and results.metrics["accuracy_multi"] is None
    assert results.baselines == {"model_alone": {**results.baselines["model_alone"], "accuracy": 0.3333,
                                                 "with_evidence": 0, "cloze": 0, "unparsed": 1}}
    assert set(results.baselines["model_alone"]) == set(results.metrics)
    assert results.per_subject == {"urban_and_rural_planner": {"n": 3, "accuracy": 0.6667,
                                                               "accuracy_model_alone": 0.3333}}
    assert results.tables["retrieval_vs_model_alone"] == {"fixed": ["urban_and_rural_planner_val:0"], "broken": []}
    assert results.run.model == "fake-model"
    assert ticks[-1] == (6, 6) and len(ticks) == 6


def test_no_baseline_asks_each_question_once(tmp_path: Path, settings) -> None:
    results, lines, container, _ = run_mcq(tmp_path, settings, write(tmp_path / "exams.jsonl", EXAMS),
                                           options={"baseline": False})
    assert results.baselines == {} and "retrieval_vs_model_alone" not in results.tables
    assert all("baselines" not in p.model_dump() for p in lines.values())
    assert "accuracy_model_alone" not in results.per_subject["knowledge"]
    assert container.model.calls == 4


def test_the_baseline_asks_again_without_excerpts(tmp_path: Path, settings) -> None:
    _, _, container, _ = run_mcq(tmp_path, settings, write(tmp_path / "exams.jsonl", EXAMS))
    assert container.model.calls == 8


@pytest.mark.parametrize("name, text, problem", [
    ("exams.txt", CEVAL, "a multiple-choice dataset is a C-Eval .csv or a planner-exams .jsonl file"),
    ("x.csv", "id,question,A,B\n0,q,1,2\n", "missing columns"),
    ("x.jsonl", "not json\n", "no usable questions"),
])
def test_an_unusable_file_is_bad_input(tmp_path: Path, settings, name: str, text: str, problem: str) -> None:
    with pytest.raises(EvalInputError, match=problem) as err:
        run_mcq(tmp_path, settings, write(tmp_path / name, text))
    assert "../shared" not in str(err.value)  # an evaluator's own file: no hint on the shared data


def test_the_default_dataset_is_the_ceval_val_split() -> None:
    suite = get("mcq")
    assert suite.default_dataset().name == "urban_and_rural_planner_val.csv" and suite.needs_model
    if suite.default_dataset().is_file():
        data = suite.load(suite.default_dataset())
        assert len(data.items) == 46 and not data.malformed


class Interrupted(Exception):
    pass


def test_an_interrupted_run_resumes_with_the_answers_it_kept(tmp_path: Path, settings) -> None:
    path = write(tmp_path / "exams.jsonl", EXAMS)
    container = FakeContainer()
    answer = container.model.__call__

    def dies_on_the_sixth_call(messages, max_tokens):
        if container.model.calls == 5:
            raise Interrupted
        return answer(messages, max_tokens)

    container.choice = ChoiceService(dies_on_the_sixth_call, fake_search)
    out = tmp_path / "run"
    with pytest.raises(Interrupted):
        run("mcq", out=out, settings=settings, container=lambda: container, dataset=path, report=False)
    assert not (out / "results.json").exists()
    assert len((out / "journal.jsonl").read_text().splitlines()) == 1 + 5  # header + 4 with retrieval + 1 alone

    fresh = FakeContainer()
    results = run("mcq", out=out, settings=settings, container=lambda: fresh, dataset=path, report=False, resume=True)
    assert fresh.model.calls == 3  # only the three the interrupted run had not answered
    whole, _, _, _ = run_mcq(tmp_path / "whole", settings, path)
    assert results.metrics == whole.metrics and results.baselines == whole.baselines
    assert results.run.options["resumed_answers"] == 5
    assert not (out / "journal.jsonl").exists()  # written into results.json and predictions.jsonl


def test_a_journal_of_other_data_is_not_resumed(tmp_path: Path, settings) -> None:
    out = tmp_path / "run"
    run("mcq", out=out, settings=settings, container=FakeContainer, report=False,
        dataset=write(tmp_path / "exams.jsonl", EXAMS))
    (out / "journal.jsonl").write_text(json.dumps({"journal": 1, "suite": "mcq", "dataset_hash": "0" * 16}) + "\n")
    with pytest.raises(EvalInputError, match="written for another run .*dataset_hash"):
        run("mcq", out=out, settings=settings, container=FakeContainer, report=False, resume=True,
            dataset=write(tmp_path / "exams.jsonl", EXAMS))
