"""Detailed-plan comparison (详规成果比对): two versions of a regulatory plan, parcel by parcel.

``read_plan`` reads a version (a parcel layer or a plan document's parcel table),
``compare_plans`` finds parcels added, removed, re-bounded and changed in land use, FAR,
density, height or green ratio, each unit's floor-area balance before and after, and the
changes that meet the three control lines; ``comparison_report`` and ``render_markdown``
write the report. Everything here is a pure function of its inputs.
"""

from __future__ import annotations

from spatial.compare.engine import (
    CONTROL_LINES,
    caps_from_layer,
    compare_parcel,
    compare_parcels,
    compare_plans,
    control_line_hits,
    symmetric_difference_m2,
    unit_balances,
)
from spatial.compare.errors import CompareError
from spatial.compare.models import (
    AttributeChange,
    BalanceStatus,
    ChangeKind,
    CompareOptions,
    ControlLineHit,
    GeometryChange,
    ParcelChange,
    PlanComparison,
    PlanParcel,
    PlanSnapshot,
    UnitBalanceChange,
)
from spatial.compare.read import read_plan, snapshot_from_layer, table_parcels
from spatial.compare.report import Paragraph, ReportDocument, Section, Table, comparison_report, render_markdown

__all__ = [
    "CONTROL_LINES", "AttributeChange", "BalanceStatus", "ChangeKind", "CompareError", "CompareOptions",
    "ControlLineHit", "GeometryChange", "Paragraph", "ParcelChange", "PlanComparison", "PlanParcel", "PlanSnapshot",
    "ReportDocument", "Section", "Table", "UnitBalanceChange", "caps_from_layer", "compare_parcel", "compare_parcels",
    "compare_plans", "comparison_report", "control_line_hits", "read_plan", "render_markdown", "snapshot_from_layer",
    "symmetric_difference_m2", "table_parcels", "unit_balances",
]
