"""Chinese tokenisation for lexical search, with a planning lexicon.

jieba splits unknown planning terms badly (永久基本农田, 城镇开发边界, 容积率 ...);
the lexicon adds them as whole words, and search-mode cutting also yields
their parts, so 基本农田 still matches 永久基本农田.  ``expand_query`` maps
colloquial wording to the terms the texts use (批地 → 农用地转用 审批).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

PLANNING_TERMS: tuple[str, ...] = (
    "国土空间规划", "国土空间总体规划", "详细规划", "控制性详细规划", "修建性详细规划", "村庄规划",
    "专项规划", "总体规划", "土地利用总体规划", "城乡规划", "一张图", "三条控制线",
    "生态保护红线", "永久基本农田", "城镇开发边界", "基本农田", "耕地保有量", "占补平衡",
    "农用地转用", "农用地", "建设用地", "未利用地", "集体经营性建设用地", "宅基地", "土地征收",
    "征收", "征用", "耕地", "林地", "草地", "湿地", "园地", "自然保护地", "自然保护区",
    "核心保护区", "一般控制区", "风景名胜区", "饮用水水源保护区", "历史文化名城", "历史文化街区",
    "历史建筑", "文物保护单位", "容积率", "建筑密度", "绿地率", "建筑限高", "规划条件",
    "用地预审", "选址意见书", "建设用地规划许可证", "建设工程规划许可证", "乡村建设规划许可证",
    "规划许可", "规划核实", "竣工验收", "出让合同", "土地使用权", "国有土地使用权", "划拨",
    "出让", "土地复垦", "复垦", "开垦费", "耕地开垦费", "闲置土地", "临时用地", "设施农业用地",
    "用途管制", "用地用海分类", "城乡建设用地", "城镇集中建设区", "体检评估", "实施监督",
    "约束性指标", "预期性指标", "多审合一", "多证合一", "不可避让", "有限人为活动", "国家重大项目",
    "海域使用权", "围填海", "自然岸线", "不动产登记", "土地调查", "测绘成果", "地上附着物",
    "青苗", "安置补助费", "土地补偿费", "社会保障费用", "国务院", "省、自治区、直辖市人民政府",
    "县级以上地方人民政府", "自然资源主管部门", "城乡规划主管部门", "原审批机关",
)

# colloquial wording → the terms that the texts use
SYNONYMS: dict[str, str] = {
    "基本农田": "永久基本农田",
    "生态红线": "生态保护红线",
    "红线": "生态保护红线",
    "开发边界": "城镇开发边界",
    "盖房子": "建住宅 宅基地",
    "盖房": "建住宅 宅基地",
    "建房": "建住宅 宅基地",
    "批地": "农用地转用 审批",
    "征地": "征收 土地",
    "拆迁": "房屋征收 补偿",
    "卖地": "出让 土地使用权",
    "控规": "控制性详细规划",
    "总规": "总体规划",
    "村规划": "村庄规划",
    "老房子": "历史建筑 文物",
    "古建筑": "文物 历史建筑",
    "占地": "占用 土地",
    "砍树": "采伐 林木",
    "毁林": "毁坏 林木",
    "挖沙": "挖砂 采砂",
    "荒地": "未利用地",
    "工厂": "工业 生产性建设",
    "谁批": "批准 审批",
    "谁审批": "批准",
    "报谁": "报 批准",
    "罚多少": "罚款",
    "有效期": "有效期 期限",
    "多久": "期限",
    "填海": "围填海 填海",
}

STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 对 由 为 把 被 将 从 向 于 以 等 其 之 这 那 个 也 就 都 而 并 但 又 吗 呢 吧 啊 么 "
    "什么 怎么 怎样 如何 哪些 哪个 是否 可以 能否 能 会 要 需要 应该 有没有 没有 一个 一块 我们 我 你 他 她 它 "
    "请问 一下 这个 那个 如果 的话 时候 情况".split()
)
_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)


@lru_cache(maxsize=1)
def _tokenizer():  # jieba loads its dictionary on first use (about 1 s)
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for term in PLANNING_TERMS:
        tok.add_word(term, freq=200000)
    return tok


def add_terms(terms: Iterable[str]) -> None:
    """Teach the tokenizer more whole words (e.g. land-use class names)."""
    tok = _tokenizer()
    for term in terms:
        if len(term) > 1:
            tok.add_word(term, freq=200000)


def tokenize(text: str) -> list[str]:
    """Search-mode tokens without stopwords and punctuation.

    Examples
    --------
    >>> "永久基本农田" in tokenize("占用永久基本农田的审批")
    True
    """
    return [
        t for t in _tokenizer().cut_for_search(text.lower())
        if t.strip() and t not in STOPWORDS and not _PUNCT.match(t)
    ]


def expand_query(query: str) -> str:
    """Append formal terms for colloquial wording found in ``query``.

    Examples
    --------
    >>> expand_query("村里批地找谁")
    '村里批地找谁 农用地转用 审批'
    """
    extra: list[str] = []
    for word, formal in SYNONYMS.items():
        if word in query and formal not in query:
            extra.extend(t for t in formal.split() if t not in extra and t not in query)
    return query if not extra else f"{query} {' '.join(extra)}"
