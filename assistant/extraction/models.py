"""Typed results of planning-condition extraction (the ``onemap extract --json`` contract).

```json
{"document": "规划条件.md", "parcels": [{"parcel_id": "SF-04-03",
  "fields": {"far_max": {"value": 2.8, "unit": null, "locator": "（二）", "span": "容积率：1.5-2.8", "source": "text"},
             "facilities": [{"value": {"name": "社区卫生服务站", "gfa_m2": 600.0}, "unit": "m²", ...}]},
  "conflicts": [{"field": "far_max", "values": [{...}, {...}]}]}], "warnings": ["..."]}
```
Scalar fields (``land_use``, ``area_m2``, ``far_max``, ``far_min``, ``density_max``, ``height_max``,
``green_min``, ``parking``) hold one :class:`FieldValue`; list fields (``facilities``, ``setbacks``,
``compatible_uses``) hold a list.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

SCALAR_FIELDS = ("land_use", "area_m2", "far_max", "far_min", "density_max", "height_max", "green_min", "parking")
LIST_FIELDS = ("facilities", "setbacks", "compatible_uses")
FIELD_ORDER = SCALAR_FIELDS + LIST_FIELDS

Source = Literal["table", "text", "model"]


class ExtractionError(Exception):
    """Bad input for extraction (unreadable file, no parcels): a one-line reason, exit code 2 in the CLI."""


class FieldValue(BaseModel):
    """One extracted value with where it came from.

    ``value``: a number (area in m², FAR, % for density and green, m for height, parking per ``unit``),
    or a dict for land use / compatible uses (``code``, ``name``), facilities (``name``, ``gfa_m2``) and
    setbacks (``boundary``, ``distance_m``, ``road``). ``span`` is the exact source text the value was
    read from (a table cell or a phrase); ``locator`` says where it is (table and row, clause, page).
    """

    value: Any
    unit: str | None = None
    locator: str
    span: str
    source: Source = "text"

    def key(self) -> str:
        """Normalised identity of the value (conflicts compare these)."""
        v = self.value
        if isinstance(v, float):
            return f"{v:.4f}|{self.unit}"
        if isinstance(v, dict):
            return "|".join(f"{k}={v[k]}" for k in sorted(v) if k not in ("name", "road") or "code" not in v)
        return f"{v}|{self.unit}"


class Conflict(BaseModel):
    """Two or more different values found for one scalar field; ``fields`` keeps the first (tables first)."""

    field: str
    values: list[FieldValue]


class ParcelConditions(BaseModel):
    parcel_id: str
    fields: dict[str, FieldValue | list[FieldValue]] = Field(default_factory=dict)
    conflicts: list[Conflict] = Field(default_factory=list)


class ExtractionResult(BaseModel):
    document: str
    parcels: list[ParcelConditions]
    warnings: list[str] = Field(default_factory=list)
    model: str | None = None


class Found(BaseModel):
    """One value found for one parcel's field, before merging (internal between the finders and the service)."""

    parcel_id: str
    field: str
    value: FieldValue
