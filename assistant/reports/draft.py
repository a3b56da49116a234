"""Drafting the 审查意见书: the report is built by code from the engine's verdict; a model may add narrative.

:func:`build_report` is pure: verdict, project, layers and document versions in,
:class:`~assistant.reports.model.Report` out.  Every value, limit, status and
citation in it is copied from the verdict, and the conclusion is the verdict's
``overall``.  :class:`ReportService` runs the check, draws the map and, when a
``chat`` callable is given, asks the model for explanatory paragraphs; each
paragraph goes through the same guard as the QA service's answers
(:func:`assistant.qa.service.numbers_guard`): a sentence stating a number or a
verdict word that the engine's results do not contain is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.access import Role, readable_levels
from assistant.llm.client import ChatResult, LLMError
from assistant.reports.model import (
    BasisDocument,
    CheckRow,
    Conclusion,
    DataLayer,
    Finding,
    Narrative,
    Report,
    SummaryItem,
)
from spatial.backend import LayerBackend, LayerInfo
from spatial.project import INDICATORS, Project
from spatial.verdict import CheckName, CheckResult, Status, Verdict

if TYPE_CHECKING:
    from spatial.engine import CheckService

TITLE = "建设项目国土空间规划审查意见书（草稿）"
CHECK_NAMES = {
    "ecological_protection_redline": "生态保护红线", "permanent_basic_farmland": "永久基本农田",
    "urban_development_boundary": "城镇开发边界", "land_use_compatibility": "用地性质",
    "far": "容积率", "building_density": "建筑密度", "height": "建筑高度", "green_ratio": "绿地率",
    "unit_balance": "单元建筑总量平衡",
}
_UNITS = {"far": "", "building_density": "%", "height": " m", "green_ratio": "%", "unit_balance": " m²"}
_CONTROL_LINES = {CheckName.ECOLOGICAL_PROTECTION_REDLINE, CheckName.PERMANENT_BASIC_FARMLAND,
                  CheckName.URBAN_DEVELOPMENT_BOUNDARY}
ROLE_NAMES = {Role.PUBLIC: "公众", Role.OFFICER: "经办人员", Role.REVIEWER: "审查人员", Role.ADMIN: "管理员"}
_CONFIDENCE = {"V": "已核对原文", "S": "来自二手资料", "U": "地方规则或未经核实"}
NARRATIVE_SYSTEM = (
    "你是国土空间规划审查人员的写作助手。下面是规则引擎对一个建设项目的审查结果和所依据的条文。"
    "请用两到三段中文撰写审查意见书中的“审查说明”：说明各项审查结论的含义、所依据条文的要求，以及申请人或审查人员下一步应注意的事项。"
    "不得改变任何审查结论，不得写出结果中没有的数字、面积、比例或日期，不要使用Markdown标记、标题或列表。")

Chat = Callable[..., ChatResult]


# ---------------------------------------------------------------------- the service

class ReportService:
    """Drafts reports from the check engine (``checks``: :class:`spatial.engine.CheckService`).

    ``versions(role)`` gives the knowledge base's latest version per document title
    readable by the role; ``chat`` is one model call as in :class:`assistant.qa.service.QAService`
    (``chat(messages, *, max_tokens, ...) -> ChatResult``), or None for no narrative.
    """

    def __init__(self, checks: CheckService, backend: LayerBackend, *,
                 versions: Callable[[Role], dict[str, str]] | None = None,
                 chat: Chat | None = None, model_name: Callable[[], str] | None = None,
                 max_tokens: int = 600, figure: bool = True) -> None:
        self.checks = checks
        self.backend = backend
        self.versions = versions or (lambda _role: {})
        self.chat = chat
        self.model_name = model_name or (lambda: "")
        self.max_tokens = max_tokens
        self.figure = figure

    def draft(self, project: Project, *, role: Role = Role.OFFICER, use_model: bool = True,
              no_model_note: str = "") -> Report:
        verdict = self.checks.check(project, role=role)
        readable = set(readable_levels(role))
        infos = [i for i in self.backend.layers() if i.access in readable]
        report = build_report(verdict, project, layers=infos, versions=self.versions(role), role=role)
        if self.figure:
            from assistant.reports.figure import map_features, render_map

            features = map_features(self.backend, project, {i.kind for i in infos})
            report.figure_png = render_map(project, features, title=f"{project.id} {project.name}")
            report.figure_caption = (f"附图：{project.id}项目用地与三条控制线、控规地块叠加示意图"
                                     f"（{verdict.area_crs}，仅含{ROLE_NAMES.get(role, role.value)}可见的图层）")
        if use_model and self.chat is not None:
            report.narrative = self.narrate(report)
        else:
            report.narrative = Narrative(note=no_model_note or "未使用模型：意见书不含审查说明段落，其余内容完整。")
        return report

    def narrate(self, report: Report) -> Narrative:
        """Ask the model for explanatory paragraphs and keep only what the engine's results support."""
        facts = engine_facts(report)
        messages = [{"role": "system", "content": NARRATIVE_SYSTEM},
                    {"role": "user", "content": "【审查结果】\n" + "\n".join(facts)}]
        try:
            reply = self.chat(messages, max_tokens=self.max_tokens)
        except LLMError as exc:
            return Narrative(note=f"模型不可用（{type(exc).__name__}），意见书不含审查说明段落，其余内容完整。")
        paragraphs, dropped = guard_narrative(reply.text, report, facts)
        return Narrative(paragraphs=paragraphs, model=reply.model or self.model_name(), dropped=dropped,
                         note="" if paragraphs else "模型未给出可核实的说明段落。")


def engine_facts(report: Report) -> list[str]:
    """What the model may state: the engine's lines (verdict, each check, its rule text)."""
    v = report.verdict
    lines = [f"项目：{v.project_id}（{v.name}），审查结论：{v.label}。"]
    lines += [f"{s.label}：{s.value}" for s in report.summary]
    for row in report.checks:
        lines.append(f"{row.name}：{row.label}。申报值：{row.value}；控制值：{row.limit}。{row.message}"
                     f"依据{row.citation}：{row.rule_text}")
    return lines


def guard_narrative(text: str, report: Report, facts: list[str]) -> tuple[list[str], list[str]]:
    """The model's paragraphs with every sentence that states a number or verdict the engine did not give removed."""
    from assistant.qa.render import CHECK_NAMES as QA_NAMES
    from assistant.qa.service import numbers_guard

    statuses = {"项目": report.verdict.label} | {row.name: row.label for row in report.checks}
    statuses |= {QA_NAMES.get(row.check, row.name): row.label for row in report.checks}
    kept, dropped = [], []
    for para in re.split(r"\n\s*\n|\n", text or ""):
        para = _plain(para)
        if not para:
            continue
        flags: list[str] = []
        guarded = numbers_guard(para, facts, [], flags, statuses)
        dropped += [f.split(": ", 1)[-1] for f in flags]
        if guarded:
            kept.append(guarded)
    return kept, dropped


def _plain(paragraph: str) -> str:
    """Markdown and citation markers out: the renderers set the layout."""
    p = re.sub(r"\[\d+\]", "", paragraph)
    p = re.sub(r"^\s*(?:#+|[-*•]|\d+[.、)])\s*", "", p)
    return p.replace("**", "").replace("`", "").strip()


# ---------------------------------------------------------------------- the report

def build_report(verdict: Verdict, project: Project, *, layers: Iterable[LayerInfo] = (),
                 versions: dict[str, str] | None = None, role: Role = Role.OFFICER,
                 generated_at: str | None = None) -> Report:
    """The report for ``verdict`` (pure: no model, no I/O)."""
    versions = {_norm_title(k): v for k, v in (versions or {}).items()}
    rows = [check_row(c) for c in verdict.checks]
    basis = _basis(verdict.checks, versions)
    return Report(
        title=TITLE, project_id=verdict.project_id, project_name=verdict.name or project.name,
        generated_at=generated_at or datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        role=f"{ROLE_NAMES.get(role, role.value)}（{role.value}）",
        summary=_summary(verdict, project), basis=basis,
        layers=[DataLayer(kind=i.kind.value, label=i.kind.label, source=Path(i.source).name or i.source,
                          imported_at=i.imported_at[:19].replace("T", " "),
                          features=i.features, sha256=i.sha256[:12], access=i.access.value) for i in layers],
        checks=rows, findings=_findings(verdict.checks), conclusion=_conclusion(verdict),
        open_questions=_open_questions(verdict, basis), warnings=list(verdict.warnings), verdict=verdict)


def check_row(c: CheckResult) -> CheckRow:
    name = CHECK_NAMES.get(c.check.value, c.check.value)
    return CheckRow(check=c.check.value, name=name, status=c.status, label=c.label, value=_value(c),
                    limit=_limit(c), rule_id=c.rule.id, rule_text=c.rule.text, citation=c.rule.cite(),
                    see_also=[f"《{s['doc_title']}》{s['locator']}" for s in c.rule.see_also],
                    confidence=c.rule.confidence, features=list(c.feature_ids), message=c.message)


def fmt_number(value: float, unit: str = "") -> str:
    """A number as the engine gave it: integers without decimals, at most two decimals, thousands separated.

    >>> fmt_number(1610236.93, " m²"), fmt_number(3.2), fmt_number(85.0, " m")
    ('1,610,236.93 m²', '3.2', '85 m')
    """
    text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return text + unit


def _value(c: CheckResult) -> str:
    if c.check in _CONTROL_LINES:
        area = c.overlap_area_m2 or 0.0
        if area <= 0 or (c.check == CheckName.URBAN_DEVELOPMENT_BOUNDARY and c.status == Status.PASS
                         and not c.overlap_ratio):
            return "未占用" if c.check != CheckName.URBAN_DEVELOPMENT_BOUNDARY else "位于边界内"
        what = "边界外" if c.check == CheckName.URBAN_DEVELOPMENT_BOUNDARY else "占用"
        share = f"（占项目用地{fmt_number(round(c.overlap_ratio * 100, 2))}%）" if c.overlap_ratio is not None else ""
        return f"{what}{fmt_number(area, ' m²')}{share}"
    if c.value is None:
        return "未申报" if c.check.value in INDICATORS else "—"
    if isinstance(c.value, str):
        return _land_use(c.value) if c.check == CheckName.LAND_USE_COMPATIBILITY else c.value
    return fmt_number(c.value, _UNITS.get(c.check.value, ""))


def _limit(c: CheckResult) -> str:
    unit = _UNITS.get(c.check.value, "")
    lim = c.limit
    if lim is None:
        return "—"
    if isinstance(lim, str):
        return _land_use(lim) if c.check == CheckName.LAND_USE_COMPATIBILITY else lim
    if isinstance(lim, list):
        lo, hi = (lim + [None, None])[:2]
        if lo is not None and hi is not None:
            return f"{fmt_number(lo)}–{fmt_number(hi)}{unit}"
        if hi is not None:
            return f"≤{fmt_number(hi, unit)}"
        return f"≥{fmt_number(lo, unit)}" if lo is not None else "—"
    sign = "≥" if c.check == CheckName.GREEN_RATIO else "≤"
    return f"{sign}{fmt_number(lim, unit)}"


def _land_use(code: str) -> str:
    from spatial import landuse

    return f"{code} {landuse.get(code).name}" if landuse.is_valid(code) else code


def _summary(verdict: Verdict, project: Project) -> list[SummaryItem]:
    from spatial.checks.control_lines import PROJECT_TYPE_LABELS

    items = [SummaryItem(label="项目编号", value=verdict.project_id),
             SummaryItem(label="项目名称", value=verdict.name or project.name or "—"),
             SummaryItem(label="项目类型", value=PROJECT_TYPE_LABELS.get(project.project_type, project.project_type.value)),
             SummaryItem(label="申报用途", value=_land_use(project.land_use) if project.land_use else "未申报"),
             SummaryItem(label="用地面积", value=f"{fmt_number(verdict.area_m2, ' m²')}"
                                                 f"（{fmt_number(round(verdict.area_m2 / 10000, 2))} 公顷，"
                                                 f"在{verdict.area_crs}中量算）")]
    declared = [f"{INDICATORS[k][0]}{fmt_number(v, _unit(INDICATORS[k][1]))}"
                for k, v in project.indicators.items() if k in INDICATORS]
    items.append(SummaryItem(label="申报指标", value="；".join(declared) or "未申报"))
    if project.existing_area_m2 is not None:
        items.append(SummaryItem(label="现状合法建设用地", value=fmt_number(project.existing_area_m2, " m²")))
    if verdict.zones:
        zones = "；".join(f"{z.zone_type or z.feature_id}{fmt_number(round(z.ratio * 100, 2))}%" for z in verdict.zones)
        items.append(SummaryItem(label="所在规划分区", value=zones))
    return items


def _unit(unit: str) -> str:
    return unit if unit in ("", "%") else " " + unit


def _norm_title(title: str) -> str:
    return re.sub(r"[\s《》]", "", title).removeprefix("中华人民共和国")


def _basis(checks: list[CheckResult], versions: dict[str, str]) -> list[BasisDocument]:
    docs: dict[str, BasisDocument] = {}
    for c in checks:
        sources = [c.rule.source, *c.rule.see_also]
        for s in sources:
            title = s["doc_title"]
            doc = docs.setdefault(title, BasisDocument(doc_title=title, doc_number=s.get("doc_number", ""),
                                                       version=versions.get(_norm_title(title), "")))
            if s["locator"] not in doc.locators:
                doc.locators.append(s["locator"])
            if c.rule.id not in doc.rule_ids:
                doc.rule_ids.append(c.rule.id)
            doc.doc_number = doc.doc_number or s.get("doc_number", "")
    return list(docs.values())


def _findings(checks: list[CheckResult]) -> list[Finding]:
    ordered = sorted((c for c in checks if c.status != Status.PASS), key=lambda c: -c.status.severity)
    return [Finding(check=c.check.value, status=c.status, citation=c.rule.cite(),
                    text=f"{CHECK_NAMES.get(c.check.value, c.check.value)}（{c.label}）：{c.message}")
            for c in ordered]


def _names(checks: list[CheckResult], status: Status) -> str:
    return "、".join(CHECK_NAMES.get(c.check.value, c.check.value) for c in checks if c.status == status)


def _conclusion(verdict: Verdict) -> Conclusion:
    who = f"{verdict.project_id}（{verdict.name}）" if verdict.name else verdict.project_id
    checks = verdict.checks
    head = f"经审查，{who}审查结论为“{verdict.label}”。"
    match verdict.overall:
        case Status.FAIL:
            text = head + f"{_names(checks, Status.FAIL)}不符合管控要求"
            if _names(checks, Status.CONDITIONAL):
                text += f"；{_names(checks, Status.CONDITIONAL)}为有条件"
            text += "。建议退回申请人修改方案，或依法不予办理。"
        case Status.CONDITIONAL:
            text = (head + f"{_names(checks, Status.CONDITIONAL)}须在取得相应审批或认定意见后方可办理"
                    "（见审查情况表及主要问题），其余审查项未发现不符合。")
        case Status.UNKNOWN:
            text = head + f"{_names(checks, Status.UNKNOWN)}无法判定，须补充资料或图层后复核，暂不能出具“符合”结论。"
        case _:
            text = head + "各审查项均符合，建议按程序办理。"
    if verdict.overall != Status.UNKNOWN and _names(checks, Status.UNKNOWN):
        text += f"另有{_names(checks, Status.UNKNOWN)}无法判定，须补充资料后复核。"
    return Conclusion(status=verdict.overall, label=verdict.label, text=text)


def _open_questions(verdict: Verdict, basis: list[BasisDocument]) -> list[str]:
    out: list[str] = []
    for c in verdict.checks:
        name = CHECK_NAMES.get(c.check.value, c.check.value)
        if c.status == Status.UNKNOWN:
            out.append(f"{name}无法判定：{c.message} 请核实是否缺少资料或图层。")
        elif c.status == Status.CONDITIONAL:
            out.append(f"{name}为有条件：请核实申请材料中是否已有相应审批或认定意见（{c.rule.cite()}）。")
    for c in verdict.checks:
        if c.status != Status.PASS and c.rule.confidence != "V":
            out.append(f"{CHECK_NAMES.get(c.check.value, c.check.value)}所依据的规则{c.rule.id}"
                       f"{_CONFIDENCE.get(c.rule.confidence, '')}（置信度{c.rule.confidence}），请对照原文核实。")
    missing = [d.cite() for d in basis if not d.version]
    if missing:
        out.append(f"以下依据文件未在知识库中找到版本，请核实现行有效版本：{'、'.join(missing)}。")
    out += [f"引擎提示：{w}" for w in verdict.warnings]
    return out


def catalog_versions(catalog: Any) -> Callable[[Role], dict[str, str]]:
    """Latest version per document title in the knowledge base, among the documents ``role`` may read."""

    def versions(role: Role) -> dict[str, str]:
        readable = set(readable_levels(role))
        out: dict[str, str] = {}
        for d in catalog.documents():
            if d.access in readable and d.version and d.version > out.get(d.title, ""):
                out[d.title] = d.version
        return out

    return versions


def from_container(container: Any, *, chat: Chat | None = None) -> ReportService:
    """The service wired from the container's checks, layers and catalog; ``chat`` None means no narrative."""
    return ReportService(container.checks, container.layer_backend, versions=catalog_versions(container.catalog),
                         chat=chat, model_name=container.llm.model_name if chat is not None else None,
                         max_tokens=min(container.settings.llm.max_tokens, 800))


NO_MODEL_NOTE = "未使用模型：意见书不含审查说明段落，其余内容完整。"
NO_SERVER_NOTE = "未检测到运行中的模型服务（可先运行 onemap serve）：意见书不含审查说明段落，其余内容完整。"


def draft_review(container: Any, project: Project, *, role: Role = Role.OFFICER, use_model: bool = True,
                 no_model_note: str = NO_MODEL_NOTE) -> Report:
    """The report for ``project`` as ``role`` sees it, the CLI's and the API's one way to draft one.

    The model writes the narrative only when ``use_model`` and it answers now (a server endpoint or a
    running embedded server): a report never starts or downloads a model; the note says why it is absent.
    """
    chat = container.llm.reachable_chat() if use_model else None
    note = no_model_note if not use_model else "" if chat is not None else NO_SERVER_NOTE
    return from_container(container, chat=chat).draft(project, role=role, use_model=chat is not None,
                                                      no_model_note=note)
