"""Pure functions that compare two versions of a regulatory plan.

Parcels are matched by ``parcel_id``. A matched parcel is re-bounded when its area
change or the symmetric difference of its two boundaries, measured in the CGCS2000
Gauss-Kruger zone of the parcel (:func:`spatial.crs.area_crs_for`), is above the
geometry tolerance; a control is changed when it differs by more than the value
tolerance (numbers) or at all (codes, unit ids).

Each unit's balance is the one the check engine and the knowledge graph use:
Σ far_max × area over the unit's parcels (a parcel without far_max counts 0)
against the unit's ``gfa_cap_m2`` (a configurable local rule, DOMAIN.md §4 [U]).

Examples
--------
>>> from shapely.geometry import box
>>> old = [PlanParcel("A-01", "A", "070102", far_max=2.5, area_m2=10_000)]
>>> new = [PlanParcel("A-01", "A", "070102", far_max=2.8, area_m2=10_000)]
>>> [(c.parcel_id, [k.value for k in c.kinds]) for c in compare_parcels(old, new)]
[('A-01', ['far'])]
>>> b = unit_balances(old, new, {"A": 26_000})[0]
>>> b.before_m2, b.after_m2, b.status_after.value, b.pushed_over
(25000.0, 28000.0, 'over', True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import shapely
from shapely.geometry.base import BaseGeometry

from spatial import crs as crs_mod
from spatial.compare.errors import CompareError
from spatial.compare.models import (
    FIELDS,
    NUMERIC_FIELDS,
    AttributeChange,
    BalanceStatus,
    ChangeKind,
    CompareOptions,
    ControlLineHit,
    GeometryChange,
    ParcelChange,
    ParcelGfa,
    PlanComparison,
    PlanParcel,
    PlanSnapshot,
    UnitBalanceChange,
)
from spatial.kinds import LayerKind
from spatial.layers import Layer

CONTROL_LINES = (LayerKind.ECOLOGICAL_PROTECTION_REDLINE, LayerKind.PERMANENT_BASIC_FARMLAND,
                 LayerKind.URBAN_DEVELOPMENT_BOUNDARY)


# --------------------------------------------------------------------------- parcels


def index_parcels(parcels: Iterable[PlanParcel], what: str = "规划") -> dict[str, PlanParcel]:
    """Parcels by id; a duplicate id makes matching impossible and raises :class:`CompareError`."""
    out: dict[str, PlanParcel] = {}
    dupes: list[str] = []
    for p in parcels:
        if p.parcel_id in out:
            dupes.append(p.parcel_id)
        out[p.parcel_id] = p
    if dupes:
        raise CompareError(f"{what}中地块编号重复（{'、'.join(sorted(set(dupes)))}），无法按编号比对；"
                           "请先修正地块编号（onemap layers qc 可查重复编号）")
    return out


def compare_parcels(old: Sequence[PlanParcel], new: Sequence[PlanParcel],
                    options: CompareOptions | None = None) -> list[ParcelChange]:
    """Every parcel added, removed or changed between ``old`` and ``new``, sorted by id."""
    opts = options or CompareOptions()
    before, after = index_parcels(old, "原方案"), index_parcels(new, "新方案")
    out: list[ParcelChange] = []
    for pid in sorted(set(before) | set(after)):
        o, n = before.get(pid), after.get(pid)
        if o is None and n is not None:
            out.append(_whole(n, ChangeKind.ADDED))
        elif n is None and o is not None:
            out.append(_whole(o, ChangeKind.REMOVED))
        elif o is not None and n is not None:
            change = compare_parcel(o, n, opts)
            if change is not None:
                out.append(change)
    return out


def compare_parcel(old: PlanParcel, new: PlanParcel, options: CompareOptions | None = None) -> ParcelChange | None:
    """What changed between two versions of one parcel, or None when nothing did (within tolerance)."""
    opts = options or CompareOptions()
    attrs = [a for a in (_attribute(f, old.value(f), new.value(f), opts.value_tolerance) for f in FIELDS) if a]
    kinds = [FIELDS[a.field][0] for a in attrs]
    geom = geometry_change(old, new, opts.geometry_tolerance_m2)
    if geom is not None:
        kinds.insert(0, ChangeKind.GEOMETRY)
    if not kinds:
        return None
    kinds = sorted(set(kinds), key=list(ChangeKind).index)
    change = ParcelChange(parcel_id=new.parcel_id, unit_id=new.unit_id or old.unit_id, kinds=kinds,
                          land_use_old=old.land_use, land_use_new=new.land_use, attributes=attrs, geometry=geom,
                          planned_gfa_old_m2=round(old.planned_gfa_m2, 1),
                          planned_gfa_new_m2=round(new.planned_gfa_m2, 1))
    change.message = describe(change)
    return change


def geometry_change(old: PlanParcel, new: PlanParcel, tolerance_m2: float) -> GeometryChange | None:
    """The boundary change of a parcel, or None when the area change and the symmetric difference
    are both at most ``tolerance_m2`` (or nothing can be measured)."""
    da = None if old.area_m2 is None or new.area_m2 is None else new.area_m2 - old.area_m2
    sym = None
    if old.geometry is not None and new.geometry is not None:
        sym = symmetric_difference_m2(old.geometry, new.geometry)
    if not ((da is not None and abs(da) > tolerance_m2) or (sym is not None and sym > tolerance_m2)):
        return None
    return GeometryChange(old_area_m2=_r(old.area_m2), new_area_m2=_r(new.area_m2), area_change_m2=_r(da),
                          symmetric_difference_m2=_r(sym))


def symmetric_difference_m2(a: BaseGeometry, b: BaseGeometry) -> float:
    """Area in m² of the symmetric difference of two lon/lat geometries, measured in the
    Gauss-Kruger zone (or Albers projection) :func:`spatial.crs.area_crs_for` picks for both.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> round(symmetric_difference_m2(box(116.18, 23.76, 116.19, 23.77), box(116.18, 23.76, 116.19, 23.77)), 6)
    0.0
    """
    target = crs_mod.area_crs_for(shapely.box(*shapely.total_bounds([a, b])))
    src = f"EPSG:{crs_mod.STORAGE_EPSG}"
    pa, pb = crs_mod.transform(a, src, target), crs_mod.transform(b, src, target)
    return float(shapely.symmetric_difference(pa, pb).area)


def _whole(p: PlanParcel, kind: ChangeKind) -> ParcelChange:
    added = kind is ChangeKind.ADDED
    gfa = round(p.planned_gfa_m2, 1)
    change = ParcelChange(parcel_id=p.parcel_id, unit_id=p.unit_id, kinds=[kind],
                          land_use_old=None if added else p.land_use, land_use_new=p.land_use if added else None,
                          geometry=GeometryChange(old_area_m2=None if added else _r(p.area_m2),
                                                  new_area_m2=_r(p.area_m2) if added else None,
                                                  area_change_m2=None, symmetric_difference_m2=None),
                          planned_gfa_old_m2=0.0 if added else gfa, planned_gfa_new_m2=gfa if added else 0.0)
    change.message = describe(change)
    return change


def _attribute(name: str, old: object, new: object, tol: float) -> AttributeChange | None:
    label = FIELDS[name][1]
    if old is None and new is None:
        return None
    if old is None:
        return AttributeChange(field=name, label=label, old=None, new=_plain(new), direction="set")
    if new is None:
        return AttributeChange(field=name, label=label, old=_plain(old), new=None, direction="cleared")
    if name in NUMERIC_FIELDS and _is_num(old) and _is_num(new):
        d = float(new) - float(old)  # type: ignore[arg-type]
        if abs(d) <= tol:
            return None
        return AttributeChange(field=name, label=label, old=_plain(old), new=_plain(new),
                               direction="raised" if d > 0 else "lowered")
    if str(old) == str(new):
        return None
    return AttributeChange(field=name, label=label, old=_plain(old), new=_plain(new), direction="changed")


# --------------------------------------------------------------------------- units


def unit_balances(old: Sequence[PlanParcel], new: Sequence[PlanParcel], caps: Mapping[str, float | None],
                  changed: Iterable[str] | None = None) -> list[UnitBalanceChange]:
    """Each unit's planned GFA (Σ far_max × area) before and after, against its cap.

    Units are those of ``caps`` and those any parcel names; a unit without a cap is ``unknown``.
    ``changed_parcels`` lists the parcels of ``changed`` whose planned GFA moved (default: any
    parcel whose planned GFA differs by more than 0.05 m²).
    """
    listed = None if changed is None else set(changed)
    before, after = _by_unit(old), _by_unit(new)
    out = []
    for uid in sorted(set(caps) | set(before) | set(after)):
        b, a = before.get(uid, {}), after.get(uid, {})
        cap = caps.get(uid)
        tb, ta = sum(b.values()), sum(a.values())
        changed = [ParcelGfa(parcel_id=pid, before_m2=round(b.get(pid, 0.0), 1), after_m2=round(a.get(pid, 0.0), 1))
                   for pid in sorted(set(b) | set(a)) if abs(b.get(pid, 0.0) - a.get(pid, 0.0)) > 0.05
                   and (listed is None or pid in listed)]
        sb, sa = _status(tb, cap), _status(ta, cap)
        u = UnitBalanceChange(unit_id=uid, cap_m2=cap, before_m2=round(tb, 1), after_m2=round(ta, 1),
                              change_m2=round(ta - tb, 1), status_before=sb, status_after=sa,
                              pushed_over=sb is BalanceStatus.WITHIN and sa is BalanceStatus.OVER,
                              changed_parcels=changed)
        u.message = describe_unit(u)
        out.append(u)
    return out


def caps_from_layer(layer: Layer | None) -> dict[str, float | None]:
    """``gfa_cap_m2`` of each management unit (None where the layer gives no number)."""
    if layer is None:
        return {}
    out: dict[str, float | None] = {}
    for f in layer:
        cap = f.attrs.get("gfa_cap_m2")
        out[f.fid] = float(cap) if _is_num(cap) else None
    return out


def _by_unit(parcels: Sequence[PlanParcel]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for p in parcels:
        if p.unit_id:
            out.setdefault(p.unit_id, {})[p.parcel_id] = p.planned_gfa_m2
    return out


def _status(total: float, cap: float | None) -> BalanceStatus:
    if cap is None:
        return BalanceStatus.UNKNOWN
    return BalanceStatus.OVER if total > cap else BalanceStatus.WITHIN


# --------------------------------------------------------------------------- control lines


def control_line_hits(changes: Sequence[ParcelChange], old: Mapping[str, PlanParcel], new: Mapping[str, PlanParcel],
                      lines: Mapping[LayerKind, Layer | None], options: CompareOptions | None = None,
                      is_urban: Callable[[str], bool] | None = None) -> list[ControlLineHit]:
    """Added and changed parcels whose new boundary meets a control line.

    ``lines`` maps each control-line kind to its layer (a kind missing or None is not checked).
    Reported: overlaps with the red line or farmland, and parts outside the development
    boundary, above the sliver tolerance. ``status`` says whether the old boundary already met
    the line (``existing``), met it less (``enlarged``) or not at all (``new``).
    """
    opts = options or CompareOptions()
    tol = opts.sliver_tolerance_m2
    out: list[ControlLineHit] = []
    for change in changes:
        if ChangeKind.REMOVED in change.kinds:
            continue
        n = new.get(change.parcel_id)
        if n is None or n.geometry is None:
            continue
        o = old.get(change.parcel_id)
        og = o.geometry if o is not None else None
        for kind in CONTROL_LINES:
            layer = lines.get(kind)
            if layer is None:
                continue
            area, ids, core = _measure(kind, layer, n.geometry)
            if area <= tol:
                continue
            before = _measure(kind, layer, og)[0] if og is not None else None
            status = ("new" if before is None or before <= tol else "enlarged" if area > before + tol else "existing")
            urban = is_urban(n.land_use) if (is_urban and n.land_use and kind is LayerKind.URBAN_DEVELOPMENT_BOUNDARY) \
                else None
            hit = ControlLineHit(parcel_id=change.parcel_id, line=kind.value, line_label=kind.label, feature_ids=ids,
                                 area_m2=round(area, 1), before_area_m2=_r(before), status=status, core=core,
                                 urban_use=urban)
            hit.message = describe_hit(hit, n.land_use)
            out.append(hit)
    return out


def _measure(kind: LayerKind, layer: Layer, geom: BaseGeometry) -> tuple[float, list[str], bool]:
    """Overlap area with ``layer`` (red line, farmland) or area outside it (development boundary),
    the features met and whether one of them is a core area."""
    target = crs_mod.area_crs_for(geom)
    src = f"EPSG:{crs_mod.STORAGE_EPSG}"
    g = crs_mod.transform(geom, src, target)
    hits = [i for i in range(len(layer)) if shapely.intersects(layer.geoms[i], geom)]
    parts = [(layer.fids[i], layer.attrs[i], crs_mod.transform(layer.geoms[i], src, target)) for i in hits]
    if kind is LayerKind.URBAN_DEVELOPMENT_BOUNDARY:
        inside = shapely.union_all([p for _, _, p in parts]) if parts else None
        outside = g.area if inside is None else shapely.difference(g, inside).area
        return float(outside), [fid for fid, _, _ in parts], False
    kept = [(fid, attrs, float(shapely.intersection(g, p).area)) for fid, attrs, p in parts]
    kept = [k for k in kept if k[2] > 0]
    if not kept:
        return 0.0, [], False
    covered = float(shapely.intersection(g, shapely.union_all([p for _, _, p in parts])).area)
    return covered, [fid for fid, _, _ in kept], any(a.get("core") is True for _, a, _ in kept)


# --------------------------------------------------------------------------- the whole comparison


def compare_plans(old: PlanSnapshot, new: PlanSnapshot, *, caps: Mapping[str, float | None] | None = None,
                  lines: Mapping[LayerKind, Layer | None] | None = None, options: CompareOptions | None = None,
                  is_urban: Callable[[str], bool] | None = None) -> PlanComparison:
    """Compare two plan versions: parcel changes, unit balances and control-line hits.

    ``caps`` are the units' floor-area caps (default: the caps the new, then the old, plan's own unit
    table gives); ``lines`` the control-line layers (kinds absent are reported as not checked).
    """
    opts = options or CompareOptions()
    changes = compare_parcels(old.parcels, new.parcels, opts)
    before, after = index_parcels(old.parcels, "原方案"), index_parcels(new.parcels, "新方案")
    notes: list[str] = []
    unit_caps = dict(caps) if caps else {**old.unit_caps, **new.unit_caps}
    if not unit_caps:
        notes.append("未提供规划管理单元建筑总量上限（management_units 图层或单元控制指标表），单元平衡只列变化、无法判定是否超限。")
    units = unit_balances(old.parcels, new.parcels, unit_caps, changed=[c.parcel_id for c in changes])
    lines = lines or {}
    missing = [k for k in CONTROL_LINES if lines.get(k) is None]
    hits: list[ControlLineHit] = []
    if not new.has_geometry:
        notes.append("新方案为指标表、没有地块边界：未核查变更与三条控制线的关系，边界调整仅按用地面积判断。")
    else:
        hits = control_line_hits(changes, before, after, lines, opts, is_urban)
        if missing:
            notes.append("未提供" + "、".join(f"{k.label}（{k.value}）" for k in missing)
                         + "图层，变更地块与其关系无法判定。")
    if not old.has_geometry or not new.has_geometry:
        notes.append("至少一个版本没有地块边界：边界调整按用地面积变化判断，无法计算图形差异。")
    unchanged = len(set(before) & set(after)) - sum(1 for c in changes if c.parcel_id in before and c.parcel_id in after)
    return PlanComparison(old_source=old.source, new_source=new.source, options=opts, old_parcels=len(before),
                          new_parcels=len(after), unchanged_parcels=unchanged, changes=changes, units=units,
                          control_lines=hits, notes=notes)


# --------------------------------------------------------------------------- messages


def fmt(value: object, unit: str = "", min_decimals: int = 0) -> str:
    """A number without trailing zeros (2.50 → 2.5, 30.0 → 30), or ``—`` for none.

    Examples
    --------
    >>> fmt(2.50), fmt(30.0, "%"), fmt(None), fmt("070102"), fmt(4.0, min_decimals=1)
    ('2.5', '30%', '—', '070102', '4.0')
    """
    if value is None:
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{float(value):.4f}".rstrip("0")
        decimals = len(text.split(".")[1])
        if decimals < min_decimals:
            text += "0" * (min_decimals - decimals)
        text = text.rstrip(".")
    else:
        text = str(value)
    return text + unit


def fmt_field(name: str, value: object) -> str:
    """A control's value with its unit (``30%``, ``100m``); FAR keeps one decimal (``4.0``)."""
    if value is None:
        return "—"
    return fmt(value, FIELDS[name][2], 1 if name.startswith("far") else 0)


def describe(c: ParcelChange) -> str:
    """One Chinese sentence for a parcel change."""
    if ChangeKind.ADDED in c.kinds:
        area = c.geometry.new_area_m2 if c.geometry else None
        return (f"新增地块{c.parcel_id}（单元{c.unit_id or '—'}，用地代码{c.land_use_new or '—'}，"
                f"用地面积{fmt(area)}平方米，规划建筑量{c.planned_gfa_new_m2:,.0f}平方米）")
    if ChangeKind.REMOVED in c.kinds:
        area = c.geometry.old_area_m2 if c.geometry else None
        return (f"删除地块{c.parcel_id}（单元{c.unit_id or '—'}，用地代码{c.land_use_old or '—'}，"
                f"用地面积{fmt(area)}平方米，规划建筑量{c.planned_gfa_old_m2:,.0f}平方米）")
    parts = []
    if c.geometry is not None:
        g = c.geometry
        text = f"边界调整：用地面积{fmt(g.old_area_m2)}→{fmt(g.new_area_m2)}平方米"
        if g.area_change_m2 is not None:
            text += f"（{g.area_change_m2:+,.1f}平方米）"
        if g.symmetric_difference_m2 is not None:
            text += f"，图形差异{g.symmetric_difference_m2:,.1f}平方米"
        parts.append(text)
    words = {"raised": "提高", "lowered": "降低", "set": "新设", "cleared": "取消", "changed": "变更"}
    for a in c.attributes:
        parts.append(f"{a.label}{fmt_field(a.field, a.old)}→{fmt_field(a.field, a.new)}（{words[a.direction]}）")
    return f"地块{c.parcel_id}：" + "；".join(parts)


def describe_unit(u: UnitBalanceChange) -> str:
    head = f"管理单元{u.unit_id}：规划建筑量{u.before_m2:,.0f}→{u.after_m2:,.0f}平方米（{u.change_m2:+,.0f}）"
    if u.cap_m2 is None:
        return head + "，未设定建筑总量上限，无法判定。"
    text = head + f"，建筑总量上限{u.cap_m2:,.0f}平方米"
    if u.pushed_over:
        return text + f"，调整后超出上限{u.after_m2 - u.cap_m2:,.0f}平方米（{(u.after_m2 - u.cap_m2) / u.cap_m2:.2%}），单元内无法平衡。"
    if u.status_after is BalanceStatus.OVER:
        return text + f"，调整前已超出上限，调整后超出{u.after_m2 - u.cap_m2:,.0f}平方米（{(u.after_m2 - u.cap_m2) / u.cap_m2:.2%}）。"
    if u.status_before is BalanceStatus.OVER:
        return text + "，调整前超出上限，调整后回到上限以内。"
    return text + f"，调整后余量{u.cap_m2 - u.after_m2:,.0f}平方米。"


def describe_hit(h: ControlLineHit, land_use: str | None) -> str:
    state = {"new": "新增涉及", "enlarged": "扩大涉及", "existing": "原已涉及"}[h.status]
    ids = f"（{'、'.join(h.feature_ids)}）" if h.feature_ids else ""
    if h.line == LayerKind.URBAN_DEVELOPMENT_BOUNDARY.value:
        where = f"，跨越{'、'.join(h.feature_ids)}" if h.feature_ids else "，全部位于城镇开发边界外"
        use = ("，属于城镇建设用地，城镇开发边界外不得规划城镇建设用地" if h.urban_use else
               "，不属于城镇建设用地" if h.urban_use is False else "")
        return (f"地块{h.parcel_id}{state}城镇开发边界外用地{h.area_m2:,.1f}平方米{where}；"
                f"用地代码{land_use or '—'}{use}。")
    core = "，其中涉及自然保护地核心保护区" if h.core else ""
    return f"地块{h.parcel_id}{state}{h.line_label}{h.area_m2:,.1f}平方米{ids}{core}。"


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def _plain(v: object) -> float | str | None:
    if v is None:
        return None
    if _is_num(v):
        return float(v)  # type: ignore[arg-type]
    return str(v)


def _is_num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
