"""Values from tables: wide tables (one row per parcel) and key–value tables (项目 | 规划条件) of one parcel."""

from __future__ import annotations

import re

from assistant.extraction.document import Table
from assistant.extraction.models import FieldValue, Found
from assistant.extraction.normalise import (
    Reading,
    is_empty,
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

_ID_HEADER = re.compile(r"^(?:地块|宗地)(?:编号|编码|代码|号)$|^编号$")
_KIND_BY_HEADER: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"用地(?:性质)?代码|分类代码"), "land_use_code"),
    (re.compile(r"用地性质|用地类别|用地类型|土地用途|用地名称"), "land_use"),
    (re.compile(r"(?:净)?用地面积|占地面积|出让面积"), "area"),
    (re.compile(r"容积率"), "far"),
    (re.compile(r"建筑密度"), "density"),
    (re.compile(r"限高|建筑高度"), "height"),
    (re.compile(r"绿地率|绿化率"), "green"),
    (re.compile(r"停车|车位|泊位"), "parking"),
    (re.compile(r"兼容"), "compatible"),
    (re.compile(r"配套|设施"), "facilities"),
    (re.compile(r"退让|退线"), "setbacks"),
]


def column_kind(header: str) -> str | None:
    """The field a column holds, from its header text (``None`` for 序号, 单元, 备注 …)."""
    if _ID_HEADER.match(header.strip()):
        return "parcel_id"
    for pattern, kind in _KIND_BY_HEADER:
        if pattern.search(header):
            return kind
    return None


def header_unit(header: str) -> str | None:
    """Area unit stated in a header: 公顷/ha, 亩 or m²."""
    for unit, words in (("公顷", ("公顷", "ha", "hm")), ("亩", ("亩",)), ("m²", ("m²", "m2", "平方米", "㎡"))):
        if any(w in header for w in words):
            return unit
    return None


def read_cell(kind: str, cell: str, header: str = "") -> list[Reading]:
    """Readings of one cell whose column (or key) is ``kind``."""
    if is_empty(cell):
        return []
    if kind in ("land_use", "land_use_code"):
        r = resolve_land_use(cell)
        return [r] if r else []
    if kind == "area":
        return parse_area(cell, default_unit=header_unit(header) or "m²")
    if kind == "far":
        return parse_far(cell, column=header)
    if kind == "density":
        return parse_percent(cell, "density_max")
    if kind == "green":
        return parse_percent(cell, "green_min")
    if kind == "height":
        return parse_height(cell)
    if kind == "parking":
        return parse_parking(cell)
    if kind == "facilities":
        return parse_facilities(cell)
    if kind == "compatible":
        return parse_compatible(cell)
    if kind == "setbacks":
        return parse_setbacks(cell)
    return []


def _found(pid: str, r: Reading, cell: str, locator: str) -> Found:
    return Found(parcel_id=pid, field=r.field, value=FieldValue(value=r.value, unit=r.unit, locator=locator,
                                                                  span=cell[r.start:r.end] or cell, source="table"))


def _page(table: Table, i: int) -> str:
    page = table.pages[i] if i < len(table.pages) else None
    return f"第{page}页 " if page else ""


def wide_table(table: Table) -> list[Found]:
    """A table with a parcel-id column: one row per parcel."""
    header = table.rows[0]
    kinds = [column_kind(h) for h in header]
    if "parcel_id" not in kinds:
        return []
    id_col = kinds.index("parcel_id")
    out: list[Found] = []
    for i, row in enumerate(table.rows[1:]):
        if id_col >= len(row) or is_empty(row[id_col]):
            continue
        pid = row[id_col].strip()
        for c, kind in enumerate(kinds):
            if kind in (None, "parcel_id") or c >= len(row):
                continue
            locator = f"{_page(table, i)}{table.caption} {pid}行「{header[c]}」"
            out += [_found(pid, r, row[c], locator) for r in read_cell(kind, row[c], header[c])]
    return out


def key_value_table(table: Table, context_id: str | None) -> list[Found]:
    """A two-column table of labels and values for one parcel (id from a 地块编号 row or the context)."""
    rows = [r for r in table.rows if len(r) >= 2]
    labelled = [(r[0], column_kind(r[0]), r[1]) for r in rows]
    if sum(1 for _, k, _ in labelled if k not in (None, "parcel_id")) < 3:
        return []
    pid = next((v.strip() for _, k, v in labelled if k == "parcel_id" and not is_empty(v)), context_id)
    if not pid:
        return []
    out: list[Found] = []
    for label, kind, value in labelled:
        if kind in (None, "parcel_id"):
            continue
        locator = f"{table.caption} 「{label}」行"
        out += [_found(pid, r, value, locator) for r in read_cell(kind, value, label)]
    return out
