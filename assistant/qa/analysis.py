"""Deterministic query analysis: what a planning question asks about and which kind of question it is.

:func:`analyse` reads a question with regular expressions and small lexicons only (no model, no I/O
apart from the cached 用地用海分类 table), so it can route tools when the model cannot call functions
and check the model's tool calls when it can. It takes well under 5 ms per question.

Entities
--------
- **project ids** ``P-003`` (demo applications; ``P003``, ``p-3``, ``Ｐ－００３`` are normalised to ``P-003``).
- **parcel ids** ``SF-01-03`` (控规地块, two letters, two two-digit groups) and **unit ids** ``SF-02``
  (管理单元, the same without the last group; never the head of a parcel id).
- **land uses**: 4- and 6-digit codes of the 2023 用地用海分类 (``0101``, ``070102``, ``1207``; not a year
  such as ``2005年`` or a number with a unit) and class names (``二类城镇住宅用地``, ``耕地``), their forms
  without 用地 when those are at least three characters (``二类城镇住宅``) or one of ``工业 商业 仓储 采矿``,
  and ``宅基地`` → 0703.
- **quantities**: a number (Arabic or Chinese, ``万`` multiplies, ``百分之`` gives %) with a unit, or a bare
  number right after an indicator word. The nearest indicator word before the number, in the same clause
  and with no other number in between, gives the key (``容积率3.2`` → ``far``, ``建筑密度26%`` →
  ``building_density``, ``限高85米`` → ``height``, ``绿地率`` → ``green_ratio``, ``总建筑面积19.4万平方米`` →
  ``gfa_m2`` 194000 m2, ``用地面积`` → ``area_<unit>``). Without one the unit decides: 公顷 → ``area_ha``,
  亩 → ``area_mu``, 平方米 → ``area_m2``, 平方公里 → ``area_km2``, ``85米高`` → ``height``, other units
  → ``None``; a bare number without an indicator word is dropped. Density and green ratio written as a
  fraction (``0.26``) become percentages.
- **places**: words ending in 省 市 县 区 镇 乡 村 (``广东省``, ``梅州市``, ``示范县``) with a two- to four-character
  name that is not a generic word (城市, 乡村, 片区, 保护区 …); control lines and land-use names are masked
  first, so ``城镇开发边界`` is not a 镇.
- **subjects**: :data:`knowledge_graph.builders.rule_extractor.SUBJECT_TERMS` plus colloquial aliases
  (:data:`SUBJECT_ALIASES`): 基本农田 → 永久基本农田, 开发边界 → 城镇开发边界, 红线 → 生态保护红线 unless it
  is a 道路/用地/建筑 red line or a setback (退红线, 红线退让, 红线宽度). Leftmost-longest, in order of mention.

Intent rules (first match wins)
-------------------------------
1. A **project id** → ``COMPLIANCE`` (only ``spatial_check`` knows the demo applications).
2. A **parcel id** with a compliance cue (:data:`COMPLIANCE_CUES`: 是否符合, 合规吗, 能不能批, 是否超, 有没有占用,
   审查, 核查 …) → ``COMPLIANCE``; with building indicators (容积率, 密度, 高度, 绿地率, 建筑面积) →
   ``COMPLIANCE`` unless it asks about the limit itself (上限/下限/规划条件/多少, ``容积率上限是3.0吗``)
   → ``CONDITIONS``; with an indicator cue (余量, 平衡, 传导, 所在单元 …) → ``INDICATOR``; otherwise
   ``CONDITIONS`` (规划条件, 控规指标, 能建多高, 是什么用地).
3. A **unit id** → ``INDICATOR`` (a unit's totals, caps and balance are the indicator chain), whatever the cue.
4. A county-level **indicator cue** (:data:`INDICATOR_CUES`: 城乡建设用地规模, 约束性指标, 指标分解, 传导,
   耕地保有量 …) → ``INDICATOR``.
5. A compliance cue with **numbers** but no id (``0.35公顷永久基本农田被占用，合规吗``) → ``COMPLIANCE``;
   the router answers it like a knowledge question since no check has a footprint to run on.
6. Otherwise ``KNOWLEDGE``. A legal question without id or numbers is knowledge even when it says
   能不能 or 是否符合 (``永久基本农田能不能建厂房`` is answered by a law, not a check).

Examples
--------
>>> a = analyse("SF-01-03地块拟建容积率3.2、建筑高度85米，能批吗")
>>> a.intent, a.entities.parcel_ids
(<Intent.COMPLIANCE: 'compliance'>, ['SF-01-03'])
>>> [(q.key, q.value, q.unit) for q in a.entities.quantities]
[('far', 3.2, ''), ('height', 85.0, 'm')]
>>> analyse("我家宅基地在基本农田里能翻建吗").entities.subjects
['宅基地', '永久基本农田']
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache

from pydantic import BaseModel, Field

from knowledge_graph.builders.rule_extractor import SUBJECT_TERMS, parse_chinese_number
from spatial import landuse

__all__ = [
    "BUILDING_INDICATORS",
    "COMPLIANCE_CUES",
    "INDICATOR_CUES",
    "SUBJECT_ALIASES",
    "Entities",
    "Intent",
    "LandUse",
    "Quantity",
    "QueryAnalysis",
    "analyse",
]


class Intent(StrEnum):
    """What kind of answer a question needs (see the module docstring for the rules)."""

    KNOWLEDGE = "knowledge"
    COMPLIANCE = "compliance"
    CONDITIONS = "conditions"
    INDICATOR = "indicator"


class Quantity(BaseModel):
    """A number with its unit, and the indicator it is about when known."""

    key: str | None = Field(description="far, building_density, height, green_ratio, gfa_m2, area_m2, area_ha, "
                                        "area_mu, area_km2; None when the indicator is unknown")
    value: float = Field(description="Value in ``unit`` (万 already applied: 19.4万平方米 → 194000)")
    unit: str = Field(description="'' (FAR), '%', 'm', 'm2', 'ha', '亩' or 'km2'")
    text: str = Field(description="Number and unit as written, e.g. '19.4万平方米'")


class LandUse(BaseModel):
    """A class of the 2023 用地用海分类 named in the question."""

    code: str = Field(description="2, 4 or 6 digits, e.g. '070102'")
    name: str = Field(description="Official name, e.g. '二类城镇住宅用地'")


class Entities(BaseModel):
    """Everything :func:`analyse` found, each list in order of first mention and without duplicates."""

    project_ids: list[str] = Field(default_factory=list, description="Demo applications, 'P-003'")
    parcel_ids: list[str] = Field(default_factory=list, description="控规地块, 'SF-01-03'")
    unit_ids: list[str] = Field(default_factory=list, description="管理单元, 'SF-02' (not heads of parcel ids)")
    land_uses: list[LandUse] = Field(default_factory=list)
    quantities: list[Quantity] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list, description="'广东省', '梅州市', '示范县'")
    subjects: list[str] = Field(default_factory=list, description="Canonical planning subjects, '永久基本农田'")


class QueryAnalysis(BaseModel):
    """The result of :func:`analyse`."""

    question: str
    intent: Intent
    entities: Entities
    reasons: list[str] = Field(description="Why this intent, for debugging")


# --------------------------------------------------------------------------- lexicons

# Keys of the quantities a proposed building is checked on (``spatial_check`` indicators).
BUILDING_INDICATORS: tuple[str, ...] = ("far", "building_density", "height", "green_ratio", "gfa_m2")

SUBJECT_ALIASES: dict[str, str] = {
    "基本农田": "永久基本农田",
    "开发边界": "城镇开发边界",
    "生态红线": "生态保护红线",
    "红线": "生态保护红线",  # only when not a road / land / building red line, see _is_other_red_line
    # as knowledge_graph.builders.rule_extractor normalises rule subjects
    "征收土地": "土地征收",
    "未确定使用权的国有荒山": "国有土地使用权",
    # short forms officers use
    "征地": "土地征收",
    "农转用": "农用地转用",
    "控规": "控制性详细规划",
}
_OTHER_RED_LINE_BEFORE = ("道路", "用地", "建筑", "规划", "地块", "宗地", "项目", "征地", "退")
_OTHER_RED_LINE_AFTER = ("退", "宽")

COMPLIANCE_CUES: tuple[str, ...] = (
    "是否符合", "符合吗", "符不符合", "是否合规", "合规吗", "合不合规", "合规性", "符合性", "能不能批", "能否批",
    "能批吗", "可以批吗", "可不可以批", "批得下来", "批不下来", "能不能通过", "能否通过", "是否超", "有没有超",
    "超没超", "超不超", "超标", "超了吗", "超过了吗", "是否突破", "突破了吗", "有没有占用", "是否占用", "占没占",
    "有没有压占", "是否压占", "是否涉及", "有没有涉及", "审查", "核查", "核验", "检查", "查一下", "查查", "违规吗",
    "违法吗", "行不行", "可行吗",
)
# Asking for the limit itself, not checking a value against it.
_LIMIT_QUESTION_CUES: tuple[str, ...] = ("上限", "下限", "规划条件", "控规指标", "多少", "几层", "多高")
INDICATOR_CUES: tuple[str, ...] = (
    "城乡建设用地规模", "建设用地规模", "约束性指标", "预期性指标", "指标分解", "分解", "传导", "下达", "耕地保有量",
    "保护面积", "保护任务", "用地指标", "规模指标", "规划指标", "国土开发强度", "余量", "单元平衡", "总量控制",
)
# With a parcel id, these ask about the parcel's unit rather than the parcel.
_UNIT_CUES: tuple[str, ...] = ("所在单元", "单元", "余量", "平衡", "传导", "分解")

# Indicator words → key of the quantity that follows. Longest first when compiled.
_INDICATOR_WORDS: dict[str, str] = {
    "容积率": "far", "FAR": "far",
    "建筑密度": "building_density", "密度": "building_density",
    "绿地率": "green_ratio", "绿化率": "green_ratio",
    "建筑限高": "height", "建筑高度": "height", "建筑物高度": "height", "限高": "height", "高度": "height",
    "楼高": "height",
    "计容建筑面积": "gfa", "总建筑面积": "gfa", "建筑面积": "gfa", "建筑规模": "gfa", "建筑总量": "gfa",
    "建筑量": "gfa",
    "净用地面积": "area", "总用地面积": "area", "用地面积": "area", "占地面积": "area", "面积": "area",
    "占地": "area", "占用": "area", "规模": "area",
}
_AREA_KEYS = {"m2": "area_m2", "ha": "area_ha", "亩": "area_mu", "km2": "area_km2"}
_STEM_ALLOW = frozenset({"工业", "商业", "仓储", "采矿"})
_LANDUSE_ALIASES = {"宅基地": "0703"}

_PLACE_SUFFIXES = "省市县区镇乡村"
_PLACE_MAX_PREFIX = {"省": 3, "市": 4, "县": 4, "区": 4, "镇": 3, "乡": 3, "村": 3}
# Characters that end a place name when walking back from its suffix (function words, verbs).
_PLACE_STOP = frozenset(
    "的在了是把被对和与及或我你他她它们家里从向到于为有能可建请问帮这那个该等查看找去住位属将让给跟同并且而但就都"
    "也还要会想需应如若按照依据关于每各全本此其一下拟新"
)
# A suffix followed by these is part of a word, not a place (市场, 乡村, 村庄, 省道 …).
_PLACE_FOLLOW_REJECT = {
    "省": ("级", "份", "道"),
    "市": ("场", "级", "民", "域", "县", "容"),
    "县": ("级", "域", "乡", "区", "委"),
    "区": ("域", "划", "位", "间", "别", "分"),
    "镇": ("级", "域", "区", "村", "乡"),
    "乡": ("村", "镇", "级", "土", "间"),
    "村": ("庄", "民", "级", "委", "集", "镇", "组", "落"),
}
_PLACE_GENERIC_ENDINGS: tuple[str, ...] = (
    "城市", "都市", "超市", "城乡", "乡村", "农村", "城镇", "乡镇", "村镇", "片区", "园区", "景区", "社区", "小区",
    "街区", "城区", "辖区", "保护区", "功能区", "发展区", "控制区", "分区", "开发区", "名胜区", "地区", "山区",
    "林区", "牧区", "矿区", "库区", "郊区", "建成区", "示范区", "试验区", "建设区", "用途区", "洪区", "核心区",
    "缓冲区", "实验区", "服务区", "商业区", "工业区", "住宅区", "居住区", "生活区", "中心区", "集聚区", "安置区",
    "红线区", "管控区", "储备区", "留白区", "风貌区", "禁建区", "限建区", "适建区", "城中村", "行政村", "自然村",
    "中心村", "新农村", "县级市", "地级市", "直辖市",
)

# --------------------------------------------------------------------------- patterns

_FULLWIDTH = str.maketrans(
    {chr(0xFF01 + i): chr(0x21 + i) for i in range(94)} | {"\u3000": " ", "—": "-", "–": "-", "‐": "-", "－": "-"}
)
_SEP = r"[-_]"
_PROJECT_RE = re.compile(rf"(?<![A-Za-z0-9])[Pp]{_SEP}?(\d{{1,3}})(?![0-9]|{_SEP}\d)")
_PARCEL_RE = re.compile(rf"(?<![A-Za-z0-9])([A-Za-z]{{2}}){_SEP}(\d{{2}}){_SEP}(\d{{2}})(?!\d)")
_UNIT_RE = re.compile(rf"(?<![A-Za-z0-9])([A-Za-z]{{2}}){_SEP}(\d{{2}})(?!\d|{_SEP}\d)")
_CODE_RE = re.compile(r"(?<![\d.\-])(\d{6}|\d{4})(?![\d.])")
# After a land-use-shaped number these make it a quantity, a year or a count.
_CODE_NOT_BEFORE = re.compile(r"^\s*(?:年|月|日|号|条|个|万|亿|米|平|公顷|亩|%|元|m|ha|km)")

_CN_CORE = "零〇一二两三四五六七八九十百千"
_CN_FRAC = "零〇一二三四五六七八九"
_NUMBER = (
    r"(?P<pct>百分之)?"
    rf"(?P<num>(?<![\d.])\d+(?:\.\d+)?|[{_CN_CORE}]+(?:万[{_CN_CORE}]+)?(?:点[{_CN_FRAC}]+)?)"
    r"(?P<mult>万|亿)?"
    r"\s?(?P<unit>平方公里|平方千米|km2|km²|平方米|平米|平方|m2|m²|㎡|公顷|ha(?![A-Za-z])|亩|千米|公里|km(?![A-Za-z0-9²])"
    r"|米|m(?![A-Za-z0-9²])|%|‰)?"
)
_NUMBER_RE = re.compile(_NUMBER)
_UNIT_NORMAL = {
    "平方公里": "km2", "平方千米": "km2", "km2": "km2", "km²": "km2",
    "平方米": "m2", "平米": "m2", "平方": "m2", "m2": "m2", "m²": "m2", "㎡": "m2",
    "公顷": "ha", "ha": "ha", "亩": "亩", "千米": "km", "公里": "km", "km": "km", "米": "m", "m": "m", "%": "%", "‰": "‰",
}
# A bare number followed by these counts something else (years, floors, households …).
_COUNTER_AFTER = frozenset("年月日号条款项个层户人元次辆栋幢座所家倍块宗")
_CLAUSE_BREAK = re.compile(r"[,.;!?，。；！？、\n]")
_MAX_GAP = 8
_INDICATOR_RE = re.compile(
    "|".join(re.escape(w) for w in sorted(_INDICATOR_WORDS, key=lambda w: (-len(w), w))), re.IGNORECASE
)
_MASK = "\x00"


def _cue_re(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(c) for c in sorted(cues, key=lambda c: (-len(c), c))))


_COMPLIANCE_RE = _cue_re(COMPLIANCE_CUES)
_LIMIT_RE = _cue_re(_LIMIT_QUESTION_CUES)
_INDICATOR_CUE_RE = _cue_re(INDICATOR_CUES)
_UNIT_CUE_RE = _cue_re(_UNIT_CUES)
_SUBJECT_RE = _cue_re(tuple(SUBJECT_TERMS) + tuple(SUBJECT_ALIASES))


@cache
def _landuse_names() -> tuple[re.Pattern[str], dict[str, str]]:
    """A pattern over every land-use name and usable short form, and the form → code map."""
    forms: dict[str, str] = {}
    for c in landuse.all_classes():
        forms[c.name] = c.code
        short = c.short_name
        if short != c.name and (len(short) >= 3 or short in _STEM_ALLOW):
            found = landuse.by_name(short)
            if found is not None:
                forms.setdefault(short, found.code)
    for alias, code in _LANDUSE_ALIASES.items():
        forms.setdefault(alias, code)
    return _cue_re(tuple(forms)), forms


# --------------------------------------------------------------------------- helpers


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _ids(text: str) -> tuple[list[str], list[str], list[str], list[tuple[int, int]]]:
    spans: list[tuple[int, int]] = []
    parcels, units, projects = [], [], []
    for m in _PARCEL_RE.finditer(text):
        parcels.append(f"{m[1].upper()}-{m[2]}-{m[3]}")
        spans.append(m.span())
    for m in _UNIT_RE.finditer(text):
        units.append(f"{m[1].upper()}-{m[2]}")
        spans.append(m.span())
    for m in _PROJECT_RE.finditer(text):
        projects.append(f"P-{int(m[1]):03d}")
        spans.append(m.span())
    return _dedupe(projects), _dedupe(parcels), _dedupe(units), spans


def _land_uses(text: str) -> tuple[list[LandUse], list[tuple[int, int]], list[tuple[int, int]]]:
    """Land uses in order of mention, the spans of written codes and the spans of names."""
    found: list[tuple[int, LandUse]] = []
    code_spans: list[tuple[int, int]] = []
    name_spans: list[tuple[int, int]] = []
    for m in _CODE_RE.finditer(text):
        cls = landuse.find(m[1])
        if cls is None or _CODE_NOT_BEFORE.match(text[m.end():]) or text[max(0, m.start() - 1):m.start()] == "第":
            continue
        found.append((m.start(), LandUse(code=cls.code, name=cls.name)))
        code_spans.append(m.span())
    pattern, forms = _landuse_names()
    for m in pattern.finditer(text):
        cls = landuse.get(forms[m[0]])
        found.append((m.start(), LandUse(code=cls.code, name=cls.name)))
        name_spans.append(m.span())
    by_code = {lu.code: lu for _, lu in sorted(found, key=lambda item: item[0])}
    return list(by_code.values()), code_spans, name_spans


def _is_other_red_line(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 4):start]
    return before.endswith(_OTHER_RED_LINE_BEFORE) or text[end:end + 1] in _OTHER_RED_LINE_AFTER


def _subjects(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _SUBJECT_RE.finditer(text):
        term = m[0]
        if term == "红线" and _is_other_red_line(text, m.start(), m.end()):
            continue
        found.append(SUBJECT_ALIASES.get(term, term))
        spans.append(m.span())
    return _dedupe(found), spans


def _indicator_before(text: str, start: int, floor: int) -> str | None:
    """Key of the nearest indicator word ending in ``text[floor:start]`` within the same clause."""
    best = None
    for m in _INDICATOR_RE.finditer(text, floor, start):
        best = m
    if best is None:
        return None
    gap = text[best.end():start]
    if len(gap) > _MAX_GAP or _CLAUSE_BREAK.search(gap):
        return None
    return _INDICATOR_WORDS.get(best[0]) or _INDICATOR_WORDS[best[0].upper()]


def _keyed(word_key: str | None, value: float, unit: str, after: str) -> tuple[str | None, float, str] | None:
    """Key, value and unit of a number, or None if it is not a quantity (a bare number with no indicator)."""
    if word_key == "far" and unit == "":
        return "far", value, ""
    if word_key in ("building_density", "green_ratio") and unit in ("", "%"):
        return word_key, (value * 100 if unit == "" and value <= 1 else value), "%"
    if word_key == "height" and unit in ("", "m"):
        return "height", value, "m"
    if word_key == "gfa" and unit in ("", "m2"):
        return "gfa_m2", value, "m2"
    if unit in _AREA_KEYS:
        return _AREA_KEYS[unit], value, unit
    if unit == "m":
        return ("height" if after.startswith("高") else None), value, "m"
    if unit:
        return None, value, unit
    return None


def _quantities(text: str, original: str) -> list[Quantity]:
    found: list[Quantity] = []
    floor = 0
    for m in _NUMBER_RE.finditer(text):
        start, end = m.span()
        value = parse_chinese_number(m["num"])
        if value is None or text[max(0, start - 1):start] == "第":
            floor = end
            continue
        unit = "%" if m["pct"] else _UNIT_NORMAL.get(m["unit"] or "", "")
        if m["mult"]:
            value *= 10_000 if m["mult"] == "万" else 100_000_000
        if not unit and (m["mult"] or text[end:end + 1] in _COUNTER_AFTER):
            floor = end
            continue
        keyed = _keyed(_indicator_before(text, start, floor), value, unit, text[end:end + 1])
        floor = end
        if keyed is None:
            continue
        key, value, unit = keyed
        found.append(Quantity(key=key, value=round(value, 10), unit=unit, text=original[start:end].strip()))
    return found


def _places(text: str) -> list[str]:
    found: list[str] = []
    for i, ch in enumerate(text):
        if ch not in _PLACE_SUFFIXES or text[i + 1:i + 2] in _PLACE_FOLLOW_REJECT[ch]:
            continue
        longest = _PLACE_MAX_PREFIX[ch] + (4 if text[i - 2:i] == "自治" else 0)
        j = i
        while j > 0 and i - j < longest:
            prev = text[j - 1]
            if not ("\u4e00" <= prev <= "\u9fff") or prev in _PLACE_STOP or prev in _PLACE_SUFFIXES:
                break
            j -= 1
        name = text[j:i + 1]
        if i - j >= 2 and not name.endswith(_PLACE_GENERIC_ENDINGS):
            found.append(name)
    return _dedupe(found)


def _intent(question: str, ents: Entities) -> tuple[Intent, list[str]]:
    compliance = _COMPLIANCE_RE.search(question)
    building = [q.key for q in ents.quantities if q.key in BUILDING_INDICATORS]
    if ents.project_ids:
        return Intent.COMPLIANCE, [f"project id {', '.join(ents.project_ids)}: only spatial_check knows applications"]
    if ents.parcel_ids:
        parcels = ", ".join(ents.parcel_ids)
        if compliance:
            return Intent.COMPLIANCE, [f"parcel id {parcels} with compliance cue {compliance[0]!r}"]
        if building:
            limit = _LIMIT_RE.search(question)
            if limit:
                return Intent.CONDITIONS, [f"parcel id {parcels} with indicator values but asks about the limit "
                                           f"({limit[0]!r})"]
            return Intent.COMPLIANCE, [f"parcel id {parcels} with proposed indicators {', '.join(building)}"]
        unit_cue = _UNIT_CUE_RE.search(question) or _INDICATOR_CUE_RE.search(question)
        if unit_cue:
            return Intent.INDICATOR, [f"parcel id {parcels} with unit/indicator cue {unit_cue[0]!r}"]
        return Intent.CONDITIONS, [f"parcel id {parcels} without a compliance cue: its planning conditions"]
    if ents.unit_ids:
        return Intent.INDICATOR, [f"unit id {', '.join(ents.unit_ids)}: unit totals and balance"]
    indicator = _INDICATOR_CUE_RE.search(question)
    if indicator:
        return Intent.INDICATOR, [f"indicator cue {indicator[0]!r} without a unit: the county"]
    if compliance and ents.quantities:
        return Intent.COMPLIANCE, [f"compliance cue {compliance[0]!r} with numbers "
                                   f"{', '.join(q.text for q in ents.quantities)} but no project or parcel id"]
    if compliance:
        return Intent.KNOWLEDGE, [f"compliance cue {compliance[0]!r} without id or numbers: a legal question"]
    return Intent.KNOWLEDGE, ["no id, indicator cue or compliance cue"]


# --------------------------------------------------------------------------- public


def analyse(question: str) -> QueryAnalysis:
    """Entities and intent of a planning question, by rules only.

    Parameters
    ----------
    question : str
        The user's question as typed (full-width letters and digits are accepted).

    Returns
    -------
    QueryAnalysis
        The question, its :class:`Intent`, the :class:`Entities` found and the reasons for the intent.

    Examples
    --------
    >>> a = analyse("帮我核查一下P-011")
    >>> a.intent.value, a.entities.project_ids
    ('compliance', ['P-011'])
    >>> analyse("SF-02单元的建筑总量还有多少余量").intent.value
    'indicator'
    >>> analyse("永久基本农田能不能建厂房").intent.value
    'knowledge'
    >>> q = analyse("总建筑面积19.4万平方米").entities.quantities[0]
    >>> (q.key, q.value, q.unit, q.text)
    ('gfa_m2', 194000.0, 'm2', '19.4万平方米')
    """
    text = question.translate(_FULLWIDTH)
    projects, parcels, units, id_spans = _ids(text)
    no_ids = _mask(text, id_spans)
    uses, code_spans, name_spans = _land_uses(no_ids)
    subjects, subject_spans = _subjects(no_ids)
    entities = Entities(
        project_ids=projects,
        parcel_ids=parcels,
        unit_ids=units,
        land_uses=uses,
        quantities=_quantities(_mask(no_ids, code_spans), question),
        places=_places(_mask(no_ids, code_spans + name_spans + subject_spans)),
        subjects=subjects,
    )
    intent, reasons = _intent(text, entities)
    return QueryAnalysis(question=question, intent=intent, entities=entities, reasons=reasons)

