"""Reading a plan version for comparison: a parcel layer, or the parcel table of a plan document.

Layers (GeoJSON, Shapefile, GeoPackage) are read by :func:`spatial.layers.read_layer` as
``regulatory_parcels``: areas are measured from the geometry as everywhere else.
Documents (Markdown, DOCX, PDF, text, HTML) are read by :func:`ingest.readers.read_document`;
the first table whose header has 地块编号 and 容积率上限 (the regulatory plan's 表3-1) gives the
parcels, with the area of the 用地面积 column and no geometry, and a table with 单元编号 and
建筑总量上限 (表2-1) gives the units' caps.
"""

from __future__ import annotations

import re
from pathlib import Path

from spatial.compare.errors import CompareError
from spatial.compare.models import PlanParcel, PlanSnapshot
from spatial.errors import SpatialError
from spatial.kinds import LayerKind
from spatial.layers import GEOJSON_SUFFIXES, Layer, normalise_code, read_layer

LAYER_SUFFIXES = (*GEOJSON_SUFFIXES, ".shp", ".zip", ".gpkg")
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".docx", ".pdf", ".html", ".htm")
_EMPTY = {"", "—", "-", "--", "——", "/", "无"}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def read_plan(path: Path | str, *, layer_name: str | None = None) -> PlanSnapshot:
    """One plan version from a parcel layer or a plan document.

    Raises
    ------
    CompareError
        Missing or unreadable file, unsupported type, or no parcels in it.
    """
    path = Path(path)
    if not path.exists():
        raise CompareError(f"{path}：文件不存在")
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in LAYER_SUFFIXES:
        try:
            layer = read_layer(LayerKind.REGULATORY_PARCELS, path, layer_name=layer_name)
        except SpatialError as exc:
            raise CompareError(f"无法读取控规地块图层 {path.name}：{exc}") from None
        return snapshot_from_layer(layer)
    if suffix in DOCUMENT_SUFFIXES:
        return _read_document(path)
    raise CompareError(f"{path}：不支持的文件类型 {suffix or '（无扩展名）'}；请提供控规地块图层"
                       "（GeoJSON、Shapefile、GeoPackage）或含地块控制指标表的规划文本（Markdown、DOCX、PDF）")


def snapshot_from_layer(layer: Layer) -> PlanSnapshot:
    """The parcels of a ``regulatory_parcels`` layer (areas as the layer measured them)."""
    parcels = []
    for i, f in enumerate(layer):
        a = f.attrs
        if a.get("parcel_id") is None:
            raise CompareError(f"{Path(layer.source).name}：第{i + 1}个要素缺少地块编号（parcel_id），无法按编号比对")
        parcels.append(PlanParcel(
            parcel_id=f.fid, unit_id=_text(a.get("unit_id")), land_use=a.get("land_use"),
            land_use_name=_text(a.get("land_use_name")), far_max=_num(a.get("far_max")), far_min=_num(a.get("far_min")),
            density_max=_num(a.get("density_max")), height_max=_num(a.get("height_max")),
            green_min=_num(a.get("green_min")), area_m2=f.area_m2, geometry=f.geom))
    return PlanSnapshot(parcels=tuple(parcels), source=layer.source, source_kind="layer")


# --------------------------------------------------------------------------- documents


def _read_document(path: Path) -> PlanSnapshot:
    from ingest.errors import IngestError
    from ingest.readers import parse_pipe_table, read_document

    try:
        doc = read_document(path)
    except IngestError as exc:
        raise CompareError(f"无法读取规划文本 {path.name}：{exc}") from None
    tables = [parse_pipe_table(b.text.splitlines()) for b in doc.blocks if b.kind == "table"]
    parcels: tuple[PlanParcel, ...] = ()
    caps: dict[str, float | None] = {}
    for rows in tables:
        if not rows:
            continue
        header = rows[0]
        if not parcels and _col(header, "地块编号") is not None and _col(header, "容积率上限") is not None:
            parcels = tuple(_parcels_from_table(header, rows[1:]))
        elif not caps and _col(header, "单元编号") is not None and _col(header, "建筑总量上限") is not None:
            caps = _caps_from_table(header, rows[1:])
    if not parcels:
        raise CompareError(f"{path.name}：没有找到地块控制指标表（表头含“地块编号”和“容积率上限”的表格），"
                           "无法比对；请提供控规地块图层或含该表的规划文本")
    return PlanSnapshot(parcels=parcels, source=str(path), source_kind="table", unit_caps=caps)


def table_parcels(rows: list[list[str]]) -> list[PlanParcel]:
    """Parcels from a parcel table given as rows (first row the header).

    Examples
    --------
    >>> rows = [["地块编号", "单元", "用地代码", "用地面积(公顷)", "容积率上限", "绿地率(%)"],
    ...         ["A-01", "A", "70102", "1.5", "2.8", "—"]]
    >>> p = table_parcels(rows)[0]
    >>> p.parcel_id, p.unit_id, p.land_use, p.area_m2, p.far_max, p.green_min
    ('A-01', 'A', '070102', 15000.0, 2.8, None)
    """
    return _parcels_from_table(rows[0], rows[1:])


def _parcels_from_table(header: list[str], rows: list[list[str]]) -> list[PlanParcel]:
    c = {name: _col(header, name) for name in ("地块编号", "单元", "用地代码", "用地性质", "用地面积", "容积率上限",
                                              "容积率下限", "建筑密度", "建筑限高", "绿地率")}
    area_col = c["用地面积"]
    area_scale = 1.0
    if area_col is not None and re.search(r"公顷|ha", header[area_col], re.IGNORECASE):
        area_scale = 10_000.0
    out = []
    for row in rows:
        def cell(name: str, row: list[str] = row) -> str | None:
            i = c[name]
            if i is None or i >= len(row):
                return None
            value = row[i].strip()
            return None if value in _EMPTY else value

        pid = cell("地块编号")
        if pid is None or pid in ("合计", "总计"):
            continue
        area = _parse_number(cell("用地面积"))
        out.append(PlanParcel(
            parcel_id=pid, unit_id=cell("单元"), land_use=normalise_code(cell("用地代码")),
            land_use_name=cell("用地性质"), far_max=_parse_number(cell("容积率上限")),
            far_min=_parse_number(cell("容积率下限")), density_max=_parse_number(cell("建筑密度")),
            height_max=_parse_number(cell("建筑限高")), green_min=_parse_number(cell("绿地率")),
            area_m2=None if area is None else area * area_scale))
    return out


def _caps_from_table(header: list[str], rows: list[list[str]]) -> dict[str, float | None]:
    iu, ic = _col(header, "单元编号"), _col(header, "建筑总量上限")
    out: dict[str, float | None] = {}
    for row in rows:
        if iu is None or ic is None or max(iu, ic) >= len(row) or not row[iu].strip():
            continue
        uid = row[iu].strip()
        if uid in ("合计", "总计"):
            continue
        out[uid] = _parse_number(row[ic])
    return out


def _col(header: list[str], name: str) -> int | None:
    """Index of the first column whose header starts with ``name`` (``单元`` matches ``单元`` and ``单元编号``)."""
    for i, h in enumerate(header):
        if h.strip().startswith(name):
            return i
    return None


def _parse_number(text: str | None) -> float | None:
    if text is None:
        return None
    m = _NUMBER.search(text.replace(",", "").replace("，", ""))
    return float(m.group()) if m else None


def _num(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return _parse_number(str(value))


def _text(value: object) -> str | None:
    return None if value is None else str(value)
