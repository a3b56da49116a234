"""``onemap review``: draft a review report (审查意见书) for a project, as Markdown, DOCX or PDF.

Imported by :mod:`assistant.cli` at its end, which registers the command on its app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.access import Role
from assistant.cli import _spatial_call, app, err, fail, out

NO_MODEL_NOTE = "未使用模型（--no-model）：意见书不含审查说明段落，其余内容完整。"


@app.command()
def review(
    project: Annotated[Path, typer.Argument(help="Project application JSON, as for `onemap check`.")],
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write the report here; the format follows the suffix: .md, .docx or .pdf "
                      "(a .md gets its map as NAME.map.png beside it). Default: Markdown on stdout.")] = None,
    role: Annotated[Role, typer.Option(help="Whose view: layers and documents above the role count as missing.")]
    = Role.OFFICER,
    no_model: Annotated[bool, typer.Option("--no-model", help="Do not ask the model for explanatory paragraphs.")]
    = False,
) -> None:
    """Draft a 审查意见书: summary, basis documents with versions, every check with value, limit, status,
    rule and clause, findings, the engine's conclusion, open questions and a map.

    Numbers, statuses and citations come from the check engine; a model (a running `onemap serve`
    or llm.base_url) may add explanatory paragraphs, from which any sentence stating a number or a
    verdict the engine did not give is dropped. The report (its verdict and the SHA-256 of what is
    written) is recorded in the audit trail. Exit code 0 whatever the verdict; 2 for bad input;
    1 when the layer backend is unreachable, the CJK font is missing or the audit trail cannot be written.
    """
    from assistant.audit_records import CLI_ACTOR, audit_review
    from assistant.cli_audit import audit_or_exit
    from assistant.reports import SUFFIXES, render
    from assistant.reports.draft import draft_review
    from assistant.reports.fonts import FontError
    from spatial.errors import SpatialError
    from spatial.project import load_project

    fmt = "md"
    if out_file is not None:
        if out_file.suffix.lower() not in SUFFIXES:
            raise fail(f"--out {out_file}: the suffix must be .md, .docx or .pdf")
        if not out_file.parent.is_dir():
            raise fail(f"--out {out_file}: the folder {out_file.parent} does not exist")
        fmt = SUFFIXES[out_file.suffix.lower()]
    try:
        parsed = load_project(project)
    except SpatialError as exc:
        raise fail(str(exc)) from None

    def run(c):
        with err.status(f"drafting the report for {parsed.id}…", spinner="dots"):
            report = draft_review(c, parsed, role=role, use_model=not no_model, no_model_note=NO_MODEL_NOTE)
        figure = None
        if out_file is not None and fmt == "md" and report.figure_png:
            figure = out_file.with_name(out_file.stem + ".map.png")
        data = render(report, fmt, figure_path=figure.name if figure else None)
        audit_or_exit(c, audit_review, parsed, report, role=role, actor=CLI_ACTOR, rendered=data, fmt=fmt,
                      path=out_file, source=str(project.resolve()))
        return report, data, figure

    try:
        report, data, figure = _spatial_call(run)
        if out_file is None:
            sys.stdout.write(data.decode("utf-8"))
            return
        if figure is not None:
            figure.write_bytes(report.figure_png)
        out_file.write_bytes(data)
    except FontError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    narrative = (f"; narrative by {report.narrative.model}, {len(report.narrative.dropped)} sentence(s) dropped"
                 if report.narrative.paragraphs else "; no narrative")
    out.print(f"{out_file}: {report.project_id} {report.conclusion.label} ({report.conclusion.status.value}), "
              f"{len(report.checks)} checks, {len(report.findings)} findings{narrative}"
              + (f"; map {figure.name}" if figure else ""), markup=False, highlight=False, soft_wrap=True)
