"""Unit-level balance (单元内平衡): the project's GFA plus the planned GFA of the unit's other
parcels against the management unit's cap. A configurable local rule (DOMAIN.md §4 [U]).
"""

from __future__ import annotations

from dataclasses import dataclass

from spatial.checks.common import r2
from spatial.project import Project
from spatial.rules import RuleSet
from spatial.verdict import CheckName, CheckResult, ParcelResult, RuleRef, Status, worst

_CHECK = CheckName.UNIT_BALANCE


@dataclass(frozen=True)
class UnitFacts:
    """What the engine gathered about one management unit the project falls in.

    ``project_share`` is the fraction of the project's site inside this unit's
    parcels (the project's GFA is split by it when a project spans units);
    ``others_planned_m2`` is Σ far_max × area over the unit's parcels the project
    does not touch; ``parcels_without_far`` lists those with no far_max (counted as 0).
    """

    unit_id: str
    cap_m2: float | None
    found: bool
    project_share: float
    others_planned_m2: float
    other_parcels: int
    parcels_without_far: tuple[str, ...] = ()


def check_unit_balance(project: Project, units: list[UnitFacts], rules: RuleSet) -> CheckResult:
    """Examples
    --------
    >>> from spatial.rules import load_rules
    >>> from spatial.project import parse_project
    >>> p = parse_project({"id": "U", "indicators": {"gfa_m2": 250000}, "geometry": {"type": "Polygon",
    ...     "coordinates": [[[116.18, 23.77], [116.181, 23.77], [116.181, 23.771], [116.18, 23.77]]]}})
    >>> r = check_unit_balance(p, [UnitFacts("SF-02", 1_200_000, True, 1.0, 980_000, 11)], load_rules())
    >>> r.status.value, r.value, r.limit
    ('fail', 1230000.0, 1200000.0)
    """
    rule = RuleRef.of(rules.rule("unit.balance"))
    gfa = project.indicator("gfa_m2")
    if not units:
        return CheckResult(check=_CHECK, status=Status.UNKNOWN, rule=rule,
                           message="项目不在任何规划管理单元的控规地块内，无法核算单元建筑总量。")
    ids = [u.unit_id for u in units]
    if gfa is None:
        return CheckResult(check=_CHECK, status=Status.UNKNOWN, rule=rule, feature_ids=ids,
                           message="未申报计容建筑面积（indicators.gfa_m2），无法核算单元建筑总量。")
    details = [_unit(u, gfa) for u in units]
    status = worst(d.status for d in details)
    decisive = next(d for d in details if d.status == status)
    return CheckResult(check=_CHECK, status=status, rule=rule, feature_ids=ids, value=decisive.value,
                       limit=decisive.limit, details=details if len(details) > 1 else [],
                       message="；".join(d.message for d in details) + "。")


def _unit(u: UnitFacts, gfa: float) -> ParcelResult:
    if not u.found:
        return ParcelResult(feature_id=u.unit_id, status=Status.UNKNOWN,
                            message=f"管理单元{u.unit_id}不在规划管理单元图层中")
    if u.cap_m2 is None:
        return ParcelResult(feature_id=u.unit_id, status=Status.UNKNOWN,
                            message=f"管理单元{u.unit_id}未设定建筑总量上限")
    share = gfa * u.project_share
    total = share + u.others_planned_m2
    ok = total <= u.cap_m2
    over = (total - u.cap_m2) / u.cap_m2
    text = (f"管理单元{u.unit_id}：本项目{share:,.0f}平方米＋单元内其他{u.other_parcels}个地块规划建筑量"
            f"{u.others_planned_m2:,.0f}平方米＝{total:,.0f}平方米，"
            + (f"未超过单元建筑总量上限{u.cap_m2:,.0f}平方米" if ok else
               f"超过单元建筑总量上限{u.cap_m2:,.0f}平方米（超出{over:.2%}），单元内无法平衡"))
    return ParcelResult(feature_id=u.unit_id, status=Status.PASS if ok else Status.FAIL, value=r2(total),
                        limit=r2(u.cap_m2), message=text)
