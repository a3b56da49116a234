"""The planning lexicon: colloquial → formal query expansion, whole planning words, stopwords."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.lexicon import (
    FORMAL_GUARDS,
    PLANNING_TERMS,
    STOPWORDS,
    SYNONYM_GROUPS,
    SYNONYMS,
    expand_query,
    tokenize,
)


def added(query: str) -> list[str]:
    """The terms ``expand_query`` appends to ``query``."""
    expanded = expand_query(query)
    assert expanded.startswith(query)
    return expanded[len(query) :].split()


# ------------------------------------------------------------------ expansions


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("开发商通过招拍挂拿地", {"招标", "拍卖", "挂牌", "出让", "房地产开发企业"}),
        ("土地款交不上怎么办", {"土地使用权出让金"}),
        ("连房带地一起卖给别人", {"地上建筑物", "其他附着物"}),
        ("学校用地是不是政府划给的", {"公益事业", "公共设施", "划拨"}),
        ("责任田能不能盖房", {"承包地", "耕地", "建住宅", "宅基地"}),
        ("一户两宅要不要退出", {"一户一宅"}),
        ("嫁出去的女儿能分征地补偿款吗", {"妇女", "集体经济组织成员", "土地补偿费"}),
        ("钉子户不搬怎么办", {"强制执行", "搬迁"}),
        ("拆迁补多少钱", {"房屋征收", "补偿标准"}),
        ("村干部违规批地会不会坐牢", {"村民委员会", "非法批准征收", "刑事责任", "犯罪"}),
        ("乱占耕地盖的房子要拆掉吗", {"非法占用", "拆除", "恢复原状"}),
        ("农村建房要办什么证", {"许可证", "核发", "建住宅"}),
        ("规划证多久有效", {"建设工程规划许可证", "建设用地规划许可证", "有效期"}),
        ("控规调规要报谁", {"控制性详细规划", "修改", "调整", "批准"}),
        ("工改商要补交什么", {"改变", "土地用途", "出让合同"}),
        ("文保单位旁边能不能盖楼", {"文物保护单位"}),
        ("工地挖出文物怎么办", {"地下文物", "考古调查", "勘探"}),
        ("老街上的老房子能挪走吗", {"历史文化街区", "历史建筑", "迁移", "异地保护"}),
        ("保护区里砍树罚多少", {"自然保护区", "缓冲区", "采伐", "林木", "罚款"}),
        ("河道挖沙开矿谁管", {"采砂", "采矿", "矿产资源", "主管部门"}),
        ("两个村为地界吵架归谁", {"界址", "权属争议", "协商", "所有权"}),
        ("对处罚不服可以告政府吗", {"行政复议", "行政诉讼", "起诉"}),
        ("省里还是县里审批", {"省级人民政府", "省、自治区、直辖市人民政府", "县级人民政府"}),
        ("找规划局还是国土局", {"城乡规划主管部门", "自然资源主管部门"}),
        ("三区三线是什么", {"三条控制线", "生态保护红线", "永久基本农田", "城镇开发边界"}),
        ("村里批地找谁", {"农用地转用", "审批"}),
        ("基本农田能不能建厂", {"永久基本农田"}),
    ],
)
def test_colloquial_queries_gain_the_formal_terms(query: str, expected: set[str]) -> None:
    assert expected <= set(added(query))


def test_the_docstring_example() -> None:
    assert expand_query("村里批地找谁") == "村里批地找谁 农用地转用 审批 主管部门 申请"


def test_terms_already_in_the_query_are_not_repeated() -> None:
    assert "出让" not in added("招拍挂出让的土地")
    assert added("拆迁 房屋征收") == ["补偿"]


@pytest.mark.parametrize(
    "query",
    [
        "永久基本农田",
        "永久基本农田保护红线的划定",
        "耕地保护红线",
        "永久基本农田保护区的划定",
        "土地出让红线图",
        "国有土地使用权出让合同的解除",
        "建设用地规划许可证的核发条件",
        "生态保护红线内允许的有限人为活动",
        "历史文化街区保护规划的编制",
        "被征收人对补偿决定有异议的处理",
        "饮用水水源保护区内禁止的行为",
        "城镇开发边界内的详细规划",
        "农村集体经济组织成员资格的认定",
        "被征地农民的社会保障费用",
        "协调规划与土地利用总体规划的关系",
        "测算数额按照有关规定审查确定",
        "农业农村部的职责",
        "城市里的道路红线",
        "核心景区内的建设活动",
    ],
)
def test_formal_queries_are_left_unchanged(query: str) -> None:
    assert expand_query(query) == query


def test_a_formal_question_gains_at_most_approval_terms() -> None:
    assert set(added("永久基本农田转为建设用地由谁批准")) <= {"批准", "审批", "机关"}


def test_a_key_inside_a_longer_key_does_not_fire_twice() -> None:
    # 违规批地 is one finding, not also 批地 (农用地转用 审批)
    assert "农用地转用" not in added("违规批地")
    assert added("砍树证") == ["采伐许可证"]


# ------------------------------------------------------------------ lexicon shape


def test_the_lexicon_is_broad_and_grouped_without_duplicate_keys() -> None:
    assert sum(len(group) for group in SYNONYM_GROUPS.values()) == len(SYNONYMS)
    assert 150 <= len(SYNONYMS) <= 260
    assert len(SYNONYM_GROUPS) >= 10 and all(len(group) >= 10 for group in SYNONYM_GROUPS.values())


def test_every_key_has_two_letters_and_a_short_formal_side() -> None:
    for key, formal in SYNONYMS.items():
        terms = formal.split()
        assert len(key) >= 2, key
        assert 1 <= len(terms) <= 4, (key, formal)
        assert len(set(terms)) == len(terms), (key, formal)
        assert key not in terms, key


def test_no_formal_term_is_itself_a_key() -> None:
    formal = {t for side in SYNONYMS.values() for t in side.split()}
    assert not formal & SYNONYMS.keys()


def test_every_key_fires_on_its_own() -> None:
    silent = [key for key in SYNONYMS if expand_query(key) == key]
    assert not silent


def test_guards_are_not_keys() -> None:
    assert not set(FORMAL_GUARDS) & SYNONYMS.keys()


@pytest.mark.parametrize(
    "query",
    [
        *SYNONYMS,
        "村里批地找谁",
        "保护区里砍树罚多少",
        "嫁出去的女儿能分征地补偿款吗",
        "招拍挂拿地要交多少土地款",
        "省里还是县里批",
        "违规批地会坐牢吗",
    ],
)
def test_expanding_twice_adds_nothing(query: str) -> None:
    once = expand_query(query)
    assert expand_query(once) == once


def test_expansion_is_fast() -> None:
    queries = [f"{key}怎么办理" for key in SYNONYMS] + ["永久基本农田转为建设用地由谁批准"] * 50
    expand_query("预热")
    start = time.perf_counter()
    for _ in range(4):
        for q in queries:
            expand_query(q)
    per_query = (time.perf_counter() - start) / (4 * len(queries))
    assert per_query < 1e-3


# ------------------------------------------------------------------ tokenizer


NEW_TERMS = (
    "招拍挂",
    "责任田",
    "承包田",
    "文保单位",
    "规划证",
    "小产权房",
    "土地款",
    "钉子户",
    "划拨用地",
    "承包地",
    "一户一宅",
    "村民委员会",
    "被征收人",
    "产权调换",
    "补偿标准",
    "权属争议",
    "地下文物",
    "考古调查",
    "异地保护",
    "建设控制地带",
    "采伐许可证",
    "耕地占用税",
    "宅基地",
)


@pytest.mark.parametrize("term", NEW_TERMS)
def test_tokenize_keeps_new_planning_terms_whole(term: str) -> None:
    assert term in PLANNING_TERMS
    assert term in tokenize(f"关于{term}的规定")


def test_tokenize_keeps_every_planning_term_without_punctuation_whole() -> None:
    broken = [t for t in PLANNING_TERMS if "、" not in t and t not in tokenize(f"关于{t}的规定")]
    assert not broken


def test_colloquial_question_frames_are_stopwords_but_content_stays() -> None:
    tokens = tokenize("宅基地能不能转让，算不算违法，咋办")
    assert {"宅基地", "转让", "违法"} <= set(tokens)
    assert not {"能不能", "算不算", "咋办"} & set(tokens)
    for word in ("能不能", "怎么办", "行不行", "算不算", "可不可以", "是不是"):
        assert word in STOPWORDS
    for content in ("转让", "批准", "违法", "补偿", "宅基地", "不得"):
        assert content not in STOPWORDS


# ------------------------------------------------------------------ against the corpus


@pytest.mark.corpus
def test_every_formal_term_occurs_in_the_corpus(shared_corpus: Path) -> None:
    text = "".join(
        p.read_text(encoding="utf-8", errors="ignore")
        for p in shared_corpus.rglob("*")
        if p.is_file() and p.suffix.lower() in {".md", ".txt"}
    )
    formal = {t for side in SYNONYMS.values() for t in side.split()}
    missing = sorted(t for t in formal if t not in text)
    assert not missing
