"""Exam datasets and the multiple-choice runner, with a plain fake model and search."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from assistant.qa.choice import ChoiceQuestion, ChoiceService
from eval.datasets import (
    CEVAL_DEV,
    CEVAL_VAL,
    PLANNER_EXAMS,
    DatasetError,
    load_ceval,
    load_planner_exams,
    read_ceval,
    read_exams,
    read_planner_exams,
    sample,
)
from eval.jsonl import DatasetFileError
from eval.multiple_choice import compare, run_suite
from tests.conftest import write

CEVAL_CSV = """id,question,A,B,C,D,answer
0,对于固体污染物的控制规划内容，不够突出的是____。,电子污染物,生活垃圾,医疗废物,工业固体废物,A
1,"竖向设计中，室内地坪比室外地坪面高出____",0.30～0.90m,0.45～0.60m,0.15～0.30m,0.60～0.90m,B
"""


def exam_row(i: int, *, subject: str = "knowledge", type_: str = "single", answer: str = "C",
             options: dict[str, str] | None = None) -> dict:
    return {"id": f"exam-{i:04d}", "subject": subject, "type": type_, "question": f"第{i}题( )",
            "options": options if options is not None else {"A": "甲", "B": "乙", "C": "丙", "D": "丁"},
            "answer": answer, "explanation": "略"}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    return write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


# -- datasets -------------------------------------------------------------------------------------------------------

def test_load_ceval(tmp_path: Path) -> None:
    questions = load_ceval(write(tmp_path / "urban_and_rural_planner_val.csv", CEVAL_CSV))
    assert [q.id for q in questions] == ["urban_and_rural_planner_val:0", "urban_and_rural_planner_val:1"]
    assert questions[1].options["B"] == "0.45～0.60m" and questions[1].answer == "B"
    assert not any(q.multi for q in questions)


def test_load_ceval_accepts_a_byte_order_mark_and_extra_columns(tmp_path: Path) -> None:
    text = "\ufeffid,question,A,B,C,D,answer,explanation\n0,问,一,二,三,四,D,因为\n"
    assert load_ceval(write(tmp_path / "dev.csv", text))[0].answer == "D"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("id,question,A,B,C\n0,q,1,2,3\n", "missing columns"),
        ("id,question,A,B,C,D,answer\n0,q,1,2,3,4,E\n", r"no usable questions \(1 malformed rows; first: line 2: answer"),
        ("id,question,A,B,C,D,answer\n", "no usable questions"),
    ],
)
def test_malformed_ceval_names_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DatasetError, match=problem) as err:
        load_ceval(path)
    assert str(path) in str(err.value) and "../shared" in str(err.value)


def test_ceval_skips_bad_rows_with_the_line_they_start_on(tmp_path: Path) -> None:
    text = ('id,question,A,B,C,D,answer\n0,"两行\n的题目",1,2,3,4,A\n1,q,1,2,3,4,E\n\n2,q,1,2,3\n'
            '3,q,1,,3,4,B\n4,q,1,2,3,4,b\n4,q,1,2,3,4,C\n')
    exams = read_ceval(write(tmp_path / "urban_and_rural_planner_val.csv", text))
    assert [q.id for q in exams.questions] == ["urban_and_rural_planner_val:0", "urban_and_rural_planner_val:4"]
    assert [(s.line, s.id) for s in exams.skipped] == [(4, "1"), (6, "2"), (7, "3"), (9, "4")]
    assert [s.reason.split(" ")[0] for s in exams.skipped] == ["answer", "5", "empty", "duplicate"]
    assert exams.questions[1].answer == "B" and exams.questions[0].subject == "urban_and_rural_planner"
    assert load_ceval(tmp_path / "urban_and_rural_planner_val.csv") == exams.questions


def test_a_subject_column_overrides_the_file_name(tmp_path: Path) -> None:
    text = "id,question,A,B,C,D,answer,subject\n0,q,1,2,3,4,A,law\n1,q,1,2,3,4,A,\n"
    assert [q.subject for q in read_ceval(write(tmp_path / "mine_dev.csv", text)).questions] == ["law", "mine"]


def test_read_exams_chooses_the_reader_by_suffix(tmp_path: Path) -> None:
    assert read_exams(write(tmp_path / "x.csv", CEVAL_CSV)).questions[0].id == "x:0"
    assert read_exams(write_jsonl(tmp_path / "x.jsonl", [exam_row(0)])).questions[0].id == "exam-0000"
    with pytest.raises(DatasetFileError, match="C-Eval .csv or a planner-exams .jsonl"):
        read_exams(write(tmp_path / "x.txt", CEVAL_CSV))


def test_missing_file_says_where_the_data_belongs(tmp_path: Path) -> None:
    for load in (load_ceval, load_planner_exams):
        with pytest.raises(DatasetError, match=r"not found.*\.\./shared must sit beside the repository") as err:
            load(tmp_path / "nope" / "file")
        assert isinstance(err.value, ValueError) and err.value.path == tmp_path / "nope" / "file"


def test_planner_exams_skips_and_counts_malformed_rows(tmp_path: Path) -> None:
    rows = [
        exam_row(0),
        exam_row(1, type_="multi", answer="ABD", subject="regulation"),
        exam_row(2, answer="E"),  # answer not among the options
        exam_row(3, options={"A": "只有一个"}, answer="A"),  # fewer than two options
        exam_row(4, type_="single", answer="AB"),  # several letters for a single choice
        exam_row(5, type_="essay"),
        exam_row(6, type_="multi", answer="BCE",
                 options={"A": "甲", "B": "乙", "C": "丙", "D": "丁", "E": "戊"}),
        exam_row(7, options={"A": "nan", "B": "nan", "C": "nan", "D": "nan"}),  # a figure lost in extraction
        exam_row(8, options={"A": "甲", "B": "nan", "C": "丙", "D": ""}, answer="A"),  # blanks dropped, still usable
    ]
    exams = read_planner_exams(write_jsonl(tmp_path / "exams.jsonl", rows))
    assert [q.id for q in exams.questions] == ["exam-0000", "exam-0001", "exam-0006", "exam-0008"]
    assert [(s.id, s.line) for s in exams.skipped] == [("exam-0002", 3), ("exam-0003", 4), ("exam-0004", 5),
                                                        ("exam-0005", 6), ("exam-0007", 8)]
    assert exams.questions[3].options == {"A": "甲", "C": "丙"}
    multi = exams.questions[1]
    assert multi.multi and multi.answer == "ABD" and multi.subject == "regulation"
    assert exams.questions[2].options["E"] == "戊"


@pytest.mark.parametrize(
    "text, problem",
    [
        ('{"id": "exam-0000"\n', "line 1: not JSON"),
        ('[1, 2]\n', "not an exam question object"),
        ('{"id": "x", "type": "single", "question": "q", "answer": "A"}\n', "not an exam question object"),
        ("\n\n", "no usable questions"),
    ],
)
def test_malformed_exam_file_names_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path / "exams.jsonl", text)
    with pytest.raises(DatasetError, match=problem) as err:
        load_planner_exams(path)
    assert str(path) in str(err.value)


def test_planner_exams_skip_lines_that_are_not_questions(tmp_path: Path) -> None:
    lines = [json.dumps(exam_row(0)), '{"id": "exam-0001", ', "[1, 2]", "", json.dumps(exam_row(0)),
             json.dumps(exam_row(4, type_="multi", answer="AB"))]
    exams = read_planner_exams(write(tmp_path / "exams.jsonl", "\n".join(lines) + "\n"))
    assert [q.id for q in exams.questions] == ["exam-0000", "exam-0004"]
    assert [(s.line, s.id, s.reason.split(":")[0]) for s in exams.skipped] == [
        (2, "", "not JSON"), (3, "", "not an exam question object with keys ['id', 'type', 'question', 'options', "
                                     "'answer']"), (5, "exam-0000", "duplicate id 'exam-0000'")]


def test_planner_exams_subject_and_seeded_sample(tmp_path: Path) -> None:
    rows = [exam_row(i, subject=("knowledge", "regulation", "unknown")[i % 3]) for i in range(60)]
    path = write_jsonl(tmp_path / "exams.jsonl", list(reversed(rows)))
    regulation = load_planner_exams(path, subject="regulation")
    assert len(regulation) == 20 and all(q.subject == "regulation" for q in regulation)
    first = load_planner_exams(path, n=7)
    assert [q.id for q in first] == sorted(q.id for q in first)
    assert first == load_planner_exams(path, n=7) != load_planner_exams(path, n=7, seed=1)
    assert len(load_planner_exams(path, n=500)) == 60
    with pytest.raises(ValueError, match="subject"):
        load_planner_exams(path, subject="law")
    with pytest.raises(ValueError, match="at least 1"):
        load_planner_exams(path, n=0)


def test_sample_does_not_depend_on_input_order() -> None:
    qs = [ChoiceQuestion(id=f"q{i:02d}", question="问", options={"A": "甲", "B": "乙"}) for i in range(30)]
    assert sample(qs, 5) == sample(list(reversed(qs)), 5)


def test_shared_exam_files_load() -> None:
    if not PLANNER_EXAMS.is_file() or not CEVAL_VAL.is_file():
        pytest.skip(f"../shared/eval is not present at {PLANNER_EXAMS.parent}")
    assert len(load_ceval(CEVAL_VAL)) == 46 and len(load_ceval(CEVAL_DEV)) == 5
    exams = read_planner_exams(PLANNER_EXAMS)
    assert len(exams.questions) + len(exams.skipped) == 2383
    assert len(exams.skipped) == 14  # questions on figures and tables whose options were extracted as "nan"
    assert {q.subject for q in exams.questions} == {"knowledge", "regulation", "unknown"}
    # pinned: the seeded sample must not drift between Python versions or runs
    assert [q.id for q in load_planner_exams(PLANNER_EXAMS, n=5)] == [
        "exam-0666", "exam-0722", "exam-2045", "exam-2318", "exam-2386"]


# -- runner ---------------------------------------------------------------------------------------------------------

SINGLE = ChoiceQuestion(id="s1", question="建设项目用地预审与选址意见书有效期为____年",
                        options={"A": "一年", "B": "两年", "C": "三年", "D": "五年"}, answer="C")
SINGLE_2 = ChoiceQuestion(id="s2", question="依据《文物保护法》，工程设计方案应当根据____经文物行政部门同意",
                          options={"A": "文物保护单位的级别", "B": "文物保护区范围", "C": "文物保护规模",
                                   "D": "文物保护类别"}, answer="A")
MULTI = ChoiceQuestion(id="m1", question="下列属于三条控制线的有( )",
                       options={"A": "生态保护红线", "B": "城市紫线", "C": "永久基本农田", "D": "城镇开发边界",
                                "E": "河道蓝线"}, multi=True, answer="ACD")
UNSURE = ChoiceQuestion(id="u1", question="难题", options={"A": "甲", "B": "乙"}, answer="B")
QUESTIONS = [SINGLE, SINGLE_2, MULTI, UNSURE]


class FakeModel:
    """Model alone: a fixed reply per question. With evidence: the first option letter whose text the evidence quotes."""

    REPLIES = {"有效期": "答案：A", "文物保护法": "A", "三条控制线": "A、C", "难题": "我不确定"}

    def __call__(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        user = messages[-1]["content"]
        question = user.split("以下是", 1)[-1]
        if "参考资料" in user:
            evidence = user.split("参考资料", 1)[1].split("以下是", 1)[0]
            for line in question.splitlines():
                if line[:3] in {"A. ", "B. ", "C. ", "D. ", "E. "} and line[3:] in evidence:
                    return line[0]
        return next((reply for key, reply in self.REPLIES.items() if key in question), "")


def fake_search(query: str, k: int) -> list[dict]:
    if "预审" in query:
        return [{"doc_title": "关于以“多规合一”为基础推进规划用地“多审合一、多证合一”改革的通知", "locator": "二",
                 "text": "建设项目用地预审与选址意见书三年有效，自批准之日起计算。"}]
    return [{"doc_title": "城乡规划法", "locator": "第一条", "text": "与本题无关的条文。"}]


def test_run_suite_scores_exact_match_and_unparsed() -> None:
    ticks: list[tuple[int, int]] = []
    result = run_suite(QUESTIONS, ChoiceService(FakeModel(), fake_search), retrieval=False,
                       progress=lambda done, total: ticks.append((done, total)))
    assert ticks == [(1, 4), (2, 4), (3, 4), (4, 4)]
    rows = {r.id: r for r in result.rows}
    assert rows["s1"].letters == "A" and not rows["s1"].correct
    assert rows["s2"].correct
    assert rows["m1"].letters == "AC" and not rows["m1"].correct  # a partial multi answer is wrong
    assert rows["u1"].letters == "" and not rows["u1"].parsed and not rows["u1"].correct
    assert (result.n, result.correct, result.accuracy, result.unparsed) == (4, 1, 0.25, 1)
    assert result.by_type["single"].model_dump() == {"n": 3, "correct": 1, "accuracy": 0.3333}
    assert result.by_type["multi"].model_dump() == {"n": 1, "correct": 0, "accuracy": 0.0}
    assert result.p50_latency_ms is not None and result.p95_latency_ms >= result.p50_latency_ms
    assert not result.retrieval and all(r.evidence == 0 for r in result.rows)


def test_retrieval_fixes_the_question_whose_evidence_holds_the_answer() -> None:
    service = ChoiceService(FakeModel(), fake_search)
    alone = run_suite([SINGLE], service, retrieval=False)
    grounded = run_suite([SINGLE], service, retrieval=True)
    assert (alone.rows[0].letters, grounded.rows[0].letters) == ("A", "C")
    assert (alone.correct, grounded.correct) == (0, 1)
    assert grounded.rows[0].evidence == 1


def test_compare_reports_both_modes_and_the_delta() -> None:
    out = compare(QUESTIONS, ChoiceService(FakeModel(), fake_search))
    assert json.loads(json.dumps(out)) == out  # JSON-ready as returned
    assert out["model_alone"]["accuracy"] == 0.25 and not out["model_alone"]["retrieval"]
    assert out["with_retrieval"]["retrieval"]
    with_rows = {r["id"]: r for r in out["with_retrieval"]["rows"]}
    assert with_rows["s1"]["correct"]
    delta = out["delta"]
    assert "s1" in delta["fixed"]
    assert math.isclose(delta["accuracy"], out["with_retrieval"]["accuracy"] - out["model_alone"]["accuracy"],
                        abs_tol=1e-4)
    assert set(delta["by_type"]) == {"single", "multi"}


def test_empty_suite_and_missing_gold() -> None:
    service = ChoiceService(FakeModel(), fake_search)
    empty = run_suite([], service, retrieval=False)
    assert empty.n == 0 and empty.accuracy is None and empty.p95_latency_ms is None
    assert json.dumps(empty.model_dump(mode="json"))
    no_gold = ChoiceQuestion(id="x", question="问", options={"A": "甲", "B": "乙"})
    with pytest.raises(ValueError, match="no gold answer"):
        run_suite([no_gold], service, retrieval=False)


def test_compare_resumes_from_the_rows_of_an_interrupted_run() -> None:
    first: list[tuple[bool, str]] = []
    full = compare(QUESTIONS, ChoiceService(FakeModel(), fake_search),
                   on_row=lambda retrieval, row: first.append((retrieval, row.id)))
    assert len(first) == 2 * len(QUESTIONS)

    class Counting(FakeModel):
        calls = 0

        def __call__(self, messages, max_tokens):
            Counting.calls += 1
            return super().__call__(messages, max_tokens)

    from eval.multiple_choice import QuestionRow
    kept = {r["id"]: QuestionRow(**r) for r in full["model_alone"]["rows"][:3]}
    again: list[tuple[bool, str]] = []
    resumed = compare(QUESTIONS, ChoiceService(Counting(), fake_search), done={False: kept},
                      on_row=lambda retrieval, row: again.append((retrieval, row.id)))
    assert Counting.calls == 1 + len(QUESTIONS)  # only the unanswered questions are asked
    assert again == [(False, "u1")] + [(True, q.id) for q in QUESTIONS]
    assert resumed["model_alone"]["accuracy"] == full["model_alone"]["accuracy"]
    assert [r["id"] for r in resumed["model_alone"]["rows"]] == [q.id for q in QUESTIONS]
