"""Inputs and typed results of the detailed-plan comparison (详规成果比对).

Inputs are plain frozen dataclasses (:class:`PlanParcel`, :class:`PlanSnapshot`) that
carry shapely geometries; results are pydantic models whose JSON is what
``onemap compare --json`` prints.

Examples
--------
>>> ChangeKind.FAR.label, ChangeKind.GEOMETRY.label
('容积率调整', '边界调整')
>>> BalanceStatus.OVER.label
'超过上限'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry.base import BaseGeometry


class ChangeKind(StrEnum):
    """What changed about one parcel between the two versions."""

    ADDED = "added"
    REMOVED = "removed"
    GEOMETRY = "geometry"
    LAND_USE = "land_use"
    FAR = "far"
    DENSITY = "density"
    HEIGHT = "height"
    GREEN_RATIO = "green_ratio"
    UNIT = "unit"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    ChangeKind.ADDED: "新增地块", ChangeKind.REMOVED: "删除地块", ChangeKind.GEOMETRY: "边界调整",
    ChangeKind.LAND_USE: "用地性质变更", ChangeKind.FAR: "容积率调整", ChangeKind.DENSITY: "建筑密度调整",
    ChangeKind.HEIGHT: "建筑限高调整", ChangeKind.GREEN_RATIO: "绿地率调整", ChangeKind.UNIT: "所属单元变更",
}

# compared attribute -> (change kind, Chinese label, unit)
FIELDS: dict[str, tuple[ChangeKind, str, str]] = {
    "unit_id": (ChangeKind.UNIT, "所属单元", ""),
    "land_use": (ChangeKind.LAND_USE, "用地代码", ""),
    "far_max": (ChangeKind.FAR, "容积率上限", ""),
    "far_min": (ChangeKind.FAR, "容积率下限", ""),
    "density_max": (ChangeKind.DENSITY, "建筑密度上限", "%"),
    "height_max": (ChangeKind.HEIGHT, "建筑限高", "m"),
    "green_min": (ChangeKind.GREEN_RATIO, "绿地率下限", "%"),
}
NUMERIC_FIELDS = ("far_max", "far_min", "density_max", "height_max", "green_min")


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PlanParcel:
    """One parcel of a plan version: its controls, area (m²) and lon/lat geometry (None for a table row)."""

    parcel_id: str
    unit_id: str | None = None
    land_use: str | None = None
    land_use_name: str | None = None
    far_max: float | None = None
    far_min: float | None = None
    density_max: float | None = None
    height_max: float | None = None
    green_min: float | None = None
    area_m2: float | None = None
    geometry: BaseGeometry | None = None

    def value(self, name: str) -> Any:
        return getattr(self, name)

    @property
    def planned_gfa_m2(self) -> float:
        """far_max × area, the unit balance's measure of a parcel (0 without a FAR cap or an area)."""
        if self.far_max is None or self.area_m2 is None:
            return 0.0
        return float(self.far_max) * float(self.area_m2)


@dataclass(frozen=True)
class PlanSnapshot:
    """One version of a regulatory plan: its parcels and where they were read from."""

    parcels: tuple[PlanParcel, ...]
    source: str = "memory"
    source_kind: Literal["layer", "table"] = "layer"
    unit_caps: dict[str, float | None] = field(default_factory=dict)  # from the plan's own unit table, if any

    @property
    def has_geometry(self) -> bool:
        return any(p.geometry is not None for p in self.parcels)


# --------------------------------------------------------------------------- options and results


class CompareOptions(BaseModel):
    """Tolerances. A geometry counts as changed when the area change or the symmetric difference,
    measured in the CGCS2000 Gauss-Kruger zone of the parcel (see :mod:`spatial.crs`), is above
    ``geometry_tolerance_m2``; a number when it differs by more than ``value_tolerance``."""

    model_config = ConfigDict(frozen=True)

    geometry_tolerance_m2: float = Field(10.0, ge=0, description="Area change / symmetric difference below this "
                                         "is digitising noise, in m².")
    value_tolerance: float = Field(1e-6, ge=0, description="Absolute tolerance for FAR, density, height, green ratio.")
    sliver_tolerance_m2: float = Field(1.0, ge=0, description="Control-line overlaps below this are ignored, in m².")


class AttributeChange(BaseModel):
    field: str
    label: str
    old: float | str | None
    new: float | str | None
    direction: Literal["raised", "lowered", "set", "cleared", "changed"]


class GeometryChange(BaseModel):
    old_area_m2: float | None
    new_area_m2: float | None
    area_change_m2: float | None
    symmetric_difference_m2: float | None = Field(None, description="None when either version has no geometry.")


class ParcelChange(BaseModel):
    parcel_id: str
    unit_id: str | None
    kinds: list[ChangeKind]
    land_use_old: str | None = None
    land_use_new: str | None = None
    attributes: list[AttributeChange] = Field(default_factory=list)
    geometry: GeometryChange | None = None
    planned_gfa_old_m2: float = 0.0
    planned_gfa_new_m2: float = 0.0
    message: str = ""


class BalanceStatus(StrEnum):
    WITHIN = "within"
    OVER = "over"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {"within": "未超上限", "over": "超过上限", "unknown": "无法判定"}[self.value]


class ParcelGfa(BaseModel):
    parcel_id: str
    before_m2: float
    after_m2: float


class UnitBalanceChange(BaseModel):
    """Σ far_max × area of a unit's parcels before and after, against the unit's cap (单元内平衡)."""

    unit_id: str
    cap_m2: float | None
    before_m2: float
    after_m2: float
    change_m2: float
    status_before: BalanceStatus
    status_after: BalanceStatus
    pushed_over: bool = Field(description="Within the cap before, over it after.")
    changed_parcels: list[ParcelGfa] = Field(default_factory=list)
    message: str = ""


class ControlLineHit(BaseModel):
    """A changed or added parcel whose new boundary meets a control line.

    ``area_m2`` is the overlap with the red line or farmland, or the part outside the urban
    development boundary; ``before_area_m2`` the same for the old boundary (None for an added parcel).
    """

    parcel_id: str
    line: str
    line_label: str
    feature_ids: list[str]
    area_m2: float
    before_area_m2: float | None
    status: Literal["new", "enlarged", "existing"]
    core: bool = False
    urban_use: bool | None = None
    message: str = ""


class PlanComparison(BaseModel):
    old_source: str
    new_source: str
    options: CompareOptions
    old_parcels: int
    new_parcels: int
    unchanged_parcels: int
    changes: list[ParcelChange]
    units: list[UnitBalanceChange]
    control_lines: list[ControlLineHit]
    notes: list[str] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many parcels show each kind of change."""
        out = {k.value: 0 for k in ChangeKind}
        for c in self.changes:
            for k in c.kinds:
                out[k.value] += 1
        return out
