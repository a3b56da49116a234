"""Reading fill-in-the-blank questions off excerpts (assistant.qa.cloze)."""

from __future__ import annotations

import pytest

from assistant.qa.cloze import cloze_answer, context_match

ARTICLE_11 = "第十一条 国务院城乡规划主管部门负责全国的城乡规划管理工作。县级以上地方人民政府城乡规划主管部门负责本行政区域内的城乡规划管理工作。"
SCOPE = {"A": "本行政区域内", "B": "本行政区域规划区内", "C": "本行政区域建成区内", "D": "本行政区域建设用地范围内"}


def test_the_option_the_clause_states_is_read() -> None:
    q = "根据《城乡规划法》，县级以上地方人民政府城乡规划主管部门负责( )的城乡规划管理工作。"
    assert cloze_answer(q, SCOPE, ["无关的条文。", ARTICLE_11]) == "A"
    assert cloze_answer(q.replace("( )", "______"), SCOPE, [ARTICLE_11]) == "A"
    assert cloze_answer(q.replace("( )", "（　）"), SCOPE, [ARTICLE_11]) == "A"


def test_a_longer_option_wins_only_when_the_context_follows_it() -> None:
    q = "历史文化街区核心保护范围内______的总用地面积，不应小于核心保护范围内建筑总用地面积的60%。"
    opts = {"A": "文物古迹、历史建筑", "B": "文物古迹、历史建筑、传统风貌建筑"}
    text = "核心保护范围内文物古迹、历史建筑、传统风貌建筑的总用地面积不应小于……"
    assert cloze_answer(q, opts, [text]) == "B"


@pytest.mark.parametrize("question, multi", [
    ("下列不属于县级以上地方人民政府城乡规划主管部门负责( )的城乡规划管理工作。", False),  # asks for the wrong one
    ("除下列哪项外，县级以上地方人民政府城乡规划主管部门负责( )的城乡规划管理工作。", False),
    ("县级以上地方人民政府城乡规划主管部门负责( )的城乡规划管理工作。", True),  # multiple choice
    ("县级以上( )人民政府城乡规划主管部门负责( )的城乡规划管理工作。", False),  # two blanks
    ("下列说法正确的是", False),  # no blank
])
def test_declines_what_it_cannot_read(question: str, multi: bool) -> None:
    assert cloze_answer(question, SCOPE, [ARTICLE_11], multi=multi) == ""


def test_declines_without_enough_context_or_on_a_tie() -> None:
    q = "中国历史文化名镇、名村由( )确定。"
    opts = {"A": "国务院", "B": "省、自治区、直辖市人民政府"}
    # only 确定 (2 characters) repeats beside B: not enough to tell the clause apart from a passing mention
    assert cloze_answer(q, opts, ["经省、自治区、直辖市人民政府确定的保护主管部门会同同级文物主管部门论证"]) == ""
    tie = {"A": "本行政区域内", "B": "本行政区域内 "}
    assert cloze_answer("负责( )的城乡规划管理工作", tie, [ARTICLE_11]) == ""
    assert cloze_answer("负责( )的城乡规划管理工作", SCOPE, []) == ""


def test_context_is_counted_on_both_sides_of_every_occurrence() -> None:
    assert context_match("主管部门负责", "本行政区域内", "的城乡规划", ARTICLE_11) == 6 + 5
    assert context_match("x", "全国", "y", ARTICLE_11) == 0
    assert context_match("x", "规划区", "y", ARTICLE_11) == -1
