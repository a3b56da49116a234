from pathlib import Path

import pytest

from assistant.access import Role, readable_levels
from assistant.retrieval.fusion import reciprocal_rank_fusion
from ingest.identity import infer_doc_type, jurisdiction_of, split_title_version
from ingest.lexicon import expand_query, tokenize
from ingest.models import Access, DocType


@pytest.mark.parametrize(
    "stem, title, version",
    [
        ("土地管理法(2019-08-26)", "土地管理法", "2019-08-26"),
        ("土地管理法（2019-08-26）", "土地管理法", "2019-08-26"),
        ("国土空间规划一张图建设指南(试行)", "国土空间规划一张图建设指南(试行)", ""),
        ("北京市测绘条例", "北京市测绘条例", ""),
    ],
)
def test_title_and_version_from_file_name(stem: str, title: str, version: str) -> None:
    assert split_title_version(stem) == (title, version)


@pytest.mark.parametrize(
    "title, folder, expected",
    [
        ("土地管理法", "laws/行政法", DocType.LAW),
        ("土地管理法实施条例", "laws/行政法规", DocType.REGULATION),
        ("最高人民法院关于审理涉及农村集体土地行政案件若干问题的规定", "laws/司法解释", DocType.REGULATION),
        ("关于在国土空间规划中统筹划定落实三条控制线的指导意见", "policies", DocType.POLICY),
        ("省级国土空间规划编制指南(试行)", "policies", DocType.STANDARD),
        ("示范县国土空间总体规划（2021—2035年）文本", "demo", DocType.PLAN),
    ],
)
def test_doc_type_inferred(title: str, folder: str, expected: DocType) -> None:
    assert infer_doc_type(title, Path(folder) / f"{title}.md") == expected


def test_jurisdiction() -> None:
    assert jurisdiction_of("浙江省土地管理条例") == "浙江"
    assert jurisdiction_of("宁波市国土空间规划条例") == "宁波"
    assert jurisdiction_of("土地管理法") == ""
    assert jurisdiction_of("城市房地产管理法") == ""


def test_rrf_rewards_agreement() -> None:
    scores = reciprocal_rank_fusion([["a", "b", "c"], ["c", "b", "a"]], k=60)
    assert scores["b"] == pytest.approx(2 / 62)
    weighted = reciprocal_rank_fusion([["a"], ["b"]], k=60, weights=[2.0, 1.0])
    assert weighted["a"] > weighted["b"]


def test_roles_read_levels() -> None:
    assert readable_levels(Role.PUBLIC) == [Access.PUBLIC]
    assert readable_levels(Role.OFFICER) == [Access.PUBLIC, Access.INTERNAL]
    assert readable_levels(Role.ADMIN) == list(Access)


def test_strictest_access_wins() -> None:
    assert Access.strictest(Access.PUBLIC, Access.CONFIDENTIAL) is Access.CONFIDENTIAL
    assert Access.strictest(None, None) is Access.PUBLIC


def test_lexicon_keeps_planning_terms_whole_and_expands_colloquial_words() -> None:
    tokens = tokenize("城镇开发边界内的容积率")
    assert "城镇开发边界" in tokens and "容积率" in tokens
    assert "的" not in tokens
    assert "永久基本农田" in expand_query("基本农田能不能建厂")
    assert expand_query("永久基本农田") == "永久基本农田"
