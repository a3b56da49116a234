"""Build the planning-condition extraction gold set: documents in ``docs/`` and ``gold.jsonl``.

Usage: python bench/data/extraction/build.py

Deterministic: the same script writes the same bytes (PDF via reportlab with ``invariant=True``,
DOCX with fixed dates, through :mod:`ingest.render`). The dev documents are rendered from the
parcel records below in deliberately different layouts and phrasings; the three held-out documents
(``h*``) are written out literally, with their gold written by hand beside them, before the
extractor existed, and never used for tuning.

All documents are fictional: the demo county 示范县.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DOCS = HERE / "docs"
sys.path.insert(0, str(ROOT))

MU = 10000 / 15  # m² per 亩


@dataclass
class P:
    """One parcel's gold: what a careful reader takes from the document."""

    pid: str
    code: str | None = None
    area: float | None = None  # m²
    far_max: float | None = None
    far_min: float | None = None
    density: float | None = None
    height: float | None = None
    green: float | None = None
    parking: tuple[float, str] | None = None  # (value, "个/户" | "个/100m²")
    facilities: list[tuple[str, float | None]] = field(default_factory=list)
    setbacks: list[tuple[str, float]] = field(default_factory=list)
    compatible: list[str] = field(default_factory=list)
    conflicts: dict[str, list[float]] = field(default_factory=dict)

    def gold(self, doc: str, split: str) -> dict:
        f: dict = {}
        if self.code:
            f["land_use"] = self.code
        for name, value in (("area_m2", self.area), ("far_max", self.far_max), ("far_min", self.far_min),
                            ("density_max", self.density), ("height_max", self.height), ("green_min", self.green)):
            if value is not None:
                f[name] = round(value, 2)
        if self.parking:
            f["parking"] = {"value": self.parking[0], "unit": self.parking[1]}
        if self.facilities:
            f["facilities"] = [{"name": n, "gfa_m2": g} for n, g in self.facilities]
        if self.setbacks:
            f["setbacks"] = [{"boundary": b, "distance_m": d} for b, d in self.setbacks]
        if self.compatible:
            f["compatible_uses"] = list(self.compatible)
        return {"doc": doc, "split": split, "parcel_id": self.pid, "fields": f,
                "conflicts": {k: sorted(v) for k, v in self.conflicts.items()}}


NAMES = {
    "070102": "二类城镇住宅用地", "070101": "一类城镇住宅用地", "0702": "城镇社区服务设施用地",
    "090101": "零售商业用地", "0901": "商业用地", "0902": "商务金融用地", "090104": "旅馆用地",
    "080403": "中小学用地", "080404": "幼儿园用地", "080601": "医院用地", "080602": "基层医疗卫生设施用地",
    "0801": "机关团体用地", "080301": "图书与展览用地", "080501": "体育场馆用地", "080701": "老年人社会福利用地",
    "100101": "一类工业用地", "110101": "一类物流仓储用地", "1401": "公园绿地", "1402": "防护绿地",
    "1403": "广场用地", "120803": "社会停车场用地", "120802": "公共交通场站用地", "1309": "环卫用地",
    "1303": "供电用地", "1310": "消防用地",
}


def num(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:g}" if x != int(x) else f"{int(x)}"


def f1(x: float) -> str:
    return f"{x:.1f}"


def parking_text(p: tuple[float, str] | None, style: int = 0) -> str:
    if p is None:
        return "—"
    v, unit = p
    if unit == "个/户":
        return [f"{f1(v)}个/户", f"{f1(v)}车位/户", f"每户{f1(v)}个"][style]
    return [f"{f1(v)}个/100m²建筑面积", f"{f1(v)}车位/100平方米建筑面积", f"每100平方米{f1(v)}个"][style]


def facilities_text(items: list[tuple[str, float | None]]) -> str:
    if not items:
        return "—"
    return "；".join(f"{n}（建筑面积≥{num(g)}m²）" if g else n for n, g in items)


# ---------------------------------------------------------------- d01: Markdown 控规, one wide table, a conflict

D01 = [
    P("XC-01-01", "070102", 37199, 2.5, 1.2, 25, 54, 35, (1.0, "个/户"), [("社区居家养老服务站", 350)],
      conflicts={"far_max": [2.5, 2.8]}),
    P("XC-01-02", "090101", 52699, 3.0, None, 50, 50, 20, (1.0, "个/100m²"), [("公共厕所", 60)]),
    P("XC-01-03", "070102", 18000, 2.8, 1.5, 25, 60, 35, (1.0, "个/户")),
    P("XC-01-04", "080601", 67200, 1.8, None, 35, 45, 35, (1.2, "个/100m²")),
    P("XC-01-05", "070102", 102302, 2.0, 1.0, 28, 36, 30, (1.0, "个/户"), [("社区卫生服务站", 600)],
      compatible=["0702", "090101"]),
    P("XC-01-06", "1403", 43401, None, None, 5, 10, 40),
    P("XC-01-07", "080301", 52699, 1.5, None, 35, 30, 35, (0.6, "个/100m²")),
    P("XC-01-08", "070102", 105599, 2.5, 1.5, 25, 60, 35, (1.0, "个/户"), [("幼儿园", 2700)]),
    P("XC-01-09", "080404", 9101, 1.0, None, 35, 15, 35, (0.5, "个/100m²")),
    P("XC-01-10", "120803", 9600),
]


def d01() -> str:
    rows = "\n".join(
        f"| {p.pid} | {p.code} | {NAMES[p.code]} | {num(p.area)} | {num(p.far_max)} | {num(p.far_min)} | "
        f"{num(p.density)} | {num(p.height)} | {num(p.green)} | {parking_text(p.parking)} | "
        f"{facilities_text(p.facilities)} |" for p in D01)
    return f"""---
title: 示范县西城片区控制性详细规划
version: 2025-03-10
doc_type: plan
---

# 示范县西城片区控制性详细规划

## 第一章 总则

第一条 本规划范围为示范县西城片区XC-01管理单元，总面积约52.00公顷。

## 第二章 地块控制

第五条 各地块规划控制指标见表2-1。用地性质、容积率上限、建筑密度上限、建筑限高和绿地率下限为强制性指标。

表2-1 地块规划控制指标一览表

| 地块编号 | 用地代码 | 用地性质 | 用地面积(m²) | 容积率上限 | 容积率下限 | 建筑密度(%) | 建筑限高(m) | 绿地率(%) | 停车位 | 配套设施 |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

第六条 XC-01-01地块位于示范大道与西环路交叉口东北侧，为县城更新安置项目用地，其容积率不大于2.8，建筑高度、建筑密度按表2-1执行。

第七条 XC-01-05地块可兼容城镇社区服务设施用地（0702）和零售商业用地（090101），兼容部分建筑面积不得超过地上总建筑面积的10%。

第八条 沿示范大道的建筑退让道路红线按本规划第十四条执行，本条不另作规定。
"""


# ---------------------------------------------------------------- d02: Markdown 规划条件通知书, prose only

D02 = [P("SF-04-03", "070102", 36000, 2.8, 1.5, 22, 80, 35, (1.0, "个/户"),
         [("社区卫生服务站", 600), ("物业服务用房", 300)], [("道路红线", 15), ("道路红线", 10), ("用地红线", 8)],
         ["090101"])]


def d02() -> str:
    return """# 示范县国有建设用地使用权出让规划条件

示自然资规条〔2025〕12号

## 一、地块基本情况

地块编号：SF-04-03。地块位于示范县县城南片区，东至东城路，南至南环路，西至规划支路，北至规划绿地。总用地面积4.20公顷，其中净用地面积3.60公顷，代征道路用地面积0.60公顷。

## 二、规划设计条件

（一）用地性质：二类城镇住宅用地（070102），可兼容零售商业用地，兼容比例不超过地上总建筑面积的10%。

（二）容积率：1.5-2.8。

（三）建筑密度不大于22%，建筑限高80米，绿地率不小于35%。

（四）机动车停车位按每户不少于1.0个配建，非机动车停车位按每户不少于2.0个配建。

（五）配套设施：配建社区卫生服务站一处，建筑面积不小于600平方米；配建物业服务用房，建筑面积不小于300平方米。

（六）建筑退让：退南环路道路红线不小于15米，退东城路道路红线不小于10米，退用地红线不小于8米。

## 三、其他要求

本规划条件自出具之日起一年内有效，作为国有建设用地使用权出让合同的组成部分。
"""


# ---------------------------------------------------------------- d03: mixed Markdown: table (ha, ranges) + prose

D03 = [
    P("DC-02-01", "0901", 44800, 3.0, 1.0, 45, 60, 20, (1.0, "个/100m²"),
      [("公共厕所", 60), ("垃圾收集站", 120)], [("道路红线", 10)], ["0902"]),
    P("DC-02-02", "070102", 86800, 2.5, 1.5, 22, 54, 35, (1.0, "个/户"), [("社区居委会", 300)],
      [("道路红线", 8), ("用地红线", 5)]),
    P("DC-02-03", "080403", 36400, 1.2, None, 30, 24, 35, (0.5, "个/100m²")),
    P("DC-02-04", "1401", 86800, None, None, 3, 12, 70, None, [("公共厕所", 60)]),
    P("DC-02-05", "0702", 13200, 1.5, None, 40, 24, 30, (0.8, "个/100m²"),
      [("社区综合服务中心", 2000), ("社区卫生服务中心", 1700)]),
    P("DC-02-06", "070102", 57600, 2.8, 1.8, 22, 80, 35, (1.0, "个/户"), [],
      [("河道蓝线", 15)], conflicts={"green_min": [30, 35]}),
]


def far_range(p: P) -> str:
    if p.far_max is None:
        return "—"
    return f"{num(p.far_min)}-{num(p.far_max)}" if p.far_min else f"≤{num(p.far_max)}"


def d03() -> str:
    rows = "\n".join(
        f"| {p.pid} | {NAMES[p.code]}（{p.code}） | {p.area / 10000:.2f} | {far_range(p)} | "
        f"{'≤' + num(p.density) if p.density else '—'} | {'≤' + num(p.height) if p.height else '—'} | "
        f"{'≥' + num(p.green) if p.green else '—'} | {parking_text(p.parking)} |" for p in D03)
    return f"""# 示范县东城片区DC-02单元控制性详细规划（修改）

## 1 地块指标

表1 DC-02单元地块控制指标表

| 地块编号 | 用地性质 | 用地面积(公顷) | 容积率 | 建筑密度(%) | 建筑限高(m) | 绿地率(%) | 机动车停车位 |
|---|---|---|---|---|---|---|---|
{rows}

## 2 地块补充规定

2.1 DC-02-01地块：配建公共厕所一处（建筑面积≥60m²）、垃圾收集站一处（建筑面积≥120m²）；可兼容商务金融用地，兼容比例不超过30%；沿东城路退道路红线不小于10米。

2.2 DC-02-02地块：应配建社区居委会，建筑面积不小于300平方米；退道路红线不小于8米，退用地红线不小于5米。

2.3 DC-02-03地块为九年一贯制学校用地，校舍与运动场地按国家标准配置。

2.4 DC-02-04地块为社区公园，园内设置公共厕所（建筑面积≥60m²）。

2.5 DC-02-05地块为社区服务综合体，配建社区综合服务中心（建筑面积≥2000m²）和社区卫生服务中心（建筑面积≥1700m²）。

2.6 DC-02-06地块临示范河，建筑退让河道蓝线不小于15米；地块绿地率不小于30%。
"""


# ---------------------------------------------------------------- d04: DOCX 规划条件, one key-value table per parcel

D04 = [
    P("SF-05-01", "090104", 21333.33, 2.2, None, 40, 45, 25, (0.8, "个/100m²"), [],
      [("道路红线", 10), ("用地红线", 5)], ["090101"]),
    P("SF-05-02", "070101", 30000, 1.2, 0.8, 30, 18, 35, (1.2, "个/户"), [("社区居家养老服务站", 350)],
      [("道路红线", 8)]),
    P("SF-05-03", "080602", 6000, 1.5, None, 35, 24, 35, (0.6, "个/100m²"), [("社区卫生服务站", 1200)],
      [("用地红线", 5)]),
]


def d04_markdown() -> str:
    parts = ["# 示范县自然资源局关于SF-05单元三宗地块规划条件的函",
             "根据《示范县县城控制性详细规划》，现将SF-05单元三宗地块的规划条件函告如下。"]
    mu = {"SF-05-01": "32.00亩", "SF-05-02": "3.00公顷", "SF-05-03": "6000平方米"}
    for i, p in enumerate(D04, start=1):
        setback = "；".join(f"退{b}≥{num(d)}m" for b, d in p.setbacks)
        compat = "、".join(f"{NAMES[c]}（{c}）" for c in p.compatible) or "—"
        far = f"{num(p.far_min)}≤容积率≤{num(p.far_max)}" if p.far_min else f"≤{num(p.far_max)}"
        parts.append(f"## {'一二三'[i - 1]}、{p.pid}地块")
        parts.append(f"""| 项目 | 规划条件 |
|---|---|
| 地块编号 | {p.pid} |
| 用地性质 | {NAMES[p.code]} |
| 用地面积 | {mu[p.pid]} |
| 容积率 | {far} |
| 建筑密度 | ≤{num(p.density)}% |
| 建筑限高 | {num(p.height)}米 |
| 绿地率 | ≥{num(p.green)}% |
| 机动车停车位 | {parking_text(p.parking, 1)} |
| 兼容用地 | {compat} |
| 配套设施 | {facilities_text(p.facilities)} |
| 建筑退让 | {setback} |""")
    parts.append("以上规划条件作为土地出让合同的组成部分，未纳入出让合同的，出让合同无效。")
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------- d05: TXT in GBK, prose sections, 亩 and ≤

D05 = [
    P("NX-03-01", "100101", 40000, 2.5, 1.0, 55, 24, 10, (0.3, "个/100m²"), [], [("道路红线", 10)]),
    P("NX-03-02", "100101", 66666.67, 2.0, 1.0, 55, 30, 15, (0.3, "个/100m²"), [], [("用地红线", 5)]),
    P("NX-03-03", "110101", 53333.33, 1.5, 0.8, 55, 24, 10, (0.2, "个/100m²")),
    P("NX-03-04", "1402", 21333.33, None, None, None, None, 80),
    P("NX-03-05", "120802", 12000, 1.0, None, 40, 18, 20, None, [("公交首末站", 800)]),
]


def d05() -> str:
    lines = ["示范县北部产业园NX-03单元地块规划条件", "",
             "根据示范县县城控制性详细规划，北部产业园NX-03单元各地块规划条件如下。", ""]
    mu = {"NX-03-01": "60亩", "NX-03-02": "100亩", "NX-03-03": "80亩", "NX-03-04": "32亩", "NX-03-05": "18亩"}
    for i, p in enumerate(D05, start=1):
        s = [f"{'一二三四五'[i - 1]}、{p.pid}地块", f"用地性质为{NAMES[p.code]}，用地面积{mu[p.pid]}。"]
        if p.far_max is not None:
            far = f"容积率≤{num(p.far_max)}" + (f"且≥{num(p.far_min)}" if p.far_min else "")
            s.append(f"{far}，建筑密度≤{num(p.density)}%，建筑高度≤{num(p.height)}米，绿地率≥{num(p.green)}%。")
        else:
            s.append(f"绿地率≥{num(p.green)}%，不得进行经营性建设。")
        if p.parking:
            s.append(f"停车位按{parking_text(p.parking, 2)}配置。")
        for n, g in p.facilities:
            s.append(f"配建{n}一处，建筑面积不小于{num(g)}平方米。")
        for b, d in p.setbacks:
            s.append(f"建筑退{b}不少于{num(d)}米。")
        lines += [s[0], "".join(s[1:]), ""]
    lines.append("工业用地内行政办公及生活服务设施用地面积不得超过总用地面积的7%。")
    return "\r\n".join(lines) + "\r\n"


# ---------------------------------------------------------------- d06: PDF, table across a page break

D06 = [
    P(f"SN-06-{i:02d}", code, area, fmax, fmin, dens, h, g, park, fac)
    for i, (code, area, fmax, fmin, dens, h, g, park, fac) in enumerate([
        ("070102", 86797, 2.8, 1.5, 22, 80, 35, (1.0, "个/户"), [("社区卫生服务站", 600), ("社区居家养老服务站", 350)]),
        ("070102", 86800, 2.5, 1.5, 22, 54, 35, (1.0, "个/户"), []),
        ("070102", 60800, 2.8, 1.8, 22, 80, 35, (1.0, "个/户"), [("物业服务用房", 300)]),
        ("080404", 9101, 1.0, None, 35, 15, 35, (0.5, "个/100m²"), []),
        ("0901", 44800, 3.0, 1.0, 45, 60, 20, (1.0, "个/100m²"), [("公共厕所", 60), ("垃圾收集站", 120)]),
        ("080403", 36401, 1.2, None, 30, 24, 35, (0.5, "个/100m²"), []),
        ("1401", 86798, 0.05, None, 3, 12, 70, None, [("公共厕所", 60)]),
        ("070102", 89600, 2.5, 1.5, 22, 54, 35, (1.0, "个/户"), [("社区居委会", 300)]),
        ("070102", 86801, 2.8, 1.8, 22, 80, 35, (1.0, "个/户"), [("菜市场", 1500)]),
        ("0702", 13200, 1.5, None, 40, 24, 30, (0.8, "个/100m²"), [("社区综合服务中心", 2000)]),
    ], start=1)
]


def d06_markdown() -> str:
    intro = "\n\n".join(
        f"第{n}条 " + text for n, text in zip("一二三四五六", [
            "为落实示范县国土空间总体规划确定的县城南片区发展目标，规范南片区土地使用和开发建设，依据城乡规划法、"
            "土地管理法和国家、省有关技术规定，编制本规划。本规划是核发建设用地规划许可证、建设工程规划许可证和"
            "出具国有建设用地使用权出让规划条件的法定依据。",
            "本规划范围东至东城路，南至南环路，西至示范河，北至示范大道，包括SN-06管理单元，总面积约80公顷。"
            "规划期限为2025年至2035年，近期至2027年。规划人口约2.6万人，按十五分钟社区生活圈配置公共服务设施。",
            "单元内各地块计容建筑面积之和不得超过单元建筑总量上限。在不突破单元建筑总量上限、不减少公共服务设施"
            "和公共绿地、不降低基础设施承载能力的前提下，单元内地块之间的建筑量可以按程序进行平衡转移。",
            "用地分类执行国土空间调查、规划、用途管制用地用海分类指南。容积率按地块净用地面积计算，计容建筑面积的"
            "计算规则按省有关规定执行。国有土地使用权一经出让或者划拨，不得擅自更改规划条件确定的容积率。",
            "建筑密度是指地块内所有建筑物的基底总面积与地块用地面积的比率；绿地率是指地块内各类绿地面积的总和与"
            "地块用地面积的比率。建筑限高是指建筑物室外地面至建筑物屋面面层的高度上限。",
            "各地块规划控制指标见表3-1。用地性质、容积率上限、建筑密度上限、建筑限高、绿地率下限和配套设施为"
            "强制性指标；容积率下限为引导性指标。",
        ], strict=True))
    rows = "\n".join(
        f"| {p.pid} | {p.code} | {NAMES[p.code]} | {num(p.area)} | {num(p.far_max)} | {num(p.far_min)} | "
        f"{num(p.density)} | {num(p.height)} | {num(p.green)} | {parking_text(p.parking)} | "
        f"{facilities_text(p.facilities)} |" for p in D06)
    return f"""# 示范县县城南片区SN-06单元控制性详细规划

{intro}

表3-1 地块规划控制指标一览表

| 地块编号 | 用地代码 | 用地性质 | 用地面积(m²) | 容积率上限 | 容积率下限 | 建筑密度(%) | 建筑限高(m) | 绿地率(%) | 停车位 | 配套设施 |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

第七条 住宅建筑高度不得超过80米。非机动车停车位按每户不少于2.0个配建。
"""


# ---------------------------------------------------------------- d07: PDF, prose only (lines broken by wrapping)

D07 = [
    P("QS-07-02", "0902", 72200, 4.0, 1.5, 40, 80, 25, (0.8, "个/100m²"), [], [("道路红线", 15), ("用地红线", 8)],
      ["090101"]),
    P("QS-07-05", "080501", 25000, 1.0, None, 40, 30, 30, (0.6, "个/100m²"), [], [("道路红线", 10)]),
    P("QS-07-09", "070102", 48000, 2.2, 1.2, 25, 54, 35, (1.0, "个/户"), [("幼儿园", 3600)], [("河道蓝线", 15)]),
]


def d07_markdown() -> str:
    return """# 示范县自然资源局关于县城东区三宗地块规划条件的复函

示自然资函〔2025〕77号

县土地储备中心：

你中心《关于提供县城东区地块规划条件的函》收悉。经研究，依据示范县县城东区控制性详细规划，现将QS-07-02、QS-07-05、QS-07-09三宗地块的规划条件复函如下。

一、QS-07-02地块。该地块位于示范大道与东城路交叉口西南侧，净用地面积72200平方米，用地性质为商务金融用地，可兼容零售商业用地，零售商业建筑面积不超过地上总建筑面积的30%。容积率不大于4.0且不小于1.5，建筑密度不大于40%，建筑高度不超过80米，绿地率不小于25%。机动车停车位按每100平方米建筑面积不少于0.8个配建。建筑退示范大道道路红线不小于15米，退用地红线不小于8米。

二、QS-07-05地块。该地块位于东城路东侧，用地面积2.50公顷，用地性质为体育场馆用地。容积率不大于1.0，建筑密度不大于40%，建筑高度不超过30米，绿地率不小于30%。机动车停车位按每100平方米建筑面积不少于0.6个配建。建筑退东城路道路红线不小于10米。

三、QS-07-09地块。该地块位于示范河北岸，用地面积4.80公顷，用地性质为二类城镇住宅用地。容积率1.2-2.2，建筑密度不大于25%，建筑高度不超过54米，绿地率不小于35%。机动车停车位按每户不少于1.0个配建。应配建9班幼儿园一所，建筑面积不小于3600平方米，与首期住宅同步建设、同步交付。建筑退示范河河道蓝线不小于15米。

四、上述规划条件作为国有建设用地使用权出让合同的组成部分。规划条件未纳入出让合同的，出让合同无效。

示范县自然资源局
2025年6月18日
"""


# ---------------------------------------------------------------- d08: DOCX, big table + prose with a height conflict

D08 = [
    P("DB-08-01", "100101", 144400, 2.5, 1.0, 55, 24, 10, (0.3, "个/100m²")),
    P("DB-08-02", "100101", 144398, 2.5, 1.0, 55, 24, 10, (0.3, "个/100m²"), conflicts={"height_max": [24, 30]}),
    P("DB-08-03", "110101", 144400, 1.5, 0.8, 55, 24, 10, (0.2, "个/100m²")),
    P("DB-08-04", "1303", 36099, 0.8, None, 40, 24, 20, None, [("110kV变电站", None)]),
    P("DB-08-05", "1402", 64602, None, None, None, None, 80),
    P("DB-08-06", "0902", 72200, 4.0, 1.5, 40, 80, 25, (0.8, "个/100m²"), [], [], ["090101"]),
]


def d08_markdown() -> str:
    rows = "\n".join(
        f"| {p.pid} | {p.code} | {NAMES[p.code]} | {num(p.area)} | {num(p.far_max)} | {num(p.far_min)} | "
        f"{num(p.density)} | {num(p.height)} | {num(p.green)} | {parking_text(p.parking)} | "
        f"{'、'.join(p.compatible) or '—'} | {facilities_text(p.facilities)} |" for p in D08)
    return f"""# 示范县东部产业与商务单元DB-08控制性详细规划

## 第三章 地块控制

第九条 本单元各地块的规划控制指标见下表。

表3-1 DB-08单元地块规划控制指标表

| 地块编号 | 用地代码 | 用地性质 | 用地面积(m²) | 容积率上限 | 容积率下限 | 建筑密度(%) | 建筑限高(m) | 绿地率(%) | 停车位 | 兼容用地 | 配套设施 |
|---|---|---|---|---|---|---|---|---|---|---|---|
{rows}

第十条 DB-08-02地块用于智能装备制造项目，因生产工艺需要，其建筑限高为30米。

第十一条 一类工业用地内行政办公及生活服务设施用地面积不得超过工业项目总用地面积的7%，严禁建设成套住宅。
"""


# ---------------------------------------------------------------- d09: Markdown table with names only, 亩, ≤ cells

D09 = [
    P("HT-09-01", "070102", 40000, 2.0, None, 25, 36, 30, (1.0, "个/户")),
    P("HT-09-02", "070102", 33333.33, 2.2, None, 25, 45, 30, (1.0, "个/户"), [("社区居家养老服务站", 400)]),
    P("HT-09-03", "090101", 13333.33, 2.5, None, 45, 36, 20, (1.0, "个/100m²"), [("公共厕所", 80)]),
    P("HT-09-04", "080404", 6666.67, 0.9, None, 30, 15, 35, (0.5, "个/100m²")),
    P("HT-09-05", "080701", 10000, 1.5, None, 30, 24, 35, (0.5, "个/100m²")),
    P("HT-09-06", "1403", 8000, None, None, 5, 12, 30),
    P("HT-09-07", "1309", 2000, 0.8, None, 40, 12, 20, None, [("垃圾转运站", 600)]),
]


def d09() -> str:
    mu = {"HT-09-01": "60.0", "HT-09-02": "50.0", "HT-09-03": "20.0", "HT-09-04": "10.0", "HT-09-05": "15.0",
          "HT-09-06": "12.0", "HT-09-07": "3.0"}
    rows = "\n".join(
        f"| {i} | {p.pid} | {NAMES[p.code]} | {mu[p.pid]} | {'≤' + num(p.far_max) if p.far_max else '—'} | "
        f"{'≤' + num(p.density) + '%' if p.density else '—'} | {'≤' + num(p.height) if p.height else '—'} | "
        f"{'≥' + num(p.green) + '%'} | {parking_text(p.parking, 1)} | {facilities_text(p.facilities)} |"
        for i, p in enumerate(D09, start=1))
    return f"""# 示范县环城片区HT-09单元规划条件汇总表

说明：本表用地面积单位为亩，1亩约合666.67平方米；停车位为机动车停车位配建下限。

| 序号 | 地块编码 | 用地性质 | 用地面积（亩） | 容积率 | 建筑密度 | 建筑高度(m) | 绿地率 | 停车泊位 | 公共服务设施 |
|---|---|---|---|---|---|---|---|---|---|
{rows}
"""


# ---------------------------------------------------------------- d10: TXT UTF-8, "key：value" lines per parcel

D10 = [
    P("GX-10-01", "070102", 52000, 2.6, 1.6, 24, 60, 35, (1.0, "个/户"), [("社区卫生服务站", 600)],
      [("道路红线", 10), ("用地红线", 6)], ["0702"]),
    P("GX-10-02", "0801", 20000, 1.8, None, 30, 40, 35, (0.8, "个/100m²"), [], [("道路红线", 10)]),
    P("GX-10-03", "090101", 15000, 2.0, None, 50, 24, 20, (1.0, "个/100m²"), [("公共厕所", 60)], [("道路红线", 5)]),
    P("GX-10-04", "1310", 5000, 1.0, None, 35, 24, 25, None, [("二级消防站", 3000)], [("道路红线", 5)]),
]


def d10() -> str:
    out = ["示范县高新片区规划条件表（文本版）", ""]
    area = {"GX-10-01": "5.2公顷", "GX-10-02": "20000平方米", "GX-10-03": "1.5公顷", "GX-10-04": "5000平方米"}
    for p in D10:
        out += [f"地块编号：{p.pid}",
                f"用地性质：{p.code} {NAMES[p.code]}",
                f"用地面积：{area[p.pid]}",
                f"容积率：{'≥' + num(p.far_min) + '，' if p.far_min else ''}≤{num(p.far_max)}",
                f"建筑密度：≤{num(p.density)}%",
                f"建筑限高：{num(p.height)}m",
                f"绿地率：≥{num(p.green)}%"]
        if p.parking:
            out.append(f"停车位：{parking_text(p.parking, 0)}")
        if p.compatible:
            out.append("兼容用途：" + "、".join(NAMES[c] for c in p.compatible))
        if p.facilities:
            out.append("配套设施：" + facilities_text(p.facilities))
        out.append("建筑退让：" + "，".join(f"退{b}{num(d)}米" for b, d in p.setbacks))
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- held-out: written literally, gold by hand

H01_TEXT = """# 示范县SFX2025-03号、SFX2025-04号宗地规划设计条件

## SFX2025-03号宗地

宗地位于示范县城北新区滨河路以南。出让面积28.50亩（约19000平方米）。土地用途：二类城镇住宅用地。

规划指标：容积率大于1.0且不大于2.5；建筑密度不大于25%；建筑高度控制在45米以内；绿地率不低于30%。

机动车停车位配建标准为1.2个/户。宗地内须配建社区居家养老服务站1处（建筑面积不少于300平方米）。

建筑物退滨河路道路红线不少于10米，退河道蓝线不少于20米。

## SFX2025-04号宗地

宗地位于滨河路以北，出让面积1.20公顷，土地用途为商业用地，可兼容旅馆用地。容积率≤3.5，建筑密度≤50%，建筑限高50米，绿地率≥20%。停车按每100平方米建筑面积1.0个车位配建。
"""

H01 = [
    P("SFX2025-03", "070102", 19000, 2.5, 1.0, 25, 45, 30, (1.2, "个/户"), [("社区居家养老服务站", 300)],
      [("道路红线", 10), ("河道蓝线", 20)]),
    P("SFX2025-04", "0901", 12000, 3.5, None, 50, 50, 20, (1.0, "个/100m²"), [], [], ["090104"]),
]

H02_TEXT = """# 示范县老城更新片区LC-12单元地块指标

## 地块指标表

| 地块代码 | 用地类别 | 占地面积（公顷） | 容积率（上限/下限） | 建筑密度（%） | 绿地率（%） | 限高（米） |
|---|---|---|---|---|---|---|
| LC-12-01 | 二类城镇住宅用地 070102 | 2.35 | 2.4/1.2 | 25 | 30 | 54 |
| LC-12-02 | 零售商业用地 090101 | 0.86 | 2.8/— | 50 | 20 | 36 |
| LC-12-03 | 幼儿园用地 080404 | 0.54 | 1.0/— | 30 | 35 | 15 |
| LC-12-04 | 公园绿地 1401 | 1.10 | — | 3 | 70 | 9 |
| LC-12-05 | 二类城镇住宅用地 070102 | 3.02 | 2.2/1.0 | 25 | 35 | 45 |
| LC-12-06 | 社会停车场用地 120803 | 0.40 | — | — | — | — |

## 说明

LC-12-01地块配建社区卫生服务站（建筑面积不小于500平方米）。LC-12-05地块建筑限高为54米，并配建物业服务用房，建筑面积不小于240平方米。
"""

H02 = [
    P("LC-12-01", "070102", 23500, 2.4, 1.2, 25, 54, 30, None, [("社区卫生服务站", 500)]),
    P("LC-12-02", "090101", 8600, 2.8, None, 50, 36, 20),
    P("LC-12-03", "080404", 5400, 1.0, None, 30, 15, 35),
    P("LC-12-04", "1401", 11000, None, None, 3, 9, 70),
    P("LC-12-05", "070102", 30200, 2.2, 1.0, 25, 45, 35, None, [("物业服务用房", 240)],
      conflicts={"height_max": [45, 54]}),
    P("LC-12-06", "120803", 4000),
]

H03_TEXT = """# 示范县产业新城CX-05单元规划条件

第一条 CX-05单元各地块控制指标如下表。

| 地块编号 | 用地代码 | 用地性质 | 用地面积(m²) | 容积率 | 建筑密度(%) | 建筑限高(m) | 绿地率(%) | 停车位 |
|---|---|---|---|---|---|---|---|---|
| CX-05-01 | 100101 | 一类工业用地 | 120000 | 1.2-2.0 | ≥40 | 24 | ≤15 | 0.3个/100m²建筑面积 |
| CX-05-02 | 100101 | 一类工业用地 | 98000 | 1.2-2.0 | ≥40 | 24 | ≤15 | 0.3个/100m²建筑面积 |
| CX-05-03 | 0902 | 商务金融用地 | 35000 | 2.0-3.5 | 40 | 60 | 25 | 0.8个/100m²建筑面积 |
| CX-05-04 | 070102 | 二类城镇住宅用地 | 64000 | 1.5-2.5 | 22 | 54 | 35 | 1.0个/户 |
| CX-05-05 | 1303 | 供电用地 | 8000 | ≤0.8 | 40 | 24 | 20 | — |

第二条 CX-05-03地块容积率上限为3.0，可兼容零售商业用地。CX-05-04地块配建幼儿园（建筑面积≥2700m²）和社区卫生服务站（建筑面积≥600m²），建筑退道路红线不小于10米。

第三条 CX-05-05地块内建设110kV变电站一座。
"""

H03 = [
    P("CX-05-01", "100101", 120000, 2.0, 1.2, None, 24, None, (0.3, "个/100m²")),
    P("CX-05-02", "100101", 98000, 2.0, 1.2, None, 24, None, (0.3, "个/100m²")),
    P("CX-05-03", "0902", 35000, 3.5, 2.0, 40, 60, 25, (0.8, "个/100m²"), [], [], ["090101"],
      conflicts={"far_max": [3.0, 3.5]}),
    P("CX-05-04", "070102", 64000, 2.5, 1.5, 22, 54, 35, (1.0, "个/户"), [("幼儿园", 2700), ("社区卫生服务站", 600)],
      [("道路红线", 10)]),
    P("CX-05-05", "1303", 8000, 0.8, None, 40, 24, 20, None, [("110kV变电站", None)]),
]
# CX-05-01/02: 建筑密度 ≥40 is a lower bound and 绿地率 ≤15 an upper bound (industrial land): neither is
# density_max nor green_min, so the gold has neither (an extractor reporting them as max/min is wrong).


def build() -> list[dict]:
    from ingest.render import render_docx, render_pdf

    DOCS.mkdir(parents=True, exist_ok=True)
    gold: list[dict] = []

    def text(name: str, content: str, parcels: list[P], split: str = "dev", encoding: str = "utf-8") -> None:
        (DOCS / name).write_bytes(content.encode(encoding))
        gold.extend(p.gold(name, split) for p in parcels)

    def rendered(name: str, markdown: str, parcels: list[P], split: str = "dev") -> None:
        render = render_pdf if name.endswith(".pdf") else render_docx
        render(markdown, DOCS / name)
        gold.extend(p.gold(name, split) for p in parcels)

    text("d01_xicheng_regulatory_table.md", d01(), D01)
    text("d02_conditions_notice_prose.md", d02(), D02)
    text("d03_dongcheng_mixed.md", d03(), D03)
    rendered("d04_conditions_kv_tables.docx", d04_markdown(), D04)
    text("d05_industrial_conditions_gbk.txt", d05(), D05, encoding="gbk")
    rendered("d06_south_table_page_break.pdf", d06_markdown(), D06)
    rendered("d07_east_conditions_letter.pdf", d07_markdown(), D07)
    rendered("d08_dongbu_table_conflict.docx", d08_markdown(), D08)
    text("d09_huancheng_mu_names.md", d09(), D09)
    text("d10_gaoxin_key_value.txt", d10(), D10)
    text("h01_parcel_design_conditions.md", H01_TEXT, H01, "heldout")
    rendered("h02_laocheng_table.docx", H02_TEXT, H02, "heldout")
    rendered("h03_chanye_mixed.pdf", H03_TEXT, H03, "heldout")

    header = {"_header": "planning-condition extraction gold; see README.md", "documents": len({g['doc'] for g in gold}),
              "parcels": len(gold)}
    with (HERE / "gold.jsonl").open("w", encoding="utf-8") as fh:
        for row in [header, *gold]:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return gold


if __name__ == "__main__":
    rows = build()
    print(f"{len({r['doc'] for r in rows})} documents, {len(rows)} parcels -> {DOCS}")
