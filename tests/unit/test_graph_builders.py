"""Graph builders are pure: demo plan → zones, indicators and the transmission chain; documents → clauses."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import IngestSettings
from knowledge_graph.builders.documents import document_graph, from_files, group_clauses
from knowledge_graph.builders.landuse import landuse_graph
from knowledge_graph.builders.plan import bound_of, demo_sources, pipe_table, plan_graph
from knowledge_graph.builders.rules import engine_rules_graph, find_clause
from knowledge_graph.schema import KEYS, RELATIONSHIPS, merge_edges_cypher, merge_nodes_cypher
from spatial.rules import load_rules
from tests.conftest import write

DEMO_DOCS = Path(__file__).resolve().parents[2] / "demo" / "documents" / "public"


@pytest.fixture(scope="module")
def demo_docs():
    return from_files([DEMO_DOCS], IngestSettings())


@pytest.fixture(scope="module")
def plan(demo_docs):
    return plan_graph(demo_sources(demo_docs))


def test_zone_hierarchy_county_district_unit_parcel(plan):
    zones = plan.nodes["Zone"]
    assert zones["county:示范县"]["kind"] == "county"
    assert {z["kind"] for z in zones.values()} == {"county", "district", "unit", "parcel", "control_line",
                                                    "planning_zone"}
    contains = plan.edges[("CONTAINS", "Zone", "Zone")]
    assert ("county:示范县", "district:中心城区片区") in contains
    assert ("district:中心城区片区", "SF-02") in contains and ("SF-02", "SF-02-09") in contains
    assert sum(1 for a, _ in contains if a == "SF-02") == 13
    assert zones["SF-02"]["gfa_cap_m2"] == 1550000


def test_indicators_and_transmission(plan):
    ind = plan.nodes["Indicator"]
    county = ind["示范县:城乡建设用地规模"]
    assert (county["target"], county["baseline"], county["nature"], county["bound"]) == (62.5, 58.36, "约束性", "max")
    assert ind["示范县:耕地保有量"]["bound"] == "min"
    assert ind["SF-03:城乡建设用地规模"]["target"] == pytest.approx(0.95)
    assert ind["SF-02-09:建筑总量"]["target"] == pytest.approx(2.8 * 86801, rel=1e-4)
    tx = plan.edges[("TRANSMITS_TO", "Indicator", "Indicator")]
    assert ("示范县:城乡建设用地规模", "中心城区片区:城乡建设用地规模") in tx
    assert ("中心城区片区:城乡建设用地规模", "SF-03:城乡建设用地规模") in tx
    assert ("SF-03:城乡建设用地规模", "SF-03-01:城乡建设用地规模") in tx
    assert ("SF-02:建筑总量", "SF-02-09:建筑总量") in tx
    derived = plan.edges[("DERIVED_FROM", "Indicator", "Clause")]
    assert any(a == "示范县:耕地保有量" and b.endswith("#表2-1") for a, b in derived)


def test_pipe_table_and_bounds():
    text = "前文\n\n表9 测试\n\n| 名称 | 值 |\n|---|---|\n| 甲 | 1 |\n| 乙 | 2 |\n\n后文 | 不是表"
    assert pipe_table(text, "表9 测试") == [{"名称": "甲", "值": "1"}, {"名称": "乙", "值": "2"}]
    assert pipe_table(text, "表10") == []
    assert bound_of("永久基本农田保护面积") == "min" and bound_of("城镇开发边界面积") == "max"


def test_landuse_graph_is_the_whole_2023_table():
    g = landuse_graph()
    assert len(g.nodes["LandUseClass"]) == 175
    assert ("0701", "070102") in g.edges[("PARENT_OF", "LandUseClass", "LandUseClass")]


def test_clauses_group_chunks_of_one_article(tmp_path):
    clauses = group_clauses("D", [(0, "第一条", "甲"), (1, "第二条", "乙"), (2, "第二条", "丙"), (3, "", "无")])
    assert [(c.clause_id, c.text) for c in clauses] == [("D#第一条", "甲"), ("D#第二条", "乙\n丙"), ("D#3", "无")]
    a = write(tmp_path / "示例法(2019-01-01).md", "# 示例法\n\n第一条 甲。\n\n第二条 乙。\n")
    b = write(tmp_path / "示例法(2020-01-01).md", "# 示例法\n\n第一条 甲甲。\n")
    g = document_graph(from_files([a, b], IngestSettings()))
    assert len(g.nodes["Document"]) == 2 and len(g.nodes["Clause"]) == 3
    (newer, older), = g.edges[("SUPERSEDES", "Document", "Document")]
    docs = g.nodes["Document"]
    assert docs[newer]["version"] == "2020-01-01" and docs[older]["version"] == "2019-01-01"


def test_engine_rules_link_to_their_clauses_when_present(tmp_path):
    law = write(tmp_path / "土地管理法(2019-08-26).md", "# 土地管理法\n\n第三十五条 永久基本农田经依法划定后，"
                "任何单位和个人不得擅自占用或者改变其用途。\n")
    docs = from_files([law], IngestSettings())
    assert find_clause(docs, "中华人民共和国土地管理法", "第三十五条")[0].endswith("#第三十五条")
    g = engine_rules_graph(load_rules(), docs)
    derived = dict(g.edges[("DERIVED_FROM", "Rule", "Clause")])
    assert derived["engine:pbf.occupation"].endswith("#第三十五条")
    assert ("engine:pbf.occupation", "line:permanent_basic_farmland") in g.edges[("APPLIES_TO", "Rule", "Zone")]
    assert g.nodes["Rule"]["engine:pbf.occupation"]["modality"] == "禁止"


def test_cypher_templates_cover_the_schema():
    for label in KEYS:
        assert f"MERGE (n:{label} {{{KEYS[label]}: row.key}})" in merge_nodes_cypher(label)
    for rel, (start, ends) in RELATIONSHIPS.items():
        assert f"MERGE (a)-[:{rel}]->(b)" in merge_edges_cypher(rel, start, ends[0])
