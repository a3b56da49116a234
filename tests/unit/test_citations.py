"""The citation verifier and the prompt's focused excerpts."""

from __future__ import annotations

from assistant.qa.citations import bigrams, renumber, support, verify
from assistant.qa.service import _fit, _Passage, focus, numbers_guard

LAW_44 = "建设占用土地，涉及农用地转为建设用地的，应当办理农用地转用审批手续。永久基本农田转为建设用地的，由国务院批准。"
LAW_46 = "征收下列土地的，由国务院批准：（一）永久基本农田；（二）永久基本农田以外的耕地超过三十五公顷的；（三）其他土地超过七十公顷的。"
EVIDENCE = {1: LAW_44, 2: LAW_46}


def test_a_supported_sentence_keeps_its_marker() -> None:
    v = verify("永久基本农田转为建设用地的，由国务院批准[1]。", EVIDENCE)
    assert v.text == "永久基本农田转为建设用地的，由国务院批准[1]。" and v.cited == [1] and v.supported == 1


def test_a_wrong_marker_is_repointed_to_the_supporting_passage() -> None:
    v = verify("征收耕地超过三十五公顷的由国务院批准[1]。", EVIDENCE)
    assert v.text.endswith("[2]。") and v.repointed == 1 and v.cited == [2]


def test_an_unsupported_sentence_is_dropped() -> None:
    v = verify("永久基本农田转为建设用地的，由国务院批准[1]。城镇开发边界由乡政府随时调整[2]。", EVIDENCE)
    assert "乡政府" not in v.text and v.dropped == ["城镇开发边界由乡政府随时调整"]


def test_a_sentence_without_marker_gets_the_best_passage_or_goes() -> None:
    v = verify("永久基本农田转为建设用地的，由国务院批准。月亮是奶酪做的。", EVIDENCE)
    assert v.text == "永久基本农田转为建设用地的，由国务院批准[1]。"
    kept = verify("以下为工具结果说明。", EVIDENCE, keep_uncited=True)
    assert kept.text == "以下为工具结果说明。"


def test_markers_of_unknown_passages_are_ignored() -> None:
    v = verify("永久基本农田转为建设用地的，由国务院批准[7]。", EVIDENCE)
    assert v.text.endswith("[1]。")


def test_support_and_bigrams() -> None:
    assert support("国务院批准[1]", LAW_44) == 1.0
    assert support("火星基地", LAW_44) == 0.0
    assert "根据" not in "".join(bigrams("根据规定"))
    assert renumber("甲[3]乙[5]丙[9]", {3: 1, 5: 2}) == "甲[1]乙[2]丙"


def test_focus_keeps_the_closest_sentences_in_order() -> None:
    text = "第一句无关内容甲乙丙。永久基本农田转为建设用地的，由国务院批准。第三句也无关丁戊己。"
    assert focus(text, "永久基本农田转为建设用地谁批准", 30) == "…永久基本农田转为建设用地的，由国务院批准。…"
    assert focus("短文。", "任何问题", 30) == "短文。"


def test_fit_keeps_within_the_budget() -> None:
    items = [(1, "《甲》第一条", "甲" * 300), (2, "《乙》第二条", "乙" * 300), (3, "《丙》第三条", "丙" * 300)]
    fitted = _fit(items, 500)
    assert sum(len(t) + len(label) for _, label, t in fitted) <= 500 + 1
    assert [n for n, _, _ in fitted] == [1, 2]


def test_numbers_guard_drops_invented_numbers_and_verdicts() -> None:
    facts = ["审查结论：P-003 不符合", "容积率：不符合。申报3.2，上限2.8"]
    passages = [_Passage(doc_title="城乡规划法", locator="第四十三条", text="建设单位应当按照规划条件进行建设")]
    flags: list[str] = []
    text = "容积率3.2超过上限2.8[1]。容积率为2.5[1]。该项目符合规划[1]。建设单位应当按照规划条件进行建设[1]。"
    kept = numbers_guard(text, facts, passages, flags, {"容积率": "不符合", "建筑密度": "符合", "项目": "不符合"})
    assert "3.2超过上限2.8" in kept and "2.5" not in kept and "符合规划" not in kept
    assert "按照规划条件进行建设" in kept and len(flags) == 2
    assert numbers_guard("建筑密度不符合要求[1]。", facts, passages, [], {"建筑密度": "符合"}) == ""


def test_a_named_term_missing_from_the_passage_is_not_supported():
    ev = {1: "保护规划经依法批准后确需修改的，应当报原审批机关批准。", 2: "村庄规划确需修改的，应当报原审批机关批准。"}
    v = verify("村庄规划经依法批准后确需修改的，应当报原审批机关批准[1]。", ev)
    assert v.text == "村庄规划经依法批准后确需修改的，应当报原审批机关批准[2]。" and v.repointed == 1
    alone = verify("村庄规划经依法批准后确需修改的，应当报原审批机关批准[1]。", {1: ev[1]})
    assert alone.text == "" and alone.dropped


def test_an_authority_the_passage_does_not_name_is_not_supported():
    ev = {1: "涉及占用永久基本农田的，还应当对占用的必要性、合理性和补划可行性作出说明。"}
    assert verify("涉及占用永久基本农田的，由国务院批准[1]。", ev).dropped


def test_titles_are_names_not_claims():
    ev = {1: "国家允许进城落户的农村村民依法自愿有偿退出宅基地。"}
    v = verify("根据《土地管理法实施条例》第三十五条，国家允许进城落户的农村村民依法自愿有偿退出宅基地[1]。", ev)
    assert v.supported == 1 and not v.dropped


def test_a_bare_verdict_cannot_be_checked_and_is_dropped():
    ev = {1: "生态保护红线内，仅允许对生态功能不造成破坏的有限人为活动。"}
    v = verify("不能行[1]。生态保护红线内仅允许对生态功能不造成破坏的有限人为活动[1]。", ev)
    assert v.dropped == ["不能行"]
    assert v.text == "生态保护红线内仅允许对生态功能不造成破坏的有限人为活动[1]。"
    assert verify("符合。", ev, keep_uncited=True).text == "符合。"  # code-written tool text stays


def test_an_added_claim_the_passage_lacks_is_not_supported():
    ev = {1: "永久基本农田经依法划定后，任何单位和个人不得擅自占用或者改变其用途。"}
    assert verify("永久基本农田不得擅自占用或者改变其用途，施工队的方案违反了这一规定[1]。", ev, min_support=0.5).dropped


def test_numbers_must_be_in_the_passage():
    ev = {1: "2019年11月底前，完成本年度国土空间开发保护现状评估报告。"}
    assert verify("2019年8月底前完成本年度国土空间开发保护现状评估报告[1]。", ev).dropped
    assert not verify("2019年11月底前完成本年度国土空间开发保护现状评估报告[1]。", ev).dropped


def test_restating_the_question_with_a_verdict_is_not_a_claim():
    question = "报批征地时，补偿费用还没有足额落实，有批准权的人民政府能否先批准征收？"
    ev = {1: "有关费用未足额到位的，不得批准征收土地。"}
    assert verify("有批准权的人民政府不能先批准征收，因为补偿费用还没有足额落实[1]。", ev, question=question).dropped
    asked = "临时用地期满后，土地使用者应当在多长期限内完成土地复垦？"
    ev2 = {1: "土地使用者应当自临时用地期满之日起一年内完成土地复垦。"}
    assert not verify("临时用地期满后，土地使用者应当在一年内完成土地复垦[1]。", ev2, question=asked).dropped


def test_a_number_must_stand_next_to_what_the_sentence_says_of_it():
    ev = {1: "2019年11月底前，完成本年度国土空间开发保护现状评估报告；此后每年9月底前，完成当年度评估报告。"
             "请省级自然资源主管部门于2019年7月30日前将负责人和联络员名单反馈部空间规划局。"}
    assert verify("年度评估报告的完成时限为2019年7月30日前[1]。", ev).dropped  # the date of another sentence
    assert not verify("年度评估报告每年9月底前完成[1]。", ev).dropped
    assert not verify("名单应于2019年7月30日前反馈部空间规划局[1]。", ev).dropped


def test_a_sentence_adding_almost_nothing_to_the_question_restates_it():
    question = "如果我们县的实施监督信息系统还没建成，怎么办？"
    ev = {1: "要在国土空间规划“一张图”实施监督信息系统中设置自动强制留痕功能；尚未建成系统的，必须落实人工留痕制度。"}
    assert verify("如果县的实施监督信息系统还没建成，需要在系统里留痕[1]。", ev, question=question).dropped
    kept = verify("尚未建成系统的，必须落实人工留痕制度[1]。", ev, question=question)
    assert not kept.dropped and kept.supported == 1


def test_what_a_sentence_adds_must_include_a_phrase_of_the_passage():
    question = "规划编制、审批、修改的过程要求在“一张图”系统里留痕，如果我们县的实施监督信息系统还没建成，怎么办？"
    ev = {1: "（二）要在国土空间规划“一张图”实施监督信息系统中设置自动强制留痕功能；尚未建成系统的，必须落实人工留痕制度。"}
    # scattered bigrams (要在, 统中) are not a phrase taken from the passage
    assert verify("如果县的实施监督信息系统还没建成，我们需要在“一张图”系统中留痕[1]。", ev, question=question).dropped
    assert not verify("尚未建成系统的，必须落实人工留痕制度[1]。", ev, question=question).dropped


def test_a_clause_adding_words_none_of_which_the_passage_has_is_not_supported():
    question = "听说还有一笔被征地农民的社会保障费用，这笔钱主要是拿来干什么的？"
    ev = {1: "社会保障费用主要用于符合条件的被征地农民的养老保险等社会保险缴费补贴，按照省、自治区、直辖市的规定单独列支。"}
    assert verify("这笔钱主要是用来支付被征地农民的社会保障费用，按照省、自治区、直辖市的规定单独列支[1]。", ev,
                  question=question).dropped
    assert not verify("社会保障费用主要用于被征地农民的养老保险等社会保险缴费补贴[1]。", ev, question=question).dropped


def test_every_item_of_a_list_must_be_in_the_passage():
    ev = {1: "农用地转用方案应当重点对是否符合国土空间规划和土地利用年度计划以及补充耕地情况作出说明。"
             "市、县人民政府自然资源主管部门应当明确土地界址、面积、用途。"}
    assert verify("农用地转用方案应当重点对建设项目安排、是否符合国土空间规划以及补充耕地情况作出说明[1]。", ev).dropped
    assert not verify("农用地转用方案应当对是否符合国土空间规划、补充耕地情况作出说明[1]。", ev).dropped
    assert not verify("由市、县人民政府自然资源主管部门明确面积、用途[1]。", ev).dropped  # 市、县 is one authority


def test_the_government_a_sentence_names_must_be_the_passages():
    ev = {1: "历史文化名镇、名村批准公布后，所在地县级人民政府应当组织编制历史文化名镇、名村保护规划。"}
    assert verify("历史文化名镇批准公布后，历史文化名镇人民政府应当组织编制保护规划[1]。", ev).dropped
    assert not verify("历史文化名镇批准公布后，所在地县级人民政府应当组织编制保护规划[1]。", ev).dropped
    ev2 = {1: "市、县人民政府自然资源主管部门应当依据国土空间规划提出规划条件。"}
    assert not verify("规划条件由市、县人民政府自然资源主管部门依据国土空间规划提出[1]。", ev2).dropped
