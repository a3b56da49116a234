"""One function per kind of audited work: a service's typed result becomes one :class:`AuditRecord`.

The CLI commands and the API routers call the same functions, passing who acted: ``actor``
is the API key's name, ``"cli"`` for the command line or ``"public"`` for an anonymous
caller; ``role`` is the role the work was done under (:data:`LOCAL_ROLE` for a command that
reads only the files it was given and applies no role).

Evidence ids name what a result rests on, in one of five forms:

- ``doc:<doc_id>#<locator>``: a retrieved passage of an ingested document;
- ``clause:《<title>》<version><locator>``: a cited clause known by title only;
- ``rule:<rule_id>``: a rule of the check engine (``spatial/data/rules.yaml``);
- ``feature:<check or layer>/<feature_id>``: a layer feature a check or comparison met;
- ``source:<document>#<locator>``: where an extracted value was read.

Every function raises :class:`assistant.audit.AuditError` when the trail cannot be written.

Examples
--------
>>> clause_id("城乡规划法", "2019修正", "第四十三条")
'clause:《城乡规划法》2019修正第四十三条'
>>> sha256_bytes(b"")[:12]
'e3b0c44298fc'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.audit import AuditLog, AuditRecord

if TYPE_CHECKING:
    from assistant.extraction.models import ExtractionResult
    from assistant.qa.service import Answer
    from assistant.reports.model import Report
    from assistant.retrieval.search import SearchResult
    from spatial.compare.models import PlanComparison
    from spatial.project import Project
    from spatial.verdict import Verdict

CLI_ACTOR = "cli"
PUBLIC_ACTOR = "public"
LOCAL_ROLE = "local"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path | str) -> str:
    """SHA-256 of a file's bytes, hex (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def clause_id(doc_title: str, version: str, locator: str) -> str:
    return f"clause:《{doc_title}》{version}{locator}"


# --------------------------------------------------------------------- kinds


def audit_answer(log: AuditLog, question: str, answer: Answer, *, role: str, actor: str) -> AuditRecord:
    """A grounded answer: the question, its citations as evidence, every tool call with its result."""
    return log.record(
        "answer", role=role, actor=actor, request={"question": question},
        evidence_ids=answer_evidence_ids(answer),
        tool_calls=[t.model_dump(mode="json") for t in answer.tool_calls],
        result={"answer": answer.answer, "grounded": answer.grounded, "intent": answer.intent,
                "citations": [{"n": c.n, "doc_title": c.doc_title, "version": c.version, "locator": c.locator,
                               "access": c.access} for c in answer.citations],
                "flags": answer.flags, "latency_ms": answer.latency_ms},
        model=answer.model or None)


def audit_search(log: AuditLog, result: SearchResult, *, role: str, actor: str, k: int,
                 mode: str = "hybrid") -> AuditRecord:
    """A search: the query and which passages were returned (their ranks and scores, not their text)."""
    return log.record(
        "search", role=role, actor=actor, request={"query": result.query, "k": k, "mode": mode},
        evidence_ids=_unique(f"doc:{h.doc_id}#{h.locator}" for h in result.hits),
        result={"hits": [{"rank": h.rank, "doc_id": h.doc_id, "locator": h.locator, "score": round(h.score, 6)}
                         for h in result.hits], "best_similarity": result.best_similarity})


def audit_check(log: AuditLog, project: Project, verdict: Verdict, *, role: str, actor: str,
                source: str = "") -> AuditRecord:
    """A compliance check: the project as validated, the verdict's statuses, the rules and features it rests on.

    ``source`` says where the project came from (a file path, ``"api"``).
    """
    return log.record(
        "check", role=role, actor=actor, request={"project": project_summary(project), "source": source},
        evidence_ids=verdict_evidence_ids(verdict), result=verdict_summary(verdict))


def audit_review(log: AuditLog, project: Project, report: Report, *, role: str, actor: str, rendered: bytes,
                 fmt: str, path: Path | str | None = None, source: str = "") -> AuditRecord:
    """A review report: the verdict it states and the rendered bytes' SHA-256 (``path`` None: printed)."""
    evidence = verdict_evidence_ids(report.verdict) + [
        clause_id(b.doc_title, b.version, loc) for b in report.basis for loc in b.locators]
    return log.record(
        "review", role=role, actor=actor,
        request={"project": project_summary(project), "source": source, "format": fmt},
        evidence_ids=_unique(evidence),
        result={**verdict_summary(report.verdict), "conclusion": report.conclusion.text,
                "findings": len(report.findings), "open_questions": len(report.open_questions),
                "narrative_paragraphs": len(report.narrative.paragraphs),
                "narrative_dropped": len(report.narrative.dropped),
                "report": {"path": _absolute(path), "format": fmt,
                           "sha256": sha256_bytes(rendered), "bytes": len(rendered)}},
        model=report.narrative.model or None)


def audit_extract(log: AuditLog, result: ExtractionResult, *, role: str, actor: str,
                  document_sha256: str | None = None, use_model: bool = True) -> AuditRecord:
    """Planning conditions: each parcel's values, each value's locator as evidence."""
    parcels: dict[str, dict[str, Any]] = {}
    evidence: list[str] = []
    for parcel in result.parcels:
        values: dict[str, Any] = {}
        for name, fv in parcel.fields.items():
            items = fv if isinstance(fv, list) else [fv]
            shown = [{"value": i.value, "unit": i.unit, "source": i.source} for i in items]
            values[name] = shown if isinstance(fv, list) else shown[0]
            evidence.extend(f"source:{result.document}#{i.locator}" for i in items)
        parcels[parcel.parcel_id] = values
    return log.record(
        "extract", role=role, actor=actor,
        request={"document": result.document, "sha256": document_sha256, "use_model": use_model},
        evidence_ids=_unique(evidence),
        result={"parcels": parcels, "conflicts": {p.parcel_id: [c.field for c in p.conflicts]
                                                  for p in result.parcels if p.conflicts},
                "warnings": result.warnings},
        model=result.model)


def audit_compare(log: AuditLog, comparison: PlanComparison, *, role: str, actor: str,
                  old_sha256: str | None = None, new_sha256: str | None = None, layers: str | None = None,
                  report: bytes | None = None, report_path: Path | str | None = None,
                  report_format: str | None = None) -> AuditRecord:
    """A plan comparison: the two inputs (with their hashes), what changed, the control-line features met."""
    return log.record(
        "compare", role=role, actor=actor,
        request={"old": comparison.old_source, "old_sha256": old_sha256, "new": comparison.new_source,
                 "new_sha256": new_sha256, "layers": layers, "options": comparison.options.model_dump(mode="json")},
        evidence_ids=_unique(f"feature:{h.line}/{fid}" for h in comparison.control_lines for fid in h.feature_ids),
        result={"old_parcels": comparison.old_parcels, "new_parcels": comparison.new_parcels,
                "unchanged_parcels": comparison.unchanged_parcels, "counts": comparison.counts(),
                "changed": [c.parcel_id for c in comparison.changes],
                "units_pushed_over": [u.unit_id for u in comparison.units if u.pushed_over],
                "control_lines": [{"parcel_id": h.parcel_id, "line": h.line, "status": h.status}
                                  for h in comparison.control_lines],
                "report": None if report is None else {
                    "path": _absolute(report_path), "format": report_format,
                    "sha256": sha256_bytes(report), "bytes": len(report)}})


# --------------------------------------------------------------- summaries


def answer_evidence_ids(answer: Answer) -> list[str]:
    """Each citation as ``doc:<doc_id>#<locator>`` when a search hit gives its document id, else as a clause."""
    doc_ids: dict[tuple[str, str, str], str] = {}
    for call in answer.tool_calls:
        if call.name == "search" and call.ok:
            for hit in call.result.get("hits", []):
                key = (hit.get("doc_title", ""), hit.get("version", ""), hit.get("locator", ""))
                doc_ids.setdefault(key, hit.get("doc_id", ""))
    out = []
    for c in answer.citations:
        doc_id = doc_ids.get((c.doc_title, c.version, c.locator))
        out.append(f"doc:{doc_id}#{c.locator}" if doc_id else clause_id(c.doc_title, c.version, c.locator))
    return _unique(out)


def verdict_evidence_ids(verdict: Verdict) -> list[str]:
    """The rules every check rests on, then the features it met."""
    rules = [f"rule:{c.rule.id}" for c in verdict.checks]
    features = [f"feature:{c.check.value}/{fid}" for c in verdict.checks for fid in c.feature_ids]
    return _unique(rules + features)


def verdict_summary(verdict: Verdict) -> dict[str, Any]:
    return {"project_id": verdict.project_id, "overall": verdict.overall.value, "label": verdict.label,
            "checks": {c.check.value: c.status.value for c in verdict.checks}, "backend": verdict.backend}


def project_summary(project: Project) -> dict[str, Any]:
    """The validated project (lon/lat geometry in EPSG:4490), enough to run the check again."""
    from shapely.geometry import mapping

    return {"id": project.id, "name": project.name, "project_type": project.project_type.value,
            "land_use": project.land_use, "indicators": dict(project.indicators),
            "existing_area_m2": project.existing_area_m2, "area_m2": round(project.area_m2, 3),
            "area_crs": project.area_crs, "geometry": mapping(project.geometry)}


def _absolute(path: Path | str | None) -> str | None:
    return None if path is None else str(Path(path).resolve())


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
