"""Multiple-choice mode: reply parsing, prompts, and the service with plain fakes for the model and search."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.qa.choice import (
    EVIDENCE_CHARS,
    MAX_TOKENS_MULTI,
    MAX_TOKENS_SINGLE,
    ChoiceQuestion,
    ChoiceService,
    build_messages,
    fit_evidence,
    focus,
    named_documents,
    parse_letters,
    retrieval_query,
    stem_coverage,
    title_key,
)

HEIGHTS = {"A": "0.30～0.90m", "B": "0.45～0.60m", "C": "0.15～0.30m", "D": "0.60～0.90m"}
YEARS = {"A": "1", "B": "2", "C": "3", "D": "5"}
FIVE = "ABCDE"

SINGLE = ChoiceQuestion(id="s1", question="竖向设计设计标高中，当建筑物无进车道时，一般室内地坪比室外地坪面高出____",
                        options=HEIGHTS, answer="B")
MULTI = ChoiceQuestion(id="m1", question="下列属于国土空间规划“三条控制线”的有( )",
                       options={"A": "生态保护红线", "B": "城市紫线", "C": "永久基本农田", "D": "城镇开发边界",
                                "E": "河道蓝线"}, multi=True, answer="DCA")


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("B", "B"),
        ("B\n", "B"),
        ("答案：B", "B"),
        ("答案是 B。", "B"),
        ("答案为B", "B"),
        ("【答案】B", "B"),
        ("正确答案：（B）", "B"),
        ("B. 0.45～0.60m", "B"),
        ("B、0.45～0.60m", "B"),
        ("B：0.45～0.60m", "B"),
        ("(B)", "B"),
        ("（B）", "B"),
        ("**B**", "B"),
        ("选B", "B"),
        ("我选B。", "B"),
        ("应选择 D", "D"),
        ("Ａ", "A"),
        ("ｃ", "C"),
        ("b", "B"),
        ("答案是b", "B"),
        ("The answer is C.", "C"),
        ("Answer: d", "D"),
        ("A不对，应选C", "C"),
        ("分析：A项过宽，B项过窄，D项与规范不符，故选C。", "C"),
        ("A和B都不符合规范，所以选D", "D"),
        ("答案不是A，是C", "C"),
        ("选项B正确", "B"),
        ("我认为是B", "B"),
        ("<think>先看A，再看B</think>D", "D"),
        ("<think>先看A，再看B，最后", ""),
    ],
)
def test_single_choice_replies(reply: str, expected: str) -> None:
    assert parse_letters(reply, "ABCD") == expected


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("ACD", "ACD"),
        ("DCA", "ACD"),
        ("A,C", "AC"),
        ("A, C, D", "ACD"),
        ("A C D", "ACD"),
        ("A、C、D", "ACD"),
        ("A和D", "AD"),
        ("正确答案为A、C、D", "ACD"),
        ("答案：ABCE", "ABCE"),
        ("acd", "ACD"),
        ("答案: a, c", "AC"),
        ("（A）（C）", "AC"),
        ("A、C、D。生态保护红线、永久基本农田、城镇开发边界", "ACD"),
        ("B", "B"),  # one letter is a parse (and scored wrong), not a failure
    ],
)
def test_multiple_choice_replies(reply: str, expected: str) -> None:
    assert parse_letters(reply, FIVE, multi=True) == expected


@pytest.mark.parametrize(
    "reply, options, multi",
    [
        ("", "ABCD", False),
        ("   ", "ABCD", False),
        ("不知道", "ABCD", False),
        ("E", "ABCD", False),  # outside the options
        ("答案：E", "ABCD", False),
        ("ACE", "ABCD", True),
        ("F", FIVE, False),
        ("GDP", "ABCD", False),  # a word is not a letter run
        ("AC", "ABCD", False),  # several letters for a single-choice question is ambiguous
        ("A,C", "ABCD", False),
        ("bad", "ABCD", False),  # lowercase words are not letters in single choice
    ],
)
def test_unparseable_replies(reply: str, options: str, multi: bool) -> None:
    assert parse_letters(reply, options, multi=multi) == ""


@pytest.mark.parametrize(
    "reply, options, multi, expected",
    [
        ("0.45～0.60m", HEIGHTS, False, "B"),  # exactly an option's text
        ("0.45~0.60m。", HEIGHTS, False, "B"),  # half-width tilde, trailing full stop
        ("应为0.45～0.60m", HEIGHTS, False, "B"),  # the text inside the reply
        ("0.45", HEIGHTS, False, "B"),  # the reply inside exactly one text
        ("0.90m", HEIGHTS, False, ""),  # inside two texts: ambiguous
        ("3年", YEARS, False, "C"),
        ("2或3", YEARS, False, ""),
        ("生态保护红线、永久基本农田、城镇开发边界", MULTI.options, True, "ACD"),
        ("城市紫线", MULTI.options, True, "B"),
    ],
)
def test_option_text_without_letter(reply: str, options: dict[str, str], multi: bool, expected: str) -> None:
    assert parse_letters(reply, options, multi=multi) == expected


def test_letters_win_over_quoted_option_text() -> None:
    assert parse_letters("答案是A，不是0.45～0.60m", HEIGHTS) == "A"


def test_question_normalises_letters_and_answer() -> None:
    q = ChoiceQuestion(id="x", question="q", options={"b": "二", "A": "一"}, answer="a")
    assert list(q.options) == ["A", "B"] and q.answer == "A"
    assert MULTI.answer == "ACD"


@pytest.mark.parametrize(
    "options, answer, multi",
    [
        ({"A": "only"}, "A", False),
        ({"A": "x", "F": "y"}, "A", False),
        ({"A": "x", "B": "y"}, "C", False),
        ({"A": "x", "B": "y"}, "AB", False),
        ({"A": "x", "B": "y"}, "", True),
    ],
)
def test_question_rejects_malformed(options: dict[str, str], answer: str, multi: bool) -> None:
    with pytest.raises(ValidationError):
        ChoiceQuestion(id="x", question="q", options=options, answer=answer, multi=multi)


def test_prompt_without_evidence() -> None:
    system, user = build_messages(SINGLE, None)
    assert system["role"] == "system" and "注册城乡规划师" in system["content"] and "国土空间规划" in system["content"]
    assert user["role"] == "user"
    assert "B. 0.45～0.60m" in user["content"]
    assert user["content"].endswith("只输出一个选项字母。")
    assert "参考资料" not in user["content"]


def test_prompt_for_multiple_choice_asks_for_all_letters() -> None:
    user = build_messages(MULTI, [])[1]["content"]
    assert "输出所有正确选项字母（至少两个）" in user
    assert "E. 河道蓝线" in user


def test_prompt_numbers_and_cites_evidence() -> None:
    hits = [{"doc_title": "城乡建设用地竖向规划规范", "locator": "第4.0.7条", "text": "室内外高差 0.45～0.60m"},
            {"doc_title": "城乡规划法", "locator": "第三十五条", "text": "规划\n条文"}]
    user = build_messages(SINGLE, hits)[1]["content"]
    assert "【1】《城乡建设用地竖向规划规范》第4.0.7条：室内外高差 0.45～0.60m" in user
    assert "【2】《城乡规划法》第三十五条：规划 条文" in user
    assert "自己的专业知识" in user
    assert user.index("【1】") < user.index(SINGLE.question[:10])


def test_evidence_is_capped_and_fitting_is_idempotent() -> None:
    hits = [{"doc_title": f"文件{i}" * 30, "locator": f"第{i}条", "text": "规" * (300 + 500 * i), "score": 1.0}
            for i in range(3)]
    fitted = fit_evidence(hits)
    block = "\n".join(f"【{i}】《{e['doc_title']}》{e['locator']}：{e['text']}" for i, e in enumerate(fitted, 1))
    assert len(block) <= EVIDENCE_CHARS
    assert set(fitted[0]) == {"doc_title", "locator", "text"}
    assert fitted[0]["text"] == "规" * 300  # the short first hit is kept whole
    assert fitted[1]["text"].endswith("…")
    assert fit_evidence(fitted) == fitted
    user = build_messages(SINGLE, hits)[1]["content"]
    assert len(user) < EVIDENCE_CHARS + 300
    many = fit_evidence(hits * 3)
    assert len(many) == 9 and max(len(e["text"]) for e in many) < 300  # nine hits share the same budget


def test_evidence_drops_trailing_hits_when_headers_do_not_fit() -> None:
    hits = [{"doc_title": "标" * 40, "locator": "第一条", "text": "文" * 200} for _ in range(40)]
    fitted = fit_evidence(hits)
    assert 1 <= len(fitted) < 40
    assert all(len(e["text"]) >= 30 for e in fitted)
    assert fit_evidence([{"doc_title": "空", "locator": "", "text": "  "}]) == []


def test_retrieval_query_carries_option_texts() -> None:
    query = retrieval_query(MULTI)
    assert "三条控制线" in query and "永久基本农田" in query and "( )" not in query
    assert "____" not in retrieval_query(SINGLE)


class FakeModel:
    """Answers from a dict by question id; with evidence in the prompt, the first option whose text it quotes."""

    def __init__(self, replies: dict[str, str], options: dict[str, str] | None = None) -> None:
        self.replies = replies
        self.options = options or {}
        self.calls: list[tuple[list[dict[str, str]], int]] = []

    def __call__(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        self.calls.append((messages, max_tokens))
        user = messages[-1]["content"]
        if "参考资料" in user:
            evidence = user.split("参考资料", 1)[1].split("以下是", 1)[0]
            for letter, text in self.options.items():
                if text in evidence:
                    return f"答案：{letter}"
        for qid, reply in self.replies.items():
            if qid in user:
                return reply
        return "A"


class FakeSearch:
    def __init__(self, hits: list[dict]) -> None:
        self.hits = hits
        self.queries: list[tuple[str, int]] = []

    def __call__(self, query: str, k: int) -> list[dict]:
        self.queries.append((query, k))
        return self.hits[:k]


EVIDENCE = [{"doc_title": "城乡建设用地竖向规划规范", "locator": "第4.0.7条",
             "text": "建筑物无进车道时，室内地坪比室外地坪高出 0.45～0.60m", "doc_id": "d1", "score": 0.9}]


def test_service_without_retrieval_never_searches() -> None:
    model, search = FakeModel({}, HEIGHTS), FakeSearch(EVIDENCE)
    got = ChoiceService(model, search).answer(SINGLE, retrieval=False)
    assert got.letters == "A" and got.parsed and got.evidence == [] and got.raw == "A"
    assert search.queries == []
    assert model.calls[0][1] == MAX_TOKENS_SINGLE
    assert got.latency_ms >= 0


def test_retrieval_changes_the_answer_when_evidence_holds_the_right_option() -> None:
    model, search = FakeModel({}, HEIGHTS), FakeSearch(EVIDENCE)
    service = ChoiceService(model, search, k=3)
    alone = service.answer(SINGLE, retrieval=False)
    grounded = service.answer(SINGLE, retrieval=True)
    assert (alone.letters, grounded.letters) == ("A", "B")
    assert grounded.evidence == [{"doc_title": "城乡建设用地竖向规划规范", "locator": "第4.0.7条",
                                  "text": EVIDENCE[0]["text"]}]
    query, k = search.queries[0]
    assert k == 3 and "0.45～0.60m" in query and "室内地坪" in query


def test_multi_question_gets_more_tokens() -> None:
    model = FakeModel({"三条控制线": "A、C、D"})
    got = ChoiceService(model).answer(MULTI, retrieval=False)
    assert got.letters == "ACD"
    assert model.calls[0][1] == MAX_TOKENS_MULTI > MAX_TOKENS_SINGLE


def test_unparseable_reply_is_reported_not_raised() -> None:
    got = ChoiceService(lambda messages, max_tokens: "我无法确定").answer(SINGLE, retrieval=False)
    assert (got.letters, got.parsed, got.raw) == ("", False, "我无法确定")


def test_retrieval_without_search_is_an_error() -> None:
    with pytest.raises(ValueError, match="no search function"):
        ChoiceService(FakeModel({})).answer(SINGLE, retrieval=True)
    with pytest.raises(ValueError, match="k must be"):
        ChoiceService(FakeModel({}), k=0)


# -- which excerpts a question gets ------------------------------------------------------------------------------

LAW = ChoiceQuestion(id="n1", question="根据《中华人民共和国文物保护法》，抢救发掘应当自开工之日起______个工作日内补办审批手续",
                     options={"A": "5", "B": "10"}, answer="B")
ARTICLE = ("第二十四条 国务院文物行政主管部门应当自收到发掘计划之日起30个工作日内作出批准或者不批准决定。"
           "决定批准的，发给批准文件；决定不批准的，应当书面通知当事人并说明理由。"
           "抢救性发掘，省人民政府文物行政主管部门应当自开工之日起10个工作日内向国务院文物行政主管部门补办审批手续。")


def test_titles_are_compared_without_country_name_and_date() -> None:
    assert title_key("中华人民共和国城乡规划法") == title_key("城乡规划法(2019-04-23)") == "城乡规划法"
    assert title_key("宁波市历史文化名城名镇名村保护条例") != title_key("历史文化名城名镇名村保护条例")
    assert named_documents(LAW) == {"文物保护法"}
    assert named_documents(SINGLE) == set()


def test_focus_keeps_the_sentence_that_answers() -> None:
    got = focus(ARTICLE, retrieval_query(LAW), 80)
    assert "自开工之日起10个工作日内" in got and len(got) <= 80
    assert not got.startswith("第二十四条")  # clipping from the start would have lost the answer
    assert focus(ARTICLE, "", 40) == ARTICLE[:39] + "…"
    assert focus("短文。", "任何", 40) == "短文。"


def test_fitted_evidence_is_focused_on_the_question() -> None:
    hits = [{"doc_title": "文物保护法实施条例", "locator": "第二十四条", "text": ARTICLE}] * 4
    fitted = fit_evidence(hits, budget=500, query=retrieval_query(LAW))
    assert all("10个工作日内" in e["text"] for e in fitted)
    assert fit_evidence(fitted, budget=500, query=retrieval_query(LAW)) == fitted


def test_a_named_document_limits_the_excerpts_to_it() -> None:
    other = {"doc_title": "土地管理法", "locator": "第五十三条", "text": "抢救发掘应当自开工之日起5个工作日内补办手续。"}
    own = {"doc_title": "文物保护法", "locator": "第三十二条", "text": ARTICLE}
    local = {"doc_title": "北京市实施《文物保护法》办法", "locator": "第九条", "text": ARTICLE}
    search = FakeSearch([other, local, own])
    got = ChoiceService(FakeModel({}), search, k=2).evidence(LAW)
    assert [(e["doc_title"], e["locator"]) for e in got] == [("文物保护法", "第三十二条")]
    assert search.queries[0][1] >= 30  # a wider pool, then only the named document's hits


def test_a_named_document_missing_from_the_knowledge_base_means_no_evidence() -> None:
    model = FakeModel({"n1": "A"}, {"A": "5", "B": "10"})
    search = FakeSearch([{"doc_title": "土地管理法", "locator": "第一条", "text": ARTICLE}])
    service = ChoiceService(model, search)
    grounded = service.answer(LAW, retrieval=True)
    assert grounded.evidence == [] and "参考资料" not in model.calls[-1][0][-1]["content"]
    assert grounded.letters == service.answer(LAW, retrieval=False).letters == "A"


def test_unnamed_questions_get_only_excerpts_that_restate_them() -> None:
    q = ChoiceQuestion(id="u1", question="对历史文化名城、名镇、名村核心保护范围内的建筑物、构筑物，应当区分不同情况，采取相应措施，实行( )",
                       options={"A": "原址保护", "B": "分类保护"}, answer="B")
    answering = {"doc_title": "历史文化名城名镇名村保护条例", "locator": "第二十七条",
                 "text": "第二十七条 对历史文化街区、名镇、名村核心保护范围内的建筑物、构筑物，应当区分不同情况，采取相应措施，实行分类保护。"}
    sharing_a_term = {"doc_title": "文物保护法", "locator": "第二十二条", "text": "第二十二条 不可移动文物应当实施原址保护。"}
    assert stem_coverage(q, answering["text"]) > 0.8 > 0.2 > stem_coverage(q, sharing_a_term["text"])
    got = ChoiceService(FakeModel({}), FakeSearch([sharing_a_term, answering])).evidence(q)
    assert [e["locator"] for e in got] == ["第二十七条"]
