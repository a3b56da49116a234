"""``onemap eval run qa``: key facts, strict citation precision and recall, groundedness, refusals.

The arithmetic is checked on hand-made answers; the run goes through the real QA service and its
citation check, with a fake model and a fake search at the boundary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.llm.client import ChatResult
from assistant.qa.service import Answer, Citation, QAService
from assistant.qa.tools import Toolbox
from assistant.retrieval.search import SearchHit, SearchResult
from eval.contract import read_predictions
from eval.jsonl import DatasetFileError
from eval.runner import EvalInputError, run
from eval.suites import get
from eval.suites.qa import QAItem, read_items, score, summarise
from tests.conftest import write


def item(qid: str, supports: list[tuple[str, str] | tuple[str, str, str]], facts: list[str]) -> QAItem:
    return QAItem(id=qid, question="问题", facts=facts,
                  supports=[dict(zip(("doc_title", "locator", "version"), s, strict=False)) for s in supports])


def answer(text: str, cited: list[tuple[str, str] | tuple[str, str, str]], grounded: bool = True) -> Answer:
    return Answer(answer=text, grounded=grounded, ttft_ms=5,
                  citations=[Citation(n=i, doc_title=c[0], locator=c[1], version=c[2] if len(c) > 2 else "",
                                      text="条文") for i, c in enumerate(cited, start=1)])


def test_citation_precision_recall_facts_and_refusals() -> None:
    law = ("土地管理法", "第三十四条")
    rows = [
        # one of two supports cited, one wrong citation, one of two facts
        score(item("a1", [law, ("基本农田保护条例", "第十一条")], ["乡（镇）为单位", "农业农村主管部门"]),
              answer("以乡（镇）为单位开展[1][2]。", [law, ("城乡规划法", "第一条")]), 10),
        # the right article of the wrong version does not count
        score(item("a2", [("文物保护法", "第十条", "2024-11-08")], ["文物"]),
              answer("文物应当保护[1]。", [("文物保护法", "第十条", "2017-11-04")]), 20),
        # refused although answerable: a false refusal, nothing found
        score(item("a3", [law], ["县级"]), answer("依据不足：知识库中没有找到。", [], grounded=False), 30),
        # everything right
        score(item("a4", [law], ["县级"]), answer("由县级人民政府组织[1]。", [law]), 40),
        # unanswerable: one refused, one answered with a citation
        score(item("o1", [], []), answer("依据不足：没有相关条文。", [], grounded=False), 50),
        score(item("o2", [], []), answer("依据不足，但可参考[1]。", [law]), 60),
    ]
    assert summarise(rows) == {
        "key_fact_recall": 0.6,        # (1 + 1 + 0 + 1) / (2 + 1 + 1 + 1)
        "citation_precision": 0.5,     # (1 + 0 + 1) / (2 + 1 + 1): over answerable items
        "citation_recall": 0.4,        # (1 + 0 + 0 + 1) / (2 + 1 + 1 + 1)
        "groundedness": 0.75,          # a1, a2, a4 of 4
        "refusal_rate": 0.5,           # o1 of o1, o2
        "false_refusals": 1,
        "p50_latency_ms": 30.0, "p95_latency_ms": 60.0, "p50_ttft_ms": 5.0, "p95_ttft_ms": 5.0,
    }
    assert [r.correct for r in rows] == [False, False, False, True, True, False]


def test_no_answerable_item_gives_none_not_zero() -> None:
    rows = [score(item("o1", [], []), answer("依据不足。", [], grounded=False), 1)]
    got = summarise(rows, latency=False)
    assert got == {"key_fact_recall": None, "citation_precision": None, "citation_recall": None,
                   "groundedness": None, "refusal_rate": 1.0, "false_refusals": 0}


def line(qid: str, supports: list[dict] | None = None, **extra) -> str:
    return json.dumps({"id": qid, "question": f"问题{qid}", "supports": supports or [], **extra}, ensure_ascii=False)


SUPPORT = {"doc_title": "土地管理法", "locator": "第三十四条"}


def test_a_folder_is_read_file_by_file_with_bad_lines_numbered(tmp_path: Path) -> None:
    write(tmp_path / "qa" / "a.jsonl", "\n".join([
        line("a1", [SUPPORT], facts=["县级"]),
        '{"id": "a2", "question": ',                    # line 2: not JSON
        line("a3", [], answerable=True),                 # line 3: answerable without supports
        line("a4", [SUPPORT], answerable=False),         # line 4: unanswerable with supports
    ]) + "\n")
    write(tmp_path / "qa" / "b.jsonl", line("a1") + "\n" + line("o1", why="境外") + "\n")  # line 1: id of a.jsonl
    write(tmp_path / "qa" / "notes.txt", "not a dataset\n")
    items, bad = read_items(tmp_path / "qa")
    assert [(i.id, i.is_answerable) for i in items] == [("a1", True), ("o1", False)]
    assert [(Path(m.file).name, m.line) for m in bad] == [("a.jsonl", 2), ("a.jsonl", 3), ("a.jsonl", 4),
                                                          ("b.jsonl", 1)]
    assert "duplicate id 'a1'" in bad[3].reason
    with pytest.raises(DatasetFileError, match="without \\*.jsonl"):
        read_items(write(tmp_path / "empty" / "x.txt", "").parent)


def test_the_default_dataset_holds_the_moved_gold_sets() -> None:
    suite = get("qa")
    data = suite.load(suite.default_dataset())
    assert not data.malformed
    assert sum(i.is_answerable for i in data.items) == 40 and sum(not i.is_answerable for i in data.items) == 15


# -- a run through the real QA service -------------------------------------------------------------------------------

PASSAGE = "永久基本农田划定以乡（镇）为单位进行，由县级人民政府自然资源主管部门会同同级农业农村主管部门组织实施。"


class FakeSearch:
    def search(self, query: str, *, role, k: int) -> SearchResult:
        if "基本农田" not in query:
            return SearchResult(query=query, hits=[], best_similarity=0.5)
        hit = SearchHit(rank=1, score=1.0, doc_id="d1", doc_title="土地管理法", version="2019-08-26",
                        locator="第三十四条", heading_path=[], text=PASSAGE, access="public", doc_type="law")
        return SearchResult(query=query, hits=[hit], best_similarity=0.95)


def copy_first(messages, *, max_tokens: int, tools=None, on_token=None) -> ChatResult:
    """A well-behaved model: the first clause of the first passage, cited."""
    if tools is not None:
        return ChatResult(text="", model="fake")
    found = re.search(r"^\[(\d+)\] [^：\n]*：(.*)$", messages[-1]["content"], re.M)
    text = f"{found.group(2).split('，')[0]}，{found.group(2).split('，')[1]}[{found.group(1)}]。" if found else "依据不足"
    if on_token:
        on_token(text)
    return ChatResult(text=text, model="fake", ttft_ms=7.0)


class Services:
    """What the suite and the QA service's tools use of the container."""

    def __init__(self, settings, documents: int = 1) -> None:
        self.settings = settings
        self.search = FakeSearch()
        self.catalog = type("Catalog", (), {"documents": lambda _self: ["d1"] * documents})()
        self.llm = type("LLM", (), {"model_name": lambda _self: "fake-model"})()
        self.qa = QAService(settings, Toolbox(self), copy_first)


def test_a_run_scores_answers_and_refusals_and_groups_by_category(tmp_path: Path, settings) -> None:
    data = write(tmp_path / "qa.jsonl", "\n".join([
        json.dumps({"id": "a1", "question": "永久基本农田划定工作以哪一级行政区域为单位开展？", "category": "farmland",
                    "supports": [SUPPORT, {"doc_title": "基本农田保护条例", "locator": "第十一条"}],
                    "facts": ["乡（镇）为单位", "报国务院批准"]}, ensure_ascii=False),
        json.dumps({"id": "o1", "question": "新加坡的概念规划多少年修编一次？"}, ensure_ascii=False),
        "{oops",
    ]) + "\n")
    services = Services(settings)
    results = run("qa", out=tmp_path / "run", settings=settings, container=lambda: services, dataset=data,
                  report=False)
    lines = {p.id: p for p in read_predictions(tmp_path / "run")}
    a1, o1 = lines["a1"], lines["o1"]
    assert a1.citations == [{"doc_title": "土地管理法", "locator": "第三十四条", "version": "2019-08-26",
                             "correct": True}]
    assert a1.facts_found == ["乡（镇）为单位"] and a1.grounded and not a1.correct  # a fact is missing
    assert a1.gold["supports"][0] == SUPPORT and a1.ttft_ms == 7.0
    assert o1.refused and o1.correct and o1.prediction.startswith("依据不足") and o1.gold == "依据不足"
    m = results.metrics
    assert (m["key_fact_recall"], m["citation_precision"], m["citation_recall"]) == (0.5, 1.0, 0.5)
    assert (m["groundedness"], m["refusal_rate"], m["false_refusals"]) == (1.0, 1.0, 0)
    assert m["p50_ttft_ms"] == 7.0 and m["p95_latency_ms"] is not None
    assert set(results.per_subject) == {"farmland", "unanswerable"}
    assert results.per_subject["farmland"]["n"] == 1 and results.per_subject["unanswerable"]["refusal_rate"] == 1.0
    assert results.malformed["count"] == 1 and results.malformed["lines"][0]["line"] == 3
    assert results.baselines == {} and results.run.model == "fake-model"


def test_an_empty_workspace_is_refused_before_asking(tmp_path: Path, settings) -> None:
    data = write(tmp_path / "qa.jsonl", line("o1") + "\n")
    with pytest.raises(EvalInputError, match="holds no documents"):
        run("qa", out=tmp_path / "run", settings=settings, container=lambda: Services(settings, documents=0),
            dataset=data, report=False)


def test_a_resumed_run_asks_only_what_the_interrupted_one_had_not(tmp_path: Path, settings) -> None:
    questions = [json.dumps({"id": f"o{n}", "question": f"新加坡的概念规划第{n}问？"}, ensure_ascii=False)
                 for n in range(3)]
    data = write(tmp_path / "qa.jsonl", "\n".join(questions) + "\n")
    services = Services(settings)
    asked: list[str] = []
    real = services.qa.ask

    def dies_on_the_third(question, **kwargs):
        if len(asked) == 2:
            raise KeyboardInterrupt
        asked.append(question)
        return real(question, **kwargs)

    services.qa.ask = dies_on_the_third
    with pytest.raises(KeyboardInterrupt):
        run("qa", out=tmp_path / "run", settings=settings, container=lambda: services, dataset=data, report=False)
    fresh = Services(settings)
    again: list[str] = []
    ask = fresh.qa.ask
    fresh.qa.ask = lambda question, **kwargs: again.append(question) or ask(question, **kwargs)
    results = run("qa", out=tmp_path / "run", settings=settings, container=lambda: fresh, dataset=data,
                  report=False, resume=True)
    assert again == ["新加坡的概念规划第2问？"] and results.n == 3
    lines = {p.id: p for p in read_predictions(tmp_path / "run")}
    assert all(lines[f"o{n}"].refused and lines[f"o{n}"].correct for n in range(3))
    assert results.metrics["refusal_rate"] == 1.0 and results.run.options["resumed_answers"] == 2
