"""Deterministic tool routing (assistant.qa.router): exact calls per intent, dedup and the cap."""

from __future__ import annotations

import doctest
from typing import Any

import pytest

from assistant.qa import router as router_mod
from assistant.qa.analysis import Entities, Intent, Quantity, QueryAnalysis, analyse
from assistant.qa.router import MAX_CALLS, ToolCall, route, unnamed


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def search(question: str) -> ToolCall:
    return call("search", query=question)


ROUTES = [
    # COMPLIANCE: applications
    ("P-003项目是否符合控规？", [call("spatial_check", project_id="P-003")]),
    ("帮我核查一下P-011", [call("spatial_check", project_id="P-011")]),
    ("核查P-001和P-010", [call("spatial_check", project_id="P-001"), call("spatial_check", project_id="P-010")]),
    # COMPLIANCE: a proposal on a parcel
    (
        "SF-01-03地块拟建容积率3.2、建筑高度85米，能批吗",
        [
            call("spatial_check", parcel_id="SF-01-03", indicators={"far": 3.2, "height": 85.0}),
            call("parcel_conditions", parcel_id="SF-01-03"),
        ],
    ),
    (
        "SF-02-03地块拟建二类城镇住宅，总建筑面积19.4万平方米，绿地率28%，建筑密度26%，容积率3.2",
        [
            call(
                "spatial_check",
                parcel_id="SF-02-03",
                land_use="070102",
                indicators={"far": 3.2, "building_density": 26.0, "green_ratio": 28.0, "gfa_m2": 194000.0},
            ),
            call("parcel_conditions", parcel_id="SF-02-03"),
        ],
    ),
    (
        "SF-01-04有没有占用耕地",  # 耕地 is not the proposed use: no land_use
        [
            call("spatial_check", parcel_id="SF-01-04", indicators={}),
            call("parcel_conditions", parcel_id="SF-01-04"),
        ],
    ),
    (
        "SF-01-03地块按090101建设，容积率2.8合规吗",
        [
            call("spatial_check", parcel_id="SF-01-03", land_use="090101", indicators={"far": 2.8}),
            call("parcel_conditions", parcel_id="SF-01-03"),
        ],
    ),
    # COMPLIANCE without an id: routed as knowledge
    (
        "商业综合体占用0.35公顷永久基本农田，合规吗",
        [
            search("商业综合体占用0.35公顷永久基本农田，合规吗"),
            call("graph_rules", subject="永久基本农田"),
            call("graph_rules", subject="0901"),
        ],
    ),
    # CONDITIONS
    ("SF-01-03的规划条件是什么", [call("parcel_conditions", parcel_id="SF-01-03"), search("SF-01-03的规划条件是什么")]),
    ("SF-02-03地块能建多高", [call("parcel_conditions", parcel_id="SF-02-03"), search("SF-02-03地块能建多高")]),
    (
        "SF-01-03和SF-01-04的控规指标",
        [
            call("parcel_conditions", parcel_id="SF-01-03"),
            call("parcel_conditions", parcel_id="SF-01-04"),
            search("SF-01-03和SF-01-04的控规指标"),
        ],
    ),
    # INDICATOR
    ("SF-03单元的指标传导情况", [call("indicator_chain", zone_id="SF-03"), search("SF-03单元的指标传导情况")]),
    ("SF-02-09所在单元的指标余量", [call("indicator_chain", zone_id="SF-02"), search("SF-02-09所在单元的指标余量")]),
    ("示范县城乡建设用地规模是多少", [call("indicator_chain", zone_id="county"), search("示范县城乡建设用地规模是多少")]),
    (
        "SF-01单元和SF-02单元的建筑总量平衡",
        [
            call("indicator_chain", zone_id="SF-01"),
            call("indicator_chain", zone_id="SF-02"),
            search("SF-01单元和SF-02单元的建筑总量平衡"),
        ],
    ),
    # KNOWLEDGE
    (
        "我家宅基地在基本农田里能翻建吗",
        [
            search("我家宅基地在基本农田里能翻建吗"),
            call("graph_rules", subject="宅基地"),
            call("graph_rules", subject="永久基本农田"),
        ],
    ),
    (
        "永久基本农田能不能建厂房",
        [search("永久基本农田能不能建厂房"), call("graph_rules", subject="永久基本农田")],
    ),
    (
        "生态保护红线、永久基本农田和城镇开发边界冲突时怎么处理",
        [
            search("生态保护红线、永久基本农田和城镇开发边界冲突时怎么处理"),
            call("graph_rules", subject="生态保护红线"),
            call("graph_rules", subject="永久基本农田"),
        ],
    ),
    ("征收三十五公顷耕地由谁批", [search("征收三十五公顷耕地由谁批"), call("graph_rules", subject="耕地")]),
    (
        "070102用地可以兼容商业吗",
        [
            search("070102用地可以兼容商业吗"),
            call("graph_rules", subject="070102"),
            call("graph_rules", subject="0901"),
        ],
    ),
    ("道路红线退让距离是多少", [search("道路红线退让距离是多少")]),
]


@pytest.mark.parametrize(("question", "expected"), ROUTES)
def test_route(question: str, expected: list[ToolCall]) -> None:
    assert route(analyse(question)) == expected


def test_every_intent_is_covered() -> None:
    assert {analyse(q).intent for q, _ in ROUTES} == set(Intent)


def test_duplicate_ids_give_one_call() -> None:
    assert route(analyse("P-003和P003、p-3是同一个项目吗？核查一下P-003")) == [
        call("spatial_check", project_id="P-003")
    ]


def test_duplicate_calls_are_dropped_from_a_hand_built_analysis() -> None:
    analysis = QueryAnalysis(
        question="q",
        intent=Intent.KNOWLEDGE,
        entities=Entities(subjects=["耕地", "耕地", "容积率"]),
        reasons=[],
    )
    assert route(analysis) == [search("q"), call("graph_rules", subject="耕地"), call("graph_rules", subject="容积率")]


def test_at_most_six_calls_in_mention_order() -> None:
    question = "核查P-001、P-002、P-003、P-004、P-005、P-006、P-007"
    assert route(analyse(question)) == [call("spatial_check", project_id=f"P-00{i}") for i in range(1, 7)]


def test_cap_applies_to_parcel_pairs() -> None:
    calls = route(analyse("SF-01-01、SF-01-02、SF-01-03、SF-01-04地块容积率3.0是否符合"))
    assert len(calls) == MAX_CALLS == 6
    assert [(c.name, c.arguments["parcel_id"]) for c in calls] == [
        ("spatial_check", "SF-01-01"), ("parcel_conditions", "SF-01-01"),
        ("spatial_check", "SF-01-02"), ("parcel_conditions", "SF-01-02"),
        ("spatial_check", "SF-01-03"), ("parcel_conditions", "SF-01-03"),
    ]


def test_first_value_of_an_indicator_wins() -> None:
    analysis = QueryAnalysis(
        question="q",
        intent=Intent.COMPLIANCE,
        entities=Entities(
            parcel_ids=["SF-01-03"],
            quantities=[
                Quantity(key="height", value=85, unit="m", text="85米"),
                Quantity(key="far", value=3.2, unit="", text="3.2"),
                Quantity(key="far", value=2.8, unit="", text="2.8"),
                Quantity(key="area_ha", value=2.0, unit="ha", text="2公顷"),
                Quantity(key=None, value=5, unit="m", text="5米"),
            ],
        ),
        reasons=[],
    )
    assert route(analysis)[0] == call("spatial_check", parcel_id="SF-01-03", indicators={"far": 3.2, "height": 85.0})


def test_same_analysis_same_route() -> None:
    question = "SF-02-03地块拟建容积率3.2、建筑高度85米，能批吗"
    assert route(analyse(question)) == route(analyse(question))


def test_docstring_examples_run() -> None:
    result = doctest.testmod(router_mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 4
    assert result.failed == 0


# -- a model's calls must run on what the question names ------------------------------------------------------------

@pytest.mark.parametrize(("question", "name", "arguments", "missing"), [
    ("耕地转为其他农用地应当怎么把握？", "spatial_check", {"project_id": "P-003"}, ["project_id P-003"]),
    ("P-003能批吗", "spatial_check", {"project_id": "P003"}, []),
    ("P-003能批吗", "spatial_check", {}, ["a project or parcel id"]),
    ("SF-01-03地块拟建容积率3.2，能批吗", "spatial_check", {"parcel_id": "SF-01-03", "indicators": {"far": 3.2}}, []),
    ("SF-01-03地块拟建容积率3.2，能批吗", "spatial_check",
     {"parcel_id": "SF-01-03", "indicators": {"far": 3.2, "height": 100}}, ["height 100"]),
    ("SF-01-03地块拟建容积率3.2，能批吗", "spatial_check", {"parcel_id": "SF-01-04"}, ["parcel_id SF-01-04"]),
    ("SF-01-03的规划条件是什么", "parcel_conditions", {"parcel_id": "sf-01-03"}, []),
    ("规划条件由哪个部门提出", "parcel_conditions", {"parcel_id": "SF-01-03"}, ["parcel_id SF-01-03"]),
    ("SF-02-09所在单元还有余量吗", "indicator_chain", {"zone_id": "SF-02"}, []),
    ("全县城乡建设用地规模还有多少余量", "indicator_chain", {"zone_id": "county"}, []),
    ("耕地能建房吗", "indicator_chain", {"zone_id": "county"}, ["zone_id county (not an indicator question)"]),
    ("耕地能建房吗", "graph_rules", {"subject": "永久基本农田"}, []),
    ("耕地能建房吗", "search", {"query": "任意"}, []),
])
def test_unnamed_lists_what_the_question_does_not_give(question, name, arguments, missing) -> None:
    assert unnamed(ToolCall(name=name, arguments=arguments), analyse(question)) == missing
