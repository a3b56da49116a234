"""Every graph query on the demo data, in the embedded ArcadeDB over Bolt.

The graph holds the demo documents, a few national clauses (土地管理法 §35, §44; 48号 (十一)) and the
demo plan's zones and indicators: unit SF-03's parcels break its share of the county's 城乡建设用地规模,
and SF-02's parcels exceed its floor-area cap.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.access import Role
from assistant.cli import app
from knowledge_graph.service import GraphService
from tests.conftest import write

pytest_plugins = ["tests.integration.conftest_graph"]
DEMO_DOCS = Path(__file__).resolve().parents[2] / "demo" / "documents"

LAND_LAW = """# 中华人民共和国土地管理法

第三十五条 永久基本农田经依法划定后，任何单位和个人不得擅自占用或者改变其用途。国家能源、交通、水利、军事设施等重点建设项目选址确实难以避让永久基本农田，涉及农用地转用或者土地征收的，必须经国务院批准。

第四十四条 建设占用土地，涉及农用地转为建设用地的，应当办理农用地转用审批手续。

永久基本农田转为建设用地的，由国务院批准。
"""
GUIDANCE = """# 关于在国土空间规划中统筹划定落实三条控制线的指导意见

（十一）严格实施管理。三条控制线是国土空间用途管制的基本依据，涉及生态保护红线、永久基本农田占用的，报国务院审批；对于生态保护红线内允许的对生态功能不造成破坏的有限人为活动，由省级政府制定具体监管办法；城镇开发边界调整报国土空间规划原审批机关审批。
"""


@pytest.fixture(scope="module")
def graph(graph_store, graph_settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("graph-docs")
    write(folder / "土地管理法(2019-08-26).md", LAND_LAW)
    write(folder / "关于在国土空间规划中统筹划定落实三条控制线的指导意见.txt", GUIDANCE)
    service = GraphService(graph_store, graph_settings, catalog=None)
    report = service.build(paths=[DEMO_DOCS, folder], demo=True, clear=True)
    assert not report.failed
    yield service
    graph_store.clear()


def test_stats_count_every_label_and_relationship(graph):
    counts = graph.stats()
    assert set(counts["labels"]) == {"Document", "Clause", "LandUseClass", "Zone", "Indicator", "Rule"}
    assert counts["labels"]["LandUseClass"] == 175 and counts["labels"]["Zone"] == 69
    assert {"PART_OF", "PARENT_OF", "CONTAINS", "ALLOCATED_TO", "TRANSMITS_TO", "DERIVED_FROM",
            "APPLIES_TO"} <= set(counts["relationships"])


def test_building_twice_gives_the_same_graph(graph):
    before = graph.stats()
    graph.build(paths=[DEMO_DOCS], demo=True)
    assert graph.stats() == before


def test_rules_that_apply_to_a_control_line_cite_their_clauses(graph):
    result = graph.rules("永久基本农田", role=Role.PUBLIC)
    assert result.resolved == ["line:permanent_basic_farmland"]
    by_id = {r.rule_id: r for r in result.rules}
    pbf = by_id["engine:pbf.occupation"]
    assert pbf.modality == "禁止" and pbf.source.locator == "第三十五条" and pbf.source.clause_id
    assert any(r.authority == "国务院" and r.source.locator == "第四十四条" for r in result.rules)
    assert graph.rules("permanent_basic_farmland").resolved == result.resolved


def test_rules_that_apply_to_a_land_use_class_include_its_ancestors(graph):
    result = graph.rules("二类城镇住宅用地")
    assert result.resolved == ["070102", "0701", "07"]
    assert graph.rules("不存在的用地").resolved == []


@pytest.mark.parametrize(("question", "authority", "locator"), [
    ("永久基本农田转为建设用地", "国务院", "第四十四条"),
    ("城镇开发边界调整", "国土空间规划原审批机关", "（十一）"),
])
def test_authority_for_an_action(graph, question, authority, locator):
    result = graph.authority(question)
    assert result.authority == authority
    assert result.candidates[0].source.locator == locator


def test_chain_of_a_unit_that_breaks_the_county_cap(graph):
    result = graph.chain("SF-03")
    quota = next(c for c in result.chains if c.name == "城乡建设用地规模")
    assert [n.zone_id for n in quota.up] == ["county:示范县", "district:中心城区片区"]
    assert [n.target for n in quota.up] == [62.5, 27.8]
    assert quota.node.target == pytest.approx(0.95) and quota.node.children_sum == pytest.approx(1.018396)
    assert len(quota.down) == 11 and all(n.level == "parcel" for n in quota.down)
    assert any(b.startswith("SF-03:城乡建设用地规模") and "over the cap" in b for b in result.breaches)
    assert graph.chain("SF-01").breaches == []


def test_chain_of_the_county_down_to_parcels(graph):
    result = graph.chain("county:示范县")
    farmland = next(c for c in result.chains if c.name == "耕地保有量")
    assert farmland.up == [] and farmland.node.bound == "min"
    assert farmland.node.children_sum == pytest.approx(204.61)
    quota = next(c for c in result.chains if c.name == "城乡建设用地规模")
    assert {n.level for n in quota.down} == {"district", "unit", "parcel"}
    assert any("SF-03" in b for b in result.breaches)  # seen from the top, too


def test_unit_balance(graph):
    over = graph.unit_balance("SF-02")
    assert over.cap_m2 == 1550000 and len(over.parcels) == 13
    assert over.planned_gfa_m2 == pytest.approx(1585917, rel=1e-5) and over.within_cap is False
    assert over.ratio == pytest.approx(1.0232, abs=1e-4)
    assert graph.unit_balance("SF-01").within_cap is True
    assert graph.chain("SF-02").breaches  # the same fact seen as a chain breach


def test_neighbourhood_of_a_law_clause(graph, graph_store):
    clause = graph_store.read("MATCH (c:Clause) WHERE c.locator = '第四十四条' AND c.doc_title CONTAINS '土地管理法' "
                              "RETURN c.clause_id AS id")[0]["id"]
    n = graph.neighbourhood(clause)
    assert n.locator == "第四十四条" and "国务院" in n.text
    assert any(r.authority == "国务院" and r.modality == "审批" for r in n.rules)
    assert any(z["zone_id"] == "line:permanent_basic_farmland" for z in n.zones)


def test_neighbourhood_of_a_plan_table_brings_indicators_and_zones(graph, graph_store):
    clause = graph_store.read("MATCH (c:Clause) WHERE c.locator = '表2-2' RETURN c.clause_id AS id")[0]["id"]
    n = graph.neighbourhood(clause)
    names = {i["name"] for i in n.indicators}
    assert {"耕地保有量", "城乡建设用地规模"} <= names
    assert {"district:中心城区片区", "district:北部生态片区"} <= {z["zone_id"] for z in n.zones}


def test_internal_clauses_and_rules_are_hidden_from_the_public(graph, graph_store):
    internal = graph_store.read("MATCH (c:Clause) WHERE c.access = 'internal' RETURN c.clause_id AS id LIMIT 1")
    assert internal
    assert graph.neighbourhood(internal[0]["id"], role=Role.PUBLIC) is None
    assert graph.neighbourhood(internal[0]["id"], role=Role.OFFICER) is not None
    hidden = graph_store.read("MATCH (r:Rule) WHERE r.access <> 'public' RETURN count(r) AS n")[0]["n"]
    assert hidden > 0
    for target in ("永久基本农田", "生态保护红线", "城镇开发边界"):
        visible = {r.rule_id for r in graph.rules(target, role=Role.PUBLIC).rules}
        secret = graph_store.read("MATCH (r:Rule) WHERE r.access <> 'public' RETURN r.rule_id AS id")
        assert not visible & {s["id"] for s in secret}
    # each hit says its level, so a citation built from it shows the right one
    levels = {r.access for t in ("永久基本农田", "生态保护红线", "城镇开发边界")
              for r in graph.rules(t, role=Role.ADMIN).rules}
    assert "public" in levels and levels - {"public"}


def test_cli_graph_commands(graph_settings, graph, monkeypatch):
    monkeypatch.setenv("ONEMAP_HOME", str(graph_settings.workspace))
    monkeypatch.setenv("ONEMAP_PROFILE", "test")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, list(args), catch_exceptions=False)

    stats = run("graph", "stats", "--json")
    assert stats.exit_code == 0 and json.loads(stats.stdout)["labels"]["LandUseClass"] == 175
    rules = run("graph", "rules", "--applies-to", "永久基本农田", "--json")
    assert rules.exit_code == 0 and json.loads(rules.stdout)["rules"]
    chain = run("graph", "chain", "--zone", "SF-03", "--json")
    assert chain.exit_code == 0 and json.loads(chain.stdout)["breaches"]
    refused = run("graph", "cypher", "MATCH (n) DETACH DELETE n")
    assert refused.exit_code == 2 and refused.output.strip().startswith("error:")
    assert run("graph", "stats", "--json").stdout == stats.stdout  # nothing was deleted
    assert run("graph", "cypher", "MATCH (z:Zone {zone_id: 'SF-02'}) RETURN z.gfa_cap_m2 AS cap").exit_code == 0
    assert run("graph", "chain", "--zone", "nowhere").exit_code == 2
    assert run("graph", "rules", "--applies-to", "火星").exit_code == 2
    assert run("graph", "cypher", "RETURN 1", "--role", "public").exit_code == 2
