"""The optional model step: fill fields the patterns could not read, keeping only values found in the text.

The model is asked only about a parcel's fields whose label appears in that parcel's text while no
pattern read a value. It answers JSON ``{"far_max": {"value": 2.8, "span": "容积率宜控制在2.8以下"}}``.
A value is kept only if its span occurs verbatim in the parcel's text and the same value is read
back from that span by the deterministic parsers (after unit normalisation); else it is dropped
with a warning. The model never supplies a number the text does not hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from assistant.extraction.models import FieldValue
from assistant.extraction.normalise import (
    parse_area,
    parse_far,
    parse_height,
    parse_parking,
    parse_percent,
    resolve_land_use,
)

# field -> label words whose presence in the text makes the field worth asking for
ASKABLE: dict[str, tuple[str, ...]] = {
    "land_use": ("用地性质", "土地用途", "用地类别"),
    "area_m2": ("用地面积", "出让面积", "占地面积"),
    "far_max": ("容积率",),
    "density_max": ("建筑密度",),
    "height_max": ("限高", "建筑高度"),
    "green_min": ("绿地率", "绿化率"),
    "parking": ("停车",),
}
_SYSTEM = ("你是国土空间规划规划条件提取助手。只根据给出的原文，提取指定地块的指定字段。"
           "只输出一个JSON对象，键为字段名，值为{\"value\": 数值或用地名称, \"span\": 原文中逐字摘录的依据}。"
           "原文没有的字段不要输出。")


def _read_back(field: str, span: str) -> list[Any]:
    """Values the deterministic parsers read from ``span`` for ``field`` (the check on the model)."""
    numbers = re.search(r"\d", span)
    if field == "land_use":
        r = resolve_land_use(span)
        return [r.value["code"]] if r else []
    if not numbers:
        return []
    tail = span[numbers.start() - 12 if numbers.start() > 12 else 0:]
    if field in ("far_max", "far_min"):
        return [r.value for r in parse_far(tail) if r.field == field] + [r.value for r in parse_far(span)
                                                                          if r.field == field]
    if field == "density_max":
        return [r.value for r in parse_percent(tail, field)]
    if field == "green_min":
        return [r.value for r in parse_percent(tail, field)]
    if field == "height_max":
        return [r.value for r in parse_height(tail)]
    if field == "area_m2":
        return [r.value for r in parse_area(span[numbers.start():], need_unit=True)]
    if field == "parking":
        return [(r.value, r.unit) for r in parse_parking(span)]
    return []


def _parse_json(text: str) -> dict[str, Any]:
    m = re.search(r"\{.*\}", text, re.S)
    if not m:
        return {}
    try:
        data = json.loads(m[0])
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def fill(parcel_id: str, missing: list[str], context: str, chat: Callable[..., Any], locator: str,
         ) -> tuple[dict[str, FieldValue], list[str]]:
    """Ask the model for ``missing`` fields of one parcel; return the verified values and warnings."""
    prompt = (f"地块：{parcel_id}\n字段：{', '.join(missing)}\n"
              "字段含义：land_use 用地性质；area_m2 用地面积；far_max 容积率上限；density_max 建筑密度上限(%)；"
              "height_max 建筑限高(米)；green_min 绿地率下限(%)；parking 机动车停车位（如\"1.0个/户\"）\n"
              f"原文：\n{context[:1800]}")
    reply = chat([{"role": "system", "content": _SYSTEM}, {"role": "user", "content": prompt}], max_tokens=300)
    data = _parse_json(getattr(reply, "text", "") or "")
    kept: dict[str, FieldValue] = {}
    warnings: list[str] = []
    for field, item in data.items():
        if field not in missing or not isinstance(item, dict):
            continue
        span = str(item.get("span") or "").strip()
        value = item.get("value")
        if not span or span not in context:
            warnings.append(f"{parcel_id} {field}: 模型给出的值 {value!r} 在原文中找不到依据，已丢弃")
            continue
        readback = _read_back(field, span)
        if field == "land_use":
            r = resolve_land_use(str(value))
            ok = bool(r) and r.value["code"] in readback
            if ok:
                kept[field] = FieldValue(value=r.value, locator=locator, span=span, source="model")
        elif field == "parking":
            ok = bool(readback)
            if ok:
                number = readback[0][0]
                ok = _same(value, number) or (isinstance(value, str) and str(number) in value)
            if ok:
                kept[field] = FieldValue(value=readback[0][0], unit=readback[0][1], locator=locator, span=span,
                                         source="model")
        else:
            ok = any(_same(value, v) for v in readback)
            if ok:
                unit = {"area_m2": "m²", "density_max": "%", "green_min": "%", "height_max": "m"}.get(field)
                kept[field] = FieldValue(value=float(value), unit=unit, locator=locator, span=span, source="model")
        if not ok:
            warnings.append(f"{parcel_id} {field}: 模型给出的值 {value!r} 与原文「{span}」不符，已丢弃")
    return kept, warnings


def _same(a: Any, b: Any) -> bool:
    try:
        return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))
    except (TypeError, ValueError):
        return False
