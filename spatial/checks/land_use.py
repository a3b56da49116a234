"""Land-use compatibility: the project's 用地用海 code against the regulatory parcels it falls in."""

from __future__ import annotations

from spatial.backend import KindOverlap
from spatial.checks.common import r2, ratio, significant, sliver_warnings
from spatial.project import Project
from spatial.rules import RuleSet
from spatial.verdict import CheckName, CheckResult, ParcelResult, RuleRef, Status, worst

_CHECK = CheckName.LAND_USE_COMPATIBILITY


def compatibility(project_code: str, parcel_code: str, compatible: dict[str, tuple[str, ...]]) -> Status:
    """pass for the same class or a subclass; conditional for a listed compatible use; else fail.

    Examples
    --------
    >>> table = {"070102": ("0702", "090101")}
    >>> compatibility("070102", "0701", table), compatibility("0702", "070102", table)
    (<Status.PASS: 'pass'>, <Status.CONDITIONAL: 'conditional'>)
    >>> compatibility("0901", "070102", table)
    <Status.FAIL: 'fail'>
    """
    if project_code.startswith(parcel_code):
        return Status.PASS
    for key, uses in compatible.items():
        if parcel_code.startswith(key) and any(project_code.startswith(u) for u in uses):
            return Status.CONDITIONAL
    return Status.FAIL


def check_land_use(project: Project, parcels: KindOverlap, rules: RuleSet, tolerance: float) -> CheckResult:
    keep, slivers = significant(parcels, tolerance)
    warnings = sliver_warnings(_CHECK, slivers, tolerance)
    conformity = RuleRef.of(rules.rule("land_use.conformity"))
    if not keep:
        return CheckResult(check=_CHECK, status=Status.UNKNOWN, rule=conformity, warnings=warnings,
                           message="项目不在任何控规地块内，无法核对用地性质。")
    ids = [o.fid for o in keep]
    area = sum(o.overlap_area_m2 for o in keep)
    if project.land_use is None:
        return CheckResult(check=_CHECK, status=Status.UNKNOWN, rule=conformity, feature_ids=ids, warnings=warnings,
                           overlap_area_m2=r2(area), overlap_ratio=ratio(area, project.area_m2),
                           message="未申报用地用途（land_use），无法核对用地性质。")
    table = rules.land_use_compatibility.compatible
    details: list[ParcelResult] = []
    for o in keep:
        code = o.attrs.get("land_use")
        if not code:
            details.append(ParcelResult(feature_id=o.fid, status=Status.UNKNOWN, overlap_area_m2=r2(o.overlap_area_m2),
                                        value=project.land_use, message="地块未设定用地性质"))
            continue
        status = compatibility(project.land_use, code, table)
        text = {Status.PASS: "与地块用地性质一致", Status.CONDITIONAL: "属地块可兼容用途，兼容比例须符合规划条件",
                Status.FAIL: "与地块用地性质不符"}[status]
        details.append(ParcelResult(feature_id=o.fid, status=status, overlap_area_m2=r2(o.overlap_area_m2),
                                    value=project.land_use, limit=code, message=f"{project.land_use}→{code}：{text}"))
    status = worst(d.status for d in details)
    decisive = next(d for d in details if d.status == status)
    rule = RuleRef.of(rules.rule("land_use.compatible")) if status == Status.CONDITIONAL else conformity
    summary = "；".join(f"{d.feature_id}（{d.limit or '—'}）{d.message.split('：')[-1]}" for d in details)
    return CheckResult(check=_CHECK, status=status, rule=rule, feature_ids=ids, warnings=warnings,
                       overlap_area_m2=r2(area), overlap_ratio=ratio(area, project.area_m2),
                       value=project.land_use, limit=decisive.limit, details=details if len(details) > 1 else [],
                       message=f"申报用途{project.land_use}：{summary}。")
