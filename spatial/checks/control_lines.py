"""Checks against the three control lines (三条控制线): red line, farmland, development boundary.

Rules and approval routes come from :class:`spatial.rules.RuleSet` (DOMAIN.md §1).
"""

from __future__ import annotations

from spatial.backend import KindOverlap
from spatial.checks.common import ha, r2, ratio, significant, sliver_warnings
from spatial.project import Project, ProjectType
from spatial.rules import RuleSet
from spatial.verdict import CheckName, CheckResult, RuleRef, Status

_ECR = CheckName.ECOLOGICAL_PROTECTION_REDLINE
_PBF = CheckName.PERMANENT_BASIC_FARMLAND
_UDB = CheckName.URBAN_DEVELOPMENT_BOUNDARY


def check_redline(project: Project, ko: KindOverlap, rules: RuleSet, tolerance: float) -> CheckResult:
    """生态保护红线: core area fails; elsewhere fails unless the project type is a permitted limited activity."""
    keep, slivers = significant(ko, tolerance)
    warnings = sliver_warnings(_ECR, slivers, tolerance)
    core = [o for o in keep if o.attrs.get("core") is True]
    general = [o for o in keep if o.attrs.get("core") is not True]
    core_area = sum(o.overlap_area_m2 for o in core)
    general_area = sum(o.overlap_area_m2 for o in general)
    table = rules.ecological_protection_redline
    common = {"check": _ECR, "warnings": warnings}
    if core:
        area = ko.covered_area_m2 if not general else core_area
        return CheckResult(
            **common, status=Status.FAIL, overlap_area_m2=r2(area), overlap_ratio=ratio(area, project.area_m2),
            feature_ids=[o.fid for o in core], rule=RuleRef.of(rules.rule("ecr.core")),
            message=(f"项目占用自然保护地核心保护区{ha(core_area)}（{'、'.join(o.fid for o in core)}），"
                     "核心保护区原则上禁止人为活动，不予通过。"))
    if not general:
        return CheckResult(**common, status=Status.PASS, overlap_area_m2=0.0, overlap_ratio=0.0,
                           rule=RuleRef.of(rules.rule("ecr.general")), message="项目不占用生态保护红线。")
    area = ko.covered_area_m2
    ids = [o.fid for o in general]
    where = f"生态保护红线（{'、'.join(ids)}）{ha(general_area)}，占项目用地{ratio(area, project.area_m2):.1%}"
    ptype = project.project_type.value
    if ptype in table.no_expansion and project.existing_area_m2 is not None \
            and project.area_m2 > project.existing_area_m2 + tolerance:
        return CheckResult(
            **common, status=Status.FAIL, overlap_area_m2=r2(area), overlap_ratio=ratio(area, project.area_m2),
            feature_ids=ids, value=r2(project.area_m2), limit=r2(project.existing_area_m2),
            rule=RuleRef.of(rules.rule(table.permitted[ptype].rule if ptype in table.permitted else "ecr.general")),
            message=(f"项目位于{where}；用地{project.area_m2:.1f}平方米超过现有建设用地{project.existing_area_m2:.1f}平方米，"
                     "扩大了现有建设用地规模，不属于允许的有限人为活动。"))
    permit = table.permitted.get(ptype)
    if permit is not None:
        return CheckResult(
            **common, status=Status.CONDITIONAL, overlap_area_m2=r2(area), overlap_ratio=ratio(area, project.area_m2),
            feature_ids=ids, rule=RuleRef.of(rules.rule(permit.rule)),
            message=f"项目位于{where}（核心保护区以外）。属于允许的有限人为活动或国家重大项目：{permit.route}")
    return CheckResult(
        **common, status=Status.FAIL, overlap_area_m2=r2(area), overlap_ratio=ratio(area, project.area_m2),
        feature_ids=ids, rule=RuleRef.of(rules.rule("ecr.general")),
        message=(f"项目位于{where}。生态保护红线内严格禁止开发性、生产性建设活动，"
                 f"项目类型“{PROJECT_TYPE_LABELS.get(project.project_type, ptype)}”不属于允许的有限人为活动。"))


def check_farmland(project: Project, ko: KindOverlap, rules: RuleSet, tolerance: float) -> CheckResult:
    """永久基本农田: any occupation fails unless the project type is permitted (national key projects)."""
    keep, slivers = significant(ko, tolerance)
    common = {"check": _PBF, "warnings": sliver_warnings(_PBF, slivers, tolerance)}
    if not keep:
        return CheckResult(**common, status=Status.PASS, overlap_area_m2=0.0, overlap_ratio=0.0,
                           rule=RuleRef.of(rules.rule("pbf.occupation")), message="项目不占用永久基本农田。")
    area = ko.covered_area_m2 if not slivers else sum(o.overlap_area_m2 for o in keep)
    ids = [o.fid for o in keep]
    where = f"占用永久基本农田{ha(area)}（{'、'.join(ids)}），占项目用地{ratio(area, project.area_m2):.1%}"
    permit = rules.permanent_basic_farmland.permitted.get(project.project_type.value)
    if permit is not None:
        return CheckResult(**common, status=Status.CONDITIONAL, overlap_area_m2=r2(area),
                           overlap_ratio=ratio(area, project.area_m2), feature_ids=ids,
                           rule=RuleRef.of(rules.rule(permit.rule)),
                           message=f"项目{where}。作为国家重点建设项目确实难以避让的：{permit.route}")
    return CheckResult(
        **common, status=Status.FAIL, overlap_area_m2=r2(area), overlap_ratio=ratio(area, project.area_m2),
        feature_ids=ids, rule=RuleRef.of(rules.rule("pbf.occupation")),
        message=(f"项目{where}。永久基本农田不得擅自占用；项目类型“{PROJECT_TYPE_LABELS.get(project.project_type)}”"
                 "不属于国家能源、交通、水利、军事设施等重点建设项目，不能占用永久基本农田，也不能通过用地预审。"))


def check_urban_boundary(project: Project, ko: KindOverlap, rules: RuleSet, tolerance: float) -> CheckResult:
    """城镇开发边界: urban construction land uses outside the boundary fail; listed project types are exempt.

    ``overlap_area_m2`` and ``overlap_ratio`` report the part of the project
    *outside* the boundary; ``feature_ids`` the boundary features it touches.
    """
    inside = ko.covered_area_m2
    outside = max(project.area_m2 - inside, 0.0)
    ids = [o.fid for o in ko.overlaps]
    base = {"check": _UDB, "overlap_area_m2": r2(outside), "overlap_ratio": ratio(outside, project.area_m2),
            "feature_ids": ids}
    table = rules.urban_development_boundary
    if outside < tolerance:
        warnings = ([f"urban_development_boundary: {outside:.3f} m² outside the boundary is below the sliver "
                     f"tolerance ({tolerance:g} m²) and was ignored"] if outside > 1e-6 else [])
        return CheckResult(**base, warnings=warnings, status=Status.PASS, rule=RuleRef.of(rules.rule("udb.inside")),
                           message="项目位于城镇开发边界内，按“详细规划＋规划许可”管理。")
    part = ("项目全部位于城镇开发边界外" if inside < tolerance else
            f"项目有{ha(outside)}（{ratio(outside, project.area_m2):.1%}）位于城镇开发边界外")
    ptype = project.project_type.value
    exempt = table.exempt.get(ptype)
    if exempt is not None and (not exempt.land_uses or project.land_use is None
                               or any(project.land_use.startswith(p) for p in exempt.land_uses)):
        return CheckResult(**base, status=Status(exempt.status), rule=RuleRef.of(rules.rule(exempt.rule)),
                           message=f"{part}。{exempt.note}")
    if project.land_use is None:
        return CheckResult(**base, status=Status.UNKNOWN, rule=RuleRef.of(rules.rule("udb.outside_urban")),
                           message=f"{part}，但未申报用地用途（land_use），无法判断是否属于城镇建设用地。")
    code = project.land_use
    if table.is_urban(code):
        return CheckResult(**base, status=Status.FAIL, value=code, rule=RuleRef.of(rules.rule("udb.outside_urban")),
                           message=(f"{part}，用途{code}属于城镇建设用地。城镇开发边界外不得进行城镇集中建设，"
                                    "不得规划城镇居住用地、开发区和产业园区。"))
    return CheckResult(**base, status=Status.PASS, value=code, rule=RuleRef.of(rules.rule("udb.inside")),
                       message=f"{part}，用途{code}不属于城镇建设用地，按“约束指标＋分区准入”管理。")


PROJECT_TYPE_LABELS = {
    ProjectType.RESIDENTIAL: "居住", ProjectType.COMMERCIAL: "商业", ProjectType.INDUSTRIAL: "工业",
    ProjectType.PUBLIC_FACILITY: "公共设施", ProjectType.LINEAR_INFRASTRUCTURE: "线性基础设施",
    ProjectType.NATIONAL_KEY_PROJECT: "国家重大（重点）项目", ProjectType.ECOLOGICAL_RESTORATION: "生态修复",
    ProjectType.TOURISM_FACILITY: "旅游配套设施", ProjectType.VILLAGER_HOUSING: "村民住房",
    ProjectType.SPECIAL_FACILITY: "特殊设施", ProjectType.OTHER: "其他",
}
