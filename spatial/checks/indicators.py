"""Development-intensity indicators against the parcel's planning conditions (规划条件).

far within [far_min, far_max]; building_density <= density_max; height <= height_max;
green_ratio >= green_min. A project spanning several parcels is checked against each.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal

from spatial.backend import KindOverlap
from spatial.checks.common import r2, significant
from spatial.project import INDICATORS, Project
from spatial.rules import RuleSet
from spatial.verdict import CheckName, CheckResult, ParcelResult, RuleRef, Status, worst

Rounding = Literal["exact", "round_half_up", "round_half_even"]


@dataclass(frozen=True)
class _Spec:
    check: CheckName
    key: str
    low: str | None
    high: str | None


SPECS = {
    "far": _Spec(CheckName.FAR, "far", "far_min", "far_max"),
    "building_density": _Spec(CheckName.BUILDING_DENSITY, "building_density", None, "density_max"),
    "height": _Spec(CheckName.HEIGHT, "height", None, "height_max"),
    "green_ratio": _Spec(CheckName.GREEN_RATIO, "green_ratio", "green_min", None),
}


def rounded(value: float, policy: Rounding, decimals: int) -> float:
    """``value`` as compared under the rounding ``policy``.

    Examples
    --------
    >>> rounded(2.805, "exact", 2), rounded(2.805, "round_half_up", 2), rounded(2.805, "round_half_even", 2)
    (2.805, 2.81, 2.8)
    """
    if policy == "exact":
        return value
    mode = ROUND_HALF_UP if policy == "round_half_up" else ROUND_HALF_EVEN
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=mode))


def _within(v: float, lo: float | None, hi: float | None) -> bool:
    return (lo is None or v >= lo) and (hi is None or v <= hi)


def check_indicator(key: str, project: Project, parcels: KindOverlap, rules: RuleSet, tolerance: float, *,
                    rounding: Rounding = "exact", decimals: int = 2) -> CheckResult:
    """Check one indicator (``far``, ``building_density``, ``height`` or ``green_ratio``)."""
    spec = SPECS[key]
    label, unit, _ = INDICATORS[key]
    rule = RuleRef.of(rules.rule("indicator.conditions"))
    keep, _slivers = significant(parcels, tolerance)  # sliver warnings are reported by land_use_compatibility
    value = project.indicator(key)
    ids = [o.fid for o in keep]
    if not keep:
        return CheckResult(check=spec.check, status=Status.UNKNOWN, rule=rule, value=value,
                           message=f"项目不在任何控规地块内，无法核对{label}。")
    if value is None:
        return CheckResult(check=spec.check, status=Status.UNKNOWN, rule=rule, feature_ids=ids,
                           message=f"未申报{label}（indicators.{key}），无法核对。")
    warnings: list[str] = []
    compared = rounded(value, rounding, decimals) if key == "far" else value
    details: list[ParcelResult] = []
    for o in keep:
        lo = _num(o.attrs.get(spec.low)) if spec.low else None
        hi = _num(o.attrs.get(spec.high)) if spec.high else None
        limit = hi if spec.low is None else lo if spec.high is None else ([lo, hi] if lo is not None else hi)
        if lo is None and hi is None:
            details.append(ParcelResult(feature_id=o.fid, status=Status.UNKNOWN, value=value,
                                        message=f"{o.fid}未设定{label}控制值"))
            continue
        ok = _within(compared, lo, hi)
        details.append(ParcelResult(feature_id=o.fid, status=Status.PASS if ok else Status.FAIL, value=value,
                                    limit=limit, message=_describe(o.fid, label, unit, value, lo, hi, ok)))
        if key == "far":
            warnings += _rounding_warning(o.fid, value, lo, hi, rounding, decimals, ok)
    if key == "far":
        warnings += _gfa_consistency(project)
    status = worst(d.status for d in details)
    decisive = next(d for d in details if d.status == status)
    return CheckResult(check=spec.check, status=status, rule=rule, feature_ids=ids, value=value,
                       limit=decisive.limit, details=details if len(details) > 1 else [], warnings=warnings,
                       message="；".join(d.message for d in details) + "。")


def _describe(fid: str, label: str, unit: str, v: float, lo: float | None, hi: float | None, ok: bool) -> str:
    cond = (f"{lo:g}–{hi:g}{unit}" if lo is not None and hi is not None else
            f"≤{hi:g}{unit}" if hi is not None else f"≥{lo:g}{unit}")
    return f"{fid}规划条件{label}{cond}，申报{v:g}{unit}，{'符合' if ok else '不符合'}"


def _rounding_warning(fid: str, v: float, lo: float | None, hi: float | None, policy: Rounding, decimals: int,
                      ok: bool) -> list[str]:
    outcomes = {p: _within(rounded(v, p, decimals), lo, hi) for p in ("exact", "round_half_up", "round_half_even")}
    if len(set(outcomes.values())) == 1:
        return []
    return [f"far: declared FAR {v:g} against {fid}'s limit depends on the rounding policy "
            f"(exact: {'pass' if outcomes['exact'] else 'fail'}, half-up to {decimals} decimals: "
            f"{'pass' if outcomes['round_half_up'] else 'fail'}, half-even: "
            f"{'pass' if outcomes['round_half_even'] else 'fail'}); this check used '{policy}' "
            f"(setting spatial.far_rounding)"]


def _gfa_consistency(project: Project) -> list[str]:
    far, gfa = project.indicator("far"), project.indicator("gfa_m2")
    if far is None or gfa is None or project.area_m2 <= 0 or far == 0:
        return []
    implied = gfa / project.area_m2
    if abs(implied - far) / far <= 0.01:
        return []
    return [f"far: declared FAR {far:g} differs from gfa_m2 / site area = {gfa:g} / {project.area_m2:.0f} = "
            f"{implied:.3f} by more than 1 % (FAR counts 净用地; check the declared figures)"]


def _num(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


__all__ = ["SPECS", "check_indicator", "r2", "rounded"]
