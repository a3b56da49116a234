"""Structured rules from law and policy clauses: a pattern extractor and an LLM-backed one.

A clause such as 土地管理法 §44 ¶2 ``永久基本农田转为建设用地的，由国务院批准。`` becomes an
:class:`ExtractedRule` (modality 审批, authority 国务院, subject 永久基本农田, action 转为建设用地).
Later these rules become ``Rule`` nodes of the knowledge graph, ``DERIVED_FROM`` their clause
and ``APPLIES_TO`` a 用地用海 class (:attr:`ExtractedRule.landuse_codes`) or a control line
(:attr:`ExtractedRule.control_lines`).

How :class:`PatternRuleExtractor` reads a clause
------------------------------------------------
1. **Units.** Paragraphs (``\\n``), numbered items (``（一）`` after a line ending in ``：``),
   sentences (``。！？``, not inside brackets or quotes), 分句 (``；``) and comma clauses
   (``，``). Article and item markers (``第四十四条``, ``（二）``) are skipped.
2. **Cues** (found per comma clause):

   ======  =====================================================================
   禁止    ``不得 禁止 严禁 不准 不予 只能``; negated approval ``不得批准 / 不予批准``
   应当    ``应当 应 必须 须``; bare numeric limits ``不超过 不少于 不低于 至少``
   允许    ``可以 可 允许 准予 有权`` (modal use only)
   审批    approval *requirements*: ``由/报/经/报经/须经 … 批准/审批/核准``, ``办理…审批手续``,
           ``报批``, ``向X申请(办理/核发)…许可证``, ``由X核发…``, ``向X领取…许可证``
   条件    ``确需 确因 确有必要 确实难以/无法/不能(避让) 方可 符合…条件的 除…外 但…除外``
   ======  =====================================================================

   Not cues: cues inside a condition clause ending in ``的`` (``可以利用荒地的``), a cue right
   before ``的`` (``允许的…活动``), approvals used as adjectives or nouns (``经依法批准的``,
   ``需报国务院审批的城市``, ``…的审批``, ``审批权限``, ``一经批准``, ``已批准``, ``批准前``),
   ``实行…审批``, ``不再办理…审批手续``, everything inside ``除…外`` and in a definition
   (``X是指…`` or a first clause ``X是…``, up to the next condition clause), and, after a
   lead-in that carries a cue and ends in ``：``, everything in the listed items.
3. **Precedence** inside one 分句 (the documented contract):

   a. an approval absorbs the obligations chained before it or in its clause (``应当…报…批准``,
      ``应当向X提出申请，…由Y批准``), the permission right after it (``经…批准，可以``) and the
      prohibition it lifts (``未经批准，不得``): one **审批** rule;
   b. ``…后，方可`` absorbs the obligations chained before it (its preconditions) and merges
      with an approval of the same 分句;
   c. a conditional cue (in the 分句, or ``确需`` in the first clause of the sentence) turns
      every approval and permission of the 分句 into **有条件**; obligations and prohibitions
      with an exception stay 应当 / 禁止;
   d. what is left gives one rule per modality (禁止, 应当, 允许), plus one per distinct
      approving authority.

   So a sentence may yield several rules with different modalities
   (``应当符合规划，不得占用永久基本农田`` → 应当 + 禁止).
4. **Authorities** are normalised with :data:`AUTHORITIES` / :data:`DEPARTMENTS`. For an
   approval: the body after the nearest ``由/报/经`` marker (``经A审查同意后，报B批准`` → B), else
   the body an application is filed with. For other rules: the nearest body before the cue, else a
   body after it introduced by ``向/报/经/由`` in the same clause (or a following ``并…`` clause).
   Not authorities: qualifiers (``国务院确定的``, ``国务院授权的``, ``按照/依照/根据…``,
   ``与…签订``, ``X的意见``), bodies inside ``除…外``, cross-references (``依照本法第四十四条``
   names no body), bodies already used as another rule's approver.
5. **Quantities**: Chinese or Arabic numbers with a unit (:data:`UNITS`), ``百分之十五`` → 15 %,
   ``三分之二`` → 66.67 %; a range ``A以上B以下`` keeps its first number; years, dates, article
   numbers and counts without a unit are ignored. A quantity belongs to the cue of its comma
   clause; one in a condition clause (``超过三十五公顷的``) applies to the following cues; a
   number in a listed item gives an extra rule with the lead-in's modality and authority
   (土地管理法 §46 → three 审批 rules by 国务院). Every distinct quantity gives its own rule.
6. Rules are de-duplicated per sentence on (modality, authority, threshold, unit).

The module is pure; the regular expressions are compiled at import, the lexicon on first use.

Examples
--------
>>> [(r.modality, r.authority, r.subject, r.action)
...  for r in PatternRuleExtractor().extract("永久基本农田转为建设用地的，由国务院批准。")]
[('审批', '国务院', '永久基本农田', '转为建设用地')]
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Protocol

__all__ = [
    "APPROVAL",
    "AUTHORITIES",
    "BAN",
    "CONDITIONAL",
    "CONTROL_LINES",
    "DEPARTMENTS",
    "MODALITIES",
    "MUST",
    "PERMIT",
    "SUBJECT_TERMS",
    "UNITS",
    "ExtractedRule",
    "ModelRuleExtractor",
    "PatternRuleExtractor",
    "Quantity",
    "RuleExtractor",
    "find_authorities",
    "find_quantities",
    "normalize_authority",
    "parse_model_output",
    "resolve_jurisdiction",
    "parse_chinese_number",
]

BAN, PERMIT, MUST, CONDITIONAL, APPROVAL = "禁止", "允许", "应当", "有条件", "审批"
MODALITIES: tuple[str, ...] = (BAN, PERMIT, MUST, CONDITIONAL, APPROVAL)
UNITS: tuple[str, ...] = ("公顷", "亩", "平方米", "平方公里", "米", "千米", "%", "年", "月", "日", "工作日", "倍", "元", "万元")

# Canonical authority -> written variants. Order inside a tuple does not matter (longest wins).
AUTHORITIES: dict[str, tuple[str, ...]] = {
    "国土空间规划原审批机关": ("国土空间规划原审批机关",),
    "原审批机关": ("原批准土地利用总体规划的机关", "原批准用地的人民政府", "总体规划审批机关", "规划审批机关",
               "原审批机关", "原批准机关"),
    "有批准权的人民政府": ("有批准权的人民政府",),
    "国务院": ("国务院",),
    "省级人民政府": ("省、自治区、直辖市人民政府", "省、自治区人民政府", "省级以上人民政府", "省级人民政府", "省级政府",
               "省人民政府", "直辖市人民政府", "自治区人民政府"),
    "设区的市人民政府": ("设区的市、自治州人民政府", "设区的市人民政府", "地级以上市人民政府", "省辖市人民政府",
                 "地级市人民政府"),
    # "市人民政府" alone depends on the jurisdiction: 省级 in 北京/上海/天津/重庆, else 设区的市 (see extract()).
    "市人民政府": ("市人民政府",),
    "县级以上地方人民政府": ("县级以上地方各级人民政府", "县级以上地方人民政府", "县级以上人民政府"),
    "县级人民政府": ("县级和不设区的地级市人民政府", "县（市、区）人民政府", "县（市）人民政府", "区县（自治县）人民政府",
               "县（自治县）人民政府", "区县人民政府", "县级人民政府", "县人民政府", "区人民政府"),
    "市县人民政府": ("城市、县人民政府", "市、县人民政府", "市、县级人民政府", "市县人民政府", "城市人民政府", "市县政府"),
    "乡镇人民政府": ("乡（镇）人民政府", "乡、镇人民政府", "乡镇人民政府", "乡级人民政府", "镇人民政府", "乡镇政府"),
    "本级人民政府": ("本级人民政府", "同级人民政府", "同级政府", "本级政府"),
    "上一级人民政府": ("共同的上一级人民政府", "上一级人民政府", "上一级政府", "上级人民政府"),
    "当地人民政府": ("当地人民政府",),
    "城乡规划主管部门": ("规划许可机关",),
}
# Department name stems -> canonical department. Written as [level]stem suffix, suffix one of
# 行政主管部门 / 行政管理部门 / 主管部门 / 管理部门 / 部门; the level is kept for 国务院 and 省级 only.
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "自然资源主管部门": ("自然资源和规划", "规划自然资源", "自然资源", "国土资源", "土地行政", "土地管理", "土地"),
    "城乡规划主管部门": ("城乡规划", "城市规划", "规划"),
    "农业农村主管部门": ("农业农村", "农业"),
    "住房城乡建设主管部门": ("住房和城乡建设", "住房城乡建设"),
    "城乡建设主管部门": ("城乡建设",),
    "建设主管部门": ("建设",),
    "生态环境主管部门": ("生态环境", "环境保护"),
    "林业草原主管部门": ("林业草原", "林业"),
    "水行政主管部门": ("水行政", "水利"),
    "交通运输主管部门": ("交通运输",),
    "文物主管部门": ("文物",),
    "海洋主管部门": ("海洋",),
    "房屋征收部门": ("房屋征收",),
}
_DEPT_SUFFIX_ALT = "行政主管部门|行政管理部门|主管部门|管理部门|部门"
_DIRECT_CITIES = ("北京", "上海", "天津", "重庆")
CONTROL_LINES: dict[str, tuple[str, ...]] = {
    "生态保护红线": ("ecological_protection_redline",),
    "永久基本农田": ("permanent_basic_farmland",),
    "基本农田": ("permanent_basic_farmland",),
    "城镇开发边界": ("urban_development_boundary",),
    "三条控制线": ("ecological_protection_redline", "permanent_basic_farmland", "urban_development_boundary"),
}
SUBJECT_TERMS: tuple[str, ...] = (
    "生态保护红线", "永久基本农田", "城镇开发边界", "三条控制线", "基本农田", "耕地", "农用地", "建设用地", "未利用地",
    "集体经营性建设用地", "集体建设用地", "宅基地", "临时用地", "国有土地使用权", "国有建设用地", "土地使用权",
    "集体土地", "规划条件", "容积率", "建筑密度", "绿地率", "控制性详细规划", "修建性详细规划", "详细规划",
    "村庄规划", "乡规划", "总体规划", "土地利用总体规划", "国土空间总体规划", "国土空间规划", "专项规划",
    "城镇体系规划", "城乡规划", "近期建设规划", "建设用地规划许可证", "建设工程规划许可证", "乡村建设规划许可证",
    "选址意见书", "土地征收", "征收土地", "农用地转用", "临时建设", "自然保护地", "土地用途", "未确定使用权的国有荒山",
    "耕地保有量", "土地调查成果", "土地等级",
)
_SUBJECT_ALIASES = {"征收土地": "土地征收", "未确定使用权的国有荒山": "国有土地使用权"}
_LANDUSE_ALIASES = {"宅基地": "0703"}

# --------------------------------------------------------------------------- patterns

_CN_NUM = "零〇一二两三四五六七八九十百千万"
_NUM = rf"(?:[0-9]+(?:\.[0-9]+)?|[{_CN_NUM}]+(?:点[零〇一二三四五六七八九]+)?)"
_UNIT_ALT = "平方公里|平方千米|平方米|公顷|亩|个工作日|工作日|个月|千米|公里|米|万元|元|倍|年|月|日|天|%|％"
_QTY_RE = re.compile(
    rf"(?P<pct>百分之(?P<pn>{_NUM}))"
    rf"|(?P<frac>(?P<den>[{_CN_NUM}]+)分之(?P<nom>[{_CN_NUM}]+))"
    rf"|(?P<num>{_NUM})(?P<unit>{_UNIT_ALT})"
)
_UNIT_NORMAL = {"个工作日": "工作日", "个月": "月", "天": "日", "％": "%", "平方千米": "平方公里", "公里": "千米"}
_RANGE_JOINERS = ("以上", "以上、", "以上至", "至", "到", "—", "-", "～", "~")

_ARTICLE_MARK_RE = re.compile(r"^第[一二三四五六七八九十百零〇]+条(?:之[一二三四五六七八九十]+)?[ \u3000]*")
_ITEM_MARK_RE = re.compile(r"^(?:[（(][一二三四五六七八九十]{1,3}[）)]|[（(]\d{1,2}[）)]|\d{1,2}[.．、](?!\d))[ \u3000]*")

_DEPT_PREFIX = "(?:{gov}|有批准权的县级以上人民政府|有关人民政府|省级|有关|同级|本级|市县|各级|市|区|县)?"


def _alt(variants: Iterable[str]) -> str:
    return "|".join(re.escape(v) for v in sorted(set(variants), key=lambda v: (-len(v), v)))


_GOV_VARIANTS = {v: k for k, vs in AUTHORITIES.items() for v in vs}
_DEPT_VARIANTS = {v: k for k, vs in DEPARTMENTS.items() for v in vs}
_MENTION_RE = re.compile(
    "(?P<dept>(?P<prefix>" + _DEPT_PREFIX.format(gov=_alt(_GOV_VARIANTS)) + ")(?P<suffix>(?:" + _alt(_DEPT_VARIANTS)
    + ")(?:" + _DEPT_SUFFIX_ALT + ")))"
    "|(?P<gov>" + _alt(_GOV_VARIANTS) + ")"
)
_STEM_RE = re.compile("^(?:" + _alt(_DEPT_VARIANTS) + ")")
_QUALIFIER_AFTER = ("授权的", "确定的", "指定的", "规定", "制定的", "所在地", "的", "有关规定", "根据")
_QUALIFIER_BEFORE = ("按照", "依照", "依据", "根据", "与", "对", "与有关", "按照有关", "依照有关")

_BAN_RE = re.compile(r"不得|禁止|严禁|不准|不予|只能")
_BAN_TERMS_RE = re.compile(r"禁止开发区域?|限制开发区域?|禁止开垦的范围|禁止建设区|禁止类")
_MUST_RE = re.compile(r"应当|必须|(?<![无必])须(?!知)|(?<![相适对供响反效答顺照呼])应(?![当用急对])"
                      r"|(?<!得)不超过|(?<!得)不少于|(?<!得)不低于|至少")
_MAY_RE = re.compile(r"可以|允许|准予|(?<![所使])有权|(?<![许认方不即宁])可(?![以能行持供靠见观视开耕逾])")
_COND_RE = re.compile(r"确需|确因|确有必要|确有需要|确实难以|确实无法|确实不能|难以避让|无法避让|(?<!不)符合[^，；。]{0,30}条件的")
_THEN_MAY_RE = re.compile(r"方可")
_EXCEPT_RE = re.compile(r"(?<![解删排清免])除(?![外非])[^，；。]{1,60}?外|但[^，；。]*?除外")
_APPROVAL_RE = re.compile(r"审核批准|批准|审批|核准|报批")
_PERMIT_RE = re.compile(r"(?:申请(?:办理|核发)?|核发|领取)[^，；。]{0,16}?(?:许可证|意见书)")
_MARKER_RE = re.compile(r"报经|须经|上报|报送|由|报|经|向")
_APPROVAL_NOUN_AFTER = re.compile(r"^(?:权|内容|时间|流程|事项|体系|文件|面积|期限|机关|程序|制度|层级|结果|意见)")
_APPROVAL_ADJ_BEFORE = ("一经", "已经", "已", "新", "谁", "业经")
_APPROVAL_DEMAND_BEFORE = re.compile(r"应当|必须|须|办理|补办")
_NEGATED_APPROVAL_BEFORE = re.compile(r"(?:不得|不予|不)$")
_SKIP_APPROVAL_BEFORE = re.compile(r"不再办理|无需|不需要|不必|未获得?[^，；。]{0,6}$")
_DEFINITION_RE = re.compile(r"是指|所称")
_DEF_FIRST_CLAUSE_RE = re.compile(r"^[^，；：]{1,14}?(?<![但于还或只就凡总也不])是(?!否)")
_APPLICATION_RE = re.compile(r"申请|提出")
_ACTION_RE = re.compile(
    r"转为建设用地|农用地转用|占用|征收|征用|收回|调整|修改|变更|改变[^，；。]{0,4}用途|开垦|开发|出让|出租|转让|"
    r"划拨|编制|公告|公布|划入|建设|使用|审批|批准"
)

_OPEN, _CLOSE = "（(“‘《「【", "）)”’》」】"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ExtractedRule:
    """One rule stated by a clause.

    Attributes
    ----------
    modality : str
        One of :data:`MODALITIES`: ``禁止``, ``允许``, ``应当``, ``有条件`` (a permission or
        approval restricted by 确需 / 除…外 / 方可 …) or ``审批`` (an approval requirement).
    subject : str
        What the rule is about (永久基本农田, 城镇开发边界, 耕地, a 用地用海 class name …), or "".
    action : str
        Short verb phrase (占用, 转为建设用地, 征收, 调整 …), or "".
    condition : str
        Condition text (``永久基本农田以外的耕地超过三十五公顷的``), or "".
    authority : str
        Normalised body (:data:`AUTHORITIES`, :data:`DEPARTMENTS`), or "".
    threshold : float or None
        Number limiting the rule (35.0 for 三十五公顷), or None.
    unit : str
        One of :data:`UNITS`, or "".
    text : str
        The sentence (or listed item) the rule came from: ``clause_text[span[0]:span[1]]``.
    span : tuple of int
        ``(start, end)`` of ``text`` in the clause text.
    landuse_codes : tuple of str
        用地用海 codes whose class names appear in the rule's 分句 (``APPLIES_TO`` targets).
    control_lines : tuple of str
        ``ecological_protection_redline`` / ``permanent_basic_farmland`` /
        ``urban_development_boundary`` when mentioned.
    locator, doc_title : str
        Passed through from :meth:`RuleExtractor.extract`.

    Examples
    --------
    >>> r = ExtractedRule(modality="审批", subject="耕地", action="征收", condition="", authority="国务院",
    ...                   threshold=35.0, unit="公顷", text="…", span=(0, 1))
    >>> r.key()
    ('审批', '国务院', 35.0, '公顷')
    """

    modality: str
    subject: str
    action: str
    condition: str
    authority: str
    threshold: float | None
    unit: str
    text: str
    span: tuple[int, int]
    landuse_codes: tuple[str, ...] = ()
    control_lines: tuple[str, ...] = ()
    locator: str = ""
    doc_title: str = ""

    def key(self) -> tuple[str, str, float | None, str]:
        """The fields rules are de-duplicated and matched on."""
        return (self.modality, self.authority, self.threshold, self.unit)


@dataclass(frozen=True)
class Quantity:
    """A number with a unit found in text (``start``/``end`` are offsets in that text)."""

    value: float
    unit: str
    start: int
    end: int


class RuleExtractor(Protocol):
    """Anything that turns a clause into rules."""

    def extract(self, clause_text: str, *, locator: str = "", doc_title: str = "") -> list[ExtractedRule]:
        """Rules stated by ``clause_text`` (possibly none)."""
        ...


@dataclass(frozen=True)
class _Mention:
    name: str
    start: int
    end: int
    qualifier: bool


@dataclass
class _Cue:
    kind: str  # ban | must | may | approval | then (方可)
    start: int
    end: int
    comma: int  # index of the comma clause within its 分句
    authority: str | None = None  # approvals: resolved approving body
    used: tuple[int, int] | None = None  # span of the mention used as approver
    unless: bool = False  # 未经…批准
    absorbed_by: int | None = None
    then: bool = False  # approvals: a 方可 merged into it
    quantities: list[Quantity] = field(default_factory=list)


@dataclass
class _Group:
    modality: str
    authority: str
    cues: list[_Cue]
    quantities: list[Quantity]


# --------------------------------------------------------------------------- numbers


_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def _cn_section(s: str) -> int:
    total, digit = 0, 0
    for ch in s:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        else:
            total += (digit or 1) * _CN_UNIT[ch]
            digit = 0
    return total + digit


def _cn_integer(s: str) -> int:
    if s and all(ch in _CN_DIGIT for ch in s) and len(s) > 1:
        return int("".join(str(_CN_DIGIT[ch]) for ch in s))  # 二〇一九 read digit by digit
    high, sep, low = s.partition("万")
    if sep:
        return (_cn_section(high) if high else 1) * 10000 + (_cn_section(low) if low else 0)
    return _cn_section(s)


def parse_chinese_number(text: str) -> float | None:
    """Value of a Chinese or Arabic number, or None if ``text`` is not one.

    Examples
    --------
    >>> [parse_chinese_number(s) for s in ("三十五", "一百二十", "十五", "二百", "零点五", "1.5", "两")]
    [35.0, 120.0, 15.0, 200.0, 0.5, 1.5, 2.0]
    >>> parse_chinese_number("一万二千"), parse_chinese_number("公顷") is None
    (12000.0, True)
    """
    s = text.strip()
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", s):
        return float(s)
    if not re.fullmatch(rf"[{_CN_NUM}]+(?:点[零〇一二三四五六七八九]+)?", s):
        return None
    whole, _, frac = s.partition("点")
    value = float(_cn_integer(whole)) if whole else 0.0
    if frac:
        value += float("0." + "".join(str(_CN_DIGIT[ch]) for ch in frac))
    return value


def _is_date_or_ordinal(text: str, m: re.Match[str], unit: str) -> bool:
    before = text[max(0, m.start() - 1): m.start()]
    after = text[m.end(): m.end() + 1]
    num = m.group("num")
    if before == "第":
        return True
    if unit == "年":
        return len(num) == 4 and num.isdigit() or "〇" in num or after == "度"
    if unit == "月":
        return before == "年" or after == "份"
    if unit in ("日", "天"):
        return before == "月"
    return False


def find_quantities(text: str) -> list[Quantity]:
    """Numbers with units in ``text``; ranges ``A以上B以下`` collapse to their first number.

    Examples
    --------
    >>> [(q.value, q.unit) for q in find_quantities("超过三十五公顷的，自公告之日起十五个工作日内")]
    [(35.0, '公顷'), (15.0, '工作日')]
    >>> [(q.value, q.unit) for q in find_quantities("二百公顷以上四百公顷以下；百分之十五；三分之二以上")]
    [(200.0, '公顷'), (15.0, '%'), (66.66666666666667, '%')]
    >>> find_quantities("2019年8月26日修正，第三十条，人口在一百万以上的城市")
    []
    """
    found: list[Quantity] = []
    for m in _QTY_RE.finditer(text):
        q = _quantity_from_match(text, m)
        if q is not None:
            found.append(q)
    return _merge_ranges(text, found)


def _quantity_from_match(text: str, m: re.Match[str]) -> Quantity | None:
    if m.group("pct"):
        value = parse_chinese_number(m.group("pn"))
        return None if value is None else Quantity(value, "%", m.start(), m.end())
    if m.group("frac"):
        den, nom = parse_chinese_number(m.group("den")), parse_chinese_number(m.group("nom"))
        return None if not den or nom is None else Quantity(nom * 100 / den, "%", m.start(), m.end())
    unit = m.group("unit")
    value = parse_chinese_number(m.group("num"))
    if value is None or _is_date_or_ordinal(text, m, unit):
        return None
    return Quantity(value, _UNIT_NORMAL.get(unit, unit), m.start(), m.end())


def _merge_ranges(text: str, found: list[Quantity]) -> list[Quantity]:
    out: list[Quantity] = []
    for q in found:
        prev = out[-1] if out else None
        if prev and prev.unit == q.unit and text[prev.end: q.start] in _RANGE_JOINERS:
            out[-1] = Quantity(prev.value, prev.unit, prev.start, q.end)
        else:
            out.append(q)
    return out


# --------------------------------------------------------------------------- authorities


def _mention_name(m: re.Match[str]) -> str:
    if m.group("gov"):
        return _GOV_VARIANTS[m.group("gov")]
    stem = _STEM_RE.match(m.group("suffix"))
    dept = _DEPT_VARIANTS[stem.group()] if stem else m.group("suffix")
    level = _GOV_VARIANTS.get(m.group("prefix"), m.group("prefix"))
    if level == "国务院":
        return "国务院" + dept
    if level in ("省级人民政府", "省级"):
        return "省级" + dept
    return dept


def _is_qualifier(text: str, start: int, end: int) -> bool:
    after = text[end: end + 4]
    before = text[max(0, start - 4): start]
    return after.startswith(_QUALIFIER_AFTER) or before.endswith(_QUALIFIER_BEFORE)


def find_authorities(text: str) -> list[tuple[str, int, int]]:
    """Normalised authorities named in ``text`` as ``(name, start, end)``, qualifiers included.

    Examples
    --------
    >>> [a[0] for a in find_authorities("由国务院或者国务院授权的省、自治区、直辖市人民政府批准")]
    ['国务院', '国务院', '省级人民政府']
    >>> [a[0] for a in find_authorities("报经县级以上人民政府自然资源主管部门和国务院城乡规划主管部门")]
    ['自然资源主管部门', '国务院城乡规划主管部门']
    """
    return [(m.name, m.start, m.end) for m in _mentions(text, 0, len(text))]


def _mentions(text: str, start: int, end: int) -> list[_Mention]:
    return [
        _Mention(_mention_name(m), m.start(), m.end(), _is_qualifier(text, m.start(), m.end()))
        for m in _MENTION_RE.finditer(text, start, end)
    ]


def _canonical_authority_set() -> set[str]:
    return set(AUTHORITIES) | set(DEPARTMENTS) | {lvl + d for lvl in ("国务院", "省级") for d in DEPARTMENTS}


def resolve_jurisdiction(authority: str, doc_title: str) -> str:
    """``市人民政府`` is provincial-level in a 直辖市's own regulation, a 设区的市 elsewhere.

    Examples
    --------
    >>> resolve_jurisdiction("市人民政府", "上海市城乡规划条例"), resolve_jurisdiction("市人民政府", "宁波市国土空间规划条例")
    ('省级人民政府', '设区的市人民政府')
    >>> resolve_jurisdiction("国务院", "上海市城乡规划条例")
    '国务院'
    """
    if authority != "市人民政府":
        return authority
    return "省级人民政府" if doc_title.startswith(_DIRECT_CITIES) else "设区的市人民政府"


def normalize_authority(name: str) -> str | None:
    """The canonical form of an authority name, "" for "", None if it is not one.

    Examples
    --------
    >>> normalize_authority("省、自治区、直辖市人民政府"), normalize_authority("县级以上人民政府")
    ('省级人民政府', '县级以上地方人民政府')
    >>> normalize_authority("城市、县人民政府城乡规划主管部门"), normalize_authority("村民委员会")
    ('城乡规划主管部门', None)
    """
    name = name.strip()
    if not name:
        return ""
    canonical = _canonical_authority_set()
    if name in canonical:
        return name
    m = _MENTION_RE.fullmatch(name)
    return _mention_name(m) if m else None


# --------------------------------------------------------------------------- segmentation


def _split(text: str, start: int, end: int, seps: str) -> list[tuple[int, int]]:
    """Spans between separators (kept with the left piece), outside brackets and quotes."""
    out, depth, s = [], 0, start
    for i in range(start, end):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            out.append((s, i + 1))
            s = i + 1
    if s < end and text[s:end].strip():
        out.append((s, end))
    return out


_SPACE = " \u3000\t\r\n"


def _strip_span(text: str, start: int, end: int, chars: str = _SPACE + "，。；！？,;：") -> tuple[int, int]:
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def _paragraphs(text: str) -> list[tuple[int, int, bool]]:
    """``(content_start, end, is_item)`` per line; markers are skipped, items follow a ``：`` line."""
    out: list[tuple[int, int, bool]] = []
    pos, in_list = 0, False
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        m = _ARTICLE_MARK_RE.match(stripped) or _ITEM_MARK_RE.match(stripped)
        is_item = bool(in_list and m and _ITEM_MARK_RE.match(stripped))
        content = start + lead + (m.end() if m and (is_item or _ARTICLE_MARK_RE.match(stripped)) else 0)
        out.append((content, end, is_item))
        in_list = is_item or stripped.endswith(("：", ":"))
    return out


# --------------------------------------------------------------------------- the pattern extractor


class PatternRuleExtractor:
    """Regex and lexicon rule extractor; see the module docstring for the rules it applies.

    Examples
    --------
    >>> ex = PatternRuleExtractor()
    >>> [(r.modality, r.authority, r.threshold, r.unit) for r in ex.extract(
    ...     "征收下列土地的，由国务院批准：\\n（一）永久基本农田；\\n（二）永久基本农田以外的耕地超过三十五公顷的；"
    ...     "\\n（三）其他土地超过七十公顷的。")]
    [('审批', '国务院', None, ''), ('审批', '国务院', 35.0, '公顷'), ('审批', '国务院', 70.0, '公顷')]
    >>> [(r.modality, r.authority) for r in ex.extract(
    ...     "其中，涉及占用农用地的，依照本法第四十四条的规定办理审批手续。")]
    [('审批', '')]
    >>> [(r.modality, r.control_lines) for r in ex.extract("城镇开发边界调整报国土空间规划原审批机关审批。")]
    [('审批', ('urban_development_boundary',))]
    """

    def extract(self, clause_text: str, *, locator: str = "", doc_title: str = "") -> list[ExtractedRule]:
        """Rules stated by ``clause_text``, in text order."""
        rules: list[ExtractedRule] = []
        lead: int | None = None  # index in ``rules`` of the rule a list of items belongs to
        for start, end, is_item in _paragraphs(clause_text):
            if is_item:
                if lead is not None:
                    items = self._item_rules(clause_text, start, end, rules[lead])
                    rules[lead] = items.pop(0)
                    rules.extend(items)
                continue
            lead = None
            for s, e in _split(clause_text, start, end, "。！？"):
                found = self._sentence_rules(clause_text, s, e)
                rules.extend(found)
                lead = len(rules) - 1 if found and clause_text[s:e].rstrip().endswith(("：", ":")) else None
        return [replace(r, locator=locator, doc_title=doc_title, authority=resolve_jurisdiction(r.authority, doc_title))
                for r in rules]

    # ---- numbered items

    def _item_rules(self, text: str, start: int, end: int, lead: ExtractedRule) -> list[ExtractedRule]:
        """``[lead', *copies]``: an item with quantities gives copies of the lead-in's rule with its
        thresholds; an item without widens the lead-in rule's subject, land-use classes and control lines.
        """
        s, e = _strip_span(text, start, end)
        item = text[s:e]
        quantities = find_quantities(item)
        if quantities:
            copies = [replace(lead, threshold=q.value, unit=q.unit, condition=item, text=item, span=(s, e), subject=_subject(text, s, e) or lead.subject,
                              landuse_codes=_landuse_codes(item), control_lines=_control_lines(item))
                      for q in quantities]
            return [lead, *copies]
        widened = replace(
            lead, subject=lead.subject or _subject(text, s, e),
            landuse_codes=tuple(dict.fromkeys(lead.landuse_codes + _landuse_codes(item))),
            control_lines=tuple(dict.fromkeys(lead.control_lines + _control_lines(item))))
        return [widened]

    # ---- sentences

    def _sentence_rules(self, text: str, start: int, end: int) -> list[ExtractedRule]:
        disabled = _disabled_spans(text, start, end)
        clauses = _semicolon_clauses(text, start, end, disabled)
        topic_condition = _topic_condition(text, start, end, disabled)
        cues_by_clause = [_clause_cues(text, s, e, disabled) for s, e in clauses]
        _drop_topic_approvals(text, clauses, cues_by_clause)
        out: list[ExtractedRule] = []
        seen: set[tuple[str, str, float | None, str]] = set()
        for (s, e), cues in zip(clauses, cues_by_clause, strict=True):
            for rule in self._clause_rules(text, s, e, cues, disabled, topic_condition, (start, end)):
                if rule.key() not in seen:
                    seen.add(rule.key())
                    out.append(rule)
        return out

    def _clause_rules(self, text: str, start: int, end: int, cues: list[_Cue], disabled: list[tuple[int, int]],
                      topic_condition: bool, sentence: tuple[int, int]) -> list[ExtractedRule]:
        if not cues:
            return []
        commas = _split(text, start, end, "，,")
        _attach_quantities(text, commas, cues, disabled)
        _absorb(text, commas, cues)
        conditional = topic_condition or _has_condition(text, start, end, disabled)
        groups = _groups(text, start, end, cues, conditional, sentence)
        return [rule for g in groups for rule in _group_rules(text, start, end, g, commas, disabled, sentence)]


# --------------------------------------------------------------------------- sentence-level helpers


def _disabled_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Exceptions, definitions and listed items: no cue and no authority counts inside."""
    spans = [(m.start(), m.end()) for m in _EXCEPT_RE.finditer(text, start, end)]
    spans += [(s, e) for s, e in _split(text, start, end, "，,；;") if text[s:e].rstrip("，,；;。 ").endswith("除外")]
    spans.extend(_definition_span(text, start, end))
    spans.extend(_inline_items_span(text, start, end))
    return spans


def _definition_span(text: str, start: int, end: int) -> list[tuple[int, int]]:
    m = _DEFINITION_RE.search(text, start, end)
    if m:
        return [(m.start(), end)]
    commas = _split(text, start, end, "，,")
    if not commas or not _DEF_FIRST_CLAUSE_RE.match(text[commas[0][0]:commas[0][1]]):
        return []
    for s, e in commas[1:]:
        if _ends_with_de(text, s, e):
            return [(commas[0][0], s)]
    return [(start, end)]


def _inline_items_span(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """After ``…：`` inside a sentence whose lead-in carries a cue, the rest lists items."""
    colon = text.find("：", start, end)
    if colon < 0 or colon >= end - 2:
        return []
    lead_cues = _clause_cues(text, start, colon, [])
    return [(colon + 1, end)] if lead_cues else []


def _semicolon_clauses(text: str, start: int, end: int, disabled: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """分句 at ``；``; a listed-items region stays with its lead-in."""
    pieces = _split(text, start, end, "；;")
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        if out and any(ds <= s and e <= de for ds, de in disabled if de == end):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _topic_condition(text: str, start: int, end: int, disabled: list[tuple[int, int]]) -> bool:
    """``确需`` in the first clause of a sentence scopes all its 分句."""
    commas = _split(text, start, end, "，,；;")
    if not commas:
        return False
    s, e = commas[0]
    return any(m.group().startswith("确") and not _inside(m.start(), disabled) for m in _COND_RE.finditer(text, s, e))


def _drop_topic_approvals(text: str, clauses: list[tuple[int, int]], cues_by_clause: list[list[_Cue]]) -> None:
    """``X经依法批准后，Y应当…``: an unattributed approval in the opening topic is a time, not a rule."""
    if not cues_by_clause or not cues_by_clause[0]:
        return
    first = cues_by_clause[0]
    others = [c for c in first if c.comma > 0] + [c for cues in cues_by_clause[1:] for c in cues]
    keep = [c for c in first
            if not (c.kind == "approval" and c.comma == 0 and not c.authority and not c.unless and others)]
    first[:] = keep


# --------------------------------------------------------------------------- cue detection


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


def _ends_with_de(text: str, start: int, end: int) -> bool:
    s, e = _strip_span(text, start, end)
    return e > s and text[e - 1] == "的"


def _clause_cues(text: str, start: int, end: int, disabled: list[tuple[int, int]]) -> list[_Cue]:
    """Live cues of one 分句, in text order."""
    cues: list[_Cue] = []
    for i, (s, e) in enumerate(_split(text, start, end, "，,")):
        mentions = _mentions(text, s, e)
        blocked = disabled + [(m.start, m.end) for m in mentions]
        condition_clause = _ends_with_de(text, s, e)
        cues.extend(_approval_cues(text, s, e, i, blocked, mentions, condition_clause))
        if condition_clause:
            continue
        cues.extend(_modal_cues(text, s, e, i, blocked, cues))
    cues.sort(key=lambda c: c.start)
    return cues


def _modal_cues(text: str, start: int, end: int, comma: int, blocked: list[tuple[int, int]],
                existing: list[_Cue]) -> list[_Cue]:
    taken = [(c.start, c.end) for c in existing]
    terms = [(m.start(), m.end()) for m in _BAN_TERMS_RE.finditer(text, start, end)]
    out: list[_Cue] = []
    for kind, pattern in (("then", _THEN_MAY_RE), ("ban", _BAN_RE), ("must", _MUST_RE), ("may", _MAY_RE)):
        for m in pattern.finditer(text, start, end):
            spans = blocked + taken + terms + [(c.start, c.end) for c in out]
            if _inside(m.start(), spans) or _adjectival(text, m.end(), end):
                continue
            out.append(_Cue(kind, m.start(), m.end(), comma))
    return out


def _adjectival(text: str, pos: int, end: int) -> bool:
    """A cue right before ``的`` (``允许的…活动``) qualifies a noun."""
    return "的" in text[pos: min(end, pos + 2)]


def _approval_cues(text: str, start: int, end: int, comma: int, blocked: list[tuple[int, int]],
                   mentions: list[_Mention], condition_clause: bool) -> list[_Cue]:
    out: list[_Cue] = []
    for m in _PERMIT_RE.finditer(text, start, end):
        cue = _permit_cue(text, start, m, comma, mentions)
        if cue and not condition_clause and not _inside(m.start(), blocked):
            out.append(cue)
    for m in _APPROVAL_RE.finditer(text, start, end):
        if _inside(m.start(), blocked + [(c.start, c.end) for c in out]):
            continue
        cue = _approval_cue(text, start, end, m, comma, mentions, condition_clause)
        if cue:
            out.append(cue)
    return out


def _permit_cue(text: str, start: int, m: re.Match[str], comma: int, mentions: list[_Mention]) -> _Cue | None:
    marker = _last_marker(text, start, m.start(), ("向", "由"))
    if marker is None:
        return None
    authority, used = _mention_between(mentions, marker, m.start())
    return _Cue("approval", m.start(), m.end(), comma, authority=authority, used=used) if authority else None


def _approval_cue(text: str, start: int, end: int, m: re.Match[str], comma: int, mentions: list[_Mention],
                  condition_clause: bool) -> _Cue | None:
    before = text[start: m.start()]
    after = text[m.end(): end]
    if _not_a_requirement(text, m, before, after, end):
        return None
    if _NEGATED_APPROVAL_BEFORE.search(before):
        return None if condition_clause else _Cue("ban", m.start(), m.end(), comma)
    if condition_clause:
        return None
    unless = bool(re.search(r"未经[^，；。]{0,12}$", before))
    marker = _last_marker(text, start, m.start(), ("报经", "须经", "上报", "报送", "由", "报", "经"))
    demanded = m.group() == "报批" or _APPROVAL_DEMAND_BEFORE.search(before) or m.group() == "审核批准"
    if marker is None and not demanded and not unless:
        return None
    authority, used = _mention_between(mentions, marker, m.start()) if marker is not None else (None, None)
    return _Cue("approval", m.start(), m.end(), comma, authority=authority, used=used, unless=unless)


def _not_a_requirement(text: str, m: re.Match[str], before: str, after: str, end: int) -> bool:
    """Approval words used as adjectives, nouns or times, and negated procedures."""
    if re.match(r"[^，；。：]{0,5}?的", after) or re.match(r"[^，；。]{0,5}?前", after):
        return True
    if _APPROVAL_NOUN_AFTER.match(after) or before.endswith("的") or before.endswith(_APPROVAL_ADJ_BEFORE):
        return True
    if "实行" in before or _SKIP_APPROVAL_BEFORE.search(before):
        return True
    return m.group() == "批准" and before.endswith(("未获", "未获得"))


def _last_marker(text: str, start: int, pos: int, markers: tuple[str, ...]) -> int | None:
    """End offset of the last marker before ``pos`` in the clause."""
    best = None
    for m in _MARKER_RE.finditer(text, start, pos):
        if m.group() in markers:
            best = m.end()
    return best


def _mention_between(mentions: list[_Mention], lo: int, hi: int) -> tuple[str | None, tuple[int, int] | None]:
    for m in mentions:
        if lo <= m.start and m.end <= hi and not m.qualifier:
            return m.name, (m.start, m.end)
    return None, None


# --------------------------------------------------------------------------- quantities, absorption, groups


def _attach_quantities(text: str, commas: list[tuple[int, int]], cues: list[_Cue],
                       disabled: list[tuple[int, int]]) -> None:
    """Own comma clause first; condition clauses feed the cues after them; orphans go to a neighbour."""
    pending: list[Quantity] = []
    last_had_cue = False
    for i, (s, e) in enumerate(commas):
        qs = [q for q in _quantities_in(text, s, e) if not _inside(q.start, _quantity_blocks(text, disabled))]
        here = [c for c in cues if c.comma == i]
        if here:
            for c in here:
                c.quantities.extend(qs + pending)
            last_had_cue = True
        elif _ends_with_de(text, s, e):
            pending = qs if last_had_cue else pending + qs
            last_had_cue = False
        elif qs:
            target = _neighbour(cues, i)
            if target:
                target.quantities.extend(qs)


def _quantity_blocks(text: str, disabled: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Exceptions and definitions hide their numbers; listed items (after ``：``) do not."""
    return [(s, e) for s, e in disabled if s == 0 or text[s - 1] != "："]


def _quantities_in(text: str, start: int, end: int) -> list[Quantity]:
    return [Quantity(q.value, q.unit, q.start + start, q.end + start) for q in find_quantities(text[start:end])]


def _neighbour(cues: list[_Cue], comma: int) -> _Cue | None:
    before = [c for c in cues if c.comma < comma]
    after = [c for c in cues if c.comma > comma]
    return before[-1] if before else (after[0] if after else None)


def _absorb(text: str, commas: list[tuple[int, int]], cues: list[_Cue]) -> None:
    """Wrappers: approval ⊃ chained obligations / following permission / lifted prohibition; 方可 ⊃ preconditions."""
    approvals = [i for i, c in enumerate(cues) if c.kind == "approval"]
    thens = [i for i, c in enumerate(cues) if c.kind == "then"]
    for ai in approvals:
        a = cues[ai]
        for j, c in enumerate(cues):
            if c.absorbed_by is not None or j == ai:
                continue
            if _absorbed_by_approval(text, commas, a, c):
                _merge_into(cues, j, ai)
    for ti in thens:
        for j, c in enumerate(cues):
            if c.kind == "must" and c.absorbed_by is None and c.start < cues[ti].start:
                _merge_into(cues, j, ti)
        if approvals:
            _merge_into(cues, ti, approvals[0])


def _absorbed_by_approval(text: str, commas: list[tuple[int, int]], a: _Cue, c: _Cue) -> bool:
    if c.kind == "must":
        s, e = commas[c.comma]
        applying = bool(_APPLICATION_RE.search(text, s, e))
        limit = text[c.start:c.end] in ("不超过", "不少于", "不低于", "至少")
        return (c.start < a.start or c.comma == a.comma or applying) and not (limit and c.comma != a.comma)
    if c.kind == "may":
        return c.comma == a.comma or (c.comma == a.comma + 1 and c.start > a.start)
    if c.kind == "ban":
        return a.unless and c.comma in (a.comma, a.comma + 1)
    return False


def _merge_into(cues: list[_Cue], j: int, target: int) -> None:
    root = target
    while cues[root].absorbed_by is not None:
        root = cues[root].absorbed_by
    if root == j:
        return
    cues[j].absorbed_by = root
    cues[root].quantities.extend(cues[j].quantities)


def _has_condition(text: str, start: int, end: int, disabled: list[tuple[int, int]]) -> bool:
    if any(text[s:e].rstrip("，,；;。 ").endswith("除外") for s, e in _split(text, start, end, "，,")):
        return True
    if any(m.start() < end and m.end() > start and text[m.start()] in "除但" for m in _EXCEPT_RE.finditer(text, start, end)):
        return True
    return any(not _inside(m.start(), [d for d in disabled if text[d[0]] not in "除但"])
               for m in _COND_RE.finditer(text, start, end))


def _modality(cue: _Cue, conditional: bool) -> str:
    if cue.kind == "approval":
        return CONDITIONAL if conditional or cue.then else APPROVAL
    if cue.kind == "may":
        return CONDITIONAL if conditional else PERMIT
    return {"ban": BAN, "must": MUST, "then": CONDITIONAL}[cue.kind]


def _groups(text: str, start: int, end: int, cues: list[_Cue], conditional: bool,
            sentence: tuple[int, int]) -> list[_Group]:
    for c in cues:
        if c.kind == "then" and c.absorbed_by is not None and cues[c.absorbed_by].kind == "approval":
            cues[c.absorbed_by].then = True
    used = [c.used for c in cues if c.used]
    groups: list[_Group] = []
    for c in cues:
        if c.absorbed_by is not None:
            continue
        modality = _modality(c, conditional)
        authority = c.authority if c.kind == "approval" else _actor(text, start, end, c, used)
        if c.kind == "approval" and not authority:
            authority, c.used = _applicant_recipient(text, *sentence)
            used += [c.used] if c.used else []
        _add_to_groups(groups, modality, authority or "", c)
    return groups


def _add_to_groups(groups: list[_Group], modality: str, authority: str, cue: _Cue) -> None:
    same = [g for g in groups if g.modality == modality]
    target = next((g for g in same if g.authority == authority), None)
    if target is None and same and (not authority or not same[0].authority):
        target = same[0]
        target.authority = target.authority or authority
    if target is None:
        groups.append(_Group(modality, authority, [cue], list(cue.quantities)))
        return
    target.cues.append(cue)
    target.quantities.extend(cue.quantities)


def _actor(text: str, start: int, end: int, cue: _Cue, used: list[tuple[int, int]]) -> str:
    """Nearest body before the cue, else a recipient after it (向/报/经/由) in its clause or a 并-clause."""
    mentions = [m for m in _mentions(text, start, end)
                if not m.qualifier and (m.start, m.end) not in used and not _inside(m.start, _disabled_spans(text, start, end))]
    before = [m for m in mentions if m.end <= cue.start]
    if before:
        return before[-1].name
    limit = _recipient_limit(text, cue.end, end)
    for m in mentions:
        if cue.end <= m.start < limit and text[max(start, m.start - 2): m.start].endswith(("向", "报", "经", "由", "经有关", "向有关")):
            return m.name
    return ""


def _recipient_limit(text: str, pos: int, end: int) -> int:
    """End of the cue's comma clause, extended over following clauses that start with 并."""
    limit = pos
    for s, e in _split(text, pos, end, "，,"):
        if s == pos or text[s:e].lstrip().startswith("并") or limit == pos:
            limit = e
        else:
            break
    return limit


def _applicant_recipient(text: str, start: int, end: int) -> tuple[str, tuple[int, int] | None]:
    """``向X提出申请`` / ``向X申请``: the body an application goes to, and its span."""
    for m in re.finditer(r"向", text[start:end]):
        pos = start + m.end()
        mm = _MENTION_RE.match(text, pos)
        if mm is None:
            mm = _MENTION_RE.match(text, pos + 2) if text.startswith("有关", pos) else None
        if mm and re.match(r"[^，；。]{0,12}?(?:提出|申请)", text[mm.end(): end]):
            return _mention_name(mm), (mm.start(), mm.end())
    return "", None


def _group_rules(text: str, start: int, end: int, group: _Group, commas: list[tuple[int, int]],
                 disabled: list[tuple[int, int]], sentence: tuple[int, int]) -> list[ExtractedRule]:
    first = min(group.cues, key=lambda c: c.start)
    scope = _strip_span(text, start, end)
    subject = _subject(text, *scope)
    base = ExtractedRule(
        modality=group.modality,
        subject=subject,
        action=_action(text, commas, first),
        condition=_condition(text, commas, first, disabled),
        authority=group.authority,
        threshold=None,
        unit="",
        text=text[slice(*_strip_span(text, *sentence, chars=_SPACE))],
        span=_strip_span(text, *sentence, chars=_SPACE),
        landuse_codes=_landuse_codes(text[scope[0]:scope[1]]),
        control_lines=_control_lines(text[scope[0]:scope[1]]),
    )
    quantities = _distinct(group.quantities)
    if not quantities:
        return [base]
    return [replace(base, threshold=q.value, unit=q.unit) for q in quantities]


def _distinct(quantities: list[Quantity]) -> list[Quantity]:
    seen: set[tuple[float, str]] = set()
    out: list[Quantity] = []
    for q in sorted(quantities, key=lambda q: q.start):
        if (q.value, q.unit) not in seen:
            seen.add((q.value, q.unit))
            out.append(q)
    return out


# --------------------------------------------------------------------------- descriptive fields


@cache
def _subject_re() -> re.Pattern[str]:
    from spatial.landuse import all_classes

    terms = set(SUBJECT_TERMS) | {c.name for c in all_classes()}
    return re.compile(_alt(terms))


@cache
def _landuse_index() -> tuple[re.Pattern[str], dict[str, str]]:
    from spatial.landuse import all_classes

    names = {c.name: c.code for c in all_classes()}
    names.update(_LANDUSE_ALIASES)
    return re.compile(_alt(names)), names


def _subject(text: str, start: int, end: int) -> str:
    """First lexicon term of the span, skipping ``X以外`` / ``X范围`` (scope words)."""
    for m in _subject_re().finditer(text, start, end):
        if text.startswith(("以外", "范围"), m.end()):
            continue
        return _SUBJECT_ALIASES.get(m.group(), m.group())
    return ""


def _landuse_codes(span_text: str) -> tuple[str, ...]:
    pattern, names = _landuse_index()
    codes = dict.fromkeys(names[m.group()] for m in pattern.finditer(span_text))
    return tuple(codes)


def _control_lines(span_text: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for term, ids in CONTROL_LINES.items():
        if term in span_text and not (term == "基本农田" and "永久基本农田" in span_text):
            out.update(dict.fromkeys(ids))
    return tuple(out)


def _action(text: str, commas: list[tuple[int, int]], cue: _Cue) -> str:
    s, e = commas[cue.comma]
    for lo, hi in ((s, e), (commas[0][0], commas[-1][1])):
        m = _ACTION_RE.search(text, lo, hi)
        if m and m.group() not in ("审批", "批准"):
            return m.group()
    tail = re.match(r"[^，；。：]{1,8}", text[cue.end:e])
    return tail.group() if tail else ""


def _condition(text: str, commas: list[tuple[int, int]], cue: _Cue, disabled: list[tuple[int, int]]) -> str:
    parts = [text[s:e].strip("，, ；;") for s, e in commas[: cue.comma] if _ends_with_de(text, s, e)]
    parts += [text[s:e].strip("，, ") for s, e in disabled if commas[0][0] <= s < commas[-1][1]
              and text[s] in "除但"]
    return "，".join(p for p in parts if p)


# --------------------------------------------------------------------------- model-backed extractor


_PROMPT = """你是国土空间规划法规分析助手。请从下面的条文中抽取规则，只输出 JSON，不要解释。

输出格式：{{"rules": [{{"modality": "...", "subject": "...", "action": "...", "condition": "...",
"authority": "...", "threshold": null, "unit": "", "text": "..."}}]}}

- modality 只能是：禁止、允许、应当、有条件、审批（审批 = 须经某机关批准；有条件 = 确需/除…外/方可 等条件下才允许或批准）。
- authority 只能是以下之一或空字符串：{authorities}
- threshold 为数字或 null（三十五公顷 → 35，百分之五 → 5）；unit 只能是：{units} 或空字符串。
- text 为规则所在句子的原文；没有规则时输出 {{"rules": []}}。
- 交叉引用（依照本法第四十四条）不是 authority。

条文（{doc_title} {locator}）：
{clause}
"""


def _canonical_authorities() -> list[str]:
    return sorted(_canonical_authority_set() - {"市人民政府"})


class ModelRuleExtractor:
    """Rule extraction through a language model, with the pattern extractor as fallback.

    Parameters
    ----------
    complete
        The LLM boundary: takes a prompt, returns the model's text. Injected, so tests pass a
        plain function.
    fallback
        Used when the model's output is not valid JSON of the expected shape; defaults to
        :class:`PatternRuleExtractor`.

    Examples
    --------
    >>> reply = '{"rules": [{"modality": "审批", "subject": "永久基本农田", "action": "转为建设用地",'
    >>> reply += ' "condition": "", "authority": "国务院", "threshold": null, "unit": "",'
    >>> reply += ' "text": "永久基本农田转为建设用地的，由国务院批准。"}]}'
    >>> ex = ModelRuleExtractor(lambda prompt: reply)
    >>> [(r.modality, r.authority, r.span) for r in ex.extract("永久基本农田转为建设用地的，由国务院批准。")]
    [('审批', '国务院', (0, 21))]
    >>> broken = ModelRuleExtractor(lambda prompt: "sorry, no JSON")
    >>> [(r.modality, r.authority) for r in broken.extract("永久基本农田转为建设用地的，由国务院批准。")]
    [('审批', '国务院')]
    """

    def __init__(self, complete: Callable[[str], str], fallback: RuleExtractor | None = None) -> None:
        self._complete = complete
        self._fallback = fallback or PatternRuleExtractor()
        self.last_fallback = False  # whether the last call fell back (for monitoring)

    def build_prompt(self, clause_text: str, *, locator: str = "", doc_title: str = "") -> str:
        """The prompt sent to ``complete``: schema, allowed values and the clause."""
        return _PROMPT.format(authorities="、".join(_canonical_authorities()), units="、".join(UNITS),
                              doc_title=doc_title, locator=locator, clause=clause_text)

    def extract(self, clause_text: str, *, locator: str = "", doc_title: str = "") -> list[ExtractedRule]:
        """Rules from the model; the fallback's rules if the output cannot be validated."""
        try:
            raw = self._complete(self.build_prompt(clause_text, locator=locator, doc_title=doc_title))
            rules = parse_model_output(raw, clause_text)
        except (ValueError, TypeError, KeyError) as exc:  # invalid output: never trust it partially
            _ = exc
            self.last_fallback = True
            return self._fallback.extract(clause_text, locator=locator, doc_title=doc_title)
        self.last_fallback = False
        return [replace(r, locator=locator, doc_title=doc_title, authority=resolve_jurisdiction(r.authority, doc_title))
                for r in rules]


def parse_model_output(raw: str, clause_text: str) -> list[ExtractedRule]:
    """Validate a model reply into rules; raises ValueError on anything off-schema.

    Examples
    --------
    >>> parse_model_output('```json\\n{"rules": []}\\n```', "第一条 为了…，制定本法。")
    []
    >>> parse_model_output('{"rules": [{"modality": "必须"}]}', "…")
    Traceback (most recent call last):
    ...
    ValueError: bad modality: '必须'
    """
    body = raw.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", body, re.S)
    if fenced:
        body = fenced.group(1).strip()
    data = json.loads(body)
    items = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError("expected a list of rules")
    return [_validated_rule(item, clause_text) for item in items]


def _validated_rule(item: object, clause_text: str) -> ExtractedRule:
    if not isinstance(item, dict):
        raise ValueError("rule is not an object")
    modality = item.get("modality")
    if modality not in MODALITIES:
        raise ValueError(f"bad modality: {modality!r}")
    authority = normalize_authority(str(item.get("authority") or ""))
    if authority is None:
        raise ValueError(f"unknown authority: {item.get('authority')!r}")
    threshold = _validated_threshold(item.get("threshold"))
    unit = _UNIT_NORMAL.get(str(item.get("unit") or ""), str(item.get("unit") or ""))
    if unit and unit not in UNITS:
        raise ValueError(f"bad unit: {unit!r}")
    if (threshold is None) != (not unit) and unit:
        raise ValueError("unit without threshold")
    text = str(item.get("text") or "").strip()
    start = clause_text.find(text) if text else -1
    span = (start, start + len(text)) if start >= 0 else (0, len(clause_text))
    scope = clause_text[span[0]:span[1]]
    return ExtractedRule(
        modality=modality, subject=str(item.get("subject") or ""), action=str(item.get("action") or ""),
        condition=str(item.get("condition") or ""), authority=authority, threshold=threshold, unit=unit,
        text=scope, span=span, landuse_codes=_landuse_codes(scope), control_lines=_control_lines(scope),
    )


def _validated_threshold(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("threshold is a boolean")
    if isinstance(value, int | float):
        return float(value)
    parsed = parse_chinese_number(str(value))
    if parsed is None:
        raise ValueError(f"bad threshold: {value!r}")
    return parsed
