"""数据质检: quality control of the loaded layers of the one map.

:func:`run_qc` asks a backend for every layer kind (``backend.load(kind)``, the
full :class:`~spatial.layers.Layer` or None) and runs pure, in-memory checks on
what it gets, so it works the same on any backend. Each finding is a
:class:`QCIssue` with a stable ``check`` name:

``invalid_geometry`` (error)
    Features whose geometry was invalid in the source; they were repaired with
    ``make_valid`` for computation, the source should be fixed.
``farmland_redline_overlap`` (error / warning)
    永久基本农田 overlapping 生态保护红线 (厅字〔2019〕48号: the control lines
    must not cross or overlap). One issue per overlapping pair with the overlap
    area in m² (measured per :func:`spatial.crs.area_crs_for` of the overlap
    piece); pairs overlapping by no more than ``sliver_tolerance_m2`` are
    warnings (digitising slivers), larger overlaps errors. STRtree-based.
``urban_use_outside_boundary`` (error)
    控规地块 whose land use is urban construction land
    (:func:`spatial.landuse.is_urban_construction`, a configurable assumption)
    lying outside the union of the 城镇开发边界 by more than the tolerance.
    Skipped, with a note in :attr:`QCReport.notes`, when either layer is absent.
``missing_attribute`` (error / warning)
    Required attributes (:attr:`LayerKind.required`) that are null or empty are
    errors; null parcel limits (density_max, height_max, green_min) and a null
    unit gfa_cap_m2 are warnings. A null far_max on a parcel whose land use
    normally has no FAR limit (交通运输 12, 绿地与开敞空间 14, 留白 16, and
    non-construction land) is a warning too ("not applicable"). One issue per
    feature and severity, naming every missing attribute.
``out_of_range`` (error)
    far_max outside (0, 30], far_min < 0 or > far_max, density_max or green_min
    outside [0, 100] (%), height_max outside (0, 1000] m, gfa_cap_m2 ≤ 0, a
    ``core`` that is not a boolean, or a non-numeric value where a number is
    required (numeric text such as ``"2.5"`` is accepted). One issue per
    feature.
``duplicate_id`` (error)
    A parcel_id (控规地块) or unit_id (规划管理单元) used by more than one feature.
``unknown_unit`` (error)
    Parcels whose unit_id is not a unit of the management-unit layer (only when
    that layer is loaded); one issue per unknown unit_id.
``land_use_code`` (error / warning)
    A parcel land_use that is not a class of the 2023 用地用海分类 is an
    error; a code/name pair that follows the 2020 试行 classification
    (:func:`spatial.landuse.trial_version_issue`, e.g. 0204 其他园地) is a
    warning naming the 2023 code.

Messages are one line, in Chinese, naming the feature ids. ``passed`` is True
when there is no error (warnings do not fail QC).

Examples
--------
Any object with ``load(kind)`` is a backend here:

>>> from shapely.geometry import box
>>> from spatial.layers import layer_from_geometries
>>> class Layers(dict):
...     def load(self, kind):
...         return self.get(kind)
>>> pbf = layer_from_geometries(LayerKind.PERMANENT_BASIC_FARMLAND,
...                             [box(116.10, 23.70, 116.11, 23.71)], [{"pbf_id": "PBF-1"}])
>>> ecr = layer_from_geometries(LayerKind.ECOLOGICAL_PROTECTION_REDLINE,
...                             [box(116.105, 23.70, 116.12, 23.71)], [{"ecr_id": "ECR-1", "core": False}])
>>> report = run_qc(Layers({pbf.kind: pbf, ecr.kind: ecr}))
>>> report.passed
False
>>> [(i.check, i.severity, i.feature_ids) for i in report.issues]
[('farmland_redline_overlap', 'error', ('PBF-1', 'ECR-1'))]
>>> round(report.issues[0].area_m2 / 10_000, 1)  # hectares
56.5
>>> report.counts["farmland_redline_overlap"], report.counts["invalid_geometry"]
(1, 0)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import shapely

from spatial import crs as crs_mod
from spatial import landuse
from spatial.kinds import LayerKind
from spatial.layers import Layer

__all__ = [
    "CHECKS",
    "QCIssue",
    "QCReport",
    "run_qc",
]

Severity = Literal["error", "warning"]

INVALID_GEOMETRY = "invalid_geometry"
FARMLAND_REDLINE_OVERLAP = "farmland_redline_overlap"
URBAN_USE_OUTSIDE_BOUNDARY = "urban_use_outside_boundary"
MISSING_ATTRIBUTE = "missing_attribute"
OUT_OF_RANGE = "out_of_range"
DUPLICATE_ID = "duplicate_id"
UNKNOWN_UNIT = "unknown_unit"
LAND_USE_CODE = "land_use_code"

CHECKS: tuple[str, ...] = (
    INVALID_GEOMETRY,
    FARMLAND_REDLINE_OVERLAP,
    URBAN_USE_OUTSIDE_BOUNDARY,
    MISSING_ATTRIBUTE,
    OUT_OF_RANGE,
    DUPLICATE_ID,
    UNKNOWN_UNIT,
    LAND_USE_CODE,
)

# Overlap pieces below this area (m²) are floating-point noise of shared edges, not overlaps.
NOISE_M2 = 1e-6

# Parcel limits that may be left empty (warning), and the unit cap.
PARCEL_LIMITS = ("density_max", "height_max", "green_min")
UNIT_CAP = "gfa_cap_m2"
# Land uses where a parcel commonly carries no FAR limit, so a null far_max is a warning
# ("not applicable") rather than an error: 交通运输 (roads, surface parking…), 绿地与开敞空间,
# 留白 (intensity decided later). Non-construction land is treated the same way.
FAR_OPTIONAL_PREFIXES = ("12", "14", "16")

# (attribute, lower, lower_inclusive, upper, upper_inclusive, unit) for the plain range checks.
_RANGES: dict[LayerKind, tuple[tuple[str, float, bool, float, bool, str], ...]] = {
    LayerKind.REGULATORY_PARCELS: (
        ("far_max", 0.0, False, 30.0, True, ""),
        ("density_max", 0.0, True, 100.0, True, "%"),
        ("green_min", 0.0, True, 100.0, True, "%"),
        ("height_max", 0.0, False, 1000.0, True, " m"),
    ),
    LayerKind.MANAGEMENT_UNITS: (
        (UNIT_CAP, 0.0, False, math.inf, True, " m²"),
    ),
}


class _Loads(Protocol):
    def load(self, kind: LayerKind) -> Layer | None: ...


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QCIssue:
    """One finding of one check.

    Attributes
    ----------
    check : str
        One of :data:`CHECKS`.
    severity : {"error", "warning"}
    kind : LayerKind
        The layer the features belong to (the farmland layer for overlaps, the
        parcels for urban use outside the boundary).
    feature_ids : tuple of str
        The features concerned (for an overlap: the farmland id, then the redline id).
    message : str
        One line, naming the features.
    area_m2 : float or None
        The area concerned (overlap, outside part), when the check measures one.
    """

    check: str
    severity: Severity
    kind: LayerKind
    feature_ids: tuple[str, ...]
    message: str
    area_m2: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "severity": self.severity, "kind": self.kind.value,
                "feature_ids": list(self.feature_ids), "message": self.message,
                "area_m2": None if self.area_m2 is None else round(self.area_m2, 2)}


@dataclass
class QCReport:
    """All findings of :func:`run_qc`.

    Attributes
    ----------
    issues : list of QCIssue
        In :data:`CHECKS` order, then feature order.
    layers : dict
        Layer kinds checked and their feature counts (kinds not loaded are absent).
    notes : list of str
        Info-level remarks, e.g. a check skipped because a layer is missing. Not issues.
    sliver_tolerance_m2 : float
        The tolerance the run used.
    """

    issues: list[QCIssue] = field(default_factory=list)
    layers: dict[LayerKind, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sliver_tolerance_m2: float = 1.0

    @property
    def counts(self) -> dict[str, int]:
        """Number of issues per check, every check listed (0 when clean)."""
        out = dict.fromkeys(CHECKS, 0)
        for issue in self.issues:
            out[issue.check] = out.get(issue.check, 0) + 1
        return out

    @property
    def errors(self) -> list[QCIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[QCIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def passed(self) -> bool:
        """True when no issue is an error."""
        return not self.errors

    def by_check(self, check: str) -> list[QCIssue]:
        return [i for i in self.issues if i.check == check]

    def to_json(self) -> dict[str, Any]:
        severity_counts: dict[str, dict[str, int]] = {c: {"error": 0, "warning": 0} for c in CHECKS}
        for issue in self.issues:
            severity_counts[issue.check][issue.severity] += 1
        return {
            "passed": self.passed,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "sliver_tolerance_m2": self.sliver_tolerance_m2,
            "layers": [{"kind": k.value, "label": k.label, "features": n} for k, n in self.layers.items()],
            "counts": self.counts,
            "severity_counts": severity_counts,
            "notes": list(self.notes),
            "issues": [i.to_json() for i in self.issues],
        }


# --------------------------------------------------------------------------- entry point


def run_qc(backend: _Loads, *, sliver_tolerance_m2: float = 1.0) -> QCReport:
    """Quality-check every loaded layer of ``backend``.

    Parameters
    ----------
    backend
        Anything with ``load(kind) -> Layer | None`` (a :class:`spatial.backend.LayerBackend`).
    sliver_tolerance_m2
        Overlaps / outside parts up to this area (m²) are treated as digitising slivers:
        a farmland–redline overlap that small is a warning, an urban parcel sticking out
        of the development boundary by no more than this is not reported.

    Returns
    -------
    QCReport
    """
    if not sliver_tolerance_m2 >= 0:
        raise ValueError(f"sliver_tolerance_m2 must be ≥ 0, got {sliver_tolerance_m2!r}")
    loaded: dict[LayerKind, Layer] = {}
    for kind in LayerKind:
        layer = backend.load(kind)
        if layer is not None:
            loaded[kind] = layer
    report = QCReport(layers={k: len(v) for k, v in loaded.items()}, sliver_tolerance_m2=float(sliver_tolerance_m2))
    if not loaded:
        report.notes.append("没有已导入的图层，未做质检 (no layers loaded)")
        return report
    tol = float(sliver_tolerance_m2)
    pbf = loaded.get(LayerKind.PERMANENT_BASIC_FARMLAND)
    ecr = loaded.get(LayerKind.ECOLOGICAL_PROTECTION_REDLINE)
    udb = loaded.get(LayerKind.URBAN_DEVELOPMENT_BOUNDARY)
    parcels = loaded.get(LayerKind.REGULATORY_PARCELS)
    units = loaded.get(LayerKind.MANAGEMENT_UNITS)

    issues = report.issues
    for layer in loaded.values():
        issues.extend(_invalid_geometry(layer))
    if pbf is not None and ecr is not None:
        issues.extend(_farmland_redline_overlap(pbf, ecr, tol))
    else:
        report.notes.append(_skipped(FARMLAND_REDLINE_OVERLAP, pbf, ecr, LayerKind.PERMANENT_BASIC_FARMLAND,
                                     LayerKind.ECOLOGICAL_PROTECTION_REDLINE))
    if parcels is not None and udb is not None:
        issues.extend(_urban_use_outside_boundary(parcels, udb, tol))
    else:
        report.notes.append(_skipped(URBAN_USE_OUTSIDE_BOUNDARY, parcels, udb, LayerKind.REGULATORY_PARCELS,
                                     LayerKind.URBAN_DEVELOPMENT_BOUNDARY))
    for layer in loaded.values():
        issues.extend(_missing_attribute(layer))
    for layer in loaded.values():
        issues.extend(_out_of_range(layer))
    for layer in (parcels, units):
        if layer is not None:
            issues.extend(_duplicate_id(layer))
    if parcels is not None and units is not None:
        issues.extend(_unknown_unit(parcels, units))
    elif parcels is not None:
        report.notes.append(f"{UNKNOWN_UNIT}: 未导入{LayerKind.MANAGEMENT_UNITS.label}图层，"
                            "未核对地块的 unit_id (skipped: no management_units layer)")
    if parcels is not None:
        issues.extend(_land_use_code(parcels))
    return report


def _skipped(check: str, a: Layer | None, b: Layer | None, kind_a: LayerKind, kind_b: LayerKind) -> str:
    missing = [k for k, layer in ((kind_a, a), (kind_b, b)) if layer is None]
    labels = "、".join(k.label for k in missing)
    names = ", ".join(k.value for k in missing)
    return f"{check}: 未导入{labels}图层，跳过此项检查 (skipped: no {names} layer)"


# --------------------------------------------------------------------------- geometry checks


def _invalid_geometry(layer: Layer) -> Iterable[QCIssue]:
    for i, reason in enumerate(layer.invalid):
        if not reason:
            continue
        fid = layer.fids[i]
        after = "修复后几何为空、面积为 0" if layer.geoms[i].is_empty else f"修复后面积 {_fmt_m2(layer.areas[i])}"
        yield QCIssue(INVALID_GEOMETRY, "error", layer.kind, (fid,),
                      f"{layer.kind.label} {fid}: 几何无效（{reason}），已用 make_valid 修复后参与计算"
                      f"（{after}）；请在源数据中修正 (invalid geometry, repaired with make_valid for computation)")


def _farmland_redline_overlap(pbf: Layer, ecr: Layer, tol: float) -> Iterable[QCIssue]:
    if len(pbf) == 0 or len(ecr) == 0:
        return []
    tree = shapely.STRtree(ecr.geoms)
    left, right = tree.query(pbf.geoms, predicate="intersects")
    if len(left) == 0:
        return []
    order = np.lexsort((right, left))
    left, right = left[order], right[order]
    pieces = shapely.intersection(pbf.geoms[left], ecr.geoms[right])
    # Touching features give lines/points (area 0 in degrees); only measure real overlaps.
    keep = shapely.area(pieces) > 0
    left, right, pieces = left[keep], right[keep], pieces[keep]
    areas = _areas_m2(pieces)
    out = []
    for i, j, area in zip(left.tolist(), right.tolist(), areas.tolist(), strict=True):
        if area <= NOISE_M2:
            continue
        a, b = pbf.fids[i], ecr.fids[j]
        if area > tol:
            out.append(QCIssue(FARMLAND_REDLINE_OVERLAP, "error", pbf.kind, (a, b),
                               f"永久基本农田 {a} 与生态保护红线 {b} 重叠 {_fmt_m2(area)}；"
                               "两线应不交叉、不重叠、不冲突（厅字〔2019〕48号），请核实并调整划定",
                               float(area)))
        else:
            out.append(QCIssue(FARMLAND_REDLINE_OVERLAP, "warning", pbf.kind, (a, b),
                               f"永久基本农田 {a} 与生态保护红线 {b} 重叠 {_fmt_m2(area)}，"
                               f"不超过容差 {_fmt_m2(tol)}，疑为边界拼接碎片 (sliver)，建议核对",
                               float(area)))
    return out


def _urban_use_outside_boundary(parcels: Layer, udb: Layer, tol: float) -> Iterable[QCIssue]:
    urban = [i for i, a in enumerate(parcels.attrs) if _is_urban(a.get("land_use"))]
    if not urban:
        return []
    idx = np.asarray(urban, dtype=np.intp)
    geoms = parcels.geoms[idx]
    outside = np.empty(len(idx), dtype=object)
    if len(udb):
        tree = shapely.STRtree(udb.geoms)
        left, right = tree.query(geoms, predicate="intersects")
        covered = np.zeros(len(idx), dtype=bool)
        c_left, _ = tree.query(geoms, predicate="covered_by")
        covered[c_left] = True
        neighbours: dict[int, list[int]] = defaultdict(list)
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            if not covered[a]:
                neighbours[a].append(b)
        for k in range(len(idx)):
            if covered[k]:
                outside[k] = None
            elif k in neighbours:
                outside[k] = shapely.difference(geoms[k], shapely.union_all(udb.geoms[neighbours[k]]))
            else:
                outside[k] = geoms[k]
    else:
        outside[:] = list(geoms)
    out = []
    measure = [k for k in range(len(idx)) if outside[k] is not None and shapely.area(outside[k]) > 0]
    areas = _areas_m2(np.asarray([outside[k] for k in measure], dtype=object)) if measure else np.array([])
    for k, area in zip(measure, areas.tolist(), strict=True):
        if area <= tol:
            continue
        i = int(idx[k])
        fid = parcels.fids[i]
        code = parcels.attrs[i].get("land_use")
        total = float(parcels.areas[i])
        share = f"，占地块面积 {area / total:.1%}" if total > 0 else ""
        out.append(QCIssue(URBAN_USE_OUTSIDE_BOUNDARY, "error", parcels.kind, (fid,),
                           f"控规地块 {fid}（{_code_label(code)}，城镇建设用地）有 {_fmt_m2(area)} 位于城镇开发边界外"
                           f"{share}；开发边界外不得规划城镇集中建设",
                           float(area)))
    return out


def _is_urban(code: Any) -> bool:
    if code is None or not isinstance(code, str) or not landuse.is_valid(code):
        return False
    return landuse.is_urban_construction(code)


# --------------------------------------------------------------------------- attribute checks


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _far_optional(code: Any) -> bool:
    """Whether a null far_max is normal for this land use (roads, green space, non-construction land…)."""
    if not isinstance(code, str) or not landuse.is_valid(code):
        return False
    return code.startswith(FAR_OPTIONAL_PREFIXES) or not landuse.is_construction(code)


def _missing_attribute(layer: Layer) -> Iterable[QCIssue]:
    kind = layer.kind
    required = kind.required
    warn_attrs: tuple[str, ...] = ()
    if kind is LayerKind.REGULATORY_PARCELS:
        warn_attrs = PARCEL_LIMITS
    elif kind is LayerKind.MANAGEMENT_UNITS:
        warn_attrs = (UNIT_CAP,)
    out = []
    for i, attrs in enumerate(layer.attrs):
        fid = layer.fids[i]
        errors = [a for a in required if _empty(attrs.get(a))]
        warnings = [a for a in warn_attrs if _empty(attrs.get(a))]
        note = ""
        if kind is LayerKind.REGULATORY_PARCELS and "far_max" in errors and _far_optional(attrs.get("land_use")):
            errors.remove("far_max")
            warnings.insert(0, "far_max")
            note = f"；{_code_label(attrs.get('land_use'))} 通常不设容积率上限，far_max 按不适用处理"
        if errors:
            out.append(QCIssue(MISSING_ATTRIBUTE, "error", kind, (fid,),
                               f"{kind.label} {fid}: 必填属性为空 {', '.join(errors)} (required attribute missing)"))
        if warnings:
            out.append(QCIssue(MISSING_ATTRIBUTE, "warning", kind, (fid,),
                               f"{kind.label} {fid}: 控制指标为空 {', '.join(warnings)}{note} "
                               "(limit attribute not set)"))
    return out


def _number(value: Any) -> float | None:
    """A finite float from a number or numeric text; None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
    elif isinstance(value, str):
        try:
            v = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return v if math.isfinite(v) else None


def _interval(lo: float, lo_incl: bool, hi: float, hi_incl: bool) -> str:
    left = "[" if lo_incl else "("
    right = "]" if hi_incl else ")"
    return f"{left}{lo:g}, {'∞' if math.isinf(hi) else f'{hi:g}'}{right}"


def _out_of_range(layer: Layer) -> Iterable[QCIssue]:
    kind = layer.kind
    ranges = _RANGES.get(kind, ())
    has_core = kind is LayerKind.ECOLOGICAL_PROTECTION_REDLINE
    if not ranges and not has_core:
        return []
    out = []
    for i, attrs in enumerate(layer.attrs):
        problems: list[str] = []
        values: dict[str, float] = {}
        for name, lo, lo_incl, hi, hi_incl, unit in ranges:
            raw = attrs.get(name)
            if _empty(raw):
                continue  # missing_attribute reports it
            v = _number(raw)
            if v is None:
                problems.append(f"{name}={raw!r} 不是数值 (not a number)")
                continue
            values[name] = v
            below = v < lo or (v == lo and not lo_incl)
            above = v > hi or (v == hi and not hi_incl)
            if below or above:
                problems.append(f"{name}={v:g}{unit} 超出 {_interval(lo, lo_incl, hi, hi_incl)}")
        if kind is LayerKind.REGULATORY_PARCELS and not _empty(attrs.get("far_min")):
            raw = attrs.get("far_min")
            v = _number(raw)
            if v is None:
                problems.append(f"far_min={raw!r} 不是数值 (not a number)")
            elif v < 0:
                problems.append(f"far_min={v:g} 小于 0")
            elif "far_max" in values and v > values["far_max"]:
                problems.append(f"far_min={v:g} 大于 far_max={values['far_max']:g}")
        if has_core:
            core = attrs.get("core")
            if core is not None and not isinstance(core, bool | np.bool_):
                problems.append(f"core={core!r} 不是布尔值（应为 true/false 或 1/0）")
        if problems:
            fid = layer.fids[i]
            out.append(QCIssue(OUT_OF_RANGE, "error", kind, (fid,),
                               f"{kind.label} {fid}: {'；'.join(problems)} (value out of range)"))
    return out


def _id_key(value: Any) -> str | None:
    if _empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _duplicate_id(layer: Layer) -> Iterable[QCIssue]:
    field_name = "parcel_id" if layer.kind is LayerKind.REGULATORY_PARCELS else "unit_id"
    seen: dict[str, list[int]] = defaultdict(list)
    for i, attrs in enumerate(layer.attrs):
        key = _id_key(attrs.get(field_name))
        if key is not None:
            seen[key].append(i)
    out = []
    for key, rows in seen.items():
        if len(rows) < 2:
            continue
        fids = tuple(dict.fromkeys(layer.fids[i] for i in rows))
        positions = "、".join(f"#{i + 1}" for i in rows)
        out.append(QCIssue(DUPLICATE_ID, "error", layer.kind, fids,
                           f"{layer.kind.label} {field_name} {key} 重复 {len(rows)} 次（第 {positions} 个要素）；"
                           "编号应唯一 (duplicate id)"))
    return out


def _unknown_unit(parcels: Layer, units: Layer) -> Iterable[QCIssue]:
    known = {k for k in (_id_key(a.get("unit_id")) for a in units.attrs) if k is not None}
    unknown: dict[str, list[str]] = defaultdict(list)
    for i, attrs in enumerate(parcels.attrs):
        key = _id_key(attrs.get("unit_id"))
        if key is not None and key not in known:
            unknown[key].append(parcels.fids[i])
    out = []
    for key, fids in unknown.items():
        out.append(QCIssue(UNKNOWN_UNIT, "error", parcels.kind, tuple(fids),
                           f"控规地块 {', '.join(fids)} 的 unit_id {key} 不在规划管理单元图层中 (unknown unit)"))
    return out


def _code_label(code: Any) -> str:
    found = landuse.find(code) if isinstance(code, str) else None
    return f"{code} {found.name}" if found else str(code)


def _land_use_code(parcels: Layer) -> Iterable[QCIssue]:
    out = []
    for i, attrs in enumerate(parcels.attrs):
        code = attrs.get("land_use")
        if _empty(code):
            continue  # missing_attribute reports it
        code = str(code).strip()
        fid = parcels.fids[i]
        name = attrs.get("land_use_name")
        name = None if _empty(name) else str(name)
        trial = landuse.trial_version_issue(code, name)
        if not landuse.is_valid(code):
            hint = f"；{trial}" if trial else "；用地用海代码为 2、4 或 6 位数字，如 0701、070102"
            out.append(QCIssue(LAND_USE_CODE, "error", parcels.kind, (fid,),
                               f"控规地块 {fid}: land_use {code!r} 不是用地用海分类（2023）代码{hint}"))
        elif trial:
            out.append(QCIssue(LAND_USE_CODE, "warning", parcels.kind, (fid,),
                               f"控规地块 {fid}: 用地分类版本不一致（按 2020 试行版填写）：{trial}"))
    return out


def _areas_m2(pieces: np.ndarray) -> np.ndarray:
    """Area in m² of each non-empty lon/lat piece, in :func:`spatial.crs.area_crs_for` of that piece.

    Same result as ``crs.area_m2(piece)`` one by one, but with one PROJ call per
    Gauss-Kruger zone (bounds computed in bulk); only pieces wider than
    :data:`spatial.crs.MAX_GK_SPAN_DEG` (Albers, fitted per piece) go one by one.
    """
    out = np.zeros(len(pieces))
    if len(pieces) == 0:
        return out
    bounds = shapely.bounds(pieces)
    narrow = (bounds[:, 2] - bounds[:, 0]) <= crs_mod.MAX_GK_SPAN_DEG
    centres = (bounds[:, 0] + bounds[:, 2]) / 2
    zones = np.array([crs_mod.gk_epsg_for_lon(c) if ok else 0 for c, ok in zip(centres.tolist(), narrow.tolist(),
                                                                                 strict=True)])
    source = f"EPSG:{crs_mod.STORAGE_EPSG}"
    for epsg in np.unique(zones[narrow]).tolist():
        idx = np.flatnonzero(zones == epsg)
        out[idx] = shapely.area(crs_mod.transform_many(pieces[idx], source, f"EPSG:{epsg}"))
    for i in np.flatnonzero(~narrow).tolist():
        out[i] = crs_mod.area_m2(pieces[i])
    return out


def _fmt_m2(area: float) -> str:
    if area >= 10_000:
        return f"{area:,.1f} m²（{area / 10_000:.2f} 公顷）"
    if area >= 1:
        return f"{area:,.1f} m²"
    return f"{area:.3g} m²"
