"""Helpers shared by the checks: formatting areas, the sliver rule, unknown results."""

from __future__ import annotations

from spatial.backend import KindOverlap, Overlap
from spatial.rules import RuleSet
from spatial.verdict import CheckName, CheckResult, RuleRef, Status


def ha(area_m2: float) -> str:
    """``12.0 公顷`` style: hectares with up to two decimals, plus m² for small areas.

    Examples
    --------
    >>> ha(120000.4), ha(3500.7), ha(0.4)
    ('12.00公顷', '3500.7平方米（0.35公顷）', '0.4平方米')
    """
    if area_m2 >= 100_000:
        return f"{area_m2 / 10_000:.2f}公顷"
    if area_m2 >= 1_000:
        return f"{area_m2:.1f}平方米（{area_m2 / 10_000:.2f}公顷）"
    return f"{area_m2:.1f}平方米"


def significant(ko: KindOverlap | None, tolerance: float) -> tuple[list[Overlap], list[Overlap]]:
    """Split overlaps into those at or above the sliver tolerance and the slivers."""
    if ko is None:
        return [], []
    keep = [o for o in ko.overlaps if o.overlap_area_m2 >= tolerance]
    slivers = [o for o in ko.overlaps if o.overlap_area_m2 < tolerance]
    return keep, slivers


def sliver_warnings(check: CheckName, slivers: list[Overlap], tolerance: float) -> list[str]:
    return [f"{check.value}: overlap of {o.overlap_area_m2:.3f} m² with {o.fid} is below the sliver tolerance "
            f"({tolerance:g} m²) and was ignored" for o in slivers]


def unknown(check: CheckName, rules: RuleSet, rule_id: str, message: str, **extra: object) -> CheckResult:
    return CheckResult(check=check, status=Status.UNKNOWN, rule=RuleRef.of(rules.rule(rule_id)), message=message,
                       **extra)  # type: ignore[arg-type]


def r2(value: float) -> float:
    return round(value, 2)


def ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole > 0 else 0.0
