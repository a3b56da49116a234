"""Deterministic query analysis (assistant.qa.analysis): intents, ids, numbers, land uses, places, subjects."""

from __future__ import annotations

import doctest
import time

import pytest

from assistant.qa import analysis as analysis_mod
from assistant.qa.analysis import Entities, Intent, LandUse, Quantity, QueryAnalysis, analyse

C, K, IND, N = Intent.COMPLIANCE, Intent.KNOWLEDGE, Intent.INDICATOR, Intent.CONDITIONS

# --------------------------------------------------------------------------- intent

INTENT_CASES = [
    # officers: applications
    ("P-003项目是否符合控规？", C),
    ("帮我核查一下P-011", C),
    ("p-7需要哪一级政府批准", C),
    ("P012穿越生态保护红线了吗", C),
    # officers: a proposal on a parcel
    ("SF-01-03地块拟建容积率3.2、建筑高度85米，能批吗", C),
    ("SF-02-03地块容积率3.2，建筑密度26%，绿地率28%", C),
    ("SF-01-04有没有占用永久基本农田", C),
    ("ＳＦ－０１－０３地块容积率３．２合规吗", C),
    ("SF-01-03地块容积率上限是3.0吗", N),
    # conditions of a parcel
    ("SF-01-03的规划条件是什么", N),
    ("SF-02-03地块能建多高", N),
    ("SF-02-05控规指标", N),
    ("容积率是多少？SF-02-05", N),
    # indicators
    ("SF-02单元还有多少建筑量余量", IND),
    ("SF-03单元的指标传导情况", IND),
    ("在SF-03单元建厂房，容积率2.0合规吗", IND),
    ("SF-02-09所在单元的指标余量", IND),
    ("示范县城乡建设用地规模是多少", IND),
    ("约束性指标如何分解到各单元", IND),
    ("2035年城乡建设用地规模150平方公里是否超了", IND),
    ("示范县的耕地保有量是多少", IND),
    # numbers with a compliance cue but no id
    ("商业综合体占用0.35公顷永久基本农田，合规吗", C),
    ("FAR 3.2, 限高80m的住宅能批吗", C),
    # knowledge: the public and general legal questions
    ("我家宅基地在基本农田里能翻建吗", K),
    ("永久基本农田能不能建厂房", K),
    ("永久基本农田能不能批给企业建厂房", K),
    ("生态保护红线内能建厂房吗", K),
    ("城镇开发边界调整由谁批？", K),
    ("征收三十五公顷耕地由谁批", K),
    ("规划条件包括哪些内容", K),
    ("容积率上限是多少", K),
    ("道路红线退让距离是多少", K),
    ("用地预审与选址意见书有效期几年", K),
    ("出让合同里没有规划条件怎么办", K),
]


@pytest.mark.parametrize(("question", "intent"), INTENT_CASES)
def test_intent(question: str, intent: Intent) -> None:
    result = analyse(question)
    assert result.intent is intent, result.reasons
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)
    assert result.question == question


def test_intent_values_are_the_documented_strings() -> None:
    assert [i.value for i in Intent] == ["knowledge", "compliance", "conditions", "indicator"]


def test_reasons_name_the_rule_that_fired() -> None:
    assert analyse("SF-01-03地块容积率3.2").reasons == ["parcel id SF-01-03 with proposed indicators far"]
    assert analyse("永久基本农田能不能批").reasons == [
        "compliance cue '能不能批' without id or numbers: a legal question"
    ]


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("question", "projects", "parcels", "units"),
    [
        ("P-003项目是否符合控规？", ["P-003"], [], []),
        ("p3和P003是同一个项目吗，再核查P-12", ["P-003", "P-012"], [], []),
        ("Ｐ－００５在自然保护区核心区", ["P-005"], [], []),
        ("P-0031和SP-001都不是项目编号", [], [], []),
        ("地块SF-01-03和sf-01-04的容积率", [], ["SF-01-03", "SF-01-04"], []),
        ("SF-02-09属于SF-02单元", [], ["SF-02-09"], ["SF-02"]),
        ("SF-02单元和SF-03单元", [], [], ["SF-02", "SF-03"]),
        ("PBF-002图斑是否在SF-01单元内", [], [], ["SF-01"]),
        ("SF-01-031不是地块编号", [], [], []),
    ],
)
def test_ids(question: str, projects: list[str], parcels: list[str], units: list[str]) -> None:
    ents = analyse(question).entities
    assert (ents.project_ids, ents.parcel_ids, ents.unit_ids) == (projects, parcels, units)


# --------------------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("容积率3.2", [("far", 3.2, "", "3.2")]),
        ("容积率为3.2", [("far", 3.2, "", "3.2")]),
        ("FAR 3.2", [("far", 3.2, "", "3.2")]),
        ("容积率为三点二", [("far", 3.2, "", "三点二")]),
        ("建筑密度26%", [("building_density", 26.0, "%", "26%")]),
        ("建筑密度0.26", [("building_density", 26.0, "%", "0.26")]),
        ("绿地率不低于百分之三十", [("green_ratio", 30.0, "%", "百分之三十")]),
        ("限高85米", [("height", 85.0, "m", "85米")]),
        ("建筑高度85米", [("height", 85.0, "m", "85米")]),
        ("建一栋85米高的楼", [("height", 85.0, "m", "85米")]),
        ("24层住宅，限高80m", [("height", 80.0, "m", "80m")]),
        ("总建筑面积19.4万平方米", [("gfa_m2", 194000.0, "m2", "19.4万平方米")]),
        ("建筑面积194560㎡", [("gfa_m2", 194560.0, "m2", "194560㎡")]),
        ("征收三十五公顷耕地", [("area_ha", 35.0, "ha", "三十五公顷")]),
        ("占用0.35公顷永久基本农田", [("area_ha", 0.35, "ha", "0.35公顷")]),
        ("征收600亩集体土地", [("area_mu", 600.0, "亩", "600亩")]),
        ("用地面积18000平方米", [("area_m2", 18000.0, "m2", "18000平方米")]),
        ("规模150平方公里", [("area_km2", 150.0, "km2", "150平方公里")]),
        ("退让道路红线5米", [(None, 5.0, "m", "5米")]),
        (
            "SF-01-03地块拟建容积率3.2、建筑高度85米，能批吗",
            [("far", 3.2, "", "3.2"), ("height", 85.0, "m", "85米")],
        ),
        (
            "P-010建筑密度26%、绿地率28%",
            [("building_density", 26.0, "%", "26%"), ("green_ratio", 28.0, "%", "28%")],
        ),
        # ids, codes, years, article numbers and counts are not quantities
        ("SF-01-03地块，070102用地，2035年，第35条，24层，两个项目", []),
        ("容积率由2.5提高到3.0", [("far", 2.5, "", "2.5")]),
        ("容积率、建筑密度都超了", []),
    ],
)
def test_quantities(question: str, expected: list[tuple[str | None, float, str, str]]) -> None:
    got = [(q.key, q.value, q.unit, q.text) for q in analyse(question).entities.quantities]
    assert got == expected


# --------------------------------------------------------------------------- land uses, subjects, places


@pytest.mark.parametrize(
    ("question", "codes"),
    [
        ("070102用地可以兼容商业吗", ["070102", "0901"]),
        ("1207城镇村道路用地属于建设用地吗", ["1207"]),
        ("二类城镇住宅用地和一类工业用地", ["070102", "100101"]),
        ("拟建二类城镇住宅", ["070102"]),
        ("我家宅基地在基本农田里能翻建吗", ["0703"]),
        ("0101水田能不能改成果园", ["0101", "0201"]),
        ("2005年的规划还有效吗", []),
        ("1001平方米的厂房", []),
        ("居住小区的配套", []),
    ],
)
def test_land_uses(question: str, codes: list[str]) -> None:
    assert [lu.code for lu in analyse(question).entities.land_uses] == codes


def test_land_use_names_are_official() -> None:
    assert analyse("拟建二类城镇住宅").entities.land_uses == [LandUse(code="070102", name="二类城镇住宅用地")]
    assert analyse("耕地").entities.land_uses == [LandUse(code="01", name="耕地")]


@pytest.mark.parametrize(
    ("question", "subjects"),
    [
        ("我家宅基地在基本农田里能翻建吗", ["宅基地", "永久基本农田"]),
        ("永久基本农田和基本农田是一回事吗", ["永久基本农田"]),
        ("红线内可以搞旅游吗", ["生态保护红线"]),
        ("生态红线和开发边界冲突怎么办", ["生态保护红线", "城镇开发边界"]),
        ("道路红线退让距离是多少", []),
        ("用地红线和道路红线有什么区别", []),
        ("建筑退红线多少米", []),
        ("项目红线范围内有生态保护红线吗", ["生态保护红线"]),
        ("征收三十五公顷耕地由谁批", ["耕地"]),
        ("耕地保有量", ["耕地保有量"]),
        ("农转用和征地由谁审批", ["农用地转用", "土地征收"]),
        ("SF-01-03的规划条件和容积率", ["规划条件", "容积率"]),
    ],
)
def test_subjects(question: str, subjects: list[str]) -> None:
    assert analyse(question).entities.subjects == subjects


@pytest.mark.parametrize(
    ("question", "places"),
    [
        ("广东省梅州市丰顺县的宅基地标准", ["广东省", "梅州市", "丰顺县"]),
        ("示范县城南片区有哪些地块", ["示范县"]),
        ("示范镇东郊商业综合体", ["示范镇"]),
        ("东岭村村民建房", ["东岭村"]),
        ("梅州市区的停车位标准", ["梅州市"]),
        ("内蒙古自治区的草原", ["内蒙古自治区"]),
        ("城镇开发边界外能建居住小区吗", []),
        ("推进乡村振兴和统筹城乡发展", []),
        ("在县城建房要办什么证", []),
        ("生态保护区和乡村发展区的准入", []),
        ("修建省道要占用耕地吗", []),
        ("全县的城市体检", []),
    ],
)
def test_places(question: str, places: list[str]) -> None:
    assert analyse(question).entities.places == places


# --------------------------------------------------------------------------- whole result and speed


def test_full_analysis_of_an_officer_question() -> None:
    assert analyse("SF-01-03地块拟建二类城镇住宅，容积率3.2、建筑高度85米，能批吗") == QueryAnalysis(
        question="SF-01-03地块拟建二类城镇住宅，容积率3.2、建筑高度85米，能批吗",
        intent=Intent.COMPLIANCE,
        entities=Entities(
            parcel_ids=["SF-01-03"],
            land_uses=[LandUse(code="070102", name="二类城镇住宅用地")],
            quantities=[
                Quantity(key="far", value=3.2, unit="", text="3.2"),
                Quantity(key="height", value=85.0, unit="m", text="85米"),
            ],
            subjects=["容积率"],
        ),
        reasons=["parcel id SF-01-03 with compliance cue '能批吗'"],
    )


def test_empty_question_is_knowledge() -> None:
    result = analyse("")
    assert result.intent is Intent.KNOWLEDGE
    assert result.entities == Entities()


def test_fast_enough() -> None:
    questions = [q for q, _ in INTENT_CASES]
    analyse(questions[0])  # the land-use table is read once, on first use
    start = time.perf_counter()
    for _ in range(5):
        for q in questions:
            analyse(q)
    per_question_ms = (time.perf_counter() - start) * 1000 / (5 * len(questions))
    assert per_question_ms < 5


def test_docstring_examples_run() -> None:
    result = doctest.testmod(analysis_mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 6
    assert result.failed == 0
