"""Structure-aware chunking (ingest.chunking) on small invented samples."""

from __future__ import annotations

import pytest

from ingest.chunking import chunk_blocks, split_sentences
from ingest.models import Block, ChunkDraft, DocType


def H(text: str, level: int) -> Block:
    return Block("heading", text, level=level)


def P(text: str) -> Block:
    return Block("paragraph", text)


def T(text: str) -> Block:
    return Block("table", text)


def text_chunks(chunks: list[ChunkDraft]) -> list[ChunkDraft]:
    return [c for c in chunks if c.kind == "text"]


def by_locator(chunks: list[ChunkDraft], locator: str) -> list[ChunkDraft]:
    found = [c for c in chunks if c.locator == locator]
    assert found, f"no chunk with locator {locator!r} in {[c.locator for c in chunks]}"
    return found


# --------------------------------------------------------------------------
# Laws and regulations
# --------------------------------------------------------------------------

LAW_BLOCKS = [
    H("中华人民共和国示例土地法", 1),
    P("2001年3月1日 第九届全国人民代表大会常务委员会第二十次会议通过"),
    P("2019年8月26日 第十三届全国人民代表大会常务委员会第十二次会议《关于修改〈中华人民共和国示例土地法〉"),
    P("〈中华人民共和国示例房产法〉的决定》修正"),
    P("<!-- INFO END -->"),
    H("第一章  总 则", 2),
    P("第一条 为了加强土地管理，保护耕地，制定本法。"),
    P("第二条\u3000国家实行土地用途管制制度。"),
    P("前款所称农用地是指直接用于农业生产的土地。"),
    H("第二章 建设用地", 2),
    H("第一节 一般规定", 3),
    P("第四十四条 建设占用土地，涉及农用地转为建设用地的，应当办理农用地转用审批手续。"),
    P("第四十四条规定的审批手续，由省级人民政府办理。"),
    P("依照本法第四十四条的规定批准占用的，按照国土空间规划使用。"),
    P("第四十四条、第四十五条所称建设用地，包括城乡住宅用地。"),
    H("第二节 土地征收", 3),
    P("第四十五条征收下列土地的，由国务院批准："),
    P("（一）永久基本农田；"),
    P("（二）永久基本农田以外的耕地超过三十五公顷的。"),
    P("第三章 监督检查"),
    P("第一百零二条 本法自2020年1月1日起施行。"),
    P("第103条 本法由全国人民代表大会常务委员会负责解释。"),
]


def test_law_articles_locators_and_heading_paths_are_exact() -> None:
    chunks = chunk_blocks(LAW_BLOCKS, DocType.LAW)
    located = [(c.locator, c.heading_path) for c in chunks]
    assert located == [
        ("前言", ()),
        ("第一条", ("第一章 总则",)),
        ("第二条", ("第一章 总则",)),
        ("第四十四条", ("第二章 建设用地", "第一节 一般规定")),
        ("第四十五条", ("第二章 建设用地", "第二节 土地征收")),
        ("第一百零二条", ("第三章 监督检查",)),
        ("第103条", ("第三章 监督检查",)),
    ]
    assert all(c.kind == "text" for c in chunks)


def test_article_keeps_all_its_paragraphs_and_items_verbatim() -> None:
    chunks = chunk_blocks(LAW_BLOCKS, DocType.LAW)
    assert (
        by_locator(chunks, "第二条")[0].text
        == "第二条\u3000国家实行土地用途管制制度。\n前款所称农用地是指直接用于农业生产的土地。"
    )
    assert by_locator(chunks, "第四十五条")[0].text == (
        "第四十五条征收下列土地的，由国务院批准：\n（一）永久基本农田；\n（二）永久基本农田以外的耕地超过三十五公顷的。"
    )


def test_cross_references_are_neither_articles_nor_headings() -> None:
    chunks = chunk_blocks(LAW_BLOCKS, DocType.LAW)
    article = by_locator(chunks, "第四十四条")
    assert len(article) == 1
    assert article[0].text.splitlines() == [
        "第四十四条 建设占用土地，涉及农用地转为建设用地的，应当办理农用地转用审批手续。",
        "第四十四条规定的审批手续，由省级人民政府办理。",
        "依照本法第四十四条的规定批准占用的，按照国土空间规划使用。",
        "第四十四条、第四十五条所称建设用地，包括城乡住宅用地。",
    ]
    all_headings = {h for c in chunks for h in c.heading_path}
    assert not any("四十四" in h for h in all_headings)


def test_front_matter_is_one_preface_chunk_without_title_or_html_comment() -> None:
    chunks = chunk_blocks(LAW_BLOCKS, DocType.LAW)
    preface = by_locator(chunks, "前言")
    assert len(preface) == 1
    assert preface[0].text.splitlines() == [
        "2001年3月1日 第九届全国人民代表大会常务委员会第二十次会议通过",
        "2019年8月26日 第十三届全国人民代表大会常务委员会第十二次会议《关于修改〈中华人民共和国示例土地法〉"
        "〈中华人民共和国示例房产法〉的决定》修正",
    ]
    assert not any("INFO END" in c.text or "中华人民共和国示例土地法" in c.heading_path for c in chunks)
    assert not any(c.text == "中华人民共和国示例土地法" for c in chunks)


def test_standalone_chapter_paragraph_needs_a_short_title() -> None:
    blocks = [
        P("第一条 本办法适用于全市。"),
        P("第二章规定的审批事项，按照下列程序办理。"),
        P("第二章 规划编制"),
        P("第二条 规划应当依法编制。"),
    ]
    chunks = chunk_blocks(blocks, DocType.REGULATION)
    assert [(c.locator, c.heading_path) for c in chunks] == [
        ("第一条", ()),
        ("第二条", ("第二章 规划编制",)),
    ]
    assert chunks[0].text == "第一条 本办法适用于全市。\n第二章规定的审批事项，按照下列程序办理。"


def test_articles_stay_under_numbered_markdown_sections() -> None:
    blocks = [
        H("最高人民法院关于审理示例纠纷案件的解释", 1),
        H("一、受理与诉讼主体", 2),
        P("第一条 下列纠纷，人民法院应当受理："),
        P("（一）承包合同纠纷；"),
        P("第二条 当事人可以申请调解。"),
        H("二、其他规定", 2),
        P("第三条 本解释自公布之日起施行。"),
    ]
    chunks = chunk_blocks(blocks, DocType.LAW)
    assert [(c.locator, c.heading_path) for c in chunks] == [
        ("第一条", ("一、受理与诉讼主体",)),
        ("第二条", ("一、受理与诉讼主体",)),
        ("第三条", ("二、其他规定",)),
    ]


# --------------------------------------------------------------------------
# Sizes: long articles and long paragraphs
# --------------------------------------------------------------------------

CLAUSE = "县级以上人民政府自然资源主管部门应当会同有关部门加强对耕地保护和建设用地审批工作的监督检查。"  # 46 chars


def test_long_article_splits_at_paragraph_boundaries_keeping_locator() -> None:
    paragraphs = [
        "第二十条 " + CLAUSE * 2,
        CLAUSE * 2,
        CLAUSE,
        CLAUSE * 3,
        CLAUSE,
    ]
    blocks = [H("第三章 耕地保护", 2), *(P(p) for p in paragraphs), P("第二十一条 本条短。")]
    chunks = chunk_blocks(blocks, DocType.LAW, max_chars=200)
    pieces = [c for c in chunks if c.locator == "第二十条"]
    assert len(pieces) >= 3
    assert all(c.heading_path == ("第三章 耕地保护",) for c in pieces)
    assert all(len(c.text) <= 200 for c in pieces)
    # every piece is a run of whole paragraphs (款), in order, text verbatim
    assert [line for c in pieces for line in c.text.split("\n")] == paragraphs
    assert pieces[0].text.startswith("第二十条 ")
    # greedy packing of whole paragraphs: short consecutive paragraphs stay together
    assert [c.text for c in pieces] == [
        "\n".join(paragraphs[0:2]),
        "\n".join(paragraphs[2:4]),
        paragraphs[4],
    ]
    assert chunks[-1].locator == "第二十一条"


def test_overlong_paragraph_splits_at_sentence_ends_only() -> None:
    sentences = [f"第{n}句规定，城镇开发边界内的建设用地应当集约利用并符合“一张图”要求；" for n in range(1, 13)]
    sentences[-1] = sentences[-1][:-1] + "。"
    paragraph = "第八条 " + "".join(sentences)
    chunks = chunk_blocks([P(paragraph)], DocType.LAW, max_chars=120)
    assert len(chunks) > 3
    assert all(c.locator == "第八条" for c in chunks)
    assert all(len(c.text) <= 120 for c in chunks)
    assert "".join(c.text for c in chunks) == paragraph
    assert all(c.text[-1] in "；。" for c in chunks)


def test_split_never_breaks_inside_quotes() -> None:
    quoted = "“" + "规划期内不得擅自调整生态保护红线。" * 3 + "”"
    paragraph = "第九条 有关部门应当明确：" + quoted + "其他事项依照本法执行。" * 3
    chunks = chunk_blocks([P(paragraph)], DocType.LAW, max_chars=80)
    assert "".join(c.text for c in chunks) == paragraph
    assert any(quoted in c.text for c in chunks)


def test_sentence_without_punctuation_is_cut_hard_but_never_inside_numbers() -> None:
    run = "城乡建设用地" * 6 + "20350101" + "国土空间规划一张图实施监督信息系统" * 4
    chunks = chunk_blocks([P("第七条 " + run + "。")], DocType.LAW, max_chars=45)
    assert all(len(c.text) <= 45 for c in chunks)
    assert any("20350101" in c.text for c in chunks)
    assert "".join(c.text for c in chunks) == "第七条 " + run + "。"


def test_split_sentences_respects_quotes_and_keeps_text() -> None:
    text = "他指出：“要保护耕地。要节约用地！”随后散会。面积为1.5万亩；是否达标？"
    assert split_sentences(text) == ["他指出：“要保护耕地。要节约用地！”随后散会。", "面积为1.5万亩；", "是否达标？"]


# --------------------------------------------------------------------------
# Policies and notices
# --------------------------------------------------------------------------

POLICY_BLOCKS = [
    P("关于加强示例国土空间规划管理的指导意见"),
    P("为加强示例规划管理，现提出如下意见。"),
    P("一、总体要求"),
    P("（一）指导思想。以生态文明思想为指导，统筹发展和安全。"),
    P("（二）基本原则"),
    P("1.空间管控"),
    P("（1）坚持保护优先。优先保护生态空间。"),
    P("(2)坚持节约集约。严控新增建设用地。"),
    P("1.5亿元专项资金用于耕地保护。"),
    P("2、坚持陆海统筹。统筹陆域和海域空间。"),
    P("二、科学有序划定"),
    P("（三）按照生态功能划定生态保护红线。生态保护红线是指具有特殊重要生态功能的区域。"),
    P("生态保护红线内严格禁止开发性建设活动。"),
    P("三、强化保障措施"),
    P("（四）加强组织保障。地方各级党委和政府负总责。"),
]


def test_policy_markers_locators_and_heading_paths() -> None:
    chunks = chunk_blocks(POLICY_BLOCKS, DocType.POLICY)
    assert [(c.locator, c.heading_path) for c in chunks] == [
        ("前言", ()),
        ("（一）", ("一、总体要求",)),
        ("（1）", ("一、总体要求", "（二）基本原则", "1.空间管控")),
        ("（2）", ("一、总体要求", "（二）基本原则", "1.空间管控")),
        ("2", ("一、总体要求", "（二）基本原则")),
        ("（三）", ("二、科学有序划定",)),
        ("（四）", ("三、强化保障措施",)),
    ]


def test_policy_marker_paragraph_owns_following_paragraphs() -> None:
    chunks = chunk_blocks(POLICY_BLOCKS, DocType.POLICY)
    assert by_locator(chunks, "（三）")[0].text == (
        "（三）按照生态功能划定生态保护红线。生态保护红线是指具有特殊重要生态功能的区域。\n"
        "生态保护红线内严格禁止开发性建设活动。"
    )
    # a decimal amount is not a list marker: it stays with （2）
    assert by_locator(chunks, "（2）")[0].text.endswith("\n1.5亿元专项资金用于耕地保护。")
    assert by_locator(chunks, "前言")[0].text.startswith("关于加强示例国土空间规划管理的指导意见\n")


def test_policy_with_only_top_level_items_uses_chinese_numeral_locator() -> None:
    blocks = [
        P("各省、自治区、直辖市自然资源主管部门："),
        P("一、合并规划选址和用地预审。将建设项目选址意见书、建设项目用地预审意见合并。"),
        P("二、简化报件审批材料。各地要在已有工作基础上进一步简化材料。"),
    ]
    chunks = chunk_blocks(blocks, DocType.NOTICE)
    assert [(c.locator, c.heading_path) for c in chunks] == [("前言", ()), ("一", ()), ("二", ())]


def test_short_items_after_a_colon_stay_with_their_lead_in() -> None:
    blocks = [
        P("F.2 规划文本"),
        P("规划文本一般包含以下内容："),
        P("a）现状分析与风险识别；"),
        P("b）规划目标和战略；"),
        P("c）规划实施保障。"),
        P("F.3 规划图集"),
        P("图集包括规划成果图。"),
    ]
    chunks = chunk_blocks(blocks, DocType.STANDARD)
    assert [(c.locator, c.heading_path, c.text) for c in chunks] == [
        (
            "F.2",
            ("F.2 规划文本",),
            "规划文本一般包含以下内容：\na）现状分析与风险识别；\nb）规划目标和战略；\nc）规划实施保障。",
        ),
        ("F.3", ("F.3 规划图集",), "图集包括规划成果图。"),
    ]


def test_title_only_items_followed_by_siblings_are_list_items_kept_verbatim() -> None:
    blocks = [
        P("一、基本原则"),
        P("（一）坚持  保护优先"),
        P("（二）坚持节约集约"),
        P("二、重点任务"),
        P("（三）划定生态保护红线。具体要求另行规定。"),
    ]
    chunks = chunk_blocks(blocks, DocType.POLICY)
    assert [(c.locator, c.heading_path, c.text) for c in chunks] == [
        ("（一）", ("一、基本原则",), "（一）坚持  保护优先"),
        ("（二）", ("一、基本原则",), "（二）坚持节约集约"),
        ("（三）", ("二、重点任务",), "（三）划定生态保护红线。具体要求另行规定。"),
    ]


# --------------------------------------------------------------------------
# Plans and technical guides: 第X条, decimals, tables
# --------------------------------------------------------------------------

TABLE_MD = (
    "| 指标 | 单位 | 2035年 |\n|---|---|---|\n| 耕地保有量 | 万亩 | 35.2 |\n| 生态保护红线面积 | 平方公里 | 120 |"
)


def test_plan_articles_with_captioned_table() -> None:
    blocks = [
        H("示例市国土空间总体规划（2021—2035年）", 1),
        H("第一章 总则", 2),
        P("第一条 规划目的 为落实国家战略，制定本规划。"),
        H("第二章 目标与指标", 2),
        P("第十二条 规划指标如下："),
        P("表3 规划主要控制指标"),
        T(TABLE_MD),
        P("上述指标均为约束性指标。"),
        P("第十三条 规划期限为2021年至2035年。"),
    ]
    chunks = chunk_blocks(blocks, DocType.PLAN)
    assert [(c.kind, c.locator, c.heading_path) for c in chunks] == [
        ("text", "第一条", ("第一章 总则",)),
        ("text", "第十二条", ("第二章 目标与指标",)),
        ("table", "表3", ("第二章 目标与指标",)),
        ("text", "第十二条", ("第二章 目标与指标",)),
        ("text", "第十三条", ("第二章 目标与指标",)),
    ]
    table = chunks[2]
    assert table.text == "表3 规划主要控制指标\n" + TABLE_MD  # caption first, table whole
    assert chunks[1].text == "第十二条 规划指标如下："
    assert chunks[3].text == "上述指标均为约束性指标。"


def test_table_is_never_split_even_when_huge() -> None:
    big = "| 序号 | 名称 |\n|---|---|\n" + "\n".join(f"| {i} | 示例自然保护地{i} |" for i in range(200))
    chunks = chunk_blocks([P("附表1 自然保护地一览表"), T(big), P("以上为全部名录。")], DocType.PLAN, max_chars=300)
    tables = [c for c in chunks if c.kind == "table"]
    assert len(tables) == 1
    assert tables[0].locator == "附表1"
    assert tables[0].text.endswith(big)
    assert not any(big[:30] in c.text for c in text_chunks(chunks))


GUIDE_BLOCKS = [
    P("示例国土空间规划技术指南"),
    P("（试行）"),
    P("目 录"),
    P("1 总体要求.1"),
    P("1.1 适用范围．．．．．．2"),
    P("2 系统功能建设3"),
    P("2.1系统功能要求……4"),
    P("2.1.1 国土空间规划“一张图”应用．5"),
    P("附录A 术语和定义9"),
    P("1 总体要求"),
    P("1.1 适用范围"),
    P("本指南适用于省、市、县三级国土空间规划“一张图”建设。"),
    P("- 3 -"),
    P("2 系统功能建设"),
    P("2.1系统功能要求"),
    P("系统应提供国土空间规划“一张图”应用、分析评价等功能。"),
    P("2.1.1 国土空间规划“一张图”应用"),
    P("从平台调用国土空间规划“一张图”，提供资源浏览等功能。"),
    P("表1 功能清单"),
    T("| 功能 | 说明 |\n|---|---|\n| 资源浏览 | 浏览与定位 |"),
    P("2.1.2 规划分析评价"),
    P("（1）承载能力评价"),
    P("辅助分析资源环境承载能力。"),
    P("4"),
    P("附录A 术语和定义"),
    P("A.1 国土空间"),
    P("国家主权与主权权利管辖下的地域空间。"),
]


def test_guide_decimal_sections_nest_by_depth() -> None:
    chunks = chunk_blocks(GUIDE_BLOCKS, DocType.STANDARD)
    assert [(c.kind, c.locator, c.heading_path) for c in chunks] == [
        ("text", "前言", ()),
        ("text", "1.1", ("1 总体要求", "1.1 适用范围")),
        ("text", "2.1", ("2 系统功能建设", "2.1系统功能要求")),
        ("text", "2.1.1", ("2 系统功能建设", "2.1系统功能要求", "2.1.1 国土空间规划“一张图”应用")),
        ("table", "表1", ("2 系统功能建设", "2.1系统功能要求", "2.1.1 国土空间规划“一张图”应用")),
        ("text", "（1）", ("2 系统功能建设", "2.1系统功能要求", "2.1.2 规划分析评价", "（1）承载能力评价")),
        ("text", "A.1", ("附录A 术语和定义", "A.1 国土空间")),
    ]


def test_table_of_contents_and_page_numbers_are_dropped() -> None:
    chunks = chunk_blocks(GUIDE_BLOCKS, DocType.STANDARD)
    everything = "\n".join([c.text for c in chunks] + [h for c in chunks for h in c.heading_path])
    for toc_fragment in ("目 录", "要求.1", "．．", "……4", "建设3", "术语和定义9", "- 3 -"):
        assert toc_fragment not in everything
    assert by_locator(chunks, "前言")[0].text == "示例国土空间规划技术指南\n（试行）"
    assert "\n4\n" not in everything and not everything.endswith("\n4")


def test_table_without_caption_takes_enclosing_locator() -> None:
    blocks = [P("3.2 开发保护格局"), P("格局要求如下。"), T(TABLE_MD)]
    chunks = chunk_blocks(blocks, DocType.STANDARD)
    assert [(c.kind, c.locator, c.heading_path) for c in chunks] == [
        ("text", "3.2", ("3.2 开发保护格局",)),
        ("table", "3.2", ("3.2 开发保护格局",)),
    ]
    assert chunks[1].text == TABLE_MD


# --------------------------------------------------------------------------
# PDF-extracted text
# --------------------------------------------------------------------------


def test_pdf_broken_paragraphs_are_rejoined() -> None:
    blocks = [
        P("二、科学有序划定"),
        P("（四）按照生态功能划定生态保护红线。生态保护红线内，除国家重大战略项目外，"),
        P("仅允许对生态功能不造成破坏的有限人为活动。"),
        P("（五）按照集约适度要求划定城镇开发边界。城镇开发边界是可以集中进"),
        P("- 12 -"),
        P("行城镇开发建设的区域边界，规划期至2035"),
        P("年。"),
        P("（六）统一数据基础"),
        P("以国土调查数据为基础。"),
    ]
    chunks = chunk_blocks(blocks, DocType.POLICY)
    assert [(c.locator, c.text) for c in chunks] == [
        (
            "（四）",
            "（四）按照生态功能划定生态保护红线。生态保护红线内，除国家重大战略项目外，仅允许对生态功能不造成破坏的有限人为活动。",
        ),
        (
            "（五）",
            "（五）按照集约适度要求划定城镇开发边界。城镇开发边界是可以集中进行城镇开发建设的区域边界，规划期至2035年。",
        ),
        ("（六）", "以国土调查数据为基础。"),
    ]
    assert all(c.heading_path[0] == "二、科学有序划定" for c in chunks)
    assert chunks[2].heading_path == ("二、科学有序划定", "（六）统一数据基础")


def test_titles_and_dates_are_not_joined_to_following_text() -> None:
    blocks = [
        P("示例规划编制指南"),
        P("自然资源部"),
        P("2020年1月"),
        P("一、总体要求"),
        P("规划编制应当坚持生态优先"),
        P("二、编制主体"),
        P("编制主体为省级人民政府。"),
    ]
    chunks = chunk_blocks(blocks, DocType.POLICY)
    assert by_locator(chunks, "前言")[0].text == "示例规划编制指南\n自然资源部\n2020年1月"
    assert by_locator(chunks, "一")[0].text == "规划编制应当坚持生态优先"


# --------------------------------------------------------------------------
# Plain notes, headings without markers, general properties
# --------------------------------------------------------------------------


def test_plain_text_is_packed_by_paragraph_number() -> None:
    paragraphs = ["会议听取了耕地保护工作汇报。" * 3, "会议要求严守生态保护红线。" * 3, "会议决定开展现状评估。" * 3]
    chunks = chunk_blocks([P(p) for p in paragraphs], DocType.NOTICE, max_chars=100)
    assert [(c.locator, c.text) for c in chunks] == [
        ("第1段", paragraphs[0] + "\n" + paragraphs[1]),
        ("第3段", paragraphs[2]),
    ]
    assert all(c.heading_path == () for c in chunks)


def test_markdown_heading_without_marker_is_its_own_locator() -> None:
    blocks = [H("示例笔记", 1), H("背景  情况", 2), P("近年来耕地减少。"), H("下一步 工作", 2), P("开展专项整治。")]
    chunks = chunk_blocks(blocks, DocType.NOTICE)
    assert [(c.locator, c.heading_path, c.text) for c in chunks] == [
        ("背景情况", ("背景情况",), "近年来耕地减少。"),
        ("下一步工作", ("下一步工作",), "开展专项整治。"),
    ]


def test_no_text_chunk_exceeds_max_chars_and_output_is_deterministic() -> None:
    blocks = LAW_BLOCKS + POLICY_BLOCKS + GUIDE_BLOCKS + [P("第九十九条 " + CLAUSE * 30)]
    first = chunk_blocks(blocks, DocType.POLICY, max_chars=150)
    second = chunk_blocks(list(blocks), DocType.POLICY, max_chars=150)
    assert first == second
    assert all(len(c.text) <= 150 for c in text_chunks(first))
    assert all(c.text.strip() for c in first)


def test_empty_input_gives_no_chunks() -> None:
    assert chunk_blocks([], DocType.LAW) == []
    assert chunk_blocks([P("  "), P("<!-- 注释 -->"), P("- 1 -")], DocType.LAW) == []


def test_rejects_tiny_max_chars() -> None:
    with pytest.raises(ValueError):
        chunk_blocks([P("正文。")], DocType.LAW, max_chars=5)


def test_large_document_keeps_every_article() -> None:
    def article(n: int) -> list[Block]:
        return [P(f"第{n}条 " + CLAUSE * 3), P(CLAUSE * 2), P("（一）" + CLAUSE), P("依照本法第二条规定" + CLAUSE)]

    blocks = [H("第一章 总则", 2)] + [b for n in range(1, 2001) for b in article(n)]  # ~1 M characters
    chunks = chunk_blocks(blocks, DocType.LAW)  # speed: bench/ingest_speed.py
    assert len({c.locator for c in chunks}) == 2000
