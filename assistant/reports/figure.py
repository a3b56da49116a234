"""The map figure (附图): the project over the three control lines, the regulatory parcels and the units.

Drawn with matplotlib's Agg canvas (no display, no pyplot state) in the project's
area CRS (CGCS2000 Gauss-Kruger, metres), with a Chinese legend, a scale bar and a
north arrow.  Only layers the caller's role may read are passed in.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from spatial import crs as crs_mod
from spatial.backend import LayerBackend
from spatial.kinds import LayerKind
from spatial.layers import Feature
from spatial.project import Project

DRAWN = (LayerKind.PERMANENT_BASIC_FARMLAND, LayerKind.ECOLOGICAL_PROTECTION_REDLINE,
         LayerKind.URBAN_DEVELOPMENT_BOUNDARY, LayerKind.MANAGEMENT_UNITS, LayerKind.REGULATORY_PARCELS)
LL = f"EPSG:{crs_mod.STORAGE_EPSG}"
# label, facecolor, edgecolor, alpha, linestyle, linewidth, hatch
_STYLE = {
    "ecr": ("生态保护红线", "#74c476", "#238b45", 0.45, "-", 1.0, "//"),
    "ecr_core": ("生态保护红线（核心保护区）", "#00441b", "#00441b", 0.55, "-", 1.0, None),
    "pbf": ("永久基本农田", "#fdd835", "#b08900", 0.55, "-", 0.8, None),
    "udb": ("城镇开发边界", "none", "#d7301f", 1.0, "--", 2.0, None),
    "unit": ("规划管理单元", "none", "#7b3294", 1.0, ":", 1.4, None),
    "parcel": ("控规地块", "none", "#525252", 1.0, "-", 0.7, None),
    "project": ("项目用地", "#3182bd", "#08306b", 0.45, "-", 2.2, None),
}
ASPECT = (0.96 * 7.0) / (0.88 * 5.6)  # width / height of the map axes
_SCALES = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)


def extent(project: Project) -> BaseGeometry:
    """The map frame in the area CRS: the project's bounds with a margin (at least 150 m)."""
    g = crs_mod.transform(project.geometry, LL, project.area_crs)
    x0, y0, x1, y1 = g.bounds
    pad = max(0.35 * max(x1 - x0, y1 - y0), 150.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    w, h = x1 - x0, y1 - y0
    if w / h < ASPECT:  # widen (or heighten) the frame to the axes' shape, so the map fills it
        x0, x1 = x0 - (h * ASPECT - w) / 2, x1 + (h * ASPECT - w) / 2
    else:
        y0, y1 = y0 - (w / ASPECT - h) / 2, y1 + (w / ASPECT - h) / 2
    return box(x0, y0, x1, y1)


def map_features(backend: LayerBackend, project: Project, kinds: Iterable[LayerKind]) -> dict[LayerKind, list[Feature]]:
    """The features of ``kinds`` inside the map frame, fetched by id (works with every backend)."""
    frame = crs_mod.transform(extent(project), project.area_crs, LL)
    wanted = set(kinds)
    out: dict[LayerKind, list[Feature]] = {}
    for kind in DRAWN:
        if kind not in wanted:
            continue
        hits = backend.overlaps(kind, frame, project.area_crs).overlaps
        by_field: dict[str, list[str]] = {}
        for o in hits:
            field = next((f for f in kind.id_fields if f in o.attrs and str(o.attrs[f]) == o.fid), None)
            if field is not None:
                by_field.setdefault(field, []).append(o.fid)
        feats = [f for field, ids in by_field.items() for f in backend.features_where(kind, field, ids)]
        if feats:
            out[kind] = feats
    return out


def render_map(project: Project, features: dict[LayerKind, list[Feature]], *, title: str = "",
               dpi: int = 150) -> bytes:
    """A PNG of the project over ``features``; the legend lists what is drawn, in Chinese."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from assistant.reports.fonts import matplotlib_font

    font = matplotlib_font()
    frame = extent(project)
    fig = Figure(figsize=(7.0, 5.6), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.88))
    drawn: list[str] = []

    def draw(geom: BaseGeometry, key: str) -> None:
        local = crs_mod.transform(geom, LL, project.area_crs).intersection(frame)
        if local.is_empty:
            return
        _patch(ax, local, _STYLE[key])
        if key not in drawn:
            drawn.append(key)

    for kind in DRAWN:
        for f in features.get(kind, []):
            if kind == LayerKind.ECOLOGICAL_PROTECTION_REDLINE:
                draw(f.geom, "ecr_core" if f.attrs.get("core") in (True, 1, "true", "True") else "ecr")
            else:
                draw(f.geom, {LayerKind.PERMANENT_BASIC_FARMLAND: "pbf", LayerKind.URBAN_DEVELOPMENT_BOUNDARY: "udb",
                              LayerKind.MANAGEMENT_UNITS: "unit", LayerKind.REGULATORY_PARCELS: "parcel"}[kind])
    parcels = features.get(LayerKind.REGULATORY_PARCELS, [])
    if len(parcels) <= 40:
        for f in parcels:
            local = crs_mod.transform(f.geom, LL, project.area_crs).intersection(frame)
            if not local.is_empty and local.area > frame.area * 0.004:
                p = local.representative_point()
                ax.text(p.x, p.y, f.fid, fontproperties=font, fontsize=6.5, color="#252525", ha="center",
                        va="center", alpha=0.85)
    draw(project.geometry, "project")

    x0, y0, x1, y1 = frame.bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, frame, font)
    ax.annotate("北", xy=(0.95, 0.95), xytext=(0.95, 0.85), xycoords="axes fraction", ha="center", va="center",
                fontproperties=font, fontsize=11, arrowprops={"arrowstyle": "-|>", "color": "black"})
    handles = []
    for key in ["project", *[k for k in _STYLE if k != "project" and k in drawn]]:
        label, face, edge, alpha, ls, lw, hatch = _STYLE[key]
        if face == "none":
            handles.append(Line2D([], [], color=edge, linestyle=ls, linewidth=lw, label=label))
        else:
            handles.append(Patch(facecolor=face, edgecolor=edge, alpha=alpha, hatch=hatch, label=label))
    small = font.copy()
    small.set_size(8)
    ax.legend(handles=handles, loc="lower right", prop=small, framealpha=0.9, title="图例", title_fontproperties=font)
    fig.suptitle(title or project.id, fontproperties=font, fontsize=12, y=0.965)
    fig.text(0.5, 0.915, f"坐标系：CGCS2000 {project.area_crs}（示意图，以矢量数据为准）", fontproperties=font,
             fontsize=7.5, ha="center", color="#555555")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def _patch(ax, geom: BaseGeometry, style: tuple) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    _label, face, edge, alpha, ls, lw, hatch = style
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon":
            if hasattr(poly, "geoms"):
                _patch(ax, poly, style)
            continue
        verts, codes = [], []
        for ring in (poly.exterior, *poly.interiors):
            xy = list(shapely.get_coordinates(ring))
            verts += [tuple(p) for p in xy]
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
        fill = face != "none"
        ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=face if fill else "none", edgecolor=edge,
                               alpha=alpha if fill else 1.0, linestyle=ls, linewidth=lw, hatch=hatch, fill=fill))


def _scale_bar(ax, frame: BaseGeometry, font) -> None:
    x0, y0, x1, y1 = frame.bounds
    target = (x1 - x0) / 4
    length = max((s for s in _SCALES if s <= target), default=_SCALES[0])
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=3, solid_capstyle="butt")
    label = f"{length // 1000} 千米" if length >= 1000 else f"{length} 米"
    ax.text(bx + length / 2, by + (y1 - y0) * 0.015, label, fontproperties=font, fontsize=8, ha="center", va="bottom")
