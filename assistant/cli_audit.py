"""``onemap audit list|verify``: the hash-chained trail of answers, checks, reviews, extractions and comparisons.

Imported by :mod:`assistant.cli` at its end, which registers the commands on its app.
:func:`audit_or_exit` is how the other commands write their record.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli import app, container, err, fail, out

audit_app = typer.Typer(help="The audit trail: who asked what, on which evidence, with which result (hash-chained).",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _exit_on_audit_error(exc: Exception) -> typer.Exit:
    err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def audit_or_exit(c, recorder, *args, **kwargs):
    """``recorder(c.audit, *args, **kwargs)``; a trail that cannot be written is one line and exit 1.

    The trail is a requirement: a command whose record cannot be written fails rather than answer unrecorded.
    """
    from assistant.audit import AuditError

    try:
        return recorder(c.audit, *args, **kwargs)
    except AuditError as exc:
        raise _exit_on_audit_error(exc) from None


@audit_app.command("list")
def audit_list(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100_000, help="How many, newest first.")] = 50,
    kind: Annotated[str | None, typer.Option(
        help="Only this kind: answer, check, review, extract, compare or search.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON, with their hashes.")] = False,
) -> None:
    """List audit records, newest first."""
    from assistant.audit import KINDS, AuditError

    if kind is not None and kind not in KINDS:
        raise fail(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    c = container()
    try:
        records = c.audit.list(limit=limit, kind=kind)  # type: ignore[arg-type]
    except AuditError as exc:
        raise _exit_on_audit_error(exc) from None
    finally:
        c.close()
    if as_json:
        out.print_json(json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False))
        return
    table = Table("seq", "at (UTC)", "kind", "role", "actor", "what", "evidence")
    for r in records:
        table.add_row(str(r.seq), r.at[:19].replace("T", " "), r.kind, r.role, r.actor, _what(r),
                      str(len(r.evidence_ids)))
    out.print(table)
    out.print(f"{len(records)} records" + (f" of kind {kind}" if kind else ""))


@audit_app.command("verify")
def audit_verify(as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False) -> None:
    """Recompute the hash chain: exit 0 when intact, 1 naming the first bad record and why."""
    from assistant.audit import AuditError

    c = container()
    try:
        result = c.audit.verify()
    except AuditError as exc:
        raise _exit_on_audit_error(exc) from None
    finally:
        c.close()
    if as_json:
        out.print_json(result.model_dump_json())
    elif result.ok:
        out.print(f"审计记录 {result.records} 条，哈希链完整")
    else:
        err.print(f"审计记录 {result.records} 条，哈希链在第 {result.first_bad_seq} 条处断开：{result.reason}",
                  markup=False, highlight=False, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(code=1)


def _what(record, width: int = 48) -> str:
    """One line on what was asked and the outcome, e.g. ``P-003 → fail`` or ``城镇开发边界… → 3 citations``."""
    req, res = record.request, record.result
    match record.kind:
        case "answer":
            text = f"{req.get('question', '')} → {len(res.get('citations', []))} citations" \
                   + ("" if res.get("grounded") else ", not grounded")
        case "check" | "review":
            text = f"{res.get('project_id', '')} → {res.get('overall', '')}"
            report = res.get("report") or {}
            text += f" ({report.get('path') or report.get('format', '')})" if report else ""
        case "extract":
            text = f"{req.get('document', '')} → {len(res.get('parcels', {}))} parcels"
        case "compare":
            text = f"{req.get('old', '')} → {req.get('new', '')}: {len(res.get('changed', []))} changed"
        case _:
            text = f"{req.get('query', '')} → {len(res.get('hits', []))} hits"
    return text if len(text) <= width else text[: width - 1] + "…"
