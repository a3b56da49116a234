"""Unit tests for knowledge_graph.builders.rule_extractor (no corpus needed)."""

from __future__ import annotations

import json

import pytest

from knowledge_graph.builders.rule_extractor import (
    MODALITIES,
    ExtractedRule,
    ModelRuleExtractor,
    PatternRuleExtractor,
    RuleExtractor,
    find_authorities,
    find_quantities,
    normalize_authority,
    parse_chinese_number,
    parse_model_output,
    resolve_jurisdiction,
)

EX = PatternRuleExtractor()


def keys(text: str, **kw) -> list[tuple[str, str, float | None, str]]:
    return [r.key() for r in EX.extract(text, **kw)]


# --------------------------------------------------------------------------- modality


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("任何单位和个人不得侵占、买卖或者以其他形式非法转让土地。", "禁止"),
        ("禁止占用永久基本农田发展林果业和挖塘养鱼。", "禁止"),
        ("耕地应当优先用于粮食和棉、油、糖、蔬菜等农产品生产。", "应当"),
        ("土地利用总体规划一经批准，必须严格执行。", "应当"),
        ("土地使用权可以抵押。", "允许"),
        ("永久基本农田转为建设用地的，由国务院批准。", "审批"),
        ("建设占用土地，涉及农用地转为建设用地的，应当办理农用地转用审批手续。", "审批"),
        ("相关前期工作完成后，县级以上地方人民政府方可申请征收土地。", "有条件"),
    ],
)
def test_single_modality(text: str, expected: str) -> None:
    rules = EX.extract(text)
    assert [r.modality for r in rules] == [expected]


def test_precedence_approval_wraps_obligation_permission_and_prohibition() -> None:
    # 应当…报…批准, 经…批准，可以…, 未经批准，不得… are one 审批 rule each
    assert keys("建设单位应当持有关文件，向自然资源主管部门提出建设用地申请，报本级人民政府批准。") == [
        ("审批", "本级人民政府", None, "")]
    assert keys("开发国有荒山的，经县级以上人民政府依法批准，可以确定给开发单位或者个人长期使用。") == [
        ("审批", "县级以上地方人民政府", None, "")]
    assert keys("未经批准，不得改变土地利用总体规划确定的土地用途。") == [("审批", "", None, "")]


def test_conditional_needs_permission_or_approval() -> None:
    # 确需 + approval -> 有条件; 确需 + obligation stays 应当
    assert keys("重点建设项目选址确实难以避让永久基本农田，涉及农用地转用的，必须经国务院批准。") == [
        ("有条件", "国务院", None, "")]
    assert keys("确需修改的，城乡规划主管部门应当采取听证会等形式，听取利害关系人的意见。") == [
        ("应当", "城乡规划主管部门", None, "")]
    # 除…外 + permission -> 有条件, while the prohibition of the same sentence stays
    rules = keys("核心保护区原则上禁止人为活动，除国家重大战略项目外，仅允许有限人为活动。")
    assert rules == [("禁止", "", None, ""), ("有条件", "", None, "")]
    # an obligation with an exception stays an obligation
    assert keys("建设单位使用国有土地，应当以有偿使用方式取得；但是，法律、行政法规规定可以以划拨方式取得的除外。") == [
        ("应当", "", None, "")]


def test_negated_approval_is_a_prohibition() -> None:
    assert keys("农村村民出卖、出租、赠与住宅后，再申请宅基地的，不予批准。") == [("禁止", "", None, "")]
    assert keys("变更内容不符合控制性详细规划的，城乡规划主管部门不得批准。") == [("禁止", "城乡规划主管部门", None, "")]


def test_independent_modalities_in_one_sentence_give_separate_rules() -> None:
    text = "农村村民建住宅，应当符合乡（镇）土地利用总体规划、村庄规划，不得占用永久基本农田，并尽量使用原有的宅基地。"
    assert [r.modality for r in EX.extract(text)] == ["应当", "禁止"]


def test_cues_that_are_not_predicates() -> None:
    # adjectival / noun / temporal approvals, definitions, conditions, declaratives
    assert EX.extract("经依法批准的国土空间规划是各类开发、保护、建设活动的基本依据。") == []
    assert EX.extract("土地利用总体规划实行分级审批。") == []
    assert EX.extract("本法所称规划区，是指城市、镇和村庄的建成区以及必须实行规划控制的区域。") == []
    assert EX.extract("国务院城乡规划主管部门负责全国的城乡规划管理工作。") == []
    assert keys("减少需报国务院审批的城市数量，省会城市的国土空间总体规划由国务院审批。") == [("审批", "国务院", None, "")]
    assert keys("禁止通过擅自调整县级土地利用总体规划等方式规避永久基本农田农用地转用的审批。") == [("禁止", "", None, "")]
    assert keys("可以利用荒地的，不得占用耕地。") == [("禁止", "", None, "")]
    assert keys("土地所有权人应当按照市、县人民政府的意见进行修改。") == [("应当", "", None, "")]


# --------------------------------------------------------------------------- authorities


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("省、自治区、直辖市人民政府", "省级人民政府"),
        ("县级以上人民政府", "县级以上地方人民政府"),
        ("乡（镇）人民政府", "乡镇人民政府"),
        ("设区的市、自治州人民政府", "设区的市人民政府"),
        ("城市、县人民政府城乡规划主管部门", "城乡规划主管部门"),
        ("县级以上人民政府自然资源主管部门", "自然资源主管部门"),
        ("国务院自然资源主管部门", "国务院自然资源主管部门"),
        ("省人民政府土地行政主管部门", "省级自然资源主管部门"),
        ("原批准用地的人民政府", "原审批机关"),
        ("国土空间规划原审批机关", "国土空间规划原审批机关"),
        ("", ""),
    ],
)
def test_normalize_authority(written: str, canonical: str) -> None:
    assert normalize_authority(written) == canonical


def test_unknown_body_is_not_an_authority() -> None:
    assert normalize_authority("村民委员会") is None
    assert find_authorities("其他有关部门") == []


def test_approver_is_the_body_after_the_last_marker_and_qualifiers_are_skipped() -> None:
    assert keys("省会城市的总体规划，经省、自治区人民政府审查同意后，报国务院批准。") == [("审批", "国务院", None, "")]
    assert keys("乡（镇）土地利用总体规划可以由省级人民政府授权的设区的市、自治州人民政府批准。") == [
        ("审批", "设区的市人民政府", None, "")]
    assert keys("在规划范围外，将农用地转为建设用地的，由国务院或者国务院授权的省、自治区、直辖市人民政府批准。") == [
        ("审批", "国务院", None, "")]


def test_cross_reference_is_not_an_authority() -> None:
    rules = EX.extract("农村村民住宅用地，由乡（镇）人民政府审核批准；其中，涉及占用农用地的，依照本法第四十四条的规定办理审批手续。")
    assert [r.key() for r in rules] == [("审批", "乡镇人民政府", None, ""), ("审批", "", None, "")]


def test_authority_inside_an_exception_is_ignored() -> None:
    text = "其他项目用海，除依法规定应报国务院批准的外，由县级和不设区的地级市人民政府审批。"
    assert keys(text) == [("有条件", "县级人民政府", None, "")]


def test_actor_and_recipient() -> None:
    assert keys("县级以上地方人民政府可以要求占用耕地的单位将耕作层的土壤用于土壤改良。") == [
        ("允许", "县级以上地方人民政府", None, "")]
    assert keys("建设单位应当在竣工验收后六个月内向城乡规划主管部门报送有关竣工验收资料。") == [
        ("应当", "城乡规划主管部门", 6.0, "月")]
    # a contract party is not an authority
    assert keys("土地使用者应当与有关自然资源主管部门签订临时使用土地合同。") == [("应当", "", None, "")]


def test_jurisdiction_of_city_government() -> None:
    assert resolve_jurisdiction("市人民政府", "上海市城乡规划条例") == "省级人民政府"
    assert resolve_jurisdiction("市人民政府", "济南市城乡规划条例") == "设区的市人民政府"
    rules = EX.extract("市人民政府应当制定近期建设规划，报国务院备案。", doc_title="上海市城乡规划条例")
    assert [r.authority for r in rules] == ["省级人民政府"]


# --------------------------------------------------------------------------- numbers and units


@pytest.mark.parametrize(
    ("text", "value"),
    [("三十五", 35.0), ("一百二十", 120.0), ("一百二十五", 125.0), ("十五", 15.0), ("二百", 200.0), ("七十", 70.0),
     ("两", 2.0), ("零点五", 0.5), ("一万二千", 12000.0), ("1.5", 1.5), ("60", 60.0), ("二〇一九", 2019.0)],
)
def test_parse_chinese_number(text: str, value: float) -> None:
    assert parse_chinese_number(text) == pytest.approx(value)


def test_parse_chinese_number_rejects_words() -> None:
    assert parse_chinese_number("公顷") is None
    assert parse_chinese_number("") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("超过三十五公顷的", [(35.0, "公顷")]),
        ("不得超过八十平方米", [(80.0, "平方米")]),
        ("一次性开发二百公顷以上四百公顷以下的", [(200.0, "公顷")]),  # a range keeps its first number
        ("占本行政区域内耕地的百分之八十以上", [(80.0, "%")]),
        ("百分之十五", [(15.0, "%")]),
        ("湿地率均不低于30%", [(30.0, "%")]),
        ("三分之二以上成员", [(200 / 3, "%")]),
        ("十五个工作日内", [(15.0, "工作日")]),
        ("六个月内", [(6.0, "月")]),
        ("公告至少三十日", [(30.0, "日")]),
        ("期限一般不超过二年", [(2.0, "年")]),
        ("五亩以上", [(5.0, "亩")]),
        ("建筑限高八十米", [(80.0, "米")]),
        ("1.5公顷", [(1.5, "公顷")]),
        ("零点五公顷", [(0.5, "公顷")]),
    ],
)
def test_find_quantities(text: str, expected: list[tuple[float, str]]) -> None:
    got = [(q.value, q.unit) for q in find_quantities(text)]
    assert len(got) == len(expected)
    for (v, u), (ev, eu) in zip(got, expected, strict=True):
        assert v == pytest.approx(ev) and u == eu


def test_dates_article_numbers_and_counts_are_not_quantities() -> None:
    assert find_quantities("2019年8月26日第十三届会议，二〇一九年") == []
    assert find_quantities("依照本法第三十五条，人口在一百万以上的城市，第三次国土调查") == []


def test_threshold_comes_from_a_condition_clause() -> None:
    assert keys("征收耕地超过三十五公顷的，由国务院批准。") == [("审批", "国务院", 35.0, "公顷")]


# --------------------------------------------------------------------------- several rules per clause


def test_article_46_lists_three_state_council_approvals() -> None:
    text = ("第四十六条 征收下列土地的，由国务院批准：\n（一）永久基本农田；\n（二）永久基本农田以外的耕地超过三十五公顷的；\n"
            "（三）其他土地超过七十公顷的。\n征收前款规定以外的土地的，由省、自治区、直辖市人民政府批准。")
    rules = EX.extract(text, locator="第四十六条", doc_title="土地管理法")
    assert [r.key() for r in rules] == [
        ("审批", "国务院", None, ""), ("审批", "国务院", 35.0, "公顷"), ("审批", "国务院", 70.0, "公顷"),
        ("审批", "省级人民政府", None, "")]
    assert rules[1].subject == "耕地" and "三十五公顷" in rules[1].condition
    assert all(r.locator == "第四十六条" and r.doc_title == "土地管理法" for r in rules)
    assert rules[0].control_lines == ("permanent_basic_farmland",)


def test_several_thresholds_in_one_sentence() -> None:
    text = ("农村村民一户只能拥有一处宅基地，新批准宅基地的面积按照以下标准执行：平原地区每户不得超过八十平方米，"
            "丘陵地区每户不得超过一百二十平方米，山区每户不得超过一百五十平方米。")
    assert keys(text) == [("禁止", "", 80.0, "平方米"), ("禁止", "", 120.0, "平方米"), ("禁止", "", 150.0, "平方米")]


def test_approval_tiers_by_area() -> None:
    text = "审批权限为:三公顷以下由县（市）人民政府批准，三公顷以上六公顷以下由省辖市人民政府批准，六公顷以上由省人民政府批准。"
    assert keys(text) == [("审批", "县级人民政府", 3.0, "公顷"), ("审批", "设区的市人民政府", 3.0, "公顷"),
                          ("审批", "省级人民政府", 6.0, "公顷")]


def test_duplicates_within_a_sentence_collapse() -> None:
    assert keys("不得在拟征收范围内抢栽抢建；违反规定抢栽抢建的，对抢栽抢建部分不予补偿。") == [("禁止", "", None, "")]


# --------------------------------------------------------------------------- descriptive fields


def test_example_from_article_44() -> None:
    (rule,) = EX.extract("永久基本农田转为建设用地的，由国务院批准。")
    assert (rule.modality, rule.authority, rule.subject, rule.action) == ("审批", "国务院", "永久基本农田", "转为建设用地")
    assert rule.text == "永久基本农田转为建设用地的，由国务院批准。" and rule.span == (0, 21)
    assert rule.threshold is None and rule.unit == ""


def test_control_lines_and_landuse_codes() -> None:
    (udb,) = EX.extract("城镇开发边界调整报国土空间规划原审批机关审批。")
    assert udb.authority == "国土空间规划原审批机关" and udb.control_lines == ("urban_development_boundary",)
    (farm,) = EX.extract("禁止占用耕地建窑、建坟。")
    assert "01" in farm.landuse_codes and farm.subject == "耕地"
    rules = EX.extract("涉及生态保护红线、永久基本农田占用的，报国务院审批。")
    assert set(rules[0].control_lines) == {"ecological_protection_redline", "permanent_basic_farmland"}


def test_span_points_into_the_clause() -> None:
    text = "第二条 任何单位和个人不得侵占土地。土地使用权可以依法转让。\n征收下列土地的，由国务院批准：\n（一）耕地超过三十五公顷的。"
    rules = EX.extract(text)
    assert [r.text for r in rules] == ["任何单位和个人不得侵占土地。", "土地使用权可以依法转让。", "征收下列土地的，由国务院批准：",
                                       "耕地超过三十五公顷的"]
    for r in rules:
        assert text[r.span[0]:r.span[1]] == r.text
        assert r.modality in MODALITIES


# --------------------------------------------------------------------------- model extractor


def _reply(*rules: dict) -> str:
    return json.dumps({"rules": list(rules)}, ensure_ascii=False)


GOOD = {"modality": "审批", "subject": "永久基本农田", "action": "转为建设用地", "condition": "", "authority": "国务院",
        "threshold": None, "unit": "", "text": "永久基本农田转为建设用地的，由国务院批准。"}
CLAUSE = "永久基本农田转为建设用地的，由国务院批准。"


def test_model_extractor_uses_valid_model_output() -> None:
    prompts: list[str] = []

    def fake(prompt: str) -> str:
        prompts.append(prompt)
        return _reply(GOOD, {**GOOD, "modality": "有条件", "authority": "省、自治区、直辖市人民政府",
                             "threshold": "三十五", "unit": "公顷"})

    ex = ModelRuleExtractor(fake)
    rules = ex.extract(CLAUSE, locator="第四十四条", doc_title="土地管理法")
    assert not ex.last_fallback
    assert [r.key() for r in rules] == [("审批", "国务院", None, ""), ("有条件", "省级人民政府", 35.0, "公顷")]
    assert rules[0].span == (0, len(CLAUSE)) and rules[0].locator == "第四十四条"
    assert CLAUSE in prompts[0] and "有条件" in prompts[0] and "国土空间规划原审批机关" in prompts[0]


def test_model_extractor_accepts_fenced_json_and_empty_lists() -> None:
    ex = ModelRuleExtractor(lambda p: "```json\n" + _reply() + "\n```")
    assert ex.extract("第一条 为了加强土地管理，制定本法。") == []
    assert not ex.last_fallback


@pytest.mark.parametrize(
    "reply",
    [
        "I cannot answer that.",
        '{"rules": [{"modality": "必须", "authority": ""}]}',
        '{"rules": [{"modality": "审批", "authority": "村民委员会"}]}',
        '{"rules": [{"modality": "审批", "authority": "国务院", "threshold": "很多", "unit": "公顷"}]}',
        '{"rules": [{"modality": "审批", "authority": "国务院", "threshold": 35, "unit": "英亩"}]}',
        '{"rules": "none"}',
        '[1, 2]',
    ],
)
def test_model_extractor_falls_back_on_invalid_output(reply: str) -> None:
    ex = ModelRuleExtractor(lambda p: reply)
    rules = ex.extract(CLAUSE)
    assert ex.last_fallback
    assert [r.key() for r in rules] == [("审批", "国务院", None, "")]  # the pattern extractor's answer


def test_model_extractor_custom_fallback_and_protocol() -> None:
    class Nothing:
        def extract(self, clause_text: str, *, locator: str = "", doc_title: str = "") -> list[ExtractedRule]:
            return []

    extractors: list[RuleExtractor] = [PatternRuleExtractor(), ModelRuleExtractor(lambda p: "{", fallback=Nothing())]
    assert extractors[1].extract(CLAUSE) == []


def test_parse_model_output_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        parse_model_output('{"rules": [{"modality": "禁止", "unit": "公顷"}]}', CLAUSE)
