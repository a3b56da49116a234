"""The check engine: asks a layer backend for overlaps, runs the pure checks, assembles the verdict.

Examples
--------
See ``tests/unit/test_spatial_scenarios.py`` and ``onemap check --help``.
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.access import Role, readable_levels
from assistant.settings import SpatialSettings
from spatial.backend import KindOverlap, LayerBackend
from spatial.checks import (
    UnitFacts,
    check_farmland,
    check_indicator,
    check_land_use,
    check_redline,
    check_unit_balance,
    check_urban_boundary,
)
from spatial.checks.common import r2, ratio, significant
from spatial.kinds import LayerKind
from spatial.project import Project
from spatial.rules import RuleSet
from spatial.verdict import CheckName, CheckResult, RuleRef, Status, Verdict, ZoneShare, worst

_CONTROL_LINES = (
    (LayerKind.ECOLOGICAL_PROTECTION_REDLINE, CheckName.ECOLOGICAL_PROTECTION_REDLINE, check_redline, "ecr.general"),
    (LayerKind.PERMANENT_BASIC_FARMLAND, CheckName.PERMANENT_BASIC_FARMLAND, check_farmland, "pbf.occupation"),
    (LayerKind.URBAN_DEVELOPMENT_BOUNDARY, CheckName.URBAN_DEVELOPMENT_BOUNDARY, check_urban_boundary, "udb.inside"),
)
_PARCEL_CHECKS = (CheckName.LAND_USE_COMPATIBILITY, CheckName.FAR, CheckName.BUILDING_DENSITY, CheckName.HEIGHT,
                  CheckName.GREEN_RATIO, CheckName.UNIT_BALANCE)
_PARCEL_RULES = {CheckName.LAND_USE_COMPATIBILITY: "land_use.conformity", CheckName.UNIT_BALANCE: "unit.balance"}


class CheckService:
    """Checks projects against the layers of one backend with one rule set."""

    def __init__(self, backend: LayerBackend, rules: RuleSet, settings: SpatialSettings) -> None:
        self.backend = backend
        self.rules = rules
        self.settings = settings

    def check(self, project: Project, *, role: Role = Role.ADMIN) -> Verdict:
        """Run every check on ``project``; layers the role may not read count as not loaded."""
        tol = self.settings.sliver_tolerance_m2
        readable = set(readable_levels(role))
        available = {i.kind for i in self.backend.layers() if i.access in readable}
        checks: list[CheckResult] = []
        for kind, name, fn, rule_id in _CONTROL_LINES:
            if kind not in available:
                checks.append(self._missing(name, kind, rule_id))
                continue
            checks.append(fn(project, self._overlaps(kind, project), self.rules, tol))
        checks += self._parcel_checks(project, available, tol)
        zones = self._zones(project, available)
        warnings = list(project.warnings) + [w for c in checks for w in c.warnings]
        overall = worst(c.status for c in checks)
        return Verdict(project_id=project.id, name=project.name, overall=overall, label=overall.label, checks=checks,
                       warnings=_unique(warnings), area_m2=r2(project.area_m2), area_crs=project.area_crs,
                       zones=zones, backend=self.backend.name)

    # ------------------------------------------------------------------ parcels and units

    def _parcel_checks(self, project: Project, available: set[LayerKind], tol: float) -> list[CheckResult]:
        if LayerKind.REGULATORY_PARCELS not in available:
            return [self._missing(n, LayerKind.REGULATORY_PARCELS, _PARCEL_RULES.get(n, "indicator.conditions"))
                    for n in _PARCEL_CHECKS]
        parcels = self._overlaps(LayerKind.REGULATORY_PARCELS, project)
        out = [check_land_use(project, parcels, self.rules, tol)]
        for key in ("far", "building_density", "height", "green_ratio"):
            out.append(check_indicator(key, project, parcels, self.rules, tol,
                                       rounding=self.settings.far_rounding, decimals=self.settings.far_decimals))
        if LayerKind.MANAGEMENT_UNITS not in available:
            out.append(self._missing(CheckName.UNIT_BALANCE, LayerKind.MANAGEMENT_UNITS, "unit.balance"))
        else:
            out.append(check_unit_balance(project, self._units(project, parcels, tol), self.rules))
        return out

    def _units(self, project: Project, parcels: KindOverlap, tol: float) -> list[UnitFacts]:
        keep, _ = significant(parcels, tol)
        touched = {o.fid for o in keep}
        inside: dict[str, float] = {}
        for o in keep:
            uid = o.attrs.get("unit_id")
            if uid is not None:
                inside[str(uid)] = inside.get(str(uid), 0.0) + o.overlap_area_m2
        if not inside:
            return []
        total_inside = sum(inside.values())
        units = {f.attrs.get("unit_id"): f for f in
                 self.backend.features_where(LayerKind.MANAGEMENT_UNITS, "unit_id", list(inside))}
        facts = []
        for uid, area in inside.items():
            members = self.backend.features_where(LayerKind.REGULATORY_PARCELS, "unit_id", [uid])
            others = [m for m in members if m.fid not in touched]
            planned = sum(float(m.attrs["far_max"]) * m.area_m2 for m in others if _is_num(m.attrs.get("far_max")))
            unit = units.get(uid)
            cap = unit.attrs.get("gfa_cap_m2") if unit else None
            facts.append(UnitFacts(
                unit_id=uid, cap_m2=float(cap) if _is_num(cap) else None, found=unit is not None,
                project_share=area / total_inside, others_planned_m2=planned, other_parcels=len(others),
                parcels_without_far=tuple(m.fid for m in others if not _is_num(m.attrs.get("far_max")))))
        return facts

    # ------------------------------------------------------------------ helpers

    def _overlaps(self, kind: LayerKind, project: Project) -> KindOverlap:
        return self.backend.overlaps(kind, project.geometry, project.area_crs)

    def _zones(self, project: Project, available: set[LayerKind]) -> list[ZoneShare]:
        if LayerKind.PLANNING_ZONES not in available:
            return []
        ko = self._overlaps(LayerKind.PLANNING_ZONES, project)
        keep, _ = significant(ko, self.settings.sliver_tolerance_m2)
        return [ZoneShare(feature_id=o.fid, zone_type=o.attrs.get("zone_type"), area_m2=r2(o.overlap_area_m2),
                          ratio=ratio(o.overlap_area_m2, project.area_m2)) for o in keep]

    def _missing(self, name: CheckName, kind: LayerKind, rule_id: str) -> CheckResult:
        return CheckResult(check=name, status=Status.UNKNOWN, rule=RuleRef.of(self.rules.rule(rule_id)),
                           message=(f"未加载{kind.label}图层（{kind.value}），无法判定；"
                                    f"请先导入：onemap layers import {kind.value} FILE"))


def _is_num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
