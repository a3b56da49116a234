"""Values from running text: which parcel a sentence speaks of, and the field phrases in it.

A sentence naming parcel ids applies to those parcels; one that starts with an id (after 一、/第六条/2.1),
a ``地块编号：X`` line or a heading naming one parcel sets the parcel for the sentences that follow.
Inside a sentence each field label (容积率, 建筑密度, 用地面积 …) reads the words up to the next label.
"""

from __future__ import annotations

import re

from assistant.extraction.document import Paragraph
from assistant.extraction.models import FieldValue, Found
from assistant.extraction.normalise import (
    Reading,
    parse_area,
    parse_compatible,
    parse_facilities,
    parse_far,
    parse_height,
    parse_parking,
    parse_percent,
    parse_setbacks,
    resolve_land_use,
)

PARCEL_ID = re.compile(r"(?<![0-9A-Za-z])(?P<id>[A-Z]{1,6}(?P<digits>\d{0,4})(?:-[0-9A-Z]{1,4}){1,3})(?![0-9A-Za-z])"
                       r"(?P<after>号?(?:地块|宗地)?)")
_LEADING = re.compile(r"^\s*(?:第[一二三四五六七八九十百零〇\d]+条|[一二三四五六七八九十]+、|（[一二三四五六七八九十\d]+）|\d+(?:\.\d+)+)?\s*")
_SENTENCE = re.compile(r"[^。；;\n]+[。；;]?")
_LABELS: list[tuple[str, re.Pattern[str]]] = [
    ("area", re.compile(r"(?<!代征)(?<!道路)(?<!绿地)(?:净用地面积|总用地面积|出让面积|用地面积|占地面积)")),
    ("land_use", re.compile(r"用地性质|土地用途|用地类别|用地类型")),
    ("far", re.compile(r"容积率(?:上限|下限)?")),
    ("density", re.compile(r"建筑密度")),
    ("height", re.compile(r"建筑限高|建筑高度|限高")),
    ("green", re.compile(r"绿地率|绿化率")),
    ("parking", re.compile(r"(?<!非机动车)(?<!非)(?:机动车停车位|停车位|停车泊位|车位配建标准|停车)")),
    ("compatible", re.compile(r"(?<!不得)(?<!不)(?<!不可)可?兼容(?!比例|部分)(?:用途|用地|性质)?")),
    ("facilities", re.compile(r"配套设施[：:]|公共服务设施[：:]|(?<!同步)(?:配套建设|配建|设置|建设|配置)(?!工程|用地|单位|项目)")),
]
_CUT_AFTER_COMMA = re.compile(r"[，,](?!\s*(?:[≤≥<>]|不大于|不小于|不超过|不低于|不少于|\d))")


def parcel_ids(text: str) -> list[str]:
    """Parcel ids named in ``text``: XC-01-02, SFX2025-03号宗地; a one-dash id like SF-01 only with 地块/宗地.

    >>> parcel_ids("现将QS-07-02、QS-07-05三宗地块的规划条件复函如下，SF-01单元")
    ['QS-07-02', 'QS-07-05']
    """
    out = []
    for m in PARCEL_ID.finditer(text):
        if (m["id"].count("-") >= 2 or m["digits"] or m["after"]) and m["id"] not in out:
            out.append(m["id"])
    return out


def _starts_with_id(sentence: str) -> str | None:
    body = sentence[_LEADING.match(sentence).end():]  # type: ignore[union-attr]
    m = re.match(r"(?:地块编号|宗地编号|地块编码)[：:]\s*", body)
    if m:
        body = body[m.end():]
    ids = parcel_ids(body[:24])
    return ids[0] if ids and body.startswith(ids[0]) else None


def read_fields(sentence: str) -> list[Reading]:
    """Field readings of one sentence (offsets into it)."""
    marks = sorted(((m.start(), m.end(), kind, m[0]) for kind, rx in _LABELS for m in rx.finditer(sentence)),
                   key=lambda t: (t[0], -t[1]))
    marks = [m for i, m in enumerate(marks) if not any(o[0] <= m[0] < o[1] and o != m for o in marks[:i])]
    out: list[Reading] = []
    has_net = "净用地面积" in sentence
    for i, (start, end, kind, label) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else len(sentence)
        window = sentence[end:stop]
        cut = _CUT_AFTER_COMMA.search(window)
        if cut and kind != "facilities":
            window = window[:cut.start()]
        if window.lstrip("：: ").startswith("按") and "执行" in window:
            continue
        readings: list[Reading] = []
        if kind == "area":
            if label == "总用地面积" and has_net:
                continue
            readings = parse_area(window, need_unit=True)
        elif kind == "land_use":
            r = resolve_land_use(window.lstrip("为：: "))
            readings = [r] if r else []
            if r:
                shift = len(window) - len(window.lstrip("为：: "))
                readings = [Reading(r.field, r.value, r.unit, r.start + shift, r.end + shift)]
        elif kind == "far":
            readings = parse_far(window, column=label)
        elif kind == "density":
            readings = parse_percent(window, "density_max")
        elif kind == "green":
            readings = parse_percent(window, "green_min")
        elif kind == "height":
            readings = parse_height(window)
        elif kind == "parking":
            readings = parse_parking(window)
        elif kind == "compatible":
            readings = parse_compatible(window.lstrip("为：: 于"))
            shift = len(window) - len(window.lstrip("为：: 于"))
            readings = [Reading(r.field, r.value, r.unit, r.start + shift, r.end + shift) for r in readings]
        elif kind == "facilities":
            readings = parse_facilities(window.rstrip("。；;"))
        # the span starts at the label: "容积率不大于2.8", not "不大于2.8"
        out += [Reading(r.field, r.value, r.unit, start if kind != "facilities" else end + r.start, end + r.end)
                for r in readings]
    out += parse_setbacks(sentence)
    return out


def prose(paragraphs: list[Paragraph]) -> tuple[list[Found], list[str | None]]:
    """Values found in the paragraphs, and the current parcel after each paragraph (for key–value tables)."""
    found: list[Found] = []
    contexts: list[str | None] = []
    current: str | None = None
    for para in paragraphs:
        if para.heading:
            ids = parcel_ids(para.text)
            if len(ids) == 1:
                current = ids[0]
            contexts.append(current)
            continue
        for m in _SENTENCE.finditer(para.text):
            sentence = m[0]
            ids = parcel_ids(sentence)
            first = _starts_with_id(sentence)
            if first:
                current = first
            targets = ids if ids else ([current] if current else [])
            if first and len(ids) > 1 and not re.search(r"[、和及与]", sentence[:40]):
                targets = [first]
            if not targets:
                continue
            for r in read_fields(sentence):
                span = sentence[r.start:r.end]
                for pid in targets:
                    found.append(Found(parcel_id=pid, field=r.field, value=FieldValue(
                        value=r.value, unit=r.unit, locator=para.locator, span=span, source="text")))
        contexts.append(current)
    return found, contexts
