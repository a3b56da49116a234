"""Units and value parsing: one field's text (a table cell, or the words after a label) to values.

Every parser returns :class:`Reading` items whose ``start``/``end`` index into the text it was given,
so callers can cut the exact source span.

Examples
--------
>>> [(r.field, r.value) for r in parse_far("1.5-2.8")]
[('far_min', 1.5), ('far_max', 2.8)]
>>> [(r.field, r.value) for r in parse_percent("不小于35%", "green_min")]
[('green_min', 35.0)]
>>> parse_area("3.60公顷")[0].value
36000.0
>>> parse_area("60亩")[0].value
40000.0
>>> r = parse_parking("每100平方米0.8个")[0]; (r.value, r.unit)
(0.8, '个/100m²')
>>> [(r.value["name"], r.value["gfa_m2"]) for r in parse_facilities("社区卫生服务站（建筑面积≥600m²）；公共厕所")]
[('社区卫生服务站', 600.0), ('公共厕所', None)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spatial import landuse

NUM = r"\d+(?:\.\d+)?"
MU_M2 = 10000 / 15

LE = ("不大于", "不超过", "不得超过", "不高于", "小于等于", "不宜大于", "≤", "<=", "＜＝", "以内", "以下", "上限为", "上限", "最高")
GE = ("不小于", "不低于", "不少于", "不得低于", "不得少于", "大于等于", "≥", ">=", "＞＝", "以上", "下限为", "下限", "最低")
GT = ("大于", ">", "＞")
LT = ("小于", "<", "＜")
_CMP = "|".join(sorted((re.escape(c) for c in LE + GE + GT + LT), key=len, reverse=True))
_CMP_NUM = re.compile(rf"(?P<cmp>{_CMP})?\s*(?:为|控制在|按)?\s*(?P<num>{NUM})(?P<after>\s*(?:%|米|m(?![²2])|以内|以下|以上)*)")
_RANGE = re.compile(rf"(?P<lo>{NUM})\s*[-－–—~～至到]\s*(?P<hi>{NUM})")
_SLASH = re.compile(rf"^(?P<hi>{NUM}|[—\-/／]+)\s*[/／]\s*(?P<lo>{NUM}|[—\-]+)$")
_EMPTY = re.compile(r"^[\s—\-－/／无]*$")


@dataclass(frozen=True)
class Reading:
    """One value read from a text: ``text[start:end]`` is its span."""

    field: str
    value: Any
    unit: str | None
    start: int
    end: int


def is_empty(cell: str) -> bool:
    """True for a cell that says nothing ("—", "-", "/", "无", blank)."""
    return bool(_EMPTY.match(cell))


def _to_float(text: str) -> float:
    return float(text)


def _direction(cmp: str | None, after: str = "") -> str:
    """``le``, ``ge`` or ``eq`` (a bare number) for a comparator word."""
    if cmp in LE or cmp in LT or "以内" in after or "以下" in after:
        return "le"
    if cmp in GE or cmp in GT or "以上" in after:
        return "ge"
    return "eq"


def comparisons(text: str) -> list[tuple[str, float, int, int]]:
    """(direction, number, start, end) for each number in ``text``, ranges as a ge and a le.

    >>> [(d, n) for d, n, _, _ in comparisons("大于1.0且不大于2.5")]
    [('ge', 1.0), ('le', 2.5)]
    """
    found: list[tuple[str, float, int, int]] = []
    taken: list[tuple[int, int]] = []
    for m in _RANGE.finditer(text):
        found += [("ge", _to_float(m["lo"]), m.start(), m.end()), ("le", _to_float(m["hi"]), m.start(), m.end())]
        taken.append(m.span())
    for m in _CMP_NUM.finditer(text):
        if any(a <= m.start("num") < b for a, b in taken):
            continue
        start = m.start("cmp") if m["cmp"] else m.start("num")
        found.append((_direction(m["cmp"], m["after"] or ""), _to_float(m["num"]), start, m.end("num")
                      + len((m["after"] or "").rstrip())))
    found.sort(key=lambda t: t[2])
    return found


def parse_far(text: str, *, column: str = "") -> list[Reading]:
    """FAR: a range, comparators, ``上限/下限``; a bare number is the upper limit (``column`` may say 下限)."""
    text_s = text.strip()
    if is_empty(text_s):
        return []
    m = _SLASH.match(text_s)
    if m and ("上限" in column or "/" in column or "／" in column):
        out = []
        if not is_empty(m["hi"]):
            out.append(Reading("far_max", _to_float(m["hi"]), None, m.start("hi"), m.end("hi")))
        if not is_empty(m["lo"]):
            out.append(Reading("far_min", _to_float(m["lo"]), None, m.start("lo"), m.end("lo")))
        return out
    prefix = re.search(rf"({NUM})\s*[≤<＜]\s*容积率\s*[≤<＜]\s*({NUM})", text)
    if prefix:
        return [Reading("far_min", _to_float(prefix[1]), None, prefix.start(), prefix.end()),
                Reading("far_max", _to_float(prefix[2]), None, prefix.start(), prefix.end())]
    lower_column = "下限" in column and "上限" not in column
    out: list[Reading] = []
    for direction, number, start, end in comparisons(text):
        field = "far_min" if direction == "ge" or (direction == "eq" and lower_column) else "far_max"
        if any(r.field == field for r in out):
            continue
        out.append(Reading(field, number, None, start, end))
    return out


def parse_percent(text: str, field: str) -> list[Reading]:
    """Density (an upper limit) or green ratio (a lower limit) in %; a bound the other way is not the field."""
    for direction, number, start, end in comparisons(text):
        wanted = "le" if field == "density_max" else "ge"
        if direction in (wanted, "eq"):
            return [Reading(field, number, "%", start, end)]
        return []
    return []


def parse_height(text: str) -> list[Reading]:
    """Height limit in metres (a lower bound is not a limit)."""
    for direction, number, start, end in comparisons(text):
        return [Reading("height_max", number, "m", start, end)] if direction in ("le", "eq") else []
    return []


_AREA = re.compile(rf"(?:约|为|：|:)?\s*(?P<num>{NUM})\s*(?P<unit>公顷|hm²|hm2|ha|亩|平方米|平米|m²|m2|㎡)?")


def area_m2(number: float, unit: str | None) -> float:
    """Convert an area to m²: 公顷/ha × 10000, 亩 × 666.67 (10000/15), m² as is.

    >>> area_m2(3.6, "公顷"), area_m2(32, "亩")
    (36000.0, 21333.33)
    """
    if unit in ("公顷", "ha", "hm²", "hm2"):
        return round(number * 10000, 2)
    if unit == "亩":
        return round(number * MU_M2, 2)
    return round(number, 2)


def parse_area(text: str, *, default_unit: str | None = None, need_unit: bool = False) -> list[Reading]:
    """An area at the start of ``text`` (after 约/为/：), converted to m²."""
    m = _AREA.match(text.strip() and text)
    if not m or (need_unit and not m["unit"]):
        return []
    start = m.start("num")
    return [Reading("area_m2", area_m2(_to_float(m["num"]), m["unit"] or default_unit), "m²", start,
                    m.end("unit") if m["unit"] else m.end("num"))]


_PARK_HOUSEHOLD = [re.compile(rf"(?P<num>{NUM})\s*(?:个|辆)?\s*(?:车位|泊位)?\s*[/／]\s*户"),
                   re.compile(rf"每户(?:(?:配建|配置)?(?:不少于|不低于|不小于|≥)?)\s*(?P<num>{NUM})\s*(?:个|辆)")]
_PARK_AREA = [re.compile(rf"(?P<num>{NUM})\s*(?:个|辆)?\s*(?:车位|泊位)?\s*[/／]\s*(?:百|100)\s*(?:m²|m2|㎡|平方米)(?:建筑面积)?"),
              re.compile(rf"每(?:百|100)\s*(?:m²|m2|㎡|平方米)(?:建筑面积)?(?:(?:配建|配置)?(?:不少于|不低于|不小于|≥)?)"
                         rf"\s*(?P<num>{NUM})\s*(?:个|辆)(?:车位|泊位)?")]


def parse_parking(text: str) -> list[Reading]:
    """Car parking ratio: ``个/户`` or ``个/100m²`` (building floor area); bicycles (非机动车) are skipped."""
    best: Reading | None = None
    for unit, patterns in (("个/户", _PARK_HOUSEHOLD), ("个/100m²", _PARK_AREA)):
        for pattern in patterns:
            for m in pattern.finditer(text):
                if "非机动车" in text[max(0, m.start() - 14):m.start()] and "机动车" not in text[
                        max(0, m.start() - 14):m.start()].replace("非机动车", ""):
                    continue
                if best is None or m.start() < best.start:
                    best = Reading("parking", _to_float(m["num"]), unit, m.start(), m.end())
    return [best] if best else []


_FAC_SUFFIX = ("服务站", "服务中心", "中心", "用房", "居委会", "幼儿园", "托儿所", "学校", "小学", "中学", "厕所",
               "市场", "变电站", "首末站", "消防站", "转运站", "收集站", "站", "室", "所", "馆", "场地", "养老院")
_FAC_NAME = re.compile(r"(?P<name>[0-9A-Za-z\u4e00-\u9fff]{0,16}?(?:" + "|".join(_FAC_SUFFIX) + r"))"
                       r"(?![\u4e00-\u9fff]{0,1}(?:用地|面积))")
_GFA = re.compile(rf"建筑面积\s*(?:不小于|不少于|不低于|≥|>=|约|为)?\s*(?P<num>{NUM})\s*(?:平方米|m²|m2|㎡)")
_LEAD = re.compile(r"^(?:[0-9一二三四五六七八九十]+\s*(?:班|处|所|座|个)|一处|一所|一座|一个|须|应|并|另)+")
_QTY = re.compile(r"^\s*(?:[0-9一二三四五六七八九十两]+\s*(?:处|所|座|个|间))")


def parse_facilities(text: str) -> list[Reading]:
    """Facilities listed in a cell or after 配建/设置: name and 建筑面积 (GFA, m²) when stated."""
    out: list[Reading] = []
    items = [(m.start(), m.end()) for m in re.finditer(r"[^；;、，,和及]+(?:（[^）]*）)?", text)]
    merged: list[tuple[int, int]] = []
    for a, b in items:  # keep a parenthesised remark with its name (it may hold commas)
        if merged and text[merged[-1][0]:merged[-1][1]].count("（") > text[merged[-1][0]:merged[-1][1]].count("）"):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    pending: Reading | None = None
    for a, b in merged:
        piece = text[a:b]
        gfa = _GFA.search(piece)
        lead = _LEAD.match(piece)
        offset = lead.end() if lead else 0
        name_m = _FAC_NAME.match(piece, offset)
        if name_m and not (name_m.end() < len(piece) and piece[name_m.end()] in "用"):
            if pending:
                out.append(pending)
            end = gfa.end() if gfa else name_m.end()
            closing = piece.find("）", end)
            if gfa and closing != -1 and piece.rfind("（", 0, end) != -1:
                end = closing + 1
            pending = Reading("facilities", {"name": name_m["name"], "gfa_m2": _to_float(gfa["num"]) if gfa else None},
                              "m²", a + name_m.start("name"), a + end)
        elif gfa and pending and pending.value["gfa_m2"] is None:  # 配建X一处，建筑面积不小于N平方米
            pending = Reading("facilities", {**pending.value, "gfa_m2": _to_float(gfa["num"])}, "m²",
                              pending.start, a + gfa.end())
    if pending:
        out.append(pending)
    return out


_SETBACK = re.compile(rf"退(?:让)?(?P<road>[\u4e00-\u9fff]{{0,8}}?)(?P<b>道路红线|用地红线|河道蓝线|蓝线|绿线|用地边界)"
                      rf"\s*(?:距离)?\s*(?:不小于|不少于|不低于|≥|>=|为)?\s*(?P<num>{NUM})\s*(?:米|m)")


def parse_setbacks(text: str) -> list[Reading]:
    """Setbacks: 退(road)道路红线/用地红线/河道蓝线 ≥ N 米."""
    out = []
    for m in _SETBACK.finditer(text):
        boundary = "河道蓝线" if m["b"] == "蓝线" else m["b"]
        road = m["road"].removeprefix("让") or None
        if road and road.endswith("河"):
            road = road
        out.append(Reading("setbacks", {"boundary": boundary, "distance_m": _to_float(m["num"]), "road": road},
                           "m", m.start(), m.end()))
    return out


_CODE = re.compile(r"(?<!\d)(\d{6}|\d{4})(?!\d)")
_NAME_RUN = re.compile(r"[\u4e00-\u9fff]{2,16}")


def resolve_land_use(text: str, start: int = 0) -> Reading | None:
    """A 用地用海 2023 class named in ``text`` (code or name, names mapped to codes).

    >>> resolve_land_use("二类城镇住宅用地（070102）").value
    {'code': '070102', 'name': '二类城镇住宅用地'}
    >>> resolve_land_use("商业用地").value["code"]
    '0901'
    """
    code_m = next((m for m in _CODE.finditer(text) if landuse.find(m[1])), None)
    name_m = None
    for m in _NAME_RUN.finditer(text):
        run = m[0]
        for end in range(len(run), 1, -1):
            if run[end - 1] != "地" and end != len(run):
                continue
            cls = landuse.by_name(run[:end])
            if cls is not None:
                name_m = (m.start(), m.start() + end, cls)
                break
        if name_m:
            break
    if code_m is None and name_m is None:
        return None
    if code_m is not None:
        cls = landuse.find(code_m[1])
        spans = [code_m.span()] + ([name_m[:2]] if name_m else [])
    else:
        cls = name_m[2]  # type: ignore[index]
        spans = [name_m[:2]]  # type: ignore[index]
    a, b = min(s[0] for s in spans), max(s[1] for s in spans)
    if a > 0 and text[a - 1] == "（" and b < len(text) and text[b] == "）":
        a, b = a - 1, b + 1
    if b < len(text) and text[b] == "）" and "（" in text[a:b]:
        b += 1
    return Reading("land_use", {"code": cls.code, "name": cls.name}, None, start + a, start + b)


def parse_compatible(text: str) -> list[Reading]:
    """Compatible uses listed in ``text`` (names or codes separated by 、/和/及)."""
    out = []
    for m in re.finditer(r"[^、，,；;和及]+", text):
        piece = m[0]
        if not piece.strip() or is_empty(piece):
            continue
        reading = resolve_land_use(piece, m.start())
        if reading and not any(r.value["code"] == reading.value["code"] for r in out):
            out.append(Reading("compatible_uses", reading.value, None, reading.start, reading.end))
    return out
