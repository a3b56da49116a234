"""The layer kinds of the one map and the attributes each requires.

Examples
--------
>>> LayerKind.parse("regulatory_parcels").required
('parcel_id', 'unit_id', 'land_use', 'far_max')
>>> LayerKind.parse("roads")
Traceback (most recent call last):
...
spatial.errors.UnknownLayerKind: unknown layer kind 'roads'; choose one of ecological_protection_redline, permanent_basic_farmland, urban_development_boundary, planning_zones, regulatory_parcels, management_units
"""

from __future__ import annotations

from enum import StrEnum

from spatial.errors import UnknownLayerKind


class LayerKind(StrEnum):
    ECOLOGICAL_PROTECTION_REDLINE = "ecological_protection_redline"
    PERMANENT_BASIC_FARMLAND = "permanent_basic_farmland"
    URBAN_DEVELOPMENT_BOUNDARY = "urban_development_boundary"
    PLANNING_ZONES = "planning_zones"
    REGULATORY_PARCELS = "regulatory_parcels"
    MANAGEMENT_UNITS = "management_units"

    @classmethod
    def parse(cls, value: str) -> LayerKind:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise UnknownLayerKind(
                f"unknown layer kind {value!r}; choose one of {', '.join(k.value for k in cls)}") from None

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def required(self) -> tuple[str, ...]:
        """Attributes every feature must have (the column must exist; qc reports empty values)."""
        return _REQUIRED[self]

    @property
    def optional(self) -> tuple[str, ...]:
        return _OPTIONAL[self]

    @property
    def id_fields(self) -> tuple[str, ...]:
        """Attributes tried, in order, as the feature id; the first present one wins."""
        return _ID_FIELDS[self] + ("id", "fid", "code", "name")

    @property
    def id_prefix(self) -> str:
        return _ID_PREFIX[self]


_LABELS = {
    LayerKind.ECOLOGICAL_PROTECTION_REDLINE: "生态保护红线",
    LayerKind.PERMANENT_BASIC_FARMLAND: "永久基本农田",
    LayerKind.URBAN_DEVELOPMENT_BOUNDARY: "城镇开发边界",
    LayerKind.PLANNING_ZONES: "规划分区",
    LayerKind.REGULATORY_PARCELS: "控规地块",
    LayerKind.MANAGEMENT_UNITS: "规划管理单元",
}
_REQUIRED: dict[LayerKind, tuple[str, ...]] = {
    LayerKind.ECOLOGICAL_PROTECTION_REDLINE: (),
    LayerKind.PERMANENT_BASIC_FARMLAND: (),
    LayerKind.URBAN_DEVELOPMENT_BOUNDARY: (),
    LayerKind.PLANNING_ZONES: ("zone_type",),
    LayerKind.REGULATORY_PARCELS: ("parcel_id", "unit_id", "land_use", "far_max"),
    LayerKind.MANAGEMENT_UNITS: ("unit_id",),
}
_OPTIONAL: dict[LayerKind, tuple[str, ...]] = {
    LayerKind.ECOLOGICAL_PROTECTION_REDLINE: ("core",),
    LayerKind.PERMANENT_BASIC_FARMLAND: (),
    LayerKind.URBAN_DEVELOPMENT_BOUNDARY: (),
    LayerKind.PLANNING_ZONES: (),
    LayerKind.REGULATORY_PARCELS: ("far_min", "density_max", "height_max", "green_min", "land_use_name"),
    LayerKind.MANAGEMENT_UNITS: ("gfa_cap_m2",),
}
_ID_FIELDS: dict[LayerKind, tuple[str, ...]] = {
    LayerKind.ECOLOGICAL_PROTECTION_REDLINE: ("ecr_id", "redline_id"),
    LayerKind.PERMANENT_BASIC_FARMLAND: ("pbf_id",),
    LayerKind.URBAN_DEVELOPMENT_BOUNDARY: ("udb_id",),
    LayerKind.PLANNING_ZONES: ("zone_id",),
    LayerKind.REGULATORY_PARCELS: ("parcel_id",),
    LayerKind.MANAGEMENT_UNITS: ("unit_id",),
}
_ID_PREFIX = {
    LayerKind.ECOLOGICAL_PROTECTION_REDLINE: "ECR",
    LayerKind.PERMANENT_BASIC_FARMLAND: "PBF",
    LayerKind.URBAN_DEVELOPMENT_BOUNDARY: "UDB",
    LayerKind.PLANNING_ZONES: "ZONE",
    LayerKind.REGULATORY_PARCELS: "PARCEL",
    LayerKind.MANAGEMENT_UNITS: "UNIT",
}
